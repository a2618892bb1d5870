"""A toy domain for the tests alone: a shop's customers and their daily visits.

It sits outside ``include/domains/`` with its SQL beside it, and uses only what the real domains
use, so the platform finds it through ``ELT_DOMAIN_PACKAGES=tests.toy_domain`` alone: that it
runs end to end shows a new domain needs no platform change.
"""

from datetime import date
from pathlib import Path

from include.elt.contract.domain import Domain
from tests.toy_domain.datasets import DATASETS

OPENING_DAY = date(2026, 1, 1)

DOMAIN = Domain(
    name="toy",
    description=__doc__,
    datasets=DATASETS,
    generator="tests.toy_domain.generate:generate",
    expectations_module="tests.toy_domain.expectations",
    scales=("tiny", "default"),
    earliest_day=OPENING_DAY,
    volumes=("customers",),
    reports={"daily_visits.csv": "daily_visits"},
    sql_root=Path(__file__).parent / "sql",
)
