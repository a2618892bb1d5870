"""Bronze: the declared shape and keys, and the designed ranges."""

import great_expectations.expectations as gxe

from include.elt.contract.checks import bronze_keys, bronze_shape
from tests.toy_domain import datasets as ds


def configure_customers() -> list:
    return [
        *bronze_shape(ds.CUSTOMERS),
        *bronze_keys(ds.CUSTOMERS),
        gxe.ExpectColumnValuesToBeInSet(column="region", value_set=list(ds.REGIONS)),
    ]


def configure_visits() -> list:
    return [
        *bronze_shape(ds.VISITS),
        *bronze_keys(ds.VISITS),
        gxe.ExpectColumnValuesToBeBetween(column="pages", min_value=1, max_value=ds.MAX_PAGES),
    ]


SUITES = {"customers": configure_customers, "visits": configure_visits}
