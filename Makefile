# The two set-up commands of the README: `make demo` and `make test`. Both build .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit bench clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# `make demo` serves the city in var/demo, built once and kept with its password; RESET=1 rebuilds it.
PORT ?= 8000
demo: $(STAMP)
	scripts/ensure-system.sh demo
	$(BIN)/citysafe demo --port $(PORT) $(if $(RESET),--reset)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy src

test: $(STAMP)
	scripts/ensure-system.sh test
	scripts/ensure-services.sh
	$(MAKE) lint typecheck
	$(BIN)/python scripts/audit-deps.py
	$(BIN)/pytest -p no:cacheprovider --durations=15 --cov=citysafe --cov-report=term:skip-covered

bench: $(STAMP)
	for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b; done

clean:
	rm -rf $(VENV) var artifacts .mypy_cache .ruff_cache .coverage .coverage.*
