-- V016: a model is a query. The rollup engine creates and owns each model's table (sql/NAME.sql makes the
-- table NAME), writes the merge, and supplies each run of a model's `select` with just the input of the
-- windows it brings up to date. Windows may be local to a time zone; these functions are the one rule for
-- where they start and end, used by the engine, the models, the tests and the dashboards.

-- Where the window of `window_size` holding `event_time` starts, aligned to local midnight in `zone` (an IANA
-- name): N minutes (N dividing 60) and N hours (N dividing 24) are counted from the local midnight of the
-- event's day, so they follow :30 and :45 zones and the 23- and 25-hour days of daylight-saving changes;
-- `1 day`, `1 week` (ISO, from Monday) and `1 month` are local calendar units. In UTC, minute, hour and day
-- windows are exactly the two-argument form's (V007). One expression, so the planner inlines it, and with a
-- constant size and zone it folds to a single branch. Stable, not immutable: time zone rules are data.
create function purchase_window_start(event_time timestamptz, window_size interval, zone text)
returns timestamptz
language sql stable parallel safe
as $$
    select case
        when extract(month from window_size) = 1 and extract(day from window_size) = 0
            and extract(epoch from window_size) = extract(epoch from interval '1 month')
            then date_trunc('month', event_time, zone)
        when window_size = interval '7 days' and extract(month from window_size) = 0
            then date_trunc('week', event_time, zone)
        when window_size = interval '1 day' and extract(day from window_size) = 1
            then date_trunc('day', event_time, zone)
        when zone = 'UTC'
            then date_bin(window_size, event_time, timestamptz '2000-01-01 00:00:00+00')
        else date_bin(window_size, event_time, date_trunc('day', event_time, zone))
    end
$$;

-- Where the window starting at `window_start` ends: the next window's start. Day, week and month windows add
-- their unit in local time (a local day can be 23 or 25 hours); minute and hour windows end after their
-- size or at the next local midnight, whichever comes first (the last 2-hour window of a 25-hour day is an
-- hour long). Postgres 15 has no zoned date_add, hence the round trip through local time.
create function purchase_window_end(window_start timestamptz, window_size interval, zone text)
returns timestamptz
language sql stable parallel safe
as $$
    select case
        when extract(day from window_size) > 0 or extract(month from window_size) > 0
            then ((window_start at time zone zone) + window_size) at time zone zone
        when zone = 'UTC' then window_start + window_size
        else least(
            window_start + window_size,
            ((date_trunc('day', window_start, zone) at time zone zone) + interval '1 day') at time zone zone)
    end
$$;

-- Raised by the engine when a model's `select` returns a window_start other than one of the windows whose
-- input it was given: its header and its query disagree (e.g. a query bucketing by day under `window: 1
-- hour`), and nothing it computed may be written. SQLSTATE RW001, which the engine recognises.
create function rollup_window_mismatch(
    model text, returned timestamptz, window_size interval, zone text, supplied timestamptz[]
) returns boolean
language plpgsql stable
as $$
declare
    expected timestamptz := purchase_window_start(returned, window_size, zone);
    size text := case
        when extract(month from window_size) = 1 then '1 month'
        when extract(day from window_size) = 7 then '1 week'
        when extract(day from window_size) = 1 then '1 day'
        when extract(epoch from window_size)::int % 3600 = 0
            then (extract(epoch from window_size)::int / 3600)::text
                 || case when window_size = interval '1 hour' then ' hour' else ' hours' end
        else (extract(epoch from window_size)::int / 60)::text
             || case when window_size = interval '1 minute' then ' minute' else ' minutes' end
    end;
