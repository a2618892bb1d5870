"""Customers as at signup, and their later segment and tier changes (the SCD2 source).

Everything about a customer is drawn from the random stream of their signup day. A change
redraws the segment from its designed mix and moves the tier one step by a Metropolis rule
whose stationary mix is the designed one, so at every date (the data's last day included) the
current segments and tiers show the designed shares, with a history leading up to them.

Order propensity is Pareto and follows the tier: a customer's place in the Pareto
distribution is drawn inside their tier's slice of it (bronze the lowest half, platinum the
top 5%), so the heavy buyers are the high tiers and lifetime values can stay in their tier's
range. The lifetime value itself is set once the orders are planned (see ``orders.plan``).
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from include.domains.ecommerce import design as d
from include.domains.ecommerce.synth.common import (
    Pools,
    day_number,
    ids,
    json_objects,
    json_text,
    strings,
    to_date,
    values,
)
from include.elt.contract.randomness import categorical, rng_for

TIERS, SEGMENTS = values(d.TIERS), values(d.SEGMENTS)
_TIER_SHARE = np.array(d.TIER_SHARE)
_SEGMENT_SHARE = np.array(d.SEGMENT_SHARE)
_TIER_FLOOR = np.cumsum(_TIER_SHARE) - _TIER_SHARE  # where each tier's slice starts
_TIER_PROPENSITY = np.array(d.TIER_PROPENSITY)
# a customer's favourite categories (seed 004's preferences): none, one or two
FAVORITES = values(
    tuple(
        json.dumps(list(chosen))
        for k in range(3)
        for chosen in itertools.combinations(d.CATEGORIES, k)
    )
)


@dataclass(frozen=True)
class People:
    customers: pa.Table
    changes: pa.Table
    ids: np.ndarray
    signup_day: np.ndarray  # day numbers since the epoch
    tier: np.ndarray  # index into TIERS, as at signup
    weight: np.ndarray  # order propensity (Pareto)
    other_value: np.ndarray  # revenue outside the shop's orders: the floor of the lifetime value

    def eligible(self, day: date) -> np.ndarray:
        """Customers who signed up before ``day`` (signup < first order)."""
        return np.flatnonzero(self.signup_day < day_number(day))

    def as_of(self, last_day: date, lifetime_value: np.ndarray) -> People:
        """The customers and changes known on ``last_day``, with their lifetime values. (The
        arrays keep every customer drawn: later ones only shape the order plan.)"""
        known = pa.array(self.signup_day <= day_number(last_day))
        column = self.customers.schema.get_field_index("total_lifetime_value")
        customers = self.customers.set_column(
            column, "total_lifetime_value", pa.array(lifetime_value)
        ).filter(known)
        changes = self.changes.filter(pc.less_equal(self.changes["changed_at"], last_day))
        return replace(self, customers=customers, changes=changes)


def tier_step(rng: np.random.Generator, tier: np.ndarray) -> np.ndarray:
    """One Metropolis step on the tiers: propose a neighbour, accept with the ratio of the
    designed shares. The designed mix is stationary: customers who change keep it."""
    proposal = tier + rng.choice([-1, 1], len(tier))
    inside = (proposal >= 0) & (proposal < len(_TIER_SHARE))
    ratio = np.where(inside, _TIER_SHARE[np.clip(proposal, 0, 3)] / _TIER_SHARE[tier], 0.0)
    return np.where(rng.random(len(tier)) < ratio, proposal, tier)


def _stay_chance() -> float:
    """Chance that a change event redraws the same segment and keeps the tier: such an event
    writes no row, so events are that much more frequent than the designed history share."""
    keep_tier = 0.0
    for t, p in enumerate(_TIER_SHARE):
        moves = [min(1.0, _TIER_SHARE[t + s] / p) for s in (-1, 1) if 0 <= t + s < 4]
        keep_tier += p * (1 - 0.5 * sum(moves))
    return float((_SEGMENT_SHARE**2).sum() * keep_tier)


EVENT_SHARE = d.SEGMENT_HISTORY_SHARE / (1 - _stay_chance())


def customers(seed: int, per_day: float, last_day: date, pools: Pools) -> People:
    """Everyone who signs up up to ``last_day``, their lifetime values still to be set."""
    blocks, change_blocks = [], []
    for number in range(day_number(last_day) + 1):
        day = d.EPOCH + timedelta(days=number)
        rng = rng_for(seed, "ecom_customers", day)
        n = rng.poisson(per_day)
        if n == 0:
            continue
        tier = categorical(rng, d.TIER_SHARE, n)
        low = np.array(d.TIER_LTV)[tier, 0]
        high = np.array(d.TIER_LTV)[tier, 1]
        block = {
            "seq": np.arange(n),
            "day": np.full(n, number),
            "first": rng.integers(0, len(pools.first), n),
            "last": rng.integers(0, len(pools.last), n),
            "email_number": rng.integers(1, 100, n),
            "domain": rng.integers(0, len(pools.domains), n),
            "phone": rng.integers(0, len(pools.phones), n),
            "phone_null": rng.random(n) < d.FAULTS["customers.null_phone"],
            "invalid_email": rng.random(n) < d.FAULTS["customers.invalid_email"],
            "duplicate_email": rng.random(n) < d.FAULTS["customers.duplicate_email"],
            "tier": tier,
            "other_value": np.round(np.exp(rng.uniform(np.log(low), np.log(high))), 2),
            "segment": categorical(rng, d.SEGMENT_SHARE, n),
            "city": rng.integers(0, len(pools.cities), n),
            "state": rng.integers(0, len(pools.states), n),
            "age_days": rng.integers(18 * 365, 80 * 365, n),
            "gender": categorical(rng, d.GENDER_SHARE, n),
            "contact": categorical(rng, d.CONTACT_SHARE, n),
            "propensity": _TIER_FLOOR[tier] + rng.random(n) * _TIER_SHARE[tier],
        }
        change_blocks.append(_changes(rng, number, block))
        block["newsletter"] = rng.random(n) < d.NEWSLETTER_SHARE
        block["favorites"] = rng.integers(0, len(FAVORITES), n)
        blocks.append(block)
    cols = {k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]}
    customer_ids = ids("CUST", cols["day"], cols["seq"])
    first = pa.array(pools.first[cols["first"]], pa.string())
    last = pa.array(pools.last[cols["last"]], pa.string())
    email = strings(
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
        )
    )
    # Same person, second account: the previous customer's address.
    shared = np.flatnonzero(cols["duplicate_email"][1:]) + 1
    email[shared] = email[shared - 1]
    broken = cols["invalid_email"]
    email[broken] = np.char.replace(email[broken].astype(str), "@", ".").astype(object)
    signup = to_date(cols["day"])
    table = pa.table(
        {
            "customer_id": customer_ids,
            "name": pc.binary_join_element_wise(first, last, " "),
            "email": email.tolist(),
            "phone": pa.array(pools.phones[cols["phone"]].tolist(), mask=cols["phone_null"]),
            "signup_date": signup,
            "loyalty_tier": TIERS[cols["tier"]].tolist(),
            "total_lifetime_value": cols["other_value"],
            "segment": SEGMENTS[cols["segment"]].tolist(),
            "address_city": pools.cities[cols["city"]].tolist(),
            "address_state": pools.states[cols["state"]].tolist(),
            "address_country": ["USA"] * len(signup),
            "date_of_birth": signup - cols["age_days"].astype("timedelta64[D]"),
            "gender": values(d.GENDERS)[cols["gender"]].tolist(),
            "preferred_contact_method": values(d.CONTACTS)[cols["contact"]].tolist(),
            "preferences": json_objects(
                {
                    "newsletter": json_text(cols["newsletter"]),
                    "favorite_categories": FAVORITES[cols["favorites"]],
                }
            ),
        }
    )
    return People(
        table,
        _change_table(change_blocks),
        strings(customer_ids),
        cols["day"],
        cols["tier"],
        weight=_by_cohort(
            cols["day"],
            per_day,
            _TIER_PROPENSITY[cols["tier"]] * (1 - cols["propensity"]) ** (-1 / d.PARETO_SHAPE),
        ),
        other_value=cols["other_value"],
    )


def cohort_months(per_day: float) -> int:
    """Signup months per cohort: enough for about COHORT_CUSTOMERS customers."""
    return max(1, math.ceil(d.COHORT_CUSTOMERS / (per_day * 365.25 / 12)))


def cohort_end(per_day: float, day: date) -> date:
    """The last day of the cohort ``day`` signs up in: customers are drawn to there."""
    months = cohort_months(per_day)
    month = (day.year - d.EPOCH.year) * 12 + day.month - 1
    after = (month // months + 1) * months  # the next cohort's first month, from the epoch's
    return date(d.EPOCH.year + after // 12, after % 12 + 1, 1) - timedelta(days=1)


def _by_cohort(day: np.ndarray, per_day: float, weight: np.ndarray) -> np.ndarray:
    """Propensities scaled so each signup cohort's mean is 1: Pareto within a cohort, while the
    heavy tail cannot make one cohort order more than another in all (so the shop's daily
    orders stay the scale's however its customers come and go)."""
    month = to_date(day).astype("datetime64[M]").astype(np.int64)
    cohort = (month - np.datetime64(d.EPOCH, "M").astype(np.int64)) // cohort_months(per_day)
    total = np.bincount(cohort, weights=weight)
    count = np.bincount(cohort)
    return weight / (total / np.maximum(count, 1))[cohort]


def _changes(rng: np.random.Generator, number: int, block: dict) -> dict:
    """Up to two change events per customer; an event that changes nothing writes no row."""
    n = len(block["seq"])
    first = rng.random(n) < EVENT_SHARE
    second = first & (rng.random(n) < d.SECOND_CHANGE_SHARE)
    (low1, high1), (low2, high2) = d.CHANGE_GAP_DAYS
    when1 = number + rng.integers(low1, high1, n)
    when2 = when1 + rng.integers(low2, high2, n)
    seg1 = categorical(rng, d.SEGMENT_SHARE, n)
    seg2 = categorical(rng, d.SEGMENT_SHARE, n)
    tier1 = tier_step(rng, block["tier"])
    tier2 = tier_step(rng, tier1)
    first &= (seg1 != block["segment"]) | (tier1 != block["tier"])
    second &= first & ((seg2 != seg1) | (tier2 != tier1))
    rows = [(first, 1, when1, seg1, tier1), (second, 2, when2, seg2, tier2)]
    return {
        "seq": np.concatenate([block["seq"][m] for m, *_ in rows]),
        "day": np.full(int(first.sum() + second.sum()), number),
        "number": np.concatenate([np.full(m.sum(), k) for m, k, *_ in rows]),
        "changed": np.concatenate([w[m] for m, _, w, *_ in rows]),
        "segment": np.concatenate([s[m] for m, _, _, s, _ in rows]),
        "tier": np.concatenate([t[m] for m, *_, t in rows]),
    }


def _change_table(blocks: list[dict]) -> pa.Table:
    cols = {k: np.concatenate([b[k] for b in blocks]) for k in blocks[0]}
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
            "changed_at": to_date(cols["changed"]),
        }
    )
