-- key: window_start, category, currency
-- window: 1 minute
--
-- Purchase totals by product category and currency, per minute (UTC): one row per (window_start, category,
-- currency). Invariants, checked by the tests: the totals equal a group by over purchase_events, to the
-- minor unit.
select
    purchase_window_start(created_at, interval '1 minute') as window_start,
    category,
    currency,
    count(*) as purchase_count,
    sum(quantity) as item_count,
    sum(amount) as total_amount
from purchase_events
group by 1, 2, 3
