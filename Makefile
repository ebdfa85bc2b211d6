# vtasksim: `make run` serves fixtures/default.yaml on http://127.0.0.1:8989/sdk; `make test` runs every test.
# Both create a virtual environment for the Python they use (.venv-3.X) and install the pinned
# dependencies (constraints.txt) on first use. Python 3.11 to 3.13: the newest one found is used,
# unless you name one: make test PYTHON=/path/to/python3.12

SUPPORTED := 3.13 3.12 3.11
# Candidates, newest first: on PATH, then pyenv's installs. Each is probed by running it: a pyenv
# shim exists for every version but fails for one pyenv has not selected.
CANDIDATES := $(foreach v,$(SUPPORTED),python$(v) $(wildcard $(HOME)/.pyenv/versions/$(v).*/bin/python$(v))) python3
SUPPORTED_CHECK := import sys; assert (3, 11) <= sys.version_info[:2] <= (3, 13); print("%d.%d" % sys.version_info[:2], sys.executable)
# One interpreter per version, newest version first.
FOUND := $(shell for p in $(CANDIDATES); do $$p -c '$(SUPPORTED_CHECK)' 2>/dev/null; done | awk '!seen[$$1]++ {print $$2}')
PYTHON ?= $(firstword $(FOUND))
PYVER := $(if $(PYTHON),$(shell "$(PYTHON)" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null))
VENV := .venv-$(PYVER)
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
FIXTURE ?= fixtures/default.yaml
PORT ?= 8989

.PHONY: venv run test bench schema fixtures constraints pythons clean fuzz soak

$(INSTALLED): pyproject.toml constraints.txt
	@"$(PYTHON)" -c '$(SUPPORTED_CHECK)' >/dev/null 2>&1 || { \
	  if [ -z "$(PYTHON)" ]; then echo "vtasksim needs Python 3.11, 3.12 or 3.13, and none was found (python3.13, python3.12, python3.11, python3 on PATH, or under ~/.pyenv/versions)."; \
	  else echo "vtasksim needs Python 3.11, 3.12 or 3.13; $(PYTHON) is $$($(PYTHON) --version 2>/dev/null || echo 'not a Python that runs')."; fi; \
	  echo "Install one (e.g. 'apt install python3.12' or 'pyenv install 3.13'), then, unless it is on PATH, name it: make test PYTHON=/path/to/python3.13"; exit 1; }
	$(PYTHON) -m venv --clear $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	@# .venv: the environment of the Python make chose by itself, for commands typed by hand.
	@if [ "$(origin PYTHON)" = file ] && { [ -L .venv ] || [ ! -e .venv ]; }; then ln -sfn $(VENV) .venv; fi
	@touch $@

venv: $(INSTALLED)

run: $(INSTALLED)
	$(BIN)/vtasksim serve --port $(PORT) --fixtures $(FIXTURE)

# PYTEST_ARGS: e.g. -m "not packaging" (skip building the wheel), -x, a test path.
test: $(INSTALLED)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(INSTALLED)
	$(BIN)/python server/bench/bench.py

# Regenerate wsdl/ (and its packaged copy) and the type table from pyVmomi's type tables (a test checks they are current).
schema: $(INSTALLED)
	$(BIN)/python -m vtasksim.tools.gen_schema

# fixtures/ is canonical; the package carries the same bytes (a test checks they match), and
# the fixture schema editors validate them with (fixture.schema.json, from `vtasksim schema`).
fixtures: $(INSTALLED)
	$(BIN)/vtasksim schema > fixtures/fixture.schema.json
	rm -f server/vtasksim/fixtures/*.yaml
	cp fixtures/*.yaml fixtures/fixture.schema.json server/vtasksim/fixtures/

# The supported Pythons found here, newest first (.ci/run tests the first and the last).
pythons:
	@for p in $(FOUND); do echo $$p; done

# Re-pin every dependency: on each supported Python found, the newest versions pyproject.toml's
# ranges allow, installed into a scratch venv and frozen; pins that differ get python_version markers.
constraints:
	@test -n "$(FOUND)" || { echo "no supported Python found: see 'make test'"; exit 1; }
	rm -rf .constraints && mkdir .constraints
	for p in $(FOUND); do \
	  v=$$($$p -c 'import sys; print("%d.%d" % sys.version_info[:2])') && \
	  $$p -m venv .constraints/$$v && \
	  .constraints/$$v/bin/pip install --quiet --disable-pip-version-check '.[test]' && \
	  .constraints/$$v/bin/pip freeze --disable-pip-version-check > .constraints/$$v.txt || exit 1; \
	done
	$(firstword $(FOUND)) server/devtools/merge_constraints.py --supported $(SUPPORTED) -- .constraints/*.txt > constraints.txt
	rm -rf .constraints

clean:
	rm -rf .venv .venv-3.* .constraints .pytest_cache build dist

# The fuzzer with a long budget (make test runs 80 examples).
FUZZ_EXAMPLES ?= 3000
fuzz: $(INSTALLED)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest client_tests/test_fuzz.py -q

# Mixed traffic from 64 connections for SOAK_SECONDS: zero unexpected faults, flat memory, p99.
SOAK_SECONDS ?= 120
soak: $(INSTALLED)
	$(BIN)/python server/bench/soak.py --seconds $(SOAK_SECONDS) --connections 64
