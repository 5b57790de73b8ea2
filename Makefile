# Two commands on a fresh machine:  make run  ·  make test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DB     ?= data/equity.duckdb
PORT   ?= 8501
REPLICAS ?= 2
LISTEN ?= 127.0.0.1:8080

.PHONY: run serve test check test-app test-browser setup vendor demo system-deps bench clean

setup: $(BIN)/.installed

$(BIN)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

vendor: static/vendor/.fetched

static/vendor/.fetched: scripts/fetch_vendor.sh
	bash scripts/fetch_vendor.sh

$(DB): | setup
	$(BIN)/python -m analytics demo --db $(DB)

demo: setup
	$(BIN)/python -m analytics demo --db $(DB)

system-deps:
	bash scripts/system_deps.sh

run: setup vendor $(DB)
	$(BIN)/streamlit run server.py --server.address 127.0.0.1 --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false

# N app processes behind nginx (deploy/nginx-replicas.conf) on this machine: a quick try of the
# production layout; set EQUITY_STATE_URL to share the state on PostgreSQL. Ctrl-C stops all.
serve: setup vendor system-deps $(DB)
	$(BIN)/python scripts/serve_replicas.py --replicas $(REPLICAS) --listen $(LISTEN) --db $(DB) \
		--first-app-port $(PORT)

# Every tier (unit, integration, app, browser): what CI runs. Nothing skips itself.
test: setup vendor system-deps
	$(BIN)/python -m pytest -p no:cacheprovider --durations=15

# The unit tier: pure functions on hand cases and small fixtures — the loop while working (~30 s).
check: setup
	$(BIN)/python -m pytest -p no:cacheprovider -q -m unit tests/unit

test-app: setup
	$(BIN)/python -m pytest -p no:cacheprovider -q -m app tests/app

test-browser: setup vendor system-deps
	$(BIN)/python -m pytest -p no:cacheprovider -q -m browser tests/browser

bench: setup
	$(BIN)/python bench/bench_cv.py $(DB)
	$(BIN)/python bench/bench_import.py
	$(BIN)/python bench/bench_maps.py
	$(BIN)/python bench/bench_briefing.py $(DB)
	$(BIN)/python bench/bench_planning.py
	$(BIN)/python bench/bench_service.py

clean:
	rm -rf build screenshots .pytest_cache
