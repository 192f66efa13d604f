#!/usr/bin/env python3
"""Backfill throughput: articles/s for the local and Ray engines with 1 and 2 workers on
the same corpus (the sample corpus replicated with varied text, as bench_throughput.py
builds it), every stage included, Parquet written and loaded into a fresh SQLite store.

    python bench/bench_backfill.py [--articles 5000] [--json OUT.json]

Also prints the per-core rate the CC-NEWS projection in docs/scaling.md is based on.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from bench_throughput import build_corpus  # noqa: E402

from sitroom.config import Settings  # noqa: E402
from sitroom.pipeline import INGEST_STAGES, STAGES  # noqa: E402
from sitroom.scale.backfill import backfill  # noqa: E402
from sitroom.store import open_store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--files-per-shard", type=int, default=100)
    parser.add_argument("--stages", choices=("all", "foundation"), default="all",
                        help="every stage, or the foundation ones (clean, sign, parse) for a quicker run")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="sitroom-backfill-"))
    results = {}
    try:
        build_corpus(workdir / "corpus", args.articles)
        stages = STAGES if args.stages == "all" else INGEST_STAGES + (next(s for s in STAGES if s.name == "parse"),)
        for engine in ("local", "ray"):
            for workers in (1, 2):
                store = open_store(str(workdir / f"{engine}{workers}.db"))
                started = time.perf_counter()
                report = backfill([workdir / "corpus"], store, engine=engine, settings=Settings(workers=workers),
                                  stages=stages,
                                  out_dir=workdir / f"parquet-{engine}{workers}",
                                  files_per_shard=args.files_per_shard)
                seconds = time.perf_counter() - started
                assert report.stored == args.articles and not report.errors, report.errors[:3]
                results[f"{engine}_{workers}"] = {
                    "seconds": round(seconds, 1), "articles_per_s": round(args.articles / seconds, 1),
                    "process_seconds": report.process_seconds, "load_seconds": report.load_seconds}
                print(engine, workers, results[f"{engine}_{workers}"], flush=True)
                store.close()
        summary = {"articles": args.articles, "stages": [s.name for s in stages], "results": results,
                   "per_core_articles_per_s": results["local_1"]["articles_per_s"],
                   "scaling_local": round(results["local_1"]["seconds"] / results["local_2"]["seconds"], 2),
                   "scaling_ray": round(results["ray_1"]["seconds"] / results["ray_2"]["seconds"], 2)}
        print(json.dumps(summary, indent=2))
        if args.json:
            args.json.write_text(json.dumps(summary, indent=2))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
