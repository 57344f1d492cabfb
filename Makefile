# ParkPact: `make run` serves the Donghu demo, `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WEB_WORKERS ?= 3

.PHONY: run install test test-postgres lint messages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

# Plain HTTP on the loopback address: PARKPACT_HTTPS=0 turns off the HTTPS redirect and HSTS
# (cookies stay Secure: browsers keep them on 127.0.0.1). Production sits behind TLS.
run: install
	$(BIN)/python manage.py migrate --noinput --verbosity 0
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py seed_demo --if-empty
	@echo "ParkPact on http://$(HOST):$(PORT)/ (Ctrl+C stops the web server and the worker)"
	trap 'kill 0' EXIT; \
	PARKPACT_HTTPS=$${PARKPACT_HTTPS:-0} $(BIN)/python manage.py run_worker & \
	PARKPACT_HTTPS=$${PARKPACT_HTTPS:-0} $(BIN)/gunicorn parkpact.wsgi:application \
		--bind $(HOST):$(PORT) --workers $(WEB_WORKERS) --access-logfile - --forwarded-allow-ips 127.0.0.1

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/mypy parkpact

test: lint
	$(BIN)/pytest -n 2 -q

# The same suite against PostgreSQL: DATABASE_URL must point at a PostgreSQL >= 15 server.
test-postgres: $(VENV)/.installed-test
	@case "$$DATABASE_URL" in postgres*) ;; *) echo "test-postgres needs DATABASE_URL=postgres://..." >&2; exit 2;; esac
	$(BIN)/pytest -n 2 -q

messages: $(VENV)/.installed-test
	cd parkpact && ../$(BIN)/python ../manage.py makemessages -l zh_Hans -l en --no-obsolete --no-location
	cd parkpact && ../$(BIN)/python ../manage.py compilemessages

$(VENV)/.installed-bench: $(VENV)/.installed-test pyproject.toml
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $@

bench: $(VENV)/.installed-bench
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .mypy_cache .ruff_cache
