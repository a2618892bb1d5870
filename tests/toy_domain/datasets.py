"""Bronze datasets of the toy domain, and the few numbers its data is designed to."""

from include.elt.contract.datasets import Column, Dataset

REGIONS = ("north", "south", "east", "west")
MAX_PAGES = 12  # pages seen in one visit

CUSTOMERS = Dataset(
    name="customers",
    description="Every customer; reference data, replaced whole.",
    key=("customer_id",),
    columns=(
        Column("customer_id", "bigint"),
        Column("region", "text"),
    ),
)

VISITS = Dataset(
    name="visits",
    description="One row per visit to the shop, partitioned by its day.",
    key=("visit_id",),
    partition_column="visited_at",
    foreign_keys={"customer_id": "customers"},
    columns=(
        Column("visit_id", "bigint"),
        Column("customer_id", "bigint"),
        Column("visited_at", "timestamp"),
        Column("pages", "integer"),
    ),
)

DATASETS = (CUSTOMERS, VISITS)
