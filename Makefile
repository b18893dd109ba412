# Skolsam: `make demo` and `make test` are the two commands a new user needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
# PostgreSQL for the second test run; CI sets it, a developer may override it.
TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/test
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo install migrate demo-data serve test test-sqlite test-postgres lint format check bench clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*; touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

demo-data: migrate
	$(PY) manage.py demo_load

## demo: install, migrate the embedded SQLite database, load demo data, print logins, serve
demo: demo-data
	$(PY) manage.py demo_logins
	@echo "Skolsam körs på http://$(HOST):$(PORT)/  (Ctrl-C avslutar)"
	$(PY) manage.py runserver --noreload $(HOST):$(PORT)

## test: lint and type checks, then the whole suite on SQLite and on PostgreSQL
test: install check test-sqlite test-postgres

check: install
	$(VENV)/bin/ruff check src bench
	$(VENV)/bin/ruff format --check src bench
	$(VENV)/bin/mypy src
	$(PY) manage.py makemigrations --check --dry-run

test-sqlite: install
	@echo "== Test suite on SQLite =="
	env -u DATABASE_URL SKOLSAM_EXPECT_DB=sqlite $(VENV)/bin/pytest -n 2 -q

test-postgres: install
	@if $(PY) -c "import psycopg,sys; psycopg.connect('$(TEST_POSTGRES_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		echo "== Test suite on PostgreSQL ($(TEST_POSTGRES_URL)) =="; \
		DATABASE_URL='$(TEST_POSTGRES_URL)' SKOLSAM_EXPECT_DB=postgresql $(VENV)/bin/pytest -n 2 -q; \
	elif [ -n "$$CI" ]; then \
		echo "!! PostgreSQL is not reachable at $(TEST_POSTGRES_URL): CI must test on PostgreSQL"; exit 1; \
	else \
		echo ""; echo "!!!! SKIPPED: PostgreSQL not reachable at $(TEST_POSTGRES_URL)."; \
		echo "!!!! Set TEST_POSTGRES_URL to run the suite on PostgreSQL too."; echo ""; \
	fi

format: install
	$(VENV)/bin/ruff check --fix src bench
	$(VENV)/bin/ruff format src bench

bench: install
	$(PY) bench/register_load.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
