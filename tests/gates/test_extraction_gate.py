"""Quality gate: body extraction on the article-extraction-benchmark (181 pages).

Runs the bench in-process (sitroom's clean stage and plain trafilatura on every page, in the
same run) and scores both with the official scorer. sitroom's F1 must stay at or above the
pinned floor, and at or above trafilatura's F1 measured now.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "bench" / "bench_extraction.py"
GATE = json.loads((REPO / "bench" / "gates" / "extraction.json").read_text())


def _load_bench():
    spec = importlib.util.spec_from_file_location("bench_extraction", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_extraction_beats_floor_and_trafilatura(tmp_path):
    bench = _load_bench()
    if not bench.SCORER.exists() or not bench.GOLD.exists():
        pytest.skip(f"benchmark corpus or official scorer not found under {bench.SHARED}")
    assert bench.corpus_hash() == GATE["corpus_sha256"], (
        "ground-truth.json changed: re-measure and update bench/gates/extraction.json")
    files = bench.run_systems(tmp_path, quiet=True)
    metrics_file = tmp_path / "metrics.json"
    bench.score([files["sitroom"], files["trafilatura"]], metrics_file, bootstrap=0)
    metrics = json.loads(metrics_file.read_text())
    sitroom, trafilatura = metrics["sitroom"], metrics["trafilatura"]
    assert sitroom["missing"] == 0
    assert sitroom["f1"] >= GATE["floor"]["f1"], f"sitroom F1 {sitroom['f1']:.4f} fell below the floor"
    assert sitroom["f1"] >= trafilatura["f1"], (
        f"sitroom F1 {sitroom['f1']:.4f} is below trafilatura's {trafilatura['f1']:.4f} in the same run")
