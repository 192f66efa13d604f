#!/usr/bin/env python3
"""Cost of the incremental cross-document update: add 100 articles to stores of 1,000
and 10,000 articles and compare the time (issue goal: ratio <= 1.5).

What is timed is ``sitroom.crossdoc.update.update_crossdoc`` on a batch of 100 stored
articles — story assignment through the store's index tables, the re-clustering of the
merged events around the batch, and the write-back in one transaction — on a SQLite
file store (WAL), the embedded default. Parsing and extraction are per article and are
measured by bench_throughput.py.

The corpus is synthetic but shaped like a news desk's: articles arrive at a constant
rate (``--per-day``, 10 by default), so a store ten times larger holds ten times more
history, not ten times more news per day. Each article belongs to a topic that lives
for 3 to 30 days (about ``--active`` topics at a time), and the text mixes the topic's
own vocabulary with background words drawn from a Zipf distribution. Articles report
2-4 of their topic's incidents (a strike, a meeting, a demand) as events with actor
ids, a trigger word, the incident's date and a location, so coreference has real work:
the same incident is mentioned by many articles over several days.

``--long-stories``: the adversarial case. A handful of topics never end (the peace
talks, the war), so stories grow with the store; the update still reads only the
merged events near the batch, but a story's state (centroid, member list) and its
description grow with it.

Times: each size has its own store, filled first; then ``--repeats`` batches are timed
per store in alternation (small, large, small, large, ...), so that the machine's speed
drifting over minutes falls on both sizes alike. Median per size, wall clock and this
process's CPU time (the machine is shared; CPU time is what other jobs disturb least);
the ratio of the medians, and each pair's ratio to show the spread.

    python bench/bench_crossdoc_cost.py                   # 1,000 vs 10,000
    python bench/bench_crossdoc_cost.py --long-stories
    python bench/bench_crossdoc_cost.py --sizes 1000 3000 --json out.json
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import random
import statistics
import string
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
REPO = Path(os.environ.get("SITROOM_REPO", Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(REPO))

from sitroom.crossdoc.update import update_crossdoc  # noqa: E402
from sitroom.clean import content_hash  # noqa: E402
from sitroom.models import Article, ArticleActor, Event, EventActor, Span, article_id  # noqa: E402
from sitroom.store import open_store  # noqa: E402

START = date(2024, 1, 1)
ACTORS = [("RUS", "Russia", "RUS", "GOV"), ("UKR", "Ukraine", "UKR", "GOV"), ("USA", "United States", "USA", "GOV"),
          ("RUSMIL", "Russian forces", "RUS", "MIL"), ("UKRMIL", "Ukrainian forces", "UKR", "MIL"),
          ("EU", "European Union", None, "IGO"), ("NATO", "NATO", None, "IGO"), ("TUR", "Turkey", "TUR", "GOV"),
          ("CHN", "China", "CHN", "GOV"), ("GBR", "United Kingdom", "GBR", "GOV")]
INCIDENT_KINDS = [("ASSAULT", ["struck", "shelled", "attacked", "bombed"]),
                  ("CONSULT", ["met", "hosted", "visited"]),
                  ("REQUEST", ["urged", "demanded", "asked"]),
                  ("AGREE", ["agreed", "signed"]), ("ACCUSE", ["accused", "blamed"]),
                  ("SANCTION", ["sanctioned", "penalised"]), ("AID", ["supplied", "funded"])]


def word(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(length))


class Desk:
    """A synthetic news desk: topics come and go, articles arrive at a constant rate."""

    def __init__(self, seed: int, per_day: int, active: int, long_stories: bool) -> None:
        self.rng = random.Random(seed)
        self.per_day = per_day
        self.active = active
        self.long_stories = long_stories
        self.background = [word(self.rng, self.rng.randint(3, 9)) for _ in range(20_000)]
        # Zipf weights: a few background words are everywhere, most are rare.
        self.weights = [1.0 / (rank + 1) for rank in range(len(self.background))]
        self.topics: list[dict] = []
        self.count = 0
        self.last_day = -1

    def _topic(self, day: int) -> dict:
        rng = self.rng
        lifetime = 10 ** 6 if self.long_stories else rng.randint(3, 30)
        actors = rng.sample(ACTORS, rng.randint(2, 4))
        place = word(rng, 7).capitalize()
        incidents = []
        for _ in range(rng.randint(2, 6)):
            kind, verbs = rng.choice(INCIDENT_KINDS)
            source, target = rng.sample(actors, 2)
            incidents.append({"kind": kind, "verb": rng.choice(verbs), "source": source, "target": target,
                              "offset": rng.randint(0, min(lifetime, 40) - 1 if lifetime > 1 else 0)})
        return {"start": day, "end": day + lifetime, "terms": [word(rng, rng.randint(5, 10)) for _ in range(25)],
                "actors": actors, "place": place, "incidents": incidents}

    def _active_topics(self, day: int) -> list[dict]:
        live = [t for t in self.topics if t["start"] <= day < t["end"]]
        wanted = (4 if self.long_stories else self.active)
        while len(live) < wanted:
            topic = self._topic(day)
            self.topics.append(topic)
            live.append(topic)
        if day != self.last_day:
            self.last_day = day
            if not self.long_stories and self.rng.random() < 0.3:  # news breaks: a new topic some days
                topic = self._topic(day)
                self.topics.append(topic)
                live.append(topic)
        return live

    def day_of(self, n: int) -> int:
        return n // self.per_day

    def articles(self, count: int) -> list[Article]:
        out = []
        for _ in range(count):
            day = self.day_of(self.count)
            topic = self.rng.choice(self._active_topics(day))
            out.append(self._article(self.count, day, topic))
            self.count += 1
        return out

    def _article(self, n: int, day: int, topic: dict) -> Article:
        rng = self.rng
        published = START + timedelta(days=day)
        events = []
        happened = [i for i in topic["incidents"] if topic["start"] + i["offset"] <= day] or topic["incidents"][:1]
        body = []
        for _ in range(12):
            words = rng.choices(topic["terms"], k=10) + rng.choices(self.background, self.weights, k=15)
            rng.shuffle(words)
            body.append(" ".join(words).capitalize() + ".")
        key = f"synthetic/{n:06d}.txt"
        text = ""
        for index, incident in enumerate(rng.sample(happened, min(len(happened), rng.randint(2, 4)))):
            source, target = incident["source"], incident["target"]
            when = START + timedelta(days=topic["start"] + incident["offset"])
            sentence = f"{source[1]} {incident['verb']} {target[1]} in {topic['place']} on {when.isoformat()}."
            start = len(text)
            trigger_at = start + len(source[1]) + 1
            events.append(Event(
                id=f"{article_id(key)[:10]}e{index}", type=incident["kind"], rule="synthetic", start=start, end=start + len(sentence),
                text=sentence, date=when.isoformat(), location=topic["place"],
                trigger=Span(start=trigger_at, end=trigger_at + len(incident["verb"]), text=incident["verb"]),
                source=[EventActor(actor_id=source[0], text=source[1])],
                target=[EventActor(actor_id=target[0], text=target[1])]))
            text += sentence + " " + body[index] + "\n\n"
        text += "\n\n".join(body)
        return Article(id=article_id(key), key=key, path=key, format="text", text=text, title=" ".join(topic["terms"][:4]),
                       published=published, outlet=f"Outlet {rng.randint(1, 40)}", content_hash=content_hash(text),
                       language="en", events=events,
                       actors=[ArticleActor(id=a[0], name=a[1], country=a[2], sector=a[3]) for a in topic["actors"]])


def _update(store, ids: list[str], window_days: int):
    # Older sitroom versions (a pickled index, whole-story re-clustering) take no window:
    # running this file against them measures the cost before the change.
    if "window_days" in inspect.signature(update_crossdoc).parameters:
        return update_crossdoc(store, ids, window_days=window_days)
    return update_crossdoc(store, ids)


def measure(args: argparse.Namespace) -> dict:
    """Fill one store per size (each with its own desk, same seed: the same kind of
    news, ten times more history), then time ``--repeats`` batches per store in
    alternation (1k, 10k, 1k, 10k, ...), so that the machine's drift over minutes
    falls on both sizes alike instead of on whichever was measured later."""
    results: dict = {"sizes": {}, "series": {}}
    sizes = sorted(args.sizes)
    with tempfile.TemporaryDirectory() as tmp:
        stores, desks, held = {}, {}, {}
        for size in sizes:  # fill each store the way it grows: stored, then updated, batch by batch
            stores[size] = store = open_store(str(Path(tmp) / f"cost{size}.db"))
            desks[size] = desk = Desk(args.seed, args.per_day, args.active, args.long_stories)
            held[size], series = 0, []
            while held[size] < size:
                articles = desk.articles(min(args.batch, size - held[size]))
                store.put_batch([(a, "h") for a in articles], "bench")
                started = time.perf_counter()
                _update(store, [a.id for a in articles], args.window_days)
                held[size] += len(articles)
                series.append((held[size], round(time.perf_counter() - started, 4)))
            results["series"][size] = series
        walls: dict = {size: [] for size in sizes}
        cpus: dict = {size: [] for size in sizes}
        touched: dict = {size: [] for size in sizes}
        for _ in range(args.repeats):
            for size in sizes:
                articles = desks[size].articles(args.batch)
                stores[size].put_batch([(a, "h") for a in articles], "bench")
                wall, cpu = time.perf_counter(), time.process_time()
                report = _update(stores[size], [a.id for a in articles], args.window_days)
                cpus[size].append(time.process_time() - cpu)
                walls[size].append(time.perf_counter() - wall)
                touched[size].append(report.stories_touched)
        for size in sizes:
            story_sizes = [s.model_dump()["articles"] for s in stores[size].stories()]
            results["sizes"][size] = {"wall_s": statistics.median(walls[size]), "cpu_s": statistics.median(cpus[size]),
                                      "walls_s": walls[size], "stories": len(story_sizes),
                                      "largest_story": max(map(len, story_sizes)),
                                      "stories_touched": statistics.median(touched[size]),
                                      "merged_events": len(stores[size].merged_events())}
            print(f"store of {size:>6} (+{args.repeats} batches): add {args.batch}: "
                  f"wall {results['sizes'][size]['wall_s'] * 1000:7.0f} ms, cpu {results['sizes'][size]['cpu_s'] * 1000:7.0f} ms; "
                  f"{len(story_sizes)} stories (largest {results['sizes'][size]['largest_story']}), "
                  f"{results['sizes'][size]['merged_events']} merged events", flush=True)
            stores[size].close()
    small, large = sizes[0], sizes[-1]
    for clock in ("wall_s", "cpu_s"):
        results[f"ratio_{clock[:-2]}"] = results["sizes"][large][clock] / results["sizes"][small][clock]
    # Each large batch over the small batch timed just before it: the spread shows the noise.
    results["pair_ratios_wall"] = [round(b / a, 3) for a, b in zip(walls[small], walls[large])]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--per-day", type=int, default=10)
    parser.add_argument("--active", type=int, default=12, help="topics in the news at a time")
    parser.add_argument("--long-stories", action="store_true")
    parser.add_argument("--window-days", type=int, default=14)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = measure(args)
    small, large = min(args.sizes), max(args.sizes)
    print(f"add {args.batch} articles: store of {large} / store of {small} = "
          f"{results['ratio_wall']:.2f}x wall, {results['ratio_cpu']:.2f}x cpu (goal <= 1.5x); "
          f"pair by pair: {', '.join(f'{r:.2f}' for r in results['pair_ratios_wall'])}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
