# zeren — `make demo` runs the main job, `make test` runs the tests. Both install what is
# missing first: a .venv with the Python packages, and Debian's graphviz plus a CJK font.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
DEMO_DIR ?= zeren-demo
APT_PACKAGES := graphviz fonts-wqy-microhei

.PHONY: demo test system-deps bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c "import ensurepip" 2>/dev/null || $(MAKE) --no-print-directory APT_PACKAGES=python3-venv system-deps
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	@touch $@

# Debian's graphviz and a CJK font: installed with apt-get when root, else say what to run.
system-deps:
	@missing=""; \
	command -v dot >/dev/null 2>&1 || missing="$(APT_PACKAGES)"; \
	fc-list 2>/dev/null | grep -qiE "wqy|noto (sans|serif) cjk" || missing="$(APT_PACKAGES)"; \
	[ "$(APT_PACKAGES)" = "python3-venv" ] && missing="python3-venv"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing $$missing with apt-get"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "Please install: sudo apt-get install $$missing"; exit 1; \
	  fi; \
	fi

demo: $(STAMP) system-deps
	$(VENV)/bin/zeren demo $(DEMO_DIR)

test: $(STAMP) system-deps
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache
