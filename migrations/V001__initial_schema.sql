-- V001: the pipeline's tables.
--
-- Never edit this file once applied anywhere: the migrator refuses to start when an applied file's
-- checksum changes. A change is a new file, V002__what_it_does.sql.

-- Raw purchases, exactly as loaded, one row per valid Kafka message.
-- Partitioned by event time (daily, UTC) so old days can be detached or dropped cheaply; the default
-- partition catches any event time no daily partition covers, so no event time can ever fail a load.
-- Lineage: (kafka_topic, kafka_partition, kafka_offset) names the message, load_batch_id the transaction.
create table staging_purchases (
    purchase_id uuid not null,
    user_id text not null,
    product_id text not null,
    category text not null,
    country text not null,
    quantity integer not null,
    unit_price numeric(12, 2) not null,
    amount numeric(16, 2) not null,
    currency text not null,
    payment_method text not null,
    created_at timestamptz not null,
    kafka_topic text not null,
    kafka_partition integer not null,
    kafka_offset bigint not null,
    load_batch_id bigint not null,
    loaded_at timestamptz not null default now()
) partition by range (created_at);

-- The rollup recomputes windows by event time: without this index each pass would scan everything.
create index staging_purchases_created_at on staging_purchases (created_at);

-- A purchase counts once however often it was sent: the rollup looks up other copies by id.
create index staging_purchases_purchase_id on staging_purchases (purchase_id);

create table staging_purchases_default partition of staging_purchases default;

-- Creates the daily partitions for [from_day, to_day], UTC, skipping days that exist already and days whose
-- rows already sit in the default partition (Postgres refuses to create a partition over them; they stay
-- there, still correct, just not pruned). Serialized by an advisory lock so two loaders can call it at once.
create function ensure_staging_partitions(from_day date, to_day date) returns integer
language plpgsql as $$
declare
    day date;
    partition_name text;
    created integer := 0;
begin
    perform pg_advisory_xact_lock(hashtext('purchase-stream.staging-partitions'));
    for day in select generate_series(from_day, to_day, interval '1 day')::date loop
        partition_name := 'staging_purchases_' || to_char(day, 'YYYYMMDD');
        continue when to_regclass(partition_name) is not null;
        continue when exists (
            select 1 from staging_purchases_default
            where created_at >= (day::timestamp at time zone 'UTC')
              and created_at < ((day + 1)::timestamp at time zone 'UTC'));
        execute format(
            'create table %I partition of staging_purchases for values from (%L) to (%L)',
            partition_name,
            day::timestamp at time zone 'UTC',
            (day + 1)::timestamp at time zone 'UTC');
        created := created + 1;
    end loop;
    return created;
end;
$$;

select ensure_staging_partitions(current_date - 7, current_date + 30);

-- One row per committed load transaction: the lineage every raw row and dead letter points to.
create table load_batches (
    id bigint primary key,
    consumer_group text not null,
    row_count integer not null,
    dead_letter_count integer not null,
    committed_at timestamptz not null default now()
);

create sequence load_batch_ids;

-- The loader's position per partition: the next offset to load. Written in the same transaction as the
-- rows, which is what makes loading exactly once. Kafka's own committed offsets are not used.
create table loader_offsets (
    topic text not null,
    partition integer not null,
    next_offset bigint not null,
    consumer_group text not null,
    updated_at timestamptz not null default now(),
    primary key (topic, partition)
);

-- Data retention deleted before it was loaded, accepted explicitly with `loader --on-gap skip`.
create table loader_offset_gaps (
    id bigserial primary key,
    topic text not null,
    partition integer not null,
    from_offset bigint not null,
    to_offset bigint not null,
    consumer_group text not null,
    detected_at timestamptz not null default now()
);

-- Messages that are not valid purchases, byte for byte, with the reason. Nothing is dropped silently.
create table dead_letters (
    id bigserial primary key,
    kafka_topic text not null,
    kafka_partition integer not null,
    kafka_offset bigint not null,
    message_key bytea,
    message_value bytea,
    reason text not null,
    load_batch_id bigint not null,
    received_at timestamptz not null default now()
);

-- The ingest ledger: which UTC minutes of event time each load batch touched, written in the load's own
-- transaction. The rollup claims (deletes) rows it can see and recomputes those windows; a batch that
-- commits later, even with an older batch id, is still in the ledger for the next pass. This is why the
-- rollup never tracks a high-water mark.
create table ingest_ledger (
    load_batch_id bigint not null,
    minute timestamptz not null
);

-- Tumbling-window totals by country: one row per (window_start, country); windows are [start, end) in UTC.
create table purchase_summary (
    window_start timestamptz not null,
    window_end timestamptz not null,
    country text not null,
    purchase_count bigint not null,
    item_count bigint not null,
    total_amount numeric(18, 2) not null,
    updated_at timestamptz not null default now(),
    primary key (window_start, country)
);

-- One row per rollup pass, for freshness and audit.
create table rollup_runs (
    id bigserial primary key,
    started_at timestamptz not null,
    finished_at timestamptz not null default clock_timestamp(),
    minutes_claimed integer not null,
    rows_upserted integer not null,
    window_size interval not null,
    sql_checksums text not null
);
