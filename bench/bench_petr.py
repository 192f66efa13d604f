#!/usr/bin/env python3
"""Benchmark: CAMEO event triples on PETRARCH2's unit-test records.

Gets the records (text, date, config in force) from the official scorer
(``score_petr.py --dump``), codes each record's TEXT (not the provided Treebank
parse: sitroom parses with spaCy) with ``sitroom.extract.events.code_sentence``
(``keep_unmapped=True``: CAMEO codes PLOVER drops are scored too; ``situate=False``:
an agent without a country stays ``---GOV`` as in PETRARCH's gold),
using the records' own dictionaries (``PETR.Validate.verbs/actors/agents/discards``,
the ``<Environment>`` of the file) through ``sitroom.link.dictionary``, writes
``bench/out/petr/sitroom.jsonl`` and scores it.

Config applied as the dump gives it per record: ``require_dyad`` (true: a triple
needs both a source and a target). ``new_actor_length`` is 0 throughout (no
detection of actors outside the dictionaries: sitroom never does that). The
``comma_*`` options tune PETRARCH's skipping of comma-delimited clauses in its own
parse tree and have no counterpart in a dependency parse; they are not applied.

PETRARCH2 needs Python 2.7 and cannot run here: its numbers are printed from
eval/BASELINES.md (measured on this machine on 2026-11-22).

Usage: python bench/bench_petr.py [--show-errors N] [--gold FILE]
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
SHARED = REPO.parent / "shared"
SCORER = SHARED / "eval" / "score_petr.py"
DICTIONARIES = SHARED / "corpora" / "petrarch2" / "dictionaries"
OUT = REPO / "bench" / "out" / "petr"
PETRARCH2_MEASURED = {"precision": 0.543, "recall": 0.331, "f1": 0.412, "exact": 0.320, "code_f1": 0.481}

sys.path.insert(0, str(REPO))
from sitroom.extract.events import NULL_CODE, DictionaryActors, VerbDictionary, code_sentence  # noqa: E402
from sitroom.link.dictionary import load_actor_dictionary, load_agent_dictionary, load_discards  # noqa: E402
from sitroom.nlp import load_nlp  # noqa: E402


def dump_records(gold: Path | None) -> list[dict]:
    path = OUT / "inputs.jsonl"
    command = [sys.executable, str(SCORER), "--dump", str(path)]
    if gold:
        command += ["--gold", str(gold)]
    subprocess.run(command, check=True, capture_output=True, text=True)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _truthy(value: object) -> bool:
    return str(value).strip().lower() == "true"


def _record_date(text: str) -> date | None:
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except (TypeError, ValueError):
        return None


def triples(events, require_dyad: bool) -> list[dict]:
    """Dyadic CAMEO triples of coded events: every source x target, self-pairs left out."""
    found = []
    for event in events:
        sources = [a.code or NULL_CODE for a in event.source] or [NULL_CODE]
        targets = [a.code or NULL_CODE for a in event.target] or [NULL_CODE]
        for source in sources:
            for target in targets:
                if source == target and source != NULL_CODE:
                    continue
                if source == target == NULL_CODE or (require_dyad and NULL_CODE in (source, target)):
                    continue  # PETRARCH codes no event without an actor
                triple = {"source": source, "target": target, "code": event.cameo}
                if triple not in found:
                    found.append(triple)
    return found


def predict(records: list[dict], out_path: Path) -> float:
    nlp = load_nlp()
    verbs = VerbDictionary.from_petrarch(DICTIONARIES / "PETR.Validate.verbs.txt")
    actors = load_actor_dictionary(DICTIONARIES / "PETR.Validate.actors.txt", strict=False)
    agents = load_agent_dictionary(DICTIONARIES / "PETR.Validate.agents.txt", strict=False)
    discards = load_discards(DICTIONARIES / "PETR.Validate.discards.txt")
    started = time.perf_counter()
    texts = [" ".join(r["text"].split()) for r in records]
    with open(out_path, "w", encoding="utf-8") as out:
        for record, doc in zip(records, nlp.pipe(texts)):
            config = record.get("config") or {}
            events = []
            if discards.find([t.text for t in doc]) is None:
                lookup = DictionaryActors(actors, agents, _record_date(record.get("date") or ""))
                for sentence in doc.sents:
                    events.extend(code_sentence(sentence, lookup, lookup.date, verbs=verbs, keep_unmapped=True,
                                                situate=False))
            line = {"id": record["id"], "index": record["index"],
                    "events": triples(events, _truthy(config.get("require_dyad", "false")))}
            out.write(json.dumps(line) + "\n")
    return time.perf_counter() - started


def score(pred: Path, gold: Path | None, show_errors: int) -> tuple[dict, str]:
    metrics_path = pred.with_suffix(".metrics.json")
    command = [sys.executable, str(SCORER), str(pred), "--json", str(metrics_path), "--show-errors", str(show_errors)]
    if gold:
        command += ["--gold", str(gold)]
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(metrics_path.read_text()), result.stdout


def run(gold: Path | None = None, show_errors: int = 0) -> dict:
    OUT.mkdir(parents=True, exist_ok=True)
    records = dump_records(gold)
    pred = OUT / "sitroom.jsonl"
    seconds = predict(records, pred)
    metrics, report = score(pred, gold, show_errors)
    print(f"== sitroom code_sentence: {len(records)} records in {seconds:.1f}s")
    print(report)
    print("== PETRARCH2 1.0.0 (Python 2.7; not runnable here) -- numbers from eval/BASELINES.md,")
    print("   measured on this machine on 2026-11-22 with the same scorer:")
    print("   " + " ".join(f"{k}={v}" for k, v in PETRARCH2_MEASURED.items()))
    return metrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", type=Path)
    parser.add_argument("--show-errors", type=int, default=0)
    args = parser.parse_args()
    run(args.gold, args.show_errors)


if __name__ == "__main__":
    main()
