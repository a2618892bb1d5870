"""Gold: each relation's ranges and its reconciliation, checked on what the run changed.

Every check stays the size of the run: each changed day of ``daily_usage`` equals silver's
sessions of that day; the per-customer totals equal silver's session count, read from the row
counts recorded for each published day (``audit.partitions``) plus the run's own days; the
per-title totals and the two views agree with the per-customer totals."""

import great_expectations.expectations as gxe

from include.domains.streaming import DOMAIN
from include.elt.expectations import not_null, rows_violating

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


def configure_daily_usage() -> list:
    return [
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
