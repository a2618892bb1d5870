"""Toy data: a fixed set of customers, and each day's visits from that day's random stream, so
the same seed and day always give the same rows."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from include.elt.contract.domain import GeneratedRows
from include.elt.contract.randomness import rng_for
from include.elt.core.days import Days
from tests.toy_domain import OPENING_DAY
from tests.toy_domain.datasets import MAX_PAGES, REGIONS

CUSTOMERS = {"tiny": 50, "default": 500}  # by scale, unless the run sets the volume
VISITS_PER_CUSTOMER_DAY = 0.2
ID_STRIDE = 10_000_000  # visit ids are day_number * stride + sequence: unique and stable per day


def generate(
    window: Days, *, scale: str, seed: int, volumes: dict[str, int] | None = None
) -> dict[str, GeneratedRows]:
    customers = (volumes or {}).get("customers", CUSTOMERS[scale])
    return {
        "customers": GeneratedRows(_customers(seed, customers)),
        "visits": GeneratedRows(_visits(seed, window, customers), window),
    }


def _customers(seed: int, n: int) -> pa.Table:
    rng = rng_for(seed, "customers")
    region = np.asarray(REGIONS, dtype=object)[rng.integers(0, len(REGIONS), n)]
    return pa.table({"customer_id": np.arange(1, n + 1, dtype=np.int64), "region": region.tolist()})


def _visits(seed: int, window: Days, customers: int) -> pa.Table:
    blocks = []
    for day in window:
        rng = rng_for(seed, "visits", day)
        n = rng.poisson(VISITS_PER_CUSTOMER_DAY * customers)
        seconds = np.sort(rng.integers(0, 86_400, n))
        blocks.append(
            {
                "visit_id": (day - OPENING_DAY).days * ID_STRIDE + np.arange(n, dtype=np.int64),
                "customer_id": rng.integers(1, customers + 1, n),
                "visited_at": np.datetime64(day, "s") + seconds.astype("timedelta64[s]"),
                "pages": rng.integers(1, MAX_PAGES + 1, n),
            }
        )
    return pa.table({name: np.concatenate([b[name] for b in blocks]) for name in blocks[0]})
