# ecozone: the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash
export PATH := $(HOME)/.local/bin:$(PATH)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup setup-tests demo serve test lint db-stop clean

setup:
	@scripts/setup.sh

setup-tests:  # setup, plus what only the tests use (QGIS for tests/qgis)
	@scripts/setup.sh --tests

demo: setup
	@export DATABASE_URL="$$(scripts/postgis.sh ensure)" && \
	uv run --frozen ecozone db upgrade && \
	uv run --frozen ecozone demo build && \
	uv run --frozen ecozone demo load && \
	uv run --frozen ecozone network build && \
	echo "ecozone: serving on http://$(HOST):$(PORT) (Ctrl-C stops it; 'make db-stop' stops a project-local database)" && \
	uv run --frozen ecozone serve --host $(HOST) --port $(PORT)

test: setup-tests
	@export TEST_DATABASE_URL="$$(scripts/postgis.sh ensure)" && \
	uv run --frozen pytest --cov --cov-report=term:skip-covered

lint:
	uv run --frozen ruff check api gis layers web tests migrations bench
	uv run --frozen ruff format --check api gis layers web tests migrations bench
	uv run --frozen mypy
	uv run --frozen lint-imports

db-stop:
	@scripts/postgis.sh stop

clean:
	rm -rf .pytest_cache test-output
