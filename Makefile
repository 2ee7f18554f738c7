# The two set-up commands the README promises: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint unit integration bench contracts clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/xborder serve

lint: $(STAMP)
	$(BIN)/ruff check xborder tests bench
	$(BIN)/ruff format --check xborder tests bench
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

unit: $(STAMP)
	$(BIN)/pytest tests/unit

integration: $(STAMP)
	$(BIN)/pytest tests/integration tests/e2e

# ~4 minutes: `xborder serve` (as `run` starts it) under 16 HTTP clients, with and without its consumers,
# beside the raw eventsourcing library; DATABASE_URL's server if set, else an embedded one. Writes
# bench/results/latest.{md,json}.
bench: $(STAMP)
	$(BIN)/python -m bench.run

# The AsyncAPI document of every topic and event type, from the workflow registry (checked in; a unit
# test fails when it is out of date).
contracts: $(STAMP)
	$(BIN)/xborder contracts --output docs/asyncapi.yaml

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
