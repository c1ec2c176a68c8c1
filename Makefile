# The README's two commands: `make run` and `make test`. Both set everything up on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=
export FLASK_APP := wsgi

.PHONY: run test lint install bench clean translations catalogues

# The interface's translations: translations/<locale>/LC_MESSAGES/messages.po are the sources (committed);
# the compiled .mo files are build output, made by `make run` and `make test` (and `make translations`).
LOCALES := de fr es
POS := $(foreach l,$(LOCALES),translations/$(l)/LC_MESSAGES/messages.po)
MOS := $(POS:.po=.mo)

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po | $(STAMP)
	$(BIN)/pybabel compile -d translations -l $* -i $< -o $@

catalogues: $(MOS)

# Extract every marked string (babel.cfg), merge it into each catalogue, compile.
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k N_ -k mail_gettext --sort-output --ignore-dirs=".*" \
		--project=Portico -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
	$(MAKE) catalogues

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP) catalogues
	$(BIN)/flask db upgrade
	$(BIN)/flask demo-data --if-empty
	@echo "Portico is serving on http://$(HOST):$(PORT)  (staff: http://$(HOST):$(PORT)/staff)"
	@# The outbox worker (mail) runs beside gunicorn and is stopped (SIGTERM: it finishes the job in hand) with it.
	$(BIN)/flask worker & worker=$$!; trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/gunicorn -c gunicorn.conf.py --workers 2 --bind $(HOST):$(PORT) --access-logfile - wsgi:app

test: $(STAMP) catalogues
	$(BIN)/python -m pytest $(PYTEST_ARGS)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== The suite again, on PostgreSQL ($$TEST_DATABASE_URL)"; \
		PORTICO_TEST_DATABASE_URL="$$TEST_DATABASE_URL" $(BIN)/python -m pytest -m "not browser" $(PYTEST_ARGS); \
	else \
		echo "== TEST_DATABASE_URL is not set: PostgreSQL run skipped"; \
	fi

# ruff (lint and import order) over the tree, mypy over portal/: configuration in pyproject.toml.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance test-output .pytest_cache
