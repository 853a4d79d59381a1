-- V011: staging partitions that look after themselves: made ahead by the rollup too, made for old days whose
-- rows sit in the default partition (moving them there), and dropped after every model has rolled them up.
-- The rollup calls these functions from its maintenance step (Sources/Rollup/PartitionMaintenance.swift); they
-- run with their owner's rights, like ensure_staging_partitions, so the rollup needs no DDL rights of its own.

-- The start of the oldest raw day kept: retention has dropped everything before it. A model rebuilt after that
-- is rebuilt from this day on and keeps its older rows (there are no raw rows left to recompute them from).
create table staging_retention (
    id boolean primary key default true check (id),
    kept_from timestamptz not null
);

-- Gives `day` its own partition when its rows sit in the default partition (a backfill of old events lands
-- there, since the loader only makes partitions around today): creates the day's table beside the
-- partitioned one, moves the day's rows out of the default partition into it and attaches it, in the caller's
-- transaction. Creating the partition directly would fail ("updated partition constraint for default
-- partition would be violated"), the error pg_partman's users meet.
-- Locks: the default partition in share row exclusive mode while the rows move (readers go on; only a loader
-- writing rows that have no partition waits), and access exclusive on it for the attach; the partitioned
-- table only in share update exclusive mode, which the loader's inserts do not conflict with. The caller sets
-- lock_timeout and retries later. Returns the rows moved (0 when the day already has its partition).
create function drain_staging_default(day date) returns bigint
language plpgsql security definer set search_path = public, pg_temp
as $$
declare
    partition_name text := 'staging_purchases_' || to_char(day, 'YYYYMMDD');
    day_start timestamptz := day::timestamp at time zone 'UTC';
    day_end timestamptz := (day + 1)::timestamp at time zone 'UTC';
    moved bigint;
begin
    perform pg_advisory_xact_lock(hashtext('purchase-stream.staging-partitions'));
    if to_regclass(partition_name) is not null then
        return 0;
    end if;
    lock table staging_purchases_default in share row exclusive mode;
    execute format('create table %I (like staging_purchases including defaults)', partition_name);
    -- Proves the bound to the attach, which then need not scan the new table.
    execute format('alter table %I add constraint %I check (created_at >= %L and created_at < %L)',
                   partition_name, partition_name || '_bound', day_start, day_end);
    execute format(
        'with moved as (delete from staging_purchases_default where created_at >= %L and created_at < %L returning *)
         insert into %I select * from moved',
        day_start, day_end, partition_name);
    get diagnostics moved = row_count;
    -- Built before the attach, which then adopts it instead of building it under its locks.
    execute format('create index on %I (created_at)', partition_name);
    execute format('alter table staging_purchases attach partition %I for values from (%L) to (%L)',
                   partition_name, day_start, day_end);
    execute format('alter table %I drop constraint %I', partition_name, partition_name || '_bound');
    return moved;
end;
$$;

-- Drops the partitions of days before `before_day` (whole days, never the default partition), in the
-- caller's transaction, and records where the raw history now starts. The caller has checked that every
-- model has rolled those days up, and sets lock_timeout: dropping a partition takes an access exclusive lock
-- on the partitioned table, for a moment. Returns the names dropped.
create function drop_staging_partitions_before(before_day date) returns setof text
language plpgsql security definer set search_path = public, pg_temp
as $$
declare
    partition record;
begin
    perform pg_advisory_xact_lock(hashtext('purchase-stream.staging-partitions'));
    for partition in
        select c.relname, substring(c.relname from 'staging_purchases_(\d{8})$') as day
        from pg_inherits as i
        join pg_class as c on c.oid = i.inhrelid
        where i.inhparent = 'staging_purchases'::regclass
          and c.relname ~ '^staging_purchases_\d{8}$'
        order by c.relname
    loop
        exit when to_date(partition.day, 'YYYYMMDD') >= before_day;
        execute format('drop table %I', partition.relname);
        return next partition.relname;
    end loop;
    insert into staging_retention (kept_from) values (before_day::timestamp at time zone 'UTC')
    on conflict (id) do update set kept_from = greatest(staging_retention.kept_from, excluded.kept_from);
end;
$$;

revoke execute on function drain_staging_default(date), drop_staging_partitions_before(date) from public;
grant execute on function ensure_staging_partitions(date, date), drain_staging_default(date),
    drop_staging_partitions_before(date) to purchase_rollup;
grant select on staging_retention, staging_purchases_default to purchase_rollup, dashboard_reader;
