-- V019: dead letters can be replayed under today's rules (`loader replay-dead-letters`).
--
-- A rule change (money in each currency's minor unit, V018) makes some old dead letters valid purchases. A
-- replay loads those into staging_purchases and the ingest ledger and marks each dead letter replayed, in
-- one transaction per chunk: a dead letter is loaded once however often the replay runs or is killed. The
-- ones that still fail stay, with the reason today's rules give.
alter table dead_letters
    add column replayed_at timestamptz,
    add column replay_batch_id bigint;

-- The dead letters still waiting, found without reading the replayed ones.
create index dead_letters_not_replayed on dead_letters (id) where replayed_at is null;

-- Where a load batch came from: `kafka` (the loader's batches) or `replay` (a dead-letter replay). The rollup
-- counts late events only among Kafka's: a replayed event arrives late by construction, and counting it would
-- read as a late producer.
alter table load_batches
    add column origin text not null default 'kafka' check (origin in ('kafka', 'replay'));

-- The loader reads the dead letters' bytes and updates only what a replay changes; it may not delete them.
grant select (id, kafka_topic, kafka_partition, kafka_offset, message_key, message_value, reason, reason_kind,
              received_at, replayed_at)
    on dead_letters to purchase_loader;
grant update (reason, reason_kind, replayed_at, replay_batch_id) on dead_letters to purchase_loader;
-- Events older than raw retention's kept_from are refused: a pass would overwrite a kept window with them alone.
grant select on staging_retention to purchase_loader;

-- The report's counts: dead letters still waiting, and those replayed, apart.
drop function report_pipeline_counts();
create function report_pipeline_counts(
    out raw_rows text, out dead_letters text, out ledger_minutes text, out late_events text, out late_windows text,
    out replayed_dead_letters text
)
language sql stable as $$
    select (select count(*) from staging_purchases)::text,
           (select count(*) from dead_letters where replayed_at is null)::text,
           (select count(*) from ingest_ledger)::text,
           (select coalesce(sum(late_events), 0) from rollup_late_events where model = 'purchase_summary')::text,
           (select count(*) from rollup_late_events where model = 'purchase_summary')::text,
           (select count(*) from dead_letters where replayed_at is not null)::text
$$;
