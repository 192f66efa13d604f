"""The HTTP API (JSON under ``/api/``) and the application factory.

``create_app(store)`` returns one FastAPI app serving the JSON API, the server-rendered
pages (``web.py``) and the static files. Errors are always JSON
``{"error": {"type", "message", "status"}}`` under ``/api/`` (400 bad parameter, 401
missing token, 403 ingest off or cross-site, 404 unknown id, 413 too large, 415
unsupported type, 422 unreadable input). Every response carries a strict
Content-Security-Policy (scripts and styles only from ``/static``).

Ingest (``POST /api/ingest``) is off unless ``allow_ingest``; with a ``token`` it needs
``Authorization: Bearer TOKEN``. Uploaded files never reach the file system under
their own names: they are written to a fresh temporary folder under generated names
with a whitelisted suffix, read by the ordinary readers, and stored with the key
``upload:SHA1/NAME`` so uploading the same file twice changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import tempfile
import threading
from datetime import date
from pathlib import Path
from typing import Any, Generic, Optional, Sequence, TypeVar

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from .. import __version__
from .. import errors as error_classes
from ..config import Settings
from ..errors import (AuthError, BadParameterError, NotFoundError, SitroomError, TooLargeError,
                      UnsupportedFormatError)
from ..ingest import Overrides, read_path
from ..models import (Article, Dispute, Event, Figure, ItemError, MergedEvent, Position, Quote, RawItem, Story,
                      TimeExpr)
from ..pipeline import STAGES, process_shard
from ..runner import pipeline_version, raw_hash
from ..stage import Context, Stage
from ..store import Store
from ..store import queries
from ..store.db import MATCH_END, MATCH_START

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
MAX_LIMIT = 500
DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UPLOAD_FILES = 20
# The suffixes an upload may have, longest first (the readers pick by suffix).
UPLOAD_SUFFIXES = (".warc.gz", ".jsonl.gz", ".html.gz", ".htm.gz", ".warc", ".jsonl", ".ndjson", ".json", ".xml",
                   ".rss", ".atom", ".html", ".htm", ".txt", ".text")
DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # same-origin, not no-referrer: with no-referrer browsers send "Origin: null" on form posts,
    # which the cross-site check below must refuse.
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


class ForbiddenError(SitroomError):
    http_status = 403


# --------------------------------------------------------------------------- response models

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    total: int = Field(description="rows matching the filters")
    limit: int
    offset: int
    items: list[T]


class ArticleSummary(BaseModel):
    id: str
    title: Optional[str] = None
    outlet: Optional[str] = None
    published: Optional[str] = None
    genre: Optional[str] = None
    language: Optional[str] = None
    url: Optional[str] = None
    format: str
    duplicate_of: Optional[str] = None
    duplicate_kind: Optional[str] = None
    chars: int
    events: int
    quotes: int
    figures: int
    times: int


class Duplicate(BaseModel):
    id: str
    outlet: Optional[str] = None
    published: Optional[str] = None
    url: Optional[str] = None
    duplicate_kind: Optional[str] = None


class Duplicates(BaseModel):
    id: str
    duplicate_of: Optional[str] = Field(None, description="the canonical copy when this article is a reprint")
    duplicate_kind: Optional[str] = None
    duplicates: list[Duplicate] = Field(description="reprints linked to this article")


class ActorRow(BaseModel):
    id: str
    name: str
    country: Optional[str] = None
    sector: Optional[str] = None
    articles: int
    mentions: int


class ActorArticle(BaseModel):
    id: str
    title: Optional[str] = None
    outlet: Optional[str] = None
    published: Optional[str] = None
    mentions: int


class Partner(BaseModel):
    id: str
    name: str
    count: int
    direction: Optional[str] = Field(None, description="out (actor→partner), in, both; null for co-mentions")


class Network(BaseModel):
    basis: str = Field(description="'events' (source↔target) or 'articles' (co-mentioned) while no events exist")
    center: dict[str, str]
    partners: list[Partner]


class ActorDetail(BaseModel):
    id: str
    name: str
    country: Optional[str] = None
    sector: Optional[str] = None
    code: Optional[str] = None
    role: Optional[str] = None
    titles_in_text: list[str]
    mentions: int
    events_as_source: int
    events_as_target: int
    quotes: int
    articles: list[ActorArticle]
    network: Network


class _InArticle(BaseModel):
    article_id: str
    title: Optional[str] = None
    outlet: Optional[str] = None
    published: Optional[str] = None


class EventRow(_InArticle):
    quad: str = Field(description="PLOVER quad: verbal/material cooperation/conflict, or other")
    event: Event


class QuoteRow(_InArticle):
    quote: Quote


class FigureRow(_InArticle):
    figure: Figure


class TimeRow(_InArticle):
    time: TimeExpr


class SearchHit(BaseModel):
    id: str
    title: Optional[str] = None
    outlet: Optional[str] = None
    published: Optional[str] = None
    snippet: str = Field(description="plain text around the matches")
    parts: list[tuple[str, bool]] = Field(description="the snippet as (text, is_match) pieces, for highlighting")
    score: float


class SearchResult(BaseModel):
    q: str
    articles: list[SearchHit]
    quotes: list[QuoteRow]


class IngestResult(BaseModel):
    stored: int
    unchanged: int
    duplicates_exact: int
    duplicates_near: int
    ids: list[str]
    errors: list[ItemError]


class ErrorBody(BaseModel):
    type: str
    message: str
    status: int


class ErrorResponse(BaseModel):
    error: ErrorBody


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "a bad query parameter"},
    404: {"model": ErrorResponse, "description": "unknown id"},
}


# --------------------------------------------------------------------------- helpers

def snippet_parts(snippet: str) -> list[tuple[str, bool]]:
    """Split a store snippet on its match markers into (text, is_match) pieces."""
    pieces = snippet.replace(MATCH_END, MATCH_START).split(MATCH_START)
    return [(piece, bool(i % 2)) for i, piece in enumerate(pieces) if piece]


def search_all(store: Store, q: str, limit: int = 20) -> dict[str, Any]:
    found, quote_rows = queries.search(store, q, limit=limit)
    hits = [dict(hit, published=str(hit["published"]) if hit["published"] else None,
                 parts=snippet_parts(hit["snippet"] or ""),
                 snippet=(hit["snippet"] or "").replace(MATCH_START, "").replace(MATCH_END, ""))
            for hit in found]
    return {"q": q, "articles": hits, "quotes": [_row(r, "quote") for r in quote_rows]}


def _row(row: dict[str, Any], name: str) -> dict[str, Any]:
    return {"article_id": row["article_id"], "title": row["title"], "outlet": row["outlet"],
            "published": row["published"], name: row["record"]}


def error_response(exc: SitroomError) -> JSONResponse:
    return JSONResponse({"error": exc.to_dict()}, status_code=exc.http_status)


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


def check_same_origin(request: Request) -> None:
    """Refuse cross-site writes (a page elsewhere posting a form to the local server)."""
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise ForbiddenError("cross-site request refused")
    origin = request.headers.get("origin")
    if origin and origin != "null":
        host = request.headers.get("host", "")
        if re.sub(r"^[a-z]+://", "", origin.lower()) != host.lower():
            raise ForbiddenError("cross-origin request refused")
    elif origin == "null" and request.headers.get("sec-fetch-site") != "same-origin":
        raise ForbiddenError("request from an opaque origin refused")


def check_token(expected: Optional[str], given: Optional[str]) -> None:
    if expected is None:
        return
    if not given or not secrets.compare_digest(given.encode(), expected.encode()):
        raise AuthError("a valid token is required: send 'Authorization: Bearer TOKEN'")


def bearer(request: Request) -> Optional[str]:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def upload_suffix(filename: str) -> str:
    name = (filename or "").lower()
    for suffix in UPLOAD_SUFFIXES:
        if name.endswith(suffix):
            return suffix
    raise UnsupportedFormatError(
        f"unsupported file type for {safe_name(filename)!r}; expected one of {', '.join(UPLOAD_SUFFIXES)}")


def safe_name(filename: str) -> str:
    """A display name for an upload: its last path component, harmless characters only."""
    base = re.split(r"[\\/]", filename or "")[-1]
    return (re.sub(r"[^A-Za-z0-9._ -]", "_", base).strip(" .") or "upload")[:120]


class Ingester:
    """Runs the pipeline on uploads inside the server process (one upload at a time)."""

    def __init__(self, store: Store, stages: Sequence[Stage] = STAGES, settings: Optional[Settings] = None):
        self.store = store
        self.stages = tuple(stages)
        self.settings = settings or Settings(workers=1, max_file_bytes=20 * 1024 * 1024)
        self.context = Context(settings=self.settings)
        self.version = pipeline_version(self.stages)
        self.lock = threading.Lock()

    def run(self, uploads: list[tuple[str, bytes]], pasted: Optional[str] = None, *,
            title: Optional[str] = None, overrides: Overrides = Overrides()) -> dict[str, Any]:
        items: list[RawItem] = []
        errors: list[ItemError] = []
        for filename, _ in uploads:
            upload_suffix(filename)  # every file is checked before any is processed
        with tempfile.TemporaryDirectory(prefix="sitroom-upload-") as tmp:
            named = [(safe_name(name), data, upload_suffix(name)) for name, data in uploads]
            if pasted is not None and pasted.strip():
                named.append(("pasted text", pasted.encode("utf-8"), ".txt"))
            for index, (display, data, suffix) in enumerate(named):
                digest = hashlib.sha1(data).hexdigest()[:16]
                path = Path(tmp) / f"{index:03d}-{digest}{suffix}"  # generated: no request text in the path
                path.write_bytes(data)
                prefix = f"paste:{digest}" if display == "pasted text" else f"upload:{digest}/{display}"
                for item in read_path(path, overrides, max_file_bytes=self.settings.max_file_bytes,
                                      max_item_chars=self.settings.max_item_chars):
                    if isinstance(item, ItemError):
                        errors.append(item.model_copy(update={"path": display, "key": prefix}))
                        continue
                    update: dict[str, Any] = {"key": item.key.replace(str(path), prefix, 1), "path": display}
                    if title and display == "pasted text":
                        update["title"] = title
                    items.append(item.model_copy(update=update))
        with self.lock:
            hashes = {item.key: raw_hash(item) for item in items}
            known = self.store.known(list(hashes))
            todo = [item for item in items if known.get(item.key) != (hashes[item.key], self.version)]
            result = process_shard(todo, self.context, self.stages)
            all_errors = errors + list(result.errors)
            put = self.store.put_batch([(a, hashes[a.key]) for a in result.articles], self.version, all_errors)
            queries.invalidate(self.store)
        if not put.stored and len(todo) == len(items) and all_errors:
            raise _error_from(all_errors[0])
        return {"stored": put.stored, "unchanged": len(items) - len(todo), "duplicates_exact": put.exact,
                "duplicates_near": put.near, "ids": put.ids, "errors": all_errors}


def _error_from(item: ItemError) -> SitroomError:
    cls = getattr(error_classes, item.error, None)
    if not (isinstance(cls, type) and issubclass(cls, SitroomError)):
        cls = error_classes.InputError
    return cls(f"{item.path}: {item.message}")


async def read_upload(request: Request, max_bytes: int) -> tuple[list[tuple[str, bytes]], dict[str, str]]:
    """The files and text fields of a multipart/urlencoded body, refusing bodies over max_bytes."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ("multipart/form-data", "application/x-www-form-urlencoded"):
        raise UnsupportedFormatError("send multipart/form-data (files) or application/x-www-form-urlencoded (text)")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise TooLargeError(f"upload is over the {max_bytes / 1e6:.1f} MB limit")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise TooLargeError(f"upload is over the {max_bytes / 1e6:.1f} MB limit")
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": bytes(body), "more_body": False}

    try:
        form = await Request(request.scope, receive).form(max_files=MAX_UPLOAD_FILES, max_fields=50,
                                                          max_part_size=max_bytes)
    except StarletteHTTPException as exc:
        raise error_classes.MalformedInputError(f"bad form data: {exc.detail}") from exc
    files: list[tuple[str, bytes]] = []
    fields: dict[str, str] = {}
    for name, value in form.multi_items():
        if isinstance(value, str):
            fields[name] = value
        elif name == "files" or name == "file":
            data = await value.read()
            if data or value.filename:
                files.append((value.filename or "upload", data))
    await form.close()
    return files, fields


