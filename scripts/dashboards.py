#!/usr/bin/env python3
"""Checks the Grafana dashboards in grafana-data/ against a database the real pipeline loaded.

  1. The JSON: dashboard uids unique, panel ids unique per dashboard, every panel's and every query's
     datasource the provisioned one (grafana-data/provisioning/datasources), every variable a query uses
     defined, no `$__timeFilter` (Grafana's BETWEEN counts a row on a boundary in both ranges).
  2. Every panel's SQL, expanded as Grafana expands it (the frontend's template variables in their default,
     `sqlstring` and `csv` forms, for one country, two, and "All"; then `$__interval`, then the Postgres
     macros of pkg/tsdb/grafana-postgresql-datasource/macros.go), runs as a login that is only a member of
     `dashboard_reader`, and returns the columns its panel type draws (a time column and numbers for a time
     series, a label and numbers for a bar chart, one row of numbers for a stat).
  3. Ranges are [from, to): splitting a range at a window's start splits the totals exactly.
  4. Every panel again on an empty, freshly migrated database, as a new stack shows them before the first
     rows: the Country variable has no options, so All expands to nothing, and every query must still run.

Run after scripts/e2e.sh (make test does), with DATABASE_URL pointing at its database. Python 3 standard
library only; exits 1 with one line per failure.
"""
import csv
import datetime
import glob
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DASHBOARDS = sorted(glob.glob(os.path.join(ROOT, "grafana-data", "dashboards", "*.json")))
DATASOURCES = os.path.join(ROOT, "grafana-data", "provisioning", "datasources", "postgres.yaml")
CHECK_ROLE = "dashboard_check"
failures = []


def fail(message):
    failures.append(message)
    print(f"dashboards: FAIL {message}", file=sys.stderr)


# ---------------------------------------------------------------------------------------------------------
# Grafana's expansion


def go_float(value):
    """Go's %v of a float64, as the macros print interval seconds: 60 -> "60", 0.5 -> "0.5"."""
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e21 else repr(float(value))


def rfc3339nano(moment):
    """Go's time.RFC3339Nano in UTC: fractional seconds without trailing zeros, 'Z'."""
    text = moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += ("." + f"{moment.microsecond:06d}").rstrip("0")
    return text + "Z"


def parse_interval(text):
    """gtime.ParseInterval for the forms dashboards use: 100ms, 30s, 1m, 2h, 1d, 1w."""
    match = re.fullmatch(r"(\d+)(ms|s|m|h|d|w)", text.strip("'"))
    if not match:
        raise ValueError(f"error parsing interval {text}")
    seconds = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[match.group(2)]
    return int(match.group(1)) * seconds


def expand_macros(sql, start, end):
    """The Postgres macro engine (macros.go): `$name(args)`, args split on commas and trimmed; an unknown
    macro is an error, as in Grafana."""
    pattern = re.compile(r"\$([_a-zA-Z0-9]+)\(([^\)]*)\)")

    def evaluate(name, args):
        if name == "__time":
            return f'{args[0]} AS "time"'
        if name == "__timeEpoch":
            return f'extract(epoch from {args[0]}) as "time"'
        if name == "__timeFilter":
            return f"{args[0]} BETWEEN '{rfc3339nano(start)}' AND '{rfc3339nano(end)}'"
        if name == "__timeFrom":
            return f"'{rfc3339nano(start)}'"
        if name == "__timeTo":
            return f"'{rfc3339nano(end)}'"
        if name in ("__timeGroup", "__timeGroupAlias"):
            if len(args) < 2:
                raise ValueError(f"macro {name} needs time column and interval and optional fill value")
            seconds = go_float(parse_interval(args[1]))
            group = f"floor(extract(epoch from {args[0]})/{seconds})*{seconds}"
            return group + (' AS "time"' if name == "__timeGroupAlias" else "")
        if name == "__unixEpochFilter":
            return f"{args[0]} >= {int(start.timestamp())} AND {args[0]} <= {int(end.timestamp())}"
        raise ValueError(f'unknown macro "{name}"')

    def replace(match):
        name = match.group(1)
        # Grafana's pre-5.3 rule: $__timeGroup(...) directly followed by ',' gets the alias.
        if name == "__timeGroup":
            index = sql.find(match.group(0))
            if index >= 0 and sql[index + len(match.group(0)):index + len(match.group(0)) + 1] == ",":
                name = "__timeGroupAlias"
        return evaluate(name, [arg.strip(" ") for arg in match.group(2).split(",")])

    return pattern.sub(replace, sql)


