"""Synthetic data for the online shop (seeds 002, 003, 004), vectorised and by day.

Everything about a customer (profile, loyalty tier, later changes, the orders they will place)
is drawn from the random stream of their signup day; every order's lines, and every session,
event, interaction and ticket, from the stream of its own day. The same seed and day give the
same rows, so a window is the union of its days. The numbers are in ``design``; the parts
are in ``synth``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from include.domains.ecommerce import design as d
from include.domains.ecommerce.synth import catalog, marketing, orders, people, support, web
from include.domains.ecommerce.synth.common import Pools, concat, day_factor_sum
from include.elt.contract.domain import GeneratedRows
from include.elt.core.days import Days


@dataclass(frozen=True)
class Rates:
    """Daily rates that give a scale's counts over seed 002's ranges (and keep after them)."""

    signups: float
    orders: float  # on a mean day, before the weekday and season factors
    sessions: float
    clicks_per_session: float
    user_interactions: float
    support_tickets: float
    restocks: float

    @classmethod
    def of(cls, size: d.Scale) -> Rates:
        shop = Days(d.LAUNCH_DAY, d.SEED_END)
        duplicates = 1 + d.FAULTS["orders.duplicate_order_id"]
        return cls(
            signups=size.customers / ((d.SEED_END - d.EPOCH).days + 1),
            orders=size.orders / duplicates / day_factor_sum(d.LAUNCH_DAY, d.SEED_END),
            sessions=size.sessions / len(shop),
            clicks_per_session=max(size.clickstream_events / max(size.sessions, 1), 1.0),
            user_interactions=size.user_interactions / len(shop),
            support_tickets=size.support_tickets / len(shop),
            restocks=size.restocks / len(shop),
        )


def expected_rows(dataset: str, days: Days | None, *, scale: str, volumes: dict) -> float | None:
    """Seed 002 §4.1's row counts over a file's days: the daily rates the scale sets, times the
    days (weighted by weekday and season for orders). ``None`` for datasets whose count follows
    from others (clicks of sessions, lines, movements, reviews: clustered, so a Poisson band
    would not fit them) or from the campaigns' own schedule."""
    size = sized(scale, volumes)
    if dataset == "products":
        return size.products
    if days is None:
        return None
    rate = Rates.of(size)
    if dataset == "customers":
        return rate.signups * len(days)
    opened = max(days.start, d.LAUNCH_DAY)  # the shop's logs start at its launch
    shop_days = max((days.end - opened).days + 1, 0)
    per_day = {
        "sessions": rate.sessions,
        "user_interactions": rate.user_interactions,
        "support_tickets": rate.support_tickets,
    }
    if dataset == "orders":
        duplicates = 1 + d.FAULTS["orders.duplicate_order_id"]
        return rate.orders * duplicates * day_factor_sum(opened, days.end)
    if dataset in per_day:
        return per_day[dataset] * shop_days
    return None


def sized(scale: str, volumes: dict[str, int] | None) -> d.Scale:
    unknown = set(volumes or {}) - set(d.VOLUMES)
    if unknown:
        raise ValueError(f"ecommerce takes volumes {', '.join(d.VOLUMES)}; not {sorted(unknown)}")
    base = d.SCALES[scale]
    volumes = dict(volumes or {})
    for driver, counts in (("customers", d.PER_CUSTOMER), ("products", d.PER_PRODUCT)):
        if driver in volumes:
            factor = volumes[driver] / getattr(base, driver)
            for name in counts:
                volumes.setdefault(name, max(1, round(getattr(base, name) * factor)))
    return replace(base, **volumes)


