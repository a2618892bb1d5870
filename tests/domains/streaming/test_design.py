"""Property tests of seed 000's fixed rules, at two seeds and two scales, against the design.

Sessions of a (day, plan) are Poisson around active subscriptions × plan rate × weekend factor
× engagement trend; given their total, a group's sessions (weekend days, a plan, the last 14
days) are binomial with the group's share of that expectation. Every tolerance is that
binomial's standard error times the gate's ``SPLIT_STANDARD_ERRORS``: loose for tiny's ~17k
sessions, tight for default's ~550k, and never tuned by hand.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from include.domains.streaming import design as d
from include.elt.contract.domain import load_domain
from include.elt.core.days import Days

WINDOW = Days.ending(date(2026, 11, 20), d.RECENCY_WINDOW_DAYS)
K = d.SPLIT_STANDARD_ERRORS
PREMIUM_ID = d.PLAN_NAMES.index(d.PREMIUM) + 1
WORLDS = [("tiny", 7), ("tiny", 42), ("default", 7), ("default", 42)]


@pytest.fixture(scope="module", params=WORLDS, ids=lambda w: f"{w[0]}-seed{w[1]}")
def world(request) -> dict[str, pd.DataFrame]:
    scale, seed = request.param
    parts = load_domain("streaming").generate(WINDOW, scale=scale, seed=seed)
    frames = {name: part.table.to_pandas() for name, part in parts.items()}
    usage = frames["usage_logs"].merge(
        frames["subscriptions"][["subscription_id", "plan_id"]], on="subscription_id"
    )
    usage = usage.merge(frames["content"][["content_id", "duration_minutes"]], on="content_id")
    usage["day"] = usage["session_start"].dt.normalize()
    frames["sessions"] = usage
    frames["cells"] = _cells(frames["subscriptions"], usage)
    return frames


def _cells(subscriptions: pd.DataFrame, usage: pd.DataFrame) -> pd.DataFrame:
    """Per day and plan: sessions, active subscriptions and the sessions the design expects."""
    start = pd.to_datetime(subscriptions["start_date"]).to_numpy()
    end = pd.to_datetime(subscriptions["end_date"]).to_numpy()
    plan = subscriptions["plan_id"].to_numpy()
    counts = usage.groupby(["day", "plan_id"]).size()
    rows = []
    for day in WINDOW:
        stamp = np.datetime64(day)
        active = (start <= stamp) & (np.isnat(end) | (end >= stamp))
        weekend = day.weekday() >= 5
        for plan_id, rate in enumerate(d.PLAN_SESSIONS_PER_DAY, 1):
            n_active = int((active & (plan == plan_id)).sum())
            factor = d.WEEKEND_FACTOR if weekend else 1.0
            rows.append(
                {
                    "day": day,
                    "plan_id": plan_id,
                    "active": n_active,
                    "sessions": int(counts.get((pd.Timestamp(day), plan_id), 0)),
                    "expected": n_active * rate * factor * d.engagement(day),
                    "weekend": weekend,
                    "recent": day > WINDOW.end - timedelta(days=d.RECENT_DAYS),
                }
            )
    return pd.DataFrame(rows)


def _standard_errors_off(cells: pd.DataFrame, part: str) -> pd.Series:
    """How many binomial standard errors each group's sessions are from the design's share."""
    groups = cells.groupby(part)[["sessions", "expected"]].sum()
    n = groups["sessions"].sum()
    share = groups["expected"] / groups["expected"].sum()
    return (groups["sessions"] - n * share).abs() / np.sqrt(n * share * (1 - share))


def _rate(cells: pd.DataFrame, by: str) -> pd.Series:
    """Sessions per active subscription-day, with every factor but ``by``'s taken out."""
    cells = cells.assign(
        exposure=cells["active"]
        * np.where(cells["weekend"] & (by != "weekend"), d.WEEKEND_FACTOR, 1.0)
        * [d.engagement(day) if by != "recent" else 1.0 for day in cells["day"]]
        * [d.PLAN_SESSIONS_PER_DAY[p - 1] if by != "plan_id" else 1.0 for p in cells["plan_id"]]
    )
    groups = cells.groupby(by)[["sessions", "exposure"]].sum()
    return groups["sessions"] / groups["exposure"]


def test_the_design_solves_its_recency_factor():
    assert d._window_ratio(d.ENGAGEMENT_GROWTH_PER_DAY) == pytest.approx(d.RECENCY_FACTOR)
    first, last = d.ENGAGEMENT_RAMP
    assert d.engagement(d.ENGAGEMENT_REFERENCE_DAY) == 1.0
    assert d.engagement(first - timedelta(days=100)) == d.engagement(first)
    assert d.engagement(last + timedelta(days=100)) == d.engagement(last)


def test_weekends_have_one_and_a_half_times_the_sessions(world):
    cells = world["cells"]
    assert (_standard_errors_off(cells, "weekend") <= K).all()
    rate = _rate(cells, "weekend")
    assert rate[True] / rate[False] > 1 + (d.WEEKEND_FACTOR - 1) / 2


def test_sessions_are_weighted_by_plan(world):
    cells = world["cells"]
    assert (_standard_errors_off(cells, "plan_id") <= K).all()
    rate = _rate(cells, "plan_id")
    assert rate[3] > rate[2] > rate[1], "Premium watches more than Standard than Basic"


def test_the_last_14_days_are_busier_by_the_designed_factor(world):
    cells = world["cells"]
    assert (_standard_errors_off(cells, "recent") <= K).all()
    rate = _rate(cells, "recent")
    assert rate[True] / rate[False] > 1 + (d.RECENCY_FACTOR - 1) / 2
    daily = cells.groupby("day")["sessions"].sum()
    recent = daily.iloc[-d.RECENT_DAYS :].mean()
    assert recent > d.RECENCY_FACTOR * daily.iloc[: -d.RECENT_DAYS].mean(), (
        "more events a day: the trend times a growing subscriber base"
    )


def test_premium_watches_at_least_70_percent_and_the_others_25_to_100(world):
    sessions = world["sessions"]
    fraction = sessions["duration_watched"] / sessions["duration_minutes"]
    rounding = d.WATCHED_ROUNDING / sessions["duration_minutes"]
    premium = sessions["plan_id"] == PREMIUM_ID
    assert (fraction[premium] >= d.PREMIUM_MIN_WATCHED - rounding[premium]).all()
    assert (fraction >= d.MIN_WATCHED - rounding).all() and (fraction <= 1).all()
    # uniform between the minimum and a full watch: its mean, within K standard errors
    for mask, low in ((premium, d.PREMIUM_MIN_WATCHED), (~premium, d.MIN_WATCHED)):
        standard_error = (1 - low) / np.sqrt(12 * mask.sum())
        assert abs(fraction[mask].mean() - (1 + low) / 2) <= K * standard_error