def overrides_from(fields: dict[str, str]) -> Overrides:
    published = fields.get("published", "").strip()
    try:
        day = date.fromisoformat(published) if published else None
    except ValueError:
        raise BadParameterError("published must be YYYY-MM-DD") from None
    return Overrides(outlet=fields.get("outlet", "").strip() or None, published=day,
                     url=fields.get("url", "").strip() or None)


# --------------------------------------------------------------------------- the API router

def api_router(store: Store) -> APIRouter:
    router = APIRouter(prefix="/api", responses=ERROR_RESPONSES)
    Limit = Query(50, ge=1, le=MAX_LIMIT, description=f"rows per page (1–{MAX_LIMIT})")
    Offset = Query(0, ge=0, le=10_000_000, description="rows to skip")

    def page(total: int, limit: int, offset: int, items: list) -> dict[str, Any]:
        return {"total": total, "limit": limit, "offset": offset, "items": items}

    @router.get("/articles", response_model=Page[ArticleSummary], tags=["articles"])
    def list_articles(genre: Optional[str] = Query(None, pattern="^(news|opinion|other)$"),
                      outlet: Optional[str] = Query(None, max_length=200),
                      language: Optional[str] = Query(None, max_length=16),
                      q: Optional[str] = Query(None, max_length=500, description="full-text query"),
                      duplicates: bool = Query(True, description="include linked reprints"),
                      limit: int = Limit, offset: int = Offset):
        """Articles in (published, id) order, without their text; filter and page."""
        total, rows = queries.article_summaries(store, genre=genre, outlet=outlet, language=language, q=q,
                                                include_duplicates=duplicates, limit=limit, offset=offset)
        return page(total, limit, offset, rows)

    @router.get("/articles/{article_id}", response_model=Article, tags=["articles"])
    def get_article(article_id: str):
        """One article with every record (id or a unique prefix of 6+ characters)."""
        return store.get(article_id)

    @router.get("/articles/{article_id}/duplicates", response_model=Duplicates, tags=["articles"])
    def article_duplicates(article_id: str):
        """Reprints linked to this article, and what it is a reprint of."""
        article = store.get(article_id)
        rows = [dict(d, published=str(d["published"]) if d["published"] else None)
                for d in store.duplicates_of(article.id)]
        return {"id": article.id, "duplicate_of": article.duplicate_of, "duplicate_kind": article.duplicate_kind,
                "duplicates": rows}

    @router.get("/actors", response_model=Page[ActorRow], tags=["actors"])
    def list_actors(q: Optional[str] = Query(None, max_length=200), country: Optional[str] = Query(None, max_length=8),
                    sector: Optional[str] = Query(None, max_length=8),
                    sort: str = Query("mentions", pattern="^(mentions|articles|name)$"),
                    limit: int = Limit, offset: int = Offset):
        """Actors with the number of articles they appear in and their mentions."""
        total, rows = queries.actors(store, q=q, country=country, sector=sector, sort=sort, limit=limit,
                                     offset=offset)
        return page(total, limit, offset, rows)

    @router.get("/actors/{actor_id:path}", response_model=ActorDetail, tags=["actors"])
    def get_actor(actor_id: str):
        """An actor's profile, articles and interaction network (see /api/events?actor= for its events)."""
        profile = queries.actor_profile(store, actor_id)
        if profile is None:
            raise NotFoundError(f"no actor with id {actor_id!r}")
        return dict(profile, network=queries.actor_network(store, actor_id))

    @router.get("/events", response_model=Page[EventRow], tags=["events"])
    def list_events(actor: Optional[str] = Query(None, max_length=128, description="actor id (source or target)"),
                    role: str = Query("any", pattern="^(any|source|target)$"),
                    type: Optional[str] = Query(None, max_length=200, description="PLOVER type(s), comma-separated"),
                    quad: Optional[str] = Query(None, max_length=40),
                    modality: Optional[str] = Query(None, max_length=200, description="modality, comma-separated"),
                    date_from: Optional[str] = Query(None, alias="from", pattern=DATE_PATTERN),
                    date_to: Optional[str] = Query(None, alias="to", pattern=DATE_PATTERN),
                    article: Optional[str] = Query(None, max_length=32),
                    min_confidence: Optional[float] = Query(None, ge=0, le=1),
                    sort: str = Query("date", description=", ".join(sorted(queries.EVENT_SORTS))),
                    limit: int = Limit, offset: int = Offset):
        """PLOVER events filtered by actor, type, quad, modality, date range, article; sorted."""
        total, rows = queries.events(store, actor=actor, role=role, type=type, quad_name=quad, modality=modality,
                                     date_from=date_from, date_to=date_to, article=article,
                                     min_confidence=min_confidence, sort=sort, limit=limit, offset=offset)
        return page(total, limit, offset, rows_for_events(rows))

    @router.get("/quotes", response_model=Page[QuoteRow], tags=["records"])
    def list_quotes(speaker: Optional[str] = Query(None, max_length=200,
                                                   description="actor id or part of the speaker's name"),
                    kind: Optional[str] = Query(None, pattern="^(direct|partial|indirect)$"),
                    article: Optional[str] = Query(None, max_length=32),
                    q: Optional[str] = Query(None, max_length=200, description="words in the quote"),
                    limit: int = Limit, offset: int = Offset):
        total, rows = queries.quotes(store, speaker=speaker, kind=kind, article=article, q=q, limit=limit,
                                     offset=offset)
        return page(total, limit, offset, [_row(r, "quote") for r in rows])

    @router.get("/figures", response_model=Page[FigureRow], tags=["records"])
    def list_figures(category: Optional[str] = Query(None, max_length=32),
                     article: Optional[str] = Query(None, max_length=32),
                     limit: int = Limit, offset: int = Offset):
        total, rows = queries.figures(store, category=category, article=article, limit=limit, offset=offset)
        return page(total, limit, offset, [_row(r, "figure") for r in rows])

    @router.get("/times", response_model=Page[TimeRow], tags=["records"])
    def list_times(type: Optional[str] = Query(None, pattern="^(DATE|TIME|DURATION|SET|date|time|duration|set)$"),
                   value: Optional[str] = Query(None, max_length=64, description="TIMEX value prefix"),
                   article: Optional[str] = Query(None, max_length=32),
                   limit: int = Limit, offset: int = Offset):
        total, rows = queries.times(store, type=type, value=value, article=article, limit=limit, offset=offset)
        return page(total, limit, offset, [_row(r, "time") for r in rows])

    @router.get("/search", response_model=SearchResult, tags=["search"])
    def search(q: str = Query(..., min_length=1, max_length=500, description='words, "phrases", OR, NOT, prefix*'),
               limit: int = Query(20, ge=1, le=100)):
        """Full-text search over articles (with snippets) and quotes."""
        return search_all(store, q, limit)

    @router.get("/stories", response_model=list[Story], tags=["stories"])
    def list_stories(since: Optional[str] = Query(None, pattern=DATE_PATTERN, description="active since"),
                     limit: int = Limit):
        """Stories (groups of articles about one unfolding story), largest first."""
        return store.stories(limit=limit, since=since)

    @router.get("/stories/{story_id}", response_model=Story, tags=["stories"])
    def get_story(story_id: str):
        """One story: its label, key actors and terms, articles, outlets and date span."""
        return store.story(story_id)

    @router.get("/timeline", response_model=list[MergedEvent], tags=["stories"])
    def get_timeline(story: Optional[str] = Query(None, max_length=40),
                     actor: Optional[str] = Query(None, max_length=128, description="actor id, source or target"),
                     other: Optional[str] = Query(None, alias="with", max_length=128,
                                                  description="with actor: events between the two"),
                     since: Optional[str] = Query(None, pattern=DATE_PATTERN),
                     include_negated: bool = Query(False)):
        """Merged events in time order for a story or an actor (pair), with their sources."""
        if not story and not actor:
            raise BadParameterError("give story or actor")
        story_id = store.story(story).id if story else None
        return [e for e in store.merged_events(story=story_id, actor=actor, other=other, since=since)
                if include_negated or e.modality != "negated"]

    @router.get("/positions", response_model=list[Position], tags=["stories"])
    def get_positions(actor: Optional[str] = Query(None, max_length=128),
                      by_country: bool = Query(False, description="group actors by country code"),
                      since: Optional[date] = Query(None)):
        """What each actor demands, offers, accepts, rejects or threatens per negotiation issue."""
        from ..crossdoc.positions import stored_positions
        return stored_positions(store, actor=actor, since=since, by_country=by_country)

    @router.get("/disputes", response_model=list[Dispute], tags=["stories"])
    def get_disputes(kind: Optional[str] = Query(None, pattern="^(figure|title|agree_reject|unattributed)$")):
        """Contradictions between sources, each with a kind, a severity, an explanation and both sides."""
        from ..crossdoc.disputes import stored_disputes
        return [d for d in stored_disputes(store) if kind is None or d.kind == kind]

    @router.get("/briefing", tags=["stories"])
    def get_briefing(story: Optional[str] = Query(None, max_length=40), since: Optional[date] = Query(None),
                     previous: Optional[date] = Query(None), format: str = Query("json", pattern="^(json|md|html)$")):
        """A cited briefing (JSON, or rendered as Markdown or HTML)."""
        from ..crossdoc.brief import full_briefing, render
        briefing = full_briefing(store, story=story, since=since, previous=previous)
        if format == "json":
            return JSONResponse(json.loads(briefing.model_dump_json()))
        body = render(briefing, format)
        return PlainTextResponse(body, media_type="text/markdown; charset=utf-8") if format == "md" \
            else HTMLResponse(body)

    @router.get("/stats", tags=["stats"])
    def stats() -> dict[str, Any]:
        """Counts: articles, duplicates, genres, languages, outlets, records, errors; events by quad and month."""
        data = dict(queries.stats(store))
        data["published"] = [str(v) if v else None for v in data["published"]]
        data["event_types"] = queries.event_type_counts(store)
        data["quads_by_month"] = queries.quad_months(store)
        data["articles_by_month"] = queries.months_of_articles(store)
        data["version"] = __version__
        return data

    return router


