-- purchase_summary: tumbling-window purchase totals by country.
--
-- Grain: one row per (window_start, country). Windows are [window_start, window_start + $1) in UTC,
-- aligned by date_bin to 2000-01-01 00:00 UTC, so with a 1-minute window they start on whole minutes.
-- Parameters: $1 = the window size (an interval, e.g. '1 minute'; a whole number of minutes).
-- Input: rollup_touched (minute timestamptz), the UTC minutes that received rows since the last pass; the
--   rollup executable fills it from the ingest ledger inside this pass's transaction.
-- Invariants, checked by the tests:
--   a purchase counts once, however often it was sent: among the raw rows with one purchase_id, the first
--   copy (earliest created_at, then lowest topic/partition/offset) is the one that counts, in its window;
--   purchase_count = number of counted purchases in the window and country;
--   item_count = sum(quantity) and total_amount = sum(amount) over them, exact to the cent;
--   every touched window is recomputed from all its raw rows, so late events correct old windows and running
--   the pass twice changes nothing. Windows holding another copy of a touched purchase are recomputed too,
--   since which copy counts may have changed.
with touched_minutes as (
    select minute from rollup_touched
    union
    select date_bin('1 minute', other.created_at, timestamptz '2000-01-01 00:00:00+00')
    from rollup_touched as t
    join staging_purchases as p
        on p.created_at >= t.minute
        and p.created_at < t.minute + interval '1 minute'
    join staging_purchases as other
        on other.purchase_id = p.purchase_id
        and other.created_at <> p.created_at
),

touched_windows as (
    select distinct
        date_bin($1::interval, minute, timestamptz '2000-01-01 00:00:00+00') as window_start
    from touched_minutes
),

counted_purchases as (
    select
        w.window_start,
        p.country,
        p.quantity,
        p.amount
    from touched_windows as w
    join staging_purchases as p
        on p.created_at >= w.window_start
        and p.created_at < w.window_start + $1::interval
    where not exists (
        select 1
        from staging_purchases as earlier
        where earlier.purchase_id = p.purchase_id
            and (earlier.created_at, earlier.kafka_topic, earlier.kafka_partition, earlier.kafka_offset)
                < (p.created_at, p.kafka_topic, p.kafka_partition, p.kafka_offset)
    )
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
