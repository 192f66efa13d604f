"""Quality gate: TIMEX3 tagging on TempEval-3 platinum must not fall below the pinned floor."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "bench" / "bench_timex.py"
GATE = json.loads((REPO / "bench" / "gates" / "timex.json").read_text())


def _load_bench():
    spec = importlib.util.spec_from_file_location("bench_timex", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_timex_scores_stay_above_floor():
    bench = _load_bench()
    if not bench.SCORER.exists():
        pytest.skip(f"official scorer not found at {bench.SCORER}")
    metrics = bench.run(baseline=False)["sitroom"]
    for name, floor in GATE["floor"].items():
        assert metrics[name] >= floor, f"{name} {metrics[name]:.3f} fell below the floor {floor}"
