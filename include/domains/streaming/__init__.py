"""The streaming domain: a subscription video/music/podcast service (seeds 000 and 001)."""

from include.domains.streaming.datasets import DATASETS
from include.domains.streaming.design import LAUNCH_DAY
from include.elt.domain import Domain

DOMAIN = Domain(
    name="streaming",
    description=__doc__,
    datasets=DATASETS,
    generator="include.domains.streaming.generate:generate",
    expectations_module="include.domains.streaming.expectations",
    scales=("tiny", "default", "large"),
    earliest_day=LAUNCH_DAY,
    reports={
        "top_content_report.csv": "top_content",
        "engagement_report.csv": "engagement",
    },
)
