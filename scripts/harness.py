"""Helpers shared by the scripts that drive the real executables: scripts/bench.py and scripts/faults.py.

  run(args, ...)                       a command from the repository root; on failure (or, with `timeout`, on
                                       a hang: the command is killed) stops the calling script with a
                                       `CommandFailed` naming the command, its exit status and its stderr
  services_env(bin_dir, command, ...)  `scripts/services.sh up` (or restart-broker ...) and the environment
                                       (DATABASE_URL, KAFKA_BOOTSTRAP_SERVERS ...) it prints
  database_url(env, name)              DATABASE_URL with another database name
  psql(env, db, *args)                 psql against that database (-qAtX, ON_ERROR_STOP), stdout stripped
  fresh_database(env, name, bin_dir)   drop, create and migrate (`rollup migrate`) a database

Python 3 standard library only. Messages are prefixed with the calling script's name (`bench: ...`).
"""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The calling script's name, for messages: "bench" for scripts/bench.py, "faults" for scripts/faults.py.
PROGRAM = os.path.splitext(os.path.basename(sys.argv[0] or "harness"))[0]


class CommandFailed(SystemExit):
    """A command failed or hung. A SystemExit, so a script that does not catch it stops with the message
    (exit status 1), exactly as `sys.exit(message)` would; scripts that carry on (faults.py) catch it."""


def run(args, env=None, capture=True, check=True, timeout=None):
    """Runs a command from the repository root and returns its CompletedProcess (text output captured
    unless `capture` is false). With `check`, a non-zero exit raises CommandFailed. With `timeout` (seconds)
    a command still running then is killed and CommandFailed is raised whatever `check` says."""
    try:
        result = subprocess.run(args, env=env, cwd=ROOT, text=True,
                                stdout=subprocess.PIPE if capture else None,
                                stderr=subprocess.PIPE if capture else None,
                                timeout=timeout)
    except subprocess.TimeoutExpired as expired:
        stderr = expired.stderr.decode(errors="replace") if isinstance(expired.stderr, bytes) else expired.stderr
        raise CommandFailed(f"{PROGRAM}: {' '.join(args)} did not finish within {timeout} s and was killed:\n"
                            f"{stderr or ''}") from None
    if check and result.returncode != 0:
        raise CommandFailed(f"{PROGRAM}: {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result


def services_env(bin_dir, command="up", timeout=None, **settings):
    """Runs `scripts/services.sh <command>` (up, restart-broker ...) with BIN_DIR=bin_dir and the given
    settings (SERVICES_DIR, PGPORT_LOCAL, BROKER_PARTITIONS ... as keyword arguments) added to the
    environment, and returns that environment with the exports the script printed (DATABASE_URL,
    TEST_DATABASE_URL, KAFKA_BOOTSTRAP_SERVERS, KAFKA_TOPIC)."""
    env = dict(os.environ, BIN_DIR=bin_dir, **settings)
    text = run(["scripts/services.sh", command], env=env, timeout=timeout).stdout
    for name, value in re.findall(r"export (\w+)='([^']*)'", text):
        env[name] = value
    return env


def database_url(env, name):
    """The services' DATABASE_URL (a libpq key=value string) pointing at database `name`."""
    return re.sub(r"dbname=\S+", f"dbname={name}", env["DATABASE_URL"])


def psql(env, db, *args, timeout=None):
    """Runs psql against database `db` (unaligned, tuples only, stop on the first error); returns stdout."""
    return run(["psql", database_url(env, db), "-qAtX", "-v", "ON_ERROR_STOP=1", *args], env=env,
               timeout=timeout).stdout.strip()


def fresh_database(env, name, bin_dir, timeout=None):
    """Drops and recreates a database and applies the migrations."""
    psql(env, "postgres", "-c", f"drop database if exists {name} with (force)", timeout=timeout)
    psql(env, "postgres", "-c", f"create database {name}", timeout=timeout)
    run([f"{bin_dir}/rollup", "migrate", "--log-level", "error", "--database-url", database_url(env, name)], env=env,
        timeout=timeout)
