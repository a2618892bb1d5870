"""Orders, their lines, the stock movements they cause, and the reviews that follow them.

Every order a customer will ever place is planned at signup, from their signup day's stream:
its day, total and status. That is what lets a customer's lifetime value (seed 002 §4.2) be at
least what their completed orders add up to, in every run, whatever its window. A customer
orders for ``ORDERING_DAYS`` after signing up, at a rate in proportion to their Pareto
propensity and scaled each day so the shop's expected orders are the scale's (the weight of
the customers ordering on a day is the drawn one up to seed 002's last day, held after it).

Totals are seed 002's log-normal (mean $125, sd $150, $5-$5,000); a tier moves its customers'
log totals a little (seed 003: higher tiers spend more per order), centred over all orders.
Each order is built backwards from its total: discount, tax and shipping give the subtotal,
the lines are catalog products near the subtotal's share per line, paid at the day's price
(list price times the order's small promotion factor), so the lines add up to the subtotal
to the cent and the total is the planned one to a few cents.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from include.domains.ecommerce import design as d
from include.domains.ecommerce.synth.catalog import Products
from include.domains.ecommerce.synth.common import (
    Pools,
    at,
    day_factors,
    day_number,
    ids,
    json_objects,
    quoted,
    values,
)
from include.domains.ecommerce.synth.people import People
from include.elt.contract.randomness import categorical, rng_for, seconds_of_day, weighted_choice

CATEGORIES = values(d.CATEGORIES)
STATUSES = values(d.ORDER_STATUSES)
COMPLETED = d.ORDER_STATUSES.index("completed")
EXTRA_ITEMS = d.ITEMS_PER_ORDER - 1  # items per order are 1 + Poisson(1.5)
# A total rebuilt from rounded lines, discount and tax is off its planned value by cents:
# a lifetime value counts each planned order this much higher to stay above the sum.
ROUNDING = 0.5


@dataclass(frozen=True)
class Plan:
    """Every order each customer will place, by day: who, how much, in which status."""

    day: np.ndarray  # day numbers since the epoch, ascending
    buyer: np.ndarray  # index into People
    total: np.ndarray
    status: np.ndarray  # index into ORDER_STATUSES

    def on(self, day: date) -> slice:
        number = day_number(day)
        return slice(*np.searchsorted(self.day, [number, number + 1]))

    def lifetime_values(self, people: People) -> np.ndarray:
        """Each customer's revenue from the shop over their whole life, completed orders only,
        or their tier's value drawn at signup if that is more (revenue from elsewhere)."""
        completed = self.status == COMPLETED
        spent = np.bincount(
            self.buyer[completed],
            weights=self.total[completed] + ROUNDING,
            minlength=len(people.ids),
        )
        return np.maximum(people.other_value, np.ceil(spent * 100) / 100)


def plan(seed: int, per_day: float, people: People) -> Plan:
    """The orders of everyone in ``people``, over their ordering years, ``per_day`` on a mean
    day of the shop."""
    first = day_number(d.LAUNCH_DAY)
    last = int(people.signup_day.max()) + d.ORDERING_DAYS + 1
    days = np.arange(last + 1)
    rate = np.where(days >= first, per_day * day_factors(days), 0.0)
    # the propensity of the customers ordering on each day: signed up in the ORDERING_DAYS before
    signed = np.bincount(people.signup_day, weights=people.weight, minlength=last + 1)
    before = np.concatenate([[0.0], np.cumsum(signed)])
    active = before[days] - before[np.maximum(days - d.ORDERING_DAYS, 0)]
    held = day_number(d.SEED_END)
    active[held + 1 :] = active[held]
    intensity = np.divide(rate, active, out=np.zeros_like(rate), where=active > 0)
    exposure = np.concatenate([[0.0], np.cumsum(intensity)])  # of the days before each day
    begin = exposure[np.maximum(people.signup_day + 1, first)]
    expected = people.weight * (exposure[people.signup_day + d.ORDERING_DAYS + 1] - begin)
    shift, spread = _tier_shift(expected, people)

    parts = []
    starts = np.flatnonzero(np.diff(people.signup_day, prepend=-1))
    for start, stop in zip(starts, [*starts[1:], len(people.ids)], strict=True):
        signup = int(people.signup_day[start])
        rng = rng_for(seed, "ecom_order_plan", d.EPOCH + timedelta(days=signup))
        buyer = np.arange(start, stop)
        buyer = np.repeat(buyer, rng.poisson(expected[buyer]))
        k = len(buyer)
        # the days: inverse of the exposure, from the day after signup
        span = expected[buyer] / people.weight[buyer]
        day = np.searchsorted(exposure, begin[buyer] + rng.random(k) * span, side="right") - 1
        z = shift[people.tier[buyer]] + spread * rng.standard_normal(k)
        parts.append((day, buyer, z, categorical(rng, d.ORDER_STATUS_SHARE, k)))
    day, buyer, z, status = (np.concatenate(column) for column in zip(*parts, strict=True))
    low, high = d.ORDER_VALUE_RANGE
    # a few cents inside the range: the total is rebuilt from rounded lines
    total = np.clip(np.exp(d.ORDER_VALUE_MU + d.ORDER_VALUE_SIGMA * z), low + 0.1, high - 0.1)
    order = np.lexsort((buyer, day))
    return Plan(day[order], buyer[order], total[order], status[order])


