#!/usr/bin/env python3
"""End-to-end benchmarks, measured side by side in one run against references on the same machine.

Run through `make bench` (which builds in release mode and starts the private services). Prints a table of
medians over --reps repetitions and the ratios; never asserts a time.

  loader     a topic holding N events -> all rows committed in staging_purchases, against
             psql \\copy of exactly the same rows (CSV, and binary as the ceiling) into a freshly migrated
             database
  generator  N events into a fresh topic, against kcat producing the same JSON lines
  memory     the loader's peak RSS with a 1 M and a 10 M backlog (--backlogs)
  rollup     one incremental pass (every shipped model) over a new minute on top of a 100 k and a 10 M row
             history (--history), and a full backfill of N rows (purchase_summary alone) against a bare
             INSERT ... SELECT ... GROUP BY ... ON CONFLICT
  version    a changed model on the largest --history: `rollup run` rebuilds it and its derived models aside
             and switches, against the three bare statements computing the same tables in place; and the
             loader on an N-event backlog during that rebuild, against the same load alone
  lifecycle  the loader on an N-event backlog while `rollup maintain` drains a 20-day backfill (2 M rows) out
             of the default partition, and while raw retention drops 10 of those days, against the same
             load alone
  metrics    the loader on an N-event backlog with --metrics-port, /metrics scraped every second, against the
             same load without metrics, alternated run by run (target: within 3 %)
  freshness  at a steady --freshness-rate events/s (default 5,000) with `rollup run --every 5s` and every
             shipped model, p50/p99 from an event's production to the pass that rolled it up
             (rollup_runs.load_batches), over --freshness-seconds (default 60)
  catalog    the system catalogs' growth under one long-lived `rollup run --every 100ms` (every shipped
             model) until --catalog-passes passes (default 2,000) have claimed rows, on a 100 k-row history,
             a load batch of 100 rows committed every 50 ms meanwhile (30 to a minute of event time):
             pg_total_relation_size of pg_class, pg_attribute, pg_type, pg_depend, pg_statistic and their sum,
             and their n_dead_tup (pg_stat_sys_tables), before and after; not in the default --only
  models     one incremental pass (a new minute, 10,000 rows, on a 100 k-row history) with the 4 shipped
             models, with 12 and with 20 (the shipped ones plus generated variants over other windows, keys
             and time zones, in the models-are-queries format); pass time, the cost per added model and how
             close to linear it grows; new model format only; not in the default --only

Settings: --events N (default 1,000,000), --reps R (default 3),
--only loader,generator,metrics,memory,freshness,rollup,version,lifecycle (also: catalog, models).
Another build: --tree DIR benchmarks the executables of another checkout (DIR/.build/release, or --bin) with
its migrations/ and sql/ (e.g. a git worktree of the previous release), on this checkout's services.
"""
import argparse
import datetime
import os
import shutil
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

import harness  # run, psql, database_url ...: shared with scripts/faults.py
from harness import ROOT, database_url, psql, run

BIN = os.path.join(ROOT, ".build", "release")  # --bin / --tree
SQL_DIR = os.path.join(ROOT, "sql")  # the shipped models: --tree's sql/
LOCAL = os.path.join(ROOT, ".local", "bench")
PER_ROW_ROWS = 20_000
COLUMNS = ("purchase_id, user_id, product_id, category, country, quantity, unit_price, amount, currency, "
           "payment_method, created_at, kafka_topic, kafka_partition, kafka_offset, load_batch_id")


def services_env(restart_broker=False, partitions=None):
    """Starts (or restarts the broker of) the private services and returns their environment."""
    # 128 partitions: the mock cluster keeps about 5 MiB (some 16,000 of these events) per partition, and the
    # user-id keys do not spread perfectly, so 64 partitions lost messages at 1 M events.
    return harness.services_env(BIN, "restart-broker" if restart_broker else "up",
                                BROKER_PARTITIONS=str(partitions or os.environ.get("BROKER_PARTITIONS", "128")))


def fresh_database(env, name):
    """Drops and recreates a database and applies the migrations."""
    harness.fresh_database(env, name, BIN)


def median(values):
    return statistics.median(values)


