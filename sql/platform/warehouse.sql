-- The warehouse's schemas, platform tables and privileges, owned by elt_owner: run as it by
-- scripts/warehouse-init.sh at first start and by airflow-init's migration at every start
-- (every statement is idempotent). Roles are in roles.sql.

create schema if not exists bronze;
create schema if not exists silver;
create schema if not exists gold;
create schema if not exists audit;
-- Write-audit-publish: a run builds silver and gold here, its gates validate them here, and
-- publish moves them into silver/gold in one transaction. A failed run's staging stays here
-- for inspection until the domain's next run.
create schema if not exists bronze_stage;
create schema if not exists silver_stage;
create schema if not exists gold_stage;

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

alter table audit.model_builds add column if not exists window_start date;
alter table audit.model_builds add column if not exists window_end date;

create table if not exists silver.rejects (
    domain text not null,
    table_name text not null,
    reason text not null,
    record jsonb not null,
    run_id text not null,
    rejected_at timestamptz not null default now()
);

-- The day of a rejected row of a day-partitioned model: a rerun of the day replaces its rejects.
alter table silver.rejects add column if not exists day date;

create index if not exists rejects_table_day_idx on silver.rejects (domain, table_name, day);

create table if not exists silver_stage.rejects (like silver.rejects including defaults);

-- The synthetic world each domain's bronze holds: runs never mix two worlds.
create table if not exists audit.domain_profiles (
    domain text primary key,
    scale text not null,
    seed bigint not null,
    run_id text not null,
    loaded_at timestamptz not null default now()
);

alter table audit.domain_profiles add column if not exists volumes jsonb;
alter table audit.domain_profiles add column if not exists first_day date;
alter table audit.domain_profiles add column if not exists last_day date;

-- Each run's plan (window, world, flags), made by its first stage and read by the others.
create table if not exists audit.runs (
    run_id text not null,
    domain text not null,
    run_type text not null,
    window_start date not null,
    window_end date not null,
    scale text not null,
    seed bigint not null,
    volumes jsonb,
    opens_history boolean not null,
    replace_history boolean not null,
    full_refresh boolean not null,
    planned_at timestamptz not null default now(),
    primary key (domain, run_id)
);

-- What each load replaced in bronze: the days a run's silver models rebuild.
create table if not exists audit.loads (
    run_id text not null,
    domain text not null,
    dataset text not null,
    first_day date,
    last_day date,
    row_count bigint not null,
    replaced_rows bigint not null,
    world_replaced boolean not null,
    loaded_at timestamptz not null default now(),
    -- the design's row count for the file's days, when the domain declares one
    expected_rows double precision,
    primary key (domain, run_id, dataset)
);
alter table audit.loads add column if not exists expected_rows double precision;

