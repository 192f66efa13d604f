"""A polite, guarded HTTP fetcher for live feeds and article pages (httpx).

Safety rules (see docs/watch.md):

- only ``http`` and ``https`` URLs;
- every address a host name resolves to (``socket.getaddrinfo``) must be a public
  unicast address: private, loopback, link-local, multicast, reserved, unspecified,
  shared (CGNAT) and IPv4-mapped forms of those are refused, so a feed (or a
  redirect, or an item link inside a feed) cannot turn the fetcher into a probe of
  the internal network. ``allow_private=True`` lifts the rule (for an intranet or
  tests); ``allowed_private_hosts`` lifts it for named hosts only;
- redirects are followed by hand, at most ``max_redirects`` hops, and every hop is
  checked again;
- the connection itself goes to an address that passed the check (the transport
  resolves, checks and connects to that IP), so a DNS answer that changes between
  the check and the connection (DNS rebinding) cannot reach a private address;
- connect, read and total timeouts; a size cap per response, enforced while
  streaming (reading stops past the cap and the fetch fails, memory stays bounded);
- a content-type check: feeds must be RSS/Atom/XML, pages HTML (with sniffing of the
  first bytes when the server sends a vague type such as text/plain);
- bounded retries with exponential backoff on 5xx, 429, timeouts and connection
  errors (``Retry-After`` honoured up to ``max_backoff``); 4xx fail at once;
- a per-host politeness delay between requests; ``trust_env=False`` (no proxies or
  .netrc from the environment).

Conditional GET: ``fetch(url, etag=..., last_modified=...)`` sends ``If-None-Match``
and ``If-Modified-Since``; a 304 comes back as ``FetchResult.not_modified``. The
fetcher keeps no files itself: the caller keeps the validators per URL (the watcher
keeps them in its JSON state file, next to the database) and records them only once
what it fetched has been stored.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone
from typing import Callable, Literal, Optional
from urllib.parse import urljoin

import httpcore
import httpx

from .. import __version__
from ..errors import InputError, TooLargeError, UnsupportedFormatError

Kind = Literal["feed", "html"]
Expect = Literal["feed", "html", "any"]
Resolver = Callable[..., list]

REDIRECT_CODES = {301, 302, 303, 307, 308}
RETRY_CODES = {429, 500, 502, 503, 504}  # and any other 5xx
FEED_TYPES = {"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml",
              "text/xml", "application/x-rss+xml", "application/feed+json"}
HTML_TYPES = {"text/html", "application/xhtml+xml"}
# Sent by servers that do not know better; the first bytes decide.
VAGUE_TYPES = {"", "text/plain", "application/octet-stream", "binary/octet-stream", "application/json",
               "application/x-unknown", "application/unknown"}


# --------------------------------------------------------------------------- errors


class FetchError(InputError):
    """A URL could not be fetched (the message says why); ``url`` is the URL asked for."""

    def __init__(self, message: str, *, url: Optional[str] = None):
        super().__init__(message, path=url)
        self.url = url


class BlockedURLError(FetchError):
    """Refused by the safety rules: not http(s), or a non-public address."""


class FetchTimeoutError(FetchError):
    """Connect, read or total timeout (after the retries)."""


class HTTPStatusError(FetchError):
    """The server answered with an error status (after the retries for 5xx/429)."""

    def __init__(self, message: str, *, url: Optional[str] = None, status: int = 0):
        super().__init__(message, url=url)
        self.status = status


class TooManyRedirectsError(FetchError):
    pass


class ResponseTooLargeError(TooLargeError, FetchError):
    """The response is over the size cap (declared or counted while streaming)."""


class WrongContentTypeError(UnsupportedFormatError, FetchError):
    """Not the kind of document expected (a feed that is HTML, a page that is an image, ...)."""


# --------------------------------------------------------------------------- settings and result


@dataclass(frozen=True)
class FetchSettings:
    allow_private: bool = False
    allowed_private_hosts: frozenset[str] = frozenset()  # host names exempt from the address rule
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0  # whole response, all bytes (a slow drip is cut off)
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    retries: int = 2  # extra attempts after the first, on 5xx/429/timeouts/connection errors
    backoff: float = 1.0  # first retry delay in seconds, doubled each time
    max_backoff: float = 30.0
    per_host_delay: float = 1.0  # seconds between two requests to the same host
    user_agent: str = f"sitroom/{__version__} (situation-room feed watcher)"
    verify_tls: bool = True


@dataclass
class FetchResult:
    url: str  # as asked
    final_url: str  # after redirects
    status: int  # 200, or 304 when not_modified
    not_modified: bool
    body: bytes
    headers: dict[str, str]  # of the final response, names lower-cased
    content_type: str  # media type only, lower-cased ("" when none)
    charset: Optional[str]
    kind: Optional[Kind]  # feed or html (None for a 304)
    etag: Optional[str]
    last_modified: Optional[str]
    redirects: list[str] = field(default_factory=list)  # the URLs redirected to, in order
    attempts: int = 1  # requests made for the final hop


# --------------------------------------------------------------------------- address checks


def blocked_reason(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> Optional[str]:
    """Why an address may not be fetched, or None for a public unicast address."""
    mapped = getattr(ip, "ipv4_mapped", None) or getattr(ip, "sixtofour", None)
    if mapped is not None:
        return blocked_reason(mapped)
    for name in ("loopback", "link_local", "multicast", "unspecified", "reserved", "private"):
        if getattr(ip, f"is_{name}"):
            return name.replace("_", "-")
    if getattr(ip, "is_site_local", False):
        return "site-local"
    if not ip.is_global:
        return "non-global"
    return None


def _strip_brackets(host: str) -> str:
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host


class AddressGuard:
    """Resolves a host and checks every address it resolves to."""

    def __init__(self, settings: FetchSettings, resolve: Resolver = socket.getaddrinfo):
        self.settings = settings
        self.resolve = resolve
        self.exempt = {h.lower().strip(".") for h in settings.allowed_private_hosts}

    def addresses(self, host: str, port: int, *, url: Optional[str] = None) -> list[str]:
        """The checked IP addresses of host (every one must pass), in resolver order."""
        host = _strip_brackets(host)
        try:
            infos = self.resolve(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError, OSError) as exc:
            raise FetchError(f"cannot resolve host {host!r} ({exc})", url=url) from exc
        ips: list[str] = []
        for info in infos:
            address = str(info[4][0]).split("%", 1)[0]  # drop an IPv6 zone id
            if address not in ips:
                ips.append(address)
        if not ips:
            raise FetchError(f"host {host!r} resolves to no address", url=url)
        if self.settings.allow_private or host.lower().strip(".") in self.exempt:
            return ips
        for address in ips:
            try:
                ip = ipaddress.ip_address(address)
            except ValueError as exc:
                raise BlockedURLError(f"host {host!r} resolves to an unparseable address {address!r}",
                                      url=url) from exc
            reason = blocked_reason(ip)
            if reason:
                raise BlockedURLError(
                    f"refused: host {host!r} resolves to {reason} address {address} "
                    "(private, loopback, link-local, multicast and reserved addresses are not fetched; "
                    "allow_private, --allow-private on the command line, lifts this for an intranet)", url=url)
        return ips


class _GuardedBackend(httpcore.SyncBackend):
    """Resolves, checks and connects to a checked IP: the check cannot be raced by DNS."""

    def __init__(self, guard: AddressGuard):
        self.guard = guard

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        last: Optional[Exception] = None
        for address in self.guard.addresses(host, port):
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last


def check_url(url: str) -> httpx.URL:
    """Parse a URL and check the scheme; raises BlockedURLError or FetchError."""
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise FetchError(f"not a valid URL ({exc})", url=url) from exc
    if parsed.scheme not in ("http", "https"):
        raise BlockedURLError(f"refused: only http and https URLs are fetched, not {parsed.scheme or 'a bare path'!r}",
                              url=url)
    if not parsed.host:
        raise FetchError("URL has no host", url=url)
    return parsed


# --------------------------------------------------------------------------- content type


def media_type(header: Optional[str]) -> tuple[str, Optional[str]]:
    """('text/html', 'utf-8') from 'text/html; charset=UTF-8'."""
    if not header:
        return "", None
    parts = [p.strip() for p in header.split(";")]
    charset = None
    for part in parts[1:]:
        name, _, value = part.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip("\"'")
    return parts[0].lower(), charset


def sniff(head: bytes) -> Optional[Kind]:
    """feed or html from the first bytes, or None when they say neither."""
    text = head[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html")):
        return "html"
    if text.startswith(b"<?xml") or text.startswith(b"<!--") or text.startswith(b"<"):
        if any(tag in text for tag in (b"<rss", b"<feed", b"<rdf:rdf", b"<channel")):
            return "feed"
        if b"<html" in text:
            return "html"
    if text.startswith(b"{") and b"jsonfeed.org" in text:
        return "feed"
    return None


def classify(content_type: str, head: bytes) -> Optional[Kind]:
    """The kind of a response: the first bytes when they are clear, else the declared type."""
    sniffed = sniff(head)
    if sniffed:
        return sniffed
    if content_type in FEED_TYPES:
        return "feed"
    if content_type in HTML_TYPES:
        return "html"
    return None


def acceptable_type(content_type: str) -> bool:
    """Types worth reading at all (anything else is refused before the body is read)."""
    return (content_type in FEED_TYPES or content_type in HTML_TYPES or content_type in VAGUE_TYPES
            or content_type.startswith("text/") or content_type.endswith("+xml"))


# --------------------------------------------------------------------------- the fetcher


class Fetcher:
    """Fetches one URL at a time under the safety rules. Use as a context manager."""

    def __init__(self, settings: Optional[FetchSettings] = None, *, resolve: Resolver = socket.getaddrinfo,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic):
        self.settings = settings or FetchSettings()
        self.guard = AddressGuard(self.settings, resolve)
        self.sleep = sleep
        self.clock = clock
        self._last_request: dict[str, float] = {}
        transport = httpx.HTTPTransport(verify=self.settings.verify_tls, trust_env=False)
        pool = getattr(transport, "_pool", None)
        if not isinstance(pool, httpcore.ConnectionPool):  # httpx is pinned; fail loudly if that changes
            raise RuntimeError("httpx transport internals changed: cannot install the address guard")
        transport._pool = httpcore.ConnectionPool(
            ssl_context=pool._ssl_context, max_connections=10, max_keepalive_connections=5,
            keepalive_expiry=5.0, network_backend=_GuardedBackend(self.guard))
        s = self.settings
        self.client = httpx.Client(
            transport=transport, trust_env=False, follow_redirects=False,
            timeout=httpx.Timeout(connect=s.connect_timeout, read=s.read_timeout, write=s.read_timeout,
                                  pool=s.connect_timeout),
            headers={"User-Agent": s.user_agent, "Accept-Encoding": "gzip, deflate"})

    def __enter__(self) -> "Fetcher":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.client.close()

    # ------------------------------------------------------------------ public

    def fetch(self, url: str, *, expect: Expect = "any", etag: Optional[str] = None,
              last_modified: Optional[str] = None) -> FetchResult:
        """GET url under the rules; a 304 gives ``not_modified``; anything wrong raises a FetchError."""
        current = str(check_url(url))
        headers = {"Accept": _accept(expect)}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        redirects: list[str] = []
        while True:
            parsed = check_url(current)
            self.guard.addresses(parsed.host, parsed.port or (443 if parsed.scheme == "https" else 80), url=url)
            result = self._with_retries(url, current, headers, expect)
            if isinstance(result, str):  # a redirect: the next URL
                if len(redirects) >= self.settings.max_redirects:
                    raise TooManyRedirectsError(
                        f"more than {self.settings.max_redirects} redirects (last to {result})", url=url)
                redirects.append(result)
                current = result
                continue
            result.redirects = redirects
            return result

    # ------------------------------------------------------------------ internals

    def _polite(self, host: str) -> None:
        last = self._last_request.get(host)
        if last is not None:
            wait = last + self.settings.per_host_delay - self.clock()
            if wait > 0:
                self.sleep(wait)
        self._last_request[host] = self.clock()

    def _with_retries(self, url: str, current: str, headers: dict[str, str], expect: Expect):
        s = self.settings
        attempt = 0
        while True:
            attempt += 1
            retry_after: Optional[float] = None
            try:
                result = self._once(url, current, headers, expect)
                if not isinstance(result, str):
                    result.attempts = attempt
                return result
            except _Retryable as exc:
                error, retry_after = exc.error, exc.retry_after
            except httpx.TimeoutException as exc:
                error = FetchTimeoutError(f"timed out ({type(exc).__name__}) fetching {current}", url=url)
            except httpx.TransportError as exc:
                error = FetchError(f"connection failed fetching {current} ({type(exc).__name__}: {exc})", url=url)
            except httpx.HTTPError as exc:  # a broken gzip body and the like: retrying will not help
                raise FetchError(f"bad response from {current} ({type(exc).__name__}: {exc})", url=url) from exc
            if attempt > s.retries:
                if attempt > 1:
                    error = type(error)(f"{error.message} (after {attempt} attempts)", url=url,
                                        **({"status": error.status} if isinstance(error, HTTPStatusError) else {}))
                raise error
            delay = min(s.backoff * 2 ** (attempt - 1), s.max_backoff)
            if retry_after is not None:
                delay = min(max(delay, retry_after), s.max_backoff)
            self.sleep(delay)

    def _once(self, url: str, current: str, headers: dict[str, str], expect: Expect):
        s = self.settings
        host = httpx.URL(current).host.lower()
        self._polite(host)
        started = self.clock()
        request = self.client.build_request("GET", current, headers=headers)
        response = self.client.send(request, stream=True)
        try:
            status = response.status_code
            if status in REDIRECT_CODES:
                location = response.headers.get("location")
                if not location:
                    raise FetchError(f"redirect {status} without a Location header from {current}", url=url)
                target = urljoin(current, location.strip())
                check_url(target)
                return target
            if status == 304:
                return self._result(url, current, response, b"", None, not_modified=True)
            if status >= 500 or status in RETRY_CODES:
                raise _Retryable(HTTPStatusError(f"HTTP {status} from {current}", url=url, status=status),
                                 _retry_after(response.headers.get("retry-after")))
            if status >= 400 or status < 200 or status >= 300:
                raise HTTPStatusError(f"HTTP {status} from {current}", url=url, status=status)
            content_type, _ = media_type(response.headers.get("content-type"))
            if not acceptable_type(content_type):
                raise WrongContentTypeError(f"{current} is {content_type}, not a feed or a web page", url=url)
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > s.max_bytes:
                raise ResponseTooLargeError(
                    f"response is {int(declared):,} bytes, over the {s.max_bytes:,}-byte cap", url=url)
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > s.max_bytes:
                    raise ResponseTooLargeError(f"response is over the {s.max_bytes:,}-byte cap "
                                                "(stopped reading)", url=url)
                if self.clock() - started > s.total_timeout:
                    raise FetchTimeoutError(f"response took over {s.total_timeout:g} s (stopped reading)", url=url)
                chunks.append(chunk)
            body = b"".join(chunks)
            kind = classify(content_type, body)
            if kind is None:
                raise WrongContentTypeError(
                    f"{current} is neither an RSS/Atom feed nor an HTML page "
                    f"(content type {content_type or 'none'!r})", url=url)
            if expect != "any" and kind != expect:
                wanted = "an RSS/Atom feed" if expect == "feed" else "an HTML page"
                raise WrongContentTypeError(f"expected {wanted}, got {'HTML' if kind == 'html' else 'a feed'} "
                                            f"({content_type or 'no content type'}) from {current}", url=url)
            return self._result(url, current, response, body, kind)
        finally:
            response.close()
            self._last_request[host] = self.clock()

    @staticmethod
    def _result(url: str, current: str, response: httpx.Response, body: bytes, kind: Optional[Kind], *,
                not_modified: bool = False) -> FetchResult:
        content_type, charset = media_type(response.headers.get("content-type"))
        return FetchResult(url=url, final_url=current, status=response.status_code, not_modified=not_modified,
                           body=body, headers={k.lower(): v for k, v in response.headers.items()},
                           content_type=content_type, charset=charset, kind=kind,
                           etag=response.headers.get("etag"), last_modified=response.headers.get("last-modified"))


class _Retryable(Exception):
    def __init__(self, error: FetchError, retry_after: Optional[float] = None):
        self.error, self.retry_after = error, retry_after


def _retry_after(value: Optional[str]) -> Optional[float]:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _accept(expect: Expect) -> str:
    feed = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9"
    page = "text/html, application/xhtml+xml;q=0.9"
    if expect == "feed":
        return feed + ", */*;q=0.1"
    if expect == "html":
        return page + ", */*;q=0.1"
    return f"{feed}, {page}, */*;q=0.1"


def fetch(url: str, *, expect: Expect = "any", settings: Optional[FetchSettings] = None, **validators) -> FetchResult:
    """One-off fetch (a new client each call); the watcher keeps one Fetcher instead."""
    with Fetcher(settings) as fetcher:
        return fetcher.fetch(url, expect=expect, **validators)


__all__ = ["AddressGuard", "BlockedURLError", "FetchError", "FetchResult", "FetchSettings", "FetchTimeoutError",
           "Fetcher", "HTTPStatusError", "ResponseTooLargeError", "TooManyRedirectsError", "WrongContentTypeError",
           "blocked_reason", "check_url", "classify", "fetch", "media_type", "sniff"]

