# Loom — two commands: `make run` (install, build the UI, start on http://127.0.0.1:8700)
# and `make test` (install everything, then lint and run every test).
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
UI_STAMP := src/loom/ui/dist/index.html
UI_SOURCES := $(shell find frontend -path frontend/node_modules -prune -o -type f -print 2>/dev/null)
PYTEST_ARGS ?=

.PHONY: help run test lint fmt install install-dev ui system-deps bench openapi clean

help:
	@echo "make run    install Loom, build the web UI, start the server on http://127.0.0.1:8700"
	@echo "make test   install everything (dev + browser prerequisites), lint, run every test"
	@echo "make lint   ruff check + format check"
	@echo "make fmt    ruff format + autofix"
	@echo "make bench  run benchmarks/ (serving vs bare FastAPI vs mlflow models serve)"
	@echo "make openapi  write openapi.json"

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP) $@

install: $(STAMP)
install-dev: $(DEV_STAMP)

frontend/node_modules/.package-lock.json: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error

$(UI_STAMP): frontend/node_modules/.package-lock.json $(UI_SOURCES)
	cd frontend && npm run build

ui: $(UI_STAMP)

run: install ui
	$(BIN)/loom server

# Debian packages the tests need: Chromium for the browser tests, PostgreSQL for the
# Postgres metadata-store and SQL-import tests. Installed only when missing.
system-deps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
	@# The NIST StRD regression files (certified values) ship in Debian's gretl-data;
	@# tests/fixtures/nist.py reads them from this cache.
	@cache=$$HOME/.cache/loom-tests/gretl-data; \
	if ! find $$cache -name Longley.dat 2>/dev/null | grep -q .; then \
	  mkdir -p $$cache && cd $$cache && \
	  { apt-get download gretl-data >/dev/null 2>&1 || \
	    { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); $$SUDO apt-get update -qq && apt-get download gretl-data >/dev/null; }; } && \
	  dpkg-deb -x gretl-data_*.deb . && rm -f gretl-data_*.deb; \
	fi

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: install-dev ui system-deps lint
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

# The MLflow peer gets its own venv (never Loom's), with Loom's scikit-learn version.
benchmarks/.venv-mlflow/bin/mlflow: | install-dev
	$(PY) -m venv benchmarks/.venv-mlflow
	benchmarks/.venv-mlflow/bin/pip install --quiet mlflow \
	  "scikit-learn==$$($(BIN)/python -c 'import sklearn; print(sklearn.__version__)')"

# The milvus-lite peer of benchmarks/vectors.py likewise gets its own venv (grpcio,
# protobuf and milvus-lite's server binary stay out of Loom's).
benchmarks/.venv-milvus/bin/python: | install-dev
	$(PY) -m venv benchmarks/.venv-milvus
	benchmarks/.venv-milvus/bin/pip install --quiet pymilvus milvus-lite

bench: install-dev benchmarks/.venv-mlflow/bin/mlflow benchmarks/.venv-milvus/bin/python
	@missing=""; command -v wrk >/dev/null || missing="$$missing wrk"; \
	[ -e /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || \
	  missing="$$missing dataset-fashion-mnist"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi
	$(BIN)/python benchmarks/serving.py
	$(BIN)/python benchmarks/training.py && $(BIN)/python benchmarks/pipelines.py
	$(BIN)/python benchmarks/vectors.py

openapi: install
	$(BIN)/python -c "import json; from loom.api.app import create_app; print(json.dumps(create_app().openapi(), indent=2))" > openapi.json

clean:
	rm -rf $(VENV) frontend/node_modules src/loom/ui/dist