def bench_loader(env, events, reps, rows_out):
    print(f"== loader: {events:,} events in the topic", file=sys.stderr)
    env = services_env(restart_broker=True)
    run([f"{BIN}/generator", "--count", str(events), "--rate", "unlimited", "--seed", "7",
         "--backfill", "60m", "--log-level", "error"], env=env)

    loader_times, load_times, join_times, rss, static_times = [], [], [], [], []
    for rep in range(reps):
        # In a consumer group, as deployed by default; then with `--partitions all` (no group, no join).
        for mode in ("group", "static"):
            fresh_database(env, "bench_loader")
            url = database_url(env, "bench_loader")
            args = [f"{BIN}/loader", "--until-caught-up", "--group-id", f"bench-{rep}-{time.time_ns()}",
                    "--database-url", url, "--log-level", "error"]
            if mode == "static":
                args += ["--partitions", "all"]
            start = time.perf_counter()
            out = run(["/usr/bin/time", "-f", "%M", *args], env=env)
            elapsed = time.perf_counter() - start
            loaded = int(psql(env, "bench_loader", "-c",
                              "select (select count(*) from staging_purchases) + (select count(*) from dead_letters)"))
            distinct = int(psql(env, "bench_loader", "-c",
                                "select count(distinct (kafka_partition, kafka_offset)) from staging_purchases"))
            if loaded != events or distinct != events:
                sys.exit(f"bench: loader ({mode}) loaded {loaded} rows ({distinct} distinct offsets) of {events}")
            if mode == "static":
                static_times.append(elapsed)
                print(f"   loader rep {rep + 1}, --partitions all: {elapsed:.2f} s wall", file=sys.stderr)
                continue
            loader_times.append(elapsed)
            rss.append(int(out.stderr.strip().splitlines()[-1]) / 1024)
            phases = re.search(r"loaded in ([0-9.]+) s .* joining the group in ([0-9.]+) s", out.stdout)
            load_times.append(float(phases.group(1)))
            join_times.append(float(phases.group(2)))
            print(f"   loader rep {rep + 1}: {loader_times[-1]:.2f} s wall, {load_times[-1]:.2f} s loading after a "
                  f"{join_times[-1]:.2f} s group join, peak RSS {rss[-1]:.0f} MiB", file=sys.stderr)

    os.makedirs(LOCAL, exist_ok=True)
    csv = os.path.join(LOCAL, "rows.csv")
    binary = os.path.join(LOCAL, "rows.bin")
    psql(env, "bench_loader", "-c", f"\\copy (select {COLUMNS} from staging_purchases) to '{csv}' csv")
    psql(env, "bench_loader", "-c", f"\\copy (select {COLUMNS} from staging_purchases) to '{binary}' (format binary)")

    copy_csv, copy_binary = [], []
    for rep in range(reps):
        for path, fmt, sink in ((csv, "csv", copy_csv), (binary, "(format binary)", copy_binary)):
            fresh_database(env, "bench_copy")
            start = time.perf_counter()
            psql(env, "bench_copy", "-c", f"\\copy staging_purchases ({COLUMNS}) from '{path}' {fmt}")
            sink.append(time.perf_counter() - start)
        print(f"   psql \\copy rep {rep + 1}: csv {copy_csv[-1]:.2f} s, binary {copy_binary[-1]:.2f} s", file=sys.stderr)

    # The original project's way: one INSERT per row, each its own transaction (autocommit). Measured on
    # PER_ROW_ROWS of the same rows, the database side only (no Kafka), so it flatters the per-row loader.
    inserts = os.path.join(LOCAL, "rows.sql")
    statements = psql(env, "bench_loader", "-c",
                      f"select format('insert into staging_purchases ({COLUMNS}) values (%s);', "
                      f"concat_ws(', ', {', '.join(f'quote_literal({c.strip()})' for c in COLUMNS.split(','))})) "
                      f"from staging_purchases limit {PER_ROW_ROWS}")
    with open(inserts, "w") as out:
        out.write(statements + "\n")
    per_row = []
    for rep in range(reps):
        fresh_database(env, "bench_copy")
        start = time.perf_counter()
        psql(env, "bench_copy", "-f", inserts)
        per_row.append(time.perf_counter() - start)
        print(f"   per-row INSERT rep {rep + 1}: {PER_ROW_ROWS:,} rows in {per_row[-1]:.2f} s", file=sys.stderr)

    rows = events
    wall = rows / median(loader_times)
    loading = rows / median(load_times)
    csv_rate = rows / median(copy_csv)
    binary_rate = rows / median(copy_binary)
    rows_out.append(("loader, process start to exit (rows/s)", wall, wall / csv_rate,
                     f"vs psql csv; includes the consumer-group join, median {median(join_times):.1f} s"))
    rows_out.append(("loader, from assignment to exit (rows/s)", loading, loading / csv_rate,
                     "vs psql csv; Kafka -> committed rows, exactly once"))
    static = rows / median(static_times)
    rows_out.append(("loader --partitions all, process start to exit (rows/s)", static, static / csv_rate,
                     "vs psql csv; no consumer group, so no join"))
    rows_out.append(("psql \\copy csv, same rows (rows/s)", csv_rate, None, "reference: same rows, fresh database"))
    rows_out.append(("psql \\copy binary, same rows (rows/s)", binary_rate, loading / binary_rate,
                     "loader (from assignment) / psql binary: the ceiling"))
    per_row_rate = PER_ROW_ROWS / median(per_row)
    rows_out.append(("per-row INSERT, autocommit (rows/s)", per_row_rate, loading / per_row_rate,
                     f"loader (from assignment) / per-row; {PER_ROW_ROWS:,} of the same rows (target >= 50x)"))
    rows_out.append(("loader peak RSS (MiB)", median(rss), None, f"{events:,}-event backlog"))


def write_production_order(env, path):
    """The messages the generator produced, as `key<TAB>value` lines in the order it produced them, for kcat.

    Read back from the topic they come partition by partition, and kcat sending long runs to one partition
    spends about half the CPU per message that it spends on the generator's order, where consecutive
    messages go to different partitions (measured: its sending thread 0.3 s against 0.55-0.68 s per 1 M).
    The order is restored from the produce timestamps (milliseconds); within one millisecond, offset then
    partition interleaves the partitions as the generator's random keys did."""
    out = subprocess.run(["kcat", "-C", "-b", env["KAFKA_BOOTSTRAP_SERVERS"], "-t", env["KAFKA_TOPIC"], "-e", "-q",
                          "-f", "%T\t%o\t%p\t%k\t%s\n"], capture_output=True, check=True).stdout
    messages = [line.split(b"\t", 3) for line in out.splitlines()]
    messages.sort(key=lambda m: (int(m[0]), int(m[1]), int(m[2])))
    with open(path, "wb") as lines:
        for message in messages:
            lines.write(message[3] + b"\n")


def bench_generator(env, events, reps, rows_out):
    print(f"== generator: {events:,} events", file=sys.stderr)
    generator_times, kcat_times = [], []
    lines = os.path.join(LOCAL, "events.jsonl")
    os.makedirs(LOCAL, exist_ok=True)
    for rep in range(reps):
        env = services_env(restart_broker=True)
        start = time.perf_counter()
        run([f"{BIN}/generator", "--count", str(events), "--rate", "unlimited", "--seed", "7", "--log-level", "error"],
            env=env)
        generator_times.append(time.perf_counter() - start)
        if rep == 0:
            write_production_order(env, lines)
        env = services_env(restart_broker=True)
        start = time.perf_counter()
        run(["kcat", "-P", "-b", env["KAFKA_BOOTSTRAP_SERVERS"], "-t", env["KAFKA_TOPIC"], "-K", "\t", "-l",
             "-X", "enable.idempotence=true", "-X", "acks=all", "-X", "linger.ms=5", lines], env=env)
        kcat_times.append(time.perf_counter() - start)
        print(f"   rep {rep + 1}: generator {generator_times[-1]:.2f} s, kcat {kcat_times[-1]:.2f} s", file=sys.stderr)
    generator = events / median(generator_times)
    kcat = events / median(kcat_times)
    rows_out.append(("generator (events/s)", generator, None, "simulate, encode, produce, flush"))
    rows_out.append(("kcat -P, same lines (msg/s)", kcat, generator / kcat, "generator / kcat"))


SYNTHETIC = """
insert into staging_purchases ({columns})
select md5('{tag}' || i)::uuid, 'u-' || (1000000 + i % 50000), 'p-' || (100000 + i % 5000), 'books',
       (array['US','GB','DE','FR','JP','CA','AU','NL'])[1 + i % 8], 1 + i % 3, 9.99, (1 + i % 3) * 9.99, 'USD',
       'card', timestamptz '{start}' + (i::float8 / {rows} * extract(epoch from interval '{span}')) * interval '1 second',
       'bench', i % 64, i / 64, {batch}
from generate_series(0, {rows} - 1) as i
"""


