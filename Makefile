# Two commands for a newcomer: `make demo` and `make test`. Everything else is a step of those.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/referral_test
KEYS := instance/keys
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: setup services demo serve test test-sqlite test-postgres test-browser-full lint translations messages keys bench clean

$(STAMP):
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	@rm -f $(VENV)/.installed-* && touch $@

setup: $(STAMP) translations

translations: $(STAMP)
	@$(BIN)/pybabel -q compile -d referral/translations

messages: $(STAMP)
	$(BIN)/pybabel -q extract -F referral/translations/babel.cfg -k _l -k lazy_gettext \
		-o referral/translations/messages.pot --no-location --sort-output --project referral .
	$(BIN)/pybabel -q update -i referral/translations/messages.pot -d referral/translations \
		--no-fuzzy-matching --ignore-obsolete

keys: $(STAMP)
	@$(BIN)/python -m referral.crypto.keygen $(KEYS)

# Sets up everything, seeds demo data (re-runnable) and serves on http://$(HOST):$(PORT)
# (`make demo PORT=8080` for another port).
demo: setup keys
	$(FLASK) db upgrade
	$(FLASK) demo seed --url http://$(HOST):$(PORT)
	$(FLASK) run --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The whole suite: lint, SQLite, then PostgreSQL when reachable (mandatory when CI=true).
test: setup services lint test-sqlite test-postgres

# PostgreSQL, Redis and Chromium: started, or installed with apt where we may (root or
# sudo). Outside CI a machine without them still runs the SQLite leg.
services:
	@bash .ci/ensure-services || [ "$$CI" != "true" ]

test-sqlite: setup
	@echo "== test suite on SQLite =="
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest

test-postgres: setup
	@if $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" 2>/dev/null; then \
		echo "== test suite on PostgreSQL =="; \
		TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest; \
	elif [ "$$CI" = "true" ]; then \
		echo "ERROR: PostgreSQL is not reachable on 127.0.0.1:5432 and CI=true: the PostgreSQL leg is mandatory." >&2; \
		exit 1; \
	else \
		echo "== PostgreSQL leg SKIPPED: nothing listens on 127.0.0.1:5432 (run .ci/ensure-services to start it) =="; \
	fi

# Every browser journey in ky, ru and en at 360x740 and 1280x800 (the suite runs each
# once, rotating languages and sizes). Screenshots and PDFs go to $$BROWSER_ARTIFACTS.
test-browser-full: setup
	BROWSER_FULL=1 $(BIN)/python -m pytest tests/browser/test_journeys.py -q

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance/referral.sqlite3
