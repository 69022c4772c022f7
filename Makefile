# rotativa — every target works on a fresh machine: the first one creates .venv itself.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install lock layer demo check test lint typecheck unit clean
.PHONY: system-tools browser-tools bench bench-worst bench-tools bench-quick screenshots preview soak

# Page tests (tests/browser) need Debian's Chromium and Java (for the W3C checker) and the
# npm tools in tools/ (playwright-core, axe-core, vnu-jar, pinned by package-lock.json).
CHROMIUM   ?= /usr/bin/chromium
NODE_TOOLS := tools/node_modules/.package-lock.json
SUDO       := $(if $(filter 0,$(shell id -u)),,sudo)

# The venv holds exactly requirements/dev.txt (every package pinned, with its hashes), then
# rotativa itself without build isolation (its build backend is in the lock too): a fresh
# clone gets the versions the lock names, and a changed lock rebuilds the venv from scratch,
# so nothing it no longer names stays behind. The lock is the whole closure (pip-compile
# resolved it), so pip installs it as it is (--no-deps: pip's hash mode refuses the extras
# a dependency asks for, e.g. aws-sam-cli's boto3-stubs[...]) and `pip check` then proves
# that every package's requirements are met.
LOCK := requirements/dev.txt

install: $(STAMP)  ## create .venv with the locked versions of every dependency, and rotativa

$(STAMP): $(LOCK) pyproject.toml
	$(PYTHON) -m venv --clear $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check
	touch $(STAMP)

# `make lock` pins pyproject.toml's dependencies again: requirements/dev.txt (runtime, [dev]
# extras and the build backend) and src/shared/requirements.txt (the layer: requirements/
# layer.in at dev.txt's versions). It keeps every pin that still fits; to move some, say
# `make lock LOCK_ARGS="--upgrade-package moto"` (or `--upgrade` for all). The lock is made
# from the default package index only: PIP_CONFIG_FILE=/dev/null and no PIP_FIND_LINKS keep
# a machine's own mirror or wheel folder out of it. It needs the network; then `make install`.
PIP_COMPILE = env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null CUSTOM_COMPILE_COMMAND="make lock" \
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --no-emit-index-url \
	--no-emit-find-links $(LOCK_ARGS)

# Only pip-compile is needed, not an up-to-date venv: after pyproject.toml tightens a pin the
# old lock no longer passes `pip check`, and the lock must still be remade from it.
lock: | $(BIN)/pip-compile  ## pin every dependency again, with hashes (requirements/, src/shared/requirements.txt)
	$(PIP_COMPILE) --extra dev --all-build-deps --allow-unsafe -o $(LOCK) pyproject.toml
	$(PIP_COMPILE) --constraint $(LOCK) -o src/shared/requirements.txt requirements/layer.in

$(BIN)/pip-compile:
	$(MAKE) $(STAMP)

# The shared layer as `sam build` builds it (template.yaml's SharedLayer: arm64 wheels from
# the registry, no Docker), into build/layer/SharedLayer; then its size (docs/benchmarks.md).
layer: $(STAMP)  ## build the shared layer as sam build does, and measure it
	$(BIN)/sam build SharedLayer --build-dir build/layer
	$(BIN)/python -m benchmarks.layer build/layer/SharedLayer

demo: $(STAMP)  ## the main job: publish samples/ through the local cloud into build/site
	$(BIN)/rotativa local samples --out build/site

check: $(STAMP)  ## validate the samples exactly as the cloud will
	$(BIN)/rotativa check samples/

lint: $(STAMP)
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest tests/unit -q

# The suite runs on both cores (pytest-xdist), each test file in one worker, so that a
# module's fixture (a published stack) is built once.
TEST_WORKERS ?= 2

test: lint typecheck browser-tools  ## ruff, mypy and the whole test suite
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile

system-tools:  ## install Chromium, Java and Node from Debian when they are missing
	@missing=""; \
	test -x $(CHROMIUM) || missing="$$missing chromium fonts-liberation"; \
	command -v java >/dev/null 2>&1 || missing="$$missing default-jre-headless"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

$(NODE_TOOLS): tools/package.json tools/package-lock.json | system-tools
	npm ci --prefix tools --ignore-scripts --no-audit --no-fund
	touch $(NODE_TOOLS)

browser-tools: system-tools $(NODE_TOOLS)  ## everything the page tests need

soak: $(STAMP)  ## the reliability properties at length: >= 1,000 examples, every sample, 5 fault seeds
	mkdir -p build && HYPOTHESIS_PROFILE=soak ROTATIVA_EXAMPLE_LOG=build/soak-examples.log $(BIN)/pytest -q --hypothesis-show-statistics tests/reliability

# Benchmarks (docs/benchmarks.md): measurements, not tests; never part of `make test`.
HUGO ?= hugo

bench-tools: $(STAMP)  ## what the benchmarks need besides the lock (matplotlib is in it): Debian's hugo, valgrind
	@command -v $(HUGO) >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq hugo; }
	@command -v valgrind >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq valgrind; }

bench: bench-tools  ## publish cost, burst, rebuild vs Hugo, cold starts, memory, worst inputs (~1 hour)
	$(BIN)/python benchmarks/render_pages.py
	$(BIN)/python -m benchmarks.suite
	$(BIN)/python -m benchmarks.worst_inputs
	$(BIN)/python -m benchmarks.pictures

bench-worst: $(STAMP)  ## the worst input shapes at 200 KB / 1 MB, each checked in under 1 s (~1 minute)
	$(BIN)/python -m benchmarks.worst_inputs

bench-quick: bench-tools  ## the same at small sizes (a few minutes)
	$(BIN)/python -m benchmarks.suite --quick --out build/bench/quick.json --chart build/bench/quick.png

screenshots: $(STAMP) browser-tools  ## retake docs/article.png and docs/home.png in Chromium
	ROTATIVA_SCREENSHOTS=docs $(BIN)/pytest -q tests/browser/test_browser.py

preview: $(STAMP)  ## render the seed article into build/preview (open build/preview/index.html)
	$(BIN)/rotativa preview samples/articles/massimo-carrera-spartak-mosca.md --out build/preview

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build src/shared/*.egg-info src/tools/*.egg-info