def synthesize_sql(rows, start, span, tag, ledger=False, batch=0):
    """The statements of `synthesize`."""
    statements = [SYNTHETIC.format(columns=COLUMNS, tag=tag, start=start, rows=rows, span=span, batch=batch)]
    if ledger:
        statements.append(f"insert into ingest_ledger select {batch}, m, m, m + interval '1 minute' - interval '1 microsecond' "
                          f"from generate_series(timestamptz '{start}', timestamptz '{start}' + interval '{span}' "
                          "- interval '1 minute', interval '1 minute') m")
    return statements


def synthesize(env, db, rows, start, span, tag, ledger=False, batch=0):
    """Inserts `rows` purchases spread evenly over [start, start + span) as load batch `batch`, as a loader
    would have; with `ledger`, also its ledger rows, each minute's span the whole minute."""
    for statement in synthesize_sql(rows, start, span, tag, ledger, batch):
        psql(env, db, "-c", statement)


def rollup_pass(env, db, *flags):
    start = time.perf_counter()
    run([f"{BIN}/rollup", "run", "--log-level", "error", "--database-url", database_url(env, db), *flags], env=env)
    return time.perf_counter() - start


BARE_ROLLUP = """
insert into purchase_summary (window_start, window_end, country, currency, purchase_count, item_count, total_amount,
                              updated_at)
select purchase_window_start(created_at, '1 minute'), purchase_window_start(created_at, '1 minute')
       + interval '1 minute', country, currency, count(*), sum(quantity), sum(amount), now()
from staging_purchases group by 1, 2, 3, 4
on conflict (window_start, country, currency) do update set purchase_count = excluded.purchase_count,
    item_count = excluded.item_count, total_amount = excluded.total_amount, updated_at = excluded.updated_at
"""


# The same totals over the purchase events (each once, as the database defines them in V007: one row per
# (created_at, purchase_id), the lowest topic/partition/offset): the statement to beat for `rollup run --full`.
BARE_DEDUP_ROLLUP = """
insert into purchase_summary (window_start, window_end, country, currency, purchase_count, item_count, total_amount,
                              updated_at)
select purchase_window_start(created_at, '1 minute'), purchase_window_start(created_at, '1 minute')
       + interval '1 minute', country, currency, count(*), sum(quantity), sum(amount), now()
from purchase_events
group by 1, 2, 3, 4
on conflict (window_start, country, currency) do update set purchase_count = excluded.purchase_count,
    item_count = excluded.item_count, total_amount = excluded.total_amount, updated_at = excluded.updated_at
"""


def timed_statement(env, db, sql):
    start = time.perf_counter()
    psql(env, db, "-c", "set jit = off", "-c", sql)
    return time.perf_counter() - start


def bench_rollup(env, events, reps, history_sizes, rows_out):
    """Incremental passes over one new minute on top of small and large histories, and a full backfill."""
    now = psql(env, "postgres", "-c", "select date_trunc('minute', now() at time zone 'UTC')")
    incremental = {}
    for history in history_sizes:
        print(f"== rollup: one new minute on top of {history:,} rows", file=sys.stderr)
        fresh_database(env, "bench_rollup")
        synthesize(env, "bench_rollup", history, f"{now}+00", "6 days", "h", ledger=False)
        psql(env, "bench_rollup", "-c", "vacuum analyze staging_purchases")
        rollup_pass(env, "bench_rollup", "--full")
        times = []
        for rep in range(reps):
            # The new minutes lie after the history, one per repetition, 10,000 rows each.
            start = psql(env, "bench_rollup", "-c", f"select timestamptz '{now}+00' + interval '6 days' + interval '{rep} minute'")
            synthesize(env, "bench_rollup", 10_000, start, "1 minute", f"n{rep}", ledger=True, batch=rep + 1)
            times.append(rollup_pass(env, "bench_rollup"))
        incremental[history] = median(times)
        print(f"   passes: {', '.join(f'{t * 1000:.0f} ms' for t in times)}", file=sys.stderr)
    small, large = history_sizes[0], history_sizes[-1]
    rows_out.append((f"rollup, new minute on {small:,} rows (ms)", incremental[small] * 1000, None,
                     "one pass, 10,000 new rows, process start to exit"))
    rows_out.append((f"rollup, new minute on {large:,} rows (ms)", incremental[large] * 1000,
                     incremental[large] / incremental[small], f"ratio to the {small:,}-row history (target <= 1.5)"))

    # Like for like: the bare statements compute purchase_summary only, so `rollup --full` runs that model
    # alone (a directory holding only its file); the incremental passes above run every shipped model.
    only_summary = os.path.join(LOCAL, "sql-purchase-summary-only")
    os.makedirs(only_summary, exist_ok=True)
    shutil.copy(os.path.join(SQL_DIR, "purchase_summary.sql"), only_summary)
    print(f"== rollup: full backfill of {events:,} rows", file=sys.stderr)
    fresh_database(env, "bench_rollup")
    synthesize(env, "bench_rollup", events, f"{now}+00", "1 day", "b", ledger=False)
    psql(env, "bench_rollup", "-c", "vacuum analyze staging_purchases")
    ours, bare, dedup = [], [], []
    for rep in range(reps):
        psql(env, "bench_rollup", "-c", "truncate purchase_summary")
        ours.append(rollup_pass(env, "bench_rollup", "--full", "--sql-dir", only_summary))
        psql(env, "bench_rollup", "-c", "truncate purchase_summary")
        dedup.append(timed_statement(env, "bench_rollup", BARE_DEDUP_ROLLUP))
        psql(env, "bench_rollup", "-c", "truncate purchase_summary")
        bare.append(timed_statement(env, "bench_rollup", BARE_ROLLUP))
        print(f"   rep {rep + 1}: rollup --full {ours[-1]:.2f} s, bare statement with the same deduplication "
              f"{dedup[-1]:.2f} s, without {bare[-1]:.2f} s", file=sys.stderr)
    rows_out.append((f"rollup --full over {events:,} rows (rows/s)", events / median(ours), median(dedup) / median(ours),
                     "purchase_summary alone, rebuilt aside and switched; process start to exit, vs the bare "
                     "statement with the same deduplication (target >= 0.8)"))
    rows_out.append(("bare INSERT ... SELECT DISTINCT ON ... GROUP BY (rows/s)", events / median(dedup), None,
                     "reference: the same totals in one statement"))
    rows_out.append(("bare INSERT ... GROUP BY, no dedup (rows/s)", events / median(bare), median(bare) / median(ours),
                     "counts every copy; ratio = rollup --full / this"))


