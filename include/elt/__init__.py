"""The platform: domain-agnostic ELT machinery (generate, load, build, validate, publish).

Sub-packages by purpose, each importing only those listed before it (``include/elt/README.md``;
``make lint`` checks it):

- ``core``: the vocabulary (days, the stage table, the roles, a run's world and plan, paths,
  errors); imports nothing else of ``include``.
- ``contract``: what a domain is made of and all a domain author imports.
- ``warehouse``: PostgreSQL alone (connections, locks and the lease, catalog, partitions, the
  audit ledger, migrations); knows no domain.
- ``files``: where a run's files live (a folder or an object store), and its manifest.
- ``stages``: one sub-package or module per stage (plan, generate, load, materialize,
  validate, report); a stage imports no other.
- ``pipeline``: the flow, composed of the stages; what the CLI and the DAG builder call.

Nothing in this package imports Airflow; the DAG builder in ``include.orchestration`` adapts it.
"""
