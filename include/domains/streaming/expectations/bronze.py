"""Bronze: the raw shape, plus the designed rates of the generator within their sampling bands."""

import great_expectations.expectations as gxe

from include.domains.streaming import datasets as ds
from include.domains.streaming.generate import GENRE_SHARE, PLAN_SHARE
from include.elt.expectations import bronze_shape, primary_key, rows_violating, share_between

# Bands are about four standard errors of a share at tiny scale (~1k subscriptions, ~2k sessions).
PLAN_BAND = 0.06
GENRE_BAND = 0.05


def configure_plans() -> list:
    return [*bronze_shape(ds.PLANS), *primary_key("plan_id")]


def configure_content() -> list:
    return [
        *bronze_shape(ds.CONTENT),
        *primary_key("content_id"),
        share_between(
            "genre", dict(zip(("movie", "music", "podcast"), GENRE_SHARE, strict=True)), 0.01
        ),
        gxe.ExpectColumnValuesToBeBetween(column="duration_minutes", min_value=1, max_value=240),
    ]


def configure_customers() -> list:
    return [
        *bronze_shape(ds.CUSTOMERS),
        *primary_key("customer_id"),
        gxe.ExpectColumnValuesToMatchRegex(column="email", regex=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
    ]


def configure_subscriptions() -> list:
    return [
        *bronze_shape(ds.SUBSCRIPTIONS),
        *primary_key("subscription_id"),
        share_between(
            "plan_id", {"1": PLAN_SHARE[0], "2": PLAN_SHARE[1], "3": PLAN_SHARE[2]}, PLAN_BAND
        ),
    ]


def configure_usage_logs() -> list:
    return [
        *bronze_shape(ds.USAGE_LOGS),
        *primary_key("usage_id"),
        gxe.ExpectColumnValuesToBeBetween(column="completion_rate", min_value=0.05, max_value=1),
        gxe.ExpectColumnValuesToBeBetween(column="duration_watched", min_value=0, strict_min=True),
        rows_violating(
            "sessions follow the 50/30/20 movie/music/podcast mix",
            "with mix as (select content.genre, count(*)::numeric / sum(count(*)) over () as share"
            " from {batch} as usage join bronze.streaming_content as content"
            " using (content_id) group by content.genre)"
            " select * from mix where"
            f" (genre = 'movie' and abs(share - {GENRE_SHARE[0]}) > {GENRE_BAND})"
            f" or (genre = 'music' and abs(share - {GENRE_SHARE[1]}) > {GENRE_BAND})"
            f" or (genre = 'podcast' and abs(share - {GENRE_SHARE[2]}) > {GENRE_BAND})",
        ),
    ]


SUITES = {
    "plans": configure_plans,
    "content": configure_content,
    "customers": configure_customers,
    "subscriptions": configure_subscriptions,
    "usage_logs": configure_usage_logs,
}
