"""Gold: each mart's reconciliation with silver; keys come from the model declarations.

``daily_sales`` is checked on the days the run rebuilt; the other marts are rebuilt whole and
checked whole (campaigns, products and customers are few)."""

from include.elt.contract.checks import not_null, rows_violating


def configure_daily_sales() -> list:
    return [
        *not_null("count_orders", "revenue"),
        rows_violating(
            "each changed day's revenue equals the sum of its valid silver order items",
            "with gold as (select order_day, sum(revenue) as revenue from {batch} as daily"
            " group by order_day), lines as (select o.order_day, sum(i.line_total) as revenue"
            " from {{ ref('order_items') }} as i join {{ ref('orders') }} as o"
            " on o.order_id = i.order_id"
            " where o.order_day >= {{ window_start }} and o.order_day < {{ window_end }}"
            " and i.order_date >= {{ window_start }} and i.order_date < {{ window_end }}"
            " group by o.order_day)"
            " select * from gold full join lines using (order_day)"
            " where gold.revenue is distinct from lines.revenue",
        ),
    ]


def configure_campaign_performance() -> list:
    return [
        *not_null("channel", "impressions", "clicks", "conversions", "cost", "revenue"),
        rows_violating(
            "events, cost and revenue reconcile with silver marketing events",
            "select * from (select sum(impressions + clicks + conversions) as events,"
            " sum(revenue) as revenue from {batch}) as g,"
            " (select count(*) as events, coalesce(sum(revenue), 0) as revenue"
            " from {{ ref('marketing_events') }}) as s"
            " where g.events != s.events or g.revenue != s.revenue",
        ),
    ]


def configure_product_features() -> list:
    return [
        rows_violating(
            "views and units reconcile with silver",
            "select * from (select sum(views) as views, sum(units_sold) as units from {batch})"
            " as g, (select count(*) filter (where interaction_type = 'view') as views"
            " from {{ ref('user_interactions') }}) as s,"
            " (select coalesce(sum(quantity), 0) as units from {{ ref('order_items') }}) as u"
            " where g.views != s.views or g.units != u.units",
        ),
    ]


def configure_user_product_features() -> list:
    return [
        rows_violating(
            "interactions reconcile with silver",
            "select * from (select sum(views + carts + purchases + wishlists) as n from {batch})"
            " as g, (select count(*) filter (where interaction_type != 'rating') as n"
            " from {{ ref('user_interactions') }}) as s where g.n != s.n",
        ),
    ]


def configure_customer_360() -> list:
    return [
        *not_null("loyalty_tier", "segment", "count_orders", "lifetime_revenue"),
        rows_violating(
            "one row per current customer, and every silver order counted",
            "select * from (select count(*) as customers, sum(count_orders) as orders"
            " from {batch}) as g,"
            " (select count(*) as customers from {{ ref('customers') }} where is_current)"
            " as c, (select count(*) as orders from {{ ref('orders') }}) as o"
            " where g.customers != c.customers or g.orders != o.orders",
        ),
        rows_violating(
            "lifetime value covers the completed orders (seed 002 §4.2)",
            "select * from {batch} where total_lifetime_value < lifetime_revenue",
        ),
    ]


SUITES = {
    "daily_sales": configure_daily_sales,
    "campaign_performance": configure_campaign_performance,
    "product_features": configure_product_features,
    "user_product_features": configure_user_product_features,
    "customer_360": configure_customer_360,
}
