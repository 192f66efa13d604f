"""Server-rendered pages of the situation room, and ``serve`` (what ``sitroom serve`` calls).

Pages: overview, articles, article reader, actors, actor, events (with CSV/JSONL
export), quotes, figures, search and ingest (only when allowed). Templates are Jinja2
with autoescape on; article text is hostile, so the reader builds its highlight markup
from record offsets, escaping every piece of text separately, and charts are inline SVG
computed here (no JS library). The little JavaScript there is lives in /static/app.js.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import secrets
import threading
import webbrowser
from datetime import date
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from .. import __version__
from ..errors import BadParameterError, SitroomError
from ..models import Article
from ..store import Store
from ..store import queries
from .api import (DATE_PATTERN, LOOPBACK_HOSTS, MAX_LIMIT, Ingester, check_same_origin, check_token, is_loopback,
                  overrides_from, read_upload, search_all)

HERE = Path(__file__).resolve().parent
QUAD_CLASSES = {"verbal cooperation": "q-vc", "material cooperation": "q-mc", "verbal conflict": "q-vx",
                "material conflict": "q-mx", "other": "q-ot"}
QUAD_ORDER = list(QUAD_CLASSES)
MENTION_LABELS = ("PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "LAW", "PRODUCT", "ACTOR", "AGENT")
PAGE_SIZE = 50
EXPORT_MAX = 1_000_000  # events in one export
EXPORT_PAGE = 2_000  # read from the store this many at a time while streaming

_env = Environment(loader=FileSystemLoader(str(HERE / "templates")),
                   autoescape=select_autoescape(enabled_extensions=("html", "svg"), default=True),
                   trim_blocks=True, lstrip_blocks=True)
_env.globals["quad_classes"] = QUAD_CLASSES


def path_segment(value: Any) -> str:
    """A value made safe as one URL path segment (ids come from articles: '/' or '..' stay inert)."""
    return quote(str(value), safe="")


def web_url(value: Any) -> Optional[str]:
    """Only http(s) links are rendered as links; a javascript: or data: URL from a feed stays text."""
    text = str(value or "").strip()
    return text if re.match(r"^https?://", text, re.I) else None


_env.filters["seg"] = path_segment
_env.filters["web_url"] = web_url
templates = Jinja2Templates(env=_env)


# --------------------------------------------------------------------------- highlighting

def _tooltip_record(kind: str, record: Any) -> dict[str, Any]:
    data = record.model_dump(mode="json", exclude_none=True)
    for key in ("start", "end", "sentence", "id"):
        data.pop(key, None)
    return {"kind": kind, **{k: v for k, v in data.items() if v not in ([], "", {})}}


def annotations(article: Article) -> list[tuple[int, int, str, str, Any]]:
    """(start, end, key, css class, record) for every record with offsets into the text."""
    out: list[tuple[int, int, str, str, Any]] = []
    for i, m in enumerate(article.mentions):
        label = m.label if m.label in MENTION_LABELS else "OTHER"
        out.append((m.start, m.end, f"m{i}", f"hl-m lab-{label}", m))
    for i, t in enumerate(article.times):
        out.append((t.start, t.end, f"t{i}", "hl-t", t))
    for i, f in enumerate(article.figures):
        out.append((f.start, f.end, f"f{i}", "hl-f", f))
    for i, q in enumerate(article.quotes):
        out.append((q.start, q.end, f"q{i}", "hl-q", q))
    for i, e in enumerate(article.events):
        if e.trigger is not None:
            out.append((e.trigger.start, e.trigger.end, f"e{i}", "hl-e", e))
        else:
            out.append((e.start, e.end, f"e{i}", "hl-es", e))
    return out


KIND_OF = {"m": "mention", "t": "time", "f": "figure", "q": "quote", "e": "event"}


def _summary(key: str, record: Any) -> str:
    kind = KIND_OF[key[0]]
    if kind == "mention":
        return f"{record.label}: {record.text}" + (f" → {record.actor_id}" if record.actor_id else "")
    if kind == "time":
        return f"time {record.type} {record.value}"
    if kind == "figure":
        return f"figure {record.category or ''} {record.value if record.value is not None else ''} {record.unit or ''}"
    if kind == "quote":
        return f"quote ({record.kind})" + (f" by {record.speaker_text}" if record.speaker_text else "")
    sources = ", ".join(a.text for a in record.source) or "?"
    targets = ", ".join(a.text for a in record.target) or "?"
    return f"event {record.type} [{record.modality}] {sources} → {targets}"


def highlight(article: Article) -> tuple[Markup, dict[str, Any]]:
    """The article text as markup with every record as a span, and the records for the tooltips.

    The text is cut at every record boundary; each piece is escaped on its own and
    wrapped in one span carrying the classes and keys of all records covering it, so
    overlapping records (a mention inside a quote inside an event sentence) never
    produce crossed tags. Offsets out of range are clamped, empty ones skipped.
    """
    text = article.text
    size = len(text)
    spans = []
    for start, end, key, css, record in annotations(article):
        start, end = max(0, min(start, size)), max(0, min(end, size))
        if end > start:
            spans.append((start, end, key, css, record))
    cuts = sorted({0, size, *(s for s, *_ in spans), *(e for _, e, *_ in spans)})
    starts: dict[int, list] = {}
    for span in spans:
        starts.setdefault(span[0], []).append(span)
    active: list = []
    parts: list[str] = []
    for left, right in zip(cuts, cuts[1:]):
        active = [s for s in active if s[1] > left] + starts.get(left, [])
        piece = str(escape(text[left:right]))
        if not active:
            parts.append(piece)
            continue
        classes = " ".join(sorted({name for span in active for name in span[3].split()}))
        keys = " ".join(s[2] for s in active)
        title = " · ".join(_summary(s[2], s[4]) for s in active)
        actor = next((s[4].actor_id for s in active if s[2][0] == "m" and s[4].actor_id), None)
        inner = (f'<a href="/actors/{escape(path_segment(actor))}">{piece}</a>' if actor else piece)
        parts.append(f'<span class="hl {escape(classes)}" data-ann="{escape(keys)}" title="{escape(title)}" '
                     f'tabindex="0">{inner}</span>')
    records = {key: _tooltip_record(KIND_OF[key[0]], record) for _, _, key, _, record in spans}
    return Markup("".join(parts)), records


def snippet_markup(parts: Iterable[tuple[str, bool]]) -> Markup:
    return Markup("".join(f"<mark>{escape(text)}</mark>" if match else str(escape(text)) for text, match in parts))


# --------------------------------------------------------------------------- SVG charts

def bar_chart(series: dict[str, dict[str, int]], keys: list[str], *, width: int = 760, height: int = 220,
              classes: Optional[dict[str, str]] = None) -> Optional[dict[str, Any]]:
    """Geometry of a stacked bar chart (one bar per month, stacked by key) for the template."""
    if not series:
        return None
    classes = classes or {}
    left, bottom, top = 36, 38, 10
    months = list(series)
    plot_w, plot_h = width - left - 8, height - bottom - top
    step = plot_w / len(months)
    bar_w = max(2.0, min(36.0, step * 0.8))
    peak = max(sum(v.values()) for v in series.values()) or 1
    every = max(1, math.ceil(len(months) / 12))
    bars, labels = [], []
    for i, month in enumerate(months):
        x = left + i * step + (step - bar_w) / 2
        y = top + plot_h
        for key in keys:
            count = series[month].get(key, 0)
            if not count:
                continue
            h = plot_h * count / peak
            y -= h
            bars.append({"x": round(x, 1), "y": round(y, 1), "w": round(bar_w, 1), "h": round(h, 1),
                         "cls": classes.get(key, "bar"), "title": f"{month}: {key} {count}"})
        if i % every == 0:
            labels.append({"x": round(x + bar_w / 2, 1), "y": height - bottom + 14, "text": month})
    ticks = [{"y": round(top + plot_h - plot_h * v / peak, 1), "text": str(v)} for v in sorted({0, peak // 2, peak})]
    return {"width": width, "height": height, "bars": bars, "labels": labels, "ticks": ticks, "left": left,
            "right": width - 8, "legend": [(k, classes.get(k, "bar")) for k in keys]}


def network_chart(network: dict[str, Any], *, size: int = 420, margin: int = 130) -> dict[str, Any]:
    """Node and edge geometry for an actor's network: the actor in the middle, partners around
    (``margin`` on either side leaves room for the labels)."""
    width = size + 2 * margin
    cx, cy = width / 2, size / 2
    radius = size / 2 - 45
    partners = network["partners"]
    peak = max((p["count"] for p in partners), default=1)
    nodes, edges = [], []
    for i, partner in enumerate(partners):
        angle = 2 * math.pi * i / max(1, len(partners)) - math.pi / 2
        x, y = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
        edges.append({"x1": cx, "y1": cy, "x2": round(x, 1), "y2": round(y, 1),
                      "w": round(1 + 5 * partner["count"] / peak, 1), "dir": partner.get("direction") or "co",
                      "title": f"{partner['name']}: {partner['count']}"})
        anchor = "start" if math.cos(angle) > 0.2 else "end" if math.cos(angle) < -0.2 else "middle"
        dy = 18 if math.sin(angle) > 0.5 else -10 if math.sin(angle) < -0.5 else 4
        dx = 10 if anchor == "start" else -10 if anchor == "end" else 0
        nodes.append({"x": round(x, 1), "y": round(y, 1), "r": round(5 + 5 * partner["count"] / peak, 1),
                      "id": partner["id"], "name": _short(partner["name"], 26), "count": partner["count"],
                      "anchor": anchor, "lx": round(x + dx, 1), "ly": round(y + dy, 1)})
    return {"width": width, "size": size, "cx": cx, "cy": cy, "nodes": nodes, "edges": edges,
            "center": network["center"], "basis": network["basis"]}


def _short(text: str, size: int) -> str:
    return text if len(text) <= size else text[:size - 1] + "…"


def number(value: Any) -> str:
    """A figure's value for reading: 300000000000.0 -> '300,000,000,000', 0.2 -> '0.2'."""
    if value is None:
        return "–"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.4g}" if abs(value) < 1e15 else f"{value:.3g}"


