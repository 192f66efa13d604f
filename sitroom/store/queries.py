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
from collections import Counter, defaultdict
from typing import Any, Iterable, Optional

from sqlalchemy import and_, func, literal, or_, select, text
from sqlalchemy.exc import OperationalError

from ..errors import BadParameterError
from ..models import ArticleActor, Event, Figure, Quote, TimeExpr
from . import schema
from .db import DATE_MAX, Store

# PLOVER's four "quad" classes (verbal/material × cooperation/conflict).
QUADS: dict[str, tuple[str, ...]] = {
    "verbal cooperation": ("AGREE", "CONSULT", "SUPPORT"),
    "material cooperation": ("CONCEDE", "COOPERATE", "AID", "RETREAT"),
    "verbal conflict": ("REQUEST", "ACCUSE", "REJECT", "THREATEN"),
    "material conflict": ("PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT"),
}
QUAD_OF = {event_type: quad for quad, types in QUADS.items() for event_type in types}
EVENT_SORTS = {"date", "-date", "type", "-type", "confidence", "-confidence", "published", "-published"}
_MONTH = re.compile(r"^(\d{4})-(\d{2})")


def quad(event_type: str) -> str:
    return QUAD_OF.get(event_type.upper(), "other")


def like_pattern(value: str) -> str:
    """A LIKE pattern matching ``value`` anywhere, with LIKE wildcards escaped (escape='\\')."""
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _fts_ids(conn, q: str):
    """Article ids matching an FTS5 query (falling back to the words as phrases)."""
    sql = text("SELECT article_id FROM articles_fts WHERE articles_fts MATCH :q")
    try:
        return {row[0] for row in conn.execute(sql, {"q": q})}
    except OperationalError:
        quoted = " ".join('"' + word.replace('"', '""') + '"' for word in q.split())
        return {row[0] for row in conn.execute(sql, {"q": quoted})}


# --------------------------------------------------------------------------- articles

def _record_count(table):
    return (select(func.count()).select_from(table).where(table.c.article_id == schema.articles.c.id)
            .correlate(schema.articles).scalar_subquery())


