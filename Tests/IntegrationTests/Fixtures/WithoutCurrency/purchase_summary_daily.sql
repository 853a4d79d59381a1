-- key: window_start, country
-- window: 1 day
-- from: purchase_summary_hourly
--
-- Purchase totals by country, per day (UTC), summed from purchase_summary_hourly's hours.
select
    purchase_window_start(window_start, interval '1 day') as window_start,
    country,
    sum(purchase_count)::bigint as purchase_count,
    sum(item_count)::bigint as item_count,
    sum(total_amount) as total_amount
from purchase_summary_hourly
group by 1, 2
