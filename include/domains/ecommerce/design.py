"""The shop's design: every number, share and accepted value of the ecommerce domain, once.

The generator draws from it, the expectation suites check against it, the tests measure
against it. Where seeds 002, 003 and 004 disagree, seed 002 wins for bronze (distributions,
volumes, faults, revenue); 003 and 004 shape what 002 leaves open (tier effects on order
value, SCD2 history, clickstream sequences). Shares describe the population as of the data's
last day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from datetime import date

# --- calendar ---------------------------------------------------------------------------------

EPOCH = date(2020, 1, 1)  # seed 002: signups from 2020-01-01; ids count days from here
LAUNCH_DAY = date(2023, 1, 1)  # seed 002: orders (and the web shop's logs) from 2023-01-01
CAMPAIGN_START = date(2024, 1, 1)  # seed 002: campaigns from 2024-01-01
SEED_END = date(2025, 11, 15)  # seed 002's last day: its row counts are up to here


# --- volumes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    """Row counts over seed 002's ranges (customers from EPOCH, orders and the shop's logs from
    LAUNCH_DAY, campaigns and their events from CAMPAIGN_START, all to SEED_END). Daily rates
    follow from them and stay fixed after SEED_END, so a day has the same rows whichever run
    makes it; ``--volume name=N`` replaces one count."""

    customers: int
    products: int
    orders: int  # rows, the 1% written twice included
    sessions: int
    clickstream_events: int
    marketing_campaigns: int
    marketing_events: int
    user_interactions: int
    support_tickets: int
    restocks: int


SCALES = {
    # seed 003's 1k customers, with the rest in proportion
    "tiny": Scale(1_000, 150, 10_000, 15_750, 94_500, 50, 50_000, 21_000, 2_100, 3_150),
    # seed 002's counts; sessions and clicks as seed 004 (1,000 sessions a day, ~10 clicks each)
    "default": Scale(
        10_000, 1_000, 100_000, 1_050_000, 10_500_000, 50, 500_000, 200_000, 5_000, 21_000
    ),
    # seed 004's large set: 100k customers, 50k products
    "large": Scale(
        100_000,
        50_000,
        1_000_000,
        5_250_000,
        52_500_000,
        100,
        2_000_000,
        1_000_000,
        30_000,
        210_000,
    ),
}
VOLUMES = tuple(f.name for f in fields(Scale))
# What a population does grows with it: a run that sets the customers (or the catalog) scales
# these counts in proportion, unless it sets them too (seed 004's --customers 1000 is a small
# shop, not 1,000 customers placing the default scale's 100,000 orders).
PER_CUSTOMER = ("orders", "sessions", "clickstream_events", "user_interactions", "support_tickets")
PER_PRODUCT = ("restocks",)
ROW_COUNT_TOLERANCE = 0.05  # seed 002 §4.1: a row count within 5% of its design


# --- people -----------------------------------------------------------------------------------

TIERS = ("bronze", "silver", "gold", "platinum")
TIER_SHARE = (0.50, 0.30, 0.15, 0.05)
TIER_LTV = ((50, 500), (500, 2_000), (2_000, 10_000), (10_000, 50_000))
# Seed 003's order values by tier ($20-150 for bronze up to $150-800 for platinum) only order
# the tiers: seed 002's log-normal sets the values. A tier moves its customers' log order
# values by this many standard deviations (centred over all orders, so the whole stays 002's).
TIER_ORDER_VALUE_SHIFT = (-0.3, -0.1, 0.1, 0.3)
SEGMENTS = ("regular", "high_value", "at_risk", "churned")
SEGMENT_SHARE = (0.60, 0.20, 0.15, 0.05)
SEGMENT_HISTORY_SHARE = 0.30  # seed 003: customers with segment history
SECOND_CHANGE_SHARE = 0.30  # of those, how many change twice
CHANGE_GAP_DAYS = ((30, 400), (30, 300))  # after signup, then after the first change
GENDERS = ("Male", "Female", "Other", "Prefer not to say")
GENDER_SHARE = (0.48, 0.48, 0.02, 0.02)
CONTACTS = ("email", "phone", "sms")
CONTACT_SHARE = (0.6, 0.3, 0.1)
# Order propensity: Pareto, each tier drawn from its slice of it (bronze the lowest half). A
# tier's band bounds what its customers may spend (lifetime value >= completed orders, seed 002
# §4.2), so the lower tiers order at a fraction of their slice; the shape is then the one that
# leaves 20% of customers placing about 80% of the orders (measured 83-85%).
PARETO_SHAPE = 1.3
TIER_PROPENSITY = (0.2, 0.55, 1.0, 1.0)
ORDERING_DAYS = 5 * 365  # a customer places orders for five years after signing up
COHORT_CUSTOMERS = 100  # propensities are scaled per signup cohort of about this many

# --- catalog ----------------------------------------------------------------------------------

CATEGORIES = ("Electronics", "Clothing", "Home", "Books", "Sports")
CATEGORY_SHARE = (0.25, 0.25, 0.20, 0.15, 0.15)
CATEGORY_PRICE = {
    "Electronics": (50, 2_000),
    "Clothing": (20, 300),
    "Home": (15, 500),
    "Books": (10, 50),
    "Sports": (25, 800),
}
CATEGORY_MARGIN = {
    "Electronics": (20, 30),
    "Clothing": (35, 50),
    "Home": (30, 45),
    "Books": (20, 35),
    "Sports": (25, 40),
}
SUBCATEGORIES = {
    "Electronics": ("Phones", "Laptops", "Audio", "Cameras", "Accessories"),
    "Clothing": ("Men", "Women", "Kids", "Shoes", "Outerwear"),
    "Home": ("Kitchen", "Furniture", "Decor", "Bedding", "Garden"),
    "Books": ("Fiction", "Non-fiction", "Children", "Comics", "Education"),
    "Sports": ("Fitness", "Outdoor", "Cycling", "Team Sports", "Water Sports"),
}
ACTIVE_SHARE = 0.90
WEIGHT_KG = (0.1, 25.0)
# seed 004's product attributes: one per category besides colour and weight
CATEGORY_ATTRIBUTE = {
    "Electronics": ("warranty_months", (12, 24, 36)),
    "Clothing": ("size", ("XS", "S", "M", "L", "XL")),
    "Home": ("material", ("wood", "metal", "glass", "fabric", "ceramic")),
    "Books": ("format", ("paperback", "hardcover", "ebook")),
    "Sports": ("level", ("beginner", "intermediate", "pro")),
}
NEWSLETTER_SHARE = 0.4  # customers' preferences (seed 004's JSONB)
SHIPPING_COUNTRY = "USA"

# --- orders -----------------------------------------------------------------------------------

REGIONS = ("North", "South", "East", "West")
REGION_SHARE = (0.30, 0.25, 0.25, 0.20)
ORDER_STATUSES = ("completed", "cancelled", "pending")
ORDER_STATUS_SHARE = (0.85, 0.10, 0.05)
HOLIDAY_FACTOR = 1.3  # November and December
WEEKEND_FACTOR = 10 / 7  # seed 002: 40% of orders on the two weekend days
WEEKDAY_FACTOR = 6 / 7
# Orders by hour: quiet nights, peaks at 11-12 and 20-22 (seed 003).
ORDER_HOURS = (0.3,) * 7 + (1, 1.5, 2, 2.5, 4, 3.5, 2.5, 2, 2, 2, 2, 2.5, 3, 4, 4, 1.5, 1)
ORDER_VALUE_MEAN = 125.0  # seed 002: total_amount is log-normal, mean $125, sd $150
ORDER_VALUE_SD = 150.0
ORDER_VALUE_RANGE = (5.0, 5_000.0)
ORDER_VALUE_SIGMA = math.sqrt(math.log(1 + (ORDER_VALUE_SD / ORDER_VALUE_MEAN) ** 2))
ORDER_VALUE_MU = math.log(ORDER_VALUE_MEAN) - ORDER_VALUE_SIGMA**2 / 2
ITEMS_PER_ORDER = 2.5  # seed 004: 1 + Poisson(1.5)
DISCOUNT_SHARE = 0.2
DISCOUNT_RATE = (0.05, 0.3)
TAX_RATE = 0.08
FREE_SHIPPING_FROM = 100.0
SHIPPING_COST = (5.0, 25.0)
REVIEW_SHARE = 0.15  # of completed order lines
REVIEW_LAG_DAYS = 30
RATINGS = (5, 4, 3, 2, 1)
RATING_SHARE = (0.40, 0.30, 0.15, 0.10, 0.05)

# --- web --------------------------------------------------------------------------------------

DEVICES = ("mobile", "desktop", "tablet")
DEVICE_SHARE = (0.65, 0.30, 0.05)
BROWSERS = ("Chrome", "Safari", "Firefox", "Edge")
BROWSER_SHARE = (0.60, 0.25, 0.08, 0.07)
CLICK_EVENTS = ("page_view", "add_to_cart", "search", "purchase", "remove_from_cart")
CLICK_SHARE = (0.60, 0.15, 0.12, 0.08, 0.05)
LOGGED_IN_SHARE = 0.7
OPERATING_SYSTEMS = {  # seed 004's device info: the systems each device runs
    "mobile": ("iOS", "Android"),
    "desktop": ("Windows", "macOS", "Linux"),
    "tablet": ("iPadOS", "Android"),
}
SCREENS = {
    "mobile": ("390x844", "412x915", "360x800"),
    "desktop": ("1920x1080", "1440x900", "2560x1440"),
    "tablet": ("820x1180", "800x1280"),
}
INTERACTIONS = ("view", "cart", "purchase", "rating", "wishlist")
INTERACTION_SHARE = (0.70, 0.15, 0.08, 0.05, 0.02)
REFERRERS = ("google", "direct", "email", "social", "affiliate")

# --- marketing --------------------------------------------------------------------------------

CHANNELS = ("email", "social", "search", "display", "video")
CHANNEL_SHARE = (0.30, 0.25, 0.20, 0.15, 0.10)
OBJECTIVES = ("awareness", "consideration", "conversion")
OBJECTIVE_SHARE = (0.3, 0.3, 0.4)
CAMPAIGN_STATUSES = ("active", "paused", "completed")
PAUSED_SHARE = 0.1  # of running campaigns; a campaign past its end date is completed
CAMPAIGN_DAYS = (7, 90)
CAMPAIGN_BUDGET = (5_000, 100_000)
FUNNEL = ("impression", "click", "conversion")
FUNNEL_SHARE = (0.80, 0.15, 0.05)
MARKETING_DEVICES = ("mobile", "desktop", "tablet")
MARKETING_DEVICE_SHARE = (0.5, 0.4, 0.1)

# --- support ----------------------------------------------------------------------------------

TICKET_CATEGORIES = ("product_issue", "billing", "shipping", "account")
TICKET_CATEGORY_SHARE = (0.40, 0.25, 0.20, 0.15)
PRIORITIES = ("low", "medium", "high", "critical")
PRIORITY_SHARE = (0.40, 0.35, 0.20, 0.05)
RESOLUTION_HOURS = ((24, 72), (12, 48), (4, 24), (1, 8))
TICKET_STATUSES = ("closed", "resolved", "in_progress", "open")
TICKET_STATUS_SHARE = (0.70, 0.15, 0.10, 0.05)
SATISFACTION = (5, 4, 3, 2, 1)
SATISFACTION_SHARE = (0.30, 0.35, 0.20, 0.10, 0.05)
TICKET_CHANNELS = ("phone", "email", "chat", "self_service")
TICKET_CHANNEL_SHARE = (0.30, 0.35, 0.25, 0.10)

# --- seed 002's injected faults ---------------------------------------------------------------

FAULTS = {
    "customers.null_phone": 0.05,
    "customers.invalid_email": 0.02,
    "customers.duplicate_email": 0.01,
    "products.null_rating": 0.03,
    "products.negative_margin": 0.01,
    "orders.null_discount": 0.02,
    "orders.duplicate_order_id": 0.01,
    "orders.negative_total": 0.005,
    "order_items.mismatched_category": 0.03,
    "marketing_events.orphan_campaign": 0.01,
    "marketing_events.null_location": 0.02,
    "user_interactions.orphan_product": 0.05,
    "user_interactions.null_session": 0.03,
}
# The faults that break a declared key or foreign key: {dataset: {column: rate}}. Every other
# key is unique and every other foreign key holds in bronze.
DUPLICATE_KEYS = {"orders": FAULTS["orders.duplicate_order_id"]}
ORPHANS = {
    "marketing_events": {"campaign_id": FAULTS["marketing_events.orphan_campaign"]},
    "user_interactions": {"product_id": FAULTS["user_interactions.orphan_product"]},
}