def _tier_shift(expected: np.ndarray, people: People) -> tuple[np.ndarray, float]:
    """Each tier's shift of the normal score of log totals, centred on the tiers' expected
    shares of the orders, and the sd left for the rest, so the scores of all orders stay
    N(0, 1). The shares are those of seed 002's customers: the same in every window."""
    seeds = people.signup_day <= day_number(d.SEED_END)
    orders = np.bincount(people.tier[seeds], weights=expected[seeds], minlength=len(d.TIERS))
    orders /= orders.sum()
    shift = np.array(d.TIER_ORDER_VALUE_SHIFT) - orders @ np.array(d.TIER_ORDER_VALUE_SHIFT)
    return shift, math.sqrt(1 - orders @ shift**2)


def orders(
    seed: int, day: date, plan: Plan, people: People, products: Products, pools: Pools
) -> dict:
    rng = rng_for(seed, "ecom_orders", day)
    number = day_number(day)
    today = plan.on(day)
    buyer, total = plan.buyer[today], plan.total[today]
    n = len(buyer)
    if n == 0:
        return {"orders": None, "order_items": None, "inventory_movements": None, "items": None}
    rate = np.where(rng.random(n) < d.DISCOUNT_SHARE, rng.uniform(*d.DISCOUNT_RATE, n), 0.0)
    # total = (subtotal - discount) * (1 + tax) + shipping, shipping free from $100
    free = total / (1 + d.TAX_RATE) / (1 - rate) >= d.FREE_SHIPPING_FROM
    shipping = np.where(
        free, 0.0, np.round(np.minimum(rng.uniform(*d.SHIPPING_COST, n), total / 2), 2)
    )
    wanted_subtotal = (total - shipping) / (1 + d.TAX_RATE) / (1 - rate)

    # items: 1 + Poisson, the larger baskets for the larger subtotals
    items_per_order = np.sort(1 + rng.poisson(EXTRA_ITEMS, n))[_ranks(wanted_subtotal)]
    order_of_item = np.repeat(np.arange(n), items_per_order)
    m = len(order_of_item)
    share = rng.uniform(0.7, 1.3, m)
    share /= np.bincount(order_of_item, weights=share, minlength=n)[order_of_item]
    quantity = np.where(rng.random(m) < 0.15, 2, 1).astype(np.int32)
    wanted = wanted_subtotal[order_of_item] * share / quantity
    position = np.clip(
        np.searchsorted(products.prices, wanted) + rng.integers(-3, 4, m),
        0,
        len(products.prices) - 1,
    )
    listed = np.bincount(order_of_item, weights=quantity * products.prices[position], minlength=n)
    unit_price = np.round(products.prices[position] * (wanted_subtotal / listed)[order_of_item], 2)
    unit_price = np.maximum(unit_price, 0.01)
    line_total = np.round(quantity * unit_price, 2)
    category = products.categories[position].copy()
    mismatched = np.flatnonzero(rng.random(m) < d.FAULTS["order_items.mismatched_category"])
    own = np.array([d.CATEGORIES.index(c) for c in category[mismatched]], dtype=int)
    category[mismatched] = CATEGORIES[(own + rng.integers(1, 5, len(mismatched))) % 5]
    subtotal = np.round(np.bincount(order_of_item, weights=line_total, minlength=n), 2)
    discount = np.round(subtotal * rate, 2)
    tax = np.round((subtotal - discount) * d.TAX_RATE, 2)
    total = np.round(subtotal - discount + tax + shipping, 2)
    total = np.where(rng.random(n) < d.FAULTS["orders.negative_total"], -total, total)
    discount_null = rng.random(n) < d.FAULTS["orders.null_discount"]
    status = STATUSES[plan.status[today]]
    region = weighted_choice(rng, values(d.REGIONS), d.REGION_SHARE, n)
    when = at(day, seconds_of_day(rng, n, d.ORDER_HOURS))
    order_ids = ids("ORD", number, np.arange(n))
    # Duplicate order ids: the same order written twice by the source system.
    duplicate = np.flatnonzero(rng.random(n) < d.FAULTS["orders.duplicate_order_id"])
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
        "shipping_address": _addresses(rng, people, buyer, pools).take(pa.array(rows)),
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
    return {
        "orders": orders,
        "order_items": items,
        "inventory_movements": _movements(day, items, status[order_of_item], when[order_of_item]),
        "items": {
            "order_id": item_order_ids,
            "product_id": products.ids[position],
            "customer_id": people.ids[buyer][order_of_item],
            "when": when[order_of_item],
            "completed": np.flatnonzero(status[order_of_item] == "completed"),
            "day_number": number,
        },
    }


