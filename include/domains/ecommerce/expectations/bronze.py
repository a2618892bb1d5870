"""Bronze: the raw shape of the days loaded, and seed 002's injected faults at their designed
rates.

Each rate must stay within four standard errors of its design (plus half a point and one row),
so a one-day run and a 60-day one are held to bands that fit their sample sizes; anything
beyond fails.
"""

from include.domains.ecommerce import DOMAIN
from include.domains.ecommerce import datasets as ds
from include.domains.ecommerce import design as d
from include.elt.contract.checks import (
    bronze_keys,
    bronze_shape,
    rate_near,
    row_count_near,
    share_between,
)
from include.elt.contract.datasets import Dataset
from include.elt.contract.patterns import EMAIL_PATTERN


def _declared(dataset: Dataset) -> list:
    """Shape, key and foreign keys as declared, with the faults the design puts in them; the
    row count the design promises for the days loaded (seed 002 §4.1), where it promises one."""
    return [
        *bronze_shape(dataset),
        row_count_near(DOMAIN.name, dataset.name, d.ROW_COUNT_TOLERANCE),
        *bronze_keys(
            dataset,
            d.DUPLICATE_KEYS.get(dataset.name, 0.0),
            d.ORPHANS.get(dataset.name, {}),
        ),
    ]


def configure_customers() -> list:
    return [
        *_declared(ds.CUSTOMERS),
        rate_near("phone is null", "phone is null", d.FAULTS["customers.null_phone"]),
        rate_near(
            "email is invalid", f"email !~ '{EMAIL_PATTERN}'", d.FAULTS["customers.invalid_email"]
        ),
        rate_near(
            "email is the previous account's (a second account)",
            "customer_id in (select customer_id from (select customer_id, row_number() over"
            " (partition by email order by signup_date, customer_id) as account"
            " from {{ source('customers') }}) as accounts where account > 1)",
            d.FAULTS["customers.duplicate_email"],
        ),
        share_between(
            "loyalty_tier",
            dict(zip(d.TIERS, d.TIER_SHARE, strict=True)),
        ),
    ]


def configure_customer_segment_changes() -> list:
    return _declared(ds.CUSTOMER_SEGMENT_CHANGES)


def configure_products() -> list:
    return [
        *_declared(ds.PRODUCTS),
        rate_near("rating_avg is null", "rating_avg is null", d.FAULTS["products.null_rating"]),
        rate_near("margin is negative", "margin_pct < 0", d.FAULTS["products.negative_margin"]),
    ]


def configure_orders() -> list:
    return [
        *_declared(ds.ORDERS),
        rate_near("discount is null", "discount_amount is null", d.FAULTS["orders.null_discount"]),
        rate_near("total is negative", "total_amount < 0", d.FAULTS["orders.negative_total"]),
        share_between("status", dict(zip(d.ORDER_STATUSES, d.ORDER_STATUS_SHARE, strict=True))),
        share_between("region", dict(zip(d.REGIONS, d.REGION_SHARE, strict=True))),
    ]


def configure_order_items() -> list:
    return [
        *_declared(ds.ORDER_ITEMS),
        rate_near(
            "category does not match the product's",
            "(product_id, category) not in"
            " (select product_id, category from {{ source('products') }})",
            d.FAULTS["order_items.mismatched_category"],
        ),
    ]


def configure_inventory_movements() -> list:
    return _declared(ds.INVENTORY_MOVEMENTS)


def configure_reviews() -> list:
    return _declared(ds.REVIEWS)


def configure_sessions() -> list:
    return _declared(ds.SESSIONS)


def configure_clickstream_events() -> list:
    return _declared(ds.CLICKSTREAM_EVENTS)


def configure_marketing_campaigns() -> list:
    return [
        *_declared(ds.MARKETING_CAMPAIGNS),
        share_between(
            "channel",
            dict(zip(d.CHANNELS, d.CHANNEL_SHARE, strict=True)),
        ),
    ]


def configure_marketing_events() -> list:
    return [
        *_declared(ds.MARKETING_EVENTS),
        rate_near(
            "location is null", "location is null", d.FAULTS["marketing_events.null_location"]
        ),
    ]


def configure_user_interactions() -> list:
    return [
        *_declared(ds.USER_INTERACTIONS),
        rate_near(
            "session_id is null", "session_id is null", d.FAULTS["user_interactions.null_session"]
        ),
    ]


def configure_support_tickets() -> list:
    return _declared(ds.SUPPORT_TICKETS)


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
