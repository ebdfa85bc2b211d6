# vtasksim: `make run` serves fixtures/default.yaml on http://127.0.0.1:8989/sdk; `make test` runs every test.
# Both create .venv and install the pinned dependencies (constraints.txt) on first use.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
FIXTURE ?= fixtures/default.yaml
PORT ?= 8989

.PHONY: run test bench schema fixtures constraints clean fuzz soak

$(INSTALLED): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' 2>/dev/null || { \
	  echo "vtasksim needs Python 3.11; '$(PYTHON)' is $$($(PYTHON) --version 2>&1 || echo missing)."; \
	  echo "Install Python 3.11, or point make at it: make PYTHON=/path/to/python3.11 ..."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	@touch $@

run: $(INSTALLED)
	$(BIN)/vtasksim serve --port $(PORT) --fixtures $(FIXTURE)

test: $(INSTALLED)
	$(BIN)/python -m pytest

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

# Re-pin every dependency to what is installed now (after changing pyproject.toml's ranges).
constraints: $(INSTALLED)
	$(BIN)/pip freeze --exclude-editable --disable-pip-version-check | grep -v '^vtasksim' > constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache

# The fuzzer with a long budget (make test runs 80 examples).
FUZZ_EXAMPLES ?= 3000
fuzz: $(INSTALLED)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest client_tests/test_fuzz.py -q

# Mixed traffic from 64 connections for SOAK_SECONDS: zero unexpected faults, flat memory, p99.
SOAK_SECONDS ?= 120
soak: $(INSTALLED)
	$(BIN)/python server/bench/soak.py --seconds $(SOAK_SECONDS) --connections 64
