"""Watching live feeds: poll the URLs of a FEEDS.txt, store new articles, repeat.

``watch(feeds_file, store, every=900)`` polls every URL of the file (re-read each
pass, so edits apply without a restart), ``once=True`` does a single pass (cron,
tests). A line may be an RSS/Atom feed or an article page: the response's content
type and first bytes decide. Feed items go through the same stages and the same
"unchanged items are skipped" rule as ``sitroom.runner.run``: an item is keyed
``FEED_URL#ENTRY_ID`` and skipped when its raw hash and the pipeline version match
the stored row.

State (``<db>.watch.json`` next to the database, or a path given): per URL the
conditional-GET validators (ETag, Last-Modified), the consecutive failure count,
the last error and when the URL may be tried again, and the hashes of the feed
entries whose page was fetched. Validators are recorded only after what was fetched
has been stored, so a crash mid-pass cannot make the next pass skip items. A URL that
keeps failing is backed off (1, 3, 7, ... polls, at most ``max_backoff``), never fatal.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urljoin
from typing import Any, Callable, Iterable, Optional, Sequence, Union

from .config import Settings
from .errors import BadParameterError, InputError
from .ingest.common import check_item_size
from .ingest.feeds import SUMMARY_ONLY_CHARS, parse_feed
from .ingest.fetch import Fetcher, FetchResult, FetchSettings
from .ingest.html import decode_html
from .models import ItemError, RawItem, RunSummary
from .pipeline import STAGES, process_shard
from .runner import pipeline_version, split_unchanged, store_shard
from .stage import Context, Stage
from .store import Store

STATE_VERSION = 1
DURATION = re.compile(r"(\d+(?:\.\d+)?)([a-z]*)")
FEED_LINK = re.compile(r"<link\b(?=[^>]*\brel=[\"']?alternate)(?=[^>]*\btype=[\"']?application/(?:rss|atom)\+xml)"
                       r"[^>]*\bhref=[\"']?([^\"' >]+)", re.I)
UNITS = {"": 1, "ms": 0.001, "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1, "m": 60, "min": 60,
         "mins": 60, "minute": 60, "minutes": 60, "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600,
         "hours": 3600, "d": 86400, "day": 86400, "days": 86400}


# --------------------------------------------------------------------------- inputs


def parse_duration(text: Union[str, int, float]) -> float:
    """Seconds from '30s', '15m', '1h', '1h30m', '2d' or a bare number of seconds."""
    if isinstance(text, (int, float)):
        seconds = float(text)
    else:
        raw = text.strip().lower().replace(" ", "")
        position, seconds = 0, 0.0
        while position < len(raw):
            match = DURATION.match(raw, position)
            if not match or match.group(2) not in UNITS:
                raise BadParameterError(f"not a duration: {text!r} (use e.g. 30s, 15m, 1h, 1h30m)")
            seconds += float(match.group(1)) * UNITS[match.group(2)]
            position = match.end()
        if not raw:
            raise BadParameterError("empty duration (use e.g. 30s, 15m, 1h)")
    if seconds <= 0:
        raise BadParameterError(f"duration must be positive, got {text!r}")
    return seconds


def read_feeds_file(path: Union[str, Path]) -> list[str]:
    """URLs of a FEEDS.txt: one per line, blank lines and ``#`` comments (whole line or
    after whitespace) ignored, duplicates dropped. Lines are not checked here: a bad URL
    becomes that URL's error in the poll report, the others go on."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read feeds file ({exc.strerror or exc})", path=str(path)) from exc
    urls: list[str] = []
    for line in text.splitlines():
        line = re.split(r"(?:^|\s)#", line, maxsplit=1)[0].strip()
        if line and line not in urls:
            urls.append(line)
    return urls


def default_state_path(db: str) -> Optional[Path]:
    """``<db>.watch.json`` next to a SQLite file; None for ':memory:' and database URLs."""
    if db == ":memory:" or "://" in db:
        return None
    return Path(db).expanduser().with_name(Path(db).name + ".watch.json")


# --------------------------------------------------------------------------- state


class WatchState:
    """Per-URL state in a small JSON file (written atomically), or in memory when path is None."""

    def __init__(self, path: Optional[Union[str, Path]] = None):
        self.path = Path(path) if path else None
        self.urls: dict[str, dict[str, Any]] = {}
        if self.path and self.path.exists():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                self.urls = dict(data.get("urls", {}))
            except (OSError, ValueError, AttributeError):
                # A damaged state file costs one unconditional poll, not the watcher: keep it aside.
                os.replace(self.path, self.path.with_name(self.path.name + ".bad"))
                self.urls = {}

    def get(self, url: str) -> dict[str, Any]:
        return self.urls.setdefault(url, {})

    def save(self) -> None:
        if not self.path:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps({"version": STATE_VERSION, "urls": self.urls}, indent=1, sort_keys=True),
                       encoding="utf-8")
        os.replace(tmp, self.path)


