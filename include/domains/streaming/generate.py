"""Synthetic data for the streaming service (seeds 000/001), generated vectorised and by day.

Every customer, with their whole subscription history, is drawn from the random stream of their
signup day; every session from the stream of its own day. So the same seed and day always give
the same rows, and a 60-day window is exactly the union of its 60 daily runs.

The numbers come from :mod:`include.domains.streaming.design`. Seed 000's recency ("more events
in the last 14 days") therefore cannot lean towards a run's last day: it is the design's
engagement trend, a rate per subscription that grows day by day, so every 60-day window inside
the trend's ramp is busier in its last 14 days by the designed factor.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from include.domains.streaming import design as d
from include.domains.streaming.design import LAUNCH_DAY
from include.elt.contract.domain import GeneratedRows
from include.elt.contract.randomness import (
    categorical,
    cumulative,
    faker_pool,
    from_cdf,
    rng_for,
    seconds_of_day,
    weighted_choice,
)
from include.elt.core.days import Days

log = logging.getLogger(__name__)

ID_STRIDE = 100_000  # ids are day_number * stride + sequence: unique and stable per day

PLAN_NAMES = np.array(d.PLAN_NAMES, dtype=object)
PLAN_SESSIONS_PER_DAY = np.array(d.PLAN_SESSIONS_PER_DAY)
PLAN_MEAN_SPELL_DAYS = np.array(d.PLAN_MEAN_SPELL_DAYS)
PREMIUM_PLAN = d.PLAN_NAMES.index(d.PREMIUM)
GENRES = np.array(d.GENRES, dtype=object)
REGIONS = np.array(d.REGIONS, dtype=object)
DEVICES = np.array(d.DEVICES, dtype=object)


def generate(window: Days, *, scale: str, seed: int) -> dict[str, GeneratedRows]:
    size = d.SCALES[scale]
    content = _content(seed, size.content_titles)
    people = _population(seed, size.signups_per_day, window.end)
    return {
        "plans": GeneratedRows(_plans()),
        "content": GeneratedRows(content),
        "customers": GeneratedRows(people.customers, Days(LAUNCH_DAY, window.end)),
        "subscriptions": GeneratedRows(people.subscriptions, Days(LAUNCH_DAY, window.end)),
        "usage_logs": GeneratedRows(_usage(seed, window, people, content), window),
    }


def _plans() -> pa.Table:
    return pa.table(
        {
            "plan_id": pa.array([1, 2, 3], pa.int32()),
            "plan_name": list(d.PLAN_NAMES),
            "monthly_price": list(d.PLAN_PRICE),
            "max_streams": pa.array(d.PLAN_STREAMS, pa.int32()),
            "video_quality": list(d.PLAN_QUALITY),
        }
    )


def _content(seed: int, titles: int) -> pa.Table:
    rng = rng_for(seed, "content")
    counts = np.round(np.asarray(d.GENRE_SHARE) * titles).astype(int)
    genre = np.repeat(GENRES, counts)
    pools = {
        "movie": faker_pool(seed, "movie_titles", lambda f: f.catch_phrase().title(), 400),
        "music": faker_pool(seed, "track_titles", lambda f: " ".join(f.words(2)).title(), 400),
        "podcast": faker_pool(
            seed, "podcast_titles", lambda f: f"The {f.word().title()} {f.job()} Podcast", 400
        ),
    }
    title = np.empty(len(genre), dtype=object)
    minutes = np.empty(len(genre), dtype=np.int32)
    for g, n in zip(GENRES, counts, strict=True):
        mask = genre == g
        title[mask] = pools[g][rng.integers(0, len(pools[g]), n)]
        low, high = d.GENRE_MINUTES[g]
        minutes[mask] = rng.integers(low, high + 1, n)
    library_days = (LAUNCH_DAY - d.LIBRARY_START).days
    release = np.datetime64(d.LIBRARY_START) + rng.integers(0, library_days, len(genre))
    return pa.table(
        {
            "content_id": np.arange(1, len(genre) + 1, dtype=np.int64),
            "title": title.tolist(),
            "genre": genre.tolist(),
            "duration_minutes": minutes,
            "release_date": release.astype("datetime64[D]"),
        }
    )


@dataclass(frozen=True)
class _Population:
    customers: pa.Table
    subscriptions: pa.Table
    # per spell, as day numbers since LAUNCH_DAY (open-ended spells end at +inf)
    spell_customer_row: np.ndarray
    spell_plan: np.ndarray
    spell_start: np.ndarray
    spell_end: np.ndarray


def _signups_on(day: date, base_rate: float) -> float:
    years = (day - d.GROWTH_REFERENCE_DAY).days / d.SIGNUP_DOUBLING_DAYS
    clip = d.SIGNUP_GROWTH_CLIP_YEARS
    return base_rate * 2.0 ** np.clip(years, -clip, clip)


def _population(seed: int, base_rate: float, last_day: date) -> _Population:
    """Every customer who signed up from launch to ``last_day``, with their subscription spells."""
    days = (last_day - LAUNCH_DAY).days + 1
    cust_blocks, spell_blocks = [], []
    for day_number in range(days):
        day = LAUNCH_DAY + timedelta(days=day_number)
        rng = rng_for(seed, "customers", day)
        n = rng.poisson(_signups_on(day, base_rate))
        if n == 0:
            continue
        ids = day_number * ID_STRIDE + np.arange(n, dtype=np.int64)
        cust_blocks.append(
            (
                ids,
                np.full(n, day_number),
                rng.integers(0, 1_000, n),  # first name
                rng.integers(0, 1_000, n),  # last name
                rng.integers(0, 100, n),  # email number
                rng.integers(0, 20, n),  # email domain
                categorical(rng, d.REGION_SHARE, n),
                categorical(rng, d.DEVICE_SHARE, n),
            )
        )
        spell_blocks.append(_spells(rng, ids, day_number))
    ids, signup, first, last, number, domain, region, device = (
        np.concatenate(col) for col in zip(*cust_blocks, strict=True)
    )
    first_names = faker_pool(seed, "first_names", lambda f: f.first_name(), 1_000)
    last_names = faker_pool(seed, "last_names", lambda f: f.last_name(), 1_000)
    domains = faker_pool(seed, "email_domains", lambda f: f.free_email_domain(), 20)
    first_a = pa.array(first_names[first], pa.string())
    last_a = pa.array(last_names[last], pa.string())
    email = pc.utf8_lower(
        pc.binary_join_element_wise(
            first_a,
            ".",
            last_a,
            pc.cast(pa.array(number), pa.string()),
            "@",
            pa.array(domains[domain], pa.string()),
            "",
        )
    )
    customers = pa.table(
        {
            "customer_id": ids,
            "name": pc.binary_join_element_wise(first_a, last_a, " "),
            "email": email,
            "region": REGIONS[region].tolist(),
            "primary_device": DEVICES[device].tolist(),
            "signup_date": _to_dates(signup),
        }
    )
    sub_id, cust_id, plan, start, end = (
        np.concatenate(col) for col in zip(*spell_blocks, strict=True)
    )
    known = start <= days - 1  # a spell exists once it has started
    sub_id, cust_id, plan, start, end = (a[known] for a in (sub_id, cust_id, plan, start, end))
    subscriptions = pa.table(
        {
            "subscription_id": sub_id,
            "customer_id": cust_id,
            "plan_id": pa.array(plan + 1, pa.int32()),
            "start_date": _to_dates(start),
            "end_date": pa.array(
                _to_dates(np.where(np.isfinite(end), end, 0).astype(np.int64)),
                mask=~np.isfinite(end),
            ),
        }
    )
    row_of_customer = np.searchsorted(ids, cust_id)
    return _Population(customers, subscriptions, row_of_customer, plan, start, end)


def _spells(rng: np.random.Generator, ids: np.ndarray, signup_day: int):
    """Up to d.MAX_SPELLS subscription spells per customer, the first on or after signup."""
    n = len(ids)
    start = signup_day + rng.integers(0, d.FIRST_SPELL_DELAY_DAYS, n).astype(float)
    plan = categorical(rng, d.PLAN_SHARE, n)
    alive = np.ones(n, dtype=bool)
    out = []
    for spell_no in range(d.MAX_SPELLS):
        length = rng.geometric(1.0 / PLAN_MEAN_SPELL_DAYS[plan])
        open_ended = rng.random(n) < d.OPEN_ENDED_SHARE
        end = np.where(open_ended, np.inf, start + length - 1)
        out.append((ids * 10 + spell_no, ids, plan, start.copy(), end, alive.copy()))
        alive &= ~open_ended & (rng.random(n) < d.RESUBSCRIBE_SHARE)
        start = end + rng.integers(*d.RESUBSCRIBE_GAP_DAYS, n)
        change = np.asarray(d.PLAN_CHANGE[0])[categorical(rng, d.PLAN_CHANGE[1], n)]
        plan = np.clip(plan + change, 0, 2)
    sub_id, cust, plans, starts, ends, alive_masks = (
        np.concatenate(c) for c in zip(*out, strict=True)
    )
    keep = alive_masks
    return (
        sub_id[keep],
        cust[keep],
        plans[keep],
        starts[keep].astype(np.int64),
        ends[keep],
    )


def _usage(seed: int, window: Days, people: _Population, content: pa.Table) -> pa.Table:
    genre = np.asarray(content["genre"].to_numpy(zero_copy_only=False), dtype=object)
    minutes = content["duration_minutes"].to_numpy()
    content_ids = content["content_id"].to_numpy()
    by_genre = {g: np.flatnonzero(genre == g) for g in GENRES}
    # A few hits and a long tail within each genre (fixed per catalog, so per seed).
    popularity = {
        g: 1.0 / np.arange(1, len(ix) + 1) ** d.POPULARITY_EXPONENT for g, ix in by_genre.items()
    }
    popularity = {g: cumulative(w) for g, w in popularity.items()}
    primary_device = np.asarray(
        people.customers["primary_device"].to_numpy(zero_copy_only=False), dtype=object
    )
    customer_ids = people.customers["customer_id"].to_numpy()
    sub_ids = people.subscriptions["subscription_id"].to_numpy()
    blocks = []
    for day in window:
        rng = rng_for(seed, "usage_logs", day)
        day_number = (day - LAUNCH_DAY).days
        active = np.flatnonzero(
            (people.spell_start <= day_number) & (people.spell_end >= day_number)
        )
        rate = PLAN_SESSIONS_PER_DAY[people.spell_plan[active]] * d.engagement(day)
        if day.weekday() >= 5:
            rate = rate * d.WEEKEND_FACTOR
        spell = np.repeat(active, rng.poisson(rate))
        n = len(spell)
        if n == 0:
            continue
        plan = people.spell_plan[spell]
        customer_row = people.spell_customer_row[spell]
        genre_pick = categorical(rng, d.GENRE_SHARE, n)
        item = np.empty(n, dtype=np.int64)
        for g_index, g in enumerate(GENRES):
            mask = genre_pick == g_index
            item[mask] = by_genre[g][from_cdf(rng, popularity[g], mask.sum())]
        premium = plan == PREMIUM_PLAN
        watched = np.where(
            premium,
            rng.uniform(d.PREMIUM_MIN_WATCHED, 1.0, n),
            rng.uniform(d.MIN_WATCHED, 1.0, n),
        )
        noise = np.where(
            premium,
            rng.uniform(*d.COMPLETION_NOISE[d.PREMIUM], n),
            rng.uniform(*d.COMPLETION_NOISE["other"], n),
        )
        seconds = seconds_of_day(rng, n, d.HOUR_WEIGHTS)
        loyal = rng.random(n) < d.PRIMARY_DEVICE_LOYALTY
        device = np.where(
            loyal, primary_device[customer_row], weighted_choice(rng, DEVICES, d.DEVICE_SHARE, n)
        )
        order = np.argsort(seconds, kind="stable")
        blocks.append(
            {
                "usage_id": day_number * ID_STRIDE * 100 + np.arange(n, dtype=np.int64),
                "customer_id": customer_ids[customer_row][order],
                "subscription_id": sub_ids[spell][order],
                "content_id": content_ids[item][order],
                "session_start": (np.datetime64(day, "s") + seconds.astype("timedelta64[s]"))[
                    order
                ],
                "device": device[order],
                "duration_watched": np.round(watched * minutes[item], 2)[order],
                "completion_rate": np.round(np.clip(watched + noise, *d.COMPLETION_CLIP), 4)[order],
            }
        )
    if not blocks:
        return pa.table({})  # the platform conforms it to the declared (empty) schema
    columns = {name: np.concatenate([b[name] for b in blocks]) for name in blocks[0]}
    columns["device"] = columns["device"].tolist()
    return pa.table(columns)


def _to_dates(day_numbers: np.ndarray) -> np.ndarray:
    return np.datetime64(LAUNCH_DAY, "D") + day_numbers.astype("timedelta64[D]")
