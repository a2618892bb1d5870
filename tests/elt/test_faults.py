"""Faults, injected on purpose: nothing is lost or duplicated, and every failure is clean.

A load is caught in the middle of its COPY with a named pipe in place of the data file: the test
writes half of the file into it and holds it open, so the COPY is certainly running when the
loader is killed or PostgreSQL is stopped."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from include.devstack.postgres import TemporaryPostgres
from include.elt import pipeline
from include.elt.core.days import Days
from include.elt.core.stages import STAGE_NAMES, stage_of
from include.elt.files.manifest import Manifest
from include.elt.stages.load import commit, staging
from include.elt.stages.validate.targets import QualityError
from tests.conftest import REPO, new_warehouse, role_env, roles
from tests.helpers import (
    concurrently,
    count,
    layer_state,
    plant_in_usage_file,
    qualified,
    query,
    run_context,
)

DAY = date(2026, 3, 10)
WINDOW = Days(DAY - timedelta(days=2), DAY)
SEED = 3
BRONZE_USAGE_LOGS = qualified("streaming", "bronze", "usage_logs")
BRONZE_SUBSCRIPTIONS = qualified("streaming", "bronze", "subscriptions")
BRONZE_PLANS = qualified("streaming", "bronze", "plans")
CUSTOMER_TOTALS = qualified("streaming", "gold", "customer_totals")


def _cli_load(env: dict, data_dir: Path, run_id: str) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            str(REPO / "scripts/elt.py"),
            "load",
            "--start",
            str(WINDOW.start),
            "--end",
            str(WINDOW.end),
            "--scale",
            "tiny",
            "--seed",
            "3",
            "--run-id",
            run_id,
        ],
        env={**env, "ELT_DATA_DIR": str(data_dir), "PATH": os.environ["PATH"]},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


class HalfFedPipe:
    """The usage file of a run as a named pipe: half of it is written, then it stays open."""

    def __init__(self, ctx: pipeline.RunContext) -> None:
        manifest = Manifest.read(ctx.run_folder)
        self.path = manifest.path_of(next(f for f in manifest.files if f.dataset == "usage_logs"))
        self.content = self.path.read_bytes()
        self.path.unlink()
        os.mkfifo(self.path)
        self.release = threading.Event()
        self.thread = threading.Thread(target=self._feed, daemon=True)
        self.thread.start()

    def _feed(self) -> None:
        try:
            with self.path.open("wb") as pipe:
                pipe.write(self.content[: len(self.content) // 2])
                pipe.flush()
                self.release.wait(60)
        except BrokenPipeError:
            pass  # the reader is gone: what the test wanted

    def restore(self) -> None:
        self.release.set()
        self.thread.join(10)
        self.path.unlink()
        self.path.write_bytes(self.content)


def _wait_for_copy(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if query(
            url,
            "select count(*) from pg_stat_activity where query like 'copy %%streaming_usage_logs%%'"
            " and state = 'active'",
        )[0][0]:
            return
        time.sleep(0.05)
    raise TimeoutError("the COPY never started")


def _no_load_left(url: str) -> bool:
    """No COPY still running and no lock held: the killed load's session is gone."""
    return query(
        url,
        "select (select count(*) from pg_stat_activity where query like 'copy %%'"
        "  and state = 'active')"
        " + (select count(*) from pg_locks where locktype = 'advisory')",
    ) == [(0,)]


def _staged_tables(url: str) -> int:
    return query(url, "select count(*) from pg_tables where schemaname = 'bronze_stage'")[0][0]


