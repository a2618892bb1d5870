"""The streaming domain: a subscription video/music/podcast service (seeds 000 and 001)."""

from datetime import timedelta

from include.domains.streaming.datasets import DATASETS
from include.domains.streaming.design import (
    COMPLETION_CLIP,
    LAUNCH_DAY,
    MIN_WATCHED,
    PLAN_NAMES,
    WATCHED_ROUNDING,
)
from include.elt.contract.domain import Domain
from include.elt.contract.patterns import sql_array

DOMAIN = Domain(
    name="streaming",
    description=__doc__,
    datasets=DATASETS,
    generator="include.domains.streaming.generate:generate",
    expectations_module="include.domains.streaming.expectations",
    scales=("tiny", "default", "large"),
    earliest_day=LAUNCH_DAY,
    # the design's watching rules, for silver's rejects (SQL text)
    template_variables={
        "min_watched": str(MIN_WATCHED),
        "watched_rounding": str(WATCHED_ROUNDING),
        "completion_min": str(COMPLETION_CLIP[0]),
        "completion_max": str(COMPLETION_CLIP[1]),
        # the dashboard's order of plans
        "plans_by_price": sql_array(PLAN_NAMES),
    },
    reports={
        "top_content_report.csv": "top_content",
        "engagement_report.csv": "engagement",
    },
    dashboard="include.domains.streaming.dashboard:CHARTS",
    # a day's gold by 02:00 the next day: the daily run starts at midnight and takes minutes
    freshness=timedelta(hours=26),
)