def rows_for_events(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"article_id": r["article_id"], "title": r["title"], "outlet": r["outlet"], "published": r["published"],
             "quad": r["quad"], "event": r["event"]} for r in rows]


def ingest_router(store: Store, ingester: Ingester, *, token: Optional[str], max_bytes: int) -> APIRouter:
    router = APIRouter(prefix="/api")

    @router.post("/ingest", response_model=IngestResult, tags=["ingest"], responses={
        401: {"model": ErrorResponse}, 403: {"model": ErrorResponse}, 413: {"model": ErrorResponse},
        415: {"model": ErrorResponse}, 422: {"model": ErrorResponse}},
        openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "properties": {
                "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                "text": {"type": "string", "description": "pasted article text (first line: headline)"},
                "title": {"type": "string"}, "outlet": {"type": "string"},
                "published": {"type": "string", "format": "date"}, "url": {"type": "string"}}}}}}})
    async def ingest(request: Request):
        """Upload files (text, HTML, feeds, JSONL, WARC) or pasted text; runs the pipeline and stores the result."""
        check_same_origin(request)
        check_token(token, bearer(request))
        files, fields = await read_upload(request, max_bytes)
        if not files and not fields.get("text", "").strip():
            raise error_classes.EmptyInputError("nothing to ingest: send files or a text field")
        result = await run_in_threadpool(ingester.run, files, fields.get("text"), title=fields.get("title"),
                                         overrides=overrides_from(fields))
        return result

    return router


