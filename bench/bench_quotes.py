#!/usr/bin/env python3
"""Quotes and attribution on PolNeAR, scored by the official ``score_polnear.py``.

Runs sitroom's ``find_quotes`` over every article of a PolNeAR split (parsed once with
``nlp.pipe``), writes the predictions in the scorer's JSONL format to ``bench/out/``,
scores them, and, in the same run, the peer baseline (textacy's direct-quotation
extractor, run per paragraph by the shared baseline runner) for comparison.

Rows: "sitroom" submits every attribution that has a cue or a source: a PolNeAR
attribution relation always has a cue, so short quoted phrases with no reporting verb
(rule ``scare_quote_uncued``; sitroom keeps them as partial quotes without a speaker)
are not attributions in its sense; the second row submits them too. The third row
scores only sitroom's direct quotes, the like-for-like comparison with textacy (which
finds nothing else).

    python bench/bench_quotes.py                 # sitroom + textacy on PolNeAR dev
    python bench/bench_quotes.py --no-peer       # sitroom only (what the gate runs)
    python bench/bench_quotes.py --gold $HELDOUT/polnear-test
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SCORER = SHARED / "eval" / "score_polnear.py"
PEER_RUNNER = SHARED / "eval" / "baselines" / "run_textacy_quotes.py"
DEFAULT_GOLD = SHARED / "corpora" / "polnear" / "dev"
OUT_DIR = REPO / "bench" / "out"
# textacy per paragraph as published in shared/eval/BASELINES.md, shown (labelled) only when
# the peer cannot be re-run here (textacy not installed).
PEER_PUBLISHED = {"content_exact_f1": 0.124, "content_overlap_p": 0.751, "content_overlap_r": 0.230,
                  "content_overlap_f1": 0.352, "content_soft_f1": 0.273, "source_acc": 0.893,
                  "source_exact_acc": 0.625, "cue_acc": 0.881, "n_pred": 671}
REPORTED = ("content_exact_f1", "content_overlap_p", "content_overlap_r", "content_overlap_f1",
            "content_soft_f1", "source_acc", "source_exact_acc", "cue_acc", "n_pred")

sys.path.insert(0, str(REPO))


def attribution_json(quote) -> dict:
    """One sitroom quote in the scorer's format (source = the source as written)."""
    return {"content": [list(f) for f in quote.fragments],
            "source": list(quote.source_span) if quote.source_span else None,
            "cue": list(quote.cue_span) if quote.cue_span else None,
            "kind": quote.kind, "rule": quote.rule}


def predict(split_dir: Path) -> tuple[list[dict], float]:
    """Predictions for every article of the split, and the seconds spent (parse + extract)."""
    from sitroom.extract.quotes import find_quotes
    from sitroom.nlp import load_nlp

    nlp = load_nlp()
    files = sorted((split_dir / "text").glob("*.txt"))
    texts = [open(p, encoding="utf-8", newline="").read() for p in files]
    started = time.perf_counter()
    lines = []
    for path, doc in zip(files, nlp.pipe(texts, batch_size=16)):
        lines.append({"doc": path.stem,
                      "attributions": [attribution_json(q) for q in find_quotes(doc)]})
    return lines, time.perf_counter() - started


def write_jsonl(lines: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as out:
        for line in lines:
            out.write(json.dumps(line) + "\n")


def keep(lines: list[dict], wanted) -> list[dict]:
    return [{"doc": line["doc"], "attributions": [a for a in line["attributions"] if wanted(a)]}
            for line in lines]


def is_attribution(a: dict) -> bool:
    return a["cue"] is not None or a["source"] is not None


def score(pred_path: Path, gold: Path) -> dict:
    """Metrics from the official scorer (its --json output)."""
    metrics_path = pred_path.with_suffix(".metrics.json")
    subprocess.run([sys.executable, str(SCORER), str(pred_path), "--gold", str(gold),
                    "--json", str(metrics_path)], check=True, capture_output=True, text=True)
    return json.loads(metrics_path.read_text())


def run_peer(gold: Path, out_path: Path) -> tuple[dict | None, str]:
    """textacy 0.13.0 per paragraph via the shared baseline runner; (metrics, note)."""
    started = time.perf_counter()
    result = subprocess.run([sys.executable, str(PEER_RUNNER), str(gold), str(out_path),
                             "--per-paragraph"], capture_output=True, text=True)
    if result.returncode != 0:
        last_line = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return None, f"textacy peer failed ({last_line}); its published dev numbers are shown"
    note = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    return score(out_path, gold), f"{note} (wall {time.perf_counter() - started:.1f}s)"


def run(gold: Path = DEFAULT_GOLD, peer: bool = True) -> dict:
    """{system name: metrics}, plus "notes" (timings, peer status)."""
    lines, seconds = predict(gold)
    rows = {}
    for name, file_name, wanted in (
            ("sitroom", "quotes_sitroom.jsonl", is_attribution),
            ("sitroom + uncued scare quotes", "quotes_sitroom_all.jsonl", lambda a: True),
            ("sitroom, direct quotes only", "quotes_sitroom_direct.jsonl",
             lambda a: a["kind"] == "direct" and is_attribution(a))):
        path = OUT_DIR / file_name
        write_jsonl(keep(lines, wanted), path)
        rows[name] = score(path, gold)
    notes = [f"sitroom: {len(lines)} articles, parse + extract {seconds:.1f}s"]
    if peer:
        peer_metrics, note = run_peer(gold, OUT_DIR / "quotes_textacy.jsonl")
        notes.append(note)
        if peer_metrics is not None:
            rows["textacy 0.13.0 (per paragraph)"] = peer_metrics
        else:
            rows["textacy (BASELINES.md dev, not re-run)"] = PEER_PUBLISHED
    rows["notes"] = notes
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD,
                        help="PolNeAR split folder (text/, attributions/)")
    parser.add_argument("--no-peer", action="store_true", help="skip the textacy baseline")
    parser.add_argument("--json", type=Path, help="also write sitroom's metrics to this file")
    args = parser.parse_args(argv)

    rows = run(args.gold, peer=not args.no_peer)
    notes = rows.pop("notes")
    print(f"PolNeAR {args.gold}")
    print(f"{'system':<32}" + "".join(f"{k:>19}" for k in REPORTED))
    for name, metrics in rows.items():
        cells = (f"{metrics[k]:>19.3f}" if isinstance(metrics[k], float) else f"{metrics[k]:>19}"
                 for k in REPORTED)
        print(f"{name:<32}" + "".join(cells))
    for note in notes:
        print(note)
    if args.json:
        args.json.write_text(json.dumps(rows["sitroom"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