def _addresses(
    rng: np.random.Generator, people: People, buyer: np.ndarray, pools: Pools
) -> pa.Array:
    """Seed 004's shipping address: a street in the buyer's own city and state."""
    customers = people.customers.take(pa.array(buyer))
    n = len(buyer)
    return json_objects(
        {
            "street": quoted(pools.pick(rng, "streets", n)),
            "city": quoted(customers["address_city"].combine_chunks()),
            "state": quoted(customers["address_state"].combine_chunks()),
            "zip": quoted(pools.pick(rng, "zips", n)),
            "country": quoted(np.full(n, d.SHIPPING_COUNTRY, dtype=object)),
        }
    )


def _ranks(key: np.ndarray) -> np.ndarray:
    return np.argsort(np.argsort(key, kind="stable"), kind="stable")


def _movements(day: date, items: dict, status: np.ndarray, when: np.ndarray) -> dict:
    """A sale per line; a cancelled order's line comes back an hour later, inside its day."""
    cancelled = status == "cancelled"
    end_of_day = np.datetime64(day + timedelta(days=1), "s") - np.timedelta64(1, "s")
    return {
        "movement_id": pc.replace_substring(items["order_item_id"], "ORD", "MOV"),
        "product_id": items["product_id"],
        "movement_type": np.where(cancelled, "return", "sale").tolist(),
        "quantity": np.where(cancelled, items["quantity"], -items["quantity"]).astype(np.int32),
        "movement_date": np.minimum(
            when + np.where(cancelled, 3600, 0).astype("timedelta64[s]"), end_of_day
        ),
        "reference_id": items["order_id"],
    }


def reviews(seed: int, day: date, orders: dict, sentences: np.ndarray) -> dict | None:
    items = orders["items"]
    if items is None:
        return None
    rng = rng_for(seed, "ecom_reviews", day)
    chosen = items["completed"][rng.random(len(items["completed"])) < d.REVIEW_SHARE]
    k = len(chosen)
    if k == 0:
        return None
    lag = rng.integers(1, d.REVIEW_LAG_DAYS + 1, k).astype("timedelta64[D]")
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
        "rating": weighted_choice(rng, np.array(d.RATINGS), d.RATING_SHARE, k).astype(np.int32),
        "review_text": sentences[rng.integers(0, len(sentences), k)].tolist(),
        "review_date": review_date,
        "verified_purchase": rng.random(k) < 0.95,
    }


def restocks(seed: int, day: date, per_day: float, products: Products) -> dict | None:
    rng = rng_for(seed, "ecom_restocks", day)
    n = rng.poisson(per_day)
    if n == 0:
        return None
    adjustment = rng.random(n) < 0.2
    quantity = np.where(adjustment, rng.integers(-5, 6, n), rng.integers(20, 201, n))
    return {
        "movement_id": ids("RST", day_number(day), np.arange(n)),
        "product_id": products.ids[rng.integers(0, len(products.ids), n)].tolist(),
        "movement_type": np.where(adjustment, "adjustment", "restock").tolist(),
        "quantity": quantity.astype(np.int32),
        "movement_date": at(day, seconds_of_day(rng, n)),
        "reference_id": pa.nulls(n, pa.string()),
    }
