"""Quality gate: attribution extraction on PolNeAR dev must not fall below the pinned floors."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "bench" / "bench_quotes.py"
GATE = json.loads((REPO / "bench" / "gates" / "quotes.json").read_text())


def _load_bench():
    spec = importlib.util.spec_from_file_location("bench_quotes", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_quote_scores_stay_above_floor():
    bench = _load_bench()
    if not bench.SCORER.exists() or not bench.DEFAULT_GOLD.exists():
        pytest.skip(f"official scorer or PolNeAR dev not found under {bench.SHARED}")
    metrics = bench.run(peer=False)["sitroom"]
    for name, floor in GATE["floor"].items():
        assert metrics[name] >= floor, f"{name} {metrics[name]:.3f} fell below the floor {floor}"
