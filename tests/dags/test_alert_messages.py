"""What an alert says (the stack test sends real ones; these cover what one run cannot show)."""

from __future__ import annotations

from include.elt.warehouse.ledger import FailedTask
from include.orchestration import alerts


def _gate(failed: int) -> FailedTask:
    names = [f"silver.t: expectation {i} <b>" for i in range(failed)]
    return FailedTask(
        "validate_silver",
        "checkpoint failed",
        {
            "failed": failed,
            "evaluated": 40,
            "expectations": names[: alerts.SHOWN],
            "data_docs_page": "validations/silver/t/run/x.html",
        },
    )


def _message(*failed: FailedTask) -> tuple[str, str]:
    return alerts.failure_message(
        "streaming",
        "manual__1",
        task_id="validate_silver",
        log_url="http://ui/log",
        reason="task_failure",
        failed=list(failed),
    )


def test_a_gate_with_many_failures_names_the_count_and_the_first_few(monkeypatch):
    monkeypatch.delenv(alerts.AIRFLOW_URL_ENV, raising=False)
    subject, body = _message(_gate(12))
    assert subject == "[ELT] streaming: run manual__1 failed at validate_silver"
    assert f"failed 12 of 40 expectations; the first {alerts.SHOWN}:" in body
    assert body.count("<li>") == alerts.SHOWN
    assert "expectation 4 &lt;b&gt;" in body and "expectation 5" not in body  # escaped, capped
    assert (
        'href="http://127.0.0.1:8080/published/data-docs/validations/silver/t/run/x.html"' in body
    )


def test_a_gate_with_few_failures_lists_them_all_without_first_n():
    _, body = _message(_gate(2))
    assert "failed 2 of 40 expectations:" in body and body.count("<li>") == 2


def test_a_failed_task_that_is_not_a_gate_shows_its_error():
    _, body = _message(FailedTask("load_bronze[0]", "disk full " + "x" * 900, None))
    assert "<code>load_bronze[0]</code>: disk full" in body and "x" * 601 not in body
