"""Quality gates: CAMEO triples on PETRARCH2's unit-test records and PLOVER types/countries
on the PLOVER GSR dev half must not fall below the pinned floors (bench/gates/*.json)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _load_bench(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _check(metrics: dict, gate: dict) -> None:
    for name, floor in gate["floor"].items():
        assert metrics[name] >= floor, f"{name} {metrics[name]:.3f} fell below the floor {floor}"


@pytest.mark.slow
def test_petrarch_unit_records_stay_above_floor():
    bench = _load_bench("bench_petr")
    if not bench.SCORER.exists() or not bench.DICTIONARIES.exists():
        pytest.skip(f"official scorer or PETRARCH2 dictionaries not found under {bench.SHARED}")
    _check(bench.run(), json.loads((REPO / "bench" / "gates" / "petr.json").read_text()))


@pytest.mark.slow
def test_plover_gsr_stays_above_floor():
    bench = _load_bench("bench_plover")
    if not bench.SCORER.exists() or not bench.DEFAULT_GOLD.exists():
        pytest.skip(f"official scorer or PLOVER GSR dev not found under {bench.SHARED}")
    _check(bench.run(), json.loads((REPO / "bench" / "gates" / "plover.json").read_text()))
