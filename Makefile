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

# demo-idp: the local identity providers beside `make demo` (README, e-legitimation)
.PHONY: demo-idp demo install messages migrate demo-data serve test test-sqlite test-postgres test-fast lint format check bench clean screenshots system-packages

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*; touch $(STAMP)

# The translation catalogues, compiled from the committed .po files (Babel, no system gettext).
PO_FILES := $(wildcard src/skolsam/locale/*/LC_MESSAGES/django.po)
MO_FILES := $(PO_FILES:.po=.mo)
$(MO_FILES) &: $(PO_FILES) $(STAMP)
	$(PY) manage.py compile_catalogues

install: $(STAMP) $(MO_FILES)

## messages: gather new marked strings into the catalogues (needs GNU gettext's xgettext)
messages: install
	$(PY) manage.py makemessages $(foreach l,en ar so fa,-l $(l)) --no-obsolete \
		--ignore=.venv --ignore=var --ignore=bench --ignore='*/tests/*' --ignore='*/browser_tests/*'
	$(PY) manage.py compile_catalogues

migrate: install
	$(PY) manage.py migrate --noinput

demo-data: migrate
	$(PY) manage.py demo_load

## demo: install, migrate the embedded SQLite database, load demo data, print logins, serve
demo: demo-data
	$(PY) manage.py demo_logins
	@echo "Skolsam körs på http://$(HOST):$(PORT)/  (Ctrl-C avslutar)"
	@# Notices to guardians are background tasks: a worker runs beside the server and is
	@# stopped (and waited for) when the server stops, however it stops.
	bash -c '$(PY) manage.py db_worker --no-reload & trap "kill $$! 2>/dev/null; wait" EXIT; $(PY) manage.py runserver --noreload $(HOST):$(PORT)'

## demo-idp: SimpleSAMLphp on 127.0.0.1:8480 and the OIDC mock on 127.0.0.1:9400, with the
## demo's guardians, pupil and a teacher as users; run it beside `make demo` (Ctrl-C stops)
demo-idp: system-packages install
	$(PY) manage.py demo_idp

## test: lint and type checks, then the whole suite on SQLite and on PostgreSQL
test: system-packages install check test-sqlite test-postgres

# Debian packages the tests drive (the browser tests need Chromium). As root they are
# installed here; otherwise make stops and prints the one command to run.
# Chromium for the browser tests; xmlsec1 for SAML signatures; PHP and SimpleSAMLphp for
# the local SAML IdP the federated-login tests (and `make demo-idp`) start; Pango and
# DejaVu fonts for WeasyPrint, which makes the grade documents as PDF/A.
SYSTEM_PACKAGES := chromium xmlsec1 php-cli php-xml php-mbstring simplesamlphp libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
system-packages:
	@missing=""; for pkg in $(SYSTEM_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$pkg"; \
	done; \
	if [ -n "$$SKOLSAM_CHROMIUM" ]; then missing=$$(echo "$$missing" | sed 's/chromium//'); fi; \
	missing=$$(echo $$missing); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "== Installing Debian packages the tests need: $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else \
		echo ""; echo "The tests need Debian packages that are not installed. Run:"; \
		echo ""; echo "    sudo apt-get install -y $$missing"; echo ""; exit 1; \
	fi

check: install
	$(VENV)/bin/ruff check src bench
	$(VENV)/bin/ruff format --check src bench
	$(VENV)/bin/mypy src
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run

test-sqlite: install
	@echo "== Test suite on SQLite =="
	env -u DATABASE_URL SKOLSAM_EXPECT_DB=sqlite $(VENV)/bin/pytest -n 2 --dist worksteal -q

## test-fast: the quick lane on SQLite for a developer's loop (no browser, demo load, fuzzing)
test-fast: install
	env -u DATABASE_URL $(VENV)/bin/pytest -n 2 --dist worksteal -q -m "not slow"

test-postgres: install
	@if $(PY) -c "import psycopg,sys; psycopg.connect('$(TEST_POSTGRES_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		echo "== Test suite on PostgreSQL ($(TEST_POSTGRES_URL)) =="; \
		DATABASE_URL='$(TEST_POSTGRES_URL)' SKOLSAM_EXPECT_DB=postgresql $(VENV)/bin/pytest -n 2 --dist worksteal -q; \
	elif [ -n "$$CI" ]; then \
		echo "!! PostgreSQL is not reachable at $(TEST_POSTGRES_URL): CI must test on PostgreSQL"; exit 1; \
	else \
		echo ""; echo "!!!! SKIPPED: PostgreSQL not reachable at $(TEST_POSTGRES_URL)."; \
		echo "!!!! Set TEST_POSTGRES_URL to run the suite on PostgreSQL too."; echo ""; \
	fi

format: install
	$(VENV)/bin/ruff check --fix src bench
	$(VENV)/bin/ruff format src bench

## screenshots: run the browser tests on SQLite and refresh the committed docs/screenshots/
DOC_SCREENSHOTS := login start search person-card class-list register-pupil import-report \
	start-teacher two-factor-code attendance-register school-unit class-move csn-rektor \
	audit-search api-clients help-open mentor-week start-guardian guardian-absence
screenshots: install
	rm -rf var/screenshots
	env -u DATABASE_URL SKOLSAM_SCREENSHOT_DIR=var/screenshots $(VENV)/bin/pytest -q -p no:cacheprovider src/skolsam/browser_tests
	mkdir -p docs/screenshots
	for name in $(DOC_SCREENSHOTS); do \
		cp var/screenshots/$$name-phone.png var/screenshots/$$name-desktop.png docs/screenshots/; \
	done

bench: install
	$(PY) bench/register_load.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
