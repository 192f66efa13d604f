#!/usr/bin/env python3
"""Benchmark: TIMEX3 tagging and normalisation on TempEval-3 platinum.

Gets the exact document strings and DCTs from the official scorer
(``score_timex.py --dump-text``), runs ``sitroom.extract.times.find_times`` on each
with its DCT as the reference date, writes ``bench/out/timex/sitroom.jsonl`` and
scores it; runs the peer baseline (dateparser, ``baselines/run_dateparser.py
--granularity``) in the same run and scores it too, then prints both.

Usage: python bench/bench_timex.py [--show-errors N] [--gold DIR] [--no-baseline]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EVAL = REPO.parent / "shared" / "eval"
SCORER = EVAL / "score_timex.py"
BASELINE = EVAL / "baselines" / "run_dateparser.py"
OUT = REPO / "bench" / "out" / "timex"

sys.path.insert(0, str(REPO))
from sitroom.extract.times import find_times, infer_publication_date  # noqa: E402


def dump_texts(gold: Path | None) -> Path:
    text_dir = OUT / "text"
    command = [sys.executable, str(SCORER), "--dump-text", str(text_dir)]
    if gold:
        command += ["--gold", str(gold)]
    subprocess.run(command, check=True, capture_output=True, text=True)
    return text_dir


def predict(text_dir: Path, out_path: Path) -> tuple[int, float]:
    started = time.perf_counter()
    count = 0
    with open(out_path, "w", encoding="utf-8") as out:
        for line in open(text_dir / "docs.jsonl", encoding="utf-8"):
            meta = json.loads(line)
            text = open(text_dir / f"{meta['doc']}.txt", encoding="utf-8", newline="").read()
            reference = date.fromisoformat(meta["dct"][:10]) if meta.get("dct") else None
            timexes = [{"start": t.start, "end": t.end, "type": t.type, "value": t.value, "text": t.text}
                       for t in find_times(text, reference)]
            count += len(timexes)
            out.write(json.dumps({"doc": meta["doc"], "timexes": timexes}, ensure_ascii=False) + "\n")
    return count, time.perf_counter() - started


def check_inferred_dates(text_dir: Path) -> dict[str, int]:
    """Infer each document's date from its text alone and compare with its DCT."""
    counts = {"docs": 0, "inferred": 0, "lower_bound_ok": 0, "range_has_dct": 0}
    for line in open(text_dir / "docs.jsonl", encoding="utf-8"):
        meta = json.loads(line)
        text = open(text_dir / f"{meta['doc']}.txt", encoding="utf-8", newline="").read()
        dct = date.fromisoformat(meta["dct"][:10])
        inferred = infer_publication_date(text)
        counts["docs"] += 1
        if inferred is None:
            continue
        counts["inferred"] += 1
        counts["lower_bound_ok"] += inferred.earliest <= dct
        counts["range_has_dct"] += inferred.earliest <= dct <= inferred.latest
    return counts


def score(pred: Path, gold: Path | None, show_errors: int = 0) -> tuple[dict, str]:
    metrics_path = pred.with_suffix(".metrics.json")
    command = [sys.executable, str(SCORER), str(pred), "--json", str(metrics_path),
               "--show-errors", str(show_errors)]
    if gold:
        command += ["--gold", str(gold)]
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(metrics_path.read_text()), result.stdout


def run(gold: Path | None = None, show_errors: int = 0, baseline: bool = True) -> dict[str, dict]:
    OUT.mkdir(parents=True, exist_ok=True)
    text_dir = dump_texts(gold)
    ours = OUT / "sitroom.jsonl"
    count, seconds = predict(text_dir, ours)
    metrics, report = score(ours, gold, show_errors)
    print(f"== sitroom find_times: {count} timexes in {seconds:.2f}s")
    print(report)
    results = {"sitroom": metrics}
    inferred = check_inferred_dates(text_dir)
    print(f"== infer_publication_date without the DCT: inferred for {inferred['inferred']}/{inferred['docs']} docs; "
          f"lower bound <= DCT in {inferred['lower_bound_ok']}, range contains DCT in {inferred['range_has_dct']}\n")
    if baseline:
        peer = OUT / "dateparser.jsonl"
        subprocess.run([sys.executable, str(BASELINE), str(text_dir), str(peer), "--granularity"],
                       check=True, capture_output=True, text=True)
        results["dateparser"], peer_report = score(peer, gold)
        print("== dateparser 1.5.0 search_dates + granularity (peer baseline)")
        print(peer_report)
    print(f"{'system':<12}{'strict F1':>10}{'relaxed P':>10}{'relaxed R':>10}{'relaxed F1':>11}"
          f"{'type acc':>9}{'value acc':>10}{'value F1':>9}")
    for name, m in results.items():
        print(f"{name:<12}{m['strict_f1']:>10.3f}{m['relaxed_p']:>10.3f}{m['relaxed_r']:>10.3f}"
              f"{m['relaxed_f1']:>11.3f}{m['type_acc']:>9.3f}{m['value_acc']:>10.3f}{m['value_f1']:>9.3f}")
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", type=Path, help="folder of .tml files (default: the scorer's TE3 platinum)")
    parser.add_argument("--show-errors", type=int, default=0, metavar="N", help="print N misses/false/wrong values")
    parser.add_argument("--no-baseline", action="store_true", help="skip the dateparser peer run")
    args = parser.parse_args()
    run(args.gold, args.show_errors, not args.no_baseline)
    return 0


if __name__ == "__main__":
    sys.exit(main())
