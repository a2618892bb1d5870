"""The streaming gates hold on generated data and catch a planted violation of each seed-000
rule they check (weekends, plan weighting, recency, Premium watching), on a real warehouse."""

from __future__ import annotations

from datetime import date

import pytest

from include.domains.streaming import design as d
from include.elt import pipeline
from include.elt.core.days import Days
from tests.conftest import new_warehouse, superuser
from tests.helpers import failing_rows, qualified, run_context

CONTENT = qualified("streaming", "silver", "content")
SUBSCRIPTIONS = qualified("streaming", "silver", "subscriptions")

WINDOW = Days.ending(date(2026, 11, 20), d.RECENCY_WINDOW_DAYS)


@pytest.fixture(scope="module")
def url(tmp_path_factory) -> str:
    ctx = run_context(new_warehouse(), tmp_path_factory.mktemp("gates") / "data", "gates", WINDOW)
    pipeline.run(ctx)  # every gate passed on the generated days
    return superuser(ctx)


def test_weekends_without_their_boost_fail(url):
    found = failing_rows(
        url,
        "streaming",
        "gold",
        "daily_usage",
        "weekends have",
        "update planted_batch set count_sessions = round(count_sessions"
        f" / {d.WEEKEND_FACTOR}) where extract(isodow from usage_date) >= 6",
    )
    assert found == 2  # weekends too few, weekdays too many


def test_plans_watching_alike_fail(url):
    basic, _, premium = d.PLAN_SESSIONS_PER_DAY
    found = failing_rows(
        url,
        "streaming",
        "gold",
        "daily_usage",
        "sessions per subscription are weighted by plan",
        f"update planted_batch set count_sessions = round(count_sessions * {basic / premium})"
        f" where plan_name = '{d.PREMIUM}'",
    )
    assert found >= 1


def test_last_days_no_busier_than_before_fail(url):
    found = failing_rows(
        url,
        "streaming",
        "gold",
        "daily_usage",
        f"the last {d.RECENT_DAYS} days are busier",
        "update planted_batch set count_sessions = round(count_sessions"
        f" / {d.RECENCY_FACTOR}) where usage_date > '{WINDOW.end}'::date - {d.RECENT_DAYS}",
    )
    assert found == 2


def test_a_premium_session_watching_half_fails(url):
    found = failing_rows(
        url,
        "streaming",
        "silver",
        "usage_logs",
        f"{d.PREMIUM} sessions watch at least",
        "update planted_batch as u set duration_watched = 0.5 * c.duration_minutes"
        f" from {CONTENT} as c, {SUBSCRIPTIONS} as s"
        " where c.content_id = u.content_id and s.subscription_id = u.subscription_id"
        " and s.plan_id = 3 and u.usage_id = (select min(usage_id) from planted_batch as p"
        f" join {SUBSCRIPTIONS} as ps using (subscription_id)"
        " where ps.plan_id = 3)",
    )
    assert found == 1


def test_checks_pass_while_too_few_days_are_held(url):
    """A week of history: weekends and recency wait for more days; plan weighting holds."""
    week = f"delete from planted_batch where usage_date <= '{WINDOW.end}'::date - 7"
    for description in ("weekends have", f"the last {d.RECENT_DAYS} days are busier"):
        assert failing_rows(url, "streaming", "gold", "daily_usage", description, week) == 0
    assert (
        failing_rows(
            url,
            "streaming",
            "gold",
            "daily_usage",
            "sessions per subscription are weighted by plan",
            week,
        )
        == 0
    )
