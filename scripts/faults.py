#!/usr/bin/env python3
"""The fault suite: proves, against the real executables, a private Postgres 15 and the dev broker (librdkafka's
mock cluster), that nothing is lost and nothing is doubled on a bad day.

Run through `make faults` (or `scripts/test.sh`, after the end-to-end check). Each scenario starts from a fresh
database (`rollup migrate`) and its own dev broker, bounds every wait (a hung process is killed and the
scenario fails saying which), stops its processes however it ends, and finishes with the standard checks:

  (a) no (kafka_partition, kafka_offset) appears twice across staging_purchases and dead_letters;
  (b) per partition, offsets 0..high-1 are all there (no gap), loader_offsets says high, and the total equals
      what the generator delivered;
  (c) dead letters == the generator's "invalid";
  (d) one copy of each purchase event (purchase_id and created_at; the lowest topic/partition/offset, as
      sql/purchase_summary.sql decides) sums to the generator's valid_amounts in each currency, one per
      valid purchase;
  (e) after `rollup run`, purchase_summary equals an independent recompute (one row per event, grouped
      by purchase_window_start(created_at, '1 minute'), country and currency; full outer join, zero
      differences);
  (f) lineage: every load_batches row's row_count / dead_letter_count equals its rows.

Scenarios (--only a,b to pick some; --list):

  crash           SIGKILL the loader at >= 10 seeded-random instants while a 200,000-event stream loads,
                  restarting it each time; recovery time per restart
  pg-restart      Postgres stopped (fast) and restarted under a running loader and `rollup run --every 2s`:
                  both must wait ("postgres unavailable") and carry on ("reconnected to postgres")
  broker-trouble  3 mock brokers; injected NOT_LEADER / REQUEST_TIMED_OUT errors, a broker down for 3 s, a
                  200 ms round trip; every delivered message loaded exactly once
  zombie          two loaders in one group; the one with an open batch is SIGSTOPped past its session timeout,
                  its partitions move, it is resumed: its stale batch must be fenced; then one is SIGKILLed
  concurrency     three `rollup run` at once on a loaded database == one pass on an identical copy == recompute
  shutdown        SIGTERM mid-stream: loader and `rollup run --every 1s` exit 0 within 5 s, last batch whole
  hostile         generator --hostile-fraction 0.2: the loader never stops, dead letters == invalid, every
                  dead letter has a reason (table of reasons)
  operations      the loader and `rollup run --every 1s` with --metrics-port under a real Prometheus server:
                  counters equal the database, promtool finds nothing, the lag is 0 by PromQL after a full
                  load and exactly what was produced while Postgres was stopped, /readyz follows Postgres,
                  `loader lag` agrees, JSON log lines parse and hold no secret
  bad-config      unreachable broker/database, wrong password, missing topic, malformed flags and connection
                  strings: a one-line error naming the problem, non-zero exit within 30 s, no crash, no
                  password in any output
  rollup-kill     SIGKILL `rollup run --every 1s` (restarted each time) at seeded-random instants inside
                  incremental passes while a stream loads, then during a rebuild (a model's SQL changed in
                  meaning) and close to its switch: every model's totals equal the generators', `rollup verify`
                  exits 0, no aside or temporary table and no advisory lock left, the next pass runs

Prints one PASS/FAIL line per scenario with its figures (details indented below it); writes every figure to
.local/faults/results.json and the processes' logs to .local/faults/logs/<scenario>/. Exits 1 if any check
failed. Services: `SERVICES_DIR=.local/faults PGPORT_LOCAL=55433 scripts/services.sh up` (a Postgres of its
own, never the default .local one), stopped at the end (--keep-services to leave it up). Binaries from --bin
(default .build/debug). Python 3 standard library only.
"""
import argparse
import collections
import concurrent.futures
import json
import os
import random
import re
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal

import harness
from harness import ROOT, CommandFailed

FAULTS_DIR = os.path.join(ROOT, ".local", "faults")
LOG_ROOT = os.path.join(FAULTS_DIR, "logs")
RESULTS = os.path.join(FAULTS_DIR, "results.json")
PG_PORT = "55433"
TOPIC = "purchases"
# The standard traffic mix: 5 % late, 1 % re-sent purchases, 2 % malformed, event times over 20 minutes.
MIX = ["--late-fraction", "0.05", "--duplicate-fraction", "0.01", "--invalid-fraction", "0.02", "--backfill", "20m"]
# The shortest session timeout the mock cluster copes with: at 2000 ms and below its group join took
# 20 s or more (measured), at 3000 ms a member is replaced in about 6 s (session timeout + 3 s rebalance).
SHORT_SESSION = ["-X", "session.timeout.ms=3000"]

options = None  # the parsed command line, set by main()
LIVE = set()    # every process started and not yet reaped: killed on any exit, Ctrl-C included


class ScenarioFailed(Exception):
    """A scenario cannot go on (a hang, a process that should not have exited...); the message says why."""


