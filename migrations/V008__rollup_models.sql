-- V008: several rollup models (sql/*.sql), each with its own table, window and version.
--
-- rollup_models records, per model, the version that produced its rows: a fingerprint of its header and its
-- SQL without comments or insignificant whitespace. A different version on the next pass means the model's
-- meaning changed, and its history is recomputed.
create table rollup_models (
    name text primary key,
    version text not null,
    table_name text not null,
    window_minutes integer not null,
    source text,
    definition text not null,
    version_since timestamptz not null default now(),
    last_run_at timestamptz,
    last_rows_written bigint not null default 0
);

-- The minutes each model still has to recompute. A pass moves the ingest ledger's minutes here, one row per
-- model, and each model consumes its own: a model that fails keeps its minutes for the next pass, while
-- the others go on.
create table rollup_pending (
    model text not null,
    minute timestamptz not null,
    primary key (model, minute)
);

-- The tables of the models shipped with this migration (windows are [start, end) in UTC).
create table purchase_summary_hourly (
    window_start timestamptz not null,
    window_end timestamptz not null,
    country text not null,
    purchase_count bigint not null,
    item_count bigint not null,
    total_amount numeric(18, 2) not null,
    updated_at timestamptz not null default now(),
    primary key (window_start, country)
);

create table purchase_summary_daily (like purchase_summary_hourly including all);

create table purchase_summary_by_category (
    window_start timestamptz not null,
    window_end timestamptz not null,
    category text not null,
    purchase_count bigint not null,
    item_count bigint not null,
    total_amount numeric(18, 2) not null,
    updated_at timestamptz not null default now(),
    primary key (window_start, category)
);

grant select on rollup_models, rollup_pending, purchase_summary_hourly, purchase_summary_daily,
    purchase_summary_by_category to dashboard_reader;
grant select, insert, update, delete on rollup_models, rollup_pending, purchase_summary_hourly,
    purchase_summary_daily, purchase_summary_by_category to purchase_rollup;