# The derived models' bare statements: hourly totals from the per-minute rows, daily from the hourly ones.
BARE_DERIVED = """
insert into {table} (window_start, window_end, country, currency, purchase_count, item_count, total_amount, updated_at)
select purchase_window_start(window_start, '{size}'), purchase_window_start(window_start, '{size}') + interval '{size}',
       country, currency, sum(purchase_count), sum(item_count), sum(total_amount), now()
from {source} group by 1, 2, 3, 4
on conflict (window_start, country, currency) do update set purchase_count = excluded.purchase_count,
    item_count = excluded.item_count, total_amount = excluded.total_amount, updated_at = excluded.updated_at
"""


def timed_load(env, db):
    """The loader from start to exit on the topic's backlog (`--until-caught-up`, no group join), in seconds;
    checks that every message arrived."""
    start = time.perf_counter()
    run([f"{BIN}/loader", "--until-caught-up", "--partitions", "all", "--database-url", database_url(env, db),
         "--log-level", "error"], env=env)
    elapsed = time.perf_counter() - start
    loaded = int(psql(env, db, "-c", "select (select count(*) from staging_purchases where load_batch_id > 0)"
                                      " + (select count(*) from dead_letters)"))
    return elapsed, loaded


def forget_load(env, db):
    """Removes what the loader loaded (the synthesized history has load batch 0), so the same backlog can be
    loaded again."""
    psql(env, db, "-c", "delete from staging_purchases where load_batch_id > 0",
         "-c", "truncate dead_letters, ingest_ledger, load_batches, loader_offsets, loader_offset_gaps",
         "-c", "vacuum analyze staging_purchases")


def bench_version_change(env, events, history, rows_out):
    """A changed model on a long history: `rollup run` rebuilds it and the models derived from it beside
    their tables, a day at a time, and switches; against the bare statements that compute the same three
    tables in place (which readers would see half done). Also the loader's throughput on a backlog of
    `events` while the rebuild runs, against the same load with nothing else running."""
    print(f"== rollup: a version change on {history:,} rows", file=sys.stderr)
    env = services_env(restart_broker=True)
    run([f"{BIN}/generator", "--count", str(events), "--rate", "unlimited", "--seed", "11", "--log-level", "error"],
        env=env)
    fresh_database(env, "bench_version")
    synthesize(env, "bench_version", history, "2026-11-01 00:00+00", "6 days", "v", ledger=False)
    psql(env, "bench_version", "-c", "vacuum analyze staging_purchases")
    first = rollup_pass(env, "bench_version")
    alone, loaded = timed_load(env, "bench_version")
    if loaded != events:
        sys.exit(f"bench: the loader loaded {loaded} of {events} events")
    forget_load(env, "bench_version")
    changed = os.path.join(LOCAL, "sql-changed")
    shutil.rmtree(changed, ignore_errors=True)
    shutil.copytree(SQL_DIR, changed)
    path = os.path.join(changed, "purchase_summary.sql")
    with open(path) as f:
        text = f.read()
    with open(path, "w") as f:
        f.write(text.replace("count(*) as purchase_count", "count(*) * 2 as purchase_count"))
    start = time.perf_counter()
    rebuild = subprocess.Popen([f"{BIN}/rollup", "run", "--log-level", "error", "--sql-dir", changed,
                                "--database-url", database_url(env, "bench_version")], env=env, cwd=ROOT)
    time.sleep(2)  # into the rebuild's day chunks
    during, loaded = timed_load(env, "bench_version")
    loaded_while_rebuilding = rebuild.poll() is None
    if rebuild.wait() != 0:
        sys.exit("bench: the version-change run failed")
    ours = time.perf_counter() - start
    if loaded != events:
        sys.exit(f"bench: the loader loaded {loaded} of {events} events during the rebuild")
    if not loaded_while_rebuilding:
        print("   note: the rebuild ended before the load did; the ratio understates the slowdown", file=sys.stderr)
    bare = (timed_statement(env, "bench_version", BARE_DEDUP_ROLLUP)
            + timed_statement(env, "bench_version", BARE_DERIVED.format(
                table="purchase_summary_hourly", source="purchase_summary", size="1 hour"))
            + timed_statement(env, "bench_version", BARE_DERIVED.format(
                table="purchase_summary_daily", source="purchase_summary_hourly", size="1 day")))
    print(f"   first run (four new models) {first:.1f} s; version change {ours:.1f} s; bare statements {bare:.1f} s; "
          f"loader on {events:,} events {alone:.2f} s alone, {during:.2f} s during the rebuild", file=sys.stderr)
    rows_out.append((f"rollup, four new models filled, {history:,} rows (s)", first, None,
                     "first `rollup run`: every shipped model built aside and switched"))
    rows_out.append((f"rollup, version change on {history:,} rows (s)", ours, bare / ours,
                     "purchase_summary changed: it and its two derived models rebuilt aside, a day per "
                     "transaction, then switched (with a loader running beside it); ratio = the three bare "
                     "statements / this"))
    rows_out.append(("loader during that rebuild (rows/s)", events / during, alone / during,
                     f"{events:,}-event backlog, process start to exit; ratio = this / the loader alone "
                     f"({events / alone:,.0f} rows/s, same backlog, same run)"))


