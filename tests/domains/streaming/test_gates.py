"""The streaming gates hold on generated data and catch a planted violation of each seed-000
rule they check (weekends, plan weighting, recency, Premium watching), on a real warehouse."""

from __future__ import annotations

import importlib
from datetime import date

import psycopg2
import pytest

from include.domains.streaming import design as d
from include.elt import pipeline
from include.elt.domain import load_domain
from include.elt.models import Scope, render_text
from include.elt.window import Window
from tests.conftest import new_warehouse, roles, superuser

WINDOW = Window.ending(date(2026, 11, 20), d.RECENCY_WINDOW_DAYS)


@pytest.fixture(scope="module")
def url(tmp_path_factory) -> str:
    ctx = pipeline.RunContext(
        domain_name="streaming",
        run_id="gates",
        window=WINDOW,
        scale="tiny",
        seed=42,
        warehouse=roles(new_warehouse()),
        data_dir=tmp_path_factory.mktemp("gates") / "data",
    )
    pipeline.run(ctx)  # every gate passed on the generated days
    return superuser(ctx)


def _failing_rows(url: str, layer: str, suite: str, description: str, planted: str) -> int:
    """Rows the named check returns on a copy of the published relation with ``planted``
    (SQL on ``planted_batch``) applied; ``-1`` if the clean relation already fails."""
    domain = load_domain("streaming")
    module = importlib.import_module(f"include.domains.streaming.expectations.{layer}")
    [check] = [c for c in module.SUITES[suite]() if (c.description or "").startswith(description)]
    relation = f"{layer}.streaming_{suite}"
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        text = render_text(domain, check.unexpected_rows_query, Scope(), lambda c: c.as_string(cur))
        cur.execute(text.replace("{batch}", relation))
        if cur.fetchall():
            return -1
        cur.execute(f"create temp table planted_batch as select * from {relation}")
        cur.execute(planted)
        # the history the check reads by name is the planted copy too
        schema, table = relation.split(".")
        planted_text = text.replace("{batch}", "planted_batch")
        cur.execute(planted_text.replace(f'"{schema}"."{table}"', "planted_batch"))
        found = len(cur.fetchall())
        conn.rollback()
    return found


def test_weekends_without_their_boost_fail(url):
    found = _failing_rows(
        url,
        "gold",
        "daily_usage",
        "weekends have",
        "update planted_batch set count_sessions = round(count_sessions"
        f" / {d.WEEKEND_FACTOR}) where extract(isodow from usage_date) >= 6",
    )
    assert found == 2  # weekends too few, weekdays too many


def test_plans_watching_alike_fail(url):
    basic, _, premium = d.PLAN_SESSIONS_PER_DAY
    found = _failing_rows(
        url,
        "gold",
        "daily_usage",
        "sessions per subscription are weighted by plan",
        f"update planted_batch set count_sessions = round(count_sessions * {basic / premium})"
        f" where plan_name = '{d.PREMIUM}'",
    )
    assert found >= 1


def test_last_days_no_busier_than_before_fail(url):
    found = _failing_rows(
        url,
        "gold",
        "daily_usage",
        f"the last {d.RECENT_DAYS} days are busier",
        "update planted_batch set count_sessions = round(count_sessions"
        f" / {d.RECENCY_FACTOR}) where usage_date > '{WINDOW.end}'::date - {d.RECENT_DAYS}",
    )
    assert found == 2


def test_a_premium_session_watching_half_fails(url):
    found = _failing_rows(
        url,
        "silver",
        "usage_logs",
        f"{d.PREMIUM} sessions watch at least",
        "update planted_batch as u set duration_watched = 0.5 * c.duration_minutes"
        " from silver.streaming_content as c, silver.streaming_subscriptions as s"
        " where c.content_id = u.content_id and s.subscription_id = u.subscription_id"
        " and s.plan_id = 3 and u.usage_id = (select min(usage_id) from planted_batch as p"
        " join silver.streaming_subscriptions as ps using (subscription_id)"
        " where ps.plan_id = 3)",
    )
    assert found == 1


def test_checks_pass_while_too_few_days_are_held(url):
    """A week of history: weekends and recency wait for more days; plan weighting holds."""
    week = f"delete from planted_batch where usage_date <= '{WINDOW.end}'::date - 7"
    for description in ("weekends have", f"the last {d.RECENT_DAYS} days are busier"):
        assert _failing_rows(url, "gold", "daily_usage", description, week) == 0
    assert (
        _failing_rows(
            url, "gold", "daily_usage", "sessions per subscription are weighted by plan", week
        )
        == 0
    )
