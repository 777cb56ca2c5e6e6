# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit bench docs schema clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	rm -rf build/demo && mkdir -p build && cp -r examples/reviews build/demo
	$(BIN)/datacard init build/demo --label rating
	$(BIN)/datacard show build/demo
	$(BIN)/datacard check build/demo
	$(BIN)/datacard report build/demo
	@echo "The card is build/demo/datacard.yaml (edit it, then: $(BIN)/datacard check build/demo);"
	@echo "the report for people is build/demo/datacard.html."

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest -n 2

test: lint typecheck unit

docs: $(STAMP)
	$(BIN)/python -m datacard._docs docs/cli.md docs/findings.md
	$(BIN)/python -m datacard.schema schema/datacard.schema.json

bench: $(STAMP)
	$(BIN)/python bench/run.py
	$(BIN)/python bench/report_bench.py --append bench/RESULTS.md
	$(BIN)/python bench/leakage/run.py --append bench/RESULTS.md
	$(BIN)/python bench/leakage/copies.py --append bench/RESULTS.md
	$(BIN)/python bench/dask/run.py --append bench/RESULTS.md
	$(BIN)/python bench/dask/growth.py --append bench/RESULTS.md
	$(BIN)/python bench/dask/media.py --append bench/RESULTS.md

clean:
	rm -rf $(VENV) build .mypy_cache .ruff_cache
