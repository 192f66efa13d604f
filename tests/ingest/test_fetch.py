"""The guarded fetcher against a local HTTP server on 127.0.0.1 (no other network)."""

from __future__ import annotations

import gzip
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sitroom.errors import InputError, TooLargeError, UnsupportedFormatError
from sitroom.ingest.fetch import (BlockedURLError, FetchError, Fetcher, FetchSettings, FetchTimeoutError,
                                  HTTPStatusError, ResponseTooLargeError, TooManyRedirectsError,
                                  WrongContentTypeError, blocked_reason, classify, media_type)

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Eastbridge Times</title>
<item><title>Talks resume in Geneva</title><link>http://example.org/geneva</link>
<guid>geneva-1</guid><description>Negotiators met in Geneva on Sunday.</description></item>
</channel></rss>"""
PAGE = b"<!doctype html><html><head><title>A page</title></head><body><p>Hello.</p></body></html>"


class Server:
    """Routes: path -> handler(request) that writes the response. Counts hits per path."""

    def __init__(self):
        self.routes: dict = {}
        self.hits: dict[str, int] = {}
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                path = self.path.split("?", 1)[0]
                server.hits[path] = server.hits.get(path, 0) + 1
                server.requests.append({"path": path, **{k.lower(): v for k, v in self.headers.items()}})
                route = server.routes.get(path)
                if route is None:
                    self.send_error(404)
                    return
                try:
                    route(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def reply(body: bytes, status: int = 200, content_type: str = "application/rss+xml", **headers):
    def handler(request):
        request.send_response(status)
        if content_type:
            request.send_header("Content-Type", content_type)
        request.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            request.send_header(name.replace("_", "-"), value)
        request.end_headers()
        request.wfile.write(body)
    return handler


def redirect(location: str, status: int = 302):
    def handler(request):
        request.send_response(status)
        request.send_header("Location", location)
        request.send_header("Content-Length", "0")
        request.end_headers()
    return handler


@pytest.fixture
def server():
    srv = Server()
    yield srv
    srv.close()


FAST = dict(connect_timeout=1.0, read_timeout=0.3, total_timeout=2.0, retries=2, backoff=0.01, max_backoff=0.05,
            per_host_delay=0.0)


@pytest.fixture
def fetcher():
    with Fetcher(FetchSettings(allow_private=True, **FAST)) as f:
        yield f


def test_good_feed(server, fetcher):
    server.routes["/feed"] = reply(RSS, content_type="application/rss+xml; charset=utf-8", ETag='"v1"')
    result = fetcher.fetch(server.url("/feed"), expect="feed")
    assert result.status == 200 and not result.not_modified
    assert result.body == RSS and result.kind == "feed"
    assert result.content_type == "application/rss+xml" and result.charset == "utf-8"
    assert result.etag == '"v1"' and result.final_url == server.url("/feed")
    assert server.requests[0]["user-agent"].startswith("sitroom/")


def test_conditional_get_gives_not_modified(server, fetcher):
    last_modified = "Sun, 23 Nov 2025 18:00:00 GMT"

    def conditional(request):
        if request.headers.get("If-None-Match") == '"v1"' or request.headers.get("If-Modified-Since") == last_modified:
            request.send_response(304)
            request.send_header("ETag", '"v1"')
            request.end_headers()
            return
        reply(RSS, ETag='"v1"', Last_Modified=last_modified)(request)

    server.routes["/feed"] = conditional
    first = fetcher.fetch(server.url("/feed"))
    assert first.etag == '"v1"' and first.last_modified == last_modified
    second = fetcher.fetch(server.url("/feed"), etag=first.etag, last_modified=first.last_modified)
    assert second.not_modified and second.status == 304 and second.body == b""
    assert server.requests[1]["if-none-match"] == '"v1"'
    assert server.requests[1]["if-modified-since"] == last_modified


def test_slow_response_times_out(server):
    def slow(request):
        time.sleep(1.0)
        reply(RSS)(request)

    server.routes["/slow"] = slow
    with Fetcher(FetchSettings(allow_private=True, **dict(FAST, retries=0))) as f:
        started = time.monotonic()
        with pytest.raises(FetchTimeoutError, match="timed out"):
            f.fetch(server.url("/slow"))
    assert time.monotonic() - started < 0.9


def test_slow_drip_hits_total_timeout(server):
    def drip(request):
        request.send_response(200)
        request.send_header("Content-Type", "application/rss+xml")
        request.end_headers()
        for _ in range(40):
            request.wfile.write(b"<!-- drip -->" * 10)
            request.wfile.flush()
            time.sleep(0.05)

    server.routes["/drip"] = drip
    with Fetcher(FetchSettings(allow_private=True, **dict(FAST, retries=0, total_timeout=0.4))) as f:
        with pytest.raises(FetchTimeoutError, match="stopped reading"):
            f.fetch(server.url("/drip"))


def test_500_then_200_is_retried(server, fetcher):
    calls = []

    def flaky(request):
        calls.append(1)
        (reply(b"oops", status=500, content_type="text/plain") if len(calls) == 1 else reply(RSS))(request)

    server.routes["/flaky"] = flaky
    result = fetcher.fetch(server.url("/flaky"))
    assert result.status == 200 and result.attempts == 2 and len(calls) == 2


def test_retries_are_bounded(server, fetcher):
    server.routes["/down"] = reply(b"down", status=503, content_type="text/plain", Retry_After="0")
    with pytest.raises(HTTPStatusError, match="HTTP 503.*after 3 attempts") as info:
        fetcher.fetch(server.url("/down"))
    assert info.value.status == 503 and server.hits["/down"] == 3


def test_404_is_not_retried(server, fetcher):
    with pytest.raises(HTTPStatusError, match="HTTP 404"):
        fetcher.fetch(server.url("/missing"))
    assert server.hits["/missing"] == 1


def test_oversized_response_is_capped(server):
    big = b"<rss><channel>" + b"x" * 50_000 + b"</channel></rss>"

    def no_length(request):  # no Content-Length: the cap is counted while streaming
        request.send_response(200)
        request.send_header("Content-Type", "application/rss+xml")
        request.end_headers()
        for start in range(0, len(big), 4096):
            request.wfile.write(big[start:start + 4096])

    server.routes["/big"] = reply(big)
    server.routes["/big-stream"] = no_length
    with Fetcher(FetchSettings(allow_private=True, **dict(FAST, retries=0), max_bytes=10_000)) as f:
        with pytest.raises(ResponseTooLargeError, match="cap") as info:
            f.fetch(server.url("/big"))
        assert isinstance(info.value, TooLargeError) and isinstance(info.value, FetchError)
        with pytest.raises(ResponseTooLargeError, match="stopped reading"):
            f.fetch(server.url("/big-stream"))


def test_gzip_bomb_is_capped_after_decoding(server):
    bomb = gzip.compress(b"<rss>" + b" " * 2_000_000)
    server.routes["/bomb"] = reply(bomb, Content_Encoding="gzip")
    with Fetcher(FetchSettings(allow_private=True, **FAST, max_bytes=100_000)) as f:
        with pytest.raises(ResponseTooLargeError):
            f.fetch(server.url("/bomb"))


def test_redirect_chain_is_followed(server, fetcher):
    server.routes["/a"] = redirect("/b", 301)
    server.routes["/b"] = redirect(server.url("/c"), 307)
    server.routes["/c"] = reply(RSS)
    result = fetcher.fetch(server.url("/a"))
    assert result.final_url == server.url("/c") and result.redirects == [server.url("/b"), server.url("/c")]
    assert result.url == server.url("/a")


def test_redirect_hop_limit(server):
    for n in range(5):
        server.routes[f"/r{n}"] = redirect(f"/r{n + 1}")
    server.routes["/r5"] = reply(RSS)
    with Fetcher(FetchSettings(allow_private=True, **FAST, max_redirects=3)) as f:
        with pytest.raises(TooManyRedirectsError, match="more than 3 redirects"):
            f.fetch(server.url("/r0"))
    assert "/r4" not in server.hits
    with Fetcher(FetchSettings(allow_private=True, **FAST, max_redirects=5)) as f:
        assert f.fetch(server.url("/r0")).final_url == server.url("/r5")


def test_loopback_is_refused_without_allow_private(server):
    server.routes["/feed"] = reply(RSS)
    with Fetcher(FetchSettings(**FAST)) as f:
        for url in (server.url("/feed"), f"http://localhost:{server.port}/feed", f"http://[::1]:{server.port}/feed",
                    "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://0.0.0.0/",
                    "http://[::ffff:127.0.0.1]/", "http://224.0.0.1/", "http://2130706433/"):
            with pytest.raises(BlockedURLError, match="refused"):
                f.fetch(url)
    assert server.hits == {}


@pytest.mark.parametrize("target", ["http://localhost:{port}/feed", "http://169.254.169.254/latest/meta-data/",
                                    "http://192.168.1.1/admin"])
def test_redirect_to_private_address_is_refused(server, target):
    """127.0.0.1 is exempted by name, so the first hop is served; the redirect is checked again."""
    server.routes["/feed"] = reply(RSS)
    server.routes["/jump"] = redirect(target.format(port=server.port))
    with Fetcher(FetchSettings(allowed_private_hosts=frozenset({"127.0.0.1"}), **FAST)) as f:
        assert f.fetch(server.url("/feed")).status == 200
        with pytest.raises(BlockedURLError, match="refused"):
            f.fetch(server.url("/jump"))
    assert server.hits == {"/feed": 1, "/jump": 1}


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/feed.xml", "gopher://x/",
                                 "/etc/passwd", "javascript:alert(1)"])
def test_non_http_scheme_is_refused(url, fetcher):
    with pytest.raises(BlockedURLError, match="only http and https"):
        fetcher.fetch(url)


def test_redirect_to_non_http_scheme_is_refused(server, fetcher):
    server.routes["/to-file"] = redirect("file:///etc/passwd")
    with pytest.raises(BlockedURLError, match="only http and https"):
        fetcher.fetch(server.url("/to-file"))


def test_dns_rebinding_is_caught_at_connect(server):
    """The check resolves to a public address, the connection then resolves to loopback:
    the transport connects only to addresses it has checked itself."""
    answers = iter([[(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", server.port))]])

    def rebinding(host, port, *args, **kwargs):
        for answer in answers:
            return answer
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    server.routes["/feed"] = reply(RSS)
    with Fetcher(FetchSettings(**dict(FAST, retries=0)), resolve=rebinding) as f:
        with pytest.raises(BlockedURLError, match="loopback"):
            f.fetch(f"http://news.example:{server.port}/feed")
    assert server.hits == {}


def test_content_type_checks(server, fetcher):
    server.routes["/page"] = reply(PAGE, content_type="text/html; charset=utf-8")
    server.routes["/image"] = reply(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, content_type="image/png")
    server.routes["/plain-feed"] = reply(RSS, content_type="text/plain")
    server.routes["/plain-text"] = reply(b"just some words", content_type="text/plain")
    assert fetcher.fetch(server.url("/page"), expect="html").kind == "html"
    with pytest.raises(WrongContentTypeError, match="expected an RSS/Atom feed, got HTML") as info:
        fetcher.fetch(server.url("/page"), expect="feed")
    assert isinstance(info.value, UnsupportedFormatError)
    with pytest.raises(WrongContentTypeError, match="image/png"):
        fetcher.fetch(server.url("/image"))
    assert fetcher.fetch(server.url("/plain-feed"), expect="feed").kind == "feed"  # sniffed
    with pytest.raises(WrongContentTypeError, match="neither"):
        fetcher.fetch(server.url("/plain-text"))


def test_per_host_politeness_delay(server):
    server.routes["/feed"] = reply(RSS)
    slept: list[float] = []
    with Fetcher(FetchSettings(allow_private=True, **dict(FAST, per_host_delay=0.3)),
                 sleep=lambda s: (slept.append(s), time.sleep(s))) as f:
        started = time.monotonic()
        f.fetch(server.url("/feed"))
        f.fetch(server.url("/feed"))
    assert len(slept) == 1 and 0.1 < slept[0] <= 0.3
    assert time.monotonic() - started >= 0.3


def test_unresolvable_host_is_a_clear_error():
    def nowhere(*args, **kwargs):
        raise socket.gaierror(-2, "Name or service not known")

    with Fetcher(FetchSettings(**FAST), resolve=nowhere) as f:
        with pytest.raises(FetchError, match="cannot resolve host") as info:
            f.fetch("https://no-such-host.invalid/feed")
    assert isinstance(info.value, InputError)


def test_helpers():
    import ipaddress
    assert media_type("Application/RSS+XML; charset=\"ISO-8859-1\"") == ("application/rss+xml", "ISO-8859-1")
    assert classify("text/plain", b"\xef\xbb\xbf  <?xml version='1.0'?><feed xmlns='x'>") == "feed"
    assert classify("application/xml", b"<?xml version='1.0'?><other/>") == "feed"
    assert classify("text/html", b"<div>") == "html"
    assert blocked_reason(ipaddress.ip_address("8.8.8.8")) is None
    assert blocked_reason(ipaddress.ip_address("100.64.0.1")) is not None  # shared (CGNAT)
    assert blocked_reason(ipaddress.ip_address("2002:7f00:1::")) == "loopback"  # 6to4 of 127.0.0.1
    assert blocked_reason(ipaddress.ip_address("fe80::1")) == "link-local"


def test_broken_gzip_body_is_a_fetch_error(server, fetcher):
    server.routes["/badgz"] = reply(b"this is not gzip at all", Content_Encoding="gzip")
    with pytest.raises(FetchError, match="bad response"):
        fetcher.fetch(server.url("/badgz"))
    assert server.hits["/badgz"] == 1
