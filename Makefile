# peacekg: one command to serve, one to test. Everything installs into .venv from pyproject.toml.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export PEACEKG_ROOT := $(CURDIR)

.PHONY: serve build test lint clean

$(STAMP): pyproject.toml
	@command -v java >/dev/null || { echo "installing a Java runtime for the HermiT reasoner (apt)"; apt-get update -qq && apt-get install -y -qq default-jre-headless >/dev/null; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

build: $(STAMP)  ## compile mappings into the Oxigraph store and dumps under build/
	$(BIN)/peacekg build

serve: build  ## build, then show where the graph is (the SPARQL endpoint comes with issue #4)
	@echo "graph store: build/current/store   dumps: build/dumps/"
	@echo "try: $(BIN)/peacekg query queries/officers-in-more-than-one-mission.rq"

test: $(STAMP)  ## lint and the whole test suite
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/pytest -q

clean:
	rm -rf build $(VENV)
