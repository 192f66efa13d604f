"""Read queries for the web app and the HTTP API (SQLAlchemy Core, parameterized only).

``db.py`` owns writing and the basic reads (``Store.get``, ``articles``, ``search``,
``stats``); this module holds the filtered, paged reads the situation room needs:
article summaries, events by actor/type/modality/date, actors with counts, quotes by
speaker, figures by category, time expressions, and the aggregates the overview
draws. Every function takes a ``Store`` and returns plain dicts or records; paged
functions return ``(total, rows)``. Nothing here builds SQL from request text: user
values only ever travel as bound parameters (``LIKE`` patterns are escaped).
"""

from __future__ import annotations

import json
import re
import threading
import time
import weakref
from collections import Counter, OrderedDict, defaultdict
from typing import Any, Callable, Iterable, Optional

from sqlalchemy import Integer, and_, func, literal, literal_column, or_, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from ..errors import BadParameterError
from ..models import PLOVER_QUAD, QUAD_NAMES, ArticleActor, Event, Figure, Quote, TimeExpr
from . import schema
from .db import DATE_MAX, Store, to_tsquery_syntax
from .migrations import CROSSDOC_GENERATION

# PLOVER's four "quad" classes (verbal/material × cooperation/conflict), from models.
QUADS: dict[str, tuple[str, ...]] = {
    name: tuple(t for t, number in PLOVER_QUAD.items() if number == quad_number)
    for quad_number, name in QUAD_NAMES.items()}
QUAD_OF = {event_type: quad for quad, types in QUADS.items() for event_type in types}
EVENT_SORTS = {"date", "-date", "type", "-type", "confidence", "-confidence", "published", "-published"}
_MONTH = re.compile(r"^(\d{4})-(\d{2})")


CACHE_ENTRIES = 256
CACHE_MAX_IDS = 1_000_000  # ids held in cached orderings, over all entries
VERSION_TTL = 1.0  # seconds a store version is trusted before it is read again


# --------------------------------------------------------------------------- cache

class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: OrderedDict = OrderedDict()
        self.ids = 0
        self.version: Any = None
        self.checked = 0.0


_caches: "weakref.WeakKeyDictionary[Store, _Cache]" = weakref.WeakKeyDictionary()
_caches_lock = threading.Lock()


def _cache(store: Store) -> _Cache:
    with _caches_lock:
        cache = _caches.get(store)
        if cache is None:
            cache = _caches[store] = _Cache()
        return cache


def store_version(store: Store) -> tuple:
    """Changes whenever a batch is stored: put_batch deletes and re-inserts rows, so the
    largest article rowid grows; the error count covers error-only batches; the
    cross-document generation grows with every update of stories and merged events."""
    generation = (select(schema.meta.c.value).where(schema.meta.c.key == CROSSDOC_GENERATION)
                  .scalar_subquery())
    with store.engine.connect() as conn:
        if store.is_sqlite:
            row = conn.execute(select(
                literal_column("(SELECT max(rowid) FROM articles)"), literal_column("(SELECT count(*) FROM articles)"),
                literal_column("(SELECT max(id) FROM ingest_errors)"), generation)).one()
        else:
            row = conn.execute(select(
                select(func.count()).select_from(schema.articles).scalar_subquery(),
                select(func.max(schema.articles.c.ingested_at)).scalar_subquery(),
                select(func.max(schema.ingest_errors.c.id)).scalar_subquery(), generation)).one()
    return tuple(row)


def invalidate(store: Store) -> None:
    """Forget cached aggregates (called after an in-process ingest)."""
    cache = _cache(store)
    with cache.lock:
        cache.entries.clear()
        cache.ids = 0
        cache.version = None


def cached(store: Store, key: tuple, compute: Callable[[], Any]) -> Any:
    """``compute()`` memoised per store until the store changes (checked at most every VERSION_TTL s).

    Aggregates and orderings are what the pages ask for again and again (the overview,
    actor lists, paging through articles); between ingests they do not change."""
    cache = _cache(store)
    now = time.monotonic()
    if now - cache.checked > VERSION_TTL:
        version = store_version(store)
        with cache.lock:
            if version != cache.version:
                cache.entries.clear()
                cache.ids = 0
                cache.version = version
            cache.checked = now
    with cache.lock:
        if key in cache.entries:
            cache.entries.move_to_end(key)
            return cache.entries[key]
        version = cache.version
    value = compute()
    size = len(value) if isinstance(value, list) else 0
    if size > CACHE_MAX_IDS // 4:
        return value
    with cache.lock:
        if cache.version == version:
            cache.entries[key] = value
            cache.ids += size
            while len(cache.entries) > CACHE_ENTRIES or cache.ids > CACHE_MAX_IDS:
                _, old = cache.entries.popitem(last=False)
                cache.ids -= len(old) if isinstance(old, list) else 0
    return value


