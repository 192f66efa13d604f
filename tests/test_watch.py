"""sitroom.watch against a local HTTP server on 127.0.0.1: feeds, pages, failures, state."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sitroom.config import Settings
from sitroom.errors import BadParameterError, MalformedInputError
from sitroom.ingest.fetch import FetchSettings
from sitroom.pipeline import INGEST_STAGES
from sitroom.watch import (WatchState, Watcher, default_state_path, parse_duration, parse_feed_bytes,
                           read_feeds_file, report_lines, watch)

BODY = ("Ukrainian and American negotiators met in Geneva on Sunday to discuss a revised peace framework, "
        "officials said. The delegations agreed to continue the talks next week. ")


def rss(*items: tuple[str, str], title: str = "Eastbridge Times") -> bytes:
    entries = "".join(f"<item><title>{t}</title><link>http://example.org/{g}</link><guid>{g}</guid>"
                      f"<description>{BODY} ({t})</description></item>" for g, t in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"{entries}</channel></rss>").encode()


FEED = rss(("geneva-1", "Talks resume in Geneva"), ("kyiv-2", "Envoy visits Kyiv"))
PAGE = (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Sanctions widen</title></head>"
        f"<body><article><h1>Sanctions widen</h1><p>{BODY * 3}</p><p>Rubio said the talks were productive.</p>"
        f"</article></body></html>").encode()


class Server:
    def __init__(self):
        self.routes: dict = {}
        self.hits: dict[str, int] = {}
        self.statuses: list[tuple[str, int]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                server.hits[self.path] = server.hits.get(self.path, 0) + 1
                route = server.routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                route(self)

            def send_response(self, code, message=None):
                server.statuses.append((self.path, code))
                super().send_response(code, message)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def reply(body: bytes, status: int = 200, content_type: str = "application/rss+xml", etag: str | None = None):
    def handler(request):
        if etag and request.headers.get("If-None-Match") == etag:
            request.send_response(304)
            request.send_header("ETag", etag)
            request.end_headers()
            return
        request.send_response(status)
        request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(body)))
        if etag:
            request.send_header("ETag", etag)
        request.end_headers()
        request.wfile.write(body)
    return handler


@pytest.fixture
def server():
    srv = Server()
    yield srv
    srv.close()


FAST = FetchSettings(allow_private=True, connect_timeout=1.0, read_timeout=0.5, total_timeout=2.0, retries=0,
                     backoff=0.01, per_host_delay=0.0)
SETTINGS = Settings(workers=1)


def feeds_file(tmp_path, *lines: str):
    path = tmp_path / "FEEDS.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def once(feeds, store, tmp_path, **options):
    options.setdefault("fetch_settings", FAST)
    return watch(feeds, store, once=True, state_path=tmp_path / "state.json", settings=SETTINGS,
                 stages=INGEST_STAGES, handle_signals=False, **options)


def test_feed_is_ingested_then_not_modified(server, file_store, tmp_path):
    server.routes["/feed.xml"] = reply(FEED, etag='"v1"')
    feeds = feeds_file(tmp_path, "# world news", server.url("/feed.xml") + "   # Eastbridge")
    first = once(feeds, file_store, tmp_path)
    [report] = first.feeds
    assert (report.status, report.kind, report.items, report.stored) == ("ok", "feed", 2, 2)
    assert first.summary.stored == 2 and not first.summary.errors
    assert file_store.count() == 2
    keys = sorted(file_store.known([server.url("/feed.xml") + "#geneva-1", server.url("/feed.xml") + "#kyiv-2"]))
    assert len(keys) == 2
    state = json.loads((tmp_path / "state.json").read_text())
    assert state["urls"][server.url("/feed.xml")]["etag"] == '"v1"'

    second = once(feeds, file_store, tmp_path)
    assert second.feeds[0].status == "not_modified" and second.summary.stored == 0
    assert server.statuses[-1] == ("/feed.xml", 304) and file_store.count() == 2


def test_unchanged_items_are_skipped_without_validators(server, file_store, tmp_path):
    server.routes["/feed.xml"] = reply(FEED)
    feeds = [server.url("/feed.xml")]
    assert once(feeds, file_store, tmp_path).summary.stored == 2
    again = once(feeds, file_store, tmp_path)
    assert again.summary.stored == 0 and again.summary.unchanged == 2
    server.routes["/feed.xml"] = reply(rss(("geneva-1", "Talks resume in Geneva"), ("kyiv-2", "Envoy visits Kyiv"),
                                           ("new-3", "Ceasefire proposal tabled")))
    third = once(feeds, file_store, tmp_path)
    assert (third.summary.stored, third.summary.unchanged) == (1, 2) and file_store.count() == 3


def test_broken_feed_is_reported_others_continue(server, file_store, tmp_path):
    server.routes["/broken.xml"] = reply(b"<?xml version='1.0'?><rss><channel><item><title>unterminated",
                                         content_type="application/xml")
    server.routes["/feed.xml"] = reply(FEED)
    report = once([server.url("/broken.xml"), "ftp://example.org/feed.xml", server.url("/feed.xml")],
                  file_store, tmp_path)
    broken, ftp, good = report.feeds
    assert broken.status == "error" and "MalformedInputError" in broken.error and broken.failures == 1
    assert ftp.status == "error" and "only http and https" in ftp.error
    assert good.status == "ok" and good.stored == 2
    assert {e.error for e in report.summary.errors} == {"MalformedInputError", "BlockedURLError"}
    assert {e["error"] for e in file_store.recent_errors()} >= {"MalformedInputError", "BlockedURLError"}
    lines = report_lines(report)
    assert lines[0].startswith("error") and "failed (1 in a row)" in lines[0] and "failing_urls=2" in lines[-1]


def test_loopback_refused_without_allow_private(server, file_store, tmp_path):
    server.routes["/feed.xml"] = reply(FEED)
    report = once([server.url("/feed.xml")], file_store, tmp_path, fetch_settings=None)
    assert report.feeds[0].status == "error" and "loopback" in report.feeds[0].error
    assert server.hits == {} and file_store.count() == 0
    report = once([server.url("/feed.xml")], file_store, tmp_path, fetch_settings=None, allow_private=True)
    assert report.feeds[0].status == "ok" and file_store.count() == 2


def test_failing_feed_is_counted_and_backed_off(server, file_store, tmp_path):
    server.routes["/down.xml"] = reply(b"down", status=500, content_type="text/plain")
    state = WatchState(tmp_path / "state.json")
    with Watcher(file_store, settings=SETTINGS, stages=INGEST_STAGES, fetch_settings=FAST, state=state,
                 backoff_base=60) as watcher:
        url = server.url("/down.xml")
        first = watcher.poll_once([url]).feeds[0]
        assert (first.status, first.failures, first.retry_at) == ("error", 1, None)  # first failure: try next pass
        second = watcher.poll_once([url]).feeds[0]
        assert second.status == "error" and second.failures == 2 and second.retry_at
        third = watcher.poll_once([url]).feeds[0]
        assert third.status == "backoff" and third.failures == 2 and "HTTP 500" in third.error
        assert server.hits["/down.xml"] == 2
        saved = json.loads((tmp_path / "state.json").read_text())["urls"][url]
        assert saved["failures"] == 2 and "HTTPStatusError" in saved["last_error"]
        # Recovery resets the count.
        state.get(url)["retry_at"] = None
        server.routes["/down.xml"] = reply(FEED)
        fourth = watcher.poll_once([url]).feeds[0]
        assert (fourth.status, fourth.failures, fourth.stored) == ("ok", 0, 2)


def test_page_url_is_detected_and_stored(server, file_store, tmp_path):
    server.routes["/article"] = reply(PAGE, content_type="text/html; charset=utf-8")
    report = once([server.url("/article")], file_store, tmp_path)
    [page] = report.feeds
    assert (page.kind, page.stored) == ("html", 1), report.summary.errors
    [article] = list(file_store.articles(limit=5))
    assert article.format == "html" and "Rubio" in article.text and article.url == server.url("/article")
    assert page.note is None


def test_page_that_advertises_a_feed_gets_a_note(server, file_store, tmp_path):
    head = b"<link rel='alternate' type='application/rss+xml' href='/rss.xml'>"
    server.routes["/home"] = reply(PAGE.replace(b"</head>", head + b"</head>"), content_type="text/html")
    report = once([server.url("/home")], file_store, tmp_path)
    assert report.feeds[0].note == f"this page advertises a feed: {server.url('/rss.xml')}"
    lines = report_lines(report)
    assert lines[0].startswith("ok") and "advertises a feed" in lines[0] and lines[-1].startswith("stored=1 ")


def test_summary_only_items_fetch_their_page(server, file_store, tmp_path):
    feed = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>'
            f"<item><title>Sanctions widen</title><link>{server.url('/story')}</link><guid>s1</guid>"
            f"<description>Short summary.</description></item></channel></rss>").encode()
    server.routes["/wire.xml"] = reply(feed)
    server.routes["/story"] = reply(PAGE, content_type="text/html")
    report = once([server.url("/wire.xml")], file_store, tmp_path, fetch_pages=True)
    assert report.feeds[0].pages_fetched == 1 and report.summary.stored == 1, report.summary.errors
    [article] = list(file_store.articles(limit=5))
    assert "Rubio" in article.text and article.format == "html" and article.title == "Sanctions widen"
    again = once([server.url("/wire.xml")], file_store, tmp_path, fetch_pages=True)
    assert again.feeds[0].pages_fetched == 0 and server.hits["/story"] == 1 and again.summary.stored == 0


def test_failed_page_keeps_the_summary(server, file_store, tmp_path):
    feed = (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>'
            f"<item><title>Envoy visits Kyiv</title><link>{server.url('/gone')}</link><guid>g1</guid>"
            f"<description>{BODY}</description></item></channel></rss>").encode()
    server.routes["/wire.xml"] = reply(feed)
    report = once([server.url("/wire.xml")], file_store, tmp_path, fetch_pages=True)
    assert report.feeds[0].status == "ok" and report.summary.stored == 1
    assert [e.stage for e in report.summary.errors] == ["fetch"] and "kept the feed summary" in \
        report.summary.errors[0].message


def test_loop_stops_on_stop_event_and_on_sigint(server, file_store, tmp_path):
    server.routes["/feed.xml"] = reply(FEED)
    passes = []
    stop = threading.Event()

    def on_report(report):
        passes.append(report)
        if len(passes) == 2:
            stop.set()

    watch([server.url("/feed.xml")], file_store, every="0.1s", state_path=None, settings=SETTINGS,
          stages=INGEST_STAGES, fetch_settings=FAST, on_report=on_report, stop=stop, handle_signals=False)
    assert len(passes) == 2 and passes[1].summary.unchanged == 2

    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    started = time.monotonic()
    watch([server.url("/feed.xml")], file_store, every="1h", settings=SETTINGS, stages=INGEST_STAGES,
          fetch_settings=FAST)
    timer.join()
    assert time.monotonic() - started < 5
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_parse_duration():
    assert parse_duration("30s") == 30 and parse_duration("15m") == 900 and parse_duration("1h") == 3600
    assert parse_duration("1h30m") == 5400 and parse_duration("90") == 90 and parse_duration("2d") == 172800
    assert parse_duration("500ms") == 0.5 and parse_duration(" 10 min ") == 600 and parse_duration(45) == 45
    for bad in ("", "soon", "15x", "-5m", "0s"):
        with pytest.raises(BadParameterError):
            parse_duration(bad)


def test_read_feeds_file_and_state_path(tmp_path):
    path = feeds_file(tmp_path, "# comment", "", "https://a.example/feed.xml  # inline", "  https://b.example/x ",
                      "https://a.example/feed.xml", "https://c.example/page#section")
    assert read_feeds_file(path) == ["https://a.example/feed.xml", "https://b.example/x",
                                     "https://c.example/page#section"]
    assert default_state_path("data/sitroom.db").as_posix() == "data/sitroom.db.watch.json"
    assert default_state_path(":memory:") is None and default_state_path("postgresql://h/db") is None


def test_damaged_state_file_is_set_aside(tmp_path):
    path = tmp_path / "state.json"
    path.write_text("{not json", encoding="utf-8")
    state = WatchState(path)
    assert state.urls == {} and (tmp_path / "state.json.bad").exists()
    state.get("https://a.example/")["etag"] = "x"
    state.save()
    assert WatchState(path).get("https://a.example/") == {"etag": "x"}


def test_parse_feed_bytes_matches_the_file_reader(tmp_path):
    from sitroom.ingest import read_path
    path = tmp_path / "feed.xml"
    path.write_bytes(FEED)
    from_file = [i for i in read_path(path)]
    from_bytes = [e.item for e in parse_feed_bytes(FEED, str(path))]
    assert [i.model_dump() for i in from_file] == [i.model_dump() for i in from_bytes]
    with pytest.raises(MalformedInputError):
        parse_feed_bytes(b"<rss><channel><item><title>x", "u")
    # bytes naming a local file are parsed as bytes, never opened
    with pytest.raises(MalformedInputError):
        parse_feed_bytes(str(path).encode(), "u")
