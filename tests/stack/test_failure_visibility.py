"""A failing gate in the running stack: the task log names the failing expectation, the run
stops before gold, nothing published changes, and Data Docs shows the failed validation."""

from __future__ import annotations

from tests.helpers import qualified, query
from tests.stack.conftest import stage_states

DOCS = "great_expectations/gx/uncommitted/data_docs/local_site"
CUSTOMERS = qualified("streaming", "silver", "customers")
KEYS_KEPT = f"no key published in {CUSTOMERS} is lost"  # the check the planted fault fails
# GX files a suite's results under its dotted name, one folder a part
VALIDATIONS = f"{DOCS}/validations/{CUSTOMERS.replace('.', '/')}"


def test_a_failed_gate_is_visible_in_the_task_log_and_data_docs(api, stack, failed_gate):
    run_id = failed_gate.run_id
    states = stage_states(api, run_id)
    assert states["validate_silver"] == {"failed"}
    assert states["build_gold"] | states["validate_gold"] | states["publish"] == {"upstream_failed"}
    assert failed_gate.published_after == failed_gate.published_before
    # the teardown ran and gave the domain back: the next run needs no lease to expire
    assert states["release_domain"] == {"failed"}  # the run's verdict, after giving back
    assert query(stack.superuser_url, "select count(*) from audit.domain_leases") == [(0,)]

    log = api.get(
        f"/api/v2/dags/streaming/dagRuns/{run_id}/taskInstances/validate_silver/logs/1"
    ).text
    assert "streaming silver checkpoint failed" in log
    assert KEYS_KEPT in log

    docs = api.get(f"{stack.docs_url}/data-docs/index.html").text
    assert run_id in docs and "fa-times text-danger" in docs
    pages = sorted((stack.data_dir / VALIDATIONS / run_id).rglob("*.html"))
    assert pages, "no Data Docs page for the failed validation"
    relative = pages[0].relative_to(stack.data_dir / DOCS)
    page = api.get(f"{stack.docs_url}/data-docs/{relative.as_posix()}").text
    assert "Failed" in page and KEYS_KEPT in page
