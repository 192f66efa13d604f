#!/usr/bin/env python3
"""Events, modality and actors against the team's hand-annotated gold over the sample corpus.

Gold (written by reading the texts, never from sitroom's output; guideline in
``docs/benchmarks/events_gold.md``):

* ``bench/gold/events.jsonl``: one line per event an analyst would want:
  ``{"file", "sentence" (a unique substring of the sentence), "type" (PLOVER 2021 as
  sitroom names them), "source"/"target" (ISO-3 codes, "EU"/"NATO"/... for
  international bodies; [] = not pinned), "modality"}``.
* ``bench/gold/actors.jsonl``: one line per surface mention: ``{"file", "text",
  "occurrence" (n-th whole-word, case-sensitive occurrence in the article body),
  "country", "sector" (null = the actor has none, e.g. a country), "actor_id" (null = not
  pinned)}``.

The script runs the full pipeline (``sitroom.pipeline.process_shard`` over
``sitroom.ingest.read_path``) on every annotated file and scores:

* **events**: a predicted event matches a gold event when the gold substring lies inside
  the predicted event's sentence (``Event.text``) and the types are equal (one-to-one,
  greedy, best source/target agreement first). Every predicted event of an annotated
  file counts: one with no gold partner is a false positive. ``type_*`` = P/R/F1 of
  these matches; ``located_*`` = the same with the type ignored (is there an event at
  all in the sentence?).
* on matched events: ``source_acc`` / ``target_acc`` = the predicted set of countries
  equals the gold set (only where gold pins a non-empty set), ``modality_acc`` (with a
  confusion list).
* **actors**: the gold mention is looked up among the predicted ``ArticleActor.mentions``
  (exact span, else the overlapping span with the largest overlap). ``mention_found`` =
  share found; ``actor_country_acc`` / ``actor_sector_acc`` = share of all gold mentions
  whose actor has the gold country / sector (a mention not found is wrong);
  ``actor_id_acc`` over the mentions where gold pins an id; ``actor_country_acc_unpinned``
  = country accuracy on the mentions where it does not (the actors outside the dictionary).

    python bench/bench_events_gold.py              # table
    python bench/bench_events_gold.py --errors     # plus misses, false hits and mismatches
    python bench/bench_events_gold.py --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parents[1]
GOLD_EVENTS = REPO / "bench" / "gold" / "events.jsonl"
GOLD_ACTORS = REPO / "bench" / "gold" / "actors.jsonl"
sys.path.insert(0, str(REPO))

REPORTED = ("type_p", "type_r", "type_f1", "located_p", "located_r", "located_f1",
            "source_acc", "target_acc", "modality_acc",
            "mention_found", "actor_country_acc", "actor_sector_acc", "actor_id_acc",
            "actor_country_acc_unpinned")


def load_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def unit(g: dict) -> str:
    """The article a gold line belongs to: the file, or ``file#record`` for a record of a
    multi-article file (JSONL dump: the record's URL, as sitroom keys the item)."""
    return f"{g['file']}#{g['record']}" if g.get("record") else g["file"]


def run_pipeline(files: list[str]) -> dict:
    """{unit (file, or file#record): Article} for the annotated files, full STAGES."""
    from sitroom.ingest import read_path
    from sitroom.models import RawItem
    from sitroom.pipeline import STAGES, process_shard
    from sitroom.stage import Context

    items, origin = [], {}
    for name in files:
        for item in read_path(REPO / name):
            if isinstance(item, RawItem):
                items.append(item)
                suffix = item.key[len(item.path):] if item.key.startswith(item.path) else ""
                origin[item.key] = name + suffix
    result = process_shard(items, Context(), STAGES)
    if result.errors:
        raise RuntimeError(f"pipeline errors: {[(e.path, e.error, e.message) for e in result.errors]}")
    return {origin[a.key]: a for a in result.articles}


def actor_key(actor) -> str | None:
    """An event actor as the gold writes it: its country, else the short name of an
    international body (IGO.EU -> EU), else its code's first three letters (IGO, NGO)."""
    if actor.country:
        return actor.country
    if actor.actor_id and "." in actor.actor_id:
        return actor.actor_id.split(".", 1)[1]
    if actor.code:
        return actor.code[:3]
    return None


def keys(actors) -> list[str]:
    return sorted({k for k in (actor_key(a) for a in actors) if k})


def prf(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _match(gold: list[dict], preds: list, typed: bool) -> dict[int, int]:
    """{gold index: predicted index}, one-to-one, gold in file order, best actors first."""
    used, pairs = set(), {}
    for gi, g in enumerate(gold):
        candidates = []
        for pi, (_, e) in enumerate(preds):
            if pi in used or g["sentence"] not in e.text:
                continue
            if typed and e.type != g["type"]:
                continue
            agree = (keys(e.source) == g["source"]) + (keys(e.target) == g["target"])
            candidates.append((-(e.type == g["type"]), -agree, pi))
        if candidates:
            pi = min(candidates)[2]
            used.add(pi)
            pairs[gi] = pi
    return pairs


def score_events(gold: list[dict], articles: dict) -> tuple[dict, dict]:
    by_file = defaultdict(list)
    for g in gold:
        by_file[unit(g)].append(g)
    tp = located = n_pred = 0
    src_ok = src_n = tgt_ok = tgt_n = mod_ok = 0
    confusion, errors = Counter(), defaultdict(list)
    per_type = defaultdict(Counter)  # type -> gold / pred / tp
    checks = []
    for name, golds in by_file.items():
        article = articles[name]
        preds = [(name, e) for e in article.events]
        n_pred += len(preds)
        for _, e in preds:
            per_type[e.type]["pred"] += 1
        for g in golds:
            per_type[g["type"]]["gold"] += 1
        for g in golds:
            hits = article.text.count(g["sentence"])
            if hits != 1:
                checks.append(f"{name}: gold substring found {hits} times: {g['sentence']!r}")
            elif not any(s.start <= article.text.index(g["sentence"]) and
                         article.text.index(g["sentence"]) + len(g["sentence"]) <= s.end
                         for s in article.sentences):
                checks.append(f"{name}: gold substring crosses a sentence boundary: {g['sentence']!r}")
        located += len(_match(golds, preds, typed=False))
        pairs = _match(golds, preds, typed=True)
        tp += len(pairs)
        for gi in pairs:
            per_type[golds[gi]["type"]]["tp"] += 1
        for gi, g in enumerate(golds):
            if gi not in pairs:
                in_sentence = [f"{e.type} {keys(e.source)}->{keys(e.target)} {e.modality}"
                               for _, e in preds if g["sentence"] in e.text]
                errors["missed"].append(f"{name}: {g['type']} {g['source']}->{g['target']} {g['modality']} "
                                        f"| {g['sentence']!r} | predicted here: {in_sentence or 'nothing'}")
                continue
            e = preds[pairs[gi]][1]
            if g["source"]:
                src_n += 1
                if keys(e.source) == g["source"]:
                    src_ok += 1
                else:
                    errors["source"].append(f"{name}: {g['type']} gold {g['source']} pred {keys(e.source)} "
                                            f"({', '.join(a.text for a in e.source) or '-'}) | {g['sentence']!r}")
            if g["target"]:
                tgt_n += 1
                if keys(e.target) == g["target"]:
                    tgt_ok += 1
                else:
                    errors["target"].append(f"{name}: {g['type']} gold {g['target']} pred {keys(e.target)} "
                                            f"({', '.join(a.text for a in e.target) or '-'}) | {g['sentence']!r}")
            confusion[(g["modality"], e.modality)] += 1
            if g["modality"] == e.modality:
                mod_ok += 1
            else:
                errors["modality"].append(f"{name}: {g['type']} gold {g['modality']} pred {e.modality} "
                                          f"| {g['sentence']!r}")
        matched = set(pairs.values())
        for pi, (_, e) in enumerate(preds):
            if pi not in matched:
                trigger = e.trigger.text if e.trigger else "?"
                errors["false"].append(f"{name}: {e.type} {keys(e.source)}->{keys(e.target)} {e.modality} "
                                       f"trigger {trigger!r} | {e.text[:110]!r}")
    p, r, f = prf(tp, n_pred, len(gold))
    lp, lr, lf = prf(located, n_pred, len(gold))
    metrics = {"type_p": p, "type_r": r, "type_f1": f, "located_p": lp, "located_r": lr, "located_f1": lf,
               "source_acc": src_ok / src_n if src_n else 0.0, "target_acc": tgt_ok / tgt_n if tgt_n else 0.0,
               "modality_acc": mod_ok / tp if tp else 0.0,
               "n_gold_events": len(gold), "n_pred_events": n_pred, "n_matched": tp,
               "n_source_scored": src_n, "n_target_scored": tgt_n}
    errors["gold_checks"] = checks
    errors["per_type"] = [f"{t:<10} gold {c['gold']:>3}  pred {c['pred']:>3}  matched {c['tp']:>3}"
                          for t, c in sorted(per_type.items())]
    errors["confusion"] = [f"gold {g:<12} -> pred {pr:<12} {n}" for (g, pr), n in sorted(confusion.items())]
    return metrics, errors


def find_occurrence(text: str, surface: str, occurrence: int) -> tuple[int, int] | None:
    pattern = re.compile(r"(?<!\w)" + re.escape(surface) + r"(?!\w)")
    for n, m in enumerate(pattern.finditer(text), start=1):
        if n == occurrence:
            return m.start(), m.end()
    return None


def score_actors(gold: list[dict], articles: dict) -> tuple[dict, dict]:
    found = country_ok = sector_ok = id_n = id_ok = tail_n = tail_ok = 0
    errors = defaultdict(list)
    for g in gold:
        article = articles[unit(g)]
        span = find_occurrence(article.text, g["text"], g["occurrence"])
        label = f"{unit(g)}: {g['text']!r}#{g['occurrence']}"
        if span is None:
            errors["gold_checks"].append(f"{label} does not occur that often in the article body")
        best, best_overlap = None, 0
        if span is not None:
            for actor in article.actors:
                for m in actor.mentions:
                    overlap = min(m.end, span[1]) - max(m.start, span[0])
                    if (m.start, m.end) == span:
                        overlap = 10 ** 6
                    if overlap > best_overlap:
                        best, best_overlap = actor, overlap
        if g.get("actor_id"):
            id_n += 1
        else:
            tail_n += 1
        if best is None:
            errors["actor_missed"].append(f"{label} (gold {g['country']}/{g['sector']}/{g.get('actor_id')})")
            continue
        found += 1
        ok_c, ok_s = best.country == g["country"], best.sector == g["sector"]
        ok_i = g.get("actor_id") is None or best.id == g["actor_id"]
        country_ok += ok_c
        if not g.get("actor_id"):
            tail_ok += ok_c
        sector_ok += ok_s
        if g.get("actor_id"):
            id_ok += ok_i
        if not (ok_c and ok_s and ok_i):
            errors["actor_wrong"].append(f"{label} gold {g['country']}/{g['sector']}/{g.get('actor_id')} "
                                         f"pred {best.country}/{best.sector}/{best.id} ({best.name})")
    n = len(gold)
    metrics = {"mention_found": found / n, "actor_country_acc": country_ok / n,
               "actor_sector_acc": sector_ok / n, "actor_id_acc": id_ok / id_n if id_n else 0.0,
               "actor_country_acc_unpinned": tail_ok / tail_n if tail_n else 0.0,
               "n_gold_mentions": n, "n_gold_ids": id_n}
    return metrics, errors


def run(events_path: Path = GOLD_EVENTS, actors_path: Path = GOLD_ACTORS) -> tuple[dict, dict]:
    """(metrics, errors by kind)."""
    gold_events, gold_actors = load_jsonl(events_path), load_jsonl(actors_path)
    files = sorted({g["file"] for g in gold_events} | {g["file"] for g in gold_actors})
    units = {unit(g) for g in gold_events} | {unit(g) for g in gold_actors}
    started = time.perf_counter()
    articles = run_pipeline(files)
    seconds = time.perf_counter() - started
    event_metrics, event_errors = score_events(gold_events, articles)
    actor_metrics, actor_errors = score_actors(gold_actors, articles)
    metrics = {**event_metrics, **actor_metrics, "n_files": len(files), "n_articles": len(units), "pipeline_s": round(seconds, 1)}
    errors = dict(event_errors)
    errors["gold_checks"] = event_errors["gold_checks"] + actor_errors.pop("gold_checks", [])
    errors.update(actor_errors)
    return metrics, errors


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--errors", action="store_true", help="list misses, false hits and mismatches")
    parser.add_argument("--json", type=Path, help="also write the metrics to this file")
    parser.add_argument("--events", type=Path, default=GOLD_EVENTS)
    parser.add_argument("--actors", type=Path, default=GOLD_ACTORS)
    args = parser.parse_args(argv)

    metrics, errors = run(args.events, args.actors)
    print(f"sample-corpus gold: {metrics['n_articles']} articles in {metrics['n_files']} files, "
          f"{metrics['n_gold_events']} events, "
          f"{metrics['n_gold_mentions']} actor mentions ({metrics['n_gold_ids']} with a pinned id); "
          f"pipeline {metrics['pipeline_s']}s")
    print(f"predicted events {metrics['n_pred_events']}, matched (sentence + type) {metrics['n_matched']}; "
          f"source scored on {metrics['n_source_scored']}, target on {metrics['n_target_scored']}")
    print(f"{'metric':<28}{'value':>8}")
    for name in REPORTED:
        print(f"{name:<28}{metrics[name]:>8.3f}")
    print("per type:")
    for line in errors["per_type"]:
        print("  " + line)
    print("modality confusion (matched events):")
    for line in errors["confusion"]:
        print("  " + line)
    if errors["gold_checks"]:
        print("GOLD CHECKS (fix the gold):")
        for line in errors["gold_checks"]:
            print("  " + line)
    if args.errors:
        for kind in ("missed", "false", "source", "target", "modality", "actor_missed", "actor_wrong"):
            print(f"\n== {kind} ({len(errors.get(kind, []))})")
            for line in errors.get(kind, []):
                print("  " + line)
    if args.json:
        args.json.write_text(json.dumps(metrics, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
