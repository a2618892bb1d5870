"""Alerts from the running platform to an SMTP server on loopback: one message per failed run
with what failed and where to look, one "back to normal" after it, and "gold is overdue" when
a run has not published by its domain's deadline."""

from __future__ import annotations

import html
import re
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import httpx
import pytest

from tests.smtp import RECIPIENT, body_text
from tests.stack.conftest import trigger, wait_for_run
from tests.stack.test_failure_visibility import KEYS_KEPT

# the loopback server asks for a login without TLS (it has no certificate)
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


def test_a_failed_gate_sends_one_message_naming_what_failed_and_where_to_look(
    stack, api, failed_gate, smtp, artifacts
):
    run_id = failed_gate.run_id
    subject = f"streaming: run {run_id} failed"
    message = smtp.wait_for(subject)
    (artifacts / "alert-failed-gate.eml").write_bytes(bytes(message))
    body = body_text(message)
    assert message["To"] == RECIPIENT
    assert message["Subject"].endswith("at validate_silver")
    assert re.search(r"failed \d+ of \d+ expectations", body)
    assert html.escape(KEYS_KEPT) in body
    log = f"{stack.api_url}/dags/streaming/runs/{quote(run_id, safe='')}/tasks/validate_silver"
    assert f'href="{log}' in body
    docs = html.unescape(re.search(r'href="([^"]+/data-docs/validations/[^"]+)"', body)[1])
    assert httpx.get(docs).status_code == 401  # behind the UI's login
    page = api.get(docs)
    assert page.status_code == 200 and "Failed" in page.text
    time.sleep(5)  # a second message would come from the same callback, seconds later
    assert len(smtp.matching(subject)) == 1
    assert smtp.refused_logins == 0


def test_the_next_run_that_succeeds_sends_back_to_normal_once(api, failed_gate, smtp):
    failed = smtp.wait_for(f"streaming: run {failed_gate.run_id} failed")
    back = "streaming: back to normal"
    if not smtp.matching(back):  # no other test has run streaming since: run it
        day = (datetime.now(UTC) - timedelta(days=2)).date()
        run_id = trigger(api, {"scale": "tiny", "start": str(day), "end": str(day)})
        assert wait_for_run(api, run_id)["state"] == "success"
    message = smtp.wait_for(back)
    assert smtp.messages.index(message) > smtp.messages.index(failed)
    assert "is back to normal" in body_text(message)
    # once per recovery: never more of them than failures before them
    failures = smtp.matching("streaming: run ")
    assert len(smtp.matching(back)) <= len([m for m in failures if "failed" in m["Subject"]])


def test_a_run_that_has_not_published_by_its_deadline_sends_gold_overdue(api, smtp):
    """A run of a day long past (its logical date 27 h ago, the domain's freshness 26 h): the
    scheduler finds its deadline missed, the triggerer sends the message."""
    logical = datetime.now(UTC) - timedelta(hours=27)
    day = (logical - timedelta(days=1)).date()
    response = api.post(
        "/api/v2/dags/streaming/dagRuns",
        json={
            "logical_date": logical.isoformat(),
            "conf": {"scale": "tiny", "start": str(day), "end": str(day)},
        },
    )
    assert response.status_code == 200, response.text
    run_id = response.json()["dag_run_id"]
    try:
        message = smtp.wait_for(f"streaming: gold is overdue (run {run_id})", timeout=180)
        body = body_text(message)
        assert "had not published by its deadline" in body
        assert "gold.streaming_daily_usage" in body  # what gold holds, and since when
    finally:
        wait_for_run(api, run_id)  # the domain is free for the next test