def generate(
    window: Days, *, scale: str, seed: int, volumes: dict[str, int] | None = None
) -> dict[str, GeneratedRows]:
    size = sized(scale, volumes)
    rate = Rates.of(size)
    pools = Pools(seed)
    products = catalog.products(seed, size.products, pools)
    # Customers are drawn to the end of the signup cohort of seed 002's last day (or of the
    # window's, if later) even when the window ends earlier: they set each day's order rate, so
    # a day's orders do not depend on the window that makes them.
    horizon = people.cohort_end(rate.signups, max(window.end, d.SEED_END))
    everyone = people.customers(seed, rate.signups, horizon, pools)
    order_plan = orders.plan(seed, rate.orders, everyone)
    persons = everyone.as_of(window.end, order_plan.lifetime_values(everyone))
    # Campaigns are drawn to seed 002's last day at least: marketing events come on each day a
    # campaign runs, at the rate that gives the scale's count over the days they actually run
    # there (fifty campaigns' lengths vary their running days by about 7%).
    campaigns = marketing.campaigns(
        seed, size.marketing_campaigns, max(window.end, d.SEED_END), pools
    )
    events_per_day = size.marketing_events / campaigns.running_days(d.CAMPAIGN_START, d.SEED_END)

    daily: dict[str, list[dict]] = {}
    # Reviews come up to REVIEW_LAG_DAYS days and an hour after their order, so a day's reviews
    # can rate an order of the day before that: a run re-emits the orders of those days before
    # its window (the same rows as before) so every review's order is in bronze, and a day's
    # reviews are the same whatever window makes them.
    orders_from = max(window.start - timedelta(days=d.REVIEW_LAG_DAYS + 1), d.LAUNCH_DAY)
    for day in Days(orders_from, window.end):
        sold = orders.orders(seed, day, order_plan, persons, products, pools)
        _add(daily, "reviews", orders.reviews(seed, day, sold, pools.sentences))
        for name in ("orders", "order_items", "inventory_movements"):
            _add(daily, name, sold[name])
        _add(daily, "inventory_movements", orders.restocks(seed, day, rate.restocks, products))
        if day < window.start:
            continue
        visits, clicks = web.sessions(
            seed, day, rate.sessions, rate.clicks_per_session, persons, products, pools
        )
        _add(daily, "sessions", visits)
        _add(daily, "clickstream_events", clicks)
        _add(
            daily,
            "marketing_events",
            marketing.events(seed, day, events_per_day, campaigns, persons, pools),
        )
        _add(
            daily,
            "user_interactions",
            web.interactions(seed, day, rate.user_interactions, persons, products, visits),
        )
        _add(daily, "support_tickets", support.tickets(seed, day, rate.support_tickets, persons))

    parts = {
        "customers": GeneratedRows(persons.customers, Days(d.EPOCH, window.end)),
        "customer_segment_changes": GeneratedRows(persons.changes, Days(d.EPOCH, window.end)),
        "products": GeneratedRows(products.table),
        "marketing_campaigns": GeneratedRows(
            campaigns.until(window.end).table, Days(d.EPOCH, window.end)
        ),
        "reviews": GeneratedRows(_within(concat(daily.pop("reviews", [])), window), window),
    }
    for name in ("orders", "order_items", "inventory_movements"):
        parts[name] = GeneratedRows(concat(daily.get(name, [])), Days(orders_from, window.end))
    for name in (
        "sessions",
        "clickstream_events",
        "marketing_events",
        "user_interactions",
        "support_tickets",
    ):
        parts[name] = GeneratedRows(concat(daily.get(name, [])), window)
    return parts


def _add(daily: dict[str, list[dict]], name: str, block: dict | None) -> None:
    if block is not None:
        daily.setdefault(name, []).append(block)


def _within(reviews: pa.Table, window: Days) -> pa.Table:
    """The reviews written inside the window (their orders may be from before it)."""
    if not reviews.num_rows:
        return reviews
    start = pa.scalar(np.datetime64(window.start, "s"))
    end = pa.scalar(np.datetime64(window.end + timedelta(days=1), "s"))
    column = reviews["review_date"]
    return reviews.filter(pc.and_(pc.greater_equal(column, start), pc.less(column, end)))