# --------------------------------------------------------------------------- reports


@dataclass
class FeedReport:
    """What one URL did in one pass."""

    url: str
    status: str  # ok, not_modified, error, backoff, stopped
    kind: Optional[str] = None  # feed or html
    items: int = 0  # items read from the response
    stored: int = 0
    unchanged: int = 0
    pages_fetched: int = 0
    failures: int = 0  # consecutive failures, after this pass
    error: Optional[str] = None  # this pass's error (or the last one, when backing off)
    retry_at: Optional[str] = None  # ISO time before which the URL is not tried (backoff)
    note: Optional[str] = None  # e.g. "this page advertises a feed: URL"


@dataclass
class PollReport:
    feeds: list[FeedReport] = field(default_factory=list)
    summary: RunSummary = field(default_factory=RunSummary)

    @property
    def failing(self) -> list[FeedReport]:
        return [f for f in self.feeds if f.status in ("error", "backoff")]


def report_lines(report: PollReport) -> list[str]:
    """One plain line per URL and a total line, for the CLI and logs."""
    lines = []
    for feed in report.feeds:
        if feed.status in ("ok", "not_modified"):
            what = ("not modified" if feed.status == "not_modified" else
                    f"{feed.items} items, {feed.stored} new or changed, {feed.unchanged} unchanged"
                    + (f", {feed.pages_fetched} pages fetched" if feed.pages_fetched else ""))
        elif feed.status == "backoff":
            what = f"backing off until {feed.retry_at} after {feed.failures} failures; last: {feed.error}"
        elif feed.status == "error":
            what = f"failed ({feed.failures} in a row): {feed.error}"
        else:
            what = "not polled (stopping)"
        lines.append(f"{feed.status:<12} {feed.kind or '-':<4} {feed.url}  {what}"
                     + (f"  [{feed.note}]" if feed.note else ""))
    s = report.summary
    lines.append(f"stored={s.stored} unchanged={s.unchanged} errors={len(s.errors)} "
                 f"failing_urls={len(report.failing)} seconds={s.seconds}")
    return lines


# --------------------------------------------------------------------------- feed parsing


@dataclass
class FeedEntry:
    item: RawItem
    summary_only: bool
    entry_hash: str


def parse_feed_bytes(data: bytes, source: str, *, max_item_chars: int = 2_000_000,
                     outlet: Optional[str] = None) -> list[Union[FeedEntry, ItemError]]:
    """Feed bytes to entries with the file reader's parser (``ingest.feeds.parse_feed``);
    an item with a link but no text is kept, so its page can be fetched."""
    out: list[Union[FeedEntry, ItemError]] = []
    for item in parse_feed(data, source, max_item_chars=max_item_chars, outlet=outlet,
                           keep_linked_without_text=True):
        if isinstance(item, ItemError):
            out.append(item)
        else:
            out.append(FeedEntry(item, bool(item.metadata.get("summary_only")),
                                 hashlib.sha1(item.model_dump_json().encode()).hexdigest()))
    return out


# --------------------------------------------------------------------------- the watcher


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _parse_time(value: str) -> datetime:
    """An ISO time from the state file; a damaged one counts as 'long ago'."""
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return datetime.min.replace(tzinfo=timezone.utc)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