def bench_lifecycle(env, events, reps, rows_out):
    """The loader on an N-event backlog of today's events while the rollup's maintenance drains a 20-day
    backfill out of the default partition into daily partitions, and while raw retention drops the oldest 10
    of those days; each against the same load alone just before it, medians over `reps` rounds."""
    print(f"== partition lifecycle: the loader on {events:,} events while maintenance drains and drops", file=sys.stderr)
    env = services_env(restart_broker=True)
    run([f"{BIN}/generator", "--count", str(events), "--rate", "unlimited", "--seed", "13", "--log-level", "error"],
        env=env)
    db = "bench_lifecycle"
    fresh_database(env, db)
    url = database_url(env, db)
    backfill_days = 20

    def maintain_until(condition, *flags):
        """`rollup maintain` steps (each drains up to 7 days) until `condition` holds; returns the seconds and
        the steps given up on a lock."""
        start, gave_up = time.perf_counter(), 0
        for _ in range(20):
            out = run([f"{BIN}/rollup", "maintain", "--log-level", "error", "--database-url", url,
                       "--partition-horizon", "60", *flags], env=env).stdout
            gave_up += sum(int(n) for n in re.findall(r"given up on a lock.*: (\d+)", out))
            if condition():
                return time.perf_counter() - start, gave_up
        sys.exit("bench: maintenance did not finish in 20 steps")

    def loader_during(condition, delay, *flags):
        """The timed load in a thread, and `delay` seconds into it, maintenance until `condition` holds."""
        result = {}
        worker = threading.Thread(target=lambda: result.update(load=timed_load(env, db)))
        worker.start()
        time.sleep(delay)
        maintenance = maintain_until(condition, *flags)
        worker.join()
        seconds, got = result["load"]
        if got != events:
            sys.exit(f"bench: the loader loaded {got} of {events} events during maintenance")
        forget_load(env, db)
        return seconds, maintenance

    def alone():
        seconds, got = timed_load(env, db)
        if got != events:
            sys.exit(f"bench: the loader loaded {got} of {events} events")
        forget_load(env, db)
        return seconds

    drained = lambda: psql(env, db, "-c", "select count(*) from staging_purchases_default") == "0"
    oldest = lambda: psql(env, db, "-c", "select count(*) from staging_purchases "
                                         "where created_at < current_date - 30") == "0"
    alone_drain, during_drain, alone_retention, during_retention = [], [], [], []
    for rep in range(reps):
        # 20 days of a backfill, 100,000 events a day, 40 to 21 days ago: no partitions there (the earlier
        # round's are dropped first), so the default partition holds them all.
        psql(env, db, "-c", "select drop_staging_partitions_before(current_date - 7)",
             "-c", "truncate staging_retention")
        synthesize(env, db, backfill_days * 100_000, f"{psql(env, db, '-c', 'select current_date - 40')} 00:00+00",
                   f"{backfill_days} days", f"old{rep}")
        in_default = int(psql(env, db, "-c", "select count(*) from staging_purchases_default"))
        psql(env, db, "-c", "vacuum analyze staging_purchases")
        alone_drain.append(alone())
        seconds, (drain_seconds, drain_gave_up) = loader_during(drained, 0.5)
        during_drain.append(seconds)
        moved = int(psql(env, db, "-c", "select count(*) from staging_purchases where load_batch_id = 0"))
        if moved != in_default:
            sys.exit(f"bench: {in_default} backfilled rows before draining, {moved} after")
        run([f"{BIN}/rollup", "run", "--log-level", "error", "--database-url", url], env=env)  # models cover them
        alone_retention.append(alone())
        seconds, (retention_seconds, retention_gave_up) = loader_during(oldest, 1.0, "--raw-retention", "30")
        during_retention.append(seconds)
        print(f"   round {rep + 1}: loader alone {alone_drain[-1]:.2f} s, during the drain of {in_default:,} rows "
              f"({drain_seconds:.1f} s, {drain_gave_up} lock waits given up) {during_drain[-1]:.2f} s; alone "
              f"{alone_retention[-1]:.2f} s, during retention ({retention_seconds:.1f} s, {retention_gave_up} given "
              f"up) {during_retention[-1]:.2f} s", file=sys.stderr)
    rows_out.append(("loader while the default partition drains (rows/s)", events / median(during_drain),
                     median(alone_drain) / median(during_drain),
                     f"{events:,}-event backlog; maintenance moving {backfill_days * 100_000:,} rows of "
                     f"{backfill_days} days into daily partitions meanwhile; ratio = this / the loader alone "
                     f"({events / median(alone_drain):,.0f} rows/s, just before)"))
    rows_out.append(("loader while raw retention drops (rows/s)", events / median(during_retention),
                     median(alone_retention) / median(during_retention),
                     "10 daily partitions dropped 1 s into the load; ratio = this / the loader alone "
                     f"({events / median(alone_retention):,.0f} rows/s, just before)"))


def bench_metrics(env, events, reps, rows_out):
    """The loader with its operations endpoint against the loader without, on the same backlog; each pair
    run back to back in alternating order, so a drift of the machine's speed hits both alike."""
    print(f"== metrics: {events:,} events, the loader with and without --metrics-port", file=sys.stderr)
    env = services_env(restart_broker=True)
    run([f"{BIN}/generator", "--count", str(events), "--rate", "unlimited", "--seed", "11",
         "--backfill", "60m", "--log-level", "error"], env=env)
    times = {"without": [], "with": []}
    scrapes = []
    for rep in range(reps):
        for mode in (("without", "with") if rep % 2 == 0 else ("with", "without")):
            fresh_database(env, "bench_metrics")
            args = [f"{BIN}/loader", "--until-caught-up", "--partitions", "all", "--log-level", "error",
                    "--database-url", database_url(env, "bench_metrics")]
            stop = threading.Event()
            scraper = None
            if mode == "with":
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", 0))
                    port = probe.getsockname()[1]
                args += ["--metrics-port", str(port), "--metrics-host", "127.0.0.1"]

                def scrape():
                    count = 0
                    while not stop.wait(1.0):
                        try:
                            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:
                                count += "loader_rows_loaded_total" in response.read().decode()
                        except OSError:
                            pass  # not listening yet, or already gone
                    scrapes.append(count)

                scraper = threading.Thread(target=scrape)
                scraper.start()
            start = time.perf_counter()
            run(args, env=env)
            times[mode].append(time.perf_counter() - start)
            stop.set()
            if scraper:
                scraper.join()
            loaded = int(psql(env, "bench_metrics", "-c",
                              "select (select count(*) from staging_purchases) + (select count(*) from dead_letters)"))
            if loaded != events:
                sys.exit(f"bench: loader ({mode} metrics) loaded {loaded} of {events}")
            print(f"   rep {rep + 1} {mode} metrics: {times[mode][-1]:.2f} s", file=sys.stderr)
    without, with_metrics = events / median(times["without"]), events / median(times["with"])
    rows_out.append(("loader without metrics (rows/s)", without, None, "reference: same backlog, --partitions all"))
    rows_out.append(("loader with --metrics-port (rows/s)", with_metrics, with_metrics / without,
                     f"vs without; /metrics scraped every second ({median(scrapes):.0f} scrapes a run); target >= 0.97x"))


