"""The load stage: COPY a run's generated files into bronze, replacing the days they cover.

In two steps, so the DAG can spread the first over a task per dataset: ``staging`` COPYs each
file into the run's own staging table (``load_bronze``), ``commit`` swaps them all into bronze
in one transaction (``commit_bronze``). ``bronze`` owns the bronze tables and makes the bronze
gate's batches.
"""
