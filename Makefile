# peacekg: one command to serve, one to test. Everything installs into .venv from pyproject.toml.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export PEACEKG_ROOT := $(CURDIR)

HOST   ?= 127.0.0.1
PORT   ?= 8000
BUILD_INPUTS := $(shell find seeds mappings ontology shapes -type f 2>/dev/null)

.PHONY: serve build test clean

$(STAMP): pyproject.toml
	@command -v java >/dev/null || { echo "installing a Java runtime for the HermiT reasoner (apt)"; apt-get update -qq && apt-get install -y -qq default-jre-headless >/dev/null; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

build: $(STAMP)  ## map, reason, check and validate into build/current (store) and build/dumps
	$(BIN)/peacekg build

build/current/manifest.json: $(STAMP) $(BUILD_INPUTS)
	$(BIN)/peacekg build

serve: build/current/manifest.json  ## build if inputs changed, then serve http://$(HOST):$(PORT)/sparql
	$(BIN)/peacekg serve --host $(HOST) --port $(PORT)

test: $(STAMP)  ## lint and the whole test suite
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/pytest -q

clean:
	rm -rf build $(VENV)