def expand_variables(sql, variables, selection):
    """The frontend's template interpolation for a SQL data source: `${var:sqlstring}` quotes each value,
    `${var:csv}` joins them, and the default form quotes a multi-value or "All" variable as sqlstring."""

    def render(name, form):
        if name.startswith("__"):
            return None  # built-ins ($__interval ...) and macros are the backend's
        if name not in variables:
            raise KeyError(f"variable {name} is not defined")
        values = selection[name]
        quoted = ",".join("'" + value.replace("'", "''") + "'" for value in values)
        if form == "sqlstring":
            return quoted
        if form == "csv":
            return ",".join(values)
        if form is None:
            return quoted if variables[name].get("multi") or variables[name].get("includeAll") else values[0]
        raise KeyError(f"format {form} of {name} is not one Grafana has")

    def replace(match):
        name, form = match.group(1) or match.group(3) or match.group(4), match.group(2)
        value = render(name, form)
        return match.group(0) if value is None else value

    return re.sub(r"\$\{(\w+)(?::(\w+))?\}|\[\[(\w+)\]\]|\$(\w+)(?!\()", replace, sql)


def expand(sql, variables, selection, start, end, interval):
    sql = expand_variables(sql, variables, selection)
    # sqleng replaces the interval before the macros run.
    sql = sql.replace("$__interval_ms", str(int(parse_interval(interval) * 1000))).replace("$__interval", interval)
    return expand_macros(sql, start, end)


def self_test():
    """The expansion against outputs Grafana's own macro tests expect (macros_test.go, a 5-minute range from
    2018-04-12T18:00:00Z), and the frontend's formats: a wrong expansion must not pass for a right one."""
    start = datetime.datetime(2018, 4, 12, 18, 0, tzinfo=datetime.timezone.utc)
    end = start + datetime.timedelta(minutes=5)
    cases = [
        ("select $__timeTo()", "select '2018-04-12T18:05:00Z'"),
        ("SELECT $__timeGroup(time_column,'5m'), value",
         'SELECT floor(extract(epoch from time_column)/300)*300 AS "time", value'),
        ("SELECT $__timeGroup(time_column,'5m') as time, value",
         "SELECT floor(extract(epoch from time_column)/300)*300 as time, value"),
        ("WHERE $__timeFilter(time_column)",
         "WHERE time_column BETWEEN '2018-04-12T18:00:00Z' AND '2018-04-12T18:05:00Z'"),
        ("select $__timeGroupAlias(t, $__interval)", 'select floor(extract(epoch from t)/60)*60 AS "time"'),
    ]
    for sql, expected in cases:
        got = expand(sql, {}, {}, start, end, "1m")
        if got != expected:
            fail(f"macro expansion of {sql!r}: {got!r}, Grafana gives {expected!r}")
    variables = {"c": {"multi": True, "includeAll": True}, "one": {}}
    selection = {"c": ["DE", "O'B"], "one": ["x"]}
    for sql, expected in (("${c:csv}", "DE,O'B"), ("${c:sqlstring}", "'DE','O''B'"), ("$c", "'DE','O''B'"),
                          ("$one and [[one]]", "x and x")):
        got = expand_variables(sql, variables, selection)
        if got != expected:
            fail(f"variable expansion of {sql!r}: {got!r}, Grafana gives {expected!r}")


# ---------------------------------------------------------------------------------------------------------
# The database


def connection(user=None, database=None):
    url = os.environ["DATABASE_URL"]
    if database:
        url = re.sub(r"dbname=\S+", f"dbname={database}", url)
    return re.sub(r"user=\S+", f"user={user}", url) if user else url


