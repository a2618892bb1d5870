"""The streaming domain: a subscription video/music/podcast service (seeds 000 and 001)."""

from datetime import date

from include.domains.streaming.datasets import DATASETS
from include.domains.streaming.generate import LAUNCH_DAY, SCALES, generate
from include.elt.domain import Domain

DOMAIN = Domain(
    name="streaming",
    description=__doc__,
    datasets=DATASETS,
    generate=generate,
    scales=tuple(SCALES),
    earliest_day=LAUNCH_DAY,
    expectations_module="include.domains.streaming.expectations",
    reports={
        "top_content_report.csv": "top_content",
        "engagement_report.csv": "engagement",
    },
)
