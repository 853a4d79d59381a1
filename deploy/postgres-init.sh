#!/bin/sh
# docker-compose only: the database and the dashboard login. The schema comes from `rollup migrate`.
set -e
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
create role grafana login password '${GRAFANA_DB_PASSWORD}';
create role dashboard_reader nologin;
grant dashboard_reader to grafana;
SQL
