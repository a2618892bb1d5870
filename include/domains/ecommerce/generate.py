"""Synthetic data for the online shop (seeds 002, 003, 004), vectorised and by day.

Everything about a customer (profile, loyalty tier, later segment changes, order propensity) is
drawn from the random stream of their signup day; every order, session, event, interaction and
ticket from the stream of its own day. The same seed and day give the same rows, so a window is
the union of its days. The data-quality faults of seed 002 are injected at their designed rates.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from include.domains.ecommerce import LAUNCH_DAY
from include.elt.domain import Partition
from include.elt.randomness import faker_pool, rng_for, seconds_of_day, weighted_choice
from include.elt.window import Window


@dataclass(frozen=True)
class Scale:
    signups_per_day: float
    products: int
    orders_per_day: float
    sessions_per_day: float
    events_per_session: float
    campaign_starts_per_day: float
    marketing_events_per_day: float
    interactions_per_day: float
    tickets_per_day: float
    restocks_per_day: float


# default: seed 002's totals over its 1,050-day range; large: seed 004's large set.
SCALES = {
    "tiny": Scale(3, 150, 12, 15, 6, 0.12, 80, 40, 2, 3),
    "default": Scale(9.5, 1_000, 95, 1_000, 10, 0.048, 476, 190, 4.8, 20),
    "large": Scale(137, 50_000, 950, 5_000, 10, 0.1, 2_000, 1_000, 30, 200),
}
VOLUMES = ("customers", "products")  # explicit counts a user may ask for (seed 004's CLI)

TIERS = np.array(["bronze", "silver", "gold", "platinum"], dtype=object)
TIER_SHARE = [0.50, 0.30, 0.15, 0.05]
TIER_LTV = [(50, 500), (500, 2_000), (2_000, 10_000), (10_000, 50_000)]
TIER_ORDER_VALUE = [(20, 150), (40, 200), (80, 400), (150, 800)]
SEGMENTS = np.array(["regular", "high_value", "at_risk", "churned"], dtype=object)
SEGMENT_SHARE = [0.60, 0.20, 0.15, 0.05]
SEGMENT_HISTORY_SHARE = 0.30
GENDERS = np.array(["Male", "Female", "Other", "Prefer not to say"], dtype=object)
GENDER_SHARE = [0.48, 0.48, 0.02, 0.02]
CONTACT = np.array(["email", "phone", "sms"], dtype=object)
CONTACT_SHARE = [0.6, 0.3, 0.1]
PARETO_SHAPE = 1.16  # 20% of customers place about 80% of the orders

CATEGORIES = np.array(["Electronics", "Clothing", "Home", "Books", "Sports"], dtype=object)
CATEGORY_SHARE = [0.25, 0.25, 0.20, 0.15, 0.15]
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
    "Electronics": ["Phones", "Laptops", "Audio", "Cameras", "Accessories"],
    "Clothing": ["Men", "Women", "Kids", "Shoes", "Outerwear"],
    "Home": ["Kitchen", "Furniture", "Decor", "Bedding", "Garden"],
    "Books": ["Fiction", "Non-fiction", "Children", "Comics", "Education"],
    "Sports": ["Fitness", "Outdoor", "Cycling", "Team Sports", "Water Sports"],
}
ACTIVE_SHARE = 0.90

REGIONS = np.array(["North", "South", "East", "West"], dtype=object)
REGION_SHARE = [0.30, 0.25, 0.25, 0.20]
STATUSES = np.array(["completed", "cancelled", "pending"], dtype=object)
STATUS_SHARE = [0.85, 0.10, 0.05]
HOLIDAY_FACTOR = 1.3  # November and December
WEEKEND_FACTOR = 10 / 7  # seed 002: 40% of orders on the two weekend days
WEEKDAY_FACTOR = 6 / 7
# Orders by hour: quiet nights, peaks at 11-12 and 20-22 (seed 003).
ORDER_HOURS = np.array(
    [0.3] * 7 + [1, 1.5, 2, 2.5] + [4, 3.5] + [2.5, 2, 2, 2, 2, 2.5, 3] + [4, 4] + [1.5, 1]
)
TAX_RATE = 0.08
REVIEW_SHARE = 0.15
REVIEW_LAG_DAYS = 30
RATINGS = np.array([5, 4, 3, 2, 1])
RATING_SHARE = [0.40, 0.30, 0.15, 0.10, 0.05]

DEVICES = np.array(["mobile", "desktop", "tablet"], dtype=object)
DEVICE_SHARE = [0.65, 0.30, 0.05]
BROWSERS = np.array(["Chrome", "Safari", "Firefox", "Edge"], dtype=object)
BROWSER_SHARE = [0.60, 0.25, 0.08, 0.07]
CLICK_EVENTS = np.array(
    ["page_view", "add_to_cart", "search", "purchase", "remove_from_cart"], dtype=object
)
CLICK_SHARE = [0.60, 0.15, 0.12, 0.08, 0.05]
LOGGED_IN_SHARE = 0.7

CHANNELS = np.array(["email", "social", "search", "display", "video"], dtype=object)
CHANNEL_SHARE = [0.30, 0.25, 0.20, 0.15, 0.10]
OBJECTIVES = np.array(["awareness", "consideration", "conversion"], dtype=object)
CAMPAIGN_STATUSES = np.array(["completed", "active", "paused"], dtype=object)
FUNNEL = np.array(["impression", "click", "conversion"], dtype=object)
FUNNEL_SHARE = [0.80, 0.15, 0.05]
INTERACTIONS = np.array(["view", "cart", "purchase", "rating", "wishlist"], dtype=object)
INTERACTION_SHARE = [0.70, 0.15, 0.08, 0.05, 0.02]
REFERRERS = np.array(["google", "direct", "email", "social", "affiliate"], dtype=object)

TICKET_CATEGORIES = np.array(["product_issue", "billing", "shipping", "account"], dtype=object)
TICKET_CATEGORY_SHARE = [0.40, 0.25, 0.20, 0.15]
PRIORITIES = np.array(["low", "medium", "high", "critical"], dtype=object)
PRIORITY_SHARE = [0.40, 0.35, 0.20, 0.05]
RESOLUTION_HOURS = [(24, 72), (12, 48), (4, 24), (1, 8)]
TICKET_STATUSES = np.array(["closed", "resolved", "in_progress", "open"], dtype=object)
TICKET_STATUS_SHARE = [0.70, 0.15, 0.10, 0.05]
SATISFACTION = np.array([5, 4, 3, 2, 1])
SATISFACTION_SHARE = [0.30, 0.35, 0.20, 0.10, 0.05]
TICKET_CHANNELS = np.array(["phone", "email", "chat", "self_service"], dtype=object)

# Seed 002's injected faults.
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


# --- helpers --------------------------------------------------------------------------------


def ids(prefix: str, day_number: np.ndarray | int, seq: np.ndarray) -> pa.Array:
    """``PREFIX-DDDDSSSSSS``: day number since launch and sequence, stable and unique."""
    number = np.asarray(day_number, dtype=np.int64) * 1_000_000 + np.asarray(seq, dtype=np.int64)
    digits = pc.utf8_lpad(pc.cast(pa.array(number), pa.string()), 10, "0")
    return pc.binary_join_element_wise(prefix, digits, "-")


def at(day: date, seconds: np.ndarray) -> np.ndarray:
    return np.datetime64(day, "s") + np.asarray(seconds).astype("timedelta64[s]")


def day_factor(day: date) -> float:
    season = HOLIDAY_FACTOR if day.month in (11, 12) else 1.0
    return season * (WEEKEND_FACTOR if day.weekday() >= 5 else WEEKDAY_FACTOR)


def concat(blocks: list[dict]) -> pa.Table:
    if not blocks:
        return pa.table({})
    names = list(blocks[0])
    return pa.table(
        {
            n: pa.concat_arrays(
                [b[n] if isinstance(b[n], pa.Array) else pa.array(b[n]) for b in blocks]
            )
            for n in names
        }
    )


def _to_date(day_numbers: np.ndarray) -> np.ndarray:
    return np.datetime64(LAUNCH_DAY, "D") + np.asarray(day_numbers).astype("timedelta64[D]")


# --- generation -----------------------------------------------------------------------------


def generate(
    window: Window, *, scale: str, seed: int, volumes: dict[str, int] | None = None
) -> dict[str, Partition]:
    size = _sized(SCALES[scale], window, volumes or {})
    pools = _Pools(seed)
    products = _products(seed, size.products, pools)
    people = _customers(seed, size.signups_per_day, window.end, pools)
    campaigns = _campaigns(seed, size.campaign_starts_per_day, window.end, pools)

    daily: dict[str, list[dict]] = {}
    # Reviews come up to REVIEW_LAG_DAYS after their order: a run re-emits the orders of the
    # days before its window (the same rows as before) so every review's order is in bronze.
    orders_from = max(window.start - timedelta(days=REVIEW_LAG_DAYS), LAUNCH_DAY)
    for day in Window(orders_from, window.end):
        orders = _orders(seed, day, size, people, products)
        _add(daily, "reviews", _reviews(seed, day, orders, pools))
        for name in ("orders", "order_items", "inventory_movements"):
            _add(daily, name, orders[name])
        _add(daily, "inventory_movements", _restocks(seed, day, size, products))
        if day < window.start:
            continue
        sessions, clicks = _sessions(seed, day, size, people, products, pools)
        _add(daily, "sessions", sessions)
        _add(daily, "clickstream_events", clicks)
        _add(daily, "marketing_events", _marketing(seed, day, size, campaigns, people, pools))
        _add(daily, "user_interactions", _interactions(seed, day, size, people, products, sessions))
        _add(daily, "support_tickets", _tickets(seed, day, size, people))

    reviews = concat(daily.pop("reviews", []))
    in_window = (
        pc.and_(
            pc.greater_equal(reviews["review_date"], pa.scalar(np.datetime64(window.start, "s"))),
            pc.less(
                reviews["review_date"], pa.scalar(np.datetime64(window.end + timedelta(1), "s"))
            ),
        )
        if reviews.num_rows
        else None
    )
    parts = {
        "customers": Partition(people.customers, LAUNCH_DAY, window.end),
        "customer_segment_changes": Partition(people.changes, LAUNCH_DAY, window.end),
        "products": Partition(products.table),
        "marketing_campaigns": Partition(campaigns.table, LAUNCH_DAY, window.end),
        "reviews": Partition(
            reviews.filter(in_window) if in_window is not None else reviews,
            window.start,
            window.end,
        ),
    }
    for name in ("orders", "order_items", "inventory_movements"):
        parts[name] = Partition(concat(daily.get(name, [])), orders_from, window.end)
    for name in (
        "sessions",
        "clickstream_events",
        "marketing_events",
        "user_interactions",
        "support_tickets",
    ):
        parts[name] = Partition(concat(daily.get(name, [])), window.start, window.end)
    return parts


def _add(daily: dict[str, list[dict]], name: str, block: dict | None) -> None:
    if block is not None:
        daily.setdefault(name, []).append(block)


def _sized(size: Scale, window: Window, volumes: dict[str, int]) -> Scale:
    unknown = set(volumes) - set(VOLUMES)
    if unknown:
        raise ValueError(f"ecommerce takes volumes {VOLUMES}, not {sorted(unknown)}")
    if "customers" in volumes:
        days = (window.end - LAUNCH_DAY).days + 1
        size = replace(size, signups_per_day=volumes["customers"] / days)
    if "products" in volumes:
        size = replace(size, products=volumes["products"])
    return size


class _Pools:
    """Faker-built pools, once per seed; rows sample from them."""

    def __init__(self, seed: int) -> None:
        self.first = faker_pool(seed, "ecom_first", lambda f: f.first_name(), 1_000)
        self.last = faker_pool(seed, "ecom_last", lambda f: f.last_name(), 1_000)
        self.domains = faker_pool(seed, "ecom_domains", lambda f: f.free_email_domain(), 20)
        self.phones = faker_pool(seed, "ecom_phones", lambda f: f.phone_number(), 2_000)
        self.cities = faker_pool(seed, "ecom_cities", lambda f: f.city(), 500)
        self.states = faker_pool(seed, "ecom_states", lambda f: f.state(), 50)
        self.brands = faker_pool(seed, "ecom_brands", lambda f: f.company(), 200)
        self.words = faker_pool(seed, "ecom_words", lambda f: f.word().title(), 500)
        self.sentences = faker_pool(seed, "ecom_reviews", lambda f: f.sentence(nb_words=12), 400)
        self.people = faker_pool(seed, "ecom_owners", lambda f: f.name(), 100)
        self.audiences = faker_pool(seed, "ecom_audiences", lambda f: f.bs(), 50)


@dataclass(frozen=True)
class _Products:
    table: pa.Table
    ids: np.ndarray  # of active, correctly priced products, by price
    prices: np.ndarray
    categories: np.ndarray
    popularity: np.ndarray


def _products(seed: int, n: int, pools: _Pools) -> _Products:
    rng = rng_for(seed, "products")
    category = weighted_choice(rng, CATEGORIES, CATEGORY_SHARE, n)
    low = np.array([CATEGORY_PRICE[c][0] for c in category], dtype=float)
    high = np.array([CATEGORY_PRICE[c][1] for c in category], dtype=float)
    price = np.round(np.exp(rng.uniform(np.log(low), np.log(high))), 2)
    m_low = np.array([CATEGORY_MARGIN[c][0] for c in category], dtype=float)
    m_high = np.array([CATEGORY_MARGIN[c][1] for c in category], dtype=float)
    margin = rng.uniform(m_low, m_high)
    negative = rng.random(n) < FAULTS["products.negative_margin"]
    margin = np.where(negative, -rng.uniform(5, 25, n), margin)
    cost = np.round(price * (1 - margin / 100), 2)
    margin_pct = np.round((price - cost) / price * 100, 2)
    rating = np.round(rng.uniform(2.5, 5.0, n), 2)
    rating_null = rng.random(n) < FAULTS["products.null_rating"]
    sub_index = rng.integers(0, 5, n)
    subcategory = np.array([SUBCATEGORIES[c][i] for c, i in zip(category, sub_index, strict=True)])
    product_ids = ids("PROD", 0, np.arange(n))
    names = pc.binary_join_element_wise(
        pa.array(pools.words[rng.integers(0, len(pools.words), n)], pa.string()),
        pa.array(subcategory, pa.string()),
        pa.array(pools.words[rng.integers(0, len(pools.words), n)], pa.string()),
        " ",
    )
    active = rng.random(n) < ACTIVE_SHARE
    created = _to_date(-rng.integers(30, 3 * 365, n))
    table = pa.table(
        {
            "product_id": product_ids,
            "product_name": names,
            "category": category.tolist(),
            "subcategory": subcategory.tolist(),
            "brand": pools.brands[rng.integers(0, len(pools.brands), n)].tolist(),
            "price": price,
            "cost": cost,
            "margin_pct": margin_pct,
            "stock_quantity": rng.integers(0, 500, n).astype(np.int32),
            "supplier_id": ids("SUP", 0, rng.integers(0, 200, n)),
            "created_at": created,
            "is_active": active,
            "rating_avg": pa.array(rating, mask=rating_null),
            "review_count": rng.integers(0, 400, n).astype(np.int32),
        }
    )
    sellable = np.flatnonzero(active & ~negative)
    order = sellable[np.argsort(price[sellable], kind="stable")]
    popularity = 1.0 / np.arange(1, len(order) + 1) ** 0.7
    popularity = rng.permutation(popularity)
    return _Products(
        table,
        np.asarray(product_ids.to_numpy(zero_copy_only=False), dtype=object)[order],
        price[order],
        category[order],
        popularity / popularity.sum(),
    )


@dataclass(frozen=True)
class _People:
    customers: pa.Table
    changes: pa.Table
    ids: np.ndarray
    signup_day: np.ndarray  # day numbers since launch
    tier: np.ndarray  # index into TIERS
    weight: np.ndarray  # order propensity (Pareto)


def _customers(seed: int, rate: float, last_day: date, pools: _Pools) -> _People:
    blocks, change_blocks = [], []
    for day_number in range((last_day - LAUNCH_DAY).days + 1):
        day = LAUNCH_DAY + timedelta(days=day_number)
        rng = rng_for(seed, "ecom_customers", day)
        n = rng.poisson(rate)
        if n == 0:
            continue
        tier = rng.choice(4, n, p=TIER_SHARE)
        ltv_low = np.array([TIER_LTV[t][0] for t in tier], dtype=float)
        ltv_high = np.array([TIER_LTV[t][1] for t in tier], dtype=float)
        block = {
            "seq": np.arange(n),
            "day": np.full(n, day_number),
            "first": rng.integers(0, len(pools.first), n),
            "last": rng.integers(0, len(pools.last), n),
            "email_number": rng.integers(1, 100, n),
            "domain": rng.integers(0, len(pools.domains), n),
            "phone": rng.integers(0, len(pools.phones), n),
            "phone_null": rng.random(n) < FAULTS["customers.null_phone"],
            "invalid_email": rng.random(n) < FAULTS["customers.invalid_email"],
            "duplicate_email": rng.random(n) < FAULTS["customers.duplicate_email"],
            "tier": tier,
            "ltv": np.round(rng.uniform(ltv_low, ltv_high), 2),
            "segment": rng.choice(4, n, p=SEGMENT_SHARE),
            "city": rng.integers(0, len(pools.cities), n),
            "state": rng.integers(0, len(pools.states), n),
            "age_days": rng.integers(18 * 365, 80 * 365, n),
            "gender": rng.choice(4, n, p=GENDER_SHARE),
            "contact": rng.choice(3, n, p=CONTACT_SHARE),
            "weight": rng.pareto(PARETO_SHAPE, n) + 1.0,
        }
        blocks.append(block)
        change_blocks.append(_segment_changes(rng, day_number, block))
    cols = {k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]}
    customer_ids = ids("CUST", cols["day"], cols["seq"])
    first = pa.array(pools.first[cols["first"]], pa.string())
    last = pa.array(pools.last[cols["last"]], pa.string())
    email = np.asarray(
        pc.utf8_lower(
            pc.binary_join_element_wise(
                first,
                ".",
                last,
                pc.cast(pa.array(cols["email_number"]), pa.string()),
                "@",
                pa.array(pools.domains[cols["domain"]], pa.string()),
                "",
            )
        ).to_numpy(zero_copy_only=False),
        dtype=object,
    )
    # Same person, second account: the previous customer's address.
    shared = np.flatnonzero(cols["duplicate_email"][1:]) + 1
    email[shared] = email[shared - 1]
    broken = cols["invalid_email"]
    email[broken] = np.char.replace(email[broken].astype(str), "@", ".").astype(object)
    signup = _to_date(cols["day"])
    customers = pa.table(
        {
            "customer_id": customer_ids,
            "name": pc.binary_join_element_wise(first, last, " "),
            "email": email.tolist(),
            "phone": pa.array(pools.phones[cols["phone"]].tolist(), mask=cols["phone_null"]),
            "signup_date": signup,
            "loyalty_tier": TIERS[cols["tier"]].tolist(),
            "total_lifetime_value": cols["ltv"],
            "segment": SEGMENTS[cols["segment"]].tolist(),
            "address_city": pools.cities[cols["city"]].tolist(),
            "address_state": pools.states[cols["state"]].tolist(),
            "address_country": ["USA"] * len(signup),
            "date_of_birth": signup - cols["age_days"].astype("timedelta64[D]"),
            "gender": GENDERS[cols["gender"]].tolist(),
            "preferred_contact_method": CONTACT[cols["contact"]].tolist(),
        }
    )
    changes = _change_table(change_blocks, last_day)
    return _People(
        customers,
        changes,
        np.asarray(customer_ids.to_numpy(zero_copy_only=False), dtype=object),
        cols["day"],
        cols["tier"],
        cols["weight"],
    )


def _segment_changes(rng: np.random.Generator, day_number: int, block: dict) -> dict:
    """~30% of customers change segment (and tier by a step) once or twice after signup."""
    n = len(block["seq"])
    first = rng.random(n) < SEGMENT_HISTORY_SHARE
    second = first & (rng.random(n) < 0.3)
    gap1, gap2 = rng.integers(30, 400, n), rng.integers(30, 300, n)
    seg1 = (block["segment"] + rng.integers(1, 4, n)) % 4
    seg2 = (seg1 + rng.integers(1, 4, n)) % 4
    step1, step2 = rng.choice([-1, 1], n), rng.choice([-1, 1], n)
    tier1 = np.clip(block["tier"] + step1, 0, 3)
    tier2 = np.clip(tier1 + step2, 0, 3)
    rows = [
        (first, 1, day_number + gap1, seg1, tier1),
        (second, 2, day_number + gap1 + gap2, seg2, tier2),
    ]
    return {
        "seq": np.concatenate([block["seq"][m] for m, *_ in rows]),
        "day": np.full(int(first.sum() + second.sum()), day_number),
        "number": np.concatenate([np.full(m.sum(), k) for m, k, *_ in rows]),
        "changed": np.concatenate([d[m] for m, _, d, *_ in rows]),
        "segment": np.concatenate([s[m] for m, _, _, s, _ in rows]),
        "tier": np.concatenate([t[m] for m, *_, t in rows]),
    }


def _change_table(blocks: list[dict], last_day: date) -> pa.Table:
    cols = {k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]}
    known = cols["changed"] <= (last_day - LAUNCH_DAY).days
    cols = {k: v[known] for k, v in cols.items()}
    order = np.lexsort((cols["number"], cols["seq"], cols["day"]))
    cols = {k: v[order] for k, v in cols.items()}
    customer = ids("CUST", cols["day"], cols["seq"])
    return pa.table(
        {
            "change_id": pc.binary_join_element_wise(
                pc.replace_substring(customer, "CUST", "CHG"),
                pc.cast(pa.array(cols["number"]), pa.string()),
                "-",
            ),
            "customer_id": customer,
            "segment": SEGMENTS[cols["segment"]].tolist(),
            "loyalty_tier": TIERS[cols["tier"]].tolist(),
            "changed_at": _to_date(cols["changed"]),
        }
    )


@dataclass(frozen=True)
class _Campaigns:
    table: pa.Table
    ids: np.ndarray
    start: np.ndarray  # day numbers
    end: np.ndarray


def _campaigns(seed: int, rate: float, last_day: date, pools: _Pools) -> _Campaigns:
    blocks, starts, ends = [], [], []
    for day_number in range((last_day - LAUNCH_DAY).days + 1):
        day = LAUNCH_DAY + timedelta(days=day_number)
        rng = rng_for(seed, "ecom_campaigns", day)
        n = rng.poisson(rate)
        if n == 0:
            continue
        channel = weighted_choice(rng, CHANNELS, CHANNEL_SHARE, n)
        start = np.full(n, day_number)
        end = start + rng.integers(7, 91, n) - 1
        starts.append(start)
        ends.append(end)
        words = pools.words[rng.integers(0, len(pools.words), n)]
        blocks.append(
            {
                "campaign_id": ids("CAMP", day_number, np.arange(n)),
                "campaign_name": [
                    f"{w} {c.title()} {day.year}" for w, c in zip(words, channel, strict=True)
                ],
                "channel": channel.tolist(),
                "start_date": _to_date(start),
                "end_date": _to_date(end),
                "budget": np.round(rng.uniform(5_000, 100_000, n), -2),
                "target_audience": pools.audiences[rng.integers(0, 50, n)].tolist(),
                "objective": weighted_choice(rng, OBJECTIVES, [0.3, 0.3, 0.4], n).tolist(),
                "status": weighted_choice(rng, CAMPAIGN_STATUSES, [0.6, 0.3, 0.1], n).tolist(),
                "owner": pools.people[rng.integers(0, len(pools.people), n)].tolist(),
            }
        )
    table = concat(blocks)
    if not blocks:
        return _Campaigns(table, np.array([], dtype=object), np.array([]), np.array([]))
    campaign_ids = np.asarray(table["campaign_id"].to_numpy(zero_copy_only=False), dtype=object)
    return _Campaigns(table, campaign_ids, np.concatenate(starts), np.concatenate(ends))


def _eligible(people: _People, day: date) -> np.ndarray:
    """Customers who signed up before ``day`` (signup < first order)."""
    return np.flatnonzero(people.signup_day < (day - LAUNCH_DAY).days)


def _orders(seed: int, day: date, size: Scale, people: _People, products: _Products) -> dict:
    rng = rng_for(seed, "ecom_orders", day)
    day_number = (day - LAUNCH_DAY).days
    pool = _eligible(people, day)
    n = rng.poisson(size.orders_per_day * day_factor(day)) if len(pool) else 0
    if n == 0:
        return {"orders": None, "order_items": None, "inventory_movements": None, "items": None}
    weights = people.weight[pool]
    buyer = pool[rng.choice(len(pool), n, p=weights / weights.sum())]
    tier = people.tier[buyer]
    low = np.array([TIER_ORDER_VALUE[t][0] for t in tier], dtype=float)
    high = np.array([TIER_ORDER_VALUE[t][1] for t in tier], dtype=float)
    target = rng.uniform(low, high)
    items_per_order = 1 + rng.poisson(1.5, n)
    order_of_item = np.repeat(np.arange(n), items_per_order)
    m = len(order_of_item)
    wanted = target[order_of_item] / items_per_order[order_of_item] * rng.uniform(0.7, 1.3, m)
    position = np.clip(
        np.searchsorted(products.prices, wanted) + rng.integers(-3, 4, m),
        0,
        len(products.prices) - 1,
    )
    quantity = np.where(rng.random(m) < 0.15, 2, 1).astype(np.int32)
    unit_price = products.prices[position]
    line_total = np.round(quantity * unit_price, 2)
    category = products.categories[position].copy()
    mismatched = np.flatnonzero(rng.random(m) < FAULTS["order_items.mismatched_category"])
    own = np.array([list(CATEGORIES).index(c) for c in category[mismatched]], dtype=int)
    category[mismatched] = CATEGORIES[(own + rng.integers(1, 5, len(mismatched))) % 5]
    subtotal = np.round(np.bincount(order_of_item, weights=line_total, minlength=n), 2)
    discounted = rng.random(n) < 0.2
    discount = np.round(np.where(discounted, subtotal * rng.uniform(0.05, 0.3, n), 0.0), 2)
    tax = np.round((subtotal - discount) * TAX_RATE, 2)
    shipping = np.where(subtotal >= 100, 0.0, np.round(rng.uniform(5, 25, n), 2))
    total = np.round(subtotal - discount + tax + shipping, 2)
    total = np.where(rng.random(n) < FAULTS["orders.negative_total"], -total, total)
    discount_null = rng.random(n) < FAULTS["orders.null_discount"]
    status = weighted_choice(rng, STATUSES, STATUS_SHARE, n)
    region = weighted_choice(rng, REGIONS, REGION_SHARE, n)
    when = at(day, seconds_of_day(rng, n, ORDER_HOURS))
    order_ids = ids("ORD", day_number, np.arange(n))
    # Duplicate order ids: the same order written twice by the source system.
    duplicate = np.flatnonzero(rng.random(n) < FAULTS["orders.duplicate_order_id"])
    rows = np.concatenate([np.arange(n), duplicate])
    orders = {
        "order_id": order_ids.take(pa.array(rows)),
        "customer_id": people.ids[buyer][rows].tolist(),
        "order_date": when[rows],
        "region": region[rows].tolist(),
        "status": status[rows].tolist(),
        "item_count": items_per_order[rows].astype(np.int32),
        "subtotal": subtotal[rows],
        "discount_amount": pa.array(discount[rows], mask=discount_null[rows]),
        "tax_amount": tax[rows],
        "shipping_cost": shipping[rows],
        "total_amount": total[rows],
    }
    item_number = np.arange(m) - np.repeat(
        np.cumsum(items_per_order) - items_per_order, items_per_order
    )
    item_order_ids = order_ids.take(pa.array(order_of_item))
    items = {
        "order_item_id": pc.binary_join_element_wise(
            item_order_ids,
            pc.utf8_lpad(pc.cast(pa.array(item_number + 1), pa.string()), 2, "0"),
            "-",
        ),
        "order_id": item_order_ids,
        "order_date": when[order_of_item],
        "product_id": products.ids[position].tolist(),
        "category": category.tolist(),
        "quantity": quantity,
        "unit_price": unit_price,
        "line_total": line_total,
    }
    cancelled = status[order_of_item] == "cancelled"
    movements = {
        "movement_id": pc.replace_substring(items["order_item_id"], "ORD", "MOV"),
        "product_id": items["product_id"],
        "movement_type": np.where(cancelled, "return", "sale").tolist(),
        "quantity": np.where(cancelled, quantity, -quantity).astype(np.int32),
        "movement_date": when[order_of_item]
        + np.where(cancelled, 3600, 0).astype("timedelta64[s]"),
        "reference_id": item_order_ids,
    }
    # The movement of a cancelled order comes an hour later; keep it inside its day.
    end_of_day = np.datetime64(day + timedelta(days=1), "s") - np.timedelta64(1, "s")
    movements["movement_date"] = np.minimum(movements["movement_date"], end_of_day)
    completed_items = np.flatnonzero(status[order_of_item] == "completed")
    return {
        "orders": orders,
        "order_items": items,
        "inventory_movements": movements,
        "items": {
            "rng": rng,
            "order_id": item_order_ids,
            "product_id": products.ids[position],
            "customer_id": people.ids[buyer][order_of_item],
            "when": when[order_of_item],
            "completed": completed_items,
            "day_number": day_number,
        },
    }


def _reviews(seed: int, day: date, orders: dict, pools: _Pools) -> dict | None:
    items = orders["items"]
    if items is None:
        return None
    rng = rng_for(seed, "ecom_reviews", day)
    chosen = items["completed"][rng.random(len(items["completed"])) < REVIEW_SHARE]
    k = len(chosen)
    if k == 0:
        return None
    lag = rng.integers(1, REVIEW_LAG_DAYS + 1, k).astype("timedelta64[D]")
    review_date = (
        items["when"][chosen]
        + lag.astype("timedelta64[s]")
        + rng.integers(0, 3600, k).astype("timedelta64[s]")
    )
    return {
        "review_id": ids("REV", items["day_number"], np.arange(k)),
        "order_id": items["order_id"].take(pa.array(chosen)),
        "product_id": items["product_id"][chosen].tolist(),
        "customer_id": items["customer_id"][chosen].tolist(),
        "rating": weighted_choice(rng, RATINGS, RATING_SHARE, k).astype(np.int32),
        "review_text": pools.sentences[rng.integers(0, len(pools.sentences), k)].tolist(),
        "review_date": review_date,
        "verified_purchase": rng.random(k) < 0.95,
    }


def _restocks(seed: int, day: date, size: Scale, products: _Products) -> dict | None:
    rng = rng_for(seed, "ecom_restocks", day)
    n = rng.poisson(size.restocks_per_day)
    if n == 0:
        return None
    adjustment = rng.random(n) < 0.2
    quantity = np.where(adjustment, rng.integers(-5, 6, n), rng.integers(20, 201, n))
    return {
        "movement_id": ids("RST", (day - LAUNCH_DAY).days, np.arange(n)),
        "product_id": products.ids[rng.integers(0, len(products.ids), n)].tolist(),
        "movement_type": np.where(adjustment, "adjustment", "restock").tolist(),
        "quantity": quantity.astype(np.int32),
        "movement_date": at(day, seconds_of_day(rng, n)),
        "reference_id": pa.nulls(n, pa.string()),
    }


def _sessions(seed, day, size, people, products, pools):
    rng = rng_for(seed, "ecom_sessions", day)
    day_number = (day - LAUNCH_DAY).days
    n = rng.poisson(size.sessions_per_day)
    if n == 0:
        return None, None
    pool = _eligible(people, day)
    logged_in = (rng.random(n) < LOGGED_IN_SHARE) & (len(pool) > 0)
    who = pool[rng.integers(0, max(len(pool), 1), n)] if len(pool) else np.zeros(n, int)
    customer = np.where(logged_in, people.ids[who] if len(pool) else None, None)
    start_s = seconds_of_day(rng, n, ORDER_HOURS)
    duration = np.clip(rng.exponential(480, n), 10, 7200).astype(np.int64)
    end_s = np.minimum(start_s + duration, 86_399)
    device = weighted_choice(rng, DEVICES, DEVICE_SHARE, n)
    session_ids = ids("SES", day_number, np.arange(n))
    sessions = {
        "session_id": session_ids,
        "customer_id": pa.array(customer.tolist(), pa.string()),
        "session_start": at(day, start_s),
        "session_end": at(day, end_s),
        "device_type": device.tolist(),
        "browser": weighted_choice(rng, BROWSERS, BROWSER_SHARE, n).tolist(),
        "city": pools.cities[rng.integers(0, len(pools.cities), n)].tolist(),
    }
    per_session = 1 + rng.poisson(size.events_per_session - 1, n)
    of = np.repeat(np.arange(n), per_session)
    m = len(of)
    event_s = start_s[of] + (rng.random(m) * (end_s[of] - start_s[of] + 1)).astype(np.int64)
    event_s = np.minimum(event_s, end_s[of])
    order = np.lexsort((event_s, of))
    of, event_s = of[order], event_s[order]
    kind = weighted_choice(rng, CLICK_EVENTS, CLICK_SHARE, m)
    product = products.ids[rng.choice(len(products.ids), m, p=products.popularity)]
    search = kind == "search"
    page = np.where(
        search,
        "/search?q=" + pools.words[rng.integers(0, len(pools.words), m)].astype(str),
        np.where(
            kind == "page_view",
            "/product/" + product.astype(str),
            np.where(kind == "purchase", "/checkout", "/cart"),
        ),
    )
    clicks = {
        "event_id": ids("CLK", day_number, np.arange(m)),
        "session_id": session_ids.take(pa.array(of)),
        "customer_id": pa.array(customer[of].tolist(), pa.string()),
        "event_type": kind.tolist(),
        "event_timestamp": at(day, event_s),
        "product_id": pa.array(np.where(search, None, product).tolist(), pa.string()),
        "device_type": device[of].tolist(),
        "page_url": page.tolist(),
    }
    return sessions, clicks


def _marketing(seed, day, size, campaigns: _Campaigns, people: _People, pools) -> dict | None:
    rng = rng_for(seed, "ecom_marketing", day)
    day_number = (day - LAUNCH_DAY).days
    active = np.flatnonzero((campaigns.start <= day_number) & (campaigns.end >= day_number))
    n = rng.poisson(size.marketing_events_per_day) if len(active) else 0
    if n == 0:
        return None
    campaign = campaigns.ids[active[rng.integers(0, len(active), n)]].copy()
    orphan = rng.random(n) < FAULTS["marketing_events.orphan_campaign"]
    campaign[orphan] = np.asarray(
        ids("CAMP", 9_999, rng.integers(0, 999_999, orphan.sum())).to_numpy(zero_copy_only=False),
        dtype=object,
    )
    kind = weighted_choice(rng, FUNNEL, FUNNEL_SHARE, n)
    cost = np.where(
        kind == "impression",
        rng.uniform(0.01, 0.05, n),
        np.where(kind == "click", rng.uniform(0.5, 5.0, n), 0.0),
    )
    revenue = np.where(kind == "conversion", np.round(rng.uniform(10, 500, n), 2), 0.0)
    known = rng.random(n) < 0.5
    pool = _eligible(people, day)
    user = np.where(
        known & (len(pool) > 0),
        people.ids[pool[rng.integers(0, max(len(pool), 1), n)]] if len(pool) else "",
        np.char.add("VIS-", rng.integers(0, 10**8, n).astype(str)).astype(object),
    )
    location = pc.binary_join_element_wise(
        pa.array(pools.cities[rng.integers(0, len(pools.cities), n)], pa.string()),
        pa.array(pools.states[rng.integers(0, len(pools.states), n)], pa.string()),
        ", ",
    )
    return {
        "event_id": ids("EVT", day_number, np.arange(n)),
        "campaign_id": campaign.tolist(),
        "event_date": at(day, seconds_of_day(rng, n)),
        "event_type": kind.tolist(),
        "user_id": user.tolist(),
        "cost": np.round(cost, 4),
        "revenue": revenue,
        "device_type": weighted_choice(
            rng, np.array(["mobile", "desktop", "tablet"], dtype=object), [0.5, 0.4, 0.1], n
        ).tolist(),
        "browser": weighted_choice(rng, BROWSERS, BROWSER_SHARE, n).tolist(),
        "location": pc.if_else(
            pa.array(rng.random(n) < FAULTS["marketing_events.null_location"]),
            pa.scalar(None, pa.string()),
            location,
        ),
    }


def _interactions(seed, day, size, people: _People, products: _Products, sessions) -> dict | None:
    rng = rng_for(seed, "ecom_interactions", day)
    day_number = (day - LAUNCH_DAY).days
    pool = _eligible(people, day)
    n = rng.poisson(size.interactions_per_day) if len(pool) else 0
    if n == 0:
        return None
    weights = people.weight[pool]
    user = people.ids[pool[rng.choice(len(pool), n, p=weights / weights.sum())]]
    product = products.ids[rng.choice(len(products.ids), n, p=products.popularity)].copy()
    orphan = rng.random(n) < FAULTS["user_interactions.orphan_product"]
    product[orphan] = np.asarray(
        ids("PROD", 9_999, rng.integers(0, 999_999, orphan.sum())).to_numpy(zero_copy_only=False),
        dtype=object,
    )
    kind = weighted_choice(rng, INTERACTIONS, INTERACTION_SHARE, n)
    rating = np.where(kind == "rating", weighted_choice(rng, RATINGS, RATING_SHARE, n), 0)
    duration = np.where(kind == "view", rng.integers(10, 1_801, n), 0)
    if sessions is not None:
        session_ids = sessions["session_id"]
        session = session_ids.take(pa.array(rng.integers(0, len(session_ids), n)))
    else:
        session = ids("SES", day_number, rng.integers(0, 10**5, n))
    session = pc.if_else(
        pa.array(rng.random(n) < FAULTS["user_interactions.null_session"]),
        pa.scalar(None, pa.string()),
        session,
    )
    return {
        "interaction_id": ids("INT", day_number, np.arange(n)),
        "user_id": user.tolist(),
        "product_id": product.tolist(),
        "interaction_type": kind.tolist(),
        "interaction_timestamp": at(day, seconds_of_day(rng, n, ORDER_HOURS)),
        "rating": pa.array(rating.astype(np.int32), mask=kind != "rating"),
        "session_id": session,
        "duration_seconds": pa.array(duration.astype(np.int32), mask=kind != "view"),
        "referrer": REFERRERS[rng.integers(0, len(REFERRERS), n)].tolist(),
        "device_type": weighted_choice(rng, DEVICES, DEVICE_SHARE, n).tolist(),
    }


def _tickets(seed, day, size, people: _People) -> dict | None:
    rng = rng_for(seed, "ecom_tickets", day)
    pool = _eligible(people, day)
    n = rng.poisson(size.tickets_per_day) if len(pool) else 0
    if n == 0:
        return None
    priority = rng.choice(4, n, p=PRIORITY_SHARE)
    low = np.array([RESOLUTION_HOURS[p][0] for p in priority], dtype=float)
    high = np.array([RESOLUTION_HOURS[p][1] for p in priority], dtype=float)
    hours = np.round(rng.uniform(low, high), 2)
    status = weighted_choice(rng, TICKET_STATUSES, TICKET_STATUS_SHARE, n)
    done = np.isin(status, ["closed", "resolved"])
    created = at(day, seconds_of_day(rng, n))
    resolved = created + np.round(hours * 3600).astype(np.int64).astype("timedelta64[s]")
    return {
        "ticket_id": ids("TKT", (day - LAUNCH_DAY).days, np.arange(n)),
        "customer_id": people.ids[pool[rng.integers(0, len(pool), n)]].tolist(),
        "created_at": created,
        "resolved_at": pa.array(resolved, mask=~done),
        "category": weighted_choice(rng, TICKET_CATEGORIES, TICKET_CATEGORY_SHARE, n).tolist(),
        "priority": PRIORITIES[priority].tolist(),
        "status": status.tolist(),
        "satisfaction_score": pa.array(
            weighted_choice(rng, SATISFACTION, SATISFACTION_SHARE, n).astype(np.int32), mask=~done
        ),
        "resolution_time_hours": pa.array(hours, mask=~done),
        "agent_id": ids("AGT", 0, rng.integers(0, 60, n)),
        "channel": weighted_choice(rng, TICKET_CHANNELS, [0.30, 0.35, 0.25, 0.10], n).tolist(),
    }