def quad(event_type: str) -> str:
    return QUAD_OF.get(event_type.upper(), "other")


def like_pattern(value: str) -> str:
    """A LIKE pattern matching ``value`` anywhere, with LIKE wildcards escaped (escape='\\')."""
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def fts_query(conn, q: str) -> str:
    """``q`` if it is valid FTS5 syntax, else its words as quoted phrases (as Store.search does)."""
    try:
        conn.execute(text("SELECT 1 FROM articles_fts WHERE articles_fts MATCH :q LIMIT 1"), {"q": q}).all()
        return q
    except OperationalError:
        return " ".join('"' + word.replace('"', '""') + '"' for word in q.split())


def _fts_ids(conn, q: str, sqlite: bool = True):
    """Article ids matching a full-text query (FTS5 syntax on both backends), as a subquery."""
    if sqlite:
        sql = text("SELECT article_id FROM articles_fts WHERE articles_fts MATCH :fts").bindparams(
            fts=fts_query(conn, q))
    else:
        sql = text("SELECT article_id FROM articles_fts WHERE document @@ to_tsquery('english', :fts)").bindparams(
            fts=to_tsquery_syntax(q) or "")
    return sql.columns(article_id=schema.articles.c.id.type).subquery()


def prefix_upper(prefix: str) -> str:
    """The smallest string above every string that starts with ``prefix`` ('2025-03' -> '2025-04'),
    so 'up to and including 2025-03' is ``value < prefix_upper('2025-03')`` on any backend."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def search(store: Store, q: str, limit: int = 20, *, quote_limit: Optional[int] = None,
           candidates: int = 300) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Articles and quotes for a full-text query, from one ranking pass.

    Articles: like ``Store.search`` (same columns and order), but snippets are built
    only for the rows returned. Quotes: those containing every plain word of ``q``
    (operators, quotes and ``*`` ignored) among the ``candidates`` best-ranked articles:
    an indexed search, not a scan of every quote."""
    if not q.strip():
        raise BadParameterError("empty search query")
    quote_limit = limit if quote_limit is None else quote_limit
    if not store.is_sqlite:
        hits = store.search(q, limit=limit)
        tsquery = to_tsquery_syntax(q)
        if not tsquery:
            return hits, []
        with store.engine.connect() as conn:
            ranked = [row[0] for row in conn.execute(text(
                "SELECT f.article_id FROM articles_fts f, to_tsquery('english', :q) q WHERE f.document @@ q "
                "ORDER BY ts_rank(f.document, q) DESC, f.article_id LIMIT :limit"),
                {"q": tsquery, "limit": max(limit, candidates)})]
            return hits, _quotes_in(conn, q, ranked, quote_limit)
    with store.engine.connect() as conn:
        fts = fts_query(conn, q)
        ranked = conn.execute(text("SELECT rowid, article_id, bm25(articles_fts) AS score FROM articles_fts "
                                   "WHERE articles_fts MATCH :q ORDER BY score LIMIT :limit"),
                              {"q": fts, "limit": max(limit, candidates)}).all()
        top = ranked[:limit]
        hits: list[dict[str, Any]] = []
        if top:
            scores = {row.rowid: row.score for row in top}
            rows = conn.execute(text(
                "SELECT f.rowid AS rowid, f.article_id AS id, a.title, a.outlet, a.published, "
                "snippet(articles_fts, 2, char(2), char(3), '…', 14) AS snippet "
                "FROM articles_fts f JOIN articles a ON a.id = f.article_id "
                "WHERE articles_fts MATCH :q AND f.rowid IN (SELECT value FROM json_each(:rowids))"),
                {"q": fts, "rowids": json.dumps(list(scores))}).all()
            hits = sorted(({k: v for k, v in row._mapping.items() if k != "rowid"} | {"score": scores[row.rowid]}
                           for row in rows), key=lambda h: (h["score"], h["id"]))
        quotes_found = _quotes_in(conn, q, [row.article_id for row in ranked], quote_limit)
    return hits, quotes_found


