-- V007: the two rules every reader of raw purchases shares, defined once, here, and used by the rollup's
-- models, `rollup report`, the tests, the fault suite and the benchmarks instead of being spelled out in each.
--
-- Windows: a window of size S holding event time t starts at purchase_window_start(t, S). Windows are
-- tumbling, [start, start + S) in UTC, aligned to 2000-01-01 00:00 UTC, so 1-minute windows start on whole
-- minutes and 1-hour windows on whole hours.
--
-- Events: a purchase event is its (purchase_id, created_at). Raw rows sharing both are copies of one event
-- (an upstream retry re-sends it as it was); the copy with the lowest (kafka_topic, kafka_partition,
-- kafka_offset) counts. A row with a known purchase_id but another event time is another event. All copies
-- of an event therefore lie in one window, so purchase_events_between(window start, window end) is exactly
-- the window's events, found through the created_at index: a rollup pass costs what its windows hold.

-- One expression over its arguments, so the planner inlines it: using it costs nothing over date_bin.
create function purchase_window_start(event_time timestamptz, window_size interval) returns timestamptz
language sql immutable parallel safe
as $$
    select date_bin(window_size, event_time, timestamptz '2000-01-01 00:00:00+00')
$$;

-- One select, stable and not strict, so the planner inlines it into the calling query (also laterally, per
-- window), where the range reaches the created_at index and prunes partitions.
create function purchase_events_between(from_time timestamptz, to_time timestamptz)
returns setof staging_purchases
language sql stable parallel safe
as $$
    select distinct on (created_at, purchase_id) *
    from staging_purchases
    where created_at >= from_time and created_at < to_time
    order by created_at, purchase_id, kafka_topic, kafka_partition, kafka_offset
$$;

-- Every purchase event once, for checks and dashboards that read the whole history.
create view purchase_events as
select * from purchase_events_between('-infinity', 'infinity');

grant select on purchase_events to dashboard_reader, purchase_rollup;
