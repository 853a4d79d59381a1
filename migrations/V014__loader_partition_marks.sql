-- V014: what the dashboards need to show, from the database alone, how far the loader is behind the topic.
-- The loader records each owned partition's high watermark, as its consumer last saw it, about every 10 s;
-- the lag as last recorded is high_watermark minus loader_offsets.next_offset, and observed_at says how old
-- that is (a loader that stopped stops renewing it).
create table loader_partition_marks (
    topic text not null,
    partition integer not null,
    high_watermark bigint not null,
    observed_at timestamptz not null default now(),
    primary key (topic, partition)
);

grant select, insert, update on loader_partition_marks to purchase_loader;
grant select on loader_partition_marks, ingest_ledger, loader_offset_gaps to dashboard_reader;
