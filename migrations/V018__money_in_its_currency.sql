-- V018: money in its own currency's minor unit, and a reporting currency to compare currencies in.
--
-- Amounts were numeric(12,2) and numeric(16,2): hundredths of every currency, which is false for yen and won
-- (no minor unit) and for the dinars and rials with three places (numeric(16,2) would round BHD 1.234 to
-- 1.23). The loader now checks each amount against its currency's ISO 4217 places and sends it with that
-- scale, so the columns need none of their own. numeric(p,s) to numeric is binary coercible: Postgres
-- rewrites no partition and rebuilds no index, it only holds the table's lock while it updates the catalog
-- (14 ms on 8 M rows in 65 partitions; docs/money.md). The two views over the column are
-- dropped and made again around it, as Postgres refuses to change a column a view reads (the engine's one
-- with a correction, below).
drop view rollup_input.purchase_events;
drop view purchase_events;

alter table staging_purchases
    alter column unit_price type numeric,
    alter column amount type numeric;

create view purchase_events as
select * from purchase_events_between('-infinity', 'infinity');

-- What a model's select reads when the engine recomputes windows. Rows of a load batch whose ledger rows no
-- pass has claimed yet are left out: a rebuild or a backfill runs in transactions of its own, after the pass
-- that claimed what it knows, and a batch committed meanwhile is added by the pass that claims it. Read here
-- too, it was counted twice (the fault suite's rollup-kill found it). In a pass's own snapshot the claim has
-- taken every ledger row, so this leaves nothing out.
create view rollup_input.purchase_events as
select e.*
from rollup_windows() as w
cross join lateral purchase_events_between(w.window_start, w.window_end) as e
where not exists (select 1 from ingest_ledger as l where l.load_batch_id = e.load_batch_id);

grant select on purchase_events to dashboard_reader, purchase_rollup;
grant select on rollup_input.purchase_events to purchase_rollup;

-- ISO 4217 minor units, for SQL that needs them (the reporting currency's rounding, checks). The loader
-- keeps the same list in code (ReferenceData), where it checks every message; a test holds the two equal.
create table currencies (
    code text primary key check (code ~ '^[A-Z]{3}$'),
    minor_unit integer not null check (minor_unit between 0 and 3)
);

insert into currencies (code, minor_unit)
select code,
       case when code = any ('{BIF,CLP,DJF,GNF,ISK,JPY,KMF,KRW,PYG,RWF,UGX,VND,VUV,XAF,XOF,XPF}') then 0
            when code = any ('{BHD,IQD,JOD,KWD,LYD,OMR,TND}') then 3
            else 2 end
from unnest(string_to_array(
    'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF '
    'CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD '
    'HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD '
    'MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN '
    'PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP '
    'TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL', ' ')) as code;

-- The currency converted totals are shown in: one row. Change it with an update (rates quoted in the new
-- currency must be loaded; `rollup rates load` does both).
create table reporting_currency (
    code text primary key references currencies,
    one_row boolean not null default true unique check (one_row)
);
insert into reporting_currency (code) values ('USD');

-- Dated reference rates: on and after valid_from (a UTC day), until the currency's next row, one unit of
-- quote_currency buys units_per_quote units of currency (about 150 yen per US dollar). Rates may be
-- corrected or loaded late: converted totals read this table when they are read, so a change shows in
-- every window of the days it covers, and in no other.
create table exchange_rates (
    quote_currency text not null references currencies,
    currency text not null references currencies,
    valid_from date not null,
    units_per_quote numeric not null check (units_per_quote > 0),
    source text not null default '',
    loaded_at timestamptz not null default now(),
    primary key (quote_currency, currency, valid_from),
    check (quote_currency <> currency)
);

-- The rates into the reporting currency as spans of time, [valid_from, valid_until) in UTC, the reporting
-- currency itself at 1 for all time. A minute converts with the span holding it: the latest rate on or
-- before its UTC day. A currency without a rate that early has no span, and its amounts do not convert.
create view reporting_rates as
with reporting as (
    select r.code, c.minor_unit from reporting_currency as r join currencies as c using (code)
)
select e.currency,
       e.valid_from::timestamp at time zone 'UTC' as valid_from,
       coalesce(lead(e.valid_from) over (partition by e.currency order by e.valid_from)::timestamp
                    at time zone 'UTC', 'infinity') as valid_until,
       e.units_per_quote,
       reporting.code as reporting_currency,
       reporting.minor_unit as reporting_minor_unit
from exchange_rates as e
join reporting on e.quote_currency = reporting.code
union all
select code, '-infinity', 'infinity', 1, code, minor_unit from reporting;

-- The one conversion rule: an amount in the reporting currency, rounded to its minor unit. Applied to each
-- per-minute total (a minute, a country or category, a currency); every coarser converted total is a sum of
-- these, so an hour, a local day and a month convert the same way.
create function reporting_amount(amount numeric, units_per_quote numeric, reporting_minor_unit integer)
returns numeric
language sql immutable parallel safe
as $$ select round(amount / units_per_quote, reporting_minor_unit) $$;

grant select on currencies, reporting_currency, exchange_rates, reporting_rates to dashboard_reader, purchase_rollup;
grant insert, update, delete on exchange_rates to purchase_rollup;
grant update on reporting_currency to purchase_rollup;

-- The reports (V017) again, by currency and in the reporting currency; none adds amounts of two currencies.
-- They read the models' `currency` column, which the shipped tables get at the first pass after this
-- migration (a changed key rebuilds them), so their bodies are checked when they are called, not here.
set local check_function_bodies = off;
drop function report_latest_final_windows(int, int);
drop function report_country_totals(int);
drop function report_summary_check();
drop function report_latest_final_window();
drop function report_amount_over_time(int);
drop function report_amount_by_category();
drop function report_hourly_totals();

-- The per-minute models' rows of [from_time, to_time) with their amount in the reporting currency (NULL where
-- the minute's day has no rate for the currency): what every converted total in the dashboards and the
-- reports sums. Plain SQL functions, inlined into the calling query, so a time range reaches the index.
create function converted_purchase_minutes(from_time timestamptz, to_time timestamptz)
returns table (window_start timestamptz, window_end timestamptz, country text, currency text,
               purchase_count bigint, item_count bigint, total_amount numeric, converted_amount numeric,
               reporting_currency text, is_final boolean)
language sql stable as $$
    select s.window_start, s.window_end, s.country, s.currency, s.purchase_count::bigint, s.item_count::bigint,
           s.total_amount, reporting_amount(s.total_amount, r.units_per_quote, r.reporting_minor_unit),
           (select code from reporting_currency), s.is_final
    from purchase_summary as s
    left join reporting_rates as r
      on r.currency = s.currency and s.window_start >= r.valid_from and s.window_start < r.valid_until
    where s.window_start >= from_time and s.window_start < to_time
$$;

create function converted_category_minutes(from_time timestamptz, to_time timestamptz)
returns table (window_start timestamptz, window_end timestamptz, category text, currency text,
               purchase_count bigint, item_count bigint, total_amount numeric, converted_amount numeric,
               reporting_currency text, is_final boolean)
language sql stable as $$
    select s.window_start, s.window_end, s.category, s.currency, s.purchase_count::bigint, s.item_count::bigint,
           s.total_amount, reporting_amount(s.total_amount, r.units_per_quote, r.reporting_minor_unit),
           (select code from reporting_currency), s.is_final
    from purchase_summary_by_category as s
    left join reporting_rates as r
      on r.currency = s.currency and s.window_start >= r.valid_from and s.window_start < r.valid_until
    where s.window_start >= from_time and s.window_start < to_time
$$;

create function report_reporting_currency() returns text
language sql stable as $$ select code from reporting_currency $$;

-- The newest `windows` final windows of purchase_summary: per country and currency, the `rows_per_window`
-- largest in the reporting currency.
create function report_latest_final_windows(windows int, rows_per_window int)
returns table (window_start text, window_end text, country text, currency text, purchase_count text,
               item_count text, total_amount text, converted_amount text)
language sql stable as $$
    with latest as (
        select distinct window_start from purchase_summary where is_final order by window_start desc limit windows
    ),
    ranked as (
        select m.*,
               row_number() over (partition by m.window_start
                                  order by m.converted_amount desc nulls last, m.country, m.currency) as rank
        from converted_purchase_minutes('-infinity', 'infinity') as m
        join latest using (window_start)
    )
    select to_char(window_start at time zone 'UTC', 'YYYY-MM-DD HH24:MI'),
           to_char(window_end at time zone 'UTC', 'HH24:MI'),
           country, currency, purchase_count::text, item_count::text, total_amount::text, converted_amount::text
    from ranked
    where rank <= rows_per_window
    order by ranked.window_start desc, rank
$$;

-- Totals over the whole range per country in the reporting currency (NULL when any of its minutes does not
-- convert), with the amount in each of the country's currencies; the countries past `countries` as "other".
create function report_country_totals(countries int)
returns table (country text, currency text, purchases text, items text, amount text, converted_amount text)
language sql stable as $$
    with per_currency as (
        select country, currency, sum(purchase_count) as purchases, sum(item_count) as items,
               sum(total_amount) as amount,
               case when count(*) = count(converted_amount) then sum(converted_amount) end as converted
        from converted_purchase_minutes('-infinity', 'infinity')
        group by country, currency
    ),
    per_country as (
        select country,
               case when count(*) = count(converted) then sum(converted) end as converted
        from per_currency group by country
    ),
    shown as (
        select country, row_number() over (order by converted desc nulls last, country) <= countries as shown
        from per_country
    )
    select * from (
        select p.country, p.currency, p.purchases::text, p.items::text, p.amount::text,
               p.converted::text as converted
        from per_currency as p join shown using (country) where shown
        union all
        select 'other', null, sum(p.purchases)::text, sum(p.items)::text, null,
               case when count(*) = count(p.converted) then sum(p.converted) end::text
        from per_currency as p join shown using (country) where not shown
        having count(*) > 0
    ) as t
    order by country = 'other', (select converted from per_country where per_country.country = t.country)
             desc nulls last, country, t.converted::numeric desc nulls last
$$;

-- The totals check, per currency: purchase_summary against an independent count over purchase_events.
create function report_summary_check()
returns table (currency text, summary_purchases text, summary_items text, summary_amount text,
               recomputed_purchases text, recomputed_items text, recomputed_amount text)
language sql stable as $$
    with summary as (
        select currency, sum(purchase_count) as purchases, sum(item_count) as items, sum(total_amount) as amount
        from purchase_summary group by currency
    ),
    recomputed as (
        select currency, count(*) as purchases, sum(quantity) as items, sum(amount) as amount
        from purchase_events group by currency
    )
    select currency, s.purchases::text, s.items::text, s.amount::text, r.purchases::text, r.items::text,
           r.amount::text
    from summary as s full join recomputed as r using (currency)
    order by currency
$$;

-- The raw, dead-letter, ledger and late-event counts the check prints beside it.
create function report_pipeline_counts(
    out raw_rows text, out dead_letters text, out ledger_minutes text, out late_events text, out late_windows text
)
language sql stable as $$
    select (select count(*) from staging_purchases)::text, (select count(*) from dead_letters)::text,
           (select count(*) from ingest_ledger)::text,
           (select coalesce(sum(late_events), 0) from rollup_late_events where model = 'purchase_summary')::text,
           (select count(*) from rollup_late_events where model = 'purchase_summary')::text
$$;

-- The HTML report's charts, all in the reporting currency: the latest final window by country, the amount
-- per country over the range (the `top` countries and "other", in about 120 bins), by category, and the
-- latest 48 hours. A bar or bin with an amount that does not convert is left out and counted in `missing`.
create function report_latest_final_window()
returns table (country text, amount text, window_start text, window_end text)
language sql stable as $$
    select m.country, sum(m.converted_amount)::float8::text,
           to_char(m.window_start at time zone 'UTC', 'YYYY-MM-DD HH24:MI'),
           to_char(min(m.window_end) at time zone 'UTC', 'HH24:MI')
    from converted_purchase_minutes('-infinity', 'infinity') as m
    where m.window_start = (select max(window_start) from purchase_summary where is_final)
    group by m.window_start, m.country
    having count(*) = count(m.converted_amount) and sum(m.converted_amount) > 0
    order by sum(m.converted_amount) desc, m.country
$$;

create function report_amount_over_time(top int)
returns table (bin text, series text, amount text, bin_minutes text, covered text)
language sql stable as $$
    with minutes as (select * from converted_purchase_minutes('-infinity', 'infinity')),
    bounds as (select min(window_start) as first, max(window_start) as last from minutes),
    size as (
        select greatest(1, ceil(extract(epoch from last - first) / 60 / 120))::int as minutes from bounds
    ),
    top_countries as (
        select country from minutes group by country
        order by sum(converted_amount) desc nulls last, country limit top
    ),
    binned as (
        select date_bin(make_interval(mins => (select minutes from size)), window_start,
                        (select first from bounds)) as bin,
               case when country in (select country from top_countries) then country else 'other' end as series,
               converted_amount
        from minutes
    )
    select to_char(bin at time zone 'UTC', 'HH24:MI'), series, sum(converted_amount)::float8::text,
           (select minutes from size)::text,
           (select to_char(first at time zone 'UTC', 'YYYY-MM-DD HH24:MI') || ' to '
                   || to_char(last at time zone 'UTC', 'YYYY-MM-DD HH24:MI') from bounds)
    from binned
    group by binned.bin, series
    having count(*) = count(converted_amount)
    order by binned.bin, series
$$;

create function report_amount_by_category()
returns table (category text, amount text)
language sql stable as $$
    select category, sum(converted_amount)::float8::text
    from converted_category_minutes('-infinity', 'infinity')
    group by category
    having count(*) = count(converted_amount) and sum(converted_amount) > 0
    order by sum(converted_amount) desc, category
    limit 15
$$;

create function report_hourly_totals()
returns table (hour text, amount text)
language sql stable as $$
    select hour, amount from (
        select to_char(purchase_window_start(window_start, '1 hour', 'UTC') at time zone 'UTC', 'MM-DD HH24h') as hour,
               sum(converted_amount)::float8::text as amount,
               purchase_window_start(window_start, '1 hour', 'UTC') as hour_start
        from converted_purchase_minutes('-infinity', 'infinity')
        group by 1, 3
        having count(*) = count(converted_amount)
        order by 3 desc limit 48
    ) as latest order by hour_start
$$;
