"""Named random streams: the same seed, stream and day always give the same numbers."""

from __future__ import annotations

from datetime import date

import numpy as np

from include.elt.contract.randomness import categorical, faker_pool, rng_for, seconds_of_day

DAY = date(2026, 3, 1)


def test_a_stream_is_the_same_for_its_seed_and_day_and_another_for_another():
    same = [rng_for(7, "orders", DAY).random(3) for _ in range(2)]
    assert np.array_equal(*same)
    assert not np.array_equal(same[0], rng_for(7, "orders", date(2026, 3, 2)).random(3))
    assert not np.array_equal(same[0], rng_for(7, "visits", DAY).random(3))


def test_draws_follow_their_weights():
    drawn = categorical(rng_for(1, "weights"), [0.8, 0.2], 20_000)
    assert set(np.unique(drawn)) == {0, 1}
    assert abs(drawn.mean() - 0.2) < 0.02


def test_a_faker_pool_is_built_once_per_seed_alike():
    make = lambda fake: fake.name()  # noqa: E731
    assert list(faker_pool(5, "names", make, 4)) == list(faker_pool(5, "names", make, 4))


def test_seconds_fall_in_their_weighted_hours():
    seconds = seconds_of_day(rng_for(2, "hours"), 500, [0] * 23 + [1])
    assert ((seconds >= 23 * 3600) & (seconds < 24 * 3600)).all()
