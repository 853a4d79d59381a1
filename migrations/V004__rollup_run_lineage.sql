-- V004: which load batches each rollup pass claimed from the ingest ledger.
--
-- With it, the delay from an event's production (created_at) to its window being updated is exact:
-- the finished_at of the pass that claimed the event's load batch. The freshness benchmark reads it.
alter table rollup_runs add column load_batches bigint[] not null default '{}';
