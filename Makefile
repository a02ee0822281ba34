# The two set-up commands of the README: `make demo` and `make test`. Both build .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit bench clean messages

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

# `make messages` re-reads the console's marked words (babel.cfg) into the English catalogue: new ones come in
# empty (tests/web/test_translations.py then names them), words no longer used leave. The .mo is compiled at start.
LOCALE := src/citysafe/web/locale
messages: $(STAMP)
	mkdir -p var
	$(BIN)/pybabel extract -F babel.cfg -o var/messages.pot --no-wrap --sort-by-file --project citysafe src/citysafe
	$(BIN)/pybabel update -i var/messages.pot -d $(LOCALE) -l en --no-wrap --ignore-obsolete \
		--no-fuzzy-matching

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
	$(BIN)/pytest -p no:cacheprovider -n 2 --dist loadgroup --durations=40 --cov=citysafe --cov-report=term:skip-covered

bench: $(STAMP)
	for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b; done

clean:
	rm -rf $(VENV) var artifacts .mypy_cache .ruff_cache .coverage .coverage.*