_env.filters["number"] = number


# --------------------------------------------------------------------------- exports

PLOVER_CSV_COLUMNS = ("id", "article_id", "published", "outlet", "title", "date", "type", "quad", "mode", "context",
                      "cameo", "modality", "reported_by", "source_ids", "source_text", "target_ids", "target_text",
                      "location", "trigger", "confidence", "rule", "text")


def _cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (text comes from articles)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def event_csv(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(PLOVER_CSV_COLUMNS)
    for row in rows:
        e = row["event"]
        writer.writerow([_cell(v) for v in (
            e.id, row["article_id"], row["published"], row["outlet"], row["title"], e.date, e.type, row["quad"],
            e.mode, ";".join(e.context), e.cameo, e.modality, e.reported_by,
            ";".join(a.actor_id or "" for a in e.source), ";".join(a.text for a in e.source),
            ";".join(a.actor_id or "" for a in e.target), ";".join(a.text for a in e.target),
            e.location, e.trigger.text if e.trigger else None, e.confidence, e.rule, e.text)])
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def event_jsonl(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """PLOVER-style JSON lines: event/mode/context/actor/recipient plus sitroom's provenance."""
    for row in rows:
        e = row["event"]
        record = {
            "id": e.id, "date": e.date or row["published"], "event": e.type, "mode": e.mode, "context": e.context,
            "actor": e.source[0].actor_id or e.source[0].text if e.source else None,
            "actor_code": e.source[0].code if e.source else None,
            "actor_country": e.source[0].country if e.source else None,
            "recipient": e.target[0].actor_id or e.target[0].text if e.target else None,
            "recipient_code": e.target[0].code if e.target else None,
            "recipient_country": e.target[0].country if e.target else None,
            "location": e.location, "cameo": e.cameo, "quad": row["quad"], "modality": e.modality,
            "reported_by": e.reported_by, "confidence": e.confidence,
            "sources": [a.model_dump(mode="json") for a in e.source],
            "targets": [a.model_dump(mode="json") for a in e.target],
            "source_text": e.text, "trigger": e.trigger.model_dump(mode="json") if e.trigger else None,
            "offsets": [e.start, e.end], "rule": e.rule,
            "article": {"id": row["article_id"], "title": row["title"], "outlet": row["outlet"],
                        "published": row["published"]},
        }
        yield json.dumps(record, ensure_ascii=False) + "\n"


# --------------------------------------------------------------------------- pages

def _latest_development(store, story_id: str):
    """The story's most recent merged event that happened or was reported (not planned or hypothetical)."""
    events = [e for e in store.merged_events(story=story_id) if e.modality in ("asserted", "reported")]
    return events[-1] if events else None


def timeline_chart(events: list, *, width: int = 760, height: int = 150) -> Optional[dict[str, Any]]:
    """Geometry of a timeline (one dot per merged event on a date axis, stacked by day,
    sized by independent sources) for the story template. Events without a day-precise
    date sit at their first report."""
    placed = []
    for event in events:
        when = _day(event.event_date) or event.first_report
        if when:
            placed.append((when, event))
    if not placed:
        return None
    first, last = min(d for d, _ in placed), max(d for d, _ in placed)
    span = max((last - first).days, 1)
    left, right, axis_y = 20, width - 20, height - 30
    stacks: dict[Any, int] = {}
    dots = []
    for when, event in sorted(placed, key=lambda pair: (pair[0], pair[1].id)):
        level = stacks.get(when, 0)
        stacks[when] = level + 1
        dots.append({"x": round(left + (when - first).days / span * (right - left), 1),
                     "y": axis_y - 14 - level * 16, "r": min(4 + 2 * event.independent_sources, 12),
                     "quad": QUAD_CLASSES.get(queries.quad(event.type or ""), ""), "event": event,
                     "when": when.isoformat()})
    return {"width": width, "height": height, "axis_y": axis_y, "left": left, "right": right, "dots": dots,
            "first": first.isoformat(), "last": last.isoformat()}


def _day(value: Optional[str]) -> Optional[date]:
    try:
        return date.fromisoformat(value) if value and len(value) == 10 else None
    except ValueError:
        return None


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    base = {"nav_ingest": bool(getattr(request.app.state, "allow_ingest", False)), "version": __version__,
            "quad_classes": QUAD_CLASSES}
    return templates.TemplateResponse(request, name, {**base, **context}, status_code=status_code)


def error_page(request: Request, exc: SitroomError) -> HTMLResponse:
    return render(request, "error.html", {"error": exc.to_dict(), "title": f"Error {exc.http_status}"},
                  status_code=exc.http_status)


def _paging(total: int, limit: int, offset: int, request: Request) -> dict[str, Any]:
    def link(new_offset: int) -> str:
        return str(request.url.include_query_params(offset=new_offset, limit=limit))
    return {"total": total, "first": offset + 1 if total else 0, "last": min(offset + limit, total),
            "prev": link(max(0, offset - limit)) if offset > 0 else None,
            "next": link(offset + limit) if offset + limit < total else None}


def web_router(store: Store) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    Limit = Query(PAGE_SIZE, ge=1, le=MAX_LIMIT)
    Offset = Query(0, ge=0, le=10_000_000)

    @router.get("/", response_class=HTMLResponse)
    def overview(request: Request):
        stats = queries.stats(store)
        quads = queries.quad_months(store)
        months = queries.months_of_articles(store)
        actor_total, top_actors = queries.actors(store, limit=12)
        total_articles = stats["articles"]
        _, latest = queries.article_summaries(store, limit=10, offset=max(0, total_articles - 10))
        return render(request, "overview.html", {
            "title": "Overview", "stats": stats, "actor_total": actor_total, "top_actors": top_actors,
            "quad_chart": bar_chart(quads, QUAD_ORDER, classes=QUAD_CLASSES),
            "article_chart": bar_chart({m: {"articles": n} for m, n in months.items()}, ["articles"],
                                       classes={"articles": "bar"}),
            "event_types": queries.event_type_counts(store), "latest": list(reversed(latest)),
            "stories": [{"story": story, "latest": _latest_development(store, story.id)}
                        for story in store.stories(limit=10)],
            "figure_categories": queries.category_counts(store)})

    @router.get("/stories", response_class=HTMLResponse)
    def story_list(request: Request):
        return render(request, "stories.html", {"title": "Stories", "stories": store.stories(limit=MAX_LIMIT)})

    @router.get("/stories/{story_id}", response_class=HTMLResponse)
    def story_page(request: Request, story_id: str, negated: bool = False):
        from ..crossdoc.disputes import stored_disputes
        from ..crossdoc.positions import stored_positions
        from ..crossdoc.update import story_articles
        story = store.story(story_id)
        events = [e for e in store.merged_events(story=story.id) if negated or e.modality != "negated"]
        titles = queries.article_titles(store, story.articles)
        articles = story_articles(store, story)
        return render(request, "story.html", {
            "title": story.label, "story": story, "events": events, "chart": timeline_chart(events),
            "articles": [dict(titles.get(a, {}), id=a) for a in story.articles], "negated": negated,
            "actors": queries.actor_names(store, story.key_actors),
            "figures": [(a, f) for a in articles if a.duplicate_of is None for f in a.figures],
            "positions": stored_positions(store, story=story.id), "disputes": stored_disputes(store, story=story.id)})

    @router.get("/briefing", response_class=HTMLResponse)
    def briefing_page(request: Request, story: Optional[str] = Query(None, max_length=40),
                      since: Optional[date] = None, previous: Optional[date] = None):
        from ..crossdoc.brief import full_briefing
        briefing = full_briefing(store, story=story, since=since, previous=previous)
        return render(request, "briefing.html", {"title": briefing.title, "briefing": briefing,
                                                 "filters": {"story": story or "", "since": since or "",
                                                             "previous": previous or ""}})

    @router.get("/articles", response_class=HTMLResponse)
    def article_list(request: Request, genre: Optional[str] = Query(None, pattern="^(|news|opinion|other)$"),
                     outlet: Optional[str] = Query(None, max_length=200),
                     language: Optional[str] = Query(None, max_length=16),
                     q: Optional[str] = Query(None, max_length=500), canonical: bool = False,
                     limit: int = Limit, offset: int = Offset):
        total, rows = queries.article_summaries(store, genre=genre or None, outlet=outlet or None,
                                                language=language or None, q=q, include_duplicates=not canonical,
                                                limit=limit, offset=offset)
        stats = queries.stats(store)
        return render(request, "articles.html", {
            "title": "Articles", "rows": rows, "pager": _paging(total, limit, offset, request),
            "outlets": stats["outlets"], "languages": stats["languages"],
            "filters": {"genre": genre or "", "outlet": outlet or "", "language": language or "", "q": q or "",
                        "canonical": canonical}})

    @router.get("/articles/{article_id}", response_class=HTMLResponse)
    def article_page(request: Request, article_id: str):
        article = store.get(article_id)
        body, records = highlight(article)
        canonical = None
        if article.duplicate_of:
            canonical = queries.article_titles(store, [article.duplicate_of]).get(article.duplicate_of)
        return render(request, "article.html", {
            "title": article.title or "(no headline)", "article": article, "body": body, "records": records,
            "duplicates": store.duplicates_of(article.id), "canonical": canonical,
            "events": [{"event": e, "quad": queries.quad(e.type), "published": article.published,
                        "article_id": article.id} for e in article.events]})

    @router.get("/actors", response_class=HTMLResponse)
    def actor_list(request: Request, q: Optional[str] = Query(None, max_length=200),
                   country: Optional[str] = Query(None, max_length=8),
                   sector: Optional[str] = Query(None, max_length=8),
                   sort: str = Query("mentions", pattern="^(mentions|articles|name)$"),
                   limit: int = Limit, offset: int = Offset):
        total, rows = queries.actors(store, q=q or None, country=country or None, sector=sector or None, sort=sort,
                                     limit=limit, offset=offset)
        return render(request, "actors.html", {
            "title": "Actors", "rows": rows, "pager": _paging(total, limit, offset, request),
            "filters": {"q": q or "", "country": country or "", "sector": sector or "", "sort": sort}})

    @router.get("/actors/{actor_id:path}", response_class=HTMLResponse)
    def actor_page(request: Request, actor_id: str):
        profile = queries.actor_profile(store, actor_id)
        if profile is None:
            from ..errors import NotFoundError
            raise NotFoundError(f"no actor with id {actor_id!r}")
        _, as_source = queries.events(store, actor=actor_id, role="source", limit=200)
        _, as_target = queries.events(store, actor=actor_id, role="target", limit=200)
        _, quote_rows = queries.quotes(store, speaker=actor_id, limit=100)
        network = queries.actor_network(store, actor_id)
        from ..crossdoc.positions import stored_positions
        stated = stored_positions(store, actor=actor_id)
        return render(request, "actor.html", {
            "title": profile["name"], "actor": profile, "as_source": as_source, "as_target": as_target,
            "quotes": quote_rows, "network": network_chart(network), "positions": stated})

    def _event_filters(actor, role, type, quad, modality, date_from, date_to, article, sort):
        return dict(actor=actor or None, role=role or "any", type=type or None, quad_name=quad or None,
                    modality=modality or None, date_from=date_from or None, date_to=date_to or None,
                    article=article or None, sort=sort or "date")

    EventQuery = {
        "actor": Query(None, max_length=128), "role": Query("any", pattern="^(|any|source|target)$"),
        "type": Query(None, max_length=200), "quad": Query(None, max_length=40),
        "modality": Query(None, max_length=200),
        "date_from": Query(None, alias="from", pattern="^$|" + DATE_PATTERN),
        "date_to": Query(None, alias="to", pattern="^$|" + DATE_PATTERN),
        "article": Query(None, max_length=32), "sort": Query("date", max_length=20)}

    @router.get("/events", response_class=HTMLResponse)
    def event_table(request: Request, actor: Optional[str] = EventQuery["actor"], role: str = EventQuery["role"],
                    type: Optional[str] = EventQuery["type"], quad: Optional[str] = EventQuery["quad"],
                    modality: Optional[str] = EventQuery["modality"],
                    date_from: Optional[str] = EventQuery["date_from"], date_to: Optional[str] = EventQuery["date_to"],
                    article: Optional[str] = EventQuery["article"], sort: str = EventQuery["sort"],
                    limit: int = Limit, offset: int = Offset):
        filters = _event_filters(actor, role, type, quad, modality, date_from, date_to, article, sort)
        total, rows = queries.events(store, **filters, limit=limit, offset=offset)
        query = request.url.query
        return render(request, "events.html", {
            "title": "Events", "rows": rows, "pager": _paging(total, limit, offset, request),
            "filters": {"actor": actor or "", "role": role or "any", "type": type or "", "quad": quad or "",
                        "modality": modality or "", "from": date_from or "", "to": date_to or "",
                        "article": article or "", "sort": sort or "date"},
            "types": queries.event_type_counts(store), "quads": QUAD_ORDER[:-1],
            "modalities": ["asserted", "negated", "hypothetical", "planned", "recommended", "reported"],
            "sorts": sorted(queries.EVENT_SORTS), "export_query": query})

    def _export(request: Request, fmt: str, **params):
        filters = _event_filters(**params)
        queries.events(store, **filters, limit=1)  # bad filters fail here, as a 400, before streaming starts

        def rows() -> Iterator[dict[str, Any]]:
            for offset in range(0, EXPORT_MAX, EXPORT_PAGE):
                _, page = queries.events(store, **filters, limit=min(EXPORT_PAGE, EXPORT_MAX - offset), offset=offset)
                yield from page
                if len(page) < EXPORT_PAGE:
                    return

        if fmt == "csv":
            body, media = event_csv(rows()), "text/csv; charset=utf-8"
        else:
            body, media = event_jsonl(rows()), "application/x-ndjson; charset=utf-8"
        return StreamingResponse(body, media_type=media, headers={
            "Content-Disposition": f'attachment; filename="sitroom-events.{fmt}"'})

    @router.get("/events.csv")
    def events_csv(request: Request, actor: Optional[str] = EventQuery["actor"], role: str = EventQuery["role"],
                   type: Optional[str] = EventQuery["type"], quad: Optional[str] = EventQuery["quad"],
                   modality: Optional[str] = EventQuery["modality"],
                   date_from: Optional[str] = EventQuery["date_from"], date_to: Optional[str] = EventQuery["date_to"],
                   article: Optional[str] = EventQuery["article"], sort: str = EventQuery["sort"]):
        return _export(request, "csv", actor=actor, role=role, type=type, quad=quad, modality=modality,
                       date_from=date_from, date_to=date_to, article=article, sort=sort)

    @router.get("/events.jsonl")
    def events_jsonl(request: Request, actor: Optional[str] = EventQuery["actor"], role: str = EventQuery["role"],
                     type: Optional[str] = EventQuery["type"], quad: Optional[str] = EventQuery["quad"],
                     modality: Optional[str] = EventQuery["modality"],
                     date_from: Optional[str] = EventQuery["date_from"],
                     date_to: Optional[str] = EventQuery["date_to"],
                     article: Optional[str] = EventQuery["article"], sort: str = EventQuery["sort"]):
        return _export(request, "jsonl", actor=actor, role=role, type=type, quad=quad, modality=modality,
                       date_from=date_from, date_to=date_to, article=article, sort=sort)

    @router.get("/quotes", response_class=HTMLResponse)
    def quote_table(request: Request, speaker: Optional[str] = Query(None, max_length=200),
                    q: Optional[str] = Query(None, max_length=200), limit: int = Limit, offset: int = Offset):
        total, rows = queries.quotes(store, speaker=speaker or None, q=q or None, limit=limit, offset=offset)
        return render(request, "quotes.html", {
            "title": "Quotes", "rows": rows, "pager": _paging(total, limit, offset, request),
            "filters": {"speaker": speaker or "", "q": q or ""}})

    @router.get("/figures", response_class=HTMLResponse)
    def figure_table(request: Request, category: Optional[str] = Query(None, max_length=32),
                     limit: int = Limit, offset: int = Offset):
        total, rows = queries.figures(store, category=category or None, limit=limit, offset=offset)
        return render(request, "figures.html", {
            "title": "Figures", "rows": rows, "pager": _paging(total, limit, offset, request),
            "categories": queries.category_counts(store), "filters": {"category": category or ""}})

    @router.get("/search", response_class=HTMLResponse)
    def search_page(request: Request, q: Optional[str] = Query(None, max_length=500)):
        result = None
        if q and q.strip():
            result = search_all(store, q, limit=50)
            for hit in result["articles"]:
                hit["markup"] = snippet_markup(hit["parts"])
        return render(request, "search.html", {"title": "Search", "q": q or "", "result": result})

    @router.get("/ingest", response_class=HTMLResponse)
    def ingest_form(request: Request):
        if not request.app.state.allow_ingest:
            from .api import ForbiddenError
            raise ForbiddenError("ingest is off on this server (start it with --allow-ingest)")
        return render(request, "ingest.html", {"title": "Ingest", "result": None,
                                               "needs_token": request.app.state.token is not None,
                                               "max_mb": request.app.state.max_upload_bytes / 1e6})

    @router.post("/ingest", response_class=HTMLResponse)
    async def ingest_submit(request: Request):
        state = request.app.state
        if not state.allow_ingest:
            from .api import ForbiddenError
            raise ForbiddenError("ingest is off on this server (start it with --allow-ingest)")
        check_same_origin(request)
        files, fields = await read_upload(request, state.max_upload_bytes)
        check_token(state.token, fields.get("token") or None)
        if not files and not fields.get("text", "").strip():
            raise BadParameterError("nothing to ingest: choose files or paste a text")
        from starlette.concurrency import run_in_threadpool
        ingester: Ingester = state.ingester
        result = await run_in_threadpool(ingester.run, files, fields.get("text"), title=fields.get("title") or None,
                                         overrides=overrides_from(fields))
        titles = queries.article_titles(store, result["ids"])
        return render(request, "ingest.html", {"title": "Ingest", "result": result, "titles": titles,
                                               "needs_token": state.token is not None,
                                               "max_mb": state.max_upload_bytes / 1e6})

    return router


# --------------------------------------------------------------------------- serve

def serve(db: str, host: str = "127.0.0.1", port: int = 8000, allow_ingest: bool = False,
          token: Optional[str] = None, *, open_browser: bool = False, log_level: str = "info") -> None:
    """Start the situation room on host:port over the store at ``db`` (blocks until Ctrl-C).

    On a loopback address only loopback Host headers are accepted (DNS-rebinding
    guard). Listening beyond localhost with ingest on requires a token: when none is
    given one is generated and printed.
    """
    import uvicorn

    from ..config import Settings
    from ..store import open_store
    from .api import create_app

    settings = Settings.from_env(db=db)
    store = open_store(settings.db, near_threshold=settings.near_duplicate_threshold)
    local = is_loopback(host)
    if allow_ingest and not local and not token:
        token = secrets.token_urlsafe(24)
        print(f"ingest token (send as 'Authorization: Bearer TOKEN' or in the ingest form): {token}", flush=True)
    allowed = None
    if local:
        allowed = [h for h in LOOPBACK_HOSTS if not h.startswith("[")] + ([host] if host not in LOOPBACK_HOSTS else [])
    app = create_app(store, allow_ingest=allow_ingest, token=token, allowed_hosts=allowed)
    shown = "localhost" if host in ("127.0.0.1", "::1") else host
    url = f"http://{shown}:{port}/"
    print(f"sitroom situation room on {url} (store: {store.url}; ingest {'on' if allow_ingest else 'off'}); "
          "Ctrl-C stops it", flush=True)
    if open_browser:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    try:
        uvicorn.run(app, host=host, port=port, log_level=log_level, server_header=False, proxy_headers=False,
                    access_log=log_level == "debug")
    finally:
        store.close()
