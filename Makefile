# flightdeck — every entry point. Needs only the machine's stock tools; installs uv if missing.
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
PYTEST := $(UV) run --frozen pytest
LOCAL := deploy/local
IMAGES := admin events-gateway events-projector dataproxy signals executor scheduler notifications agents console
IMAGE_TAG ?= dev
CONSOLE := services/console/web

.PHONY: help setup console proto proto-check lint test-unit test bench run up down status image screenshots

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

setup: ## Install uv (if missing) and the locked Python environment
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	@$(UV) sync --frozen --quiet

console: ## Build the web console (npm ci from its lockfile when node_modules is missing or stale)
	@cd $(CONSOLE) && { [ node_modules/.package-lock.json -nt package-lock.json ] || npm ci --no-audit --no-fund --loglevel=error; } && npm run --silent build -- --logLevel warn

proto: setup ## Regenerate libs/proto from our .proto files against the pinned flyteidl
	@$(UV) run --frozen python libs/proto/tools/generate.py

proto-check: setup ## Fail if the committed generated code is out of date
	@$(UV) run --frozen python libs/proto/tools/generate.py --check

lint: setup proto-check ## ruff, mypy and the import-linter layer contracts
	@$(UV) run --frozen ruff check .
	@$(UV) run --frozen ruff format --check .
	@$(UV) run --frozen mypy libs/platform/src libs/typecheck/src libs/listing/src libs/storage/src libs/records/src libs/compiler/src libs/proto/src/flightdeck_proto/routes.py libs/proto/src/flightdeck_proto/services.py services/*/src
	@$(UV) run --frozen lint-imports

test-unit: setup ## Unit and api tests: no servers needed
	@$(PYTEST) -m "not integration and not e2e"

test: setup lint console ## Everything: starts the local stack it needs, runs all tests, stops what it started
	@cd $(CONSOLE) && npm test --silent
	@tests/run-with-stack $(PYTEST)

image: setup ## Build every deployable's image (Dockerfile targets); without Docker, lint the Dockerfile
	@if docker info >/dev/null 2>&1; then \
	  for t in $(IMAGES); do docker build --target $$t -t flightdeck/$$t:$(IMAGE_TAG) . || exit 1; done; \
	else \
	  echo "no Docker engine here: linting the Dockerfile with hadolint instead"; \
	  $(UV) run --frozen hadolint Dockerfile && echo "hadolint: Dockerfile clean"; \
	fi

screenshots: ## Jaeger's view of the widest recent trace, into var/screenshots/ (needs make run and one run)
	@$(LOCAL)/screenshots

bench: setup ## Benchmarks (bench/*_bench.py, then bench/sidebyside.py) against the local stack; results in bench/results/
	@tests/run-with-stack bash -c 'set -e; for b in bench/*_bench.py bench/sidebyside.py; do [ -e "$$b" ] || continue; echo "== $$b"; $(UV) run --frozen python "$$b"; done'

run: setup console up ## The whole system in the foreground (Ctrl-C stops the services)
	@FLIGHTDECK_BUILD_COMMIT=$$(git rev-parse --short HEAD 2>/dev/null || echo unknown) \
	 FLIGHTDECK_BUILD_TIME=$$(date -u +%Y-%m-%dT%H:%M:%SZ) \
	 $(UV) run --frozen python $(LOCAL)/services.py run

up: setup ## Start Kafka, FerretDB, Redis and the nginx edge (installs what is missing)
	@$(LOCAL)/up

down: ## Stop what deploy/local/up started (S3 included, if the tests started it)
	@FLIGHTDECK_LOCAL_S3=1 $(LOCAL)/down

status: ## Show the local stack's processes
	@FLIGHTDECK_LOCAL_S3=1 $(LOCAL)/status || true
