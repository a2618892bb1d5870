"""The platform: domain-agnostic ELT machinery (generate, load, transform, validate, publish).

Nothing in this package imports Airflow; the DAG builder in ``include.orchestration`` adapts it.
"""
