#!/usr/bin/env python3
"""Throughput: `sitroom run` (every stage, store included) against bare spaCy on the same
texts, in the same run, plus scaling from 1 to 2 worker processes and peak memory.

The corpus replicates the sample corpus (examples/) with varied text: each variant
shuffles sentences within paragraphs and changes the numbers, so no two texts are the
same. It is written as .txt files and a JSONL dump (formats whose reading is cheap);
HTML extraction (trafilatura) costs ~40-70 ms per page on its own and is measured by
bench_extraction.py. Usage:

    python bench/bench_throughput.py [--articles 2000] [--json OUT.json]

Reported, all on the same corpus in the same run: articles/s for bare `nlp.pipe` (one
process); the foundation pipeline (read, clean, sign, parse, store with duplicate linking)
with 1 and 2 workers, its cost ratio to bare spaCy and its 1→2 worker scaling; the
foundation plus actors and events (cost ratio to the foundation); every stage; and the
peak RSS of the largest worker process.

Every run reports wall-clock ``seconds`` and ``cpu_seconds`` (CPU time of this process plus
the worker processes it waited for). The cost ratios ``*_cost_vs_foundation`` are
wall-clock; ``*_cpu_cost_vs_foundation`` are the same ratios from CPU time, measured in the
same runs: on a machine shared with other jobs the wall-clock ratio also counts time spent
waiting for a core, the CPU ratio only the work done.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sitroom.config import Settings  # noqa: E402
from sitroom.ingest import discover, read_path  # noqa: E402
from sitroom.models import RawItem  # noqa: E402
from sitroom.nlp import load_nlp  # noqa: E402
from sitroom.pipeline import INGEST_STAGES, STAGES, process_shard  # noqa: E402
from sitroom.runner import run  # noqa: E402
from sitroom.stage import Context  # noqa: E402
from sitroom.store import open_store  # noqa: E402

SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"])")
NUMBER = re.compile(r"\b\d[\d,]*\b")


def sample_texts() -> list[str]:
    """The cleaned English texts of the sample corpus."""
    items = [item for path in discover([REPO / "examples" / name for name in ("text", "html", "feeds", "dumps")])
             for item in read_path(path) if isinstance(item, RawItem)]
    result = process_shard(items, Context(), STAGES[:1])
    return [a.text for a in result.articles if a.language == "en"]


def vary(text: str, rng: random.Random) -> str:
    paragraphs = []
    for paragraph in text.split("\n\n"):
        sentences = SENTENCE.split(paragraph)
        rng.shuffle(sentences)
        paragraphs.append(" ".join(sentences))
    rng.shuffle(paragraphs)
    return NUMBER.sub(lambda m: str(rng.randint(2, 99_000)), "\n\n".join(paragraphs))


def build_corpus(folder: Path, count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    base = sample_texts()
    texts = [vary(base[i % len(base)], rng) for i in range(count)]
    (folder / "txt").mkdir(parents=True)
    in_dump = count // 5
    for i, text in enumerate(texts[in_dump:]):
        (folder / "txt" / f"{i:05d}.txt").write_text(f"Variant {i}\n\n{text}", encoding="utf-8")
    with (folder / "dump.jsonl").open("w", encoding="utf-8") as dump:
        for i, text in enumerate(texts[:in_dump]):
            dump.write(json.dumps({"title": f"Dump {i}", "maintext": text, "url": f"https://x.example/{i}",
                                   "date_publish": "2025-11-23 10:00:00", "source_domain": "x.example"}) + "\n")
    return texts


def _children_cpu() -> float:
    """CPU seconds (user + system) of the worker processes that have ended so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_run(corpus: Path, db: Path, workers: int, stages, nlp) -> dict:
    """One ``sitroom run`` over the corpus: wall-clock seconds and CPU seconds.

    CPU time is this process's (``time.process_time``: the 1-worker path runs in-process)
    plus that of the worker processes it started and waited for (``RUSAGE_CHILDREN``): the
    same work, measured without the waits caused by other jobs on a shared machine."""
    store = open_store(str(db))
    context = Context(settings=Settings(workers=workers))
    context.preset("nlp", nlp)  # used by the in-process (1 worker) path only
    cpu_started, children_started = time.process_time(), _children_cpu()
    started = time.perf_counter()
    summary = run([corpus], store, settings=Settings(workers=workers), stages=stages, context=context)
    seconds = time.perf_counter() - started
    store.close()
    cpu_seconds = time.process_time() - cpu_started + _children_cpu() - children_started
    assert not summary.errors, summary.errors[:3]
    return {"seconds": round(seconds, 2), "cpu_seconds": round(cpu_seconds, 2),
            "articles_per_s": round(summary.stored / seconds, 1),
            "peak_worker_rss_mb": summary.peak_worker_rss_mb}


