# The two set-up commands: `make build` (builds and validates the package) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# cffconvert pins an old jsonschema that the project's own environment cannot share.
CFF_VENV := .venv-cff
CFF_STAMP := $(CFF_VENV)/.installed

.PHONY: build test lint validate citation clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

$(CFF_STAMP):
	$(PYTHON) -m venv $(CFF_VENV)
	$(CFF_VENV)/bin/pip install --quiet "cffconvert>=2.0"
	touch $(CFF_STAMP)

build: $(STAMP)
	$(BIN)/diplocorpus build .
	$(BIN)/diplocorpus validate .

validate: $(STAMP)
	$(BIN)/diplocorpus validate .

citation: $(CFF_STAMP)
	$(CFF_VENV)/bin/cffconvert --validate -i CITATION.cff

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

test: $(STAMP) $(CFF_STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/diplocorpus validate .
	$(CFF_VENV)/bin/cffconvert --validate -i CITATION.cff
	$(BIN)/pytest

clean:
	rm -rf $(VENV) $(CFF_VENV) .pytest_cache .ruff_cache .hypothesis
