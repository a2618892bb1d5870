"""Gold: each relation's ranges and its reconciliation, checked on what the run changed.

Every check stays the size of the run: each changed day of ``daily_usage`` equals silver's
sessions of that day; the per-customer totals equal silver's session count, read from the row
counts recorded for each published day (``audit.partitions``) plus the run's own days; the
per-title totals and the two views agree with the per-customer totals.

``daily_usage`` also carries seed 000's governance checks, the behaviour the design promises:
weekends ×1.5, plan-weighted sessions, and recency. Each needs many days, and a daily run has
one, so each reads the last 60 days held (the published days plus the run's, through
``ref('daily_usage')``) ending on the run's last day: ~720 mart rows and the subscriptions
active on those days, the same cost whatever the length of the history. Sessions per (day,
plan) are Poisson around active subscriptions × plan rate × weekend factor × engagement trend
(the design), so, given their total, a group's sessions (weekend days, a plan, the last 14
days) are binomial with the group's share of that expectation: a group more than
``SPLIT_STANDARD_ERRORS`` standard errors from it fails. The band follows the counts, wide for
tiny's few sessions, tight for large's. Weekends are compared once 14 days are held, recency
once 28 (14 recent days and at least 14 before); plan weighting on any day.
"""

import great_expectations.expectations as gxe

from include.domains.streaming import DOMAIN
from include.domains.streaming import design as d
from include.elt.contract.checks import not_null, rows_violating

SILVER_SESSIONS = (
    "((select coalesce(sum(row_count), 0) from audit.partitions"
    " where relation = '" + DOMAIN.qualified("silver", "usage_logs") + "'"
    " and not (day >= {{ window_start }} and day < {{ window_end }}))"
    " + (select count(*) from {{ ref('usage_logs') }}"
    " where usage_date >= {{ window_start }} and usage_date < {{ window_end }}))"
)
CUSTOMER_TOTALS = (
    "(select coalesce(sum(count_sessions), 0) as sessions,"
    " coalesce(sum(minutes_watched), 0) as minutes from {{ ref('customer_totals') }})"
)


def _day_plan_cells() -> str:
    """SQL CTEs ending in ``cells``: per day held in the last RECENCY_WINDOW_DAYS up to the
    run's last day and per plan, the sessions and what the design expects of them."""
    rates = ", ".join(
        f"('{name}', {rate})"
        for name, rate in zip(d.PLAN_NAMES, d.PLAN_SESSIONS_PER_DAY, strict=True)
    )
    first, last = d.ENGAGEMENT_RAMP
    trend = (
        f"exp({d.ENGAGEMENT_GROWTH_PER_DAY!r} * (least(greatest(active.day, '{first}'::date),"
        f" '{last}'::date) - '{d.ENGAGEMENT_REFERENCE_DAY}'::date))"
    )
    weekend = "extract(isodow from active.day) >= 6"
    return (
        "with last_day as (select max(usage_date) as day from {batch} as batch_rows),"
        " observed as (select usage_date as day, plan_name, sum(count_sessions) as sessions"
        " from {{ ref('daily_usage') }}"
        f" where usage_date > (select day from last_day) - {d.RECENCY_WINDOW_DAYS}"
        " and usage_date <= (select day from last_day) group by usage_date, plan_name),"
        " days as (select distinct day from observed),"
        f" design as (select * from (values {rates}) as design (plan_name, rate)),"
        " active as (select days.day, plans.plan_name, count(*) as subscriptions from days"
        " join {{ ref('subscriptions') }} as s on s.start_date <= days.day"
        " and coalesce(s.end_date, 'infinity'::date) >= days.day"
        " join {{ ref('plans') }} as plans on plans.plan_id = s.plan_id"
        " group by days.day, plans.plan_name),"
        " cells as (select active.day, active.plan_name,"
        " coalesce(observed.sessions, 0) as sessions,"
        " active.subscriptions * design.rate"
        f" * (case when {weekend} then {d.WEEKEND_FACTOR} else 1 end) * {trend} as expected,"
        f" {weekend} as is_weekend,"
        f" active.day > (select day from last_day) - {d.RECENT_DAYS} as is_recent,"
        " (select count(*) from days) as count_days"
        " from active join design on design.plan_name = active.plan_name"
        " left join observed on observed.day = active.day"
        " and observed.plan_name = active.plan_name)"
    )


def _split_as_designed(description: str, part: str, min_days: int = 1) -> gxe.Expectation:
    """Sessions split by ``part`` (a column of ``cells``) as the design expects, within
    SPLIT_STANDARD_ERRORS binomial standard errors; passes while fewer than ``min_days`` days
    are held."""
    k = d.SPLIT_STANDARD_ERRORS
    return rows_violating(
        description,
        _day_plan_cells() + f", parts as (select {part} as part, sum(sessions) as sessions,"
        " sum(expected) as expected from cells"
        f" where count_days >= {int(min_days)} group by {part}),"
        " totals as (select sum(sessions) as n, sum(expected) as e from parts)"
        " select part, sessions, n * expected / e as expected_sessions from parts, totals"
        " where n > 0 and abs(sessions - n * expected / e)"
        f" > {k} * sqrt(n * (expected / e) * (1 - expected / e))",
    )


