"""The ecommerce dashboard: sales by day, what campaigns return, who the customers are and
which products sell.

Each chart's query is ``sql/ecommerce/dashboard/<name>.sql``.
"""

from include.elt.contract.charts import Chart

STATUS_COLOURS = {"completed": "#4269d0", "pending": "#efb118", "cancelled": "#ff725c"}
TIER_COLOURS = {"bronze": "#b5835a", "silver": "#a7b1bc", "gold": "#e3b53c", "platinum": "#5d6d86"}

CHARTS = (
    Chart(
        name="daily_sales",
        title="Daily sales",
        kind="line",
        x="order_day",
        y="revenue",
        series="status",
        x_label="Day",
        y_label="Order value ($)",
        series_label="Order status",
        colours=STATUS_COLOURS,
        value_format="${:,.2f}",
        axis_format="${:,.0f}",
        window="the last 180 order days in gold",
        note="The day's order lines summed, by the order's status (gold daily_sales).",
    ),
    Chart(
        name="campaign_roi",
        title="Campaign return on ad spend",
        kind="barh",
        x="campaign",
        y="roas",
        x_label="Campaign",
        y_label="Revenue per dollar spent",
        value_format="{:,.1f}×",
        axis_format="{:,.0f}×",
        window="days of the campaigns' events in gold",
        note=(
            "Attributed revenue ÷ cost of the 12 campaigns that spent most, over the events"
            " held (gold campaign_performance)."
        ),
    ),
    Chart(
        name="customer_segments",
        title="Customer segments by loyalty tier",
        kind="stacked",
        x="segment",
        y="count_customers",
        series="loyalty_tier",
        x_label="Segment",
        y_label="Customers",
        series_label="Loyalty tier",
        colours=TIER_COLOURS,
        window="signup days of the customers counted",
        note="Every customer's current segment and tier (gold customer_360).",
    ),
    Chart(
        name="top_products",
        title="Top products by revenue",
        kind="barh",
        x="product",
        y="revenue",
        x_label="Product",
        y_label="Revenue ($)",
        value_format="${:,.0f}",
        window="all-time totals over the order days in gold",
        note="The 15 products that sold for most, with category and price (gold product_features).",
    ),
)
