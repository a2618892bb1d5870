"""Deterministic randomness: every stream of random numbers is named, so the same seed and the
same day always give the same rows, whichever window they are generated in."""

from __future__ import annotations

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


def weighted_choice(
    rng: np.random.Generator, values: np.ndarray, weights: list[float], size: int
) -> np.ndarray:
    return values[rng.choice(len(values), size=size, p=np.asarray(weights) / sum(weights))]


def seconds_of_day(
    rng: np.random.Generator, n: int, hour_weights: list[float] | None = None
) -> np.ndarray:
    """Seconds after midnight: uniform, or with each hour weighted (evening peaks and such)."""
    if hour_weights is None:
        hours = rng.integers(0, 24, n)
    else:
        hours = rng.choice(24, n, p=np.asarray(hour_weights) / np.sum(hour_weights))
    return hours * 3600 + rng.integers(0, 3600, n)
