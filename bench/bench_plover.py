#!/usr/bin/env python3
"""Benchmark: PLOVER event type and source/target countries on the PLOVER GSR (dev half).

Gets the records (id, date, text) from the official scorer (``score_plover.py --dump``),
codes each text with ``sitroom.extract.events.code_sentence`` using sitroom's verb
dictionary (``sitroom/data/verbs``) and the Phoenix actor/agent dictionaries shipped in
``sitroom/data/actors/phoenix`` (matched in the sentence through
``sitroom.link.dictionary``), keeps one event per record (the GSR codes one), writes
``bench/out/plover/sitroom.jsonl`` and scores it.

The GSR was coded with PLOVER 0.5 names; sitroom emits the 2021 manual's. The
renaming (the manual's own CAMEO table, section "CAMEO to PLOVER translation"):
REQUEST -> DEMAND; ACCUSE -> INVESTIGATE for CAMEO 09 / mode investigate, else
DISAPPROVE; ASSAULT -> FIGHT for CAMEO 19-20 (conventional force), else ASSAULT.

No peer tool runs on this data (eval/BASELINES.md section 6); the majority-class
reference (most frequent gold type, empty actors) is computed and scored in the same run.

Usage: python bench/bench_plover.py [--show-errors N] [--gold FILE]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SCORER = SHARED / "eval" / "score_plover.py"
DEFAULT_GOLD = SHARED / "corpora" / "plover" / "PLOVER_GSR_CAMEO.dev.json"
OUT = REPO / "bench" / "out" / "plover"

sys.path.insert(0, str(REPO))
from sitroom.extract.events import CodedEvent, DictionaryActors, code_sentence, load_verb_dictionary  # noqa: E402
from sitroom.link.dictionary import (load_actor_dictionary, load_agent_dictionary, phoenix_actor_paths,  # noqa: E402
                                     phoenix_agent_path)
from sitroom.nlp import load_nlp  # noqa: E402

# events an analyst would count as having been reported, best first
MODALITY_RANK = {"asserted": 0, "reported": 0, "planned": 0, "negated": 1, "hypothetical": 1, "recommended": 2}


def gsr_type(event: CodedEvent) -> str:
    """sitroom's PLOVER 2021 type -> the GSR's PLOVER 0.5 name."""
    cameo = event.cameo or ""
    if event.type == "REQUEST":
        return "DEMAND"
    if event.type == "ACCUSE":
        return "INVESTIGATE" if cameo.startswith("09") or event.mode == "investigate" else "DISAPPROVE"
    if event.type == "ASSAULT" and cameo[:2] in ("19", "20"):
        return "FIGHT"
    return event.type or ""


def main_event(events: list[CodedEvent], doc) -> CodedEvent | None:
    """The event a one-event-per-record coder reports: not negated/conditional/urged, in the
    first sentence, verb highest in the tree, actors found."""
    if not events:
        return None

    def rank(event: CodedEvent):
        depth = sum(1 for _ in doc[event.trigger_token].ancestors)
        return (MODALITY_RANK.get(event.modality, 3), event.sentence_start, depth, not event.source,
                not event.target, -event.confidence)

    return min(events, key=rank)


def dump_records(gold: Path | None) -> list[dict]:
    path = OUT / "inputs.jsonl"
    command = [sys.executable, str(SCORER), "--dump", str(path)]
    if gold:
        command += ["--gold", str(gold)]
    subprocess.run(command, check=True, capture_output=True, text=True)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _record_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "")[:10])
    except ValueError:
        return None


def _country_codes(actors) -> list[str]:
    """Codes of actors with a known country/IGO part (an agent alone, "---GOV", or a
    person coded ELI has none: the GSR codes countries)."""
    return [a.code for a in actors if a.code and a.country]


def predict(records: list[dict], out_path: Path) -> float:
    nlp = load_nlp()
    verbs = load_verb_dictionary()
    actors = load_actor_dictionary(phoenix_actor_paths(), strict=False)
    agents = load_agent_dictionary(phoenix_agent_path(), strict=False)
    started = time.perf_counter()
    texts = [" ".join(r["text"].split()) for r in records]
    with open(out_path, "w", encoding="utf-8") as out:
        for record, doc in zip(records, nlp.pipe(texts)):
            lookup = DictionaryActors(actors, agents, None)
            events = [e for sentence in doc.sents
                      for e in code_sentence(sentence, lookup, lookup.date, verbs=verbs) if e.type]
            chosen = main_event(events, doc)
            line = {"id": record["id"], "index": record["index"],
                    "event": gsr_type(chosen) if chosen else "",
                    "source": _country_codes(chosen.source) if chosen else [],
                    "target": _country_codes(chosen.target) if chosen else []}
            out.write(json.dumps(line) + "\n")
    return time.perf_counter() - started


def majority_reference(records: list[dict], gold: Path, out_path: Path) -> str:
    gold_records = [r for r in json.loads(gold.read_text(encoding="utf-8")) if r.get("event") != "DOCUMENT"]
    majority = Counter(r["event"] for r in gold_records).most_common(1)[0][0]
    with open(out_path, "w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps({"id": record["id"], "index": record["index"], "event": majority,
                                  "source": [], "target": []}) + "\n")
    return majority


def score(pred: Path, gold: Path | None, show_errors: int = 0) -> tuple[dict, str]:
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
    reference = OUT / "majority.jsonl"
    majority = majority_reference(records, gold or DEFAULT_GOLD, reference)
    reference_metrics, _ = score(reference, gold)
    print(f"== majority-class reference (every record {majority}, no actors), computed in this run:")
    print("   " + " ".join(f"{k}={reference_metrics[k]:.3f}" for k in
                           ("event_acc", "event_macro_f1", "source_acc", "target_acc") if k in reference_metrics))
    return metrics


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", type=Path)
    parser.add_argument("--show-errors", type=int, default=0)
    args = parser.parse_args()
    run(args.gold, args.show_errors)


if __name__ == "__main__":
    main()