def _quotes_in(conn, q: str, article_ids: list[str], limit: int) -> list[dict[str, Any]]:
    words = [w.lower().rstrip("*") for w in re.findall(r"[\w*]+", q) if w not in ("AND", "OR", "NOT", "NEAR")]
    words = [w for w in words if w]
    if not words or not article_ids or limit <= 0:
        return []
    c, a = schema.quotes.c, schema.articles.c
    rows = conn.execute(
        select(c.data, c.article_id, a.title, a.outlet, a.published)
        .select_from(schema.quotes.join(schema.articles, a.id == c.article_id))
        .where(c.article_id.in_(article_ids), *[c.data.ilike(like_pattern(word), escape="\\") for word in words])
        .order_by(func.coalesce(a.published, DATE_MAX), c.article_id, c.id)).all()
    out = []
    for row in rows:
        quote = Quote.model_validate_json(row.data)
        folded = quote.text.lower()
        if all(word in folded for word in words):
            out.append({"record": quote, "article_id": row.article_id, "title": row.title, "outlet": row.outlet,
                        "published": row.published})
            if len(out) >= limit:
                break
    return out


# --------------------------------------------------------------------------- articles

def _record_count(table):
    return (select(func.count()).select_from(table).where(table.c.article_id == schema.articles.c.id)
            .correlate(schema.articles).scalar_subquery())


