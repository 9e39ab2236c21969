# The two commands: `make run` and `make test`. Both set themselves up on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
FONT   := static/fonts/Vazirmatn-Regular.woff2
PORT   ?= 8501

.PHONY: run test setup font bench bundle lint clean-db help

help:
	@echo "make run    start the app on data/bimeyar.db with demo data (http://localhost:$(PORT))"
	@echo "make test   run the whole test suite"
	@echo "make bench  print the benchmark figures"
	@echo "make bundle build dist/bimeyar-*.tar.gz, installable with no network (BUNDLE_PYTHONS=\"3.11 3.12 3.13\")"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP) font

# The self-hosted Persian font (OFL) comes from the npm registry at set-up; it is not
# committed. Without npm or network the app falls back to system fonts.
font: $(FONT)
$(FONT):
	@scripts/fetch_font.sh || echo "font: Vazirmatn not installed; falling back to system fonts"

run: setup
	$(PY) -m cli init --demo
	$(PY) app.py --server.port $(PORT)   # warms up, then serves as `streamlit run` does

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

bundle: setup
	bash scripts/build_bundle.sh

bench: setup
	@for b in bench/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean-db:
	rm -f data/bimeyar.db data/bimeyar.db-wal data/bimeyar.db-shm
