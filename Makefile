# The two set-up commands the README promises: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-faults lint unit integration bench contracts clean

$(STAMP): pyproject.toml
	@# The console's browser tests drive Debian's chromium (Playwright's own browser downloads are not used).
	command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# DEV_SIGNIN: the console's development sign-in page (http://127.0.0.1:8000/signin), for local use only.
run: $(STAMP)
	DEV_SIGNIN=$${DEV_SIGNIN:-true} $(BIN)/xborder serve

lint: $(STAMP)
	$(BIN)/ruff check xborder tests bench
	$(BIN)/ruff format --check xborder tests bench
	$(BIN)/mypy

test: lint
	$(BIN)/pytest --ignore=tests/faults
	$(MAKE) --no-print-directory test-faults

# Issue 14's fault suite (tests/faults, a few minutes): the service's own processes killed and frozen
# under load, judged against the event store; writes bench/results/faults.md. XBORDER_FAULT_SEED replays.
test-faults: $(STAMP)
	$(BIN)/pytest tests/faults

unit: $(STAMP)
	$(BIN)/pytest tests/unit

integration: $(STAMP)
	$(BIN)/pytest tests/integration tests/e2e

# About 25 minutes, five figures, each against the raw component it is built on (issues 10 and 14):
# bench.run (~12 min): `xborder serve` as `run` starts it under 16 HTTP clients, with and without its
#   consumers, in alternating rounds beside the raw eventsourcing library; command -> visible in both
#   provinces at 100/s and 200/s offered, embedded and through Kafka; the service's peak RSS;
# bench.privacy (~3 min): the same service with sealing on and off;
# bench.rebuild (~6 min): 200,000 events rebuilt province by province (shared among processes and in
# one), beside a raw COPY of the rows;
# bench.profile (~1 min): where a command's CPU goes, by layer (py-spy);
# bench.cores (~4 min): the raw library and xborder pinned to one core, then to every core, each with an
#   embedded PostgreSQL pinned beside it: what a core buys each side.
# DATABASE_URL's server if set (but for bench.cores), else an embedded one. Written to bench/results/.
bench: $(STAMP)
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.privacy
	$(BIN)/python -m bench.rebuild
	$(BIN)/python -m bench.profile
	$(BIN)/python -m bench.cores

# The AsyncAPI document of every topic and event type, from the workflow registry (checked in; a unit
# test fails when it is out of date).
contracts: $(STAMP)
	$(BIN)/xborder contracts --output docs/asyncapi.yaml

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
