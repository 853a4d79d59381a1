-- purchase_first_seen: the copy of each purchase that counts (runs before the summary models).
--
-- Grain: one row per purchase_id.
-- Parameters: none.
-- Input: rollup_touched (minute), the UTC minutes with new rows. This model adds to it the minutes of copies
--   that a new row displaced as the first copy, since their windows now count one purchase less.
-- Invariant: for every purchase_id in staging_purchases whose minute was rolled up, the row here is its
--   first copy: earliest created_at, then lowest (kafka_topic, kafka_partition, kafka_offset).
-- The lateral look-ups keep the cost proportional to the new rows: a plain join let the planner hash the
-- whole table.
with new_rows as (
    select p.purchase_id, p.created_at, p.kafka_topic, p.kafka_partition, p.kafka_offset
    from rollup_touched as t
    join staging_purchases as p
        on p.created_at >= t.minute
        and p.created_at < t.minute + interval '1 minute'
),

candidates as (
    select distinct on (purchase_id) *
    from new_rows
    order by purchase_id, created_at, kafka_topic, kafka_partition, kafka_offset
),

displaced as (
    select current_copy.created_at
    from candidates as c
    cross join lateral (
        select f.created_at, f.kafka_topic, f.kafka_partition, f.kafka_offset
        from purchase_first_seen as f
        where f.purchase_id = c.purchase_id
        limit 1
    ) as current_copy
    where (c.created_at, c.kafka_topic, c.kafka_partition, c.kafka_offset)
        < (current_copy.created_at, current_copy.kafka_topic, current_copy.kafka_partition, current_copy.kafka_offset)
),

upserted as (
    insert into purchase_first_seen as f (purchase_id, created_at, kafka_topic, kafka_partition, kafka_offset)
    select purchase_id, created_at, kafka_topic, kafka_partition, kafka_offset
    from candidates
    on conflict (purchase_id) do update set
        created_at = excluded.created_at,
        kafka_topic = excluded.kafka_topic,
        kafka_partition = excluded.kafka_partition,
        kafka_offset = excluded.kafka_offset
    where (excluded.created_at, excluded.kafka_topic, excluded.kafka_partition, excluded.kafka_offset)
        < (f.created_at, f.kafka_topic, f.kafka_partition, f.kafka_offset)
)

insert into rollup_touched
select distinct date_bin('1 minute', created_at, timestamptz '2000-01-01 00:00:00+00')
from displaced
on conflict do nothing