-- One run at a time stages a domain's silver and gold: the holder of its lease.
create table if not exists audit.domain_leases (
    domain text primary key,
    run_id text not null,
    acquired_at timestamptz not null default now(),
    renewed_at timestamptz not null default now()
);
-- When the lease passes to another run unless its holder renews it: set by the holder, never by
-- the run that wants it (a lease of an earlier version gets its holder's default time to live).
alter table audit.domain_leases add column if not exists expires_at timestamptz not null
default now() + interval '2 hours';

-- What the lease holder staged: read by its validate and publish stages.
create table if not exists audit.staged_models (
    domain text not null,
    layer text not null,
    model text not null,
    run_id text not null,
    strategy text not null,
    window_start date,
    window_end date,
    row_count bigint not null,
    rejected_count bigint not null,
    built_at timestamptz not null default now(),
    primary key (domain, model)
);

-- Published day partitions of silver and gold: row counts and key ranges, so a run proves
-- table-wide uniqueness and reconciles totals without reading the history.
create table if not exists audit.partitions (
    relation text not null,
    day date not null,
    row_count bigint not null,
    key_min text,
    key_max text,
    published_at timestamptz not null default now(),
    primary key (relation, day)
);

-- One run at a time holds a domain's lease. The gates take and give it back too, and they
-- write nothing else: these two functions are their only way to the lease table. Only the run
-- holding a lease renews or gives it back; another run takes it once it has expired, by the time
-- to live its holder set (between a minute and a day), whatever time to live the taker asks for.
create or replace function audit.take_lease(p_domain text, p_run_id text, p_ttl interval)
returns text
language sql
security definer
set search_path = pg_catalog, pg_temp
as $$
    insert into audit.domain_leases as lease (domain, run_id, expires_at)
    values (
        p_domain,
        p_run_id,
        now() + least(greatest(p_ttl, interval '1 minute'), interval '1 day')
    )
    on conflict (domain) do update set
        run_id = excluded.run_id,
        acquired_at = case
            when lease.run_id = excluded.run_id then lease.acquired_at else now()
        end,
        renewed_at = now(),
        expires_at = excluded.expires_at
    where lease.run_id = excluded.run_id or lease.expires_at < now()
    returning run_id
$$;

create or replace function audit.give_back_lease(p_domain text, p_run_id text)
returns boolean
language sql
security definer
set search_path = pg_catalog, pg_temp
as $$
    with released as (
        delete from audit.domain_leases where domain = p_domain and run_id = p_run_id
        returning 1
    )
    select count(*) > 0 from released
$$;

-- Who holds a lock on any of these relations (or their partitions), for the error of a publish
-- that gave up waiting: what a stage role may not see of another role's session by itself.
create or replace function audit.lock_holders(p_relations regclass[])
returns table (
    pid integer, role name, application text, state text, since timestamptz, relation text
)
language sql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
    select distinct
        a.pid,
        a.usename,
        a.application_name,
        a.state,
        a.xact_start,
        l.relation::regclass::text
    from pg_locks as l
    inner join pg_stat_activity as a on l.pid = a.pid
    where
        l.granted
        and l.locktype = 'relation'
        and l.pid <> pg_backend_pid()
        and l.database = (select oid from pg_database where datname = current_database())
        and (
            l.relation = any(p_relations)
            or l.relation in (select inhrelid from pg_inherits where inhparent = any(p_relations))
        )
    order by a.pid, 6
$$;

revoke all on function audit.lock_holders(regclass[]) from public;
grant execute on function audit.lock_holders(regclass[])
to elt_loader, elt_transformer, elt_validator;

revoke all on function audit.take_lease(text, text, interval) from public;
revoke all on function audit.give_back_lease(text, text) from public;
grant execute on function audit.take_lease(text, text, interval)
to elt_loader, elt_transformer, elt_validator;
grant execute on function audit.give_back_lease(text, text)
to elt_loader, elt_transformer, elt_validator;

-- Who may use which schema. A role owns the tables its stage creates (a partition swap needs
-- the owner), so bronze belongs to the loader and silver and gold to the transformer.
grant usage, create on schema bronze, bronze_stage to elt_loader;
grant usage, create on schema silver, gold, silver_stage, gold_stage to elt_transformer;
grant usage on schema bronze, silver, gold, bronze_stage, silver_stage, gold_stage, audit
to elt_validator;
grant usage on schema bronze, audit to elt_transformer;
grant usage on schema audit to elt_loader;
grant usage on schema gold to analyst;

-- What they create, the readers after them may read.
alter default privileges for role elt_loader in schema bronze, bronze_stage
grant select on tables to elt_transformer, elt_validator;
alter default privileges for role elt_transformer in schema silver, gold, silver_stage, gold_stage
grant select on tables to elt_validator;
-- The analyst's select is given where a gold relation is made, in gold or in gold_stage: publish
-- moves staged tables into gold (`alter table ... set schema` keeps a table's privileges), and
-- the analyst has no usage on gold_stage, so a staged table stays unreadable until it is moved.
alter default privileges for role elt_transformer in schema gold, gold_stage
grant select on tables to analyst;
-- Gold published before this grant existed (a warehouse of an earlier version).
grant select on all tables in schema gold to analyst;

-- The platform tables: each role writes its own records, reads the rest.
grant select on all tables in schema audit to elt_loader, elt_transformer, elt_validator;
grant insert on audit.task_runs to elt_loader, elt_transformer, elt_validator;
grant insert, update on audit.runs, audit.loads, audit.domain_profiles to elt_loader;
grant insert, update, delete on audit.staged_models, audit.partitions to elt_transformer;
grant insert on audit.model_builds to elt_transformer;
grant select, insert, delete on silver.rejects, silver_stage.rejects to elt_transformer;
grant select on silver.rejects, silver_stage.rejects to elt_validator;

-- Operating it (README "Operating it"): alerts, gold's freshness, retention.
-- A failed gate's expectations as the alert e-mail lists them: {"failed", "evaluated",
-- "expectations": [...the first few], "data_docs_page"}.
alter table audit.task_runs add column if not exists gate jsonb;

-- A domain whose last run failed, until a run succeeds: the alerts' "back to normal" is sent
-- once, by whichever run clears it.
create table if not exists audit.domain_alerts (
    domain text primary key,
    failed_run_id text not null,
    failed_at timestamptz not null default now()
);
grant select, insert, update, delete on audit.domain_alerts to elt_transformer;

-- When each gold relation was last published, by which run, and the days it holds: for the
-- analyst and the dashboard (owned by elt_owner, so it reads audit for readers who may not).
create or replace view gold.freshness as
with

published_runs as (
    select
        domain,
        run_id,
        max(finished_at) as published_at
    from audit.task_runs
    where task = 'publish' and status = 'success'
    group by domain, run_id
),

last_builds as (
    select distinct on (builds.relation)
        builds.domain,
        builds.relation,
        builds.run_id,
        published_runs.published_at
    from audit.model_builds as builds
    inner join published_runs
        on builds.domain = published_runs.domain and builds.run_id = published_runs.run_id
    where builds.relation like 'gold.%'
    order by builds.relation asc, published_runs.published_at desc
),

partition_days as (
    select
        relation,
        min(day) as first_day,
        max(day) as last_day
    from audit.partitions
    group by relation
),

final as (
    select
        last_builds.domain,
        last_builds.relation,
        last_builds.published_at as last_published_at,
        last_builds.run_id as last_run_id,
        coalesce(partition_days.first_day, profiles.first_day) as first_day,
        coalesce(partition_days.last_day, runs.window_end) as last_day
    from last_builds
    left join partition_days on last_builds.relation = partition_days.relation
    left join audit.runs as runs
        on last_builds.domain = runs.domain and last_builds.run_id = runs.run_id
    left join audit.domain_profiles as profiles on last_builds.domain = profiles.domain
)

select * from final;

grant select on gold.freshness to analyst, elt_validator, elt_transformer;

-- Retention: the audit trail's rows older than p_before go, but never a domain's last
-- published run (gold.freshness reads it) nor a run that still holds a lease. The one way a
-- task role may delete audit history, so none holds delete rights on it.
create or replace function audit.prune_history(p_before timestamptz)
returns table (audit_table text, removed bigint)
language plpgsql
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
    kept text[];
    n bigint;
begin
    select coalesce(array_agg(distinct domain || '/' || run_id), '{}') into kept from (
        select distinct on (domain) domain, run_id from audit.task_runs
        where task = 'publish' and status = 'success'
        order by domain, finished_at desc
    ) as last_published;
    select kept || coalesce(array_agg(domain || '/' || run_id), '{}') into kept
    from audit.domain_leases;

    delete from audit.task_runs
    where started_at < p_before and not (domain || '/' || run_id) = any(kept);
    get diagnostics n = row_count;
    audit_table := 'task_runs'; removed := n; return next;
    delete from audit.model_builds
    where built_at < p_before and not (domain || '/' || run_id) = any(kept);
    get diagnostics n = row_count;
    audit_table := 'model_builds'; removed := n; return next;
    delete from audit.loads
    where loaded_at < p_before and not (domain || '/' || run_id) = any(kept);
    get diagnostics n = row_count;
    audit_table := 'loads'; removed := n; return next;
    delete from audit.runs
    where planned_at < p_before and not (domain || '/' || run_id) = any(kept);
    get diagnostics n = row_count;
    audit_table := 'runs'; removed := n; return next;
end
$$;

revoke all on function audit.prune_history(timestamptz) from public;
grant execute on function audit.prune_history(timestamptz) to elt_transformer;
