# SoleFlip: `make run` serves the admin with demo data, `make test` runs the whole suite.
# Without DATABASE_URL both use an embedded PostgreSQL 18 kept under var/pgdata.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed-stamp
WITH_DB := $(PY) -m soleflip.db.embedded exec --
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: help install run test lint format db-start db-stop clean

help:
	@echo "make run     set up, migrate, load demo data and serve http://$(HOST):$(PORT)/admin/"
	@echo "make test    run the whole test suite (embedded PostgreSQL, or DATABASE_URL)"
	@echo "make lint    ruff check, ruff format --check, mypy"
	@echo "make db-start / db-stop   start or stop the embedded PostgreSQL by hand"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	@DEBUG=$${DEBUG-1} $(WITH_DB) sh -c '\
	  $(PY) manage.py migrate --no-input && \
	  $(PY) manage.py load_size_charts && \
	  $(PY) manage.py seed_demo && \
	  $(PY) manage.py import_awin_feed demo/awin_feed_sample.csv && \
	  $(PY) manage.py standardize_sizes --commit && \
	  $(PY) manage.py refresh_analytics && \
	  $(PY) manage.py ensure_admin && \
	  echo "SoleFlip admin: http://$(HOST):$(PORT)/admin/  (Ctrl-C stops the server)" && \
	  exec $(PY) manage.py runserver --noreload $(HOST):$(PORT)'

test: install
	$(WITH_DB) $(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 DATABASE_URL=$${DATABASE_URL-postgresql://lint@localhost/lint} $(BIN)/mypy .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

db-start: install
	$(PY) -m soleflip.db.embedded start

db-stop: install
	$(PY) -m soleflip.db.embedded stop

clean:
	-$(PY) -m soleflip.db.embedded stop
	rm -rf $(VENV) var
