# peacekg: one command to serve, one to test. Everything installs into .venv from pyproject.toml.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export PEACEKG_ROOT := $(CURDIR)

HOST   ?= 127.0.0.1
PORT   ?= 8000
BUILD_INPUTS := $(shell find seeds mappings ontology shapes -type f 2>/dev/null)

# The query UI's editor: YASGUI from the npm registry, pinned and checked by SHA-256, unpacked
# into a git-ignored static folder once (the stamp names the version); never fetched at run time.
YASGUI_VERSION := 4.6.2
YASGUI_SHA256  := 6520cdd256a4003e8d45865e0d631b6456b88a0e6b65f4f3e56d78a25d74c9a7
YASGUI_DIR     := src/peacekg/web/static/vendor/yasgui
YASGUI         := $(YASGUI_DIR)/.version-$(YASGUI_VERSION)
YASGUI_TMP     := $(YASGUI_DIR).download
# The browser tests drive Debian's Chromium (Playwright's own browser builds are not used).
CHROMIUM       := /usr/bin/chromium

# The data-model picture is laid out by Graphviz's dot (Debian package graphviz).
DOT            := /usr/bin/dot

# The soak test's load generator (Debian package wrk).
WRK            := /usr/bin/wrk

# Virtuoso for the tests of publish and serve --backend (Debian's server binary alone: no
# service is set up or started; the tests run it on loopback over a database of their own).
VIRTUOSO       := /usr/bin/virtuoso-t
SOAK_SECONDS   ?= 60

BENCH_ARGS     ?=

.PHONY: serve build test test-fast clean yasgui chromium docs soak wrk bench virtuoso jemalloc

$(STAMP): pyproject.toml
	@command -v java >/dev/null || { echo "installing a Java runtime for the HermiT reasoner (apt)"; apt-get update -qq && apt-get install -y -qq default-jre-headless >/dev/null; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

build: $(STAMP)  ## map, reason, check and validate into build/current (store) and build/dumps
	$(BIN)/peacekg build --require-coverage

build/current/manifest.json: $(STAMP) $(BUILD_INPUTS)
	$(BIN)/peacekg build --require-coverage

yasgui: $(YASGUI)  ## fetch the pinned YASGUI into $(YASGUI_DIR) (once)

$(YASGUI):
	@command -v npm >/dev/null || { echo "installing npm to fetch YASGUI (apt)"; apt-get update -qq && apt-get install -y -qq npm >/dev/null; }
	rm -rf $(YASGUI_TMP) && mkdir -p $(YASGUI_TMP)/out
	cd $(YASGUI_TMP) && npm pack --silent --ignore-scripts --no-update-notifier @zazuko/yasgui@$(YASGUI_VERSION) >/dev/null
	echo "$(YASGUI_SHA256)  $(YASGUI_TMP)/zazuko-yasgui-$(YASGUI_VERSION).tgz" | sha256sum --check --quiet
	tar -xzf $(YASGUI_TMP)/zazuko-yasgui-$(YASGUI_VERSION).tgz -C $(YASGUI_TMP) package/package.json package/build/yasgui.min.js package/build/yasgui.min.css
	mv $(YASGUI_TMP)/package/package.json $(YASGUI_TMP)/package/build/yasgui.min.js $(YASGUI_TMP)/package/build/yasgui.min.css $(YASGUI_TMP)/out/
	rm -rf $(YASGUI_DIR) && mv $(YASGUI_TMP)/out $(YASGUI_DIR) && rm -rf $(YASGUI_TMP)
	touch $@

chromium: $(CHROMIUM)  ## install Debian's Chromium for the browser tests (apt), if missing

$(CHROMIUM):
	@echo "installing Chromium for the browser tests (apt)"
	apt-get update -qq && apt-get install -y -qq chromium >/dev/null

$(DOT):
	@echo "installing Graphviz for the data-model picture (apt)"
	apt-get update -qq && apt-get install -y -qq graphviz >/dev/null

docs: docs/data-model.svg docs/architecture.svg  ## redraw the pictures: data model, architecture

docs/data-model.svg: $(STAMP) $(DOT) ontology/peacekg.ttl ontology/reused.ttl src/peacekg/diagram.py
	$(BIN)/peacekg diagram -o $@

docs/architecture.svg: $(STAMP) $(DOT) $(shell find src/peacekg -name '*.py')
	$(BIN)/peacekg diagram --architecture -o $@

serve: build/current/manifest.json $(YASGUI) jemalloc  ## build if inputs changed, then serve http://$(HOST):$(PORT)/sparql
	$(BIN)/peacekg serve --host $(HOST) --port $(PORT)

# The server's malloc (Debian package libjemalloc2): Oxigraph evaluates a quarter to a third
# faster on it than on glibc's (bench/README.md); serve runs on the system's without it.
jemalloc:  ## install Debian's jemalloc for the server (apt), if missing
	@ls /usr/lib/*-linux-gnu/libjemalloc.so.2 >/dev/null 2>&1 || { echo "installing jemalloc for the server (apt)"; apt-get update -qq && apt-get install -y -qq libjemalloc2 >/dev/null; }

wrk: $(WRK)  ## install Debian's wrk for the soak test (apt), if missing

$(WRK):
	@echo "installing wrk for the soak test (apt)"
	apt-get update -qq && apt-get install -y -qq wrk >/dev/null

virtuoso: $(VIRTUOSO)  ## install Debian's Virtuoso server binary (apt), if missing

$(VIRTUOSO):
	@echo "installing Virtuoso for the tests against established stores (apt)"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends virtuoso-opensource-7-bin >/dev/null

soak: $(STAMP) $(WRK) jemalloc build/current/manifest.json  ## 16 clients for $(SOAK_SECONDS) s, 10k fuzz cases, 16 killed builds; prints a table
	$(BIN)/python bench/soak.py --seconds $(SOAK_SECONDS) --clients 16

bench: $(STAMP) $(VIRTUOSO) $(WRK) jemalloc  ## benchmarks with ratios to baselines -> bench/results.json; BENCH_ARGS=--quick for a short run
	$(BIN)/python bench/run.py $(BENCH_ARGS)

test: $(STAMP) $(YASGUI) $(CHROMIUM) $(DOT) $(WRK) $(VIRTUOSO) jemalloc  ## lint and the whole test suite
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/pytest -q -n 2 --dist loadfile --durations=15

test-fast: $(STAMP)  ## the in-process tier alone: no server process, browser or long fuzzing
	$(BIN)/ruff check src tests bench
	$(BIN)/pytest -q -m "not process and not slow"

clean:
	rm -rf build $(VENV) $(YASGUI_DIR)
