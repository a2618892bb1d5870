"""Deterministic randomness: every stream of random numbers is named, so the same seed and the
same day always give the same rows, whichever window they are generated in."""

from __future__ import annotations

import functools
import zlib
from collections.abc import Callable
from datetime import date

import numpy as np


def rng_for(seed: int, stream: str, day: date | None = None) -> np.random.Generator:
    """A generator for one named stream (and optionally one day) under a run seed."""
    entropy = [seed, zlib.crc32(stream.encode())]
    if day is not None:
        entropy.append(day.toordinal())
    return np.random.default_rng(entropy)


def faker_pool(
    seed: int, name: str, make: Callable, size: int, locale: str = "en_US"
) -> np.ndarray:
    """``size`` Faker values built once per seed; rows sample from the pool with numpy."""
    fake = _faker_for(seed, name, locale)
    return np.array([make(fake) for _ in range(size)], dtype=object)


def _faker_for(seed: int, name: str, locale: str):
    # A fresh, separately seeded instance per pool keeps each pool independent of build order.
    from faker import Faker

    fake = Faker(locale)
    fake.seed_instance(seed * 1_000_003 + zlib.crc32(name.encode()))
    return fake


@functools.lru_cache(maxsize=256)
def _cdf(weights: tuple[float, ...]) -> np.ndarray:
    return cumulative(np.asarray(weights))


def categorical(rng: np.random.Generator, weights, size: int) -> np.ndarray:
    """Indexes drawn with the given (few) weights: one uniform draw per row, looked up in the
    cumulative weights (``rng.choice(p=...)`` re-checks ``p`` on every call, which adds up
    over the thousands of small per-day draws a window needs)."""
    return from_cdf(rng, _cdf(tuple(weights)), size)


def cumulative(weights: np.ndarray) -> np.ndarray:
    """The cumulative weights of a long list, for :func:`from_cdf`."""
    cdf = np.cumsum(weights, dtype=float)
    return cdf / cdf[-1]


def from_cdf(rng: np.random.Generator, cdf: np.ndarray, size: int) -> np.ndarray:
    return np.minimum(np.searchsorted(cdf, rng.random(size), side="right"), len(cdf) - 1)


def weighted_choice(
    rng: np.random.Generator, values: np.ndarray, weights: list[float], size: int
) -> np.ndarray:
    return values[categorical(rng, weights, size)]


def seconds_of_day(
    rng: np.random.Generator, n: int, hour_weights: list[float] | None = None
) -> np.ndarray:
    """Seconds after midnight: uniform, or with each hour weighted (evening peaks and such)."""
    hours = rng.integers(0, 24, n) if hour_weights is None else categorical(rng, hour_weights, n)
    return hours * 3600 + rng.integers(0, 3600, n)