def test_a_loader_killed_mid_copy_changes_nothing_and_the_retry_loads_once(tmp_path):
    url = new_warehouse()
    warehouse = roles(url)
    pipeline.run(
        run_context(warehouse, tmp_path, "first", WINDOW, seed=SEED),
        ["generate", "load_bronze", "commit_bronze"],
    )
    before = layer_state(url, "streaming", "bronze")[BRONZE_USAGE_LOGS]
    ctx = run_context(warehouse, tmp_path, "killed", WINDOW, seed=SEED)
    pipeline.run(ctx, ["generate"])
    pipe = HalfFedPipe(ctx)
    loader = _cli_load(role_env(url), tmp_path, "killed")
    _wait_for_copy(url)
    os.killpg(loader.pid, signal.SIGKILL)
    loader.wait()
    deadline = time.monotonic() + 20
    while not _no_load_left(url) and time.monotonic() < deadline:
        time.sleep(0.1)
    pipe.restore()
    assert _no_load_left(url), "the killed load left a backend or a lock"
    assert layer_state(url, "streaming", "bronze")[BRONZE_USAGE_LOGS] == before
    # The files staged before the kill may stay in bronze_stage, never in bronze.

    retry = _cli_load(role_env(url), tmp_path, "killed")
    assert retry.wait(120) == 0, retry.stderr.read()
    assert _staged_tables(url) == 0  # the retry staged again, committed and left nothing
    manifest = Manifest.read(ctx.run_folder)
    usage = next(f for f in manifest.files if f.dataset == "usage_logs")
    assert count(url, BRONZE_USAGE_LOGS) == usage.rows  # once, not twice
    assert layer_state(url, "streaming", "bronze")[BRONZE_USAGE_LOGS] == before


def test_postgres_restarted_mid_load_fails_the_task_cleanly_and_the_retry_succeeds(tmp_path):
    with TemporaryPostgres() as server:
        server.create_database("warehouse")
        warehouse = server.init_warehouse("warehouse")
        url = server.url("warehouse")
        env = {
            f"AIRFLOW_CONN_WAREHOUSE_{r.upper()}": getattr(warehouse, r)
            for r in ("loader", "transformer", "validator")
        }
        ctx = run_context(warehouse, tmp_path, "restarted", WINDOW, seed=SEED)
        pipeline.run(ctx, ["generate"])
        pipe = HalfFedPipe(ctx)
        loader = _cli_load(env, tmp_path, "restarted")
        _wait_for_copy(url)
        server.stop_server("fast")
        pipe.restore()  # the load sends the rest of the file and finds its connection gone
        time.sleep(2)  # the warehouse stays down meanwhile: the audit row has to wait for it
        server.start_server()
        code = loader.wait(60)
        stderr = loader.stderr.read().strip().splitlines()
        assert code == 1
        assert stderr[-1].startswith("error: ") and "Traceback" not in "\n".join(stderr)

        assert count(url, BRONZE_USAGE_LOGS) == 0  # nothing half-loaded
        # the failed try is on record, written once the warehouse was back
        failed = query(
            url,
            "select task, detail from audit.task_runs where run_id = 'restarted'"
            " and status = 'failed'",
        )
        assert failed and all(t.startswith("load_bronze[") for t, _ in failed), failed
        retry = _cli_load(env, tmp_path, "restarted")
        assert retry.wait(120) == 0, retry.stderr.read()
        manifest = Manifest.read(ctx.run_folder)
        for entry in manifest.files:
            assert count(url, qualified("streaming", "bronze", entry.dataset)) == entry.rows


def test_two_loads_of_the_same_day_serialise_and_without_the_lock_they_would_duplicate(
    tmp_path, monkeypatch
):
    url = new_warehouse()
    warehouse = roles(url)
    ctx = run_context(warehouse, tmp_path, "twice", WINDOW, seed=SEED)
    pipeline.run(ctx, ["generate", "load_bronze", "commit_bronze"])
    manifest = Manifest.read(ctx.run_folder)
    plans = next(f for f in manifest.files if f.dataset == "plans")

    only_plans = dataclasses.replace(manifest, files=(plans,))

    def load_plans(run_id: str) -> None:
        """The load stage's two steps, for one file (the pipeline adds the task audit and the
        gate's batches: what this test is not about)."""
        staging.stage_dataset(warehouse.loader, ctx.domain, only_plans, "plans", run_id)
        commit.commit(warehouse.loader, ctx.domain, only_plans, run_id)

    def twice() -> list[Exception]:
        gate = threading.Barrier(2, timeout=5)
        original = commit._swap

        def swap_together(*args, **kwargs):
            # both loads staged their file: now both replace the table (unless the lock let
            # only one through: then it goes on alone)
            with contextlib.suppress(threading.BrokenBarrierError):
                gate.wait()
            return original(*args, **kwargs)

        monkeypatch.setattr(commit, "_swap", swap_together)
        return concurrently(load_plans, ["load-0", "load-1"])

    assert twice() == []
    assert count(url, BRONZE_PLANS) == plans.rows  # serialised: 0 duplicates

    # The negative control: without the table's lock the same two loads duplicate every row.
    monkeypatch.setattr(commit, "advisory_lock", lambda cur, name, **kw: None)
    assert twice() == []
    duplicates = count(url, BRONZE_PLANS) - plans.rows
    assert duplicates == plans.rows