def article_summaries(store: Store, *, genre: Optional[str] = None, outlet: Optional[str] = None,
                      language: Optional[str] = None, q: Optional[str] = None, include_duplicates: bool = True,
                      limit: int = 50, offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
    """Article rows without their text or records (fast to list), in (published, id) order.

    ``q`` is a full-text query (FTS5 syntax) on SQLite, a title/text substring elsewhere.
    The ordered ids for a filter are computed once per store version; a page then reads
    only its own rows.
    """
    q = q.strip() if q else None
    key = ("article-order", genre, outlet, language, q, include_duplicates)
    total = cached(store, key + ("count",), lambda: _article_order(store, genre, outlet, language, q,
                                                                   include_duplicates, count=True))
    if total <= CACHE_MAX_IDS // 4:
        ids = cached(store, key, lambda: _article_order(store, genre, outlet, language, q, include_duplicates))
        page = ids[offset:offset + limit]
    else:  # a very large store: page in SQL rather than hold the ordering
        page = _article_order(store, genre, outlet, language, q, include_duplicates, limit=limit, offset=offset)
    if not page:
        return total, []
    a = schema.articles.c
    query = (select(a.id, a.title, a.outlet, a.published, a.genre, a.language, a.url, a.format,
                    a.duplicate_of, a.duplicate_kind, func.length(a.text).label("chars"),
                    _record_count(schema.events).label("events"), _record_count(schema.quotes).label("quotes"),
                    _record_count(schema.figures).label("figures"), _record_count(schema.times).label("times"))
             .where(a.id.in_(page)))
    with store.engine.connect() as conn:
        rows = {row.id: dict(row._mapping) for row in conn.execute(query)}
    return total, [rows[i] for i in page if i in rows]


def _article_order(store: Store, genre, outlet, language, q, include_duplicates, *, count: bool = False,
                   limit: Optional[int] = None, offset: int = 0) -> Any:
    a = schema.articles.c
    conditions = []
    if genre:
        conditions.append(a.genre == genre)
    if outlet:
        conditions.append(a.outlet == outlet)
    if language:
        conditions.append(a.language == language)
    if not include_duplicates:
        conditions.append(a.duplicate_of.is_(None))
    with store.engine.connect() as conn:
        if q:
            conditions.append(a.id.in_(select(_fts_ids(conn, q, store.is_sqlite).c.article_id)))
        where = and_(True, *conditions)
        if count:
            return conn.execute(select(func.count()).select_from(schema.articles).where(where)).scalar_one()
        query = select(a.id).where(where).order_by(func.coalesce(a.published, DATE_MAX), a.id)
        if limit is not None:
            query = query.limit(limit).offset(offset)
        return [row[0] for row in conn.execute(query)]


def article_titles(store: Store, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """id -> {title, outlet, published} for the given ids."""
    ids = sorted(set(ids))
    if not ids:
        return {}
    a = schema.articles.c
    out: dict[str, dict[str, Any]] = {}
    with store.engine.connect() as conn:
        for start in range(0, len(ids), 500):
            for row in conn.execute(select(a.id, a.title, a.outlet, a.published).where(
                    a.id.in_(ids[start:start + 500]))):
                out[row.id] = {"title": row.title, "outlet": row.outlet, "published": row.published}
    return out


def months_of_articles(store: Store) -> dict[str, int]:
    """Articles per publication month ('YYYY-MM' -> count)."""
    return cached(store, ("article-months",), lambda: _months_of_articles(store))


def _months_of_articles(store: Store) -> dict[str, int]:
    a = schema.articles.c
    month = func.substr(a.published, 1, 7)
    with store.engine.connect() as conn:
        rows = conn.execute(select(month, func.count()).where(a.published.is_not(None)).group_by(month)
                            .order_by(month)).all()
    return {row[0]: row[1] for row in rows}


# --------------------------------------------------------------------------- events

class position_of(FunctionElement):
    """1-based position of a substring (0 when absent): instr() on SQLite, strpos() elsewhere.
    Case-sensitive on every backend, unlike LIKE (which ignores ASCII case on SQLite)."""

    type = Integer()
    inherit_cache = True


@compiles(position_of)
def _position_of_default(element, compiler, **kw):
    return f"strpos({compiler.process(element.clauses, **kw)})"


@compiles(position_of, "sqlite")
def _position_of_sqlite(element, compiler, **kw):
    return f"instr({compiler.process(element.clauses, **kw)})"


def _actor_condition(column, actor_id: str):
    # source_ids/target_ids hold " id1 id2 ": a member is the substring " id ".
    return position_of(column, literal(f" {actor_id} ")) > 0


def events(store: Store, *, actor: Optional[str] = None, role: str = "any", type: Optional[str] = None,
           quad_name: Optional[str] = None, modality: Optional[str] = None, date_from: Optional[str] = None,
           date_to: Optional[str] = None, article: Optional[str] = None, min_confidence: Optional[float] = None,
           sort: str = "date", limit: Optional[int] = 50, offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
    """Events with their article's title/outlet/published, filtered and sorted.

    Dates filter and sort on the event's TIMEX value (``date_from``/``date_to`` are ISO
    prefixes: 2025, 2025-03, 2025-03-11); events without a date sort after the dated ones
    in either direction and drop out of date-filtered sets. Each row is
    ``{"event": Event, "article_id", "title", "outlet", "published", "quad"}``.
    Filtering and ordering read the events table alone (its indexes); only the rows of
    the requested page are joined to their articles.
    """
    if sort not in EVENT_SORTS:
        raise BadParameterError(f"sort must be one of {sorted(EVENT_SORTS)}")
    if role not in ("any", "source", "target"):
        raise BadParameterError("role must be any, source or target")
    e, a = schema.events.c, schema.articles.c
    conditions = []
    if actor:
        source, target = _actor_condition(e.source_ids, actor), _actor_condition(e.target_ids, actor)
        conditions.append({"any": or_(source, target), "source": source, "target": target}[role])
    types = sorted({t.strip().upper() for t in type.split(",") if t.strip()}) if type else []
    if types:
        conditions.append(e.type.in_(types))
    if quad_name:
        if quad_name not in QUADS:
            raise BadParameterError(f"quad must be one of {sorted(QUADS)}")
        conditions.append(e.type.in_(QUADS[quad_name]))
    modalities = sorted({m.strip() for m in modality.split(",") if m.strip()}) if modality else []
    if modalities:
        conditions.append(e.modality.in_(modalities))
    if date_from:
        conditions.append(e.date >= date_from)
    if date_to:
        # '2025-03' must include '2025-03-31': compare against the prefix's upper bound.
        conditions.append(e.date < prefix_upper(date_to))
    if article:
        conditions.append(e.article_id == article)
    if min_confidence is not None:
        conditions.append(e.confidence >= min_confidence)
    if actor and field_of(sort) != "published":
        ids, total = _actor_event_ids(store, actor, role, types, quad_name, modalities, date_from, date_to, article,
                                      min_confidence, sort, offset, limit)
        return total, _event_rows(store, ids)
    where = and_(True, *conditions)
    key = ("events", actor, role, tuple(types), quad_name, tuple(modalities), date_from, date_to, article,
           min_confidence)
    descending = sort.startswith("-")
    field = sort.lstrip("-")
    with store.engine.connect() as conn:
        total = cached(store, key + ("count",), lambda: conn.execute(
            select(func.count()).select_from(schema.events).where(where)).scalar_one())
        if field == "published":
            published = func.coalesce(a.published, DATE_MAX)
            query = (select(e.id).select_from(schema.events.join(schema.articles, a.id == e.article_id))
                     .where(where).order_by(published.desc() if descending else published, e.article_id, e.id))
            ids = _page(conn, query, offset, limit)
        elif field == "date":
            dated = cached(store, key + ("dated",), lambda: conn.execute(
                select(func.count()).select_from(schema.events).where(where, e.date.is_not(None))).scalar_one())
            order = (e.date.desc(), e.id.desc()) if descending else (e.date, e.id)
            ids = _page(conn, select(e.id).where(where, e.date.is_not(None)).order_by(*order), offset, limit) \
                if offset < dated else []
            wanted = None if limit is None else limit - len(ids)
            if wanted is None or wanted > 0:
                ids += _page(conn, select(e.id).where(where, e.date.is_(None)).order_by(e.id),
                             max(0, offset - dated), wanted)
        else:
            column = {"type": e.type, "confidence": e.confidence}[field]
            ids = _page(conn, select(e.id).where(where).order_by(column.desc() if descending else column, e.id),
                        offset, limit)
    return total, _event_rows(store, ids)


def field_of(sort: str) -> str:
    return sort.lstrip("-")


def _actor_events(store: Store, actor: str) -> list[tuple]:
    """(date, id, type, modality, confidence, article_id, is_source, is_target) of every event
    the actor takes part in: one scan per actor, cached; filters then run in memory."""
    e = schema.events.c
    source, target = _actor_condition(e.source_ids, actor), _actor_condition(e.target_ids, actor)
    with store.engine.connect() as conn:
        rows = [tuple(row) for row in conn.execute(
            select(e.date, e.id, e.type, e.modality, e.confidence, e.article_id, source, target)
            .where(or_(source, target)))]
    # Kept in date order (undated last) so date-sorted pages need no sort per request.
    return sorted((r for r in rows if r[0] is not None), key=lambda r: (r[0], r[1])) + sorted(
        (r for r in rows if r[0] is None), key=lambda r: r[1])


ACTOR_INDEX_MAX_EVENTS = 400_000  # above this, each actor's events are read by a scan of their own


def _actor_index(store: Store) -> Optional[dict[str, list[tuple]]]:
    """actor id -> its events as in ``_actor_events``, for every actor, from one scan of the
    events table (None when the table is too large to hold this in memory)."""
    e = schema.events.c
    with store.engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(schema.events)).scalar_one() > ACTOR_INDEX_MAX_EVENTS:
            return None
        index: dict[str, list[tuple]] = defaultdict(list)
        for row in conn.execute(select(e.date, e.id, e.type, e.modality, e.confidence, e.article_id, e.source_ids,
                                       e.target_ids)):
            sources, targets = set(row.source_ids.split()), set(row.target_ids.split())
            for actor in sources | targets:
                index[actor].append((row.date, row.id, row.type, row.modality, row.confidence, row.article_id,
                                     actor in sources, actor in targets))
    for actor, rows in index.items():
        index[actor] = sorted((r for r in rows if r[0] is not None), key=lambda r: (r[0], r[1])) + sorted(
            (r for r in rows if r[0] is None), key=lambda r: r[1])
    return dict(index)


def _actor_event_ids(store: Store, actor: str, role: str, types, quad_name, modalities, date_from, date_to,
                     article, min_confidence, sort: str, offset: int, limit: Optional[int]) -> tuple[list[str], int]:
    index = cached(store, ("actor-index",), lambda: _actor_index(store))
    rows = index.get(actor, []) if index is not None else cached(store, ("actor-events", actor),
                                                                   lambda: _actor_events(store, actor))
    allowed = set(types) if types else None
    if quad_name:
        allowed = (allowed & set(QUADS[quad_name])) if allowed is not None else set(QUADS[quad_name])
    wanted_modalities = set(modalities) if modalities else None
    upper = prefix_upper(date_to) if date_to else None
    kept = [r for r in rows
            if (role == "any" or (r[6] if role == "source" else r[7]))
            and (allowed is None or r[2] in allowed)
            and (wanted_modalities is None or r[3] in wanted_modalities)
            and (not date_from or (r[0] is not None and r[0] >= date_from))
            and (not upper or (r[0] is not None and r[0] < upper))
            and (not article or r[5] == article)
            and (min_confidence is None or r[4] >= min_confidence)]
    descending, field = sort.startswith("-"), field_of(sort)
    if field == "date":
        if descending:
            dated = sum(1 for r in kept if r[0] is not None)
            kept = kept[dated - 1::-1] + kept[dated:] if dated else kept
    else:
        index = {"type": 2, "confidence": 4}[field]
        kept.sort(key=lambda r: r[1])  # ties by id ascending, as the SQL path orders them
        kept.sort(key=lambda r: r[index], reverse=descending)
    page = kept[offset:] if limit is None else kept[offset:offset + limit]
    return [r[1] for r in page], len(kept)


def _event_rows(store: Store, ids: list[str]) -> list[dict[str, Any]]:
    e, a = schema.events.c, schema.articles.c
    rows: dict[str, dict[str, Any]] = {}
    with store.engine.connect() as conn:
        for chunk in range(0, len(ids), 500):
            for row in conn.execute(select(e.id, e.data, e.article_id, a.title, a.outlet, a.published)
                                    .select_from(schema.events.join(schema.articles, a.id == e.article_id))
                                    .where(e.id.in_(ids[chunk:chunk + 500]))):
                event = Event.model_validate_json(row.data)
                rows[row.id] = {"event": event, "article_id": row.article_id, "title": row.title,
                                "outlet": row.outlet, "published": row.published, "quad": quad(event.type)}
    return [rows[i] for i in ids if i in rows]


def _page(conn, query, offset: int, limit: Optional[int]) -> list[str]:
    if limit is not None:
        query = query.limit(limit)
    if offset:
        query = query.offset(offset)
    return [row[0] for row in conn.execute(query)]


def quad_months(store: Store) -> dict[str, dict[str, int]]:
    """Events per month per PLOVER quad: {'YYYY-MM': {quad: count}} (event date, else published)."""
    return cached(store, ("quad-months",), lambda: _quad_months(store))


def _quad_months(store: Store) -> dict[str, dict[str, int]]:
    e, a = schema.events.c, schema.articles.c
    when = func.substr(func.coalesce(e.date, a.published), 1, 7)
    result: dict[str, dict[str, int]] = defaultdict(dict)
    with store.engine.connect() as conn:
        rows = conn.execute(select(when, e.type, func.count()).select_from(
            schema.events.join(schema.articles, schema.articles.c.id == e.article_id)).group_by(when, e.type)).all()
    for month, event_type, count in rows:
        if not month or not _MONTH.match(month):
            continue
        bucket = result[month]
        name = quad(event_type)
        bucket[name] = bucket.get(name, 0) + count
    return dict(sorted(result.items()))


def event_type_counts(store: Store) -> dict[str, int]:
    return cached(store, ("event-types",), lambda: _event_type_counts(store))


def _event_type_counts(store: Store) -> dict[str, int]:
    e = schema.events.c
    with store.engine.connect() as conn:
        return {row[0]: row[1] for row in conn.execute(
            select(e.type, func.count()).group_by(e.type).order_by(func.count().desc()))}


# --------------------------------------------------------------------------- actors

def actors(store: Store, *, q: Optional[str] = None, country: Optional[str] = None,
           sector: Optional[str] = None, sort: str = "mentions", limit: int = 50,
           offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
    """Actors with the number of articles they appear in and their total mentions.

    The per-actor totals are one grouped query, cached until the store changes; the
    filters (``q``: part of the name or id, case-insensitive) apply to that list."""
    orders = {"mentions": lambda r: (-r["mentions"], r["id"]), "articles": lambda r: (-r["articles"], r["id"]),
              "name": lambda r: (r["name"].lower(), r["id"])}
    if sort not in orders:
        raise BadParameterError(f"sort must be one of {sorted(orders)}")
    rows = cached(store, ("actors", sort), lambda: sorted(_actor_totals(store), key=orders[sort]))
    if q:
        needle = q.lower()
        rows = [r for r in rows if needle in r["name"].lower() or needle in r["id"].lower()]
    if country:
        rows = [r for r in rows if (r["country"] or "") == country.upper()]
    if sector:
        rows = [r for r in rows if (r["sector"] or "") == sector.upper()]
    return len(rows), [dict(r) for r in rows[offset:offset + limit]]


def _actor_totals(store: Store) -> list[dict[str, Any]]:
    m = schema.actor_mentions.c
    grouped = (select(m.actor_id, func.max(m.name).label("name"), func.max(m.country).label("country"),
                      func.max(m.sector).label("sector"), func.count(m.article_id).label("articles"),
                      func.sum(m.mentions).label("mentions")).group_by(m.actor_id))
    with store.engine.connect() as conn:
        return [{"id": r.actor_id, "name": r.name, "country": r.country, "sector": r.sector,
                 "articles": r.articles, "mentions": int(r.mentions or 0)} for r in conn.execute(grouped)]


def actor_profile(store: Store, actor_id: str) -> Optional[dict[str, Any]]:
    """An actor's identity (from its latest article), counts, and the articles it appears in."""
    return cached(store, ("actor", actor_id), lambda: _actor_profile(store, actor_id))


def _actor_profile(store: Store, actor_id: str) -> Optional[dict[str, Any]]:
    m, a, e, qt = schema.actor_mentions.c, schema.articles.c, schema.events.c, schema.quotes.c
    with store.engine.connect() as conn:
        rows = conn.execute(select(m.data, m.mentions, a.id, a.title, a.outlet, a.published)
                            .select_from(schema.actor_mentions.join(schema.articles, a.id == m.article_id))
                            .where(m.actor_id == actor_id)
                            .order_by(func.coalesce(a.published, DATE_MAX), a.id)).all()
        as_source = conn.execute(select(func.count()).where(_actor_condition(e.source_ids, actor_id))).scalar_one()
        as_target = conn.execute(select(func.count()).where(_actor_condition(e.target_ids, actor_id))).scalar_one()
        quotes_count = conn.execute(select(func.count()).where(qt.speaker_actor == actor_id)).scalar_one()
    if not rows and not (as_source or as_target or quotes_count):
        return None
    latest = ArticleActor.model_validate_json(rows[-1].data) if rows else None
    titles: list[str] = []
    for row in rows:
        title = ArticleActor.model_validate_json(row.data).title_in_text
        if title and title not in titles:
            titles.append(title)
    return {
        "id": actor_id, "name": latest.name if latest else actor_id,
        "country": latest.country if latest else None, "sector": latest.sector if latest else None,
        "code": latest.code if latest else None, "role": latest.role if latest else None,
        "titles_in_text": titles, "mentions": sum(row.mentions for row in rows), "events_as_source": as_source,
        "events_as_target": as_target, "quotes": quotes_count,
        "articles": [{"id": row.id, "title": row.title, "outlet": row.outlet, "published": row.published,
                      "mentions": row.mentions} for row in rows],
    }


def actor_names(store: Store, ids: Iterable[str]) -> dict[str, str]:
    ids = sorted(set(i for i in ids if i))
    if not ids:
        return {}
    m = schema.actor_mentions.c
    out: dict[str, str] = {}
    with store.engine.connect() as conn:
        for start in range(0, len(ids), 500):
            for row in conn.execute(select(m.actor_id, func.max(m.name)).where(
                    m.actor_id.in_(ids[start:start + 500])).group_by(m.actor_id)):
                out[row[0]] = row[1]
    return out


def actor_network(store: Store, actor_id: str, *, limit: int = 12) -> dict[str, Any]:
    """Who this actor interacts with: partners in its events (source↔target) with counts,
    or, while no events are stored, actors mentioned in the same articles."""
    return cached(store, ("network", actor_id, limit), lambda: _actor_network(store, actor_id, limit))


def _actor_network(store: Store, actor_id: str, limit: int) -> dict[str, Any]:
    _, rows = events(store, actor=actor_id, limit=2000)
    links: Counter = Counter()
    directions: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        event = row["event"]
        sources = {x.actor_id for x in event.source if x.actor_id}
        targets = {x.actor_id for x in event.target if x.actor_id}
        if actor_id in sources:
            for other in targets - {actor_id}:
                links[other] += 1
                directions[other].add("out")
        if actor_id in targets:
            for other in sources - {actor_id}:
                links[other] += 1
                directions[other].add("in")
    basis = "events"
    if not links:
        basis = "articles"
        m = schema.actor_mentions.c
        same = select(m.article_id).where(m.actor_id == actor_id)
        with store.engine.connect() as conn:
            for row in conn.execute(select(m.actor_id, func.count()).where(
                    m.article_id.in_(same), m.actor_id != actor_id).group_by(m.actor_id)):
                links[row[0]] = row[1]
    top = links.most_common(limit)
    names = actor_names(store, [actor_id] + [other for other, _ in top])
    return {"basis": basis, "center": {"id": actor_id, "name": names.get(actor_id, actor_id)},
            "partners": [{"id": other, "name": names.get(other, other), "count": count,
                          "direction": "both" if len(directions[other]) > 1 else next(iter(directions[other]), None)}
                         for other, count in top]}


# --------------------------------------------------------------------------- quotes, figures, times

def _paged_records(store: Store, table, model, conditions: list, limit: int, offset: int,
                   text_query: Optional[str] = None) -> tuple[int, list[dict[str, Any]]]:
    c, a = table.c, schema.articles.c
    if text_query:
        conditions = conditions + [c.data.ilike(like_pattern(text_query), escape="\\")]
    where = and_(True, *conditions)
    joined = table.join(schema.articles, a.id == c.article_id)
    with store.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(table).where(where)).scalar_one()
        rows = conn.execute(select(c.data, c.article_id, a.title, a.outlet, a.published).select_from(joined)
                            .where(where).order_by(func.coalesce(a.published, DATE_MAX), c.article_id, c.id)
                            .limit(limit).offset(offset)).all()
    return total, [{"record": model.model_validate_json(row.data), "article_id": row.article_id,
                    "title": row.title, "outlet": row.outlet, "published": row.published} for row in rows]


def quotes(store: Store, *, speaker: Optional[str] = None, article: Optional[str] = None,
           kind: Optional[str] = None, q: Optional[str] = None, limit: int = 50,
           offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
    """Quotes; ``speaker`` is an actor id or a substring of the speaker as the text names them."""
    c = schema.quotes.c
    conditions = []
    if speaker:
        conditions.append(or_(c.speaker_actor == speaker, c.speaker_text.ilike(like_pattern(speaker), escape="\\")))
    if article:
        conditions.append(c.article_id == article)
    if kind:
        conditions.append(c.kind == kind)
    return _paged_records(store, schema.quotes, Quote, conditions, limit, offset, q)


def figures(store: Store, *, category: Optional[str] = None, article: Optional[str] = None,
            q: Optional[str] = None, limit: int = 50, offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
    c = schema.figures.c
    conditions = []
    if category:
        conditions.append(c.category == category)
    if article:
        conditions.append(c.article_id == article)
    return _paged_records(store, schema.figures, Figure, conditions, limit, offset, q)


def times(store: Store, *, type: Optional[str] = None, value: Optional[str] = None,
          article: Optional[str] = None, limit: int = 50, offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
    """Time expressions; ``value`` is a TIMEX prefix (2025-03 matches 2025-03-11)."""
    c = schema.times.c
    conditions = []
    if type:
        conditions.append(c.type == type.upper())
    if value:
        conditions.append(c.value.startswith(value, autoescape=True))
    if article:
        conditions.append(c.article_id == article)
    return _paged_records(store, schema.times, TimeExpr, conditions, limit, offset)


def category_counts(store: Store) -> dict[str, int]:
    return cached(store, ("figure-categories",), lambda: _category_counts(store))


def _category_counts(store: Store) -> dict[str, int]:
    c = schema.figures.c
    with store.engine.connect() as conn:
        return {str(row[0]): row[1] for row in conn.execute(
            select(c.category, func.count()).group_by(c.category).order_by(func.count().desc()))}


def stats(store: Store) -> dict[str, Any]:
    """``Store.stats()``, cached until the store changes."""
    return cached(store, ("stats",), store.stats)


def to_json_line(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
