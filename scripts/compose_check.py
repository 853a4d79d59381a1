#!/usr/bin/env python3
"""What can be checked of docker-compose.yml and the Dockerfile without a Docker engine (none runs on the
machines this project is developed and tested on):

  - every service built from this repository runs one of our executables with flags its `--help` lists and
    environment variables some `--help` documents (or libpq/librdkafka take: KAFKA_PROPERTY_*);
  - every mounted host path exists; no two services publish the same host port;
  - each health check asks the service's own METRICS_PORT for /readyz, and deploy/prometheus.yml scrapes
    exactly those ports;
  - no secret is written in the compose file (each password is a ${VARIABLE} without a default) and
    .env.example names every variable the file needs;
  - the Dockerfile's Swift satisfies Package.swift's tools version, builds only the three executables and
    runs them as a user other than root;
  - Grafana's data source logs in as the login deploy/postgres-init.sh creates in dashboard_reader, with the
    password variable the grafana service gets.

Needs the built executables (BIN_DIR, default .build/debug) and PyYAML. Exits 1 with one line per failure.
"""
import os
import re
import subprocess
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("BIN_DIR", os.path.join(ROOT, ".build", "debug"))
EXECUTABLES = {"generator", "loader", "rollup"}
failures = []


def fail(message):
    failures.append(message)
    print(f"compose_check: FAIL {message}", file=sys.stderr)


def read(path):
    return open(os.path.join(ROOT, path), encoding="utf-8").read()


def help_text(words):
    """`--help` of an executable or one of its subcommands."""
    result = subprocess.run([os.path.join(BIN, words[0]), *words[1:], "--help"], capture_output=True, text=True,
                            timeout=30)
    return result.stdout + result.stderr


def main():
    compose = yaml.safe_load(read("docker-compose.yml"))
    services = compose["services"]
    documented = set()
    for words in (["generator"], ["loader"], ["loader", "lag"], ["rollup", "run"], ["rollup", "migrate"]):
        documented |= set(re.findall(r"Env: ([A-Z_]+)", help_text(words)))
    documented |= {"DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS"}

    published = {}
    metrics_ports = {}
    for name, service in services.items():
        for mapping in service.get("ports", []):
            host = str(mapping).split(":")[0]
            if host in published:
                fail(f"{name} and {published[host]} both publish host port {host}")
            published[host] = name
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith(".") and not os.path.exists(os.path.join(ROOT, source)):
                fail(f"{name} mounts {source}, which does not exist")
        environment = service.get("environment", {}) or {}
        for key, value in environment.items():
            if re.search(r"PASSWORD|SECRET|TOKEN", key) and not re.fullmatch(r"\$\{\w+(:\?[^}]*)?\}", str(value)):
                fail(f"{name}: {key} is written in the compose file ({value!r}); take it from .env")
            if re.search(r"://[^:/@]+:(?!\$\{)[^@]+@", str(value)):
                fail(f"{name}: {key} has a password in its URL; use a ${{VARIABLE}} from .env")
        if service.get("build") is None:
            continue
        command = service.get("command", "").split()
        if not command or command[0] not in EXECUTABLES:
            fail(f"{name}: runs {command[:1]}, not one of {sorted(EXECUTABLES)}")
            continue
        words = command[:2] if len(command) > 1 and not command[1].startswith("-") else command[:1]
        text = help_text(words)
        for flag in (w.split("=")[0] for w in command if w.startswith("--")):
            if not re.search(rf"(^|\s){re.escape(flag)}\b", text):
                fail(f"{name}: `{' '.join(words)}` has no flag {flag}")
        for key in environment:
            if key not in documented and not key.startswith("KAFKA_PROPERTY_"):
                fail(f"{name}: environment variable {key} is not one the executables read")
        if "METRICS_PORT" in environment:
            port = str(environment["METRICS_PORT"])
            metrics_ports[name] = port
            test = " ".join(service.get("healthcheck", {}).get("test", []))
            if f":{port}/readyz" not in test:
                fail(f"{name}: its health check ({test!r}) does not ask /readyz on METRICS_PORT {port}")
        if "DATABASE_URL" in environment:
            waits = service.get("depends_on", {}).get("migrate", {}).get("condition")
            if name != "migrate" and waits != "service_completed_successfully":
                fail(f"{name}: uses the database but does not wait for migrate to complete")

    # The postgres image's first start runs a temporary server on the Unix socket only (listen_addresses=''):
    # a health check over the socket passes before TCP is open, and migrate's first connection is refused.
    health = " ".join(services.get("postgres", {}).get("healthcheck", {}).get("test", []))
    if "pg_isready" not in health or not re.search(r"-h\s+(127\.0\.0\.1|localhost)\b", health):
        fail(f"postgres: its health check ({health!r}) must ask pg_isready over TCP (-h 127.0.0.1)")
    if "--wait" not in services.get("migrate", {}).get("command", ""):
        fail("migrate: `rollup migrate` should --wait for the database, which may still be starting")

    scraped = set(re.findall(r"[\"'](\w+):(\d+)[\"']", read("deploy/prometheus.yml")))
    if scraped != set(metrics_ports.items()):
        fail(f"deploy/prometheus.yml scrapes {sorted(scraped)}, the services serve {sorted(metrics_ports.items())}")

    text = read("docker-compose.yml")
    needed = set(re.findall(r"\$\{(\w+)", text))
    offered = set(re.findall(r"^(\w+)=", read(".env.example"), re.MULTILINE))
    if needed - offered:
        fail(f".env.example lacks {sorted(needed - offered)}")
    if re.search(r"\$\{\w*(PASSWORD|SECRET)\w*:-", text):
        fail("a password variable has a default in docker-compose.yml")

    dockerfile = read("Dockerfile")
    tools = tuple(int(n) for n in re.search(r"swift-tools-version:\s*(\d+)\.(\d+)", read("Package.swift")).groups())
    image = re.search(r"FROM swift:(\d+)\.(\d+)", dockerfile)
    if image is None or tuple(int(n) for n in image.groups()) < tools:
        fail(f"the Dockerfile's Swift {image.group(0) if image else '(none)'} is older than tools version {tools}")
    products = set(re.findall(r"--product (\w+)", dockerfile))
    if products != EXECUTABLES:
        fail(f"the Dockerfile builds {sorted(products)}, not exactly {sorted(EXECUTABLES)}")
    final_stage = dockerfile.split("\nFROM ")[-1]
    user = re.search(r"^USER\s+(\S+)", final_stage, re.MULTILINE)
    if user is None or user.group(1) in ("root", "0"):
        fail("the image's last stage does not switch to a user other than root")

    datasource = read("grafana-data/provisioning/datasources/postgres.yaml")
    login = re.search(r"^\s*user:\s*(\S+)", datasource, re.MULTILINE).group(1)
    secret = re.search(r"password:\s*\$\{(\w+)\}", datasource).group(1)
    init = read("deploy/postgres-init.sh")
    if not re.search(rf"create role {login} login password '\$\{{{secret}\}}' in role dashboard_reader", init):
        fail(f"deploy/postgres-init.sh does not create login {login} (password ${secret}) in dashboard_reader")
    for name in ("grafana", "postgres"):
        if secret not in (services[name].get("environment") or {}):
            fail(f"the {name} service does not get {secret}")
    print(f"compose_check: {len(services)} services, {len(metrics_ports)} health checks on /readyz, "
          f"{len(documented)} documented variables" + (f"; {len(failures)} failures" if failures else "; OK"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
