"""Campaigns (from 2024-01-01) and their impressions, clicks and conversions.

A campaign row is written as at its start: ``active``, or ``paused`` for one in ten. Silver
states each campaign as of the data's last day (past its end date: ``completed``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from include.domains.ecommerce import design as d
from include.domains.ecommerce.synth.common import (
    Pools,
    at,
    concat,
    day_number,
    ids,
    null_where,
    strings,
    to_date,
    values,
)
from include.domains.ecommerce.synth.people import People
from include.elt.contract.randomness import rng_for, seconds_of_day, weighted_choice


@dataclass(frozen=True)
class Campaigns:
    table: pa.Table
    ids: np.ndarray
    start: np.ndarray  # day numbers
    end: np.ndarray

    def running_days(self, first: date, last: date) -> int:
        """Days from ``first`` to ``last`` with at least one campaign running."""
        days = np.arange(day_number(first), day_number(last) + 1)
        running = np.zeros(len(days), dtype=bool)
        for start, end in zip(self.start, self.end, strict=True):
            running[max(start - days[0], 0) : max(end - days[0] + 1, 0)] = True
        return int(running.sum())

    def until(self, last_day: date) -> Campaigns:
        """The campaigns that started by ``last_day``."""
        known = self.start <= day_number(last_day)
        return Campaigns(
            self.table.filter(pa.array(known)), self.ids[known], self.start[known], self.end[known]
        )


def campaigns(seed: int, count: int, last_day: date, pools: Pools) -> Campaigns:
    """Exactly ``count`` campaigns start within seed 002's range (a Poisson count of 50 would
    miss its 5% more often than not); after it, they keep starting at the same rate."""
    first, seed_end = day_number(d.CAMPAIGN_START), day_number(d.SEED_END)
    in_range = np.bincount(
        rng_for(seed, "ecom_campaign_starts").integers(0, seed_end - first + 1, count),
        minlength=seed_end - first + 1,
    )
    per_day = count / len(in_range)
    blocks, starts, ends = [], [], []
    for number in range(first, day_number(last_day) + 1):
        day = d.EPOCH + timedelta(days=number)
        rng = rng_for(seed, "ecom_campaigns", day)
        n = in_range[number - first] if number <= seed_end else rng.poisson(per_day)
        if n == 0:
            continue
        channel = weighted_choice(rng, values(d.CHANNELS), d.CHANNEL_SHARE, n)
        start = np.full(n, number)
        low, high = d.CAMPAIGN_DAYS
        end = start + rng.integers(low, high + 1, n) - 1
        starts.append(start)
        ends.append(end)
        words = pools.pick(rng, "words", n)
        blocks.append(
            {
                "campaign_id": ids("CAMP", number, np.arange(n)),
                "campaign_name": [
                    f"{w} {c.title()} {day.year}" for w, c in zip(words, channel, strict=True)
                ],
                "channel": channel.tolist(),
                "start_date": to_date(start),
                "end_date": to_date(end),
                "budget": np.round(rng.uniform(*d.CAMPAIGN_BUDGET, n), -2),
                "target_audience": pools.pick(rng, "audiences", n).tolist(),
                "objective": weighted_choice(
                    rng, values(d.OBJECTIVES), d.OBJECTIVE_SHARE, n
                ).tolist(),
                "status": np.where(rng.random(n) < d.PAUSED_SHARE, "paused", "active").tolist(),
                "owner": pools.pick(rng, "people", n).tolist(),
            }
        )
    table = concat(blocks)
    if not blocks:
        return Campaigns(table, np.array([], dtype=object), np.array([]), np.array([]))
    return Campaigns(
        table, strings(table["campaign_id"]), np.concatenate(starts), np.concatenate(ends)
    )


def events(
    seed: int, day: date, per_day: float, campaigns: Campaigns, people: People, pools: Pools
) -> dict | None:
    """``per_day`` events on each day with a campaign running."""
    rng = rng_for(seed, "ecom_marketing", day)
    number = day_number(day)
    running = np.flatnonzero((campaigns.start <= number) & (campaigns.end >= number))
    n = rng.poisson(per_day) if len(running) else 0
    if n == 0:
        return None
    campaign = campaigns.ids[running[rng.integers(0, len(running), n)]].copy()
    orphan = rng.random(n) < d.FAULTS["marketing_events.orphan_campaign"]
    campaign[orphan] = strings(ids("CAMP", 9_999, rng.integers(0, 999_999, orphan.sum())))
    kind = weighted_choice(rng, values(d.FUNNEL), d.FUNNEL_SHARE, n)
    cost = np.where(
        kind == "impression",
        rng.uniform(0.01, 0.05, n),
        np.where(kind == "click", rng.uniform(0.5, 5.0, n), 0.0),
    )
    revenue = np.where(kind == "conversion", np.round(rng.uniform(10, 500, n), 2), 0.0)
    known = rng.random(n) < 0.5
    pool = people.eligible(day)
    user = np.where(
        known & (len(pool) > 0),
        people.ids[pool[rng.integers(0, max(len(pool), 1), n)]] if len(pool) else "",
        np.char.add("VIS-", rng.integers(0, 10**8, n).astype(str)).astype(object),
    )
    location = pc.binary_join_element_wise(
        pa.array(pools.pick(rng, "cities", n), pa.string()),
        pa.array(pools.pick(rng, "states", n), pa.string()),
        ", ",
    )
    return {
        "event_id": ids("EVT", number, np.arange(n)),
        "campaign_id": campaign.tolist(),
        "event_date": at(day, seconds_of_day(rng, n)),
        "event_type": kind.tolist(),
        "user_id": user.tolist(),
        "cost": np.round(cost, 4),
        "revenue": revenue,
        "device_type": weighted_choice(
            rng, values(d.MARKETING_DEVICES), d.MARKETING_DEVICE_SHARE, n
        ).tolist(),
        "browser": weighted_choice(rng, values(d.BROWSERS), d.BROWSER_SHARE, n).tolist(),
        "location": null_where(
            rng.random(n) < d.FAULTS["marketing_events.null_location"], location
        ),
    }
