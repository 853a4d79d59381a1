-- table: purchase_summary_hourly
-- key: window_start, country
-- window: 1 hour
-- from: purchase_summary
--
-- purchase_summary_hourly: purchase totals by country per hour, summed from purchase_summary's rows.
--
-- Exact: counts and sums compose, and each event counts in exactly one of purchase_summary's windows, so an
-- hour's totals are the sums of its 60 minutes'. A pass reads only the touched hours' rows of
-- purchase_summary, never the raw rows, so it costs what the new data touched, not what an hour holds.
-- Parameters: $1 = the window size. Input: rollup_touched (minute timestamptz), the minutes to recompute;
-- purchase_summary has already been brought up to date for them in this pass.
with touched_windows as (
    select distinct purchase_window_start(minute, $1::interval) as window_start
    from rollup_touched
),

totals as (
    select
        w.window_start,
        w.window_start + $1::interval as window_end,
        f.country,
        sum(f.purchase_count) as purchase_count,
        sum(f.item_count) as item_count,
        sum(f.total_amount) as total_amount
    from touched_windows as w
    inner join purchase_summary as f
        on f.window_start >= w.window_start and f.window_start < w.window_start + $1::interval
    group by w.window_start, f.country
),

-- A (window, country) whose finer rows are gone has no total.
emptied as (
    delete from purchase_summary_hourly as s
    where s.window_start in (select window_start from touched_windows)
        and not exists (select 1 from totals as t where t.window_start = s.window_start and t.country = s.country)
)

insert into purchase_summary_hourly as s (
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
