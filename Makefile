# Two commands set everything up on a fresh Linux machine with Python 3.11+:
#   make demo   installs the tool in .venv and runs it on the built-in demo
#   make test   installs the test dependencies in .venv and runs the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint bench i18n clean system-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

# The first-party plugins are installed as a third party would install theirs, and tested.
PLUGINS := $(wildcard plugins/*/pyproject.toml)

$(VENV)/.installed-test: pyproject.toml $(PLUGINS) | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	for p in $(dir $(PLUGINS)); do $(BIN)/python -m pip install -q --no-deps -e $$p || exit 1; done
	touch $(VENV)/.installed $@

system-deps:
	@scripts/system-deps.sh

demo: system-deps $(VENV)/.installed
	$(BIN)/inspect-tool demo

test: system-deps $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -m "slow or not slow" -q

lint: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Messages: extract from the code, merge into the Vietnamese catalog, compile. Translate the
# new entries in inspect_tool/locale/vi/LC_MESSAGES/inspect_tool.po, then run it again.
i18n: $(VENV)/.installed-test
	$(BIN)/pybabel extract -F babel.cfg -k _ -k ngettext:1,2 -k count:1,2 --no-location --sort-output \
		--project inspect-tool -o inspect_tool/locale/inspect_tool.pot .
	$(BIN)/pybabel update -D inspect_tool -i inspect_tool/locale/inspect_tool.pot \
		-d inspect_tool/locale --no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date
	$(BIN)/pybabel compile -D inspect_tool -d inspect_tool/locale

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[bench]'
	touch $(VENV)/.installed $@

bench: system-deps $(VENV)/.installed-bench
	$(BIN)/python benchmarks/bench_scoring.py
	$(BIN)/python benchmarks/bench_store.py
	$(BIN)/python benchmarks/crash_store.py
	$(BIN)/python benchmarks/bench_tui.py
	$(BIN)/python benchmarks/bench_minutes.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache
