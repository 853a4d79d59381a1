-- purchase_summary: tumbling-window purchase totals by country.
--
-- Grain: one row per (window_start, country). Windows are [window_start, window_start + $1) in UTC,
-- aligned by date_bin to 2000-01-01 00:00 UTC, so with a 1-minute window they start on whole minutes.
-- Parameters: $1 = the window size (an interval, e.g. '1 minute'; a whole number of minutes).
-- Input: rollup_touched (minute timestamptz), the UTC minutes that received rows since the last pass (every
--   minute with rows, on `rollup run --full`); the rollup executable fills it inside this pass's transaction.
-- Invariants, checked by the tests:
--   a purchase event is its (purchase_id, created_at): raw rows sharing both are copies of one event (an
--   upstream retry) and count once, as the copy with the lowest (kafka_topic, kafka_partition, kafka_offset);
--   all copies of an event therefore lie in one window, so each window is computed from its own rows only and
--   a pass costs what the touched windows hold, however long the history;
--   purchase_count = number of counted purchases in the window and country;
--   item_count = sum(quantity) and total_amount = sum(amount) over them, exact to the cent;
--   every touched window is recomputed from all its raw rows, so late events correct old windows and running
--   the pass twice changes nothing.
with window_rows as (
    select
        w.window_start,
        p.purchase_id,
        p.created_at,
        p.kafka_topic,
        p.kafka_partition,
        p.kafka_offset,
        p.country,
        p.quantity,
        p.amount
    -- In window order, so the planner walks the created_at index one window after another (a subquery, not a
    -- CTE: Postgres 15 forgets a CTE's order).
    from (
        select distinct date_bin($1::interval, minute, timestamptz '2000-01-01 00:00:00+00') as window_start
        from rollup_touched
        order by window_start
    ) as w
    join staging_purchases as p
        on p.created_at >= w.window_start
        and p.created_at < w.window_start + $1::interval
),

counted_purchases as (
    -- window_start adds nothing to the key (it follows from created_at), but the rows arrive in window order,
    -- and a sort that starts with it has less to do (measured: 0.75 s against 0.99 s over 1 M rows).
    select distinct on (window_start, created_at, purchase_id)
        window_start,
        country,
        quantity,
        amount
    from window_rows
    order by window_start, created_at, purchase_id, kafka_topic, kafka_partition, kafka_offset
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

-- A (window, country) with no purchases any more (after a model change, on `rollup run --full`) has no total.
emptied as (
    delete from purchase_summary as s
    where s.window_start in (select date_bin($1::interval, minute, timestamptz '2000-01-01 00:00:00+00') from rollup_touched)
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
