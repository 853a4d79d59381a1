-- V017: what `rollup report` and `rollup report --html` show, defined here, where the model tables are, so
-- that the reports' Swift names no model table. Functions rather than views: a view on a model's table would
-- stop the engine from changing that table's columns in place when the model changes (Postgres refuses to
-- alter a column a view uses). Every value comes out as text, whatever the model's column types.

-- The newest `windows` final windows of purchase_summary, the `countries` largest countries of each.
create function report_latest_final_windows(windows int, countries int)
returns table (window_start text, window_end text, country text, purchase_count text, item_count text,
               total_amount text)
language sql stable as $$
    with latest as (
        select distinct window_start from purchase_summary where is_final order by window_start desc limit windows
    ),
    ranked as (
        select s.*, row_number() over (partition by s.window_start order by s.total_amount desc) as rank
        from purchase_summary as s
        join latest using (window_start)
    )
    select to_char(window_start at time zone 'UTC', 'YYYY-MM-DD HH24:MI'),
           to_char(window_end at time zone 'UTC', 'HH24:MI'),
           country, purchase_count::text, item_count::text, total_amount::text
    from ranked
    where rank <= countries
    order by ranked.window_start desc, ranked.total_amount desc, country
$$;

-- The range purchase_summary covers, and its totals by country over it, the countries past `countries`
-- summed as "other".
create function report_summary_range(out first_window text, out last_window_end text)
language sql stable as $$
    select to_char(min(window_start) at time zone 'UTC', 'YYYY-MM-DD HH24:MI'),
           to_char(max(window_end) at time zone 'UTC', 'YYYY-MM-DD HH24:MI')
    from purchase_summary
$$;

create function report_country_totals(countries int)
returns table (country text, purchases text, items text, amount text)
language sql stable as $$
    with per_country as (
        select country, sum(purchase_count) as purchases, sum(item_count) as items, sum(total_amount) as amount
        from purchase_summary
        group by country
    ),
    ranked as (
        select *, row_number() over (order by amount desc, country) <= countries as shown from per_country
    )
    select case when shown then country else 'other' end, sum(purchases)::text, sum(items)::text,
           sum(amount)::text
    from ranked
    group by 1, shown
    order by shown desc, sum(amount) desc
$$;

-- The totals check: purchase_summary against an independent count over purchase_events, with the raw,
-- dead-letter, ledger and late-event counts beside it.
create function report_summary_check(
    out summary_purchases text, out summary_items text, out summary_amount text,
    out recomputed_purchases text, out recomputed_items text, out recomputed_amount text,
    out raw_rows text, out dead_letters text, out ledger_minutes text, out late_events text,
    out late_windows text
)
language sql stable as $$
    with summary as (
        select coalesce(sum(purchase_count), 0) as purchases, coalesce(sum(item_count), 0) as items,
               coalesce(sum(total_amount), 0) as amount
        from purchase_summary
    ),
    recomputed as (
        select count(*) as purchases, coalesce(sum(quantity), 0) as items, coalesce(sum(amount), 0) as amount
        from purchase_events
    )
    select s.purchases::text, s.items::text, s.amount::text, r.purchases::text, r.items::text, r.amount::text,
           (select count(*) from staging_purchases)::text, (select count(*) from dead_letters)::text,
           (select count(*) from ingest_ledger)::text,
           (select coalesce(sum(late_events), 0) from rollup_late_events where model = 'purchase_summary')::text,
           (select count(*) from rollup_late_events where model = 'purchase_summary')::text
    from summary as s, recomputed as r
$$;

-- The HTML report's charts: the latest final window by country, amount per country over the range (the `top`
-- countries and "other", in about 120 bins), amount by category, and the latest 48 hourly totals.
create function report_latest_final_window()
returns table (country text, amount text, window_start text, window_end text)
language sql stable as $$
    select s.country, s.total_amount::float8::text,
           to_char(s.window_start at time zone 'UTC', 'YYYY-MM-DD HH24:MI'),
           to_char(s.window_end at time zone 'UTC', 'HH24:MI')
    from purchase_summary as s
    where s.window_start = (select max(window_start) from purchase_summary where is_final)
      and s.total_amount > 0
    order by s.total_amount desc, s.country
$$;

create function report_amount_over_time(top int)
returns table (bin text, series text, amount text, bin_minutes text, covered text)
language sql stable as $$
    with bounds as (select min(window_start) as first, max(window_start) as last from purchase_summary),
    size as (
        select greatest(1, ceil(extract(epoch from last - first) / 60 / 120))::int as minutes from bounds
    ),
    top_countries as (
        select country from purchase_summary group by country
        order by sum(total_amount) desc, country limit top
    ),
    binned as (
        select date_bin(make_interval(mins => (select minutes from size)), window_start,
                        (select first from bounds)) as bin,
               case when country in (select country from top_countries) then country else 'other' end as series,
               total_amount
        from purchase_summary
    )
    select to_char(bin at time zone 'UTC', 'HH24:MI'), series, sum(total_amount)::float8::text,
           (select minutes from size)::text,
           (select to_char(first at time zone 'UTC', 'YYYY-MM-DD HH24:MI') || ' to '
                   || to_char(last at time zone 'UTC', 'YYYY-MM-DD HH24:MI') from bounds)
    from binned
    group by binned.bin, series
    order by binned.bin, series
$$;

create function report_amount_by_category()
returns table (category text, amount text)
language sql stable as $$
    select category, sum(total_amount)::float8::text from purchase_summary_by_category
    group by category having sum(total_amount) > 0 order by sum(total_amount) desc, category limit 15
$$;

create function report_hourly_totals()
returns table (hour text, amount text)
language sql stable as $$
    select hour, amount from (
        select to_char(window_start at time zone 'UTC', 'MM-DD HH24h') as hour,
               sum(total_amount)::float8::text as amount, window_start
        from purchase_summary_hourly group by window_start order by window_start desc limit 48
    ) as latest order by window_start
$$;
