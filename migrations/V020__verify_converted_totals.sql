-- V020: `rollup verify` covers the converted totals.
--
-- The converted totals are computed on read (converted_purchase_minutes, V018), so they can only be wrong
-- when the per-currency table they read is; the check below still recomputes them from the raw events, each
-- per-minute total converted by reporting_amount(), and compares the per-minute sums per country, so that a
-- verify run says in the reporting currency what it says in each currency. It also lists the minutes that do
-- not convert (no rate on or before their day): not a difference, but what an operator must load.

-- The (minute, country) whose converted total differs from a recompute over [from_time, to_time).
create function converted_totals_differences(from_time timestamptz, to_time timestamptz)
returns table (window_start text, country text, recomputed text, stored text)
language sql stable as $$
    with raw as (
        select purchase_window_start(created_at, '1 minute') as w, country, currency, sum(amount) as amount
        from purchase_events_between(from_time, to_time)
        group by 1, 2, 3
    ),
    recomputed as (
        select raw.w, raw.country,
               case when count(*) = count(r.currency)
                    then sum(reporting_amount(raw.amount, r.units_per_quote, r.reporting_minor_unit)) end as total
        from raw
        left join reporting_rates as r on r.currency = raw.currency and raw.w >= r.valid_from and raw.w < r.valid_until
        group by 1, 2
    ),
    stored as (
        select m.window_start as w, m.country,
               case when count(*) = count(m.converted_amount) then sum(m.converted_amount) end as total
        from converted_purchase_minutes(from_time, to_time) as m
        group by 1, 2
    )
    select to_char(w at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"'), country, recomputed.total::text, stored.total::text
    from recomputed full join stored using (w, country)
    where recomputed.total is distinct from stored.total
       or (recomputed.w is null) <> (stored.w is null)
    order by 1, 2
$$;

-- Per currency, the minutes of purchase_summary in [from_time, to_time) that have no rate to convert with.
create function converted_totals_without_rate(from_time timestamptz, to_time timestamptz)
returns table (currency text, minutes bigint, first_minute text, last_minute text)
language sql stable as $$
    select currency, count(*), to_char(min(window_start) at time zone 'UTC', 'YYYY-MM-DD HH24:MI'),
           to_char(max(window_start) at time zone 'UTC', 'YYYY-MM-DD HH24:MI')
    from converted_purchase_minutes(from_time, to_time)
    where converted_amount is null
    group by currency
    order by currency
$$;
