"""Tell an operator, by e-mail through the SMTP provider's notifier, when a domain's run fails,
when the domain is back to normal, and when its gold is overdue.

- :func:`run_failed` (the DAG's ``on_failure_callback``, run by the DAG processor): one message
  per failed run, naming the domain, the run, the task that failed and, for a gate, how many
  expectations failed and the first few, with links to the task's log and the Data Docs page;
- :func:`run_succeeded` (``on_success_callback``): "back to normal", once, after a failure;
- :func:`gold_overdue` (the DAG's Deadline Alert, awaited by the triggerer): a run had not
  published its data interval's gold by the domain's deadline.

Off unless ``ELT_ALERT_EMAIL_TO`` names recipients. The SMTP server is the Airflow connection
``elt_alerts`` (``AIRFLOW_CONN_ELT_ALERTS``, written by the secrets service from the
``ELT_ALERT_SMTP_*`` settings, so its password is in no compose file, command line or log).
What failed is read from the audit ledger; a ledger that cannot be read costs the message its
details, never the message. Only the standard library is imported here: DAG files import it.
"""

from __future__ import annotations

import asyncio
import html
import logging
import os
from urllib.parse import quote

log = logging.getLogger(__name__)

ALERT_TO_ENV = "ELT_ALERT_EMAIL_TO"
ALERT_FROM_ENV = "ELT_ALERT_EMAIL_FROM"
DEFAULT_FROM = "elt-platform@localhost"
SMTP_CONN_ID = "elt_alerts"
# Where a person opens the Airflow UI (the links in a message; Data Docs are under it).
AIRFLOW_URL_ENV = "ELT_AIRFLOW_URL"
PUBLISHED = "/published"  # where the API server serves Data Docs (plugins/published_outputs.py)
SHOWN = 5  # failed expectations a message names
SUBJECT_PREFIX = "[ELT]"
# The DAG builder's teardown: gives the domain back, then fails a run a task of which failed.
TEARDOWN = "release_domain"


def recipients() -> list[str]:
    return [a.strip() for a in os.environ.get(ALERT_TO_ENV, "").split(",") if a.strip()]


def dag_callbacks() -> dict:
    """The DAG's run callbacks: none unless alerts are on (a callback costs the DAG processor
    a parse of the DAG file per run)."""
    if not recipients():
        return {}
    return {"on_failure_callback": run_failed, "on_success_callback": run_succeeded}


# --- the callbacks -------------------------------------------------------------------------


def run_failed(context) -> None:
    domain, run_id = context["dag"].dag_id, context["run_id"]
    ti = context.get("ti")
    failed, note = [], ""
    try:
        failed = _ledger_call("failed", domain, run_id)
    except Exception as exc:  # the message matters more than its details
        note = f"(the audit ledger could not be read: {type(exc).__name__})"
        log.warning("alert for %s %s without the ledger's details: %s", domain, run_id, exc)
    task_id = getattr(ti, "task_id", None)
    log_url = _log_url(ti) if ti is not None else _run_url(domain, run_id)
    if task_id == TEARDOWN and failed:
        # The teardown fails last whenever a task failed (it is the run's verdict): name the
        # task the ledger saw fail first, and link its page (a mapped task's: its instances).
        task_id = failed[0].task
        log_url = f"{_run_url(domain, run_id)}/tasks/{quote(task_id.split('[')[0], safe='')}"
    subject, body = failure_message(
        domain,
        run_id,
        task_id=task_id,
        log_url=log_url,
        reason=context.get("reason"),
        failed=failed,
        note=note,
    )
    _send(context, subject, body)


def run_succeeded(context) -> None:
    domain, run_id = context["dag"].dag_id, context["run_id"]
    failed_run = _ledger_call("recovered", domain, run_id)
    if failed_run is None:
        return
    subject = f"{SUBJECT_PREFIX} {domain}: back to normal"
    body = (
        f"<p><b>{_e(domain)}</b> is back to normal: run <code>{_e(run_id)}</code> succeeded"
        f' and published (<a href="{_e(_run_url(domain, run_id))}">the run</a>).</p>'
        f"<p>The last failed run was <code>{_e(failed_run)}</code>.</p>"
    )
    _send(context, subject, body)


async def gold_overdue(domain: str, context: dict) -> None:
    """The Deadline Alert's callback: ``context`` holds the run (as the REST API shows it) and
    the deadline it missed."""
    run = context.get("dag_run") or {}
    run_id = run.get("dag_run_id") or run.get("run_id") or "?"
    log.warning("%s: run %s had not published by its deadline", domain, run_id)
    if not recipients():
        return
    try:
        held = await asyncio.to_thread(_ledger_call, "freshness", domain, run_id)
    except Exception as exc:
        held = []
        log.warning("overdue alert for %s without gold's freshness: %s", domain, exc)
    subject, body = overdue_message(domain, run, context.get("deadline") or {}, held)
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    await SmtpNotifier(**_notifier_args(subject, body), context=context)


# --- what a message says --------------------------------------------------------------------


