"""Running the pipeline over files: read, shard, process (in worker processes), store.

The parent process reads files and writes the store; workers run
``pipeline.process_shard`` on batches, each worker loading the spaCy model once. At
most two batches per worker are in flight, so memory stays bounded however large the
input is. Items whose raw content and pipeline are unchanged since the last run are
skipped: re-ingesting the same files changes nothing.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import time
from collections import deque
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional, Sequence, Union

from . import __version__
from .config import Settings
from .ingest import Overrides, discover, read_path
from .models import ItemError, RawItem, RunSummary
from .pipeline import STAGES, ShardResult, process_shard
from .stage import Context, Stage
from .store import Store

ProgressCallback = Callable[[int, int, RunSummary], None]


def pipeline_version(stages: Sequence[Stage]) -> str:
    """Changes when the stages (or sitroom's version) change, so stored items are redone."""
    return hashlib.sha1(f"{__version__}:{','.join(s.name for s in stages)}".encode()).hexdigest()[:12]


def raw_hash(item: RawItem) -> str:
    return hashlib.sha1(item.model_dump_json().encode("utf-8")).hexdigest()


def split_unchanged(store: Store, batch: Sequence[RawItem], version: str) -> tuple[list[RawItem], dict[str, str]]:
    """Items not stored with the same raw content and pipeline, and every item's raw hash."""
    hashes = {item.key: raw_hash(item) for item in batch}
    known = store.known(list(hashes))
    return [item for item in batch if known.get(item.key) != (hashes[item.key], version)], hashes


def store_shard(store: Store, result: ShardResult, hashes: dict[str, str], version: str,
                errors: Sequence[ItemError], summary: RunSummary) -> int:
    """Store a processed shard (with the errors to log) and count it into the summary."""
    put = store.put_batch([(a, hashes[a.key]) for a in result.articles], version, errors)
    summary.stored_ids.extend(put.ids)
    summary.stored += put.stored
    summary.duplicates_exact += put.exact
    summary.duplicates_near += put.near
    summary.peak_worker_rss_mb = max(summary.peak_worker_rss_mb, round(result.peak_rss_mb, 1))
    for article in result.articles:
        if article.language != "en":
            summary.non_english += 1
        for name in ("actors", "events", "quotes", "figures", "times"):
            summary.counts[name] = summary.counts.get(name, 0) + len(getattr(article, name))
    return put.stored


def update_crossdoc_for(store: Store, summary: RunSummary, stages: Sequence[Stage],
                        settings: Optional[Settings] = None) -> None:
    """Stories and merged events for what was stored, once events exist (not after a bare ingest)."""
    if not summary.stored_ids or not any("article.events" in s.assigns for s in stages):
        return
    from .crossdoc.update import update_crossdoc  # the cross-document layer loads on demand
    settings = settings or Settings.from_env()
    report = update_crossdoc(store, summary.stored_ids, **settings.crossdoc_options())
    summary.counts["stories_touched"] = report.stories_touched
    summary.counts["merged_events"] = report.merged_events


# --------------------------------------------------------------------------- workers

_worker_ctx: Optional[Context] = None
_worker_stages: Sequence[Stage] = STAGES


def _init_worker(settings: Settings, stages: Sequence[Stage]) -> None:
    global _worker_ctx, _worker_stages
    _worker_ctx, _worker_stages = Context(settings=settings), stages


def _work(items: list[RawItem]) -> ShardResult:
    return process_shard(items, _worker_ctx, _worker_stages)


# --------------------------------------------------------------------------- the run

def read_batches(files: Sequence[Path], overrides: Overrides, settings: Settings, summary: RunSummary,
                 on_file: Callable[[], None]) -> Iterator[list[RawItem]]:
    batch: list[RawItem] = []
    for path in files:
        for item in read_path(path, overrides, max_file_bytes=settings.max_file_bytes,
                              max_item_chars=settings.max_item_chars):
            if isinstance(item, ItemError):
                summary.errors.append(item)
                continue
            summary.seen += 1
            batch.append(item)
            if len(batch) >= settings.batch_size:
                yield batch
                batch = []
        on_file()
    if batch:
        yield batch


def run(paths: Iterable[Union[str, Path]], store: Store, *, settings: Optional[Settings] = None,
        overrides: Optional[Overrides] = None, stages: Sequence[Stage] = STAGES,
        progress: Optional[ProgressCallback] = None, context: Optional[Context] = None) -> RunSummary:
    """Ingest and process the given paths into the store; returns what happened."""
    settings = settings or Settings()
    summary = RunSummary(started_at=datetime.now(timezone.utc))
    started = time.perf_counter()
    files = list(discover(paths))
    version = pipeline_version(stages)
    files_done = 0
    error_count = 0

    def file_done() -> None:
        nonlocal files_done
        files_done += 1

    def report() -> None:
        if progress:
            progress(files_done, len(files), summary)

    def store_result(result: ShardResult, hashes: dict[str, str]) -> None:
        nonlocal error_count
        summary.errors.extend(result.errors)
        new_errors = summary.errors[error_count:]  # reading errors too, logged with this batch
        error_count = len(summary.errors)
        store_shard(store, result, hashes, version, new_errors, summary)
        report()

    def fresh(batch: list[RawItem]) -> tuple[list[RawItem], dict[str, str]]:
        todo, hashes = split_unchanged(store, batch, version)
        summary.unchanged += len(batch) - len(todo)
        return todo, hashes

    batches = read_batches(files, overrides or Overrides(), settings, summary, file_done)
    workers = settings.worker_count()
    if workers <= 1:
        ctx = context or Context(settings=settings)
        for batch in batches:
            todo, hashes = fresh(batch)
            store_result(process_shard(todo, ctx, stages), hashes)
    else:
        with multiprocessing.get_context("fork").Pool(workers, _init_worker, (settings, stages)) as pool:
            in_flight: deque = deque()
            for batch in batches:
                todo, hashes = fresh(batch)
                in_flight.append((pool.apply_async(_work, (todo,)), hashes))
                while len(in_flight) >= workers * 2:
                    pending, pending_hashes = in_flight.popleft()
                    store_result(pending.get(), pending_hashes)
            while in_flight:
                pending, pending_hashes = in_flight.popleft()
                store_result(pending.get(), pending_hashes)
    # Reading errors that came after the last stored batch.
    if len(summary.errors) > error_count:
        store.put_batch([], version, summary.errors[error_count:])
    update_crossdoc_for(store, summary, stages, settings)
    report()
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary
