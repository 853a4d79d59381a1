# The pipeline's executables in one image (generator, loader, rollup), for docker-compose and deployments.
FROM swift:6.1-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends librdkafka-dev libpq-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product generator && swift build -c release --product loader \
    && swift build -c release --product rollup

FROM swift:6.1-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends librdkafka1 libpq5 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /src/.build/release/generator /src/.build/release/loader /src/.build/release/rollup /usr/local/bin/
COPY migrations ./migrations
COPY sql ./sql
ENV MIGRATIONS_DIR=/app/migrations SQL_DIR=/app/sql
