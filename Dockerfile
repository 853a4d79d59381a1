# The pipeline's three executables in one image, for docker-compose and deployments. The build stage uses
# the Swift the project is built with (Package.swift's tools version or newer); the runtime stage is a slim
# Debian with only the C libraries the executables link (the Swift runtime is linked in statically) and curl
# for the health checks, running as a user without privileges.
FROM swift:6.3-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends librdkafka-dev libpq-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
# Only for the manifest, which names the test targets; nothing in it is built.
COPY Tests ./Tests
RUN swift build -c release --static-swift-stdlib --product generator \
    && swift build -c release --static-swift-stdlib --product loader \
    && swift build -c release --static-swift-stdlib --product rollup

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends librdkafka1 libpq5 curl ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home pipeline
WORKDIR /app
COPY --from=build /src/.build/release/generator /src/.build/release/loader /src/.build/release/rollup /usr/local/bin/
COPY migrations ./migrations
COPY sql ./sql
COPY data ./data
ENV MIGRATIONS_DIR=/app/migrations SQL_DIR=/app/sql RATES_FILE=/app/data/exchange_rates.csv
USER pipeline
