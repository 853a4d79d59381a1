-- key: window_start, country, currency
-- window: 1 minute
--
-- Purchase totals by country and currency, per minute (UTC): one row per (window_start, country, currency),
-- since a country's customers may pay in more than one currency and amounts of two currencies never add.
-- Reads purchase_events, where every purchase event counts once however often it was sent.
-- Invariants, checked by the tests: purchase_count is the number of purchases in the window, country and
-- currency; item_count = sum(quantity) and total_amount = sum(amount) over them, exact to the minor unit.
select
    purchase_window_start(created_at, interval '1 minute') as window_start,
    country,
    currency,
    count(*) as purchase_count,
    sum(quantity) as item_count,
    sum(amount) as total_amount
from purchase_events
group by 1, 2, 3
