"""The web shop's logs: sessions, their clickstream, and product interactions.

A session's clicks follow a shopping path (seed 004): browsing (searches and product views,
interleaved) comes first, then carts, removals and the purchase; an item added to the cart is
the last product viewed before it, and a removal or purchase is of the last item carted.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa

from include.domains.ecommerce import design as d
from include.domains.ecommerce.synth.catalog import Products
from include.domains.ecommerce.synth.common import (
    Pools,
    at,
    day_number,
    ids,
    json_objects,
    null_where,
    pick_by,
    quoted,
    strings,
    values,
)
from include.domains.ecommerce.synth.people import People
from include.elt.contract.randomness import rng_for, seconds_of_day, weighted_choice

CLICKS = values(d.CLICK_EVENTS)
# Where each kind of click sits on the path; browsing kinds draw a place at random.
_STAGE = {
    "search": -1.0,
    "page_view": -1.0,
    "add_to_cart": 2.0,
    "remove_from_cart": 3.0,
    "purchase": 4.0,
}


def sessions(
    seed: int,
    day: date,
    per_day: float,
    clicks_per_session: float,
    people: People,
    products: Products,
    pools: Pools,
):
    rng = rng_for(seed, "ecom_sessions", day)
    number = day_number(day)
    n = rng.poisson(per_day)
    if n == 0:
        return None, None
    pool = people.eligible(day)
    logged_in = (rng.random(n) < d.LOGGED_IN_SHARE) & (len(pool) > 0)
    who = pool[rng.integers(0, max(len(pool), 1), n)] if len(pool) else np.zeros(n, int)
    customer = np.where(logged_in, people.ids[who] if len(pool) else None, None)
    start_s = seconds_of_day(rng, n, d.ORDER_HOURS)
    duration = np.clip(rng.exponential(480, n), 10, 7200).astype(np.int64)
    end_s = np.minimum(start_s + duration, 86_399)
    device = weighted_choice(rng, values(d.DEVICES), d.DEVICE_SHARE, n)
    session_ids = ids("SES", number, np.arange(n))
    session_rows = {
        "session_id": session_ids,
        "customer_id": pa.array(customer.tolist(), pa.string()),
        "session_start": at(day, start_s),
        "session_end": at(day, end_s),
        "device_type": device.tolist(),
        "browser": weighted_choice(rng, values(d.BROWSERS), d.BROWSER_SHARE, n).tolist(),
        "city": pools.pick(rng, "cities", n).tolist(),
    }
    per_session = 1 + rng.poisson(clicks_per_session - 1, n)
    of = np.repeat(np.arange(n), per_session)
    m = len(of)
    event_s = start_s[of] + (rng.random(m) * (end_s[of] - start_s[of] + 1)).astype(np.int64)
    event_s = np.sort(np.minimum(event_s, end_s[of]) + of * 100_000) - of * 100_000
    kind = weighted_choice(rng, CLICKS, d.CLICK_SHARE, m)
    stage = _stages(kind)
    place = np.where(stage < 0, rng.random(m) * 2, stage)
    kind = kind[np.lexsort((place, of))]  # the path, in time order within each session
    product = products.ids[rng.choice(len(products.ids), m, p=products.popularity)]
    product = _follow_path(kind, product, of)
    search = kind == "search"
    page = np.where(
        search,
        "/search?q=" + pools.pick(rng, "words", m).astype(str),
        np.where(
            kind == "page_view",
            "/product/" + product.astype(str),
            np.where(kind == "purchase", "/checkout", "/cart"),
        ),
    )
    click_rows = {
        "event_id": ids("CLK", number, np.arange(m)),
        "session_id": session_ids.take(pa.array(of)),
        "customer_id": pa.array(customer[of].tolist(), pa.string()),
        "event_type": kind.tolist(),
        "event_timestamp": at(day, event_s),
        "product_id": pa.array(np.where(search, None, product).tolist(), pa.string()),
        "device_type": device[of].tolist(),
        "page_url": page.tolist(),
    }
    # seed 004's device info, last so the rows above keep their draws
    session_rows["device_info"] = json_objects(
        {
            "os": quoted(pick_by(rng, device, d.OPERATING_SYSTEMS)),
            "screen": quoted(pick_by(rng, device, d.SCREENS)),
        }
    )
    return session_rows, click_rows


def _stages(kind: np.ndarray) -> np.ndarray:
    stage = np.full(len(kind), -1.0)
    for name, value in _STAGE.items():
        stage[kind == name] = value
    return stage


def _last_before(mask: np.ndarray, of: np.ndarray) -> np.ndarray:
    """For each click, the index of the latest click at or before it in its session where
    ``mask`` holds (-1: none)."""
    index = np.where(mask, np.arange(len(mask)), -1)
    latest = np.maximum.accumulate(index) if len(index) else index
    first_of_session = np.searchsorted(of, of, side="left")
    return np.where(latest >= first_of_session, latest, -1)


def _follow_path(kind: np.ndarray, product: np.ndarray, of: np.ndarray) -> np.ndarray:
    """Carts take the last product viewed; removals and purchases the last item carted."""
    product = product.copy()
    viewed = _last_before(kind == "page_view", of)
    carting = (kind == "add_to_cart") & (viewed >= 0)
    product[carting] = product[viewed[carting]]
    carted = _last_before(kind == "add_to_cart", of)
    after_cart = np.isin(kind, ["remove_from_cart", "purchase"]) & (carted >= 0)
    product[after_cart] = product[carted[after_cart]]
    return product


def interactions(
    seed: int,
    day: date,
    per_day: float,
    people: People,
    products: Products,
    session_rows: dict | None,
) -> dict | None:
    rng = rng_for(seed, "ecom_interactions", day)
    number = day_number(day)
    pool = people.eligible(day)
    n = rng.poisson(per_day) if len(pool) else 0
    if n == 0:
        return None
    weights = people.weight[pool]
    user = people.ids[pool[rng.choice(len(pool), n, p=weights / weights.sum())]]
    product = products.ids[rng.choice(len(products.ids), n, p=products.popularity)].copy()
    orphan = rng.random(n) < d.FAULTS["user_interactions.orphan_product"]
    product[orphan] = strings(ids("PROD", 9_999, rng.integers(0, 999_999, orphan.sum())))
    kind = weighted_choice(rng, values(d.INTERACTIONS), d.INTERACTION_SHARE, n)
    rating = np.where(
        kind == "rating", weighted_choice(rng, np.array(d.RATINGS), d.RATING_SHARE, n), 0
    )
    duration = np.where(kind == "view", rng.integers(10, 1_801, n), 0)
    if session_rows is not None:
        session_ids = session_rows["session_id"]
        session = session_ids.take(pa.array(rng.integers(0, len(session_ids), n)))
    else:
        session = ids("SES", number, rng.integers(0, 10**5, n))
    return {
        "interaction_id": ids("INT", number, np.arange(n)),
        "user_id": user.tolist(),
        "product_id": product.tolist(),
        "interaction_type": kind.tolist(),
        "interaction_timestamp": at(day, seconds_of_day(rng, n, d.ORDER_HOURS)),
        "rating": pa.array(rating.astype(np.int32), mask=kind != "rating"),
        "session_id": null_where(
            rng.random(n) < d.FAULTS["user_interactions.null_session"], session
        ),
        "duration_seconds": pa.array(duration.astype(np.int32), mask=kind != "view"),
        "referrer": values(d.REFERRERS)[rng.integers(0, len(d.REFERRERS), n)].tolist(),
        "device_type": weighted_choice(rng, values(d.DEVICES), d.DEVICE_SHARE, n).tolist(),
    }
