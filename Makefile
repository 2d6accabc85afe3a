# Two entry points for a fresh machine: `make run` and `make test`. Both install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

CHROMIUM := /usr/bin/chromium
# apt needs root: through sudo unless we are root already (CI containers often are).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install run test lint bench clean browser node

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The browser tests drive Debian's Chromium; Playwright never downloads a browser of its own.
$(CHROMIUM):
	$(SUDO) apt-get update
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium

browser: $(CHROMIUM)

# The single sign-on tests run a real OpenID provider on Node.js; tests/oidc_provider.py installs
# its pinned packages with `npm ci`. Node.js and npm come from Debian when they are missing.
node:
	command -v npm >/dev/null || { $(SUDO) apt-get update && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm; }

run: $(STAMP)
	$(BIN)/consent up

# Lint, types (mypy: strict on the domain, the services and schemas, pyproject.toml), then the
# whole suite with its coverage floor: the statements of the four packages that the pytest
# process runs (the servers the tests start are not measured; docs/testing.md).
COVERAGE_FLOOR := 89
COVERAGE := --cov=consent_service --cov=mailer --cov=schemas --cov=plumbing \
	--cov-report=term:skip-covered --cov-fail-under=$(COVERAGE_FLOOR)

test: $(STAMP) $(CHROMIUM) node
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest $(COVERAGE)

# Every benchmark with its defaults, one after the other (about 25 minutes; bench/README.md says
# what each needs). One or a few: `make bench BENCHMARKS="consent_writes import"`.
BENCHMARKS := consent_writes consent_round_trips consent_floors consent_shapes \
	consent_commit_cost consent_profile import pipeline campaign rendering console_dashboard

bench: $(STAMP)
	set -e; for benchmark in $(BENCHMARKS); do $(BIN)/python bench/$$benchmark.py; done

clean:
	rm -rf $(VENV) instance test-output .mypy_cache .coverage .coverage.*
