"""Silver: strict. Accepted values, temporal order and the SCD2 contract; keys and foreign keys
come from each model's declaration (``sql/ecommerce/silver/*.yml``)."""

import great_expectations.expectations as gxe

from include.domains.ecommerce import design as d
from include.elt.contract.checks import not_null, rows_violating
from include.elt.contract.patterns import EMAIL_PATTERN


def configure_products() -> list:
    return [
        *not_null("product_name", "category", "price", "cost", "margin_pct"),
        gxe.ExpectColumnValuesToBeInSet(column="category", value_set=list(d.CATEGORIES)),
        gxe.ExpectColumnValuesToBeBetween(column="margin_pct", min_value=0, max_value=100),
        rows_violating(
            "attributes name a colour and a weight (seed 004)",
            "select product_id from {batch}"
            " where not coalesce(attributes ?& array['color', 'weight_kg'], false)",
        ),
    ]


def configure_customers() -> list:
    return [
        *not_null("name", "signup_date", "loyalty_tier", "segment", "is_current"),
        gxe.ExpectColumnValuesToBeInSet(column="loyalty_tier", value_set=list(d.TIERS)),
        gxe.ExpectColumnValuesToBeInSet(column="segment", value_set=list(d.SEGMENTS)),
        gxe.ExpectColumnValuesToMatchRegex(column="email", regex=EMAIL_PATTERN),
        rows_violating(
            "current emails are unique (a second account's is null, see duplicate_of)",
            "select lower(email) from {batch} where is_current and email is not null"
            " group by lower(email) having count(*) > 1",
        ),
        rows_violating(
            "exactly one current version per customer",
            "select customer_id from {batch} group by customer_id"
            " having count(*) filter (where is_current) != 1",
        ),
        rows_violating(
            "versions do not overlap: each ends where the next begins",
            "select customer_id from (select customer_id, valid_to, lead(valid_from) over"
            " (partition by customer_id order by valid_from) as next_from from {batch}) as v"
            " where valid_to is distinct from next_from",
        ),
    ]


def configure_orders() -> list:
    return [
        *not_null("customer_id", "order_date", "status", "discount_amount", "total_amount"),
        gxe.ExpectColumnValuesToBeBetween(column="total_amount", min_value=0),
        gxe.ExpectColumnValuesToBeInSet(column="status", value_set=list(d.ORDER_STATUSES)),
        rows_violating(
            "customers order only after signing up",
            "select o.order_id from {batch} as o join {{ ref('customers') }} as c"
            " on c.customer_id = o.customer_id and c.is_current"
            " where o.order_date::date <= c.signup_date",
        ),
        rows_violating(
            "the shipping address is whole and in the buyer's city (seed 004)",
            "select o.order_id from {batch} as o join {{ ref('customers') }} as c"
            " on c.customer_id = o.customer_id and c.is_current"
            " where not coalesce(o.shipping_address ?& array['street', 'city', 'state', 'zip',"
            " 'country'], false) or o.shipping_address ->> 'city' is distinct from c.address_city",
        ),
    ]


def configure_order_items() -> list:
    return [
        *not_null("order_id", "product_id", "category", "quantity", "line_total"),
        rows_violating(
            "the category is the product's",
            "select i.order_item_id from {batch} as i join {{ ref('products') }} as p"
            " on p.product_id = i.product_id where p.category != i.category",
        ),
    ]


def configure_inventory_movements() -> list:
    return [
        gxe.ExpectColumnValuesToBeInSet(
            column="movement_type", value_set=["sale", "return", "restock", "adjustment"]
        ),
    ]


def configure_reviews() -> list:
    return [
        gxe.ExpectColumnValuesToBeBetween(column="rating", min_value=1, max_value=5),
        rows_violating(
            "a review follows its order",
            "select r.review_id from {batch} as r join {{ ref('orders') }} as o"
            " on o.order_id = r.order_id"
            " where o.order_day >= {{ window_start }} - 31 and r.review_date <= o.order_date",
        ),
    ]


def configure_sessions() -> list:
    return [
        *not_null("session_start", "session_end", "device_type"),
        rows_violating(
            "sessions end after they start",
            "select session_id from {batch} where session_end < session_start",
        ),
    ]


def configure_clickstream_events() -> list:
    return [
        gxe.ExpectColumnValuesToBeInSet(
            column="event_type",
            value_set=list(d.CLICK_EVENTS),
        ),
        rows_violating(
            "events lie inside their session",
            "select e.event_id from {batch} as e join {{ ref('sessions') }} as s"
            " on s.session_id = e.session_id"
            " where s.session_start >= {{ window_start }} and s.session_start < {{ window_end }}"
            " and e.event_timestamp not between s.session_start and s.session_end",
        ),
    ]


def configure_marketing_campaigns() -> list:
    return [
        *not_null("channel", "start_date", "end_date", "status"),
        gxe.ExpectColumnValuesToBeInSet(column="status", value_set=list(d.CAMPAIGN_STATUSES)),
        rows_violating(
            "a campaign past its end date is completed",
            "select campaign_id from {batch} where status != 'completed' and end_date"
            " < (select max(event_date)::date from {{ ref('marketing_events') }})",
        ),
    ]


def configure_marketing_events() -> list:
    return [
        gxe.ExpectColumnValuesToBeInSet(column="event_type", value_set=list(d.FUNNEL)),
    ]


def configure_user_interactions() -> list:
    return [
        gxe.ExpectColumnValuesToBeInSet(column="interaction_type", value_set=list(d.INTERACTIONS)),
        gxe.ExpectColumnValuesToBeBetween(column="rating", min_value=1, max_value=5),
    ]


def configure_support_tickets() -> list:
    return [
        gxe.ExpectColumnValuesToBeBetween(column="satisfaction_score", min_value=1, max_value=5),
        gxe.ExpectColumnValuesToBeInSet(column="priority", value_set=list(d.PRIORITIES)),
    ]


SUITES = {
    "products": configure_products,
    "customers": configure_customers,
    "orders": configure_orders,
    "order_items": configure_order_items,
    "inventory_movements": configure_inventory_movements,
    "reviews": configure_reviews,
    "sessions": configure_sessions,
    "clickstream_events": configure_clickstream_events,
    "marketing_campaigns": configure_marketing_campaigns,
    "marketing_events": configure_marketing_events,
    "user_interactions": configure_user_interactions,
    "support_tickets": configure_support_tickets,
}
