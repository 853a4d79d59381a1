-- table: purchase_summary
-- key: window_start, country
-- window: 1 minute
-- additive: purchase_count, item_count, total_amount
--
-- purchase_summary: tumbling-window purchase totals by country.
--
-- Grain: one row per (window_start, country). Windows are [window_start, window_start + $1) in UTC, as
-- purchase_window_start defines them (migration V007: aligned to 2000-01-01 00:00 UTC, so with a 1-minute
-- window they start on whole minutes).
-- Parameters: $1 = the window size (the header's window, as an interval).
-- Input: rollup_touched (minute timestamptz), the UTC minutes to recompute: those that received rows since
--   the model's last pass (every minute with rows on its first run, after a change, or on `rollup run
--   --full`); the rollup executable fills it inside this pass's transaction.
-- Invariants, checked by the tests:
--   each purchase event counts once, as purchase_events_between defines it (V007: an event is its
--   (purchase_id, created_at), the copy with the lowest topic/partition/offset counts); all copies of an
--   event lie in one window, so each window is computed from its own rows only and a pass costs what the
--   touched windows hold, however long the history;
--   purchase_count = number of counted purchases in the window and country;
--   item_count = sum(quantity) and total_amount = sum(amount) over them, exact to the cent;
--   every touched window is recomputed from all its raw rows, so late events correct old windows and running
--   the pass twice changes nothing.
-- Additive: the three totals are counts and sums over the window's events, so a pass may instead run this
--   statement over just the new events of a window (the rollup then shows it only those) and add its totals
--   to the stored row; it does so only where that is exact (no copies among the new events, see
--   Sources/Rollup/NewEvents.swift), and recomputes the window as above everywhere else.
with touched_windows as (
    select distinct purchase_window_start(minute, $1::interval) as window_start
    from rollup_touched
),

counted_purchases as (
    select
        w.window_start,
        e.country,
        e.quantity,
        e.amount
    from touched_windows as w
    cross join lateral purchase_events_between(w.window_start, w.window_start + $1::interval) as e
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
    where s.window_start in (select window_start from touched_windows)
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
