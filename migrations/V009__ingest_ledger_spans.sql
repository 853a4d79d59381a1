-- V009: each ledger row says which part of its minute the batch's events lie in.
--
-- A rollup pass adds a load batch's new events to the totals of an additive model (`-- additive:` in its
-- header) instead of recomputing each touched window from all its raw rows, which at 50,000 events/s meant
-- rescanning up to 3 M rows of the current minute on every pass. To find a batch's rows it reads only
-- [first_created_at, last_created_at] of the minute through the created_at index; copies of an event share
-- its created_at, so they lie in that span too.
-- NULL (rows from a loader older than this migration) means "somewhere in the minute": the rollup then
-- recomputes the minute's windows from all their rows, as before.
alter table ingest_ledger
    add column first_created_at timestamptz,
    add column last_created_at timestamptz;