def failure_message(
    domain: str,
    run_id: str,
    *,
    task_id: str | None,
    log_url: str,
    reason: str | None,
    failed: list,
    note: str = "",
) -> tuple[str, str]:
    """The subject and HTML body of a failed run's message; ``failed``: the ledger's
    :class:`~include.elt.warehouse.ledger.FailedTask` rows of the run."""
    where = f" at {task_id}" if task_id else ""
    subject = f"{SUBJECT_PREFIX} {domain}: run {run_id} failed{where}"
    parts = [
        f"<p><b>{_e(domain)}</b> run <code>{_e(run_id)}</code> failed"
        f" ({_e(reason or 'failed')}).</p>",
        f"<p>Failed task: <code>{_e(task_id or '?')}</code>"
        f' — <a href="{_e(log_url)}">its log</a>.</p>',
    ]
    for task in failed:
        gate = task.gate
        if gate:
            shown = gate["expectations"][:SHOWN]
            parts.append(
                f"<p>The gate <code>{_e(task.task)}</code> failed {gate['failed']} of"
                f" {gate['evaluated']} expectations"
                + (f"; the first {len(shown)}" if len(shown) < gate["failed"] else "")
                + ":</p><ul>"
                + "".join(f"<li>{_e(e)}</li>" for e in shown)
                + "</ul>"
            )
            if gate.get("data_docs_page"):
                page = f"{_airflow_url()}{PUBLISHED}/data-docs/{gate['data_docs_page']}"
                parts.append(f'<p><a href="{_e(page)}">The Data Docs page</a>.</p>')
        elif task.detail:
            parts.append(f"<p><code>{_e(task.task)}</code>: {_e(task.detail[:600])}</p>")
    parts.append(
        "<p>Nothing this run staged was published: readers keep the last good silver and gold.</p>"
    )
    if note:
        parts.append(f"<p>{_e(note)}</p>")
    return subject, "\n".join(parts)


def overdue_message(domain: str, run: dict, deadline: dict, held: list) -> tuple[str, str]:
    run_id = run.get("dag_run_id") or run.get("run_id") or "?"
    interval = f"{run.get('data_interval_start')} – {run.get('data_interval_end')}"
    subject = f"{SUBJECT_PREFIX} {domain}: gold is overdue (run {run_id})"
    rows = "".join(
        f"<tr><td>{_e(f.relation)}</td><td>{_e(f.last_published_at)}</td>"
        f"<td>{_e(f.first_day)} – {_e(f.last_day)}</td></tr>"
        for f in held
    )
    body = (
        f"<p><b>{_e(domain)}</b>: run <code>{_e(run_id)}</code> (data interval"
        f" {_e(interval)}, {_e(run.get('state'))}) had not published by its deadline,"
        f" {_e(deadline.get('deadline_time'))}.</p>"
        f'<p><a href="{_e(_run_url(domain, run_id))}">The run</a>.</p>'
        + (
            "<p>What gold holds now:</p><table><tr><th>relation</th><th>last published</th>"
            f"<th>days</th></tr>{rows}</table>"
            if held
            else "<p>No gold of this domain has been published yet.</p>"
        )
    )
    return subject, body


# --- plumbing -------------------------------------------------------------------------------


def _ledger_call(what: str, domain: str, run_id: str):
    """One short transaction on the audit ledger, as the transformer (it records the
    domain's alert state)."""
    from include.elt.warehouse import ledger
    from include.elt.warehouse.connection import transaction
    from include.orchestration.connections import warehouse

    with transaction(warehouse().transformer) as conn, conn.cursor() as cur:
        if what == "failed":
            ledger.mark_failing(cur, domain, run_id)
            return ledger.failed_tasks(cur, domain, run_id)
        if what == "recovered":
            return ledger.clear_failing(cur, domain)
        return ledger.gold_freshness(cur, domain)


def _notifier_args(subject: str, body: str) -> dict:
    # The notifier renders its fields as templates: what the ledger says is text, not Jinja.
    return {
        "to": recipients(),
        "from_email": os.environ.get(ALERT_FROM_ENV) or DEFAULT_FROM,
        "subject": f"{{% raw %}}{subject}{{% endraw %}}",
        "html_content": f"{{% raw %}}{body}{{% endraw %}}",
        "smtp_conn_id": SMTP_CONN_ID,
    }


def _send(context, subject: str, body: str) -> None:
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    SmtpNotifier(**_notifier_args(subject, body))(context)
    log.info("alert sent to %s: %s", ", ".join(recipients()), subject)


def _airflow_url() -> str:
    return (os.environ.get(AIRFLOW_URL_ENV) or "http://127.0.0.1:8080").rstrip("/")


def _run_url(domain: str, run_id: str) -> str:
    return f"{_airflow_url()}/dags/{domain}/runs/{quote(run_id, safe='')}"


def _log_url(ti) -> str:
    """The task instance's page in the UI, on its log (as ``ti.log_url`` builds it, from
    where the platform's UI is rather than from ``[api] base_url``)."""
    url = f"{_run_url(ti.dag_id, ti.run_id)}/tasks/{ti.task_id}"
    if getattr(ti, "map_index", -1) is not None and ti.map_index >= 0:
        url += f"/mapped/{ti.map_index}"
    if getattr(ti, "try_number", None):
        url += f"?try_number={ti.try_number}"
    return url


def _e(value) -> str:
    return html.escape(str(value))
