# Two commands for a newcomer: `make demo` and `make test`. Everything else is a step of those.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
# The suite in one process per core (pytest-xdist); a file's tests stay together, in order.
TEST_WORKERS ?= auto
PYTEST := $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/referral_test
KEYS := instance/keys
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: setup services demo serve test test-sqlite test-postgres test-deploy test-browser-full lint security translations messages keys bench clean prod-local prod-local-stop

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

# The whole suite: lint, security scanners, SQLite, PostgreSQL when reachable (mandatory when
# CI=true), then the production-style deployment's smoke test (mandatory when CI=true).
test: setup services lint security test-sqlite test-postgres test-deploy

# PostgreSQL, Redis and Chromium: started, or installed with apt where we may (root or
# sudo). Outside CI a machine without them still runs the SQLite leg.
services:
	@bash .ci/ensure-services || [ "$$CI" != "true" ]

test-sqlite: setup
	@echo "== test suite on SQLite =="
	env -u TEST_DATABASE_URL $(PYTEST)

test-postgres: setup
	@if $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" 2>/dev/null; then \
		echo "== test suite on PostgreSQL =="; \
		TEST_DATABASE_URL=$(PG_TEST_URL) $(PYTEST); \
	elif [ "$$CI" = "true" ]; then \
		echo "ERROR: PostgreSQL is not reachable on 127.0.0.1:5432 and CI=true: the PostgreSQL leg is mandatory." >&2; \
		exit 1; \
	else \
		echo "== PostgreSQL leg SKIPPED: nothing listens on 127.0.0.1:5432 (run .ci/ensure-services to start it) =="; \
	fi

# bandit over referral/ (findings explained in place: `# nosec BXXX  # why`); pip-audit
# over requirements.lock, which needs PyPI or OSV: offline it prints a WARNING and passes
# (CI machines may be offline), a vulnerability it does find always fails (.ci/security).
security: $(STAMP)
	@bash .ci/security

# nginx + gunicorn + PostgreSQL + Redis on this machine, then the smoke test through
# nginx over HTTPS (docs/deploy.md). PROD_LOCAL_DB, PROD_LOCAL_HTTPS_PORT... see the script.
prod-local: setup
	@bash .ci/prod-local

prod-local-stop:
	@bash .ci/prod-local-stop

# The smoke test from the suite: run when CI=true or nginx is installed; skipped otherwise.
test-deploy: setup
	@if [ "$$CI" = "true" ] || command -v nginx >/dev/null; then \
		$(MAKE) -s prod-local PROD_LOCAL_SMOKE=0 && \
		{ PROD_LOCAL=1 $(BIN)/python -m pytest tests/deploy; status=$$?; \
		  $(MAKE) -s prod-local-stop; exit $$status; }; \
	else \
		echo "== deployment smoke test SKIPPED: nginx is not installed (make prod-local installs it) =="; \
	fi
# Every browser journey in ky, ru and en at 360x740 and 1280x800 (the suite runs each
# once, rotating languages and sizes). Screenshots and PDFs go to $$BROWSER_ARTIFACTS.
test-browser-full: setup
	BROWSER_FULL=1 $(BIN)/python -m pytest tests/browser/test_journeys.py -q

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance/referral.sqlite3
