"""Bronze: the raw shape of the days loaded, and seed 002's injected faults at their designed
rates.

Each rate must stay within four standard errors of its design (plus half a point and one row),
so a one-day run and a 60-day one are held to bands that fit their sample sizes; anything
beyond fails.
"""

from include.domains.ecommerce import datasets as ds
from include.domains.ecommerce.generate import (
    CHANNEL_SHARE,
    FAULTS,
    REGION_SHARE,
    STATUS_SHARE,
    TIER_SHARE,
)
from include.elt.expectations import bronze_shape, rate_near, rows_violating, share_between

EMAIL = r"'^[^@\s]+@[^@\s]+\.[^@\s]+$'"


def configure_customers() -> list:
    return [
        *bronze_shape(ds.CUSTOMERS),
        rate_near("phone is null", "phone is null", FAULTS["customers.null_phone"]),
        rate_near("email is invalid", f"email !~ {EMAIL}", FAULTS["customers.invalid_email"]),
        share_between(
            "loyalty_tier",
            dict(zip(["bronze", "silver", "gold", "platinum"], TIER_SHARE, strict=True)),
        ),
    ]


def configure_customer_segment_changes() -> list:
    return bronze_shape(ds.CUSTOMER_SEGMENT_CHANGES)


def configure_products() -> list:
    return [
        *bronze_shape(ds.PRODUCTS),
        rate_near("rating_avg is null", "rating_avg is null", FAULTS["products.null_rating"]),
        rate_near("margin is negative", "margin_pct < 0", FAULTS["products.negative_margin"]),
    ]


def configure_orders() -> list:
    return [
        *bronze_shape(ds.ORDERS),
        rate_near("discount is null", "discount_amount is null", FAULTS["orders.null_discount"]),
        rate_near("total is negative", "total_amount < 0", FAULTS["orders.negative_total"]),
        rows_violating(
            f"duplicate order_id rate is {FAULTS['orders.duplicate_order_id']:.0%}"
            " within 4 standard errors",
            "select n, copies from (select count(*) as n, count(*) - count(distinct order_id)"
            " as copies from {batch}) as counted where n > 0 and abs(copies::numeric / n - "
            f"{FAULTS['orders.duplicate_order_id']}) > 4 * sqrt("
            f"{FAULTS['orders.duplicate_order_id']} / n) + 0.005 + 1.0 / n",
        ),
        share_between(
            "status", dict(zip(["completed", "cancelled", "pending"], STATUS_SHARE, strict=True))
        ),
        share_between(
            "region", dict(zip(["North", "South", "East", "West"], REGION_SHARE, strict=True))
        ),
    ]


def configure_order_items() -> list:
    return [
        *bronze_shape(ds.ORDER_ITEMS),
        rate_near(
            "category does not match the product's",
            "(product_id, category) not in"
            " (select product_id, category from {{ source('products') }})",
            FAULTS["order_items.mismatched_category"],
        ),
    ]


def configure_inventory_movements() -> list:
    return bronze_shape(ds.INVENTORY_MOVEMENTS)


def configure_reviews() -> list:
    return bronze_shape(ds.REVIEWS)


def configure_sessions() -> list:
    return bronze_shape(ds.SESSIONS)


def configure_clickstream_events() -> list:
    return bronze_shape(ds.CLICKSTREAM_EVENTS)


def configure_marketing_campaigns() -> list:
    return [
        *bronze_shape(ds.MARKETING_CAMPAIGNS),
        share_between(
            "channel",
            dict(
                zip(["email", "social", "search", "display", "video"], CHANNEL_SHARE, strict=True)
            ),
        ),
    ]


def configure_marketing_events() -> list:
    return [
        *bronze_shape(ds.MARKETING_EVENTS),
        rate_near(
            "campaign_id is unknown",
            "campaign_id not in (select campaign_id from {{ source('marketing_campaigns') }})",
            FAULTS["marketing_events.orphan_campaign"],
        ),
        rate_near("location is null", "location is null", FAULTS["marketing_events.null_location"]),
    ]


def configure_user_interactions() -> list:
    return [
        *bronze_shape(ds.USER_INTERACTIONS),
        rate_near(
            "product_id is unknown",
            "product_id not in (select product_id from {{ source('products') }})",
            FAULTS["user_interactions.orphan_product"],
        ),
        rate_near(
            "session_id is null", "session_id is null", FAULTS["user_interactions.null_session"]
        ),
    ]


def configure_support_tickets() -> list:
    return bronze_shape(ds.SUPPORT_TICKETS)


SUITES = {
    "customers": configure_customers,
    "customer_segment_changes": configure_customer_segment_changes,
    "products": configure_products,
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