@pytest.fixture
def published(tmp_path):
    url = new_warehouse()
    pipeline.run(run_context(roles(url), tmp_path, "history", WINDOW, seed=SEED))
    return url, tmp_path


def _plant_in_bronze(url: str, ctx: pipeline.RunContext) -> None:
    plant_in_usage_file(ctx)


def _plant_in_silver(url: str, ctx: pipeline.RunContext) -> None:
    """The run's new day reuses a session id of the day before (only a table-wide check sees
    it: each day on its own is fine)."""
    query(
        url,
        f"insert into {BRONZE_USAGE_LOGS} select u.usage_id, u.customer_id,"
        " u.subscription_id, u.content_id, %s::timestamp + interval '12 hours', u.device,"
        " u.duration_watched, u.completion_rate, 'planted', 'test', now()"
        f" from {BRONZE_USAGE_LOGS} as u join {BRONZE_SUBSCRIPTIONS} as s"
        " using (subscription_id) where u.session_start::date = %s - 1"
        " and coalesce(s.end_date, 'infinity') > %s order by u.usage_id limit 1 returning 1",
        [ctx.window.end, ctx.window.end, ctx.window.end],
    )


def _plant_in_gold(url: str, ctx: pipeline.RunContext) -> None:
    """A customer's all-time session count is one too many: the next day keeps adding to it."""
    query(
        url,
        f"update {CUSTOMER_TOTALS} set count_sessions = count_sessions + 1"
        f" where customer_id = (select min(customer_id) from {CUSTOMER_TOTALS})"
        " returning 1",
    )


PLANTS = {  # layer -> (how, when, what the failure names)
    "bronze": (_plant_in_bronze, "generate", "completion_rate"),
    "silver": (_plant_in_silver, "commit_bronze", "usage_id is unique across all days"),
    "gold": (_plant_in_gold, "commit_bronze", "all-time sessions equal silver's sessions"),
}


@pytest.mark.parametrize("layer", PLANTS)
def test_a_fault_planted_in_a_layer_fails_its_gate_and_publishes_nothing(published, layer):
    url, data_dir = published
    plant, after, message = PLANTS[layer]
    day = WINDOW.end + timedelta(days=1)
    ctx = run_context(
        roles(url), data_dir, f"planted-{layer}", Days(day, day), seed=SEED, run_type="scheduled"
    )
    done = list(STAGE_NAMES[: STAGE_NAMES.index(after) + 1])
    pipeline.run(ctx, done)
    plant(url, ctx)
    before = layer_state(url, "streaming", "silver", "gold")
    with pytest.raises(QualityError, match=message):
        pipeline.run(ctx, [s for s in STAGE_NAMES if s not in done])
    assert layer_state(url, "streaming", "silver", "gold") == before
    tasks = dict(
        query(url, "select task, status from audit.task_runs where run_id = %s", [ctx.run_id])
    )
    assert tasks[f"validate_{layer}"] == "failed"
    gate = STAGE_NAMES.index(f"validate_{layer}")
    ran = {stage_of(task) for task in tasks}
    assert not set(STAGE_NAMES[gate + 1 :]) & ran, "a stage after the failed gate ran"
