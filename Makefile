# Two commands set everything up on a fresh Linux machine with Python 3.11+:
#   make demo   installs the tool in .venv and runs it on the built-in demo
#   make test   installs the test dependencies in .venv and runs the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test test-latest lint bench i18n lock clean system-deps

# What is installed is locked: requirements/*.txt hold the exact versions and their hashes
# (made from requirements/*.in by `make lock`). Everything comes from the lock, checked
# against its hashes; then the tool and the first-party plugins are installed from the
# checkout, editable, without looking for anything more (--no-deps, --no-build-isolation).
PLUGINS := $(wildcard plugins/*/pyproject.toml)
PIP     := $(BIN)/python -m pip install -q --require-hashes --no-deps
EDITABLE := $(BIN)/python -m pip install -q --no-deps --no-build-isolation

$(BIN)/python: requirements/pip.txt
	test -x $@ || $(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements/pip.txt
	touch $@

$(VENV)/.installed: requirements/runtime.txt pyproject.toml | $(BIN)/python
	$(PIP) -r requirements/runtime.txt
	$(EDITABLE) -e .
	touch $@

$(VENV)/.installed-test: requirements/test.txt pyproject.toml $(PLUGINS) | $(BIN)/python
	$(PIP) -r requirements/test.txt
	$(EDITABLE) -e . $(addprefix -e ,$(dir $(PLUGINS)))
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
	$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ -k ngettext:1,2 -k count:1,2 --no-location --sort-output \
		--project inspect-tool -o inspect_tool/locale/inspect_tool.pot .
	$(BIN)/pybabel update -D inspect_tool -i inspect_tool/locale/inspect_tool.pot \
		-d inspect_tool/locale --no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date
	$(BIN)/pybabel compile -D inspect_tool -d inspect_tool/locale

$(VENV)/.installed-bench: requirements/bench.txt pyproject.toml | $(BIN)/python
	$(PIP) -r requirements/bench.txt
	$(EDITABLE) -e .
	touch $(VENV)/.installed $@

bench: system-deps $(VENV)/.installed-bench
	$(BIN)/python benchmarks/bench_scoring.py
	$(BIN)/python benchmarks/bench_store.py
	$(BIN)/python benchmarks/crash_store.py
	$(BIN)/python benchmarks/bench_tui.py
	$(BIN)/python benchmarks/bench_minutes.py
	$(BIN)/python benchmarks/bench_reports.py
	$(BIN)/python benchmarks/bench_server.py

# Refresh the lock: the newest versions that pyproject.toml's ranges allow, for every platform
# and Python from 3.11 on (uv's universal resolution), with the hashes of every file. The test
# lock is resolved first; the others are held to its versions, so all three agree.
UV_VERSION := 0.13.9
LOCKVENV   := .venv-lock
UV         := $(LOCKVENV)/bin/uv pip compile -q --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command "make lock" --no-emit-package inspect-tool \
	$(foreach p,$(dir $(PLUGINS)),--no-emit-package $(notdir $(p:/=)))

$(LOCKVENV)/bin/uv:
	$(PYTHON) -m venv $(LOCKVENV)
	$(LOCKVENV)/bin/python -m pip install -q uv==$(UV_VERSION)

lock: $(LOCKVENV)/bin/uv
	$(UV) --upgrade requirements/test.in -o requirements/test.txt
	$(UV) --upgrade requirements/runtime.in -c requirements/test.txt -o requirements/runtime.txt
	$(UV) --upgrade requirements/bench.in -c requirements/test.txt -o requirements/bench.txt
	$(UV) --upgrade requirements/pip.in -o requirements/pip.txt

# The whole suite against the newest releases the ranges allow, in a venv of its own: a coming
# break is seen here before `make lock` takes it in. Not part of CI.
LATEST := .venv-latest
test-latest: system-deps
	rm -rf $(LATEST)
	$(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/python -m pip install -q --upgrade pip
	$(LATEST)/bin/python -m pip install -q --upgrade -e '.[test,bench]' $(addprefix -e ,$(dir $(PLUGINS)))
	$(LATEST)/bin/python -m pip freeze --exclude-editable > $(LATEST)/versions.txt
	INSPECT_TOOL_UNLOCKED=1 $(LATEST)/bin/python -m pytest -m "slow or not slow" -q -p no:cacheprovider

clean:
	rm -rf $(VENV) $(LOCKVENV) $(LATEST) build dist .pytest_cache .ruff_cache