def say(text):
    """Progress, to stderr; results go to stdout."""
    print(text, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------------------
# Processes


class Proc:
    """A long-running executable: stdout to <log dir>/<name>.out, stderr to <name>.log, its own session
    (so a terminal's Ctrl-C reaches only this script, which then stops it), registered for cleanup."""

    def __init__(self, name, args, env, log_dir, stdin=subprocess.DEVNULL, pipe_stdout=False):
        self.name = name
        self.args = args
        self.out_path = os.path.join(log_dir, f"{name}.out")
        self.log_path = os.path.join(log_dir, f"{name}.log")
        with open(self.log_path, "w") as log:
            log.write(f"# {' '.join(args)}\n")
        self._out = None if pipe_stdout else open(self.out_path, "wb")
        self._err = open(self.log_path, "ab")
        self.popen = subprocess.Popen(args, env=env, cwd=ROOT, stdin=stdin,
                                      stdout=subprocess.PIPE if pipe_stdout else self._out, stderr=self._err,
                                      start_new_session=True)
        self.started = time.monotonic()
        self.pid = self.popen.pid
        LIVE.add(self)

    def alive(self):
        return self.popen.poll() is None

    @property
    def returncode(self):
        return self.popen.poll()

    def send(self, sig):
        if self.alive():
            os.kill(self.pid, sig)

    def wait(self, timeout, what="exit"):
        """The exit status; a process still running after `timeout` seconds is killed and the scenario fails."""
        try:
            rc = self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise ScenarioFailed(f"{self.name} did not {what} within {timeout} s and was killed "
                                 f"(log: {os.path.relpath(self.log_path, ROOT)})") from None
        self._release()
        return rc

    def stop(self, sig=signal.SIGTERM, timeout=15):
        """Sends `sig` and waits; returns (exit status, seconds from the signal to the exit)."""
        sent = time.monotonic()
        self.send(sig)
        rc = self.wait(timeout, what=f"exit after {signal.Signals(sig).name}")
        return rc, time.monotonic() - sent

    def kill(self):
        """SIGKILL (works on a stopped process too) and reap."""
        if self.alive():
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self.popen.wait(10)
        except subprocess.TimeoutExpired:
            pass
        self._release()

    def _release(self):
        if self.popen.poll() is not None:
            LIVE.discard(self)
            for handle in (self._out, self._err):
                if handle and not handle.closed:
                    handle.close()

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def output(self):
        if not os.path.exists(self.out_path):
            return ""
        with open(self.out_path, errors="replace") as f:
            return f.read()

    def last_line(self, where="out"):
        lines = [line for line in (self.output() if where == "out" else self.log()).splitlines() if line.strip()]
        return lines[-1] if lines else ""

    def error_line(self):
        """The one-line error a failing executable prints last (`loader: error: ...`), or the last log line."""
        for line in reversed(self.log().splitlines()):
            if re.match(r"^[\w -]+: error: ", line):
                return line
        return self.last_line("log")


class DevBroker(Proc):
    """`dev-broker --control-stdin`: the first stdout line is the bootstrap address; each command written to
    its stdin (down N, up N, rtt N MS, errors API COUNT ERROR) is answered by one line, `ok ...` or `error: ...`."""

    def __init__(self, scenario, partitions, brokers=1, topic=TOPIC):
        args = [exe("dev-broker"), "--topic", topic, "--partitions", str(partitions), "--brokers", str(brokers),
                "--control-stdin", "--log-level", "warning"]
        super().__init__("dev-broker", args, scenario.env, scenario.log_dir, stdin=subprocess.PIPE, pipe_stdout=True)
        scenario.procs.append(self)  # stopped with the scenario, even if it never prints its address
        self.buffer = b""
        self.transcript = []
        self.bootstrap = self.read_line(30)
        if not re.match(r"^[\w.\-]+:\d+(,[\w.\-]+:\d+)*$", self.bootstrap):
            raise ScenarioFailed(f"dev-broker printed {self.bootstrap!r} instead of a bootstrap address")

    def read_line(self, timeout):
        deadline = time.monotonic() + timeout
        fd = self.popen.stdout.fileno()
        while b"\n" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ScenarioFailed(f"dev-broker did not answer within {timeout} s")
            ready, _, _ = select.select([fd], [], [], remaining)
            if ready:
                chunk = os.read(fd, 4096)
                if not chunk:
                    raise ScenarioFailed(f"dev-broker exited ({self.popen.poll()}); see {self.log_path}")
                self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.decode(errors="replace").strip()

    def command(self, text, at=None):
        """Sends one control command; a refused command fails the scenario (the fault was not injected)."""
        self.popen.stdin.write((text + "\n").encode())
        self.popen.stdin.flush()
        reply = self.read_line(10)
        self.transcript.append({"at_s": round(at, 2) if at is not None else None, "command": text, "reply": reply})
        if not reply.startswith("ok"):
            raise ScenarioFailed(f"dev-broker refused {text!r}: {reply}")
        return reply


def exe(name):
    return os.path.join(options.bin, name)


def kill_everything():
    """Stops every process this script started that is still running (also stopped ones)."""
    for proc in list(LIVE):
        proc.kill()


# ---------------------------------------------------------------------------------------------------------
# Services and scenarios


def services(command, timeout=90):
    """scripts/services.sh for the suite's own services (.local/faults, Postgres on 55433)."""
    return harness.services_env(options.bin, command, timeout=timeout, SERVICES_DIR=FAULTS_DIR, PGPORT_LOCAL=PG_PORT)


class Scenario:
    """One scenario's database, broker, processes, figures and failed checks."""

    def __init__(self, name, base_env):
        self.name = name
        self.db = "faults_" + name.replace("-", "_")
        self.group = f"faults-{name}"
        self.log_dir = os.path.join(LOG_ROOT, name)
        shutil.rmtree(self.log_dir, ignore_errors=True)
        os.makedirs(self.log_dir)
        self.env = dict(base_env, DATABASE_URL=harness.database_url(base_env, self.db), KAFKA_TOPIC=TOPIC,
                        LOG_LEVEL="info")
        self.env.pop("KAFKA_BOOTSTRAP_SERVERS", None)  # the services' broker is not ours: each scenario has its own
        self.figures = {}
        self.failures = []
        self.details = []  # extra lines printed under the PASS/FAIL line
        # The figures on the PASS/FAIL line; each scenario names its own once it has them.
        self.headline = ["events_produced", "rows_loaded", "dead_letters", "duplicates", "losses"]
        self.procs = []
        self.started = time.monotonic()

    def elapsed(self):
        return time.monotonic() - self.started

    def note(self, text):
        say(f"  [{self.name} {self.elapsed():5.1f}s] {text}")

    def check(self, ok, message):
        """Records a failed check (the scenario goes on, so later figures are still collected)."""
        if not ok:
            self.failures.append(message)
            self.note(f"CHECK FAILED: {message}")
        return ok

    def fresh_database(self):
        harness.fresh_database(self.env, self.db, options.bin, timeout=120)

    def broker(self, partitions, brokers=1):
        broker = DevBroker(self, partitions, brokers)
        self.env["KAFKA_BOOTSTRAP_SERVERS"] = broker.bootstrap
        self.figures["broker"] = {"partitions": partitions, "brokers": brokers}
        return broker

    def spawn(self, name, args, env=None):
        proc = Proc(name, args, env or self.env, self.log_dir)
        self.procs.append(proc)
        return proc

    def sql(self, query, db=None, timeout=60):
        return harness.psql(self.env, db or self.db, "-c", query, timeout=timeout)

    def batches(self):
        """Committed load transactions so far: rows moving show up here."""
        return int(self.sql("select count(*) from load_batches", timeout=20))

    def wait_until(self, predicate, timeout, what, interval=0.1):
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise ScenarioFailed(f"timed out after {timeout} s waiting for {what}")
            time.sleep(interval)

    def cleanup(self):
        for proc in self.procs:
            proc.kill()
        self.procs = []


# ---------------------------------------------------------------------------------------------------------
# Building blocks shared by the scenarios


def start_generator(sc, count, rate, *extra, name="generator"):
    """The generator in the background, with a summary file; `finish_generator` collects it.

    A steady rate is produced with a 200 ms linger instead of the generator's 5 ms. The mock cluster answers
    a fetch with one message set per partition and finds it by walking the partition from its start
    (rdkafka_mock.c: "FIXME: Maintain an index"), so a few thousand events/s spread over 64 partitions in
    one-message sets are read back at about 3,000 msg/s once partitions grow (measured), and the crash and
    zombie scenarios spent half their time catching up. Batching changes nothing the loader relies on."""
    summary = os.path.join(sc.log_dir, f"{name}-summary.json")
    batching = ["-X", "linger.ms=200"] if rate != "unlimited" else []
    args = [exe("generator"), "--count", str(count), "--rate", str(rate), "--seed", str(options.seed),
            "--summary-file", summary, *batching, *extra]
    proc = sc.spawn(name, args)
    proc.summary_path = summary
    return proc


def finish_generator(sc, proc, timeout):
    """Waits for the generator; it must exit 0 having delivered every message. Returns its summary."""
    rc = proc.wait(timeout, what="finish producing")
    summary = {}
    if os.path.exists(proc.summary_path):
        with open(proc.summary_path) as f:
            summary = json.load(f)
    sc.figures["generator"] = {"exit": rc, **summary}
    sc.figures["events_produced"] = summary.get("messages")
    if not sc.check(rc == 0, f"generator exited {rc}: {proc.error_line()}"):
        return summary
    sc.check(summary.get("delivered") == summary.get("messages") and summary.get("failed") == 0,
             f"generator delivered {summary.get('delivered')} of {summary.get('messages')} messages")
    return summary


def loader_args(sc, *extra):
    return [exe("loader"), "--group-id", sc.group, *extra]


def catch_up(sc, timeout=180):
    """`loader --until-caught-up`: loads whatever is left; must exit 0.

    It joins a group of its own: offsets live in Postgres, so the group name does not matter to what it
    loads, and the mock cluster makes the next member of a group wait about the previous member's session
    timeout even after a clean leave (9 s with the default 10 s), while a new group takes 3 s."""
    proc = sc.spawn("loader-catch-up", [exe("loader"), "--group-id", f"{sc.group}-catch-up", "--until-caught-up",
                                        *SHORT_SESSION])
    rc = proc.wait(timeout, what="catch up")
    sc.figures["catch_up_loader"] = {"exit": rc, "result": proc.last_line()}
    sc.check(rc == 0, f"loader --until-caught-up exited {rc}: {proc.error_line()}")
    return proc


def rollup_pass(sc, db=None, timeout=180):
    db = db or sc.db
    env = dict(sc.env, DATABASE_URL=harness.database_url(sc.env, db))
    result = harness.run([exe("rollup"), "run", "--log-level", "warning"], env=env, check=False, timeout=timeout)
    sc.check(result.returncode == 0, f"rollup run on {db} exited {result.returncode}: {result.stderr.strip()[-500:]}")
    return result


def loader_finished(proc):
    """The figures of a loader's `loader finished` log line (rows, dead_letters, fenced_batches ...)."""
    for line in reversed(proc.log().splitlines()):
        if "loader finished" in line:
            return {key: int(value) if value.isdigit() else value
                    for key, value in re.findall(r"(\w+)=(\S+)", line.split(" loader: ", 1)[-1])}
    return {}


def consistency(sc):
    """Invariants that hold at any instant between load transactions: lineage counts and stored offsets."""
    row = sc.sql(f"""
        with m as (
            select kafka_partition as p, kafka_offset as o from staging_purchases where kafka_topic = '{TOPIC}'
            union all
            select kafka_partition, kafka_offset from dead_letters where kafka_topic = '{TOPIC}'
        ),
        per_partition as (select p, max(o) as hi from m group by p),
        stored as (select partition as p, next_offset from loader_offsets where topic = '{TOPIC}'),
        batch_rows as (select load_batch_id as id, count(*) as n from staging_purchases group by 1),
        batch_dead as (select load_batch_id as id, count(*) as n from dead_letters group by 1)
        select
            (select count(*) from load_batches as b
                full join batch_rows as r using (id) full join batch_dead as d using (id)
                where b.id is null or b.row_count <> coalesce(r.n, 0) or b.dead_letter_count <> coalesce(d.n, 0)),
            (select count(*) from per_partition full join stored using (p)
                where stored.next_offset is distinct from per_partition.hi + 1),
            (select count(*) from load_batches)
    """)
    lineage, offsets, batches = (int(v) for v in row.split("|"))
    return {"lineage_mismatches": lineage, "offset_mismatches": offsets, "load_batches": batches}


# Each purchase event once, as the database defines it (migration V007), never spelled out again here.
FIRST_COPIES = "select * from purchase_events"


def per_currency(text):
    """`EUR=12.50,JPY=3500` (a query's string_agg) as {currency: Decimal}."""
    return {c: Decimal(a) for c, a in (pair.split("=") for pair in text.split(",") if pair)}


def valid_amounts(summary):
    """A generator summary's amounts per currency as Decimals (never added across currencies)."""
    return {c: Decimal(a) for c, a in summary.get("valid_amounts", {}).items()}


def add_amounts(first, second):
    """Two `valid_amounts` objects as one, added within each currency."""
    total = valid_amounts({"valid_amounts": first})
    for currency, amount in second.items():
        total[currency] = total.get(currency, Decimal(0)) + Decimal(amount)
    return {c: str(a) for c, a in total.items()}


def final_checks(sc, summary):
    """The standard end of every loading scenario: (a)-(f) above, figures into sc.figures."""
    rollup_pass(sc)
    row = sc.sql(f"""
        with m as (
            select kafka_partition as p, kafka_offset as o from staging_purchases where kafka_topic = '{TOPIC}'
            union all
            select kafka_partition, kafka_offset from dead_letters where kafka_topic = '{TOPIC}'
        ),
        per_partition as (select p, count(*) as n, count(distinct o) as d, max(o) as hi from m group by p),
        firsts as ({FIRST_COPIES}),
        recompute as (
            select purchase_window_start(created_at, '1 minute') as window_start, country, currency,
                   count(*) as purchase_count, sum(quantity) as item_count, sum(amount) as total_amount
            from firsts group by 1, 2, 3
        )
        select
            (select count(*) from staging_purchases),
            (select count(*) from dead_letters),
            (select coalesce(sum(d), 0) from per_partition),
            (select coalesce(sum(n - d), 0) from per_partition),
            (select coalesce(sum(hi + 1 - d), 0) from per_partition),
            (select count(*) from firsts),
            (select coalesce(string_agg(currency || '=' || amount, ',' order by currency), '')
             from (select currency, sum(amount) as amount from firsts group by currency) as per_currency),
            (select count(*) from dead_letters where coalesce(reason, '') = ''),
            (select count(*) from recompute as r full join purchase_summary as s
                on s.window_start = r.window_start and s.country = r.country and s.currency = r.currency
                where r.window_start is null or s.window_start is null
                   or (s.purchase_count, s.item_count, s.total_amount, s.window_end)
                      is distinct from
                      (r.purchase_count, r.item_count, r.total_amount, r.window_start + interval '1 minute')),
            (select count(*) from purchase_summary)
    """, timeout=180)
    names = ("rows_loaded", "dead_letters", "messages_loaded", "duplicates", "offset_gaps", "purchases_counted",
             "amount_counted", "dead_letters_without_reason", "summary_differences", "summary_windows")
    figures = {name: (value if name == "amount_counted" else int(value)) for name, value in zip(names, row.split("|"))}
    figures["amount_counted"] = per_currency(figures["amount_counted"])
    delivered = summary.get("delivered", summary.get("messages")) or 0
    figures["losses"] = max(0, delivered - figures["messages_loaded"])         # delivered, never loaded
    figures["extra_messages"] = max(0, figures["messages_loaded"] - delivered)  # loaded, never delivered
    figures.update(consistency(sc))
    sc.figures.update(figures)
    f = figures
    sc.check(f["duplicates"] == 0, f"(a) {f['duplicates']} Kafka messages loaded more than once")
    sc.check(f["offset_gaps"] == 0,
             f"(b) {f['offset_gaps']} offsets missing below the highest loaded offset of their partition")
    sc.check(f["offset_mismatches"] == 0,
             f"(b) loader_offsets differs from the highest loaded offset + 1 in {f['offset_mismatches']} partitions")
    sc.check(f["messages_loaded"] == delivered,
             f"(b) {f['messages_loaded']} messages loaded, the generator delivered {delivered}")
    sc.check(f["dead_letters"] == summary.get("invalid"),
             f"(c) {f['dead_letters']} dead letters, the generator sent {summary.get('invalid')} invalid")
    sc.check(f["purchases_counted"] == summary.get("valid_purchases"),
             f"(d) {f['purchases_counted']} distinct purchases loaded, "
             f"the generator sent {summary.get('valid_purchases')}")
    sc.check(f["amount_counted"] == valid_amounts(summary),
             f"(d) first copies sum to {f['amount_counted']} per currency, "
             f"the generator's valid_amounts are {summary.get('valid_amounts')}")
    sc.check(f["summary_differences"] == 0,
             f"(e) purchase_summary differs from the recompute in {f['summary_differences']} (window, country, "
             f"currency) rows")
    sc.check(f["lineage_mismatches"] == 0,
             f"(f) {f['lineage_mismatches']} load_batches rows disagree with their rows / dead letters")
    sc.check(f["dead_letters_without_reason"] == 0, f"{f['dead_letters_without_reason']} dead letters without a reason")


def xact_rollbacks(sc):
    """Server-side rollbacks in the scenario's database: a loader killed inside an open load transaction
    leaves one (the server aborts the transaction when the connection drops)."""
    return int(sc.sql("select xact_rollback from pg_stat_database where datname = current_database()"))


def log_lines(proc, pattern, limit=6):
    lines = [re.sub(r"partitions=\[[^\]]*\] ", "", line.split(" loader: ", 1)[-1])
             for line in proc.log().splitlines() if re.search(pattern, line)]
    return lines[:limit]


# ---------------------------------------------------------------------------------------------------------
# The scenarios


def scenario_crash(sc):
    """SIGKILL is the worst a loader can suffer: no commit, no rollback, no leaving the group. At random
    instants (seeded), after rows have started moving since the last restart, the loader is killed and
    restarted at once, at least ten times while the stream is loaded. Exactly once must survive every kill;
    the recovery time (restart to first new batch) is the member's session timeout plus a rebalance."""
    rng = random.Random(options.seed)
    sc.broker(partitions=64)
    sc.fresh_database()
    rollbacks_before = xact_rollbacks(sc)
    # 200,000 events at 2,200/s: 91 s of stream, room for 10+ kill/restart cycles of about 6.5 s each
    # (measured: 12-13), with a margin for a busy machine.
    generator = start_generator(sc, 200_000, 2_200, *MIX)
    loader = sc.spawn("loader-01", loader_args(sc, *SHORT_SESSION))
    kills, recoveries, delays = 0, [], []
    while True:
        restarted, before = loader.started, sc.batches()
        sc.wait_until(lambda: sc.batches() > before or not loader.alive() or not generator.alive(), 90,
                      f"{loader.name} to commit its first batch")
        if not loader.alive():
            raise ScenarioFailed(f"{loader.name} exited on its own ({loader.returncode}): {loader.error_line()}")
        if not generator.alive():
            break
        recovery = time.monotonic() - restarted
        if kills == 0:
            sc.figures["first_start_seconds"] = round(recovery, 2)
        else:
            recoveries.append(round(recovery, 2))
        delay = rng.uniform(0.05, 1.2)
        time.sleep(delay)
        if not generator.alive():
            break
        loader.kill()
        kills += 1
        delays.append(round(delay, 2))
        loader = sc.spawn(f"loader-{kills + 1:02d}", loader_args(sc, *SHORT_SESSION))
    summary = finish_generator(sc, generator, timeout=120)
    sc.note(f"stream done after {kills} kills; stopping the last loader, then --until-caught-up")
    rc, _ = loader.stop(timeout=20)
    sc.check(rc == 0, f"the last loader exited {rc} on SIGTERM: {loader.error_line()}")
    catch_up(sc)
    sc.figures.update({
        "kills": kills, "kill_delays_after_first_batch_s": delays,
        # a kill inside an open load transaction leaves a server-side rollback
        "kills_inside_a_transaction": xact_rollbacks(sc) - rollbacks_before,
        "recovery_seconds": recoveries,
        "recovery_median_s": round(statistics.median(recoveries), 2) if recoveries else None,
        "recovery_max_s": max(recoveries) if recoveries else None,
    })
    sc.check(kills >= 10, f"only {kills} kills landed while the stream was loading (need 10)")
    final_checks(sc, summary)
    sc.headline = ["events_produced", "rows_loaded", "dead_letters", "duplicates", "losses", "kills",
                   "kills_inside_a_transaction", "recovery_median_s", "recovery_max_s"]


def scenario_pg_restart(sc):
    """Postgres restarting (a failover, a minor upgrade) must cost a pause, not a process: the loader and a
    `rollup run --every 2s` keep running, log "postgres unavailable" while it is down and
    "reconnected to postgres" after, and loading resumes exactly once."""
    sc.broker(partitions=64)
    sc.fresh_database()
    generator = start_generator(sc, 100_000, 4_000, *MIX)
    loader = sc.spawn("loader", loader_args(sc))
    rollup = sc.spawn("rollup-every", [exe("rollup"), "run", "--every", "2s"])
    sc.wait_until(lambda: sc.batches() > 0 or not loader.alive(), 60, "the loader's first batch")
    time.sleep(2)
    sc.note("pg-stop (fast shutdown)")
    services("pg-stop")
    try:
        stopped = time.monotonic()
        while time.monotonic() - stopped < 5:
            time.sleep(0.2)
        sc.figures["loader_alive_while_down"] = loader.alive()
        sc.figures["rollup_alive_while_down"] = rollup.alive()
    finally:
        services("pg-start")
    started = time.monotonic()
    sc.figures["postgres_down_seconds"] = round(started - stopped, 1)
    sc.note("pg-start")
    sc.check(loader.alive(), f"the loader exited ({loader.returncode}) when Postgres stopped: {loader.error_line()}")
    sc.check(rollup.alive(),
             f"rollup run --every exited ({rollup.returncode}) when Postgres stopped: {rollup.error_line()}")
    if loader.alive():
        base = sc.batches()
        sc.wait_until(lambda: sc.batches() > base or not loader.alive(), 90, "a batch committed after pg-start")
        sc.figures["recovery_seconds"] = round(time.monotonic() - started, 2) if loader.alive() else None
    summary = finish_generator(sc, generator, timeout=120)
    for proc, label in ((loader, "loader"), (rollup, "rollup run --every")):
        if proc.alive():
            rc, _ = proc.stop(timeout=20)
            sc.check(rc == 0, f"{label} exited {rc} on SIGTERM: {proc.error_line()}")
        log = proc.log()
        sc.figures[f"{label.split()[0]}_logged_unavailable"] = "postgres unavailable" in log
        sc.figures[f"{label.split()[0]}_logged_reconnected"] = "reconnected to postgres" in log
        reconnected = re.search(r"outage\.seconds=([\d.]+).*reconnected to postgres", log)
        sc.figures[f"{label.split()[0]}_reconnected_after_s"] = float(reconnected.group(1)) if reconnected else None
        sc.check("postgres unavailable" in log, f"{label} never logged 'postgres unavailable'")
        sc.check("reconnected to postgres" in log, f"{label} never logged 'reconnected to postgres'")
    catch_up(sc)
    final_checks(sc, summary)
    sc.headline = ["events_produced", "rows_loaded", "duplicates", "losses", "postgres_down_seconds",
                   "loader_alive_while_down", "rollup_alive_while_down", "loader_reconnected_after_s",
                   "rollup_reconnected_after_s", "recovery_seconds"]


def scenario_broker_trouble(sc):
    """Brokers misbehave: leadership errors on produce and fetch, timeouts, a broker gone for 3 s, a slow
    broker. The idempotent generator must still deliver everything (exit 0) and the loader load every
    delivered message exactly once."""
    broker = sc.broker(partitions=48, brokers=3)
    sc.fresh_database()
    loader = sc.spawn("loader", loader_args(sc))
    sc.wait_until(lambda: "partitions assigned" in loader.log() or not loader.alive(), 60, "the loader's partition assignment")
    generator = start_generator(sc, 100_000, 10_000, *MIX)
    t0 = time.monotonic()
    schedule = [(0.5, "errors 0 20 NOT_LEADER_FOR_PARTITION"), (1.0, "errors 1 20 NOT_LEADER_FOR_PARTITION"),
                (1.5, "errors 0 10 REQUEST_TIMED_OUT"), (2.5, "down 2"), (5.5, "up 2"), (6.5, "rtt 1 200"),
                (9.5, "rtt 1 0")]
    for at, command in schedule:
        time.sleep(max(0.0, t0 + at - time.monotonic()))
        broker.command(command, at=time.monotonic() - t0)
        sc.note(command)
    sc.figures["broker_commands"] = broker.transcript
    summary = finish_generator(sc, generator, timeout=150)
    sc.check(loader.alive(), f"the loader exited ({loader.returncode}): {loader.error_line()}")
    if loader.alive():
        rc, _ = loader.stop(timeout=30)
        sc.check(rc == 0, f"the loader exited {rc} on SIGTERM: {loader.error_line()}")
    sc.figures["loader_kafka_warnings"] = len(log_lines(loader, r" (warning|error) loader: .*kafka", limit=100000))
    catch_up(sc)
    final_checks(sc, summary)
    sc.headline = ["events_produced", "rows_loaded", "dead_letters", "duplicates", "losses", "loader_kafka_warnings"]


def scenario_zombie(sc):
    """A loader that stalls (GC pause, swapped out, SIGSTOP) past its session timeout loses its partitions
    to another member but still holds an open batch. When it wakes up, the offset fence must roll that stale
    batch back. Then a member is SIGKILLed outright and the survivor takes its partitions over."""
    sc.broker(partitions=64)
    sc.fresh_database()
    session = ["-X", "session.timeout.ms=6000"]
    # A: long batches, so it surely has one open when stopped. B: default batches.
    a = sc.spawn("loader-a", loader_args(sc, *session, "--batch-ms", "8000", "--batch-size", "1000000"))
    sc.wait_until(lambda: "partitions assigned" in a.log() or not a.alive(), 60, "loader-a's assignment")
    generator = start_generator(sc, 160_000, 4_000, *MIX)
    b = sc.spawn("loader-b", loader_args(sc, *session))
    # B's join moves half of A's partitions to B: A is assigned a second time.
    sc.wait_until(lambda: len(log_lines(a, r"partitions assigned")) >= 2 and "partitions assigned" in b.log()
                  or not (a.alive() and b.alive()), 60, "the group to split the partitions between A and B")
    a_partitions = re.findall(r"kafka\.partitions=\[([\d, ]*)\]\S* \[Loader\] partitions assigned", a.log())[-1]
    a_partitions = "{" + a_partitions.replace(" ", "") + "}"  # a Postgres array literal
    # Only A keeps a transaction open for seconds (B commits every 500 ms): find its backend.
    stale = []

    def a_has_open_batch():
        found = sc.sql("select pid, xact_start from pg_stat_activity where application_name = 'purchase-loader' "
                       "and datname = current_database() and xact_start < now() - interval '2 seconds' "
                       "order by xact_start limit 1")
        stale[:] = found.split("|") if found else []
        return bool(stale)
    sc.wait_until(a_has_open_batch, 30, "loader-a to hold a batch open for 2 s", interval=0.2)
    stale_pid = stale[0]
    stopped_at = sc.sql("select now()")
    sc.note(f"SIGSTOP loader-a (its open transaction: backend {stale_pid}, since {stale[1]})")
    a.send(signal.SIGSTOP)
    stopped = time.monotonic()
    # A stays stopped until B has committed on one of A's partitions (after A's 6 s session timeout and the
    # rebalance: about 12 s with the mock), and at least 10 s. Resumed earlier, A would find its partitions
    # untouched and commit its batch legitimately: correct, but the fence would not be exercised.
    sc.wait_until(lambda: sc.sql(f"select count(*) from loader_offsets where partition = any('{a_partitions}') "
                                 f"and updated_at > '{stopped_at}'") != "0", 60,
                  "loader-b to commit on loader-a's partitions", interval=0.2)
    sc.figures["handover_seconds"] = round(time.monotonic() - stopped, 2)
    time.sleep(max(0.0, stopped + 10 - time.monotonic()))
    sc.figures["stopped_seconds"] = round(time.monotonic() - stopped, 2)
    a.send(signal.SIGCONT)
    sc.note(f"SIGCONT loader-a (B took over its partitions after {sc.figures['handover_seconds']} s)")
    stale_state = f"select coalesce((select state from pg_stat_activity where pid = {stale_pid}), 'gone')"
    sc.wait_until(lambda: sc.sql(stale_state) in ("idle", "gone") or not a.alive(), 30,
                  "loader-a's stale transaction to end")
    sc.check(a.alive(), f"loader-a exited after SIGCONT ({a.returncode}): {a.error_line()}")
    sc.check(b.alive(), f"loader-b exited ({b.returncode}): {b.error_line()}")
    time.sleep(4)  # A rejoins the group; both load again
    assigned_lines = len(log_lines(a, r"partitions assigned", limit=10000))
    sc.note("SIGKILL loader-b")
    killed = time.monotonic()
    b.kill()

    def a_owns_everything():
        lines = log_lines(a, r"partitions assigned", limit=10000)
        return (len(lines) > assigned_lines and "kafka.partition_count=64 " in lines[-1]) or not a.alive()
    sc.wait_until(a_owns_everything, 60, "loader-a to take over all 64 partitions")
    sc.figures["takeover_seconds"] = round(time.monotonic() - killed, 2)
    summary = finish_generator(sc, generator, timeout=150)
    rc, _ = a.stop(timeout=30)
    sc.check(rc == 0, f"loader-a exited {rc} on SIGTERM: {a.error_line()}")
    finished = loader_finished(a)
    sc.figures["loader_a_finished"] = finished
    sc.figures["fenced_batches"] = finished.get("fenced_batches")
    sc.figures["loader_a_revocation_lines"] = log_lines(a, r"revoked|dropped|abandoned|session timed out", limit=8)
    sc.check(isinstance(finished.get("fenced_batches"), int) and finished["fenced_batches"] >= 1,
             f"loader-a reports fenced_batches={finished.get('fenced_batches')}: its stale batch was not fenced")
    catch_up(sc)
    final_checks(sc, summary)
    sc.headline = ["events_produced", "rows_loaded", "duplicates", "losses", "handover_seconds", "fenced_batches",
                   "takeover_seconds"]


def scenario_concurrency(sc):
    """Rollups started together (a cron overlap, two deploys) must serialize: three concurrent passes give
    the same tables, every shipped model's, as one pass over an identical copy of the database, and
    purchase_summary equals the recompute."""
    sc.broker(partitions=64)
    sc.fresh_database()
    run_generator = start_generator(sc, 60_000, "unlimited", *MIX)
    summary = finish_generator(sc, run_generator, timeout=120)
    catch_up(sc)
    copy = sc.db + "_copy"
    harness.psql(sc.env, "postgres", "-c", f"drop database if exists {copy} with (force)", timeout=60)
    harness.psql(sc.env, "postgres", "-c", f"create database {copy} template {sc.db}", timeout=120)
    rollups = [sc.spawn(f"rollup-{i}", [exe("rollup"), "run"]) for i in (1, 2, 3)]
    codes = [proc.wait(180, what="finish its pass") for proc in rollups]
    sc.check(codes == [0, 0, 0], f"concurrent rollup exits: {codes}")
    rollup_pass(sc, db=copy)
    # Every shipped model's table: on a fresh database the three concurrent rollups each build every model
    # aside, and exactly one switch may win per model.
    for table, key in (("purchase_summary", "country, currency"),
                       ("purchase_summary_by_category", "category, currency"),
                       ("purchase_summary_hourly", "country, currency"),
                       ("purchase_summary_daily", "country, currency")):
        dump = (f"copy (select window_start, window_end, {key}, purchase_count, item_count, total_amount "
                f"from {table} order by window_start, {key}) to stdout")
        concurrent, single = sc.sql(dump), sc.sql(dump, db=copy)
        if table == "purchase_summary":
            sc.figures["summary_rows_concurrent"] = len(concurrent.splitlines())
            sc.figures["summary_rows_single"] = len(single.splitlines())
        sc.check(concurrent != "", f"{table} is empty after the concurrent passes")
        sc.check(concurrent == single, f"{table} after three concurrent passes differs from one pass on the copy")
    sc.figures["minutes_claimed_per_pass"] = [int(v) for v in sc.sql(
        "select minutes_claimed from rollup_runs order by id").split()]
    single_claimed = int(sc.sql("select sum(minutes_claimed) from rollup_runs", db=copy))
    sc.check(sum(sc.figures["minutes_claimed_per_pass"]) == single_claimed,
             f"the concurrent passes claimed {sc.figures['minutes_claimed_per_pass']} minutes, "
             f"one pass {single_claimed}")
    final_checks(sc, summary)
    last = sc.sql("select rows_upserted from rollup_runs order by id desc limit 1")
    sc.figures["rows_upserted_by_a_repeat_pass"] = int(last)
    sc.check(last == "0", f"a pass after everything was rolled up still upserted {last} rows")
    harness.psql(sc.env, "postgres", "-c", f"drop database if exists {copy} with (force)", timeout=60)
    sc.headline = ["events_produced", "rows_loaded", "summary_rows_concurrent", "minutes_claimed_per_pass",
                   "summary_differences"]


def scenario_shutdown(sc):
    """A deploy sends SIGTERM: the loader commits (or drops) its open batch whole and exits 0 within 5 s,
    and so does `rollup run --every 1s`. Also SIGTERM during the group join, before any partition."""
    sc.broker(partitions=64)
    sc.fresh_database()
    early = sc.spawn("loader-joining", loader_args(sc, *SHORT_SESSION))
    sc.wait_until(lambda: "consuming" in early.log() or not early.alive(), 30, "the loader to start joining")
    rc, seconds = early.stop(timeout=30)
    sc.figures["sigterm_during_join"] = {"exit": rc, "seconds": round(seconds, 2)}
    sc.check(rc == 0 and seconds <= 5, f"SIGTERM during the group join: exit {rc} after {seconds:.1f} s")
    rollup = sc.spawn("rollup-every", [exe("rollup"), "run", "--every", "1s"])
    loader = sc.spawn("loader", loader_args(sc, *SHORT_SESSION))
    generator = start_generator(sc, 60_000, 5_000, *MIX)
    sc.wait_until(lambda: sc.batches() > 0 or not loader.alive(), 60, "the loader's first batch")
    time.sleep(2)
    rc, seconds = loader.stop(timeout=30)
    sc.figures["loader_sigterm"] = {"exit": rc, "seconds": round(seconds, 2), "result": loader.last_line()}
    sc.check(rc == 0, f"the loader exited {rc} on SIGTERM: {loader.error_line()}")
    sc.check(seconds <= 5, f"the loader took {seconds:.1f} s to exit after SIGTERM")
    whole = consistency(sc)
    sc.figures["after_loader_sigterm"] = whole
    sc.check(whole["lineage_mismatches"] == 0,
             f"after SIGTERM {whole['lineage_mismatches']} load batches are not whole")
    sc.check(whole["offset_mismatches"] == 0,
             f"after SIGTERM loader_offsets differs from the loaded rows in {whole['offset_mismatches']} partitions")
    rc, seconds = rollup.stop(timeout=30)
    sc.figures["rollup_sigterm"] = {"exit": rc, "seconds": round(seconds, 2)}
    sc.check(rc == 0, f"rollup run --every exited {rc} on SIGTERM: {rollup.error_line()}")
    sc.check(seconds <= 5, f"rollup run --every took {seconds:.1f} s to exit after SIGTERM")
    summary = finish_generator(sc, generator, timeout=120)
    catch_up(sc)
    final_checks(sc, summary)
    sc.figures["loader_exit_seconds"] = sc.figures["loader_sigterm"]["seconds"]
    sc.figures["rollup_exit_seconds"] = sc.figures["rollup_sigterm"]["seconds"]
    sc.headline = ["events_produced", "rows_loaded", "duplicates", "losses", "loader_exit_seconds",
                   "rollup_exit_seconds"]


def reason_prefix(reason):
    """A dead letter's reason without its particulars, for counting: quoted text, numbers and bytes go."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '"…"', reason)
    text = re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+Z", "<time>", text)
    text = re.sub(r"(?<![\w-])(?<!ISO )-?\d+(\.\d+)?(e-?\d+)?(?![\w-])", "N", text)  # keeps ISO 4217, UTF-8
    return text.split(" (")[0][:70]


def scenario_hostile(sc):
    """Whatever arrives on the topic, the loader keeps going: each hostile message is either a valid
    purchase or a dead letter with a reason, never a stop, never a loss."""
    help_text = harness.run([exe("generator"), "--help"], check=False, timeout=30).stdout
    if "--hostile-fraction" not in help_text:
        raise ScenarioFailed("the generator has no --hostile-fraction option (not implemented yet)")
    sc.broker(partitions=64)
    sc.fresh_database()
    generator = start_generator(sc, 60_000, "unlimited", "--hostile-fraction", "0.2", "--backfill", "20m")
    summary = finish_generator(sc, generator, timeout=120)
    sc.figures["hostile_sent"] = summary.get("hostile")
    catch_up(sc)
    reasons = collections.Counter(reason_prefix(line)
                                  for line in sc.sql("select reason from dead_letters").splitlines())
    sc.figures["dead_letter_reasons"] = dict(reasons.most_common())
    sc.details += [f"{count:>7}  {prefix}" for prefix, count in reasons.most_common()]
    final_checks(sc, summary)
    sc.headline = ["events_produced", "hostile_sent", "rows_loaded", "dead_letters", "duplicates", "losses",
                   "dead_letters_without_reason"]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http_get(url, timeout=5):
    """(status, body) of a GET; a refused connection is (None, reason)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except (urllib.error.URLError, OSError) as error:
        return None, str(error)


def scraped(text):
    """Prometheus' text format as {(name, labels): value}, labels as a sorted tuple of (key, value)."""
    values = {}
    for line in text.splitlines():
        match = re.match(r"^([a-z_:][a-z0-9_:]*)(\{([^}]*)\})? (\S+)$", line)
        if match:
            labels = tuple(sorted(re.findall(r'(\w+)="([^"]*)"', match.group(3) or "")))
            values[(match.group(1), labels)] = float(match.group(4))
    return values


class PrometheusServer:
    """Debian's Prometheus server scraping the given targets every second, with its own data directory."""

    def __init__(self, sc, targets):
        self.port = free_port()
        config = os.path.join(sc.log_dir, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\nscrape_configs:\n")
            for job, port in targets.items():
                f.write(f"  - job_name: {job}\n    static_configs:\n      - targets: ['127.0.0.1:{port}']\n")
        self.proc = sc.spawn("prometheus", ["prometheus", f"--config.file={config}",
                                            f"--storage.tsdb.path={os.path.join(sc.log_dir, 'prometheus-data')}",
                                            f"--web.listen-address=127.0.0.1:{self.port}"])
        sc.wait_until(lambda: http_get(f"http://127.0.0.1:{self.port}/-/ready")[0] == 200 or not self.proc.alive(),
                      60, "the Prometheus server to start")
        if not self.proc.alive():
            raise ScenarioFailed(f"prometheus exited {self.proc.returncode}: {self.proc.error_line()}")

    def query(self, promql):
        """The value of an instant query with one series, or None (no series, not yet scraped)."""
        url = f"http://127.0.0.1:{self.port}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
        status, body = http_get(url)
        if status != 200:
            return None
        result = json.loads(body)["data"]["result"]
        return float(result[0]["value"][1]) if len(result) == 1 else None


def scenario_operations(sc):
    """What an operator sees must be true: a real Prometheus server scrapes the loader and `rollup run
    --every 1s` each second; the counters equal what the database holds, promtool's linter finds nothing,
    the lag is 0 after a full load and exactly the messages produced while Postgres was stopped, /readyz
    turns unready with Postgres and ready again after the reconnect, `loader lag` agrees with PromQL, and
    the JSON log lines parse and hold no secret."""
    for tool in ("prometheus", "promtool"):
        if shutil.which(tool) is None:
            raise ScenarioFailed(f"{tool} is not installed (scripts/ensure-deps.sh installs Debian's prometheus)")
    sc.broker(partitions=8)
    sc.fresh_database()
    summary = finish_generator(sc, start_generator(sc, 30_000, "unlimited", *MIX), timeout=120)
    loader_port, rollup_port = free_port(), free_port()
    loader = sc.spawn("loader", loader_args(sc, "--metrics-port", str(loader_port), "--metrics-host", "127.0.0.1",
                                            "--log-format", "json", "-X", "sasl.password=OpsSecret77"))
    rollup = sc.spawn("rollup-every", [exe("rollup"), "run", "--every", "1s", "--metrics-port", str(rollup_port),
                                       "--metrics-host", "127.0.0.1"])
    prometheus = PrometheusServer(sc, {"loader": loader_port, "rollup": rollup_port})
    loader_url, rollup_url = f"http://127.0.0.1:{loader_port}", f"http://127.0.0.1:{rollup_port}"

    def loader_metrics():
        return scraped(http_get(loader_url + "/metrics")[1])

    def loaded():
        return int(sc.sql("select (select count(*) from staging_purchases) + (select count(*) from dead_letters)"))

    sc.wait_until(lambda: loaded() == summary.get("messages") or not loader.alive(), 120, "the loader to load all")
    sc.wait_until(lambda: prometheus.query("loader_lag_messages") == 0 or not loader.alive(), 30,
                  "PromQL loader_lag_messages to say 0 after the full load")
    metrics = loader_metrics()
    rows, dead = int(sc.sql("select count(*) from staging_purchases")), int(sc.sql("select count(*) from dead_letters"))
    by_kind = dict(line.split("|") for line in sc.sql(
        "select reason_kind, count(*) from dead_letters group by 1").splitlines())
    counted_kinds = {dict(labels)["reason"]: int(value) for (name, labels), value in metrics.items()
                     if name == "loader_dead_letters_total" and value > 0}
    sc.figures.update({"rows_counter": metrics.get(("loader_rows_loaded_total", ())), "rows_in_postgres": rows,
                       "dead_letters_counter": sum(counted_kinds.values()), "dead_letters_in_postgres": dead,
                       "promql_lag_after_load": prometheus.query("loader_lag_messages")})
    sc.check(metrics.get(("loader_rows_loaded_total", ())) == rows,
             f"loader_rows_loaded_total {metrics.get(('loader_rows_loaded_total', ()))}, staging_purchases {rows}")
    sc.check(sum(counted_kinds.values()) == dead, f"loader_dead_letters_total sums to {counted_kinds}, dead_letters {dead}")
    sc.check(counted_kinds == {k: int(v) for k, v in by_kind.items()},
             f"dead letters by reason: metric {counted_kinds}, dead_letters.reason_kind {by_kind}")
    sc.check(metrics.get(("loader_messages_consumed_total", ())) == summary.get("messages"),
             f"loader_messages_consumed_total {metrics.get(('loader_messages_consumed_total', ()))}")
    for name, url in (("loader", loader_url), ("rollup", rollup_url)):
        text = http_get(url + "/metrics")[1]
        lint = subprocess.run(["promtool", "check", "metrics"], input=text, text=True, capture_output=True)
        sc.figures[f"promtool_{name}"] = (lint.stdout + lint.stderr).strip() or "clean"
        sc.check(lint.returncode == 0 and not (lint.stdout + lint.stderr).strip(),
                 f"promtool check metrics on the {name}: {lint.stdout}{lint.stderr}")
    sc.wait_until(lambda: (prometheus.query('rollup_passes_total{result="ok"}') or 0) > 0, 30,
                  "Prometheus to scrape a rollup pass")
    lag = json.loads(harness.run([exe("loader"), "lag", "--json", "--log-level", "error"], env=sc.env, timeout=60).stdout)
    sc.check(lag["total_lag"] == 0, f"loader lag says {lag['total_lag']} after the full load")
    for name, url in (("loader", loader_url), ("rollup", rollup_url)):
        status, body = http_get(url + "/readyz")
        sc.check(status == 200, f"{name} /readyz answered {status} while everything runs: {body}")

    sc.note("pg-stop; producing while Postgres is down")
    services("pg-stop")
    try:
        sc.wait_until(lambda: http_get(loader_url + "/readyz")[0] == 503, 20, "the loader's /readyz to say not ready")
        behind = finish_generator(sc, start_generator(sc, 5_000, "unlimited", name="generator-2"), timeout=60)
        produced = behind.get("messages")
        sc.wait_until(lambda: prometheus.query("loader_lag_messages") == produced, 30,
                      f"PromQL loader_lag_messages to say {produced} while Postgres is down")
        sc.figures["promql_lag_while_down"] = prometheus.query("loader_lag_messages")
        sc.figures["promql_partition_lag_sum_while_down"] = prometheus.query("sum(loader_partition_lag_messages)")
        sc.check(sc.figures["promql_partition_lag_sum_while_down"] == produced,
                 f"sum of the partitions' lag {sc.figures['promql_partition_lag_sum_while_down']}, produced {produced}")
        sc.wait_until(lambda: http_get(rollup_url + "/readyz")[0] == 503, 20, "the rollup's /readyz to say not ready")
        sc.figures["readyz_while_down"] = http_get(loader_url + "/readyz")[1].strip().replace("\n", "; ")
        sc.check(http_get(loader_url + "/healthz")[0] == 200, "/healthz must stay 200 (alive) while Postgres is down")
    finally:
        services("pg-start")
    sc.note("pg-start")
    sc.wait_until(lambda: http_get(loader_url + "/readyz")[0] == 200, 90, "the loader's /readyz to say ready again")
    sc.wait_until(lambda: http_get(rollup_url + "/readyz")[0] == 200, 90, "the rollup's /readyz to say ready again")
    sc.wait_until(lambda: prometheus.query("loader_lag_messages") == 0, 60, "PromQL lag 0 after the reconnect")
    # The first pass built purchase_summary over all the history there was (a rebuild); the events loaded
    # after the outage reach it through incremental passes, window by window.
    updated = ('sum(rollup_windows_recomputed_total{model="purchase_summary"}) + '
               'sum(rollup_windows_added_total{model="purchase_summary"})')
    sc.wait_until(lambda: (prometheus.query(updated) or 0) > 0, 30,
                  "the rollup's metrics to count windows updated by incremental passes")
    sc.figures.update({"rollup_windows_updated": prometheus.query(updated),
                       "rollup_rebuilds": prometheus.query('rollup_rebuilds_total{model="purchase_summary"}')})
    sc.check((sc.figures["rollup_rebuilds"] or 0) >= 1, "rollup_rebuilds_total did not count the first build")
    lag = json.loads(harness.run([exe("loader"), "lag", "--json", "--log-level", "error"], env=sc.env, timeout=60).stdout)
    metrics = loader_metrics()
    rows = int(sc.sql("select count(*) from staging_purchases"))
    sc.figures.update({"reconnects_counter": metrics.get(("loader_reconnects_total", ())),
                       "loader_lag_command_after": lag["total_lag"], "rows_counter_after": metrics.get(
                           ("loader_rows_loaded_total", ())), "rows_in_postgres_after": rows})
    sc.check(lag["total_lag"] == 0, f"loader lag says {lag['total_lag']}, PromQL says 0")
    sc.check(metrics.get(("loader_rows_loaded_total", ())) == rows,
             f"after the outage loader_rows_loaded_total {metrics.get(('loader_rows_loaded_total', ()))}, rows {rows}")
    sc.check((metrics.get(("loader_reconnects_total", ())) or 0) >= 1, "loader_reconnects_total did not count the outage")
    for proc in (loader, rollup):
        rc, _ = proc.stop(timeout=20)
        sc.check(rc == 0, f"{proc.name} exited {rc} on SIGTERM: {proc.error_line()}")
    # The log file starts with the harness's own "# command" line, which holds the secret as it was given.
    log = "\n".join(line for line in loader.log().splitlines() if line.strip() and not line.startswith("# "))
    lines = log.splitlines()
    try:
        objects = [json.loads(line) for line in lines]
        sc.figures["json_log_lines"] = len(objects)
        messages = [o["message"] for o in objects]
        for wanted in ("loader starting", "serving metrics and health", "postgres unavailable",
                       "reconnected to postgres", "loader finished"):
            sc.check(wanted in messages, f"no JSON log line '{wanted}'")
    except json.JSONDecodeError as error:
        sc.check(False, f"a loader log line is not JSON: {error}")
    sc.check("OpsSecret77" not in log, "the SASL password appears in the loader's log")
    prometheus.proc.stop()
    summary["messages"] += produced
    sc.figures["events_produced"] = summary["messages"]
    summary["delivered"] = summary.get("delivered", 0) + behind.get("delivered", 0)
    summary["valid_purchases"] += behind.get("valid_purchases", 0)
    summary["invalid"] += behind.get("invalid", 0)
    summary["valid_amounts"] = add_amounts(summary["valid_amounts"], behind.get("valid_amounts", {}))
    final_checks(sc, summary)
    sc.headline = ["events_produced", "rows_counter", "rows_in_postgres", "dead_letters_counter",
                   "promql_lag_after_load", "promql_lag_while_down", "loader_lag_command_after", "reconnects_counter"]


CRASH_MARKERS = re.compile(r"^(Fatal error|Stack dump|💣|Current stack trace|\*\*\* Program crashed|Received signal"
                           r"|Thread \d+ crashed|\s*#?\d+\s+0x[0-9a-f]{6,})", re.MULTILINE)
SECRETS = ("Hunter2Secret", "WrongPass123", "RightPass789")


def scenario_bad_config(sc):
    """Misconfiguration must fail fast and plainly: a non-zero exit within 30 s, one line naming the problem,
    no crash or stack dump, and never a password in the output."""
    broker = sc.broker(partitions=4)
    sc.fresh_database()
    sc.sql("do $$ begin create role fault_user login password 'RightPass789'; "
           "exception when duplicate_object then alter role fault_user login password 'RightPass789'; end $$")
    good_db = sc.env["DATABASE_URL"]
    no_db = "postgresql://postgres@127.0.0.1:1/postgres"
    wrong_password = f"postgresql://fault_user:WrongPass123@127.0.0.1:{PG_PORT}/postgres"
    no_privileges = f"postgresql://fault_user:RightPass789@127.0.0.1:{PG_PORT}/{sc.db}"  # logs in, may not read
    sasl = ["-X", "sasl.password=Hunter2Secret", "-X", "security.protocol=sasl_plaintext",
            "-X", "sasl.mechanisms=PLAIN"]
    unreachable = {"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1"}
    # (case, command, environment changes, what the error line must name)
    cases = [
        ("loader, unreachable broker", ["loader"], unreachable, r"127\.0\.0\.1:1|broker|transport"),
        ("generator, unreachable broker", ["generator", "--count", "10"], unreachable,
         r"127\.0\.0\.1:1|broker|transport"),
        ("loader, unreachable database", ["loader"], {"DATABASE_URL": no_db}, r"127\.0\.0\.1.*port 1|refused"),
        ("rollup run, unreachable database", ["rollup", "run"], {"DATABASE_URL": no_db}, r"port 1|refused"),
        ("rollup migrate, unreachable database", ["rollup", "migrate"], {"DATABASE_URL": no_db}, r"port 1|refused"),
        ("loader, wrong password", ["loader"], {"DATABASE_URL": wrong_password}, r"password authentication failed"),
        ("rollup run, wrong password", ["rollup", "run"], {"DATABASE_URL": wrong_password},
         r"password authentication failed"),
        ("rollup run, a login without privileges", ["rollup", "run", "--log-level", "debug"],
         {"DATABASE_URL": no_privileges}, r"permission denied"),
        ("loader, a login without privileges", ["loader", "--log-level", "debug"], {"DATABASE_URL": no_privileges},
         r"permission denied"),
        ("loader, missing topic", ["loader"], {"KAFKA_TOPIC": "does-not-exist"}, r"does-not-exist"),
        ("generator, missing topic", ["generator", "--count", "10"], {"KAFKA_TOPIC": "does-not-exist"},
         r"does-not-exist"),
        ("loader --batch-size abc", ["loader", "--batch-size", "abc"], {}, r"batch-size"),
        ("generator --rate fast", ["generator", "--rate", "fast"], {}, r"rate"),
        ("rollup run --every 5parsecs", ["rollup", "run", "--every", "5parsecs"], {}, r"every"),
        ("rollup run, ALLOWED_LATENESS=soon", ["rollup", "run"], {"ALLOWED_LATENESS": "soon"}, r"ALLOWED_LATENESS"),
        ("rollup maintain --raw-retention -3", ["rollup", "maintain", "--raw-retention=-3"], {},
         r"RAW_RETENTION|raw-retention"),
        ("loader, PARTITIONS_AHEAD=many", ["loader"], {"PARTITIONS_AHEAD": "many"}, r"PARTITIONS_AHEAD"),
        ("loader, METRICS_PORT=web", ["loader"], {"METRICS_PORT": "web"}, r"METRICS_PORT"),
        ("rollup run --metrics-port without --every", ["rollup", "run", "--metrics-port", "9999"], {}, r"--every"),
        ("loader, port=notaport", ["loader", "--database-url", "host=x port=notaport"], {}, r"port"),
        ("rollup run, URL with [bad", ["rollup", "run", "--database-url", "postgresql://a:b@[bad"], {}, r"\]|IPv6|URI"),
        ("loader, SASL password, unreachable broker", ["loader", *sasl], unreachable, r"sasl|127\.0\.0\.1:1|transport"),
        ("loader, SASL user+password, unreachable broker, debug log",
         ["loader", *sasl, "-X", "sasl.username=u", "--log-level", "debug"], unreachable, r"127\.0\.0\.1:1|transport"),
        ("generator, SASL user+password, unreachable broker, debug log",
         ["generator", "--count", "10", *sasl, "-X", "sasl.username=u", "--log-level", "debug"], unreachable,
         r"127\.0\.0\.1:1|transport"),
        ("loader, KAFKA_PROPERTY_SASL_PASSWORD, unreachable broker, debug log",
         ["loader", "-X", "security.protocol=sasl_plaintext", "-X", "sasl.mechanisms=PLAIN", "-X", "sasl.username=u",
          "--log-level", "debug"], {**unreachable, "KAFKA_PROPERTY_SASL_PASSWORD": "Hunter2Secret"},
         r"127\.0\.0\.1:1|transport"),
        ("loader, password in URL, unreachable database", ["loader", "--log-level", "debug", "--database-url",
         "postgresql://u:Hunter2Secret@127.0.0.1:1/db"], {}, r"port 1|refused"),
        ("rollup run, password= in key/value string, unreachable database", ["rollup", "run", "--log-level", "debug",
         "--database-url", "host=127.0.0.1 port=1 user=u password=Hunter2Secret"], {}, r"port 1|refused"),
        ("rollup run, password in a malformed URL", ["rollup", "run", "--database-url",
         "postgresql://u:Hunter2Secret@[bad"], {}, r"\]|IPv6|URI"),
        ("loader, password as a query parameter of a malformed URL", ["loader", "--database-url",
         "postgresql://u@[bad?password=Hunter2Secret"], {}, r"\]|IPv6|URI"),
        ("rollup run, bad percent-encoding in a ?password= parameter", ["rollup", "run", "--database-url",
         "postgresql://u@127.0.0.1:1/db?password=Hunter2Secret%zz"], {}, r"percent"),
    ]
    bound = 30

    def attempt(case):
        name, command, changes, names_problem = case
        env = {**sc.env, "DATABASE_URL": good_db, "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap, **changes}
        args = [exe(command[0]), *command[1:]]
        started = time.monotonic()
        try:
            result = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, errors="replace",
                                    timeout=bound)
            rc, output = result.returncode, result.stdout + result.stderr
        except subprocess.TimeoutExpired as expired:
            rc = None
            output = "".join(x.decode(errors="replace") if isinstance(x, bytes) else (x or "")
                             for x in (expired.stdout, expired.stderr))
        seconds = time.monotonic() - started
        errors = [line for line in output.splitlines() if re.match(r"^([\w -]+: error: |Error: )", line)]
        problems = []
        if rc is None:
            problems.append(f"still running after {bound} s (killed)")
        elif rc == 0:
            problems.append("exit 0")
        elif rc < 0 or rc >= 128:
            problems.append(f"died of a signal (exit {rc})")
        if CRASH_MARKERS.search(output):
            problems.append("crash / stack trace output: " + CRASH_MARKERS.search(output).group(0).strip())
        if len(errors) != 1:
            problems.append(f"{len(errors)} error lines (want exactly one)")
        elif not re.search(names_problem, errors[0], re.IGNORECASE):
            problems.append(f"the error does not name the problem (/{names_problem}/)")
        leaked = [secret for secret in SECRETS if secret in output]
        if leaked:
            problems.append(f"password printed: {', '.join(leaked)}")
        with open(os.path.join(sc.log_dir, re.sub(r"\W+", "-", name).strip("-") + ".txt"), "w") as f:
            f.write(f"# {' '.join(args)}\n# env: {changes}\n# exit {rc} after {seconds:.2f} s\n{output}")
        return {"case": name, "command": " ".join(command), "env": changes, "exit": rc, "seconds": round(seconds, 2),
                "error": errors[0] if errors else (output.strip().splitlines() or [""])[-1][:300], "problems": problems}

    # The cases wait on timeouts (an unreachable broker: 10 s), not on the CPU: run them four at a time.
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(attempt, cases))
    sc.figures["cases"] = results
    for r in results:
        status = "ok  " if not r["problems"] else "FAIL"
        sc.details.append(f"{status} {r['case']}: exit {r['exit']} in {r['seconds']:.1f} s: {r['error'][:200]}")
        for problem in r["problems"]:
            sc.check(False, f"{r['case']}: {problem}")
    sc.figures["cases_passed"] = sum(1 for r in results if not r["problems"])
    sc.figures["cases_total"] = len(results)
    sc.figures["slowest_case_s"] = max(r["seconds"] for r in results)
    sc.headline = ["cases_passed", "cases_total", "slowest_case_s"]


class PsqlSession(Proc):
    """One psql kept open for the polls that time a kill: a fresh psql costs tens of milliseconds on a busy
    machine, one query on an open session a few. Stops at the first error (its stderr is in its log)."""

    MARK = "-- end of answer --"

    def __init__(self, sc, name="psql-watch"):
        super().__init__(name, ["psql", harness.database_url(sc.env, sc.db), "-qAtX", "-v", "ON_ERROR_STOP=1"],
                         sc.env, sc.log_dir, stdin=subprocess.PIPE, pipe_stdout=True)
        sc.procs.append(self)
        self.buffer = b""

    def query(self, text, timeout=20):
        """The rows (lines, columns joined by |) of one statement."""
        self.popen.stdin.write(f"{text};\n\\echo '{self.MARK}'\n".encode())
        self.popen.stdin.flush()
        deadline = time.monotonic() + timeout
        fd = self.popen.stdout.fileno()
        end = f"{self.MARK}\n".encode()
        while not (self.buffer.startswith(end) or f"\n{self.MARK}\n".encode() in self.buffer):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ScenarioFailed(f"{self.name}: no answer within {timeout} s to {text[:80]!r}")
            if select.select([fd], [], [], remaining)[0]:
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise ScenarioFailed(f"{self.name} exited ({self.popen.poll()}): {self.last_line('log')}")
                self.buffer += chunk
        answer, _, self.buffer = self.buffer.partition(end)
        return answer.decode(errors="replace").splitlines()

    def rollup_sessions(self):
        """{backend pid: inside a transaction} of the `rollup run` sessions of the scenario's database."""
        rows = self.query("select pid, xact_start is not null from pg_stat_activity "
                          "where application_name = 'purchase-rollup' and datname = current_database()")
        return {int(pid): in_xact == "t" for pid, in_xact in (row.split("|") for row in rows)}

    def rollbacks(self):
        return int(self.query("select xact_rollback from pg_stat_database where datname = current_database()")[0])

    def version(self, model):
        return self.query(f"select coalesce((select version from rollup_models where name = '{model}'), '')")[0]


# The standard mix without its backfill: event times are now (a backfill needs a --count that is produced).
STREAM_MIX = MIX[:-2]
PROGRESS = re.compile(r"chunk=(\d+)/(\d+) .*?rollup\.model=(\S+) .*\brebuild progress")


def rebuild_progress(proc):
    """The (model, chunk, chunks) of each "rebuild progress" line a rollup logged, in order."""
    return [(m.group(3), int(m.group(1)), int(m.group(2))) for m in PROGRESS.finditer(proc.log())]


def rollup_passes(proc):
    """The duration (ms) of each pass a rollup finished, and whether it was incremental (rebuilt nothing)."""
    return [(int(m.group(1)), m.group(2) == "[]")
            for m in re.finditer(r"duration\.ms=(\d+) .*\brecomputed=(\S+) .*\brollup pass done", proc.log())]


def changed_models(directory, expression):
    """A copy of sql/ in `directory` where purchase_summary's purchase_count is `expression`: the same
    values, another meaning to the rollup (a new version), so the next pass rebuilds purchase_summary and
    the models derived from it aside and switches."""
    os.makedirs(directory, exist_ok=True)
    for name in sorted(os.listdir(os.path.join(ROOT, "sql"))):
        if name.endswith(".sql"):
            shutil.copyfile(os.path.join(ROOT, "sql", name), os.path.join(directory, name))
    path = os.path.join(directory, "purchase_summary.sql")
    with open(path) as f:
        text = f.read()
    if "count(*) as purchase_count" not in text:
        raise ScenarioFailed("sql/purchase_summary.sql no longer says `count(*) as purchase_count`: "
                             "rollup-kill cannot change its meaning")
    with open(path, "w") as f:
        f.write(text.replace("count(*) as purchase_count", f"{expression} as purchase_count"))


def planned_rebuild(sc, directory):
    """The models `rollup plan` says the next pass recomputes over all history, in pass order."""
    text = harness.run([exe("rollup"), "plan", "--sql-dir", directory, "--log-level", "warning"], env=sc.env,
                       timeout=60).stdout
    return re.findall(r"^(\w+) +(?:new|changed|derived from)\b", text, re.MULTILINE)


def added_summaries(first, second):
    """Two generators' summaries as one (different seeds: no purchase in common)."""
    total = {}
    for key in set(first) | set(second):
        a, b = first.get(key, 0), second.get(key, 0)
        if key == "valid_amounts":
            total[key] = add_amounts(a or {}, b or {})
        elif isinstance(a, (int, float)) and isinstance(b, (int, float)):
            total[key] = a + b
    return total


def scenario_rollup_kill(sc):
    """SIGKILL `rollup run --every 1s` at seeded-random instants inside incremental passes while the loader
    loads a steady stream, then during a rebuild (a model's SQL changed in meaning, not in values) and close
    to its switch, restarting it each time: nothing lost or doubled, `rollup verify` clean, no aside table,
    temporary relation or advisory lock left behind, and the next pass runs."""
    # Three days of history are loaded first (a rebuild then has a few chunks, UTC days, per model, and a
    # switch of some 35,000 rows: long enough to be hit), then the stream runs at 1,200 events/s under the
    # standard mix (without backfill: event times are now) until it is stopped by SIGTERM. Kill instants are
    # timed from one open psql session (pg_stat_activity, pg_stat_database.xact_rollback) and from the
    # rollup's log lines. The server notices a killed client once its current statement is done and rolls
    # back whatever transaction was open, which is counted per kill ("cut_a_transaction").
    rng = random.Random(options.seed)
    kills = sc.figures["kills"] = []
    sc.broker(partitions=16)
    sc.fresh_database()
    loader = sc.spawn("loader", loader_args(sc, *SHORT_SESSION))
    history = finish_generator(sc, start_generator(sc, 60_000, "unlimited", *STREAM_MIX, "--backfill", "72h",
                                                   "--seed", str(options.seed + 1000), name="generator-history"),
                               timeout=120)
    generator = start_generator(sc, 10_000_000, 1_200, *STREAM_MIX)
    watch = PsqlSession(sc)
    loaded = "select (select count(*) from staging_purchases) + (select count(*) from dead_letters)"
    sc.wait_until(lambda: int(watch.query(loaded)[0]) >= history.get("messages", 0) or not loader.alive(), 120,
                  "the loader to load the history", interval=0.5)
    starts = 0

    def start(*extra):
        nonlocal starts
        starts += 1
        return sc.spawn(f"rollup-{starts:02d}", [exe("rollup"), "run", "--every", "1s", *extra])

    def running(proc, what):
        for other in (loader, generator):
            if not other.alive():
                raise ScenarioFailed(f"{other.name} exited ({other.returncode}): {other.error_line()}")
        if not proc.alive():
            raise ScenarioFailed(f"{proc.name} exited ({proc.returncode}) {what}: {proc.error_line()}")
        return True

    def kill(proc, phase, rollbacks, **facts):
        """SIGKILLs a rollup, waits (bounded) for its Postgres session to end and records the kill."""
        running(proc, f"before its {phase} kill")
        sessions = set(watch.rollup_sessions())
        proc.kill()
        killed = time.monotonic()
        sc.wait_until(lambda: not sessions & set(watch.rollup_sessions()), 60,
                      f"{proc.name}'s Postgres session to end after SIGKILL", interval=0.05)
        record = {"phase": phase, "process": proc.name, "at_s": round(sc.elapsed(), 1),
                  "passes_done": len(rollup_passes(proc)), "cut_a_transaction": watch.rollbacks() > rollbacks,
                  "session_gone_s": round(time.monotonic() - killed, 2), **facts}
        kills.append(record)
        return record

    def noted(record):
        sc.note(f"SIGKILL {record['process']} ({record['phase']}): " + ", ".join(
            f"{k}={v}" for k, v in record.items() if k not in ("phase", "process", "at_s")))

    # 1. Incremental passes. The first rollup builds every model (a fresh database); each one after it is
    #    killed inside its second pass: when its session opens the pass's transaction, after a seeded-random
    #    part of a typical incremental pass.
    rollup = start()
    sc.wait_until(lambda: any(incremental for _, incremental in rollup_passes(rollup))
                  or not running(rollup, "before its first incremental pass"), 120,
                  f"{rollup.name} to build the models and run an incremental pass")
    for _ in range(6):
        done = len(rollup_passes(rollup))
        sc.wait_until(lambda: len(rollup_passes(rollup)) > done or not running(rollup, "in incremental passes"), 60,
                      f"{rollup.name} to finish a pass")
        typical = statistics.median(ms for p in sc.procs if p.name.startswith("rollup-")
                                    for ms, incremental in rollup_passes(p) if incremental) / 1000
        rollbacks = watch.rollbacks()
        sc.wait_until(lambda: any(watch.rollup_sessions().values()) or not running(rollup, "between passes"), 30,
                      f"{rollup.name} to start a pass", interval=0.005)
        delay = rng.uniform(0, 0.8 * typical)
        time.sleep(delay)
        noted(kill(rollup, "incremental", rollbacks, delay_into_pass_s=round(delay, 3),
                   typical_pass_s=round(typical, 3)))
        rollup = start()
    sc.wait_until(lambda: len(rollup_passes(rollup)) >= 1 or not running(rollup, "after the incremental kills"), 60,
                  f"{rollup.name} to run a pass after the kills")
    rc, _ = rollup.stop(timeout=30)
    sc.check(rc == 0, f"{rollup.name} exited {rc} on SIGTERM: {rollup.error_line()}")

    # 2. A rebuild: purchase_summary's SQL changes in meaning, so it and the models derived from it are
    #    rebuilt aside, a UTC day per transaction, then switched to in one transaction. Killed after its
    #    first chunk, after a seeded-random later chunk, and a seeded-random instant after its last chunk,
    #    close to the switch; a kill that came after the switch had committed is followed by another change
    #    of meaning (the rebuild would have nothing left to do).
    variants = iter(["count(*) + 0", "count(*) * 1", "0 + count(*)", "count(*) - 0", "1 * count(*)",
                     "count(*) + 1 - 1", "count(*) * 2 / 2"])
    models_dir = os.path.join(sc.log_dir, "sql-changed")
    versions = [watch.version("purchase_summary")]

    def change_meaning():
        changed_models(models_dir, next(variants))
        rebuilt = planned_rebuild(sc, models_dir)
        sc.check(rebuilt[:1] == ["purchase_summary"], f"after purchase_summary.sql changed, `rollup plan` rebuilds "
                                                      f"{rebuilt}")
        return rebuilt

    rebuilt = sc.figures["rebuilt_models"] = change_meaning()

    def rebuild_kill(phase, fire, delay):
        proc = start("--sql-dir", models_dir)
        sc.wait_until(lambda: proc.log().count("connected to postgres") or not running(proc, "connecting"), 60,
                      f"{proc.name} to connect")
        rollbacks = watch.rollbacks()
        sc.wait_until(lambda: fire(rebuild_progress(proc)) or "rebuilt and switched" in proc.log()
                      or not running(proc, "while rebuilding"), 120, f"{proc.name} to reach the {phase}",
                      interval=0.01)
        time.sleep(delay)
        progress = rebuild_progress(proc)
        record = kill(proc, phase, rollbacks, delay_s=round(delay, 3), chunks_done=len(progress),
                      chunks_per_model={model: n for model, _, n in progress})
        record["switched_before_the_kill"] = watch.version("purchase_summary") != versions[-1]
        noted(record)
        if record["switched_before_the_kill"]:
            versions.append(watch.version("purchase_summary"))
            change_meaning()
        return record

    first = rebuild_kill("rebuild", lambda chunks: len(chunks) >= 1, rng.uniform(0, 0.05))
    sc.check(not first["switched_before_the_kill"], "the rollup killed after its first rebuild chunk had switched")
    # Every rebuilt model has about as many chunks (UTC days) as the first.
    total = max(first["chunks_per_model"].values(), default=1) * len(rebuilt)
    nth = rng.randint(2, max(2, total - 1))
    rebuild_kill("rebuild", lambda chunks: len(chunks) >= nth, rng.uniform(0, 0.05))
    near = []
    for _ in range(5):
        near.append(rebuild_kill("switch", lambda chunks: any(model == rebuilt[-1] and i == n
                                                              for (model, i, n) in chunks), rng.uniform(0, 0.4)))
        if sum(1 for r in near if not r["switched_before_the_kill"]) >= 2:
            break
    sc.check(any(not r["switched_before_the_kill"] for r in near),
             f"none of {len(near)} kills close to the switch came before it committed")
    # The last one is left to rebuild, switch and run incremental passes under the new version.
    rollup = start("--sql-dir", models_dir)
    sc.wait_until(lambda: "rebuilt and switched" in rollup.log() or not running(rollup, "while rebuilding"), 120,
                  f"{rollup.name} to rebuild and switch")
    done = len(rollup_passes(rollup))
    sc.wait_until(lambda: len(rollup_passes(rollup)) >= done + 2 or not running(rollup, "after the switch"), 60,
                  f"{rollup.name} to run incremental passes after the switch")
    versions.append(watch.version("purchase_summary"))
    sc.check(versions[-1] != versions[-2], "purchase_summary's version did not change with the finished rebuild")
    rc, _ = rollup.stop(timeout=30)
    sc.check(rc == 0, f"{rollup.name} exited {rc} on SIGTERM: {rollup.error_line()}")
    watch.kill()

    # 3. The end: the stream stops, the loader catches up, a pass with the changed models and the standard
    #    checks; then every model's totals, verify, leftovers (once no rollup session is left) and a pass.
    generator.send(signal.SIGTERM)
    stream = finish_generator(sc, generator, timeout=60)
    summary = added_summaries(history, stream)
    sc.figures["generator"] = {"history": history, "stream": stream}
    sc.figures["events_produced"] = summary.get("messages")
    rc, _ = loader.stop(timeout=30)
    sc.check(rc == 0, f"the loader exited {rc} on SIGTERM: {loader.error_line()}")
    catch_up(sc)
    sc.env["SQL_DIR"] = models_dir  # the final pass, verify and the next pass run the changed models
    final_checks(sc, summary)
    totals = {}
    for table in ("purchase_summary", "purchase_summary_by_category", "purchase_summary_hourly",
                  "purchase_summary_daily"):
        count, amounts = sc.sql(
            f"select coalesce(sum(purchase_count), 0), (select coalesce(string_agg(currency || '=' || amount, ','), '') "
            f"from (select currency, sum(total_amount) as amount from {table} group by currency) as c) "
            f"from {table}").split("|")
        totals[table] = {"purchases": int(count), "amounts": amounts}
        sc.check(int(count) == summary.get("valid_purchases"),
                 f"sum(purchase_count) of {table} is {count}, the generators sent {summary.get('valid_purchases')}")
        sc.check(per_currency(amounts) == valid_amounts(summary),
                 f"sum(total_amount) per currency of {table} is {amounts}, the generators' valid_amounts are "
                 f"{summary.get('valid_amounts')}")
    sc.figures["model_totals"] = totals
    events = int(sc.sql("select count(*) from purchase_events"))
    sc.check(events == totals["purchase_summary"]["purchases"],
             f"purchase_events has {events} rows, sum(purchase_count) is {totals['purchase_summary']['purchases']}")
    verify = harness.run([exe("rollup"), "verify", "--log-level", "warning"], env=sc.env, check=False, timeout=180)
    sc.figures["verify_exit"] = verify.returncode
    sc.check(verify.returncode == 0,
             f"rollup verify exited {verify.returncode}: {(verify.stdout + verify.stderr).strip()[-800:]}")
    sc.wait_until(lambda: sc.sql("select count(*) from pg_stat_activity where datname = current_database() "
                                 "and (application_name like 'purchase-rollup%' "
                                 "or application_name like 'purchase-loader%')") == "0", 30,
                  "the rollup and loader sessions to end", interval=0.5)
    leftovers = sc.sql("""
        select n.nspname || '.' || c.relname from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
        where n.nspname like 'pg\\_temp\\_%' or n.nspname like 'pg\\_toast\\_temp\\_%'
           or c.relname like 'rollup\\_aside%'
        order by 1
    """).split()
    sc.figures["leftover_relations"] = len(leftovers)
    sc.check(not leftovers, f"{len(leftovers)} relations left behind: {', '.join(leftovers[:10])}")
    locks = sc.sql("select count(*) from pg_locks where locktype = 'advisory'")
    sc.figures["advisory_locks_left"] = int(locks)
    sc.check(locks == "0", f"{locks} advisory locks held with no rollup running")
    runs = int(sc.sql("select count(*) from rollup_runs"))
    rollup_pass(sc)
    sc.figures["next_pass_ran"] = int(sc.sql("select count(*) from rollup_runs")) == runs + 1
    sc.check(sc.figures["next_pass_ran"], "the pass after the checks recorded no rollup_runs row")
    again = sc.sql("select rows_upserted from rollup_runs order by id desc limit 1")
    sc.figures["rows_upserted_by_the_next_pass"] = int(again) if again else None
    sc.check(again == "0", f"the pass after everything was rolled up still upserted {again} rows")
    sc.figures.update({
        "kill_count": len(kills),
        "kills_by_phase": dict(collections.Counter(k["phase"] for k in kills)),
        "kills_cutting_a_transaction": sum(1 for k in kills if k["cut_a_transaction"]),
        "switch_kills_before_commit": sum(1 for k in kills if k["phase"] == "switch"
                                          and not k["switched_before_the_kill"]),
        # before the commit and a transaction rolled back: the switch's own (chunks commit one by one)
        "switch_kills_inside_the_switch": sum(1 for k in kills if k["phase"] == "switch"
                                              and not k["switched_before_the_kill"] and k["cut_a_transaction"]),
        "rollup_starts": starts,
        "passes_logged": sum(len(rollup_passes(p)) for p in sc.procs if p.name.startswith("rollup-")),
        "passes_committed": runs + 1,
        "purchase_summary_versions": len(set(versions)),
    })
    sc.headline = ["events_produced", "rows_loaded", "duplicates", "losses", "summary_differences", "kill_count",
                   "kills_by_phase", "kills_cutting_a_transaction", "switch_kills_inside_the_switch",
                   "passes_committed", "verify_exit", "leftover_relations", "advisory_locks_left"]


SCENARIOS = {
    "crash": scenario_crash,
    "pg-restart": scenario_pg_restart,
    "broker-trouble": scenario_broker_trouble,
    "zombie": scenario_zombie,
    "concurrency": scenario_concurrency,
    "shutdown": scenario_shutdown,
    "hostile": scenario_hostile,
    "operations": scenario_operations,
    "bad-config": scenario_bad_config,
    "rollup-kill": scenario_rollup_kill,
}


# ---------------------------------------------------------------------------------------------------------
# Running and reporting


def headline(sc):
    parts = []
    for key in sc.headline:
        if key in sc.figures:
            parts.append(f"{key}={sc.figures[key]}")
    return ", ".join(parts)


def run_scenario(name, base_env, results):
    sc = Scenario(name, base_env)
    say(f"== {name}: {' '.join(SCENARIOS[name].__doc__.split()).split('. ')[0]}")
    try:
        SCENARIOS[name](sc)
    except ScenarioFailed as error:
        sc.check(False, str(error))
    except CommandFailed as error:
        sc.check(False, str(error.code).strip())
    except Exception:  # a bug of this script: report it as this scenario's failure and go on
        sc.check(False, "internal error in faults.py:\n" + traceback.format_exc())
    finally:
        sc.cleanup()
        if name in ("pg-restart", "operations"):
            services("pg-start")  # whatever happened, the next scenario needs Postgres
    seconds = sc.elapsed()
    status = "PASS" if not sc.failures else "FAIL"
    print(f"{status} {name} ({seconds:.1f} s): {headline(sc)}", flush=True)
    for line in sc.details:
        print(f"       {line}", flush=True)
    for failure in sc.failures:
        print(f"       - {failure}", flush=True)
    results["scenarios"][name] = {"status": status, "seconds": round(seconds, 1), "failures": sc.failures,
                                  "figures": sc.figures, "logs": os.path.relpath(sc.log_dir, ROOT)}
    write_results(results)
    return status == "PASS"


def write_results(results):
    os.makedirs(FAULTS_DIR, exist_ok=True)
    with open(RESULTS + ".tmp", "w") as f:
        json.dump(results, f, indent=2, default=str)
    os.replace(RESULTS + ".tmp", RESULTS)


def interrupted(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main():
    global options
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=os.environ.get("BIN_DIR", os.path.join(ROOT, ".build", "debug")),
                        help="directory of the executables (default $BIN_DIR or .build/debug)")
    parser.add_argument("--only", default=",".join(SCENARIOS), help="comma-separated scenarios (default: all)")
    parser.add_argument("--seed", type=int, default=1, help="seed for the generator and the kill instants")
    parser.add_argument("--keep-services", action="store_true", help="leave the suite's Postgres running")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    options = parser.parse_args()
    if options.list:
        for name, function in SCENARIOS.items():
            print(f"{name:<15} {' '.join(function.__doc__.split())}")
        return 0
    options.bin = os.path.abspath(options.bin)
    chosen = [name.strip() for name in options.only.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}")
    for name in ("generator", "loader", "rollup", "dev-broker"):
        if not os.access(exe(name), os.X_OK):
            parser.error(f"{exe(name)} is not built (swift build)")

    # Ctrl-C, a CI job's cancel, a closed terminal: stop every process started, then the services. (Set for
    # SIGINT too: a shell starting this in the background would otherwise leave SIGINT ignored.)
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, interrupted)
    started = time.monotonic()
    results = {"started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "bin": options.bin,
               "seed": options.seed, "cores": os.cpu_count(), "scenarios": {}}
    passed = True
    try:
        say(f"faults: starting the suite's services ({os.path.relpath(FAULTS_DIR, ROOT)}, Postgres on {PG_PORT})")
        base_env = services("up")
        for name in chosen:
            passed = run_scenario(name, base_env, results) and passed
    except KeyboardInterrupt:
        say("faults: interrupted; stopping processes")
        passed = False
        results["interrupted"] = True
    except CommandFailed as error:
        say(str(error.code))
        passed = False
        results["error"] = str(error.code)
    finally:
        kill_everything()
        if not options.keep_services:
            try:
                services("down")
            except CommandFailed as error:
                say(f"faults: stopping the services failed: {error.code}")
        results["total_seconds"] = round(time.monotonic() - started, 1)
        write_results(results)
    failed = [name for name, r in results["scenarios"].items() if r["status"] != "PASS"]
    print(f"faults: {len(results['scenarios']) - len(failed)} of {len(chosen)} scenarios passed in "
          f"{results['total_seconds']:.0f} s" + (f"; failed: {', '.join(failed)}" if failed else "")
          + f"; figures in {os.path.relpath(RESULTS, ROOT)}", flush=True)
    return 0 if passed and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
