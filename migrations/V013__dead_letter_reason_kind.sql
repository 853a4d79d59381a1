-- V013: a dead letter's reason quotes the offending value ("amount 38.98 is not ..."), so counting by reason
-- counts one group per message. `reason_kind` is one of a fixed few (ValidationFailure.Kind: not_json,
-- missing_field, money, created_at, ...), the same values the loader's `loader_dead_letters_total` metric
-- uses as its `reason` label, for dashboards and alerts. Rows loaded before V013 keep a null kind.
alter table dead_letters add column reason_kind text;
