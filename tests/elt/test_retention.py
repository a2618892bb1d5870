"""Retention removes each kind of record at its age and nothing younger; bronze, silver and gold
history, a domain's state and its last published run are never touched."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

import pytest

from include.elt import pipeline, retention
from include.elt.core.days import Days
from include.elt.stages.load.staging import STAGING_SCHEMA
from tests.conftest import roles
from tests.helpers import layer_state, query, run_context

NOW = datetime.now(UTC)
OLD, YOUNG = NOW - timedelta(days=40), NOW - timedelta(days=5)


def _age(path, when: datetime) -> None:
    os.utime(path, (when.timestamp(), when.timestamp()))


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """Three runs of a domain: ``old`` published, ``failed`` staged its files and stopped before
    the commit, ``young`` published after it; the audit rows of ``old`` aged by 40 days, of
    ``failed`` by 6."""
    from tests.conftest import new_warehouse

    url, data = new_warehouse(), tmp_path_factory.mktemp("retention") / "data"
    for run_id, day in (("old", date(2026, 3, 1)), ("failed", date(2026, 3, 2))):
        ctx = run_context(url, data, run_id, Days(day, day))
        if run_id == "failed":
            pipeline.run(ctx, ["generate", "load_bronze"])
        else:
            pipeline.run(ctx, None)
    pipeline.run(run_context(url, data, "young", Days(date(2026, 3, 3), date(2026, 3, 3))))
    for table, column in (
        ("task_runs", "started_at"),
        ("model_builds", "built_at"),
        ("loads", "loaded_at"),
        ("runs", "planned_at"),
    ):
        query(
            url, f"update audit.{table} set {column} = %s where run_id = 'old' returning 1", [OLD]
        )
    query(
        url,
        "update audit.task_runs set started_at = %s, finished_at = %s where run_id = 'failed'"
        " returning 1",
        [YOUNG - timedelta(days=1), YOUNG - timedelta(days=1)],
    )
    return url, data


def _audit_runs(url: str) -> dict[str, set[str]]:
    return {
        table: {r for (r,) in query(url, f"select distinct run_id from audit.{table}")}
        for table in ("task_runs", "model_builds", "loads", "runs")
    }


def test_a_failed_runs_staging_goes_once_a_later_run_published(history):
    url, _ = history
    staged = lambda: query(  # noqa: E731
        url,
        "select count(*) from pg_tables where schemaname = %s and tablename like %s",
        [STAGING_SCHEMA, "streaming\\_%"],
    )[0][0]
    assert staged() > 0  # what the failed run left
    published = layer_state(url, "streaming", "bronze", "silver", "gold")
    # within a day of its loads, a run may still be going: left alone
    assert retention.failed_stagings(roles(url), YOUNG - timedelta(hours=12)).count == 0
    assert staged() > 0
    removed = retention.failed_stagings(roles(url), NOW)
    assert removed.count > 0 and staged() == 0
    assert layer_state(url, "streaming", "bronze", "silver", "gold") == published
    assert retention.failed_stagings(roles(url), NOW).count == 0  # again: nothing left to do


def test_audit_rows_go_at_their_age_and_the_last_published_run_stays(history):
    url, _ = history
    published = layer_state(url, "streaming", "bronze", "silver", "gold")
    before = _audit_runs(url)
    assert {"old", "young"} <= before["task_runs"]

    removed = retention.old_audit(roles(url), NOW - timedelta(days=30))
    after = _audit_runs(url)
    assert removed.count > 0
    assert all("old" not in runs for runs in after.values())
    assert after["task_runs"] == before["task_runs"] - {"old"}  # young and failed stay
    assert "young" in after["model_builds"] and "young" in after["runs"]
    assert layer_state(url, "streaming", "bronze", "silver", "gold") == published
    # gold's freshness still reads the last publish
    assert {r for (r,) in query(url, "select distinct last_run_id from gold.freshness")} == {
        "young"
    }
    # however old, a domain's last published run is never pruned
    retention.old_audit(roles(url), NOW + timedelta(days=1))
    assert "young" in _audit_runs(url)["task_runs"]
    assert query(url, "select count(*) from gold.freshness")[0][0] > 0


def test_run_folders_go_when_nothing_was_written_to_them_for_their_age(history):
    _, data = history
    runs = data / "runs" / "streaming"
    for path in (runs / "old").rglob("*"):
        _age(path, OLD)
    for path in (runs / "young").rglob("*"):
        _age(path, YOUNG)
    young_files = sorted(p.name for p in (runs / "young").iterdir())
    (runs / "starting").mkdir()  # a run that has made its folder and written nothing yet

    removed = retention.old_run_folders(data, NOW - timedelta(days=14))
    assert not (runs / "old").exists()
    assert (runs / "starting").is_dir()
    assert sorted(p.name for p in (runs / "young").iterdir()) == young_files
    assert removed.count >= 1 and removed.bytes > 0


def test_task_logs_go_at_their_age_and_their_emptied_folders_with_them(tmp_path):
    logs = tmp_path / "logs"
    old = logs / "dag_id=streaming/run_id=a/task_id=publish/attempt=1.log"
    young = logs / "dag_id=streaming/run_id=b/task_id=publish/attempt=1.log"
    event = logs / "openlineage/event-20260101.json"
    for path, when in ((old, OLD), (young, YOUNG), (event, OLD)):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x" * 100)
        _age(path, when)

    removed = retention.old_files(logs, NOW - timedelta(days=30))
    assert (removed.count, removed.bytes) == (2, 200)
    assert not (logs / "dag_id=streaming/run_id=a").exists()
    assert young.exists()
    assert (logs / "openlineage").is_dir()  # the transport writes into it and makes none


def test_data_docs_results_go_at_their_age(history):
    _, data = history
    from include.elt.stages.validate import data_docs

    gx = data / "great_expectations"
    store = data_docs.docs_context(gx).validation_results_store
    times = sorted({k.run_id.run_time for k in store.list_keys()})
    runs = lambda: {k.run_id.run_name for k in store.list_keys()}  # noqa: E731
    assert {"old", "young"} <= runs()
    young_time = max(k.run_id.run_time for k in store.list_keys() if k.run_id.run_name == "young")
    cutoff = young_time - (young_time - times[0]) / 2  # between old's results and young's
    removed = retention.old_validations(gx, cutoff)
    assert removed.count > 0
    assert "old" not in runs() and "young" in runs()
    index = (data_docs.data_docs_dir(gx) / "index.html").read_text()
    assert "/young/" in index and "/old/" not in index  # the index links what is left


def test_the_ages_are_settings_and_bad_ones_are_refused(monkeypatch):
    monkeypatch.setenv("ELT_RETAIN_AUDIT_DAYS", "7")
    assert retention.Retention.from_env().audit == 7
    monkeypatch.setenv("ELT_RETAIN_LOG_DAYS", "0")
    with pytest.raises(ValueError, match="ELT_RETAIN_LOG_DAYS='0'"):
        retention.Retention.from_env()
