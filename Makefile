# zeren — `make demo` runs the main job, `make test` runs the tests. Both install what is
# missing first: a .venv with the Python packages, and from Debian: graphviz and CJK fonts (the
# diagrams), Pango with HarfBuzz subsetting (WeasyPrint's PDF reports), poppler-utils (the tests
# read PDFs back with pdftotext and pdftoppm).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
DEMO_DIR ?= zeren-demo
APT_PACKAGES := graphviz fonts-wqy-microhei fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils

# Neo4j 5 Community for the Bolt tests and bench-bolt: its Maven artifacts, resolved by mvn
# into ~/.m2, their classpath cached here (tools/neo4j_server.py reads it). Needs java and mvn.
NEO4J_CP := $(VENV)/neo4j-classpath.txt

.PHONY: demo test system-deps browser-deps neo4j-deps neo4j screenshots bench bench-county10 bench-bolt bench-province \
	bench-duties clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c "import ensurepip" 2>/dev/null || $(MAKE) --no-print-directory APT_PACKAGES=python3-venv system-deps
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $@

# The Debian packages above: installed with apt-get when root, else say what to run.
system-deps:
	@missing=""; \
	command -v dot >/dev/null 2>&1 || missing="$(APT_PACKAGES)"; \
	command -v pdftotext >/dev/null 2>&1 || missing="$(APT_PACKAGES)"; \
	fc-list 2>/dev/null | grep -qi "noto serif cjk" || missing="$(APT_PACKAGES)"; \
	ldconfig -p 2>/dev/null | grep -q "libharfbuzz-subset.so" || missing="$(APT_PACKAGES)"; \
	[ "$(APT_PACKAGES)" = "python3-venv" ] && missing="python3-venv"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing $$missing with apt-get"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "Please install: sudo apt-get install $$missing"; exit 1; \
	  fi; \
	fi

# Debian's chromium for the web workbench's browser tests (Playwright drives it with
# executable_path; nothing downloads a browser). Without it those tests skip and say why.
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing chromium with apt-get"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; \
	  else \
	    echo "No chromium: the browser tests will skip (sudo apt-get install chromium)"; \
	  fi; \
	fi

# Java 17 and Maven for Neo4j (the Bolt tests): apt-get when root, else say the tests will skip.
neo4j-deps:
	@if ! command -v java >/dev/null 2>&1 || ! command -v mvn >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing openjdk-17-jdk-headless maven with apt-get"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jdk-headless maven >/dev/null; \
	  else \
	    echo "No java or mvn: the Bolt tests will skip (sudo apt-get install openjdk-17-jdk-headless maven)"; \
	  fi; \
	fi

# Neo4j's jars resolved now (make time), never while the tests run: they run without a network.
neo4j: $(STAMP) neo4j-deps
	@if command -v mvn >/dev/null 2>&1 && command -v java >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory $(NEO4J_CP); fi

$(NEO4J_CP): tools/neo4j/pom.xml $(STAMP)
	@command -v mvn >/dev/null 2>&1 && command -v java >/dev/null 2>&1 || \
	  { echo "Neo4j needs java (17) and mvn: apt-get install openjdk-17-jdk-headless maven"; exit 1; }
	mvn -q -B -f tools/neo4j/pom.xml dependency:build-classpath -Dmdep.outputFile=$(abspath $@).tmp
	@mv $@.tmp $@

demo: $(STAMP) system-deps
	$(VENV)/bin/zeren demo $(DEMO_DIR)

# Loads of the test suite are small (one process); these run again with the writer process.
LOAD_TESTS = tests/test_load.py tests/test_load_checks.py tests/test_load_write.py tests/test_load_paths.py \
	tests/test_people.py tests/test_duty_log.py tests/test_web_upload.py

# The tests run inside a network namespace with only loopback when the machine allows one
# (root, or user namespaces); the Bolt tests start Neo4j there (tools/neo4j_server.py, 127.0.0.1).
test: $(STAMP) system-deps browser-deps neo4j
	@if unshare -n true 2>/dev/null; then ns="unshare -n"; \
	elif unshare -rn true 2>/dev/null; then ns="unshare -rn"; else ns=""; fi; \
	if [ -n "$$ns" ]; then \
	  echo "$$ns: running the tests with loopback only"; \
	  $$ns sh -c 'ip link set lo up 2>/dev/null || true; exec $(PY) -m pytest $(PYTEST_ARGS)'; \
	else \
	  echo "no network namespace here: the Bolt tests will skip"; $(PY) -m pytest $(PYTEST_ARGS); \
	fi
	@echo "the loading tests again, every load through the writer process (ZEREN_LOAD_WORKER=1)"
	ZEREN_LOAD_WORKER=1 $(PY) -m pytest -p no:cacheprovider $(LOAD_TESTS)

# The README's screenshots of the workbench: the browser test, writing its screenshots to docs/.
screenshots: $(STAMP) system-deps browser-deps
	unshare -n sh -c 'ip link set lo up && ZEREN_SCREENSHOTS=docs exec $(PY) -m pytest tests/test_web_browser.py'

# Issue 16's targets, as ratios measured in one run (bench/run.py prints a Markdown table).
bench: $(STAMP)
	$(PY) bench/run.py

bench-county10: $(STAMP)
	$(PY) bench/run.py --households 350000 --villages 3320 --townships 180 --runs 1 --skip batch \
	  --rss-target 1536 --out bench/out-county10

bench-bolt: $(STAMP) $(NEO4J_CP)
	unshare -n sh -c 'ip link set lo up && exec $(PY) bench/bolt.py'

bench-duties: $(STAMP)
	$(PY) bench/duties.py

bench-province: $(STAMP)
	$(PY) bench/run.py --households 1400000 --villages 13000 --townships 1300 --runs 1 --skip batch \
	  --rss-target 2048 --time-target 45 --out bench/out-province

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache
