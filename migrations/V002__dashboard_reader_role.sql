-- V002: a read-only role for dashboards (Grafana). It can read the summary and the raw and audit tables,
-- and nothing else. Login users (e.g. `grafana` in docker-compose) are granted this role; the role itself
-- cannot log in. Roles are cluster-wide, so it may exist already (another database of the same cluster).
do $$
begin
    create role dashboard_reader nologin;
exception
    when duplicate_object or unique_violation then null;
end;
$$;

grant usage on schema public to dashboard_reader;
grant select on purchase_summary, staging_purchases, dead_letters, load_batches, rollup_runs, loader_offsets
    to dashboard_reader;
