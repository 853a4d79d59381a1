-- V015: how far behind the loader and each model are, defined once, here. The rollup's metrics, `rollup
-- status`/`plan`, the Pipeline health dashboard and `rollup report --html` each wrote their own query for
-- these, and two of them meant different things by "behind"; they now all read these.

-- The minutes a model still has to roll up (its own pending ones and the ledger's unclaimed ones), and the
-- windows of `window_size` they fall in: what its next pass recomputes.
create function rollup_pending_counts(model_name text, window_size interval, out minutes bigint, out windows bigint)
language sql stable as $$
    with waiting as (
        select minute from rollup_pending where model = model_name
        union
        select minute from ingest_ledger
    )
    select count(*), count(distinct purchase_window_start(minute, window_size)) from waiting
$$;

-- Per model that has run: its pending work, its watermark, and how long the oldest load not yet in it has
-- waited (0 when it is up to date; since its last run when it carries minutes of its own, a failing model).
create view rollup_model_standing as
with oldest_load as (
    select min(b.committed_at) as at
    from ingest_ledger as l join load_batches as b on b.id = l.load_batch_id
)
select m.name as model, m.window_minutes, m.last_run_at, m.watermark,
       p.minutes as pending_minutes, p.windows as pending_windows,
       greatest(extract(epoch from case
           when exists (select from rollup_pending as r where r.model = m.name)
               then now() - least(coalesce(m.last_run_at, m.version_since), o.at)
           else coalesce(now() - o.at, interval '0')
       end), 0)::float8 as behind_seconds
from rollup_models as m
cross join oldest_load as o
cross join lateral rollup_pending_counts(m.name, make_interval(mins => m.window_minutes)) as p;

-- Per partition, the loader's lag as it last recorded the topic's high watermark (loader_partition_marks,
-- about every 10 s). A partition with no stored offset counts from 0.
create view loader_partition_lag as
select m.topic, m.partition, m.high_watermark, o.next_offset as stored_offset,
       greatest(m.high_watermark - coalesce(o.next_offset, 0), 0) as lag, m.observed_at
from loader_partition_marks as m
left join loader_offsets as o on o.topic = m.topic and o.partition = m.partition;

grant select on rollup_model_standing, loader_partition_lag to dashboard_reader, purchase_rollup;
