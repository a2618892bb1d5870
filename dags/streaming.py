"""
### streaming — subscription streaming analytics

Generates a day of synthetic customers, subscriptions and viewing sessions, COPY-loads them into
`bronze`, builds `silver` and `gold` (the seed's views `top_content` and `engagement` over
all-time totals kept in tables, and the daily mart `daily_usage`), gates every layer
with a Great Expectations checkpoint, then exports `top_content_report.csv` and
`engagement_report.csv` and rebuilds Data Docs.

Scheduled runs process their one-day data interval. Trigger it by hand to choose the history
days (or an explicit start/end), the scale and the seed.
"""

from datetime import UTC, datetime

from airflow.sdk import CronDataIntervalTimetable

from include.orchestration.dag_builder import build_domain_dag

dag = build_domain_dag(
    "streaming",
    doc_md=__doc__,
    # A cron *data interval* timetable: each run covers exactly [midnight, next midnight).
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    default_args={
        "owner": "data-platform",
        "retries": 2,  # after [core] default_task_retry_delay (docker-compose.yml: 2 minutes)
    },
    tags=["elt", "streaming"],
)