class Watcher:
    """Polls URLs into a store; keeps one fetcher, one pipeline context and the state."""

    def __init__(self, store: Store, *, settings: Optional[Settings] = None, stages: Sequence[Stage] = STAGES,
                 fetch_settings: Optional[FetchSettings] = None, fetcher: Optional[Fetcher] = None,
                 state: Optional[WatchState] = None, fetch_pages: bool = False, max_pages_per_feed: int = 20,
                 backoff_base: float = 900.0, max_backoff: float = 6 * 3600.0,
                 context: Optional[Context] = None, clock: Callable[[], datetime] = _now):
        self.store = store
        self.settings = settings or Settings()
        self.stages = tuple(stages)
        self.version = pipeline_version(self.stages)
        self.fetcher = fetcher or Fetcher(fetch_settings)
        self._own_fetcher = fetcher is None
        self.state = state or WatchState(None)
        self.fetch_pages = fetch_pages
        self.max_pages_per_feed = max_pages_per_feed
        self.backoff_base = backoff_base
        self.max_backoff = max_backoff
        self.ctx = context or Context(settings=self.settings)
        self.clock = clock

    def close(self) -> None:
        if self._own_fetcher:
            self.fetcher.close()

    def __enter__(self) -> "Watcher":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ one pass

    def poll_once(self, urls: Iterable[str], stop: Optional[threading.Event] = None) -> PollReport:
        report = PollReport(summary=RunSummary(started_at=self.clock()))
        started = time.perf_counter()
        for url in urls:
            if stop is not None and stop.is_set():
                report.feeds.append(FeedReport(url=url, status="stopped"))
                continue
            report.feeds.append(self.poll_url(url, report.summary, stop))
        report.summary.seconds = round(time.perf_counter() - started, 3)
        return report

    def poll_url(self, url: str, summary: RunSummary, stop: Optional[threading.Event] = None) -> FeedReport:
        state = self.state.get(url)
        now = self.clock()
        retry_at = state.get("retry_at")
        if retry_at and _parse_time(retry_at) > now:
            return FeedReport(url=url, status="backoff", kind=state.get("kind"), failures=state.get("failures", 0),
                              error=state.get("last_error"), retry_at=retry_at)
        feed = FeedReport(url=url, status="ok")
        try:
            result = self.fetcher.fetch(url, etag=state.get("etag"), last_modified=state.get("last_modified"))
            feed.kind = result.kind or state.get("kind")
            if result.not_modified:
                feed.status = "not_modified"
            else:
                mark = len(summary.errors)
                entries = self._items(url, result, feed, summary, stop)
                if len(summary.errors) > mark:  # reading errors, stored as the runner stores them
                    self.store.put_batch([], self.version, summary.errors[mark:])
                self._process(entries, feed, summary)
                state["etag"], state["last_modified"] = result.etag, result.last_modified
                state["kind"] = result.kind
            state.update(failures=0, last_error=None, retry_at=None, last_ok=now.isoformat(timespec="seconds"))
        except (InputError, OSError) as exc:  # FetchError is an InputError; OSError: an odd socket error
            message = exc.message if isinstance(exc, InputError) else f"{type(exc).__name__}: {exc}"
            failures = int(state.get("failures", 0)) + 1
            delay = min(self.backoff_base * (2 ** min(failures - 1, 30) - 1), self.max_backoff)
            state.update(failures=failures, last_error=f"{type(exc).__name__}: {message}",
                         last_failure=now.isoformat(timespec="seconds"),
                         retry_at=(now + timedelta(seconds=delay)).isoformat(timespec="seconds") if delay else None)
            feed.status, feed.error, feed.retry_at = "error", state["last_error"], state["retry_at"]
            error = ItemError(path=url, stage="fetch", error=type(exc).__name__, message=message)
            summary.errors.append(error)
            self.store.put_batch([], self.version, [error])
        state["last_polled"] = now.isoformat(timespec="seconds")
        feed.failures = state.get("failures", 0)
        self.state.save()
        return feed

    def _items(self, url: str, result: FetchResult, feed: FeedReport, summary: RunSummary,
               stop: Optional[threading.Event]) -> list[RawItem]:
        if result.kind == "html":
            html = decode_html(result.body, result.charset)
            check_item_size(html, self.settings.max_item_chars * 4)
            feed.items = 1
            summary.seen += 1
            advertised = FEED_LINK.search(html)
            if advertised:
                feed.note = f"this page advertises a feed: {urljoin(result.final_url, advertised.group(1))}"
            return [RawItem(key=url, path=url, format="html", text=html, is_html=True, url=result.final_url)]
        parsed = parse_feed_bytes(result.body, url, max_item_chars=self.settings.max_item_chars)
        entries = [e for e in parsed if isinstance(e, FeedEntry)]
        for error in parsed:
            if isinstance(error, ItemError):
                summary.errors.append(error)
        feed.items = len(entries)
        summary.seen += len(entries)
        state = self.state.get(url)
        fetched_before: dict[str, str] = state.get("pages", {})
        pages: dict[str, str] = {}
        items: list[RawItem] = []
        known = self.store.known([e.item.key for e in entries]) if self.fetch_pages else {}
        for entry in entries:
            item = entry.item
            wants_page = self.fetch_pages and entry.summary_only and item.url
            stored_current = known.get(item.key, ("", ""))[1] == self.version
            if wants_page and fetched_before.get(item.key) == entry.entry_hash and stored_current:
                pages[item.key] = entry.entry_hash  # page already stored, entry unchanged: nothing to fetch
                continue
            if wants_page and feed.pages_fetched < self.max_pages_per_feed and not (stop and stop.is_set()):
                page = self._page(item, summary)
                feed.pages_fetched += 1
                if page is not None:
                    item = page
                    pages[item.key] = entry.entry_hash
            if not item.text.strip():
                summary.errors.append(ItemError(path=url, key=item.key, stage="ingest", error="EmptyInputError",
                                                message="feed item has no text"))
                continue
            items.append(item)
        state["pages"] = pages  # only the entries still in the feed: the map stays as small as the feed
        return items

    def _page(self, item: RawItem, summary: RunSummary) -> Optional[RawItem]:
        """The article page of a summary-only item, or None (the summary is kept) when it fails."""
        try:
            result = self.fetcher.fetch(item.url, expect="html")
            html = decode_html(result.body, result.charset)
            check_item_size(html, self.settings.max_item_chars * 4)
        except InputError as exc:
            summary.errors.append(ItemError(path=item.path, key=item.key, stage="fetch", error=type(exc).__name__,
                                            message=f"article page {item.url}: {exc.message}; kept the feed summary"))
            return None
        metadata = dict(item.metadata, feed_summary=item.text[:SUMMARY_ONLY_CHARS])
        return item.model_copy(update={"format": "html", "is_html": True, "text": html,
                                       "url": result.final_url, "metadata": metadata})

    def _process(self, items: list[RawItem], feed: FeedReport, summary: RunSummary) -> None:
        """As runner.run does: skip unchanged items, run the stages, store the rest in batches."""
        size = max(1, self.settings.batch_size)
        for start in range(0, len(items), size):
            batch = items[start:start + size]
            todo, hashes = split_unchanged(self.store, batch, self.version)
            feed.unchanged += len(batch) - len(todo)
            summary.unchanged += len(batch) - len(todo)
            if not todo:
                continue
            result = process_shard(todo, self.ctx, self.stages)
            summary.errors.extend(result.errors)
            feed.stored += store_shard(self.store, result, hashes, self.version, result.errors, summary)


