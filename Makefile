# juni-tui. `make demo` opens the TUI on demo data; `make test` runs the whole suite.
# Both work on a fresh machine with only Python 3.11, pip and make: they build .venv themselves.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@ $(VENV)/.installed-app

$(VENV)/.installed-lint: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,lint]'
	touch $@ $(VENV)/.installed-test $(VENV)/.installed-app

demo: $(VENV)/.installed-app
	$(BIN)/juni-tui demo

# Four workers on two cores: the Pilot and sandbox tests wait on timers and on HTTP over loopback as much as they
# compute. Measured on this 2-core machine: 2 workers 86-94 s, 3 workers 69 s, 4 workers 55-58 s, 6 workers 55 s.
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n 4 -q

# The guards that keep the structure: style and imports (ruff), the layers and the tabs' independence
# (import-linter, contracts in pyproject.toml), and types (mypy).
lint: $(VENV)/.installed-lint
	$(BIN)/ruff check juni_tui tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: $(VENV)/.installed-test
	@for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
