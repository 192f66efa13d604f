"""Quality gate: events, modality and actors on the team-written sample-corpus gold
(``bench/gold/events.jsonl``, ``bench/gold/actors.jsonl``) must not fall below the floors
pinned in ``bench/gates/events_gold.json``. Runs the full pipeline on 12 files (~15 s)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "bench" / "bench_events_gold.py"
GATE = json.loads((REPO / "bench" / "gates" / "events_gold.json").read_text())


def _load_bench():
    spec = importlib.util.spec_from_file_location("bench_events_gold", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def metrics():
    bench = _load_bench()
    measured, errors = bench.run()
    assert not errors["gold_checks"], f"the gold no longer lines up with the corpus: {errors['gold_checks']}"
    return measured


def test_gold_is_big_enough(metrics):
    assert metrics["n_gold_events"] >= 80
    assert metrics["n_gold_mentions"] >= 100


@pytest.mark.parametrize("name", sorted(GATE["floor"]))
def test_events_gold_stays_above_floor(metrics, name):
    floor = GATE["floor"][name]
    assert metrics[name] >= floor, f"{name} {metrics[name]:.3f} fell below the floor {floor}"
