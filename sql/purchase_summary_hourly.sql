-- key: window_start, country, currency
-- window: 1 hour
-- from: purchase_summary
--
-- Purchase totals by country and currency, per hour (UTC), summed from purchase_summary's minutes: counts and sums
-- compose, and each event counts in exactly one minute, so an hour's totals are its 60 minutes' sums.
select
    purchase_window_start(window_start, interval '1 hour') as window_start,
    country,
    currency,
    sum(purchase_count)::bigint as purchase_count,
    sum(item_count)::bigint as item_count,
    sum(total_amount) as total_amount
from purchase_summary
group by 1, 2, 3
