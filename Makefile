# Relief-materials inventory and dispatch optimizer — the two README commands are `make run` and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DB ?= data/demo.db
DEMO_URL := sqlite:///$(abspath $(DB))
export DATABASE_URL ?= $(DEMO_URL)
# `make run` builds the demo only for the default demo file, never for another DATABASE_URL (issue 14 item 1);
# `relief demo` itself also refuses any database it did not create.
RUN_DEMO := $(if $(filter $(DEMO_URL),$(DATABASE_URL)),$(DB))
PG_PORT ?= 55432
PG_DIR ?= /tmp/relief-pg-$(PG_PORT)

.PHONY: run test test-moved-clocks wheel-check lint fmt migrate demo bench pg pg-stop clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev,bench]'
	touch $(STAMP)

venv: $(STAMP)

$(DB): | $(STAMP)
	DATABASE_URL='$(DEMO_URL)' $(BIN)/relief demo

run: $(STAMP) $(RUN_DEMO)
	$(BIN)/streamlit run app.py --server.address 127.0.0.1 --server.port $${PORT:-8501}

demo: $(STAMP)
	DATABASE_URL='$(DEMO_URL)' $(BIN)/relief demo --force

migrate: $(STAMP)
	$(BIN)/relief db upgrade

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Starts a throw-away PostgreSQL cluster on 127.0.0.1:$(PG_PORT) if the Debian server package is installed.
pg:
	@bash scripts/pg.sh start $(PG_PORT) $(PG_DIR)

pg-stop:
	@bash scripts/pg.sh stop $(PG_PORT) $(PG_DIR)

test: $(STAMP) lint
	@if bash scripts/pg.sh start $(PG_PORT) $(PG_DIR) >/dev/null 2>&1; then \
	  export TEST_PG_URL=$$(bash scripts/pg.sh url $(PG_PORT) $(PG_DIR)); echo "PostgreSQL: $$TEST_PG_URL"; \
	else echo "PostgreSQL server not installed: postgres-marked tests will skip (CI installs it)"; fi; \
	TEST_PG_URL=$${TEST_PG_URL:-} $(BIN)/pytest -q -p no:cacheprovider $(PYTEST_ARGS)

# The date-sensitive tests (marker `dates`) under a moved process clock (Debian libfaketime): +45 days, +400 days and
# a New Year's Eve in Beijing (2027-12-31 23:30 Asia/Shanghai = 15:30 UTC). SQLite only; .ci/run calls it.
MOVED_CLOCKS ?= +45d;+400d;@2027-12-31 15:30:00
test-moved-clocks: $(STAMP)
	@command -v faketime >/dev/null || { echo "faketime (Debian package) is not installed"; exit 1; }
	@IFS=';' read -ra clocks <<< "$(MOVED_CLOCKS)"; for at in "$${clocks[@]}"; do \
	  echo "== moved clock: $$at"; \
	  TZ=UTC TEST_PG_URL= REQUIRE_PG= REQUIRE_BROWSER= faketime -f "$$at" \
	    $(BIN)/pytest -q -p no:cacheprovider -m "dates and not postgres and not browser" || exit 1; \
	done

# Build the wheel, install it into a fresh venv and run relief db upgrade | demo | login + stock | app there.
wheel-check: $(STAMP)
	bash scripts/wheel_check.sh $(BIN)/python

bench: $(STAMP)
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
