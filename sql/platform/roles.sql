-- The warehouse's roles, run by its superuser at first start (scripts/warehouse-init.sh):
-- the only thing the superuser password is used for. Every statement is idempotent.
--
--   elt_owner        owns the schemas and the platform tables; runs the migrations (init only)
--   elt_loader       generate and load: writes bronze, reads (and records its loads in) audit
--   elt_transformer  build and publish: reads bronze, writes silver, gold and their stages
--   elt_validator    the gates: reads everything, writes nothing but its task's audit row
--   analyst          reads gold: what a BI tool connects as
--
-- None is a superuser, creates roles or databases, replicates, bypasses row security, or is
-- a member of pg_read_server_files / pg_execute_server_program (COPY ... PROGRAM).

do $$
declare
    name text;
begin
    foreach name in array array[
        'elt_owner', 'elt_loader', 'elt_transformer', 'elt_validator', 'analyst'
    ] loop
        if not exists (select from pg_roles where rolname = name) then
            execute format('create role %I login', name);
        end if;
        execute format(
            'alter role %I login nosuperuser nocreatedb nocreaterole noreplication nobypassrls',
            name
        );
        execute format('grant connect, temporary on database %I to %I', current_database(), name);
    end loop;
    execute format('grant create on database %I to elt_owner', current_database());
    -- The owner sets the default privileges of what the loader and the transformer create. It
    -- is a member of the validator and the analyst too, so its audit.lock_holders() may say
    -- what their sessions are doing (PostgreSQL shows that to members of a session's role).
    execute 'grant elt_loader, elt_transformer, elt_validator, analyst to elt_owner';
end
$$;
