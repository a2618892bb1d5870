"""Gold: grain, ranges, and reconciliation of every view against silver."""

import great_expectations.expectations as gxe

from include.elt.expectations import not_null, primary_key, rows_violating


def configure_top_content() -> list:
    return [
        *primary_key("content_id"),
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
            "watch hours reconcile with silver usage (within rounding)",
            "select gold_hours, silver_hours from ("
            " select (select sum(total_watch_hours) from {batch}) as gold_hours,"
            " (select coalesce(sum(duration_watched), 0) / 60 from silver.streaming_usage_logs)"
            " as silver_hours, (select count(*) from {batch}) as n) as totals"
            " where abs(gold_hours - silver_hours) > 0.005 * n",
        ),
    ]


def configure_engagement() -> list:
    return [
        *primary_key("customer_id"),
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
            "sessions reconcile with silver usage",
            "select gold_sessions, silver_sessions from ("
            " select (select coalesce(sum(total_sessions), 0) from {batch}) as gold_sessions,"
            " (select count(*) from silver.streaming_usage_logs) as silver_sessions) as totals"
            " where gold_sessions != silver_sessions",
        ),
    ]


SUITES = {"top_content": configure_top_content, "engagement": configure_engagement}
