"""Quality gate: figure extraction on the hand-annotated gold must not fall below the pinned floors."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BENCH = REPO / "bench" / "bench_figures.py"
GATE = json.loads((REPO / "bench" / "gates" / "figures.json").read_text())


def _load_bench():
    spec = importlib.util.spec_from_file_location("bench_figures", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_figure_scores_stay_above_floor():
    scores = _load_bench().run(peer=False, show=False)["sitroom"]
    for split, floors in GATE["floor"].items():
        for name, floor in floors.items():
            value = scores[split][name.removesuffix("_f1")]["f1"] if name.endswith("_f1") \
                else scores[split][name]
            assert value >= floor, f"{split} {name} {value:.3f} fell below the floor {floor}"
