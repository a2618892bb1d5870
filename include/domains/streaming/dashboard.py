"""The streaming dashboard: what is watched, by whom on which plan and device, and when.

Each chart's query is ``sql/streaming/dashboard/<name>.sql``. Plans are shown in price order.
"""

from include.elt.contract.charts import Chart

# top_content's totals are kept from the same sessions as daily_usage's days
ALL_TIME = "all-time totals over the usage days in gold"

CHARTS = (
    Chart(
        name="top_content",
        title="Top content by watch time",
        kind="barh",
        x="title",
        y="total_watch_hours",
        x_label="Title",
        y_label="Watch hours",
        value_format="{:,.1f}",
        axis_format="{:,.0f}",
        window=ALL_TIME,
        note="The 15 titles watched longest, all time (gold top_content).",
    ),
    Chart(
        name="sessions_by_plan_device",
        title="Sessions by plan and device",
        kind="stacked",
        x="plan_name",
        y="count_sessions",
        series="device",
        x_label="Plan",
        y_label="Sessions",
        series_label="Device",
        window="usage days in gold",
        note="Every session of the days held, by the viewer's plan and device (gold daily_usage).",
    ),
    Chart(
        name="completion_by_plan_device",
        title="Engagement: average completion by plan and device",
        kind="bar",
        x="plan_name",
        y="avg_completion_rate",
        series="device",
        x_label="Plan",
        y_label="Average completion",
        series_label="Device",
        value_format="{:.0%}",
        window="usage days in gold",
        note="The share of each title watched, averaged over sessions (gold daily_usage).",
    ),
    Chart(
        name="daily_sessions",
        title="Daily sessions",
        kind="line",
        x="usage_date",
        y="count_sessions",
        series="plan_name",
        x_label="Day",
        y_label="Sessions",
        series_label="Plan",
        window="the last 180 usage days in gold",
        note="Sessions per day by plan (gold daily_usage); weekends run higher by design.",
    ),
)
