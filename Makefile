# The two entry points of the README: `make demo` and `make test`. Each sets up what it needs.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
PORT    ?= 8501

.PHONY: setup browser demo test lint bench clean

$(BIN)/daihou: pyproject.toml
	$(PY) -m pip install --quiet --disable-pip-version-check uv
	$(PY) -m uv venv --quiet --allow-existing --python 3.11 $(VENV)
	$(PY) -m uv pip install --quiet --python $(BIN)/python -e '.[test]'
	touch $@

setup: $(BIN)/daihou  ## virtual environment with the project and its test tools

browser:  ## Debian chromium, CJK fonts, LibreOffice Calc and poppler for the rendering tests
	@command -v chromium >/dev/null && fc-list :lang=zh | grep -q . && \
	  command -v soffice >/dev/null && command -v pdftoppm >/dev/null || \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    chromium fonts-noto-cjk libreoffice-calc-nogui poppler-utils)

demo: setup  ## generate the demo bank, load it, serve the dashboard
	$(BIN)/daihou demo --port $(PORT)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: setup browser lint  ## everything CI runs
	$(BIN)/pytest

bench: setup  ## the benchmark suite at medium scale into benchmarks/results/ (benchmarks/README.md)
	$(BIN)/python benchmarks/suite.py --scale medium

clean:
	rm -rf $(VENV) data tests/artifacts .pytest_cache