def disabled_ingest_router() -> APIRouter:
    router = APIRouter(prefix="/api")

    @router.post("/ingest", include_in_schema=False)
    async def ingest_off():
        raise ForbiddenError("ingest is off on this server (start it with --allow-ingest)")

    return router


# --------------------------------------------------------------------------- the app

def create_app(store: Store, *, allow_ingest: bool = False, token: Optional[str] = None,
               max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES, allowed_hosts: Optional[Sequence[str]] = None,
               ingest_stages: Sequence[Stage] = STAGES) -> FastAPI:
    """The situation-room app over ``store``: JSON API, pages, static files.

    ``allowed_hosts`` (e.g. the loopback names when serving on 127.0.0.1) refuses other
    Host headers, which stops DNS-rebinding pages from reading the local server.
    ``ingest_stages`` is what uploads run through (tests pass the ingest stages only).
    """
    from .web import web_router  # the pages import helpers from this module

    app = FastAPI(title="sitroom", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json",
                  description="The situation room's HTTP API: articles, actors, PLOVER events, quotes, figures, "
                              "time expressions, search and stats. Errors are "
                              '`{"error": {"type", "message", "status"}}`.')
    app.state.store = store
    app.state.allow_ingest = allow_ingest
    app.state.token = token
    app.state.max_upload_bytes = max_upload_bytes
    ingester = Ingester(store, ingest_stages) if allow_ingest else None
    app.state.ingester = ingester

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if is_api(request) or request.url.path == "/openapi.json":
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    if allowed_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))

    @app.exception_handler(SitroomError)
    async def sitroom_error(request: Request, exc: SitroomError):
        if is_api(request):
            return error_response(exc)
        from .web import error_page
        return error_page(request, exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        problems = exc.errors()
        where = {str(p.get("loc", ("",))[0]) for p in problems}
        message = "; ".join(f"{'.'.join(str(x) for x in p.get('loc', ())[1:]) or 'request'}: {p.get('msg')}"
                            for p in problems)[:500]
        error: SitroomError = (BadParameterError(message) if where <= {"query", "path", "header", "cookie"}
                               else error_classes.InputError(message))
        return await sitroom_error(request, error)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        cls = {404: NotFoundError, 400: BadParameterError, 401: AuthError, 413: TooLargeError,
               415: UnsupportedFormatError}.get(exc.status_code)
        if cls is None:
            error = SitroomError(str(exc.detail))
            error.http_status = exc.status_code  # e.g. 405 method not allowed
        else:
            error = cls("no such page" if exc.status_code == 404 else str(exc.detail))
        response = await sitroom_error(request, error)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    app.include_router(api_router(store))
    if ingester is not None:
        app.include_router(ingest_router(store, ingester, token=token, max_bytes=max_upload_bytes))
    else:
        app.include_router(disabled_ingest_router())
    app.include_router(web_router(store))
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


def is_loopback(host: str) -> bool:
    return host in LOOPBACK_HOSTS or host.startswith("127.")


__all__ = ["create_app", "Ingester", "CSP", "snippet_parts", "search_all", "is_loopback"]