def bench_memory(env, backlogs, rows_out):
    """The loader's peak RSS with backlogs of different sizes, on one topic layout sized for the largest.

    The loader's memory follows the partitions it fetches (librdkafka keeps per-partition fetch state and
    buffers) more than the backlog: at a 1 M backlog it measured 93 MiB on 128 partitions and 163 MiB on
    1,250. So every backlog gets the same partition count, and the ratio shows what the backlog adds."""
    rss = {}
    partitions = max(128, max(backlogs) // 8_000)
    for backlog in backlogs:
        print(f"== memory: {backlog:,}-event backlog ({partitions} partitions)", file=sys.stderr)
        env = services_env(restart_broker=True, partitions=partitions)
        # 10 M customers: with the default 50,000 the busiest one alone (1/sqrt(users) of the orders, all in
        # one partition) overflows the mock cluster's 5 MiB per partition at a 10 M backlog.
        run([f"{BIN}/generator", "--count", str(backlog), "--rate", "unlimited", "--seed", "7", "--users",
             "10000000", "--backfill", "60m", "--log-level", "error"], env=env)
        fresh_database(env, "bench_memory")
        out = run(["/usr/bin/time", "-f", "%M", f"{BIN}/loader", "--until-caught-up", "--group-id",
                   f"memory-{time.time_ns()}", "--database-url", database_url(env, "bench_memory"),
                   "--log-level", "error"], env=env)
        rss[backlog] = int(out.stderr.strip().splitlines()[-1]) / 1024
        loaded = int(psql(env, "bench_memory", "-c", "select count(*) from staging_purchases"))
        if loaded != backlog:
            sys.exit(f"bench: loader loaded {loaded} of {backlog} (broker retention?)")
        print(f"   peak RSS {rss[backlog]:.0f} MiB", file=sys.stderr)
    small, large = backlogs[0], backlogs[-1]
    rows_out.append((f"loader peak RSS, {small:,} backlog (MiB)", rss[small], None, ""))
    rows_out.append((f"loader peak RSS, {large:,} backlog (MiB)", rss[large], rss[large] / rss[small],
                     f"vs the {small:,} backlog (target <= 1.2, and under 200 MB)"))


FRESHNESS = """
with run_batches as (
    select finished_at, unnest(load_batches) as load_batch_id from rollup_runs
),
delays as (
    select extract(epoch from r.finished_at - p.created_at) as seconds
    from staging_purchases as p
    join run_batches as r using (load_batch_id)
)
select percentile_cont(0.5) within group (order by seconds), percentile_cont(0.99) within group (order by seconds),
       count(*), (select count(*) from staging_purchases)
from delays
"""


def bench_freshness(env, rate, seconds, every, rows_out):
    """Production to window: a steady generator, the loader and `rollup run --every` running together."""
    print(f"== freshness: {rate:,} events/s for {seconds} s, rollup every {every}", file=sys.stderr)
    env = services_env(restart_broker=True)
    fresh_database(env, "bench_fresh")
    url = database_url(env, "bench_fresh")
    loader = subprocess.Popen([f"{BIN}/loader", "--database-url", url, "--log-level", "error"], env=env, cwd=ROOT)
    rollup = subprocess.Popen([f"{BIN}/rollup", "run", "--every", every, "--database-url", url, "--log-level", "error"],
                              env=env, cwd=ROOT)
    try:
        run([f"{BIN}/generator", "--rate", str(rate), "--duration", f"{seconds}s", "--log-level", "error"], env=env)
        time.sleep(15)  # let the last events reach a pass
    finally:
        for process in (loader, rollup):
            process.terminate()
            process.wait(timeout=30)
    p50, p99, rolled, loaded = psql(env, "bench_fresh", "-c", FRESHNESS).split("|")
    print(f"   {rolled} of {loaded} rows rolled up; p50 {float(p50):.2f} s, p99 {float(p99):.2f} s", file=sys.stderr)
    rows_out.append((f"freshness p50 at {rate:,}/s, rollup every {every} (s)", float(p50), None,
                     "event produced -> its window updated"))
    rows_out.append((f"freshness p99 at {rate:,}/s, rollup every {every} (s)", float(p99), None,
                     "target <= window size (60 s) + 10 s"))


CATALOGS = ("pg_class", "pg_attribute", "pg_type", "pg_depend", "pg_statistic")


def catalog_sizes(env, db):
    """{catalog: (bytes, dead tuples)} for CATALOGS in database `db` (catalogs are per database)."""
    names = ", ".join(f"'{name}'" for name in CATALOGS)
    out = psql(env, db, "-c", f"select relname, pg_total_relation_size(relid), n_dead_tup from pg_stat_sys_tables "
                              f"where schemaname = 'pg_catalog' and relname in ({names})")
    sizes = {}
    for line in out.splitlines():
        name, size, dead = line.split("|")
        sizes[name] = (int(size), int(dead))
    return sizes


def bench_catalog(env, passes, rows_out):
    """What the passes of one long-lived `rollup run --every 100ms` leave in the system catalogs: while it
    runs, a load batch (100 rows, with its ledger row, as a loader commits them) is committed every 50 ms,
    so every pass claims some, until `passes` passes have claimed rows; the catalogs are measured after the
    process's first pass and after the last one (statistics flushed)."""
    print(f"== catalog: {passes:,} incremental passes of one `rollup run --every 100ms`", file=sys.stderr)
    db = "bench_catalog"
    fresh_database(env, db)
    url = database_url(env, db)
    now = psql(env, db, "-c", "select date_trunc('minute', now() at time zone 'UTC')")
    # A day of history before now, in the daily partitions the migrations create (today - 7 to today + 30),
    # so no maintenance step creates a partition while we measure; the new batches follow it.
    synthesize(env, db, 100_000, psql(env, db, "-c", f"select timestamptz '{now}+00' - interval '1 day'"), "1 day", "ch")
    psql(env, db, "-c", "vacuum analyze staging_purchases")
    run([f"{BIN}/rollup", "run", "--log-level", "error", "--database-url", url], env=env)  # builds the models
    os.makedirs(LOCAL, exist_ok=True)
    log_path = os.path.join(LOCAL, "catalog-rollup.log")
    log = open(log_path, "w")
    start_id = int(psql(env, db, "-c", "select coalesce(max(id), 0) from rollup_runs"))
    rollup = subprocess.Popen([f"{BIN}/rollup", "run", "--every", "100ms", "--log-level", "warning",
                               "--database-url", url], env=env, cwd=ROOT, stdout=log, stderr=log)
    stop = threading.Event()
    fed = []

    def feed():
        """A load batch every 50 ms, each in one transaction with its ledger row, on one psql session (a psql
        process per batch would cost more than a pass); 30 batches to a minute of event time, the minutes
        after the history."""
        base = datetime.datetime.fromisoformat(now).replace(tzinfo=datetime.timezone.utc)
        session = subprocess.Popen(["psql", url, "-qAtX", "-v", "ON_ERROR_STOP=1"], env=env, text=True,
                                   stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
        try:
            while not stop.wait(0.05):
                i = len(fed)
                minute = (base + datetime.timedelta(minutes=i // 30)).isoformat()
                statements = synthesize_sql(100, minute, "1 minute", f"c{i}", ledger=True, batch=i + 1)
                session.stdin.write("begin;\n" + ";\n".join(s.strip() for s in statements) + ";\ncommit;\n")
                session.stdin.flush()
                fed.append(i)
        finally:
            session.stdin.close()
            if session.wait(timeout=60) != 0:
                fed.append(None)  # failed: seen below

    def alive():
        if rollup.poll() is not None:
            log.flush()
            with open(log_path) as f:
                sys.exit(f"bench: `rollup run --every` exited ({rollup.returncode}):\n{f.read()[-3000:]}")

    feeder = threading.Thread(target=feed)
    try:
        deadline = time.monotonic() + 120
        while int(psql(env, db, "-c", f"select count(*) from rollup_runs where id > {start_id}")) == 0:
            alive()
            if time.monotonic() > deadline:
                sys.exit("bench: no pass of `rollup run --every` within 120 s")
            time.sleep(0.05)
        time.sleep(2)  # the statistics of the session's first pass flushed
        before = catalog_sizes(env, db)
        start_id = int(psql(env, db, "-c", "select max(id) from rollup_runs"))
        claimed = lambda: int(psql(env, db, "-c", "select count(*) from rollup_runs "
                                                  f"where id > {start_id} and minutes_claimed > 0"))
        started = time.perf_counter()
        feeder.start()
        reported = 0
        while (done := claimed()) < passes:
            alive()
            if not feeder.is_alive():
                sys.exit("bench: the feeder stopped")
            if done >= reported + 500:
                reported = done // 500 * 500
                print(f"   {done:,} passes claimed rows, {len(fed):,} batches fed, "
                      f"{time.perf_counter() - started:.0f} s", file=sys.stderr)
            time.sleep(0.5)
        stop.set()
        feeder.join()
        if None in fed:
            sys.exit("bench: the feeder's psql session failed")
        elapsed = time.perf_counter() - started
        # Every fed batch claimed, then the rollup's statistics flushed (at most once a second).
        deadline = time.monotonic() + 60
        while int(psql(env, db, "-c", "select count(*) from ingest_ledger")) > 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(2)
        alive()
        after = catalog_sizes(env, db)
        total, claiming, pass_ms = psql(
            env, db, "-c", "select count(*), count(*) filter (where minutes_claimed > 0), "
                           "percentile_cont(0.5) within group (order by extract(epoch from finished_at - started_at) * 1000) "
                           f"from rollup_runs where id > {start_id}").split("|")
    finally:
        stop.set()
        if feeder.is_alive():
            feeder.join()
        rollup.terminate()
        rollup.wait(timeout=30)
        log.close()
    counted, loaded = psql(env, db, "-c", "select (select sum(purchase_count) from purchase_summary), "
                                          "(select count(*) from staging_purchases)").split("|")
    if counted != loaded:
        sys.exit(f"bench: purchase_summary counts {counted} purchases of the {loaded} loaded")
    print(f"   {total} passes ({claiming} claiming rows, {len(fed):,} batches) in {elapsed:.0f} s, median pass "
          f"{float(pass_ms):.0f} ms (in its transaction)", file=sys.stderr)
    mib = lambda b: b / 1048576
    for name in CATALOGS + ("total",):
        if name == "total":
            b = (sum(v[0] for v in before.values()), sum(v[1] for v in before.values()))
            a = (sum(v[0] for v in after.values()), sum(v[1] for v in after.values()))
        else:
            b, a = before[name], after[name]
        print(f"   {name:<13} {mib(b[0]):8.2f} MiB -> {mib(a[0]):8.2f} MiB ({mib(a[0] - b[0]):+.2f}); "
              f"dead tuples {b[1]:,} -> {a[1]:,}", file=sys.stderr)
        rows_out.append((f"catalog {name} after {claiming} passes (MiB)", mib(a[0]), a[0] / b[0],
                         f"before {mib(b[0]):.2f} MiB, growth {mib(a[0] - b[0]):+.2f} MiB; n_dead_tup {b[1]:,} -> "
                         f"{a[1]:,}; ratio = after / before"))
    rows_out.append(("catalog bench: pass, median (ms)", float(pass_ms), None,
                     f"{total} passes of one `rollup run --every 100ms`, {claiming} claiming rows ({len(fed):,} "
                     "batches of 100 in all); started_at to finished_at in rollup_runs"))


# The generated models of `models`: a window, a key column and a zone each, read from the raw events.
MODEL_WINDOWS = ("5 minutes", "10 minutes", "15 minutes", "30 minutes", "1 hour", "2 hours", "6 hours", "1 day")
MODEL_KEYS = ("country", "category", "payment_method", "currency")
MODEL_ZONES = ("UTC", "Europe/Berlin", "Asia/Kolkata")


def generated_model(i):
    """The i-th generated model: (file name, text), in the models-are-queries format."""
    window, key, zone = MODEL_WINDOWS[i % 8], MODEL_KEYS[i % 4], MODEL_ZONES[i % 3]
    name = f"bench_{key}_{window.replace(' ', '')}_{zone.split('/')[-1].lower()}"
    # Amounts add within a currency only, so every key but the currency itself keeps it.
    keys, groups = (key, "1, 2") if key == "currency" else (f"{key}, currency", "1, 2, 3")
    return f"{name}.sql", (f"-- key: window_start, {keys}\n-- window: {window}\n-- timezone: {zone}\n"
                           f"select purchase_window_start(created_at, interval '{window}', '{zone}') as window_start, "
                           f"{keys},\n       count(*) as purchase_count, sum(quantity) as item_count, "
                           f"sum(amount) as total_amount\nfrom purchase_events\ngroup by {groups}\n")


def pass_with_log(env, db, *flags):
    """One `rollup run` pass: (seconds from process start to exit, the pass's own duration.ms from its log)."""
    start = time.perf_counter()
    out = run([f"{BIN}/rollup", "run", "--log-level", "info", "--log-format", "json", "--database-url",
               database_url(env, db), *flags], env=env)
    elapsed = time.perf_counter() - start
    inside = re.findall(r'"duration\.ms":"?(\d+)', out.stdout + out.stderr)
    return elapsed, (int(inside[-1]) / 1000 if inside else float("nan"))


def bench_models(env, reps, counts, rows_out):
    """The incremental pass of bench_rollup (a new minute of 10,000 rows on a 100 k-row history) with more
    and more models: the shipped ones, then generated variants."""
    shipped = sorted(f for f in os.listdir(SQL_DIR) if f.endswith(".sql"))
    if any("-- table:" in open(os.path.join(SQL_DIR, f)).read() for f in shipped):
        print(f"== models: skipped, the models in {SQL_DIR} are in the earlier format (a header naming the table)",
              file=sys.stderr)
        return
    now = psql(env, "postgres", "-c", "select date_trunc('minute', now() at time zone 'UTC')")
    results = {}
    for count in counts:
        if count < len(shipped) or count - len(shipped) > len(MODEL_WINDOWS) * len(MODEL_KEYS) * len(MODEL_ZONES):
            sys.exit(f"bench: --models {count}: from {len(shipped)} (the shipped ones) up")
        directory = os.path.join(LOCAL, f"sql-{count}-models")
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory)
        for f in shipped:
            shutil.copy(os.path.join(SQL_DIR, f), directory)
        for i in range(count - len(shipped)):
            name, text = generated_model(i)
            with open(os.path.join(directory, name), "w") as f:
                f.write(text)
        print(f"== models: one new minute on 100,000 rows with {count} models", file=sys.stderr)
        db = "bench_models"
        fresh_database(env, db)
        synthesize(env, db, 100_000, f"{now}+00", "6 days", "h")
        psql(env, db, "-c", "vacuum analyze staging_purchases")
        rollup_pass(env, db, "--full", "--sql-dir", directory)
        walls, insides = [], []
        for rep in range(reps + 1):  # the first pass warms up and is not counted
            start = psql(env, db, "-c", f"select timestamptz '{now}+00' + interval '6 days' + interval '{rep} minute'")
            synthesize(env, db, 10_000, start, "1 minute", f"n{rep}", ledger=True, batch=rep + 1)
            wall, inside = pass_with_log(env, db, "--sql-dir", directory)
            if rep > 0:
                walls.append(wall)
                insides.append(inside)
        tables = int(psql(env, db, "-c", "select count(*) from rollup_models where retired_at is null"))
        if tables != count:
            sys.exit(f"bench: {count} model files, {tables} models in rollup_models")
        results[count] = (median(walls), median(insides))
        print(f"   passes: {', '.join(f'{w * 1000:.0f} ms' for w in walls)} (process start to exit); in the pass "
              f"{', '.join(f'{t * 1000:.0f} ms' for t in insides)}", file=sys.stderr)
    low = counts[0]
    for count in counts:
        wall, inside = results[count]
        note = "process start to exit; the pass's own duration.ms"
        if count != low:
            per_wall = (wall - results[low][0]) / (count - low) * 1000
            per_inside = (inside - results[low][1]) / (count - low) * 1000
            note = (f"ratio to {low} models; {per_wall:.1f} ms per added model ({per_inside:.1f} ms inside the pass, "
                    f"{inside * 1000:.0f} ms)")
        else:
            note = f"the shipped models; {inside * 1000:.0f} ms inside the pass"
        rows_out.append((f"rollup pass, {count} models (ms)", wall * 1000,
                         wall / results[low][0] if count != low else None, note))
    if len(counts) >= 3:
        # Linear: the cost per model between the first two counts and between the last two agree.
        a, b, c = counts[0], counts[len(counts) // 2], counts[-1]
        first = (results[b][1] - results[a][1]) / (b - a) * 1000
        second = (results[c][1] - results[b][1]) / (c - b) * 1000
        rows_out.append((f"rollup pass, ms per model {b}->{c} / {a}->{b}", second / first if first else float("nan"),
                         None, f"{first:.1f} ms per model from {a} to {b}, {second:.1f} from {b} to {c} (inside "
                               "the pass; 1.0 = linear)"))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--only", default="loader,generator,metrics,rollup,version,lifecycle,memory,freshness")
    parser.add_argument("--freshness-seconds", type=int, default=60)
    parser.add_argument("--freshness-rate", type=int, default=5_000,
                        help="events/s the generator sends during the freshness measurement (default 5000)")
    parser.add_argument("--backlogs", default="1000000,10000000",
                        help="loader backlogs for the memory measurement (default 1000000,10000000)")
    parser.add_argument("--history", default="100000,10000000",
                        help="raw-row histories under the incremental rollup pass (default 100000,10000000)")
    parser.add_argument("--catalog-passes", type=int, default=2_000,
                        help="incremental passes of the catalog measurement (default 2000)")
    parser.add_argument("--models", default="4,12,20",
                        help="model counts of the models measurement, the shipped ones first (default 4,12,20)")
    parser.add_argument("--tree", help="benchmark another checkout: its .build/release executables, migrations/ "
                                       "and sql/ (default this one)")
    parser.add_argument("--bin", help="the executables' directory (default .build/release of --tree)")
    options = parser.parse_args()
    global BIN, SQL_DIR
    if options.tree:
        tree = os.path.abspath(options.tree)
        BIN = os.path.join(tree, ".build", "release")
        SQL_DIR = os.path.join(tree, "sql")
        # Every `rollup` run inherits these (the environment is os.environ plus the services').
        os.environ["MIGRATIONS_DIR"] = os.path.join(tree, "migrations")
        os.environ["SQL_DIR"] = SQL_DIR
    if options.bin:
        BIN = os.path.abspath(options.bin)
    if options.events > 2_000_000:
        sys.exit("bench: the dev broker's 128 partitions hold about 2 M events; use --events 2000000 or fewer")
    env = services_env()
    rows = []
    started = time.time()
    parts = options.only.split(",")
    if "loader" in parts:
        bench_loader(env, options.events, options.reps, rows)
    if "generator" in parts:
        bench_generator(env, options.events, options.reps, rows)
    if "metrics" in parts:
        bench_metrics(env, options.events, max(options.reps, 4), rows)
    if "memory" in parts:
        bench_memory(env, [int(b) for b in options.backlogs.split(",")], rows)
    if "freshness" in parts:
        bench_freshness(env, options.freshness_rate, options.freshness_seconds, "5s", rows)
    if "rollup" in parts:
        bench_rollup(env, options.events, options.reps, [int(h) for h in options.history.split(",")], rows)
    if "version" in parts:
        bench_version_change(env, options.events, int(options.history.split(",")[-1]), rows)
    if "lifecycle" in parts:
        bench_lifecycle(env, options.events, options.reps, rows)
    if "catalog" in parts:
        bench_catalog(env, options.catalog_passes, rows)
    if "models" in parts:
        bench_models(env, max(options.reps, 5), [int(m) for m in options.models.split(",")], rows)

    print(f"\nBenchmarks: {options.events:,} events, median of {options.reps} runs, {BIN}, "
          f"{os.cpu_count()} cores, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))}\n")
    print(f"| {'measure':<40} | {'median':>12} | {'ratio':>7} | note |")
    print(f"|{'-' * 42}|{'-' * 14}|{'-' * 9}|------|")
    for name, value, ratio, note in rows:
        ratio_text = f"{ratio:.2f}x" if ratio is not None else ""
        value_text = f"{value:,.2f}" if value < 100 else f"{value:,.0f}"
        print(f"| {name:<40} | {value_text:>12} | {ratio_text:>7} | {note} |")


if __name__ == "__main__":
    main()
