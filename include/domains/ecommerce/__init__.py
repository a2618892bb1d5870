"""The ecommerce domain: an online shop (seeds 002, 003 and 004)."""

from datetime import timedelta

from include.domains.ecommerce.datasets import DATASETS
from include.domains.ecommerce.design import LAUNCH_DAY, ORDER_STATUSES, TIERS, VOLUMES
from include.elt.contract.domain import Domain
from include.elt.contract.patterns import sql_array, sql_list

DOMAIN = Domain(
    name="ecommerce",
    description=__doc__,
    datasets=DATASETS,
    generator="include.domains.ecommerce.generate:generate",
    row_counts="include.domains.ecommerce.generate:expected_rows",
    expectations_module="include.domains.ecommerce.expectations",
    scales=("tiny", "default", "large"),
    earliest_day=LAUNCH_DAY,
    volumes=VOLUMES,
    template_variables={
        "order_statuses": sql_list(ORDER_STATUSES),
        "loyalty_tiers": sql_array(TIERS),  # lowest first
    },
    reports={
        "daily_sales.csv": "daily_sales",
        "campaign_performance.csv": "campaign_performance",
        "product_features.csv": "product_features",
        "customer_360.csv": "customer_360",
    },
    dashboard="include.domains.ecommerce.dashboard:CHARTS",
    # a day's gold by 02:00 the next day: the daily run starts at midnight and takes minutes
    freshness=timedelta(hours=26),
)
