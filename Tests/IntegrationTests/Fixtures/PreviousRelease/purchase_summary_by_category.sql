-- table: purchase_summary_by_category
-- key: window_start, category
-- window: 1 minute
-- additive: purchase_count, item_count, total_amount
--
-- purchase_summary_by_category: tumbling-window purchase totals by product category.
--
-- Grain: one row per (window_start, category); windows as in purchase_summary.sql, from the raw events
-- (each event once, as purchase_events_between defines it).
-- Parameters: $1 = the window size. Input: rollup_touched (minute timestamptz), the minutes to recompute.
-- Invariants, checked by the tests: the totals of a window equal an independent GROUP BY over the
-- deduplicated raw rows, to the cent; late events correct their window; a pass twice changes nothing.
-- Additive: the totals are counts and sums over the window's events (see purchase_summary.sql).
with touched_windows as (
    select distinct purchase_window_start(minute, $1::interval) as window_start
    from rollup_touched
),

counted_purchases as (
    select
        w.window_start,
        e.category,
        e.quantity,
        e.amount
    from touched_windows as w
    cross join lateral purchase_events_between(w.window_start, w.window_start + $1::interval) as e
),

totals as (
    select
        window_start,
        window_start + $1::interval as window_end,
        category,
        count(*) as purchase_count,
        sum(quantity) as item_count,
        sum(amount) as total_amount
    from counted_purchases
    group by window_start, category
),

-- A (window, category) with no purchases any more (after a model change, on `rollup run --full`) has no total.
emptied as (
    delete from purchase_summary_by_category as s
    where s.window_start in (select window_start from touched_windows)
        and not exists (select 1 from totals as t where t.window_start = s.window_start and t.category = s.category)
)

insert into purchase_summary_by_category as s (
    window_start, window_end, category, purchase_count, item_count, total_amount, updated_at
)
select
    window_start,
    window_end,
    category,
    purchase_count,
    item_count,
    total_amount,
    now()
from totals
on conflict (window_start, category) do update set
    window_end = excluded.window_end,
    purchase_count = excluded.purchase_count,
    item_count = excluded.item_count,
    total_amount = excluded.total_amount,
    updated_at = excluded.updated_at
where (s.window_end, s.purchase_count, s.item_count, s.total_amount)
    is distinct from (excluded.window_end, excluded.purchase_count, excluded.item_count, excluded.total_amount)
