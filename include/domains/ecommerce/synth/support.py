"""Support tickets: resolution time by priority, satisfaction only once a ticket is done."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa

from include.domains.ecommerce import design as d
from include.domains.ecommerce.synth.common import at, day_number, ids, values
from include.domains.ecommerce.synth.people import People
from include.elt.contract.randomness import categorical, rng_for, seconds_of_day, weighted_choice


def tickets(seed: int, day: date, per_day: float, people: People) -> dict | None:
    rng = rng_for(seed, "ecom_tickets", day)
    pool = people.eligible(day)
    n = rng.poisson(per_day) if len(pool) else 0
    if n == 0:
        return None
    priority = categorical(rng, d.PRIORITY_SHARE, n)
    low, high = (np.array(d.RESOLUTION_HOURS, float)[priority, i] for i in (0, 1))
    hours = np.round(rng.uniform(low, high), 2)
    status = weighted_choice(rng, values(d.TICKET_STATUSES), d.TICKET_STATUS_SHARE, n)
    done = np.isin(status, ["closed", "resolved"])
    created = at(day, seconds_of_day(rng, n))
    resolved = created + np.round(hours * 3600).astype(np.int64).astype("timedelta64[s]")
    satisfaction = weighted_choice(rng, np.array(d.SATISFACTION), d.SATISFACTION_SHARE, n)
    return {
        "ticket_id": ids("TKT", day_number(day), np.arange(n)),
        "customer_id": people.ids[pool[rng.integers(0, len(pool), n)]].tolist(),
        "created_at": created,
        "resolved_at": pa.array(resolved, mask=~done),
        "category": weighted_choice(
            rng, values(d.TICKET_CATEGORIES), d.TICKET_CATEGORY_SHARE, n
        ).tolist(),
        "priority": values(d.PRIORITIES)[priority].tolist(),
        "status": status.tolist(),
        "satisfaction_score": pa.array(satisfaction.astype(np.int32), mask=~done),
        "resolution_time_hours": pa.array(hours, mask=~done),
        "agent_id": ids("AGT", 0, rng.integers(0, 60, n)),
        "channel": weighted_choice(
            rng, values(d.TICKET_CHANNELS), d.TICKET_CHANNEL_SHARE, n
        ).tolist(),
    }
