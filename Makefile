# natsam-analysis: set up the environment, serve the dashboards, run the tests.
#
#   make              same as make dashboards
#   make dashboards   serve the Voila dashboards on http://127.0.0.1:8866
#   make test         unit tests, notebooks and dashboards (executed with nbval), browser tests
#   make lab          JupyterLab on the research notebooks
#   make notebooks    run the research notebooks and export them as HTML pages to build/notebooks/
#   make demo         generate the synthetic demo data
#   make lock         regenerate requirements.lock from pyproject.toml (after changing a range there)
#   make plotly-bundle  rebuild the dashboards' partial plotly.js (needs Node.js and npm; see tools/plotly-bundle)
#   make test-latest  the test suite in .venv-latest on the newest versions pyproject.toml allows
#   make clean        remove build and test caches and data/demo (the generated demo)
#
# The first target run creates .venv with python3 -m venv and installs exactly the versions pinned
# in requirements.lock, then the package itself (without resolving anything). pyproject.toml holds
# the allowed ranges; requirements.lock, made from them by uv's resolver (make lock), what is
# installed and tested. The install is redone when either file changes.
# Use another interpreter with: make PYTHON=/path/to/python3.11

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.natsam-installed
LOCK := requirements.lock
# The resolver that writes the lock, pinned so that the same ranges give the same lock; it lives in
# its own environment, so .venv holds only what the lock pins.
UV_VERSION := 0.13.9
TOOLS := .venv-tools
LATEST := .venv-latest

# Fails with a clear message unless $(1) runs and is Python >= 3.11.
define require_python
	@$(1) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "natsam-analysis needs Python 3.11 or newer, but '$(1)' is: $$(command -v $(1) >/dev/null && $(1) --version 2>&1 || echo 'not found')." >&2; \
	  echo "Install Python 3.11+ and run e.g. 'make PYTHON=python3.11', or remove an old $(VENV)." >&2; \
	  exit 1; }
endef

.DEFAULT_GOAL := dashboards
.PHONY: dashboards test lab notebooks demo lock plotly-bundle test-latest clean

dashboards: $(STAMP)
	$(BIN)/natsam serve

test: $(STAMP)
	$(BIN)/python -m pytest --nbval-lax

lab: $(STAMP)
	$(BIN)/natsam lab

notebooks: $(STAMP)
	$(BIN)/natsam notebooks --out build/notebooks

demo: $(STAMP)
	$(BIN)/natsam demo

$(BIN)/python:
	$(call require_python,$(PYTHON))
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml $(LOCK) | $(BIN)/python
	$(call require_python,$(BIN)/python)
	$(BIN)/python -m pip install --no-deps -r $(LOCK)
	$(BIN)/python -m pip install --no-deps -e .
	$(BIN)/python -m pip check
	touch $(STAMP)

lock:
	$(call require_python,$(PYTHON))
	test -x $(TOOLS)/bin/uv || { $(PYTHON) -m venv $(TOOLS) && $(TOOLS)/bin/python -m pip install 'uv==$(UV_VERSION)'; }
	$(TOOLS)/bin/uv pip compile pyproject.toml --extra test --universal --fork-strategy fewest --python-version 3.11 \
	  --custom-compile-command 'make lock' --output-file $(LOCK)

# The dashboards draw with a partial plotly.js built from the pinned versions in
# tools/plotly-bundle/package-lock.json; the built file is committed, so only this target needs npm.
plotly-bundle:
	cd tools/plotly-bundle && npm ci --ignore-scripts --no-audit --no-fund && npm run build

test-latest:
	$(call require_python,$(PYTHON))
	test -x $(LATEST)/bin/python || $(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/python -m pip install --upgrade --upgrade-strategy eager -e '.[test]'
	NATSAM_LATEST=1 $(LATEST)/bin/python -m pytest --nbval-lax

clean:
	rm -rf build dist *.egg-info .pytest_cache .hypothesis data/demo $(TOOLS) $(LATEST)
	find . -path ./$(VENV) -prune -o \( -name __pycache__ -o -name .ipynb_checkpoints \) -type d -print0 \
	  | xargs -0 rm -rf
