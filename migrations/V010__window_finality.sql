-- V010: windows become final at a watermark; late events still correct them, and are counted.
--
-- Per model, the watermark is the latest event time loaded minus the allowed lateness, or the wall clock
-- minus the allowed lateness once no batch has been loaded for longer than that (so a quiet shop's last window
-- still closes); it never moves back. A window whose end is at or before it is final. The rollup owns the
-- columns below: models never write them, and a model's rebuild leaves them as they were.
--   is_final               the window's end is at or before the model's watermark
--   corrected_after_final  an event of the window arrived after the window had become final, and corrected it
alter table purchase_summary
    add column is_final boolean not null default false,
    add column corrected_after_final boolean not null default false;
alter table purchase_summary_by_category
    add column is_final boolean not null default false,
    add column corrected_after_final boolean not null default false;
alter table purchase_summary_hourly
    add column is_final boolean not null default false,
    add column corrected_after_final boolean not null default false;
alter table purchase_summary_daily
    add column is_final boolean not null default false,
    add column corrected_after_final boolean not null default false;

-- A pass marks the windows that became final; these keep that from reading the final history every time.
create index purchase_summary_open on purchase_summary (window_start) where not is_final;
create index purchase_summary_by_category_open on purchase_summary_by_category (window_start) where not is_final;
create index purchase_summary_hourly_open on purchase_summary_hourly (window_start) where not is_final;
create index purchase_summary_daily_open on purchase_summary_daily (window_start) where not is_final;

-- The model's watermark as of its last pass.
alter table rollup_models add column watermark timestamptz;

-- Late events per model and window: events that arrived after their window had become final (each event
-- once, copies aside), and how late, as `loaded_at - created_at`, in buckets: a lateness histogram.
create table rollup_late_events (
    model text not null,
    window_start timestamptz not null,
    late_events bigint not null,
    within_1m bigint not null default 0,
    within_5m bigint not null default 0,
    within_15m bigint not null default 0,
    within_1h bigint not null default 0,
    within_1d bigint not null default 0,
    over_1d bigint not null default 0,
    max_lateness interval not null,
    last_arrived_at timestamptz not null,
    primary key (model, window_start)
);

grant select on rollup_late_events to dashboard_reader;
grant select, insert, update, delete on rollup_late_events to purchase_rollup;
