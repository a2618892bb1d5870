"""
### maintenance — retention, every night

Removes what has aged out, so nothing the platform writes grows without bound: task logs (and the
OpenLineage event files beside them), run folders of generated files, Data Docs validation
results, `audit` rows, and what failed runs staged in `bronze_stage` and never committed. Never
bronze, silver or gold history, a domain's state, or its last published run.

How many days each is kept is a setting (`ELT_RETAIN_LOG_DAYS`, `_RUN_DAYS`, `_DOCS_DAYS`,
`_AUDIT_DAYS`; see `.env.example`); the task's log lists what it removed.
"""

from datetime import UTC, datetime, timedelta

from airflow.sdk import dag, task


@dag(
    doc_md=__doc__,
    # after the domains' midnight runs have published
    schedule="30 3 * * *",
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=2),
    default_args={
        "owner": "data-platform",
        "retries": 2,  # after [core] default_task_retry_delay (docker-compose.yml: 2 minutes)
        "execution_timeout": timedelta(hours=1),
    },
    tags=["elt", "maintenance"],
)
def maintenance():
    @task
    def apply_retention() -> list[str]:
        """Every removal is idempotent: a retry removes what the try before it left."""
        from pathlib import Path

        from airflow.configuration import conf

        from include.elt import retention
        from include.elt.files.storage import data_root
        from include.orchestration.connections import warehouse

        removed = retention.apply(
            retention.Retention.from_env(),
            now=datetime.now(UTC),
            warehouse=warehouse(),
            data_dir=data_root(),
            log_folder=Path(conf.get("logging", "base_log_folder")),
        )
        return [str(kind) for kind in removed]

    apply_retention()


maintenance()
