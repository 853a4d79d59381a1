-- V005: least privilege. One group role per component, granted exactly what its statements need; login users
-- are made members (deploy/postgres-init.sh; README "Least privilege"). The migrating user keeps ownership.
-- Roles are cluster-wide, so they may exist already (another database of the same cluster).
do $$
begin
    create role purchase_loader nologin;
exception
    when duplicate_object or unique_violation then null;
end;
$$;

do $$
begin
    create role purchase_rollup nologin;
exception
    when duplicate_object or unique_violation then null;
end;
$$;

grant usage on schema public to purchase_loader, purchase_rollup;

-- The loader appends raw rows, dead letters, ledger minutes and lineage, and moves its own offsets. It can
-- neither read nor change what others wrote, nor delete anything.
grant insert on staging_purchases, dead_letters, ingest_ledger, load_batches, loader_offset_gaps to purchase_loader;
grant select, insert, update on loader_offsets to purchase_loader;
grant usage on sequence load_batch_ids, dead_letters_id_seq, loader_offset_gaps_id_seq to purchase_loader;

-- Creating the next days' partitions is DDL; the loader may do exactly that, through this function, which
-- runs with its owner's rights and a fixed search_path.
alter function ensure_staging_partitions(date, date) security definer set search_path = public, pg_temp;
revoke execute on function ensure_staging_partitions(date, date) from public;
grant execute on function ensure_staging_partitions(date, date) to purchase_loader;

-- The rollup reads raw rows, claims ledger minutes (delete ... returning), maintains the summary and the
-- first-seen index, and records its runs. It cannot touch raw rows, offsets or dead letters.
grant select on staging_purchases, load_batches to purchase_rollup;
grant select, delete on ingest_ledger to purchase_rollup;
grant select, insert, update, delete on purchase_summary, purchase_first_seen to purchase_rollup;
grant insert on rollup_runs to purchase_rollup;
grant usage on sequence rollup_runs_id_seq to purchase_rollup;
