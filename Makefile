# Promise Desk: `make run` for the demo, `make test` for the suite. Needs only python3 (3.11+), pip and make.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/promisedesk
# Parallel test processes; "0" runs in one process.
TEST_WORKERS ?= auto
# Tests run with production-like settings (DEBUG off), so they need a key; this one is for tests only.
# Files the tests keep (PDFs, attachments) go to a folder of their own, emptied before each run.
TEST_PRIVATE := $(or $(TMPDIR),/tmp)/promisedesk-test-private
TEST_ENV := SECRET_KEY=tests-only-not-a-secret ALLOWED_HOSTS=testserver,localhost,127.0.0.1 PRIVATE_ROOT=$(TEST_PRIVATE)

# The languages the product is translated into (settings.LANGUAGES, English aside); locale/GLOSSARY.md
# has the words each uses for the product's things.
LANGS := sv de fr es

.PHONY: run test test-postgres lint messages bench load install install-dev clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Stamps: reinstall only when the requirement files change.
$(VENV)/.runtime: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# LDAP is optional: python-ldap builds only where OpenLDAP's headers are; its tests skip without it.
$(VENV)/.dev: requirements.txt requirements-dev.txt requirements-ldap.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements-dev.txt
	if [ -e /usr/include/ldap.h ]; then $(PY) -m pip install --quiet -r requirements-ldap.txt; fi
	touch $@ $(VENV)/.runtime

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

# The demo: development settings on SQLite, a task worker and the scheduler beside the web server.
# A worker or scheduler that exits is started again 2 s later, with a line saying so; Ctrl-C stops all three.
run: export DEBUG ?= 1
run: export REPORTING_TIME_ZONE ?= Europe/Stockholm
run: install
	mkdir -p var/static
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "Starting the task worker and scheduler; the site is at http://127.0.0.1:$(PORT)/"
	@keep_running() { \
	   what=$$1; shift; stopping=; trap 'stopping=1; kill $$pid 2>/dev/null' TERM; \
	   while :; do \
	     "$$@" & pid=$$!; wait $$pid; status=$$?; \
	     [ -n "$$stopping" ] || sleep 2; \
	     [ -z "$$stopping" ] || { wait $$pid; return 0; }; \
	     echo "make run: the $$what stopped (exit status $$status); starting it again." >&2; \
	   done; }; \
	 keep_running worker $(PY) manage.py run_worker --no-reload & worker=$$!; \
	 keep_running scheduler $(PY) manage.py run_scheduler & scheduler=$$!; \
	 trap 'kill $$worker $$scheduler 2>/dev/null; wait' EXIT INT TERM; \
	 $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install-dev
	rm -rf $(TEST_PRIVATE)
	$(TEST_ENV) $(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# The same suite on PostgreSQL; pytest-django creates (and drops) the test database itself.
test-postgres: install-dev
	rm -rf $(TEST_PRIVATE)
	$(TEST_ENV) DATABASE_URL=$(PG_URL) $(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# Fails on a string marked in the code but untranslated or fuzzy in any language, a catalogue that does
# not compile, or a .mo not compiled from its .po (extraction needs GNU gettext: xgettext, msgmerge, msgfmt).
lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	DEBUG=1 $(PY) manage.py makemessages $(addprefix -l ,$(LANGS)) --verbosity 0
	for po in locale/*/LC_MESSAGES/django.po locale/wagtail/*/LC_MESSAGES/django.po; do msgfmt --check-format --output-file=/dev/null $$po || exit 1; done
	DEBUG=1 $(PY) manage.py check_translations

# After changing a marked string: extract into locale/<language>/LC_MESSAGES/django.po, translate what is
# new there (untranslated entries), then run this again to compile the .mo files the site reads.
messages: install-dev
	DEBUG=1 $(PY) manage.py makemessages $(addprefix -l ,$(LANGS)) --verbosity 0
	DEBUG=1 $(PY) manage.py compilemessages --ignore '.venv/*' --verbosity 0

# Speed figures, on PostgreSQL (the production database) unless DATABASE_URL says otherwise.
# BENCH_TICKETS (default 1,000,000) and BENCH_CLOCKS (100,000) set the sizes; `make bench ONLY=desk` runs one.
# `make bench ONLY=mail_in`: 10,000 messages (BENCH_MAILS) over loopback LMTP, messages/s and none lost.
# `make bench ONLY=api`: the API's ticket list, p95 per role, at a million tickets.
bench: install-dev
	DEBUG=1 DATABASE_URL=$${DATABASE_URL:-$(PG_URL)} $(PY) -m bench $(ONLY)

# Ticket creation at speed: gunicorn (production settings) on 127.0.0.1 and locust, headless, on a
# PostgreSQL database of its own that it recreates (LOAD_DB_URL); prints req/s, p50/p95/p99, errors and
# CPU per ticket, and fails when a request failed or a redirect has no ticket. LOAD_SECONDS (30, after
# LOAD_WARMUP 5), LOAD_USERS (30 clients), LOAD_WORKERS (4 gunicorn workers), LOAD_PORT (8612).
load: install-dev
	LOAD_DB_URL=$${LOAD_DB_URL:-postgres://postgres@127.0.0.1:5432/pd_load} $(PY) -m bench.load.run

clean:
	rm -rf $(VENV) var/*.sqlite3* var/static
