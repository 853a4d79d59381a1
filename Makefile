# The commands people run. See README.md.
.PHONY: demo test lint format faults bench microbench build release up down clean

demo:            ## Run the whole pipeline on the embedded default and print the result
	scripts/demo.sh

test:            ## Unit + integration tests against a private Postgres and the dev broker
	scripts/test.sh

lint:            ## swift format lint --strict (part of make test; settings in .swift-format)
	swift format lint --strict --recursive Sources Tests Package.swift Benchmarks/Package.swift Benchmarks/Benchmarks

format:          ## Rewrite the Swift files in the house style
	swift format format --in-place --recursive Sources Tests Package.swift Benchmarks/Package.swift Benchmarks/Benchmarks

faults:          ## The fault suite (SIGKILLed loader, Postgres restart, broker trouble, zombie ...) on the debug build
	scripts/ensure-deps.sh
	PATH="$$PATH:/opt/swift/usr/bin" swift build
	python3 scripts/faults.py $(FAULTS_ARGS)

bench:           ## End-to-end benchmarks against psql \copy and kcat (release build); prints a table
	WITH_BENCH_TOOLS=1 scripts/ensure-deps.sh
	swift build -c release
	BIN_DIR=.build/release scripts/services.sh up >/dev/null
	python3 scripts/bench.py $(BENCH_ARGS)

microbench:      ## Micro-benchmarks (ordo-one/benchmark, own package in Benchmarks/): decoding, COPY rows, generator vs Foundation/CSV references
	cd Benchmarks && swift package --disable-sandbox benchmark --grouping metric --no-progress $(MICROBENCH_ARGS)

build:
	swift build

release:
	swift build -c release

up:              ## Start the private Postgres and the dev broker (prints the environment to use them)
	scripts/services.sh up

down:
	scripts/services.sh down

clean:           ## Stop the services and delete their data (the Postgres clusters outside the checkout too) and .local
	scripts/services.sh clean