def query(sql, user=CHECK_ROLE, database=None):
    """Runs one statement; returns (columns, rows) as text, or raises with psql's error."""
    result = subprocess.run(["psql", connection(user, database), "-X", "-q", "--csv", "-v", "ON_ERROR_STOP=1", "-c",
                             sql],
                            capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip())
    lines = list(csv.reader(result.stdout.splitlines()))
    return (lines[0], lines[1:]) if lines else ([], [])


def is_number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


def is_time(text):
    return is_number(text) or re.match(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d", text or "") is not None


def check_shape(where, panel, target, columns, rows):
    kind = panel["type"]
    if not columns:
        return fail(f"{where}: no columns")
    numeric = [i for i in range(len(columns)) if rows and all(is_number(r[i]) for r in rows if r[i] != "")]
    if kind == "timeseries":
        if columns[0] != "time" or not all(is_time(r[0]) for r in rows):
            fail(f"{where}: a time series needs its first column named time, got {columns}")
        values = [i for i in numeric if i != 0]
        if rows and not values:
            fail(f"{where}: a time series needs a numeric column, got {columns}")
        if "metric" in columns and len(columns) != 3:
            fail(f"{where}: with a metric column Grafana wants exactly time, metric, value; got {columns}")
    elif kind == "barchart":
        labels = [i for i in range(len(columns)) if i not in numeric]
        if rows and (not labels or not numeric):
            fail(f"{where}: a bar chart needs a label column and a numeric one, got {columns} {rows[:1]}")
    elif kind == "stat":
        if len(rows) != 1 or len(numeric) != len(columns):
            fail(f"{where}: a stat needs one row of numbers, got {columns} {rows[:2]}")


EMPTY_DATABASE = "dashboards_empty"


def check_empty_database():
    """Every panel on a freshly migrated database without rows (see 4. above); returns the queries run."""
    if "dbname=" not in os.environ["DATABASE_URL"]:
        fail("DATABASE_URL is not in key=value form (dbname=...): cannot make the empty database beside it")
        return 0
    bin_dir = os.environ.get("BIN_DIR", os.path.join(ROOT, ".build", "debug"))
    query(f"drop database if exists {EMPTY_DATABASE} with (force)", user="postgres")
    query(f"create database {EMPTY_DATABASE}", user="postgres")
    ran = 0
    try:
        subprocess.run([os.path.join(bin_dir, "rollup"), "migrate", "--log-level", "warning", "--database-url",
                        connection(database=EMPTY_DATABASE)], check=True, capture_output=True, timeout=120)
        end = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        start = end - datetime.timedelta(hours=6)
        for path in DASHBOARDS:
            dashboard = json.load(open(path))
            variables = {v["name"]: v for v in dashboard.get("templating", {}).get("list", [])}
            # Grafana's options on an empty database: what each variable's query returns there (All of none).
            selection = {name: [row[0] for row in query(v["query"], database=EMPTY_DATABASE)[1]]
                         for name, v in variables.items()}
            for panel in dashboard["panels"]:
                for target in panel.get("targets", []):
                    where = f"{os.path.basename(path)} panel {panel['id']} '{panel['title']}' (empty database)"
                    try:
                        columns, rows = query(expand(target["rawSql"], variables, selection, start, end, "1m"),
                                              database=EMPTY_DATABASE)
                    except (KeyError, ValueError, RuntimeError) as error:
                        fail(f"{where}: {error}")
                        continue
                    ran += 1
                    if rows or panel["type"] == "stat":
                        check_shape(where, panel, target, columns, rows)
    finally:
        query(f"drop database if exists {EMPTY_DATABASE} with (force)", user="postgres")
    return ran


def main():
    if "DATABASE_URL" not in os.environ:
        sys.exit("dashboards: DATABASE_URL is not set (run after scripts/e2e.sh, as make test does)")
    self_test()
    provisioned = re.search(r"^\s*uid:\s*(\S+)", open(DATASOURCES).read(), re.MULTILINE).group(1)
    # A login with nothing but dashboard_reader's grants, as the grafana login of deploy/ is.
    query(f"do $$ begin create role {CHECK_ROLE} login; exception when duplicate_object then null; end $$;"
          f" grant dashboard_reader to {CHECK_ROLE}", user="postgres")
    first, last = query("select min(created_at), max(created_at) from staging_purchases")[1][0]
    start = datetime.datetime.fromisoformat(first).replace(second=0, microsecond=0) - datetime.timedelta(minutes=5)
    end = datetime.datetime.fromisoformat(last) + datetime.timedelta(minutes=5)
    uids, ran = set(), 0
    for path in DASHBOARDS:
        name = os.path.basename(path)
        dashboard = json.load(open(path))
        if dashboard.get("uid") in uids or not dashboard.get("uid"):
            fail(f"{name}: dashboard uid {dashboard.get('uid')!r} missing or not unique")
        uids.add(dashboard.get("uid"))
        variables = {v["name"]: v for v in dashboard.get("templating", {}).get("list", [])}
        ids = [p.get("id") for p in dashboard["panels"]]
        if len(ids) != len(set(ids)) or None in ids:
            fail(f"{name}: panel ids not unique: {ids}")
        # The variables' own queries run as the reader too; their values make the selections.
        values = {}
        for variable in variables.values():
            if variable.get("datasource", {}).get("uid") != provisioned:
                fail(f"{name}: variable {variable['name']} does not use the provisioned data source")
            values[variable["name"]] = [row[0] for row in query(variable["query"])[1]]
            if not values[variable["name"]]:
                fail(f"{name}: variable {variable['name']} has no values on a loaded database")
        selections = {"one": {k: v[:1] for k, v in values.items()}, "two": {k: v[:2] for k, v in values.items()},
                      "All": values}
        for panel in dashboard["panels"]:
            if panel.get("datasource", {}).get("uid") != provisioned:
                fail(f"{name} panel {panel['id']}: datasource {panel.get('datasource')} is not {provisioned}")
            for target in panel.get("targets", []):
                sql = target["rawSql"]
                if target.get("datasource", {}).get("uid") != provisioned:
                    fail(f"{name} panel {panel['id']}: query datasource is not {provisioned}")
                if "$__timeFilter" in sql:
                    fail(f"{name} panel {panel['id']}: $__timeFilter is BETWEEN (both ends): compare [from, to)")
                for label, selection in selections.items():
                    where = f"{name} panel {panel['id']} '{panel['title']}' ({label} selected)"
                    try:
                        expanded = expand(sql, variables, selection, start, end, "1m")
                        columns, rows = query(expanded)
                    except (KeyError, ValueError, RuntimeError) as error:
                        fail(f"{where}: {error}")
                        continue
                    ran += 1
                    check_shape(where, panel, target, columns, rows)
                    if label == "All" and not rows:
                        fail(f"{where}: no rows on a database the pipeline loaded")
    # [from, to): the totals of two adjacent ranges, split at a window's start, are the whole range's.
    purchases = json.load(open(os.path.join(ROOT, "grafana-data", "dashboards", "purchases.json")))
    stat = next(p for p in purchases["panels"] if p["type"] == "stat")
    variables = {v["name"]: v for v in purchases["templating"]["list"]}
    everything = {name: [row[0] for row in query(variable["query"])[1]] for name, variable in variables.items()}
    middle = datetime.datetime.fromisoformat(query(
        "select window_start from purchase_summary order by window_start offset "
        "(select count(*) / 2 from purchase_summary) limit 1")[1][0][0])

    def total(a, b):
        return float(query(expand(stat["targets"][0]["rawSql"], variables, everything, a, b, "1m"))[1][0][0])

    whole, left, right = total(start, end), total(start, middle), total(middle, end)
    if abs(whole - (left + right)) > 0.001 or left == 0 or right == 0:
        fail(f"[from, to) ranges: {left} + {right} != {whole} when split at {middle}")
    ran += check_empty_database()
    print(f"dashboards: {len(DASHBOARDS)} dashboards, {ran} panel queries run as {CHECK_ROLE} (dashboard_reader); "
          f"split at {rfc3339nano(middle)}: {left:.2f} + {right:.2f} = {whole:.2f}"
          + (f"; {len(failures)} failures" if failures else "; OK"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