# --------------------------------------------------------------------------- the loop


def watch(feeds: Union[str, Path, Sequence[str]], store: Store, *, every: Union[str, float] = 900.0,
          once: bool = False, state_path: Optional[Union[str, Path]] = None, allow_private: bool = False,
          fetch_settings: Optional[FetchSettings] = None, settings: Optional[Settings] = None,
          stages: Sequence[Stage] = STAGES, fetch_pages: bool = False, max_pages_per_feed: int = 20,
          on_report: Optional[Callable[[PollReport], None]] = None, stop: Optional[threading.Event] = None,
          handle_signals: bool = True, fetcher: Optional[Fetcher] = None) -> PollReport:
    """Poll ``feeds`` (a FEEDS.txt path, re-read each pass, or a list of URLs) into the
    store every ``every`` (seconds or '15m'), or once. Returns the last pass's report;
    ``on_report`` sees each one. Ctrl-C or SIGTERM stops after the URL in progress (a
    second Ctrl-C interrupts at once); ``stop`` lets a caller stop it too."""
    interval = parse_duration(every)
    fetch_settings = fetch_settings or FetchSettings(allow_private=allow_private)
    if allow_private and not fetch_settings.allow_private:
        fetch_settings = replace(fetch_settings, allow_private=True)
    stop = stop or threading.Event()
    state = WatchState(state_path)

    def urls() -> list[str]:
        return read_feeds_file(feeds) if isinstance(feeds, (str, Path)) else list(feeds)

    previous: dict[int, Any] = {}
    if handle_signals and threading.current_thread() is threading.main_thread():
        def on_signal(signum, _frame):
            if stop.is_set():  # second Ctrl-C: the default behaviour, at once
                signal.signal(signal.SIGINT, signal.default_int_handler)
                raise KeyboardInterrupt
            stop.set()
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, on_signal)
    report = PollReport()
    try:
        with Watcher(store, settings=settings, stages=stages, fetch_settings=fetch_settings, fetcher=fetcher,
                     state=state, fetch_pages=fetch_pages, max_pages_per_feed=max_pages_per_feed,
                     backoff_base=interval) as watcher:
            while True:
                started = time.monotonic()
                report = watcher.poll_once(urls(), stop)
                if on_report:
                    on_report(report)
                if once or stop.is_set():
                    break
                if stop.wait(max(0.0, interval - (time.monotonic() - started))):
                    break
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return report


__all__ = ["FeedEntry", "FeedReport", "PollReport", "WatchState", "Watcher", "default_state_path",
           "parse_duration", "parse_feed_bytes", "read_feeds_file", "report_lines", "watch"]
