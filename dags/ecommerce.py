"""
### ecommerce — online shop analytics (seed 002's four use cases)

Generates a day of customers (with SCD Type 2 segment history), products, orders and items,
inventory, reviews, sessions and clickstream, campaigns and marketing events, user interactions
and support tickets — with seed 002's data-quality faults injected at their designed rates.
COPY-loads them into `bronze`, checks the fault rates, cleans and conforms them into `silver`
(every rejected row kept in `silver.rejects` with its reason), and builds the gold marts:
A1 `daily_sales`, A2 `campaign_performance`, B3 `product_features` and
`user_product_features`, C2 `customer_360`. Every layer is gated by Great Expectations.

Scheduled runs process their one-day data interval; trigger by hand for history days (or an
explicit start/end), the scale and the seed.
"""

from datetime import UTC, datetime

from airflow.sdk import CronDataIntervalTimetable

from include.orchestration.dag_builder import build_domain_dag

dag = build_domain_dag(
    "ecommerce",
    doc_md=__doc__,
    # A cron *data interval* timetable: each run covers exactly [midnight, next midnight).
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    default_args={
        "owner": "data-platform",
        "retries": 2,  # after [core] default_task_retry_delay (docker-compose.yml: 2 minutes)
    },
    tags=["elt", "ecommerce"],
)
