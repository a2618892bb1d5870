"""Silver: every visit kept has its customer's region; the key comes from the declaration."""

import great_expectations.expectations as gxe

from include.elt.contract.checks import not_null
from tests.toy_domain.datasets import REGIONS


def configure_visits() -> list:
    return [
        *not_null("customer_id", "region", "visit_date", "pages"),
        gxe.ExpectColumnValuesToBeInSet(column="region", value_set=list(REGIONS)),
    ]


SUITES = {"visits": configure_visits}
