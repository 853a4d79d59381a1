#!/bin/sh
# docker-compose only: the database's login users, one per component, each a member of the group role that
# carries its grants (created here too, so the grants in migrations/V002 and V005 find them). The schema
# itself comes from `rollup migrate`, run as the owner.
set -e
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
create role dashboard_reader nologin;
create role purchase_loader nologin;
create role purchase_rollup nologin;
create role grafana login password '${GRAFANA_DB_PASSWORD}' in role dashboard_reader;
create role loader login password '${LOADER_DB_PASSWORD}' in role purchase_loader;
create role rollup login password '${ROLLUP_DB_PASSWORD}' in role purchase_rollup;
SQL
