"""What every part of the shop's generator shares: ids, timestamps, day weights, Faker pools."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from include.domains.ecommerce import design as d
from include.elt.contract.randomness import faker_pool


def values(names: tuple) -> np.ndarray:
    """A design tuple as an array rows can be taken from."""
    return np.array(names, dtype=object)


def day_number(day: date) -> int:
    return (day - d.EPOCH).days


def to_date(day_numbers: np.ndarray) -> np.ndarray:
    return np.datetime64(d.EPOCH, "D") + np.asarray(day_numbers).astype("timedelta64[D]")


def ids(prefix: str, day: np.ndarray | int, seq: np.ndarray) -> pa.Array:
    """``PREFIX-DDDDSSSSSS``: day number since the epoch and sequence, stable and unique."""
    number = np.asarray(day, dtype=np.int64) * 1_000_000 + np.asarray(seq, dtype=np.int64)
    digits = pc.utf8_lpad(pc.cast(pa.array(number), pa.string()), 10, "0")
    return pc.binary_join_element_wise(prefix, digits, "-")


def strings(array: pa.Array) -> np.ndarray:
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=object)


def at(day: date, seconds: np.ndarray) -> np.ndarray:
    return np.datetime64(day, "s") + np.asarray(seconds).astype("timedelta64[s]")


def day_factors(day_numbers: np.ndarray) -> np.ndarray:
    """Orders of each day relative to the mean day: weekends and the holiday season are busier."""
    days = to_date(day_numbers)
    month = days.astype("datetime64[M]").astype(int) % 12 + 1
    weekday = (days.astype(int) + 3) % 7  # 1970-01-01 was a Thursday: Monday is 0
    season = np.where(month >= 11, d.HOLIDAY_FACTOR, 1.0)
    return season * np.where(weekday >= 5, d.WEEKEND_FACTOR, d.WEEKDAY_FACTOR)


def day_factor_sum(first: date, last: date) -> float:
    """:func:`day_factors` summed over the days from ``first`` to ``last`` (0 if none)."""
    return float(day_factors(np.arange(day_number(first), day_number(last) + 1)).sum())


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


def quoted(texts: np.ndarray | pa.Array) -> pa.Array:
    """Strings as JSON string literals."""
    text = texts if isinstance(texts, pa.Array) else pa.array(texts, pa.string())
    escaped = pc.replace_substring(pc.replace_substring(text, "\\", "\\\\"), '"', '\\"')
    return pc.binary_join_element_wise('"', escaped, '"', "")


def json_objects(
    fields: dict[str, pa.Array | np.ndarray], more: np.ndarray | None = None
) -> pa.Array:
    """One JSON object per row (seed 004's JSONB columns), from values already JSON text:
    :func:`quoted` strings, numbers and ``true``/``false`` as text; ``more`` adds members
    whose key differs by row (``', "size": "M"'``)."""
    pieces = []
    for i, (key, value) in enumerate(fields.items()):
        text = value if isinstance(value, pa.Array) else pa.array(value, pa.string())
        pieces += [("{" if i == 0 else ", ") + f'"{key}": ', text]
    if more is not None:
        pieces.append(pa.array(more, pa.string()))
    return pc.binary_join_element_wise(*pieces, "}", "")


def pick_by(rng: np.random.Generator, key: np.ndarray, options: dict[str, tuple]) -> np.ndarray:
    """For each row, one of the options of its key, uniformly."""
    picked = np.empty(len(key), dtype=object)
    for name, choices in options.items():
        rows = np.flatnonzero(key == name)
        picked[rows] = np.array(choices, dtype=object)[rng.integers(0, len(choices), len(rows))]
    return picked


def json_text(values: np.ndarray) -> pa.Array:
    """Numbers or booleans as JSON text."""
    if values.dtype == bool:
        return pa.array(np.where(values, "true", "false"), pa.string())
    return pc.cast(pa.array(values), pa.string())


def null_where(mask: np.ndarray, array: pa.Array) -> pa.Array:
    return pc.if_else(pa.array(mask), pa.scalar(None, array.type), array)


class Pools:
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
        self.streets = faker_pool(seed, "ecom_streets", lambda f: f.street_address(), 2_000)
        self.zips = faker_pool(seed, "ecom_zips", lambda f: f.zipcode(), 1_000)
        self.colors = faker_pool(seed, "ecom_colors", lambda f: f.safe_color_name(), 30)

    def pick(self, rng: np.random.Generator, pool: str, n: int) -> np.ndarray:
        values = getattr(self, pool)
        return values[rng.integers(0, len(values), n)]
