# natsam-analysis: set up the environment, serve the dashboards, run the tests.
#
#   make              same as make dashboards
#   make dashboards   serve the Voila dashboards on http://127.0.0.1:8866
#   make test         unit tests, notebooks and dashboards (executed with nbval), browser tests
#   make lab          JupyterLab on the research notebooks
#   make demo         generate the synthetic demo data
#   make clean        remove build and test caches and data/demo (the generated demo)
#
# The first target run creates .venv with python3 -m venv and installs the package with its test
# extras from pyproject.toml (the single source of dependencies). The install is redone only when
# pyproject.toml changes. Use another interpreter with: make PYTHON=/path/to/python3.11

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.natsam-installed

# Fails with a clear message unless $(1) runs and is Python >= 3.11.
define require_python
	@$(1) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "natsam-analysis needs Python 3.11 or newer, but '$(1)' is: $$(command -v $(1) >/dev/null && $(1) --version 2>&1 || echo 'not found')." >&2; \
	  echo "Install Python 3.11+ and run e.g. 'make PYTHON=python3.11', or remove an old $(VENV)." >&2; \
	  exit 1; }
endef

.DEFAULT_GOAL := dashboards
.PHONY: dashboards test lab demo clean

dashboards: $(STAMP)
	$(BIN)/natsam serve

test: $(STAMP)
	$(BIN)/python -m pytest --nbval-lax

lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks

demo: $(STAMP)
	$(BIN)/natsam demo

$(BIN)/python:
	$(call require_python,$(PYTHON))
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(call require_python,$(BIN)/python)
	$(BIN)/python -m pip install -e '.[test]'
	touch $(STAMP)

clean:
	rm -rf build dist *.egg-info .pytest_cache .hypothesis data/demo
	find . -path ./$(VENV) -prune -o \( -name __pycache__ -o -name .ipynb_checkpoints \) -type d -print0 \
	  | xargs -0 rm -rf