def paired_cost(corpus: Path, workdir: Path, nlp, pairs: int) -> dict:
    """Actors + events over the foundation, measured as ``pairs`` back-to-back pairs of
    runs (foundation, then foundation + actors + events, each into a fresh store). On a
    machine whose speed drifts over minutes, the ratio inside a pair is steadier than
    one ratio between runs minutes apart; the median of the pairs is reported."""
    by_name = {s.name: s for s in STAGES}
    foundation = INGEST_STAGES + (by_name["parse"],)
    actors_events = foundation + (by_name["link_actors"], by_name["extract_events"])
    list(nlp.pipe(["Warm-up text about talks in Geneva."] * 20))
    rows = []
    for n in range(pairs):
        base = timed_run(corpus, workdir / f"pf{n}.db", 1, foundation, nlp)
        more = timed_run(corpus, workdir / f"pa{n}.db", 1, actors_events, nlp)
        rows.append({"foundation": base, "actors_events": more,
                     "ratio": round(more["seconds"] / base["seconds"], 3),
                     "cpu_ratio": round(more["cpu_seconds"] / base["cpu_seconds"], 3)})
    return {"pairs": rows, "median_ratio": statistics.median(r["ratio"] for r in rows),
            "median_cpu_ratio": statistics.median(r["cpu_ratio"] for r in rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--pairs", type=int, default=0,
                        help="only the actors+events cost: N alternating (foundation, foundation + actors + events) "
                             "runs in one worker, reporting each pair's ratio and the median")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="sitroom-throughput-"))
    try:
        texts = build_corpus(workdir / "corpus", args.articles)
        corpus = workdir / "corpus"
        nlp = load_nlp()
        if args.pairs:
            report = paired_cost(corpus, workdir, nlp, args.pairs)
            print(json.dumps(report, indent=2))
            if args.json:
                args.json.write_text(json.dumps(report, indent=2))
            return
        list(nlp.pipe(texts[:50]))  # warm-up, as the pipeline's worker warms up on its first batch
        started = time.perf_counter()
        for _doc in nlp.pipe(texts, batch_size=32):
            pass
        spacy_seconds = time.perf_counter() - started
        by_name = {s.name: s for s in STAGES}
        foundation = INGEST_STAGES + (by_name["parse"],)
        actors_events = foundation + (by_name["link_actors"], by_name["extract_events"])
        runs = {
            "foundation_1_worker": timed_run(corpus, workdir / "f1.db", 1, foundation, nlp),
            "foundation_2_workers": timed_run(corpus, workdir / "f2.db", 2, foundation, nlp),
            "actors_events_1_worker": timed_run(corpus, workdir / "ae1.db", 1, actors_events, nlp),
            "all_stages_1_worker": timed_run(corpus, workdir / "all1.db", 1, STAGES, nlp),
        }
        report = {
            "articles": args.articles,
            "chars_per_article": round(sum(map(len, texts)) / len(texts)),
            "spacy_bare": {"seconds": round(spacy_seconds, 2),
                           "articles_per_s": round(args.articles / spacy_seconds, 1)},
            **runs,
            "foundation_cost_vs_spacy": round(runs["foundation_1_worker"]["seconds"] / spacy_seconds, 3),
            "foundation_scaling_1_to_2_workers": round(runs["foundation_1_worker"]["seconds"]
                                                       / runs["foundation_2_workers"]["seconds"], 3),
            "actors_events_cost_vs_foundation": round(runs["actors_events_1_worker"]["seconds"]
                                                      / runs["foundation_1_worker"]["seconds"], 3),
            # the same ratio from CPU time (process + workers): insensitive to other jobs' load
            "actors_events_cpu_cost_vs_foundation": round(runs["actors_events_1_worker"]["cpu_seconds"]
                                                          / runs["foundation_1_worker"]["cpu_seconds"], 3),
            "all_stages_cost_vs_foundation": round(runs["all_stages_1_worker"]["seconds"]
                                                   / runs["foundation_1_worker"]["seconds"], 3),
            "all_stages_cpu_cost_vs_foundation": round(runs["all_stages_1_worker"]["cpu_seconds"]
                                                       / runs["foundation_1_worker"]["cpu_seconds"], 3),
            "stages": [s.name for s in STAGES],
        }
        print(json.dumps(report, indent=2))
        if args.json:
            args.json.write_text(json.dumps(report, indent=2))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
