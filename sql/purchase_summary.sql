-- purchase_summary: tumbling-window purchase totals by country.
--
-- Grain: one row per (window_start, country). Windows are [window_start, window_start + $1) in UTC,
-- aligned by date_bin to 2000-01-01 00:00 UTC, so with a 1-minute window they start on whole minutes.
-- Parameters: $1 = the window size (an interval, e.g. '1 minute'; a whole number of minutes).
-- Input: rollup_touched (minute timestamptz), the UTC minutes that received rows since the last pass; the
--   rollup executable fills it from the ingest ledger inside this pass's transaction.
-- Invariants, checked by the tests:
--   a purchase counts once, however often it was sent: as its first copy (purchase_first_seen, maintained by
--   00_purchase_first_seen.sql, which also adds the windows a displaced copy left to rollup_touched);
--   purchase_count = number of counted purchases in the window and country;
--   item_count = sum(quantity) and total_amount = sum(amount) over them, exact to the cent;
--   every touched window is recomputed from all its raw rows, so late events correct old windows and running
--   the pass twice changes nothing.
with touched_windows as (
    select distinct
        date_bin($1::interval, minute, timestamptz '2000-01-01 00:00:00+00') as window_start
    from rollup_touched
),

-- Materialized on its own so the planner walks the created_at index window by window, whatever comes next.
window_rows as materialized (
    select
        w.window_start,
        p.purchase_id,
        p.kafka_topic,
        p.kafka_partition,
        p.kafka_offset,
        p.country,
        p.quantity,
        p.amount
    from touched_windows as w
    join staging_purchases as p
        on p.created_at >= w.window_start
        and p.created_at < w.window_start + $1::interval
),

counted_purchases as (
    select
        r.window_start,
        r.country,
        r.quantity,
        r.amount
    from window_rows as r
    -- One primary-key probe per row (lateral, so the planner cannot hash the whole table instead).
    cross join lateral (
        select 1
        from purchase_first_seen as f
        where f.purchase_id = r.purchase_id
            and f.kafka_topic = r.kafka_topic
            and f.kafka_partition = r.kafka_partition
            and f.kafka_offset = r.kafka_offset
        limit 1
    ) as first_copy
),

totals as (
    select
        window_start,
        window_start + $1::interval as window_end,
        country,
        count(*) as purchase_count,
        sum(quantity) as item_count,
        sum(amount) as total_amount
    from counted_purchases
    group by window_start, country
),

-- A (window, country) whose purchases all turned out to be copies counted elsewhere has no total any more.
emptied as (
    delete from purchase_summary as s
    using touched_windows as w
    where s.window_start = w.window_start
        and not exists (select 1 from totals as t where t.window_start = s.window_start and t.country = s.country)
)

insert into purchase_summary as s (
    window_start, window_end, country, purchase_count, item_count, total_amount, updated_at
)
select
    window_start,
    window_end,
    country,
    purchase_count,
    item_count,
    total_amount,
    now()
from totals
on conflict (window_start, country) do update set
    window_end = excluded.window_end,
    purchase_count = excluded.purchase_count,
    item_count = excluded.item_count,
    total_amount = excluded.total_amount,
    updated_at = excluded.updated_at
where (s.window_end, s.purchase_count, s.item_count, s.total_amount)
    is distinct from (excluded.window_end, excluded.purchase_count, excluded.item_count, excluded.total_amount)