def article_summaries(store: Store, *, genre: Optional[str] = None, outlet: Optional[str] = None,
                      language: Optional[str] = None, q: Optional[str] = None, include_duplicates: bool = True,
                      limit: int = 50, offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
    """Article rows without their text or records (fast to list), in (published, id) order.

    ``q`` is a full-text query (FTS5 syntax) on SQLite, a title/text substring elsewhere.
    """
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
        if q and q.strip():
            if store.is_sqlite:
                ids = _fts_ids(conn, q.strip())
                conditions.append(a.id.in_(sorted(ids)) if ids else literal(False))
            else:
                pattern = like_pattern(q.strip())
                conditions.append(or_(a.title.like(pattern, escape="\\"), a.text.like(pattern, escape="\\")))
        where = and_(True, *conditions)
        total = conn.execute(select(func.count()).select_from(schema.articles).where(where)).scalar_one()
        query = (select(a.id, a.title, a.outlet, a.published, a.genre, a.language, a.url, a.format,
                        a.duplicate_of, a.duplicate_kind, func.length(a.text).label("chars"),
                        _record_count(schema.events).label("events"), _record_count(schema.quotes).label("quotes"),
                        _record_count(schema.figures).label("figures"), _record_count(schema.times).label("times"))
                 .where(where).order_by(func.coalesce(a.published, DATE_MAX), a.id).limit(limit).offset(offset))
        rows = [dict(row._mapping) for row in conn.execute(query)]
    return total, rows


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
    a = schema.articles.c
    month = func.substr(a.published, 1, 7)
    with store.engine.connect() as conn:
        rows = conn.execute(select(month, func.count()).where(a.published.is_not(None)).group_by(month)
                            .order_by(month)).all()
    return {row[0]: row[1] for row in rows}


# --------------------------------------------------------------------------- events

def _actor_condition(column, actor_id: str):
    # source_ids/target_ids hold " id1 id2 ": a member matches '% id %'.
    return column.like(like_pattern(f" {actor_id} "), escape="\\")


def events(store: Store, *, actor: Optional[str] = None, role: str = "any", type: Optional[str] = None,
           quad_name: Optional[str] = None, modality: Optional[str] = None, date_from: Optional[str] = None,
           date_to: Optional[str] = None, article: Optional[str] = None, min_confidence: Optional[float] = None,
           sort: str = "date", limit: Optional[int] = 50, offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
    """Events with their article's title/outlet/published, filtered and sorted.

    Dates compare on the event's TIMEX value, or the article's publication date when
    the event has none (``date_from``/``date_to`` are ISO prefixes: 2025, 2025-03, 2025-03-11).
    Each row is ``{"event": Event, "article_id", "title", "outlet", "published", "quad"}``.
    """
    if sort not in EVENT_SORTS:
        raise BadParameterError(f"sort must be one of {sorted(EVENT_SORTS)}")
    if role not in ("any", "source", "target"):
        raise BadParameterError("role must be any, source or target")
    e, a = schema.events.c, schema.articles.c
    when = func.coalesce(e.date, a.published)
    conditions = []
    if actor:
        source, target = _actor_condition(e.source_ids, actor), _actor_condition(e.target_ids, actor)
        conditions.append({"any": or_(source, target), "source": source, "target": target}[role])
    if type:
        conditions.append(e.type.in_([t.strip().upper() for t in type.split(",") if t.strip()]))
    if quad_name:
        if quad_name not in QUADS:
            raise BadParameterError(f"quad must be one of {sorted(QUADS)}")
        conditions.append(e.type.in_(QUADS[quad_name]))
    if modality:
        conditions.append(e.modality.in_([m.strip() for m in modality.split(",") if m.strip()]))
    if date_from:
        conditions.append(when >= date_from)
    if date_to:
        # '2025-03' must include '2025-03-31': compare against the prefix's upper bound.
        conditions.append(when <= date_to + "\uffff")
    if article:
        conditions.append(e.article_id == article)
    if min_confidence is not None:
        conditions.append(e.confidence >= min_confidence)
    where = and_(True, *conditions)
    descending = sort.startswith("-")
    key = {"date": when, "type": e.type, "confidence": e.confidence,
           "published": func.coalesce(a.published, DATE_MAX)}[sort.lstrip("-")]
    order = [key.desc() if descending else key, e.article_id, e.id]
    joined = schema.events.join(schema.articles, schema.articles.c.id == e.article_id)
    with store.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(joined).where(where)).scalar_one()
        query = (select(e.data, e.article_id, a.title, a.outlet, a.published).select_from(joined).where(where)
                 .order_by(*order).offset(offset))
        if limit is not None:
            query = query.limit(limit)
        rows = []
        for row in conn.execute(query):
            event = Event.model_validate_json(row.data)
            rows.append({"event": event, "article_id": row.article_id, "title": row.title, "outlet": row.outlet,
                         "published": row.published, "quad": quad(event.type)})
    return total, rows


def quad_months(store: Store) -> dict[str, dict[str, int]]:
    """Events per month per PLOVER quad: {'YYYY-MM': {quad: count}} (event date, else published)."""
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
    e = schema.events.c
    with store.engine.connect() as conn:
        return {row[0]: row[1] for row in conn.execute(
            select(e.type, func.count()).group_by(e.type).order_by(func.count().desc()))}


# --------------------------------------------------------------------------- actors

def actors(store: Store, *, q: Optional[str] = None, country: Optional[str] = None,
           sector: Optional[str] = None, sort: str = "mentions", limit: int = 50,
           offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
    """Actors with the number of articles they appear in and their total mentions."""
    m = schema.actor_mentions.c
    conditions = []
    if q:
        pattern = like_pattern(q)
        conditions.append(or_(m.name.like(pattern, escape="\\"), m.actor_id.like(pattern, escape="\\")))
    if country:
        conditions.append(m.country == country.upper())
    if sector:
        conditions.append(m.sector == sector.upper())
    orders = {"mentions": func.sum(m.mentions).desc(), "articles": func.count(m.article_id).desc(),
              "name": func.max(m.name)}
    if sort not in orders:
        raise BadParameterError(f"sort must be one of {sorted(orders)}")
    where = and_(True, *conditions)
    grouped = (select(m.actor_id, func.max(m.name).label("name"), func.max(m.country).label("country"),
                      func.max(m.sector).label("sector"), func.count(m.article_id).label("articles"),
                      func.sum(m.mentions).label("mentions"))
               .where(where).group_by(m.actor_id))
    with store.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(grouped.subquery())).scalar_one()
        rows = conn.execute(grouped.order_by(orders[sort], m.actor_id).limit(limit).offset(offset)).all()
    return total, [{"id": r.actor_id, "name": r.name, "country": r.country, "sector": r.sector,
                    "articles": r.articles, "mentions": int(r.mentions or 0)} for r in rows]


def actor_profile(store: Store, actor_id: str) -> Optional[dict[str, Any]]:
    """An actor's identity (from its latest article), counts, and the articles it appears in."""
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
        conditions = conditions + [c.data.like(like_pattern(text_query), escape="\\")]
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
        conditions.append(or_(c.speaker_actor == speaker, c.speaker_text.like(like_pattern(speaker), escape="\\")))
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
    c = schema.figures.c
    with store.engine.connect() as conn:
        return {str(row[0]): row[1] for row in conn.execute(
            select(c.category, func.count()).group_by(c.category).order_by(func.count().desc()))}


def to_json_line(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
