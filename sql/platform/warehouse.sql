-- The warehouse's schemas and platform tables. Run by the warehouse container at first start
-- and by `bootstrap` before every run (every statement is idempotent).

create schema if not exists bronze;
create schema if not exists silver;
create schema if not exists gold;
create schema if not exists audit;

create table if not exists audit.task_runs (
    run_id text not null,
    domain text not null,
    task text not null,
    status text not null,
    rows_in bigint,
    rows_out bigint,
    started_at timestamptz not null,
    finished_at timestamptz not null,
    duration_seconds numeric(12, 3) not null,
    detail text
);

create table if not exists audit.model_builds (
    run_id text not null,
    domain text not null,
    relation text not null,
    sql_file text not null,
    materialized text not null,
    row_count bigint not null,
    rejected_count bigint not null,
    built_at timestamptz not null default now()
);

create table if not exists silver.rejects (
    domain text not null,
    table_name text not null,
    reason text not null,
    record jsonb not null,
    run_id text not null,
    rejected_at timestamptz not null default now()
);

-- The synthetic world each domain's bronze holds: runs of another scale or seed replace it all.
create table if not exists audit.domain_profiles (
    domain text primary key,
    scale text not null,
    seed bigint not null,
    run_id text not null,
    loaded_at timestamptz not null default now()
);