begin
    raise exception using
        errcode = 'RW001',
        message = format(
            'returned window_start %s, which is not one of the %s windows in %s whose input it was given',
            coalesce(to_char(returned at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), 'NULL'),
            size, zone),
        detail = case
            when returned is null then 'window_start must not be NULL'
            when expected = returned then format(
                'expected one of %s window starts from %s to %s (purchase_window_start(created_at, %L, %L) of the rows it read)',
                cardinality(supplied),
                to_char((select min(s) from unnest(supplied) as s) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                to_char((select max(s) from unnest(supplied) as s) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                size, zone)
            else format(
                'expected purchase_window_start(created_at, %L, %L), which would be %s for it',
                size, zone, to_char(expected at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
        end;
end;
$$;

-- The windows the engine is bringing up to date, as the current transaction set them (set_config(..., true)):
-- their starts and ends. Empty when none are set, so a shadow view read outside a pass is empty, never the
-- whole history.
create function rollup_windows(out window_start timestamptz, out window_end timestamptz)
returns setof record
language sql stable parallel safe
as $$
    select s, e
    from unnest(
        coalesce(nullif(current_setting('rollup.window_starts', true), ''), '{}')::timestamptz[],
        coalesce(nullif(current_setting('rollup.window_ends', true), ''), '{}')::timestamptz[]
    ) as w (s, e)
$$;

-- Raised when a value does not fit the column of an adopted table exactly (a sum with cents written into a
-- bigint column, a third decimal into numeric(18,2)): the engine casts to an adopted table's types, and
-- never lets a cast round. SQLSTATE RW002.
create function rollup_inexact_cast(model text, column_name text, value text, type_name text) returns text
language plpgsql stable
as $$
begin
    raise exception using
        errcode = 'RW002',
        message = format('%s: %s = %s does not fit its table column of type %s exactly', model, column_name, value, type_name),
        hint = 'change the column''s type in the model (a real edit rebuilds the table with the query''s types)';
end;
$$;

-- What a model's `select` reads while the engine runs it: relations named like the ones it names, holding
-- only the input of the windows being brought up to date. The engine puts one of these schemas first in the
-- search path of the statement, rollup_input for models of purchase_events and rollup_sources for models
-- derived from another model's table; anyone else reading `purchase_events` gets the real view. The shadows
-- of model tables are created in rollup_sources by the engine, which may create there and nothing else.
create schema rollup_input;
create schema rollup_sources;
grant usage on schema rollup_input to purchase_rollup;
grant usage, create on schema rollup_sources to purchase_rollup;

-- Every event of the supplied windows once (V007's rule), window by window through the created_at index:
-- a run costs what its windows hold.
create view rollup_input.purchase_events as
select e.*
from rollup_windows() as w
cross join lateral purchase_events_between(w.window_start, w.window_end) as e;

grant select on rollup_input.purchase_events to purchase_rollup;

-- The engine creates model tables in the schema the dashboards read, and owns them (the shipped ones
-- included), so it can rebuild a model whose columns changed in place and drop one on request.
grant create on schema public to purchase_rollup;
alter table purchase_summary owner to purchase_rollup;
alter table purchase_summary_by_category owner to purchase_rollup;
alter table purchase_summary_hourly owner to purchase_rollup;
alter table purchase_summary_daily owner to purchase_rollup;

-- A model's window is now an interval and a zone; `retired_at` is set when its file is gone (the table is
-- kept, the pending minutes dropped). window_minutes stays for the previous release's binaries, which write
-- it and not window_size (so window_size may be NULL: readers fall back to window_minutes); the engine
-- writes both, window_minutes being NULL for calendar windows.
alter table rollup_models
    add column window_size interval,
    add column timezone text not null default 'UTC',
    add column retired_at timestamptz,
    alter column window_minutes drop not null;
update rollup_models set window_size = make_interval(mins => window_minutes);

-- V015's pending counts, in the model's own windows.
create function rollup_pending_counts(
    model_name text, window_size interval, zone text, out minutes bigint, out windows bigint
)
language sql stable as $$
    with waiting as (
        select minute from rollup_pending where model = model_name
        union
        select minute from ingest_ledger
    )
    select count(*), count(distinct purchase_window_start(minute, window_size, zone)) from waiting
$$;

drop view rollup_model_standing;
create view rollup_model_standing as
with oldest_load as (
    select min(b.committed_at) as at
    from ingest_ledger as l join load_batches as b on b.id = l.load_batch_id
)
select m.name as model, coalesce(m.window_size, make_interval(mins => m.window_minutes))::text as window_size,
       m.timezone, m.last_run_at, m.watermark,
       p.minutes as pending_minutes, p.windows as pending_windows,
       greatest(extract(epoch from case
           when exists (select from rollup_pending as r where r.model = m.name)
               then now() - least(coalesce(m.last_run_at, m.version_since), o.at)
           else coalesce(now() - o.at, interval '0')
       end), 0)::float8 as behind_seconds
from rollup_models as m
cross join oldest_load as o
cross join lateral rollup_pending_counts(
    m.name, coalesce(m.window_size, make_interval(mins => m.window_minutes)), m.timezone) as p
where m.retired_at is null;

grant select on rollup_model_standing to dashboard_reader, purchase_rollup;
