#!/usr/bin/env python3
"""Load test of the HTTP API: a 10,000-article store, uvicorn on 127.0.0.1, bounded load.

The store replicates the sample corpus (examples/, read and cleaned without spaCy) into
N articles with varied ids, dates and text, each carrying synthetic records at
realistic density (mentions, linked actors, PLOVER events, quotes, figures, times) so
detail responses and the record queries are the size they will be. Random MinHash
signatures keep the copies from being linked as near-duplicates. Then one uvicorn
process serves ``create_app`` and C client processes (httpx, keep-alive, closed loop:
each sends its next request when the last answers) run for D seconds against a fixed
mix of list and detail endpoints, loopback only. Usage:

    python bench/bench_api_load.py [--articles 10000] [--seconds 30] [--clients 2] [--json OUT]

Reported: requests/s overall and p50/p95/p99 latency per endpoint (client-side, so it
includes HTTP and JSON decoding). Goal: p95 < 100 ms.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from sitroom.clean import content_hash  # noqa: E402
from sitroom.ingest import discover, read_path  # noqa: E402
from sitroom.models import (ArticleActor, Event, EventActor, Figure, Mention, Quote, RawItem, Span,  # noqa: E402
                            TimeExpr, article_id, record_id)
from sitroom.pipeline import INGEST_STAGES, process_shard  # noqa: E402
from sitroom.stage import Context  # noqa: E402
from sitroom.store import open_store  # noqa: E402

ACTORS = [("RUS.PUTIN", "Vladimir Putin", "RUS", "GOV"), ("UKR.ZELENSKY", "Volodymyr Zelensky", "UKR", "GOV"),
          ("USA.TRUMP", "Donald Trump", "USA", "GOV"), ("USA.RUBIO", "Marco Rubio", "USA", "GOV"),
          ("RUSMIL", "Russian armed forces", "RUS", "MIL"), ("UKRMIL", "Ukrainian armed forces", "UKR", "MIL"),
          ("EU", "European Union", None, "IGO"), ("NATO", "NATO", None, "IGO"), ("RUS.LAVROV", "Sergei Lavrov",
                                                                               "RUS", "GOV"),
          ("USA.WITKOFF", "Steve Witkoff", "USA", "GOV")]
TYPES = ["AGREE", "CONSULT", "SUPPORT", "REQUEST", "ACCUSE", "REJECT", "THREATEN", "SANCTION", "ASSAULT", "AID"]
MODALITIES = ["asserted", "asserted", "asserted", "reported", "planned", "negated", "hypothetical"]
SENTENCE = re.compile(r"[^.!?]+[.!?]")
CAPITALIZED = re.compile(r"\b[A-Z][a-z]{3,}\b")
ENDPOINTS = ("articles list", "article detail", "events list", "events by actor", "actors list", "search",
             "article page (HTML)")


def base_articles() -> list:
    paths = [REPO / "examples" / name for name in ("text", "html", "feeds", "dumps")]
    items = [item for path in discover(paths) for item in read_path(path) if isinstance(item, RawItem)]
    return process_shard(items, Context(), INGEST_STAGES).articles


def synthesize(base, n: int, rng: random.Random):
    """Copy ``base`` with a unique key/text/date and synthetic records at realistic density."""
    key = f"bench/{n:06d}/{base.key}"
    text = base.text + f"\n\nDispatch {n} from the {rng.choice(['eastern', 'southern', 'northern'])} front."
    copy = base.model_copy(deep=True)
    copy.id, copy.key, copy.path, copy.text = article_id(key), key, key, text
    copy.content_hash = content_hash(text)
    copy.published = date(2025, 1, 1) + timedelta(days=rng.randrange(330))
    copy.duplicate_of = copy.duplicate_kind = None
    sentences = [(m.start(), m.end()) for m in SENTENCE.finditer(text)][:40]
    copy.mentions = [Mention(start=m.start(), end=m.end(), text=m.group(), label=rng.choice(["PERSON", "GPE", "ORG"]),
                             sentence=0) for m in list(CAPITALIZED.finditer(text))[:60]]
    chosen = rng.sample(ACTORS, 4)
    copy.actors = [ArticleActor(id=a, name=name, country=c, sector=s, mentions=[
        Span(start=0, end=5, text=text[:5])] * rng.randint(1, 4)) for a, name, c, s in chosen]
    copy.events, copy.quotes, copy.figures, copy.times = [], [], [], []
    for i, (start, end) in enumerate(sentences[:8]):
        src, tgt = rng.sample(chosen, 2)
        event_type = rng.choice(TYPES)
        copy.events.append(Event(
            id=record_id(copy.id, "event", start, end, event_type), type=event_type, modality=rng.choice(MODALITIES),
            date=(copy.published - timedelta(days=rng.randrange(3))).isoformat(), start=start, end=end,
            text=text[start:end], sentence=i, confidence=round(rng.uniform(0.3, 0.95), 2), rule="bench",
            source=[EventActor(actor_id=src[0], text=src[1], country=src[2])],
            target=[EventActor(actor_id=tgt[0], text=tgt[1], country=tgt[2])]))
    for i, (start, end) in enumerate(sentences[8:12]):
        speaker = rng.choice(chosen)
        copy.quotes.append(Quote(id=record_id(copy.id, "quote", start, end), text=text[start:end], start=start,
                                 end=end, kind="indirect", speaker_text=speaker[1], speaker_actor=speaker[0],
                                 rule="bench"))
    for i, (start, end) in enumerate(sentences[12:15]):
        copy.figures.append(Figure(id=record_id(copy.id, "figure", start, end), text=text[start:start + 10],
                                   start=start, end=start + 10, value=rng.randint(1, 5000),
                                   category=rng.choice(["casualties", "money", "territory", "weapons"]),
                                   rule="bench"))
    for i, (start, end) in enumerate(sentences[15:21]):
        copy.times.append(TimeExpr(id=record_id(copy.id, "time", start, end), text=text[start:start + 6],
                                   start=start, end=start + 6, type="DATE", value=copy.published.isoformat(),
                                   rule="bench"))
    copy._minhash = np.frombuffer(rng.randbytes(128 * 8), dtype=np.uint64).copy()  # unique: no near-dup links
    return copy


def build(db: Path, count: int) -> dict:
    started = time.perf_counter()
    bases = [a for a in base_articles() if a.text]
    rng = random.Random(7)
    store = open_store(str(db))
    batch = []
    for n in range(count):
        batch.append(synthesize(bases[n % len(bases)], n, rng))
        if len(batch) == 500:
            store.put_batch([(a, a.key) for a in batch], "bench")
            batch = []
    if batch:
        store.put_batch([(a, a.key) for a in batch], "bench")
    stats = store.stats()
    store.close()
    return {"seconds": round(time.perf_counter() - started, 1), "articles": stats["articles"],
            "events": stats["events"], "quotes": stats["quotes"], "figures": stats["figures"],
            "times": stats["times"], "actor_rows": stats["actor_mentions"],
            "db_mb": round(db.stat().st_size / 1e6, 1)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


SERVER = """
import sys, uvicorn
from sitroom.store import open_store
from sitroom.serve.api import create_app
store = open_store(sys.argv[1])
app = create_app(store, allowed_hosts=["127.0.0.1"])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning", access_log=False)
"""


def client(url: str, ids: list[str], seconds: float, seed: int, out) -> None:
    import httpx

    rng = random.Random(seed)
    actors = [a[0] for a in ACTORS]
    words = ["ceasefire", "sanctions", "Kharkiv", "drone", "talks", "energy", "Putin OR Zelensky", "prisoner*"]
    total = len(ids)

    def pick() -> tuple[str, str]:
        roll = rng.random()
        if roll < 0.25:
            return "articles list", f"/api/articles?limit=50&offset={rng.randrange(0, total - 50)}"
        if roll < 0.55:
            return "article detail", f"/api/articles/{rng.choice(ids)}"
        if roll < 0.67:
            return "events list", f"/api/events?limit=50&offset={rng.randrange(0, 5000)}"
        if roll < 0.77:
            return "events by actor", f"/api/events?actor={rng.choice(actors)}&limit=50&from=2025-0{rng.randint(1, 9)}"
        if roll < 0.83:
            return "actors list", "/api/actors?limit=50"
        if roll < 0.91:
            return "search", f"/api/search?q={rng.choice(words)}&limit=20"
        return "article page (HTML)", f"/articles/{rng.choice(ids)}"

    samples: dict[str, list[float]] = {name: [] for name in ENDPOINTS}
    errors = 0
    with httpx.Client(base_url=url, timeout=10) as http:
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            name, path = pick()
            started = time.perf_counter()
            response = http.get(path)
            if response.headers.get("content-type", "").startswith("application/json"):
                response.json()
            elapsed = time.perf_counter() - started
            if response.status_code != 200:
                errors += 1
            samples[name].append(elapsed * 1000)
    out.put({"samples": samples, "errors": errors})


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--db", help="reuse or keep the store at this path (built when missing)")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="sitroom-bench-api-")
    db = Path(args.db) if args.db else Path(tmp.name) / "bench.db"
    built = None
    if not db.exists():
        built = build(db, args.articles)
        print(f"built {built['articles']} articles ({built['events']} events, {built['quotes']} quotes, "
              f"{built['figures']} figures, {built['times']} times) in {built['seconds']} s, {built['db_mb']} MB",
              flush=True)
    store = open_store(str(db))
    ids = [a["id"] for a in _ids(store)]
    store.close()

    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", SERVER, str(db), str(port)], cwd=REPO)
    url = f"http://127.0.0.1:{port}"
    try:
        import httpx
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + "/api/stats", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("server did not start")
            time.sleep(0.2)
        # warm-up: page cache and SQLite statement cache
        with httpx.Client(base_url=url) as http:
            for article in ids[:50]:
                http.get(f"/api/articles/{article}")
        queue: multiprocessing.Queue = multiprocessing.Queue()
        workers = [multiprocessing.Process(target=client, args=(url, ids, args.seconds, seed, queue))
                   for seed in range(args.clients)]
        started = time.perf_counter()
        for worker in workers:
            worker.start()
        results = [queue.get() for _ in workers]
        for worker in workers:
            worker.join()
        wall = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=10)

    merged: dict[str, list[float]] = {name: [] for name in ENDPOINTS}
    for result in results:
        for name, values in result["samples"].items():
            merged[name] += values
    every = [v for values in merged.values() for v in values]
    report = {
        "articles": len(ids), "clients": args.clients, "seconds": args.seconds, "build": built,
        "requests": len(every), "errors": sum(r["errors"] for r in results),
        "requests_per_s": round(len(every) / wall, 1),
        "all": {"p50_ms": round(percentile(every, 0.5), 1), "p95_ms": round(percentile(every, 0.95), 1),
                "p99_ms": round(percentile(every, 0.99), 1)},
        "endpoints": {name: {"n": len(v), "p50_ms": round(percentile(v, 0.5), 1),
                             "p95_ms": round(percentile(v, 0.95), 1), "p99_ms": round(percentile(v, 0.99), 1),
                             "mean_ms": round(statistics.fmean(v), 1) if v else None}
                      for name, v in merged.items()},
        "cpus": os.cpu_count(),
    }
    print(f"{report['requests']} requests in {wall:.1f} s = {report['requests_per_s']} req/s "
          f"({args.clients} clients), errors {report['errors']}")
    print(f"{'endpoint':22} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for name, row in report["endpoints"].items():
        print(f"{name:22} {row['n']:>6} {row['p50_ms']:>8} {row['p95_ms']:>8} {row['p99_ms']:>8}")
    print(f"{'all':22} {len(every):>6} {report['all']['p50_ms']:>8} {report['all']['p95_ms']:>8} "
          f"{report['all']['p99_ms']:>8}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))
    tmp.cleanup()


def _ids(store):
    from sitroom.store import queries
    _, rows = queries.article_summaries(store, limit=1_000_000)
    return rows


if __name__ == "__main__":
    main()
