"""Bronze: the raw shape of the days loaded, plus the generator's designed rates within the
sampling band of that many rows (four standard errors: a one-day run is held to a wide band,
a 60-day run to a narrow one)."""

import great_expectations.expectations as gxe

from include.domains.streaming import datasets as ds
from include.domains.streaming import design as d
from include.elt.contract.checks import (
    bronze_shape,
    primary_key,
    rows_violating,
    sample_band,
    share_between,
)
from include.elt.contract.patterns import EMAIL_PATTERN

GENRES = d.GENRE_MIX
MIX = "/".join(f"{share:.0%}".rstrip("%") for share in d.GENRE_SHARE)
LOW, HIGH = d.COMPLETION_CLIP


def configure_plans() -> list:
    return [*bronze_shape(ds.PLANS), *primary_key("plan_id")]


def configure_content() -> list:
    return [
        *bronze_shape(ds.CONTENT),
        *primary_key("content_id"),
        share_between("genre", GENRES, 0.01),  # the whole catalog, built to the shares
        gxe.ExpectColumnValuesToBeBetween(
            column="duration_minutes", min_value=1, max_value=d.MAX_CONTENT_MINUTES
        ),
    ]


def configure_customers() -> list:
    return [
        *bronze_shape(ds.CUSTOMERS),
        *primary_key("customer_id"),
        gxe.ExpectColumnValuesToMatchRegex(column="email", regex=EMAIL_PATTERN),
    ]


def configure_subscriptions() -> list:
    return [
        *bronze_shape(ds.SUBSCRIPTIONS),
        *primary_key("subscription_id"),
        share_between("plan_id", {str(i + 1): share for i, share in enumerate(d.PLAN_SHARE)}),
    ]


def configure_usage_logs() -> list:
    band = sample_band("expected.share")
    expected = " union all ".join(
        f"select '{genre}' as genre, {share} as share" for genre, share in GENRES.items()
    )
    return [
        *bronze_shape(ds.USAGE_LOGS),
        *primary_key("usage_id"),
        gxe.ExpectColumnValuesToBeBetween(column="completion_rate", min_value=LOW, max_value=HIGH),
        gxe.ExpectColumnValuesToBeBetween(column="duration_watched", min_value=0, strict_min=True),
        rows_violating(
            f"sessions follow the {MIX} {'/'.join(d.GENRES)} mix",
            f"with expected as ({expected}), mix as (select content.genre,"
            " count(*)::numeric / sum(count(*)) over () as share, sum(count(*)) over () as n"
            " from {batch} as usage join {{ source('content') }} as content"
            " using (content_id) group by content.genre)"
            " select * from expected join mix using (genre)"
            f" where abs(mix.share - expected.share) > {band}",
        ),
    ]


SUITES = {
    "plans": configure_plans,
    "content": configure_content,
    "customers": configure_customers,
    "subscriptions": configure_subscriptions,
    "usage_logs": configure_usage_logs,
}