def configure_daily_usage() -> list:
    span = f"last {d.RECENCY_WINDOW_DAYS} days"
    plan_rates = "/".join(f"{r:g}" for r in d.PLAN_SESSIONS_PER_DAY)
    return [
        _split_as_designed(
            f"weekends have {d.WEEKEND_FACTOR:g}x a weekday's sessions per subscription"
            f" ({span}, from {d.MIN_DAYS_WEEKEND} days held)",
            "is_weekend",
            d.MIN_DAYS_WEEKEND,
        ),
        _split_as_designed(
            f"sessions per subscription are weighted by plan {plan_rates} ({span})",
            "plan_name",
        ),
        _split_as_designed(
            f"the last {d.RECENT_DAYS} days are busier by the designed engagement trend"
            f" ({d.RECENCY_FACTOR:g}x per subscription; {span}, from {d.MIN_DAYS_RECENCY}"
            " days held)",
            "is_recent",
            d.MIN_DAYS_RECENCY,
        ),
        *not_null("count_sessions", "count_viewers", "minutes_watched"),
        gxe.ExpectColumnValuesToBeBetween(column="count_sessions", min_value=1),
        rows_violating(
            "each changed day's sessions and minutes equal silver usage of that day",
            "with gold as (select usage_date, sum(count_sessions) as sessions,"
            " sum(minutes_watched) as minutes from {batch} as daily group by usage_date),"
            " silver as (select usage_date, count(*) as sessions, sum(duration_watched) as minutes"
            " from {{ ref('usage_logs') }} where usage_date >= {{ window_start }}"
            " and usage_date < {{ window_end }} group by usage_date)"
            " select * from gold full join silver using (usage_date)"
            " where gold.sessions is distinct from silver.sessions"
            " or gold.minutes is distinct from silver.minutes",
        ),
    ]


def configure_content_viewers() -> list:
    return [gxe.ExpectColumnValuesToBeBetween(column="count_sessions", min_value=0)]


def configure_content_totals() -> list:
    return [
        gxe.ExpectColumnValuesToBeBetween(column="count_sessions", min_value=0),
        gxe.ExpectColumnValuesToBeBetween(column="count_viewers", min_value=0),
        rows_violating(
            "all-time sessions and minutes equal the per-customer totals",
            "select * from (select coalesce(sum(count_sessions), 0) as sessions,"
            " coalesce(sum(minutes_watched), 0) as minutes"
            " from {{ ref('content_totals') }}) as totals, " + CUSTOMER_TOTALS + " as customers,"
            " (select count(*) as changed from {batch}) as batch_rows"
            " where totals.sessions != customers.sessions or totals.minutes != customers.minutes",
        ),
    ]


def configure_customer_totals() -> list:
    return [
        gxe.ExpectColumnValuesToBeBetween(column="count_sessions", min_value=0),
        rows_violating(
            "all-time sessions equal silver's sessions",
            "select totals.sessions, " + SILVER_SESSIONS + " as silver_sessions"
            " from " + CUSTOMER_TOTALS + " as totals,"
            " (select count(*) as changed from {batch}) as batch_rows"
            " where totals.sessions != " + SILVER_SESSIONS,
        ),
    ]


def configure_top_content() -> list:
    return [
        *not_null("title", "genre", "total_watch_hours", "unique_viewers"),
        gxe.ExpectTableColumnsToMatchOrderedList(
            column_list=[
                "content_id",
                "title",
                "genre",
                "total_watch_hours",
                "unique_viewers",
                "avg_completion_rate",
            ]
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="avg_completion_rate", min_value=0.05, max_value=1
        ),
        gxe.ExpectColumnValuesToBeBetween(column="unique_viewers", min_value=1),
        rows_violating(
            "watch hours reconcile with the per-customer totals (within rounding)",
            "select gold_hours, customer_hours from ("
            " select (select sum(total_watch_hours) from {batch}) as gold_hours,"
            " (select minutes / 60 from " + CUSTOMER_TOTALS + " as c) as customer_hours,"
            " (select count(*) from {batch}) as n) as totals"
            " where abs(gold_hours - customer_hours) > 0.005 * n",
        ),
    ]


def configure_engagement() -> list:
    return [
        *not_null("name", "avg_watch_minutes_per_session", "total_sessions"),
        gxe.ExpectTableColumnsToMatchOrderedList(
            column_list=[
                "customer_id",
                "name",
                "avg_watch_minutes_per_session",
                "avg_completion_rate",
                "total_sessions",
            ]
        ),
        gxe.ExpectColumnValuesToBeBetween(
            column="avg_completion_rate", min_value=0.05, max_value=1
        ),
        rows_violating(
            "sessions reconcile with the per-customer totals",
            "select gold_sessions, totals.sessions from ("
            " select coalesce(sum(total_sessions), 0) as gold_sessions from {batch}) as gold, "
            + CUSTOMER_TOTALS
            + " as totals where gold_sessions != totals.sessions",
        ),
    ]


SUITES = {
    "daily_usage": configure_daily_usage,
    "content_viewers": configure_content_viewers,
    "content_totals": configure_content_totals,
    "customer_totals": configure_customer_totals,
    "top_content": configure_top_content,
    "engagement": configure_engagement,
}
