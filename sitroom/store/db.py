"""The store: the only module that speaks SQL (SQLAlchemy Core).

SQLite by default (one file, WAL mode); any SQLAlchemy URL is accepted so a
PostgreSQL URL can follow without touching the stages. Each ``put_batch`` is one
transaction: a crash mid-run loses at most the batch in flight, and the next run
resumes because unchanged items are recognised by (key, raw hash, pipeline).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence

import numpy as np
from sqlalchemy import Engine, create_engine, delete, event, func, insert, or_, select, text, tuple_, update
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from .. import dedup
from ..errors import BadParameterError, NotFoundError, StoreError
from ..models import Article, ItemError
from . import schema
from .migrations import migrate

DATE_MAX = "9999-12-31"
# Match markers in search snippets: control characters that cannot occur in cleaned text.
MATCH_START, MATCH_END = "\x02", "\x03"


def database_url(db: str) -> str:
    """A path becomes a SQLite URL; a URL is taken as is; ':memory:' is an in-memory store."""
    if "://" in db:
        return db
    if db == ":memory:":
        return "sqlite://"
    return f"sqlite:///{Path(db).expanduser()}"


@dataclass
class PutResult:
    stored: int = 0
    exact: int = 0
    near: int = 0
    ids: list[str] = field(default_factory=list)


class Store:
    def __init__(self, db: str, *, near_threshold: float = 0.8):
        self.url = database_url(db)
        self.near_threshold = near_threshold
        try:
            self.engine: Engine = _engine(self.url)
            self.schema_version = migrate(self.engine)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot open the store at {db}: {exc.__class__.__name__}: "
                             f"{str(exc).splitlines()[0]}") from exc
        self.is_sqlite = self.engine.dialect.name == "sqlite"

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------------ writing

    def known(self, keys: Sequence[str]) -> dict[str, tuple[str, str]]:
        """key -> (raw_hash, pipeline) for keys already stored."""
        found: dict[str, tuple[str, str]] = {}
        a = schema.articles.c
        with self.engine.connect() as conn:
            for chunk in _chunks(list(keys), 500):
                rows = conn.execute(select(a.key, a.raw_hash, a.pipeline).where(a.key.in_(chunk)))
                found.update({row.key: (row.raw_hash, row.pipeline) for row in rows})
        return found

    def put_batch(self, items: Sequence[tuple[Article, str]], pipeline: str,
                  errors: Sequence[ItemError] = ()) -> PutResult:
        """Store (article, raw_hash) pairs in one transaction, linking duplicates."""
        result = PutResult()
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        with self.engine.begin() as conn:
            for article, raw_hash in items:
                kind = self._put_one(conn, article, raw_hash, pipeline, now)
                result.stored += 1
                result.ids.append(article.id)
                if kind == "exact":
                    result.exact += 1
                elif kind == "near":
                    result.near += 1
            if errors:
                conn.execute(insert(schema.ingest_errors), [
                    {"at": now, "path": e.path, "key": e.key, "stage": e.stage, "error": e.error,
                     "message": e.message} for e in errors])
        return result

    def _put_one(self, conn, article: Article, raw_hash: str, pipeline: str, now: str) -> Optional[str]:
        a = schema.articles.c
        conn.execute(delete(schema.articles).where(or_(a.id == article.id, a.key == article.key)))
        if self.is_sqlite:
            conn.execute(text("DELETE FROM articles_fts WHERE article_id = :id"), {"id": article.id})
        signature = article._minhash
        if signature is None:
            signature = dedup.signature(article.text)
        self._link_duplicate(conn, article, signature)
        conn.execute(insert(schema.articles).values(
            id=article.id, key=article.key, path=article.path, format=article.format, url=article.url,
            title=article.title, outlet=article.outlet,
            published=article.published.isoformat() if article.published else None,
            genre=article.genre, language=article.language, text=article.text,
            content_hash=article.content_hash, raw_hash=raw_hash, pipeline=pipeline,
            duplicate_of=article.duplicate_of, duplicate_kind=article.duplicate_kind,
            ingested_at=now, data=article.model_dump_json()))
        conn.execute(insert(schema.minhashes).values(article_id=article.id,
                                                     signature=np.asarray(signature, dtype=np.uint64).tobytes()))
        conn.execute(insert(schema.lsh_bands), [
            {"band": band, "bucket": bucket, "article_id": article.id}
            for band, bucket in dedup.band_keys(np.asarray(signature, dtype=np.uint64), self.near_threshold)])
        if self.is_sqlite:
            conn.execute(text("INSERT INTO articles_fts (article_id, title, text) VALUES (:id, :title, :text)"),
                         {"id": article.id, "title": article.title or "", "text": article.text})
        self._put_records(conn, article)
        return article.duplicate_kind

    def _link_duplicate(self, conn, article: Article, signature: np.ndarray) -> None:
        """Point the article (or its group) at the group's canonical member.

        The canonical is the earliest published member (then the smallest id), so the
        links do not depend on the order in which files were ingested.
        """
        a = schema.articles.c
        matches: dict[str, str] = {}
        for row in conn.execute(select(a.id).where(a.content_hash == article.content_hash, a.id != article.id)):
            matches[row.id] = "exact"
        bands = dedup.band_keys(np.asarray(signature, dtype=np.uint64), self.near_threshold)
        b = schema.lsh_bands.c
        candidates = {row.article_id for row in conn.execute(
            select(b.article_id).where(tuple_(b.band, b.bucket).in_(bands)).distinct())} - set(matches) - {article.id}
        if candidates:
            m = schema.minhashes.c
            for row in conn.execute(select(m.article_id, m.signature).where(m.article_id.in_(candidates))):
                other = np.frombuffer(row.signature, dtype=np.uint64)
                if len(other) == len(signature) and dedup.similarity(signature, other) >= self.near_threshold:
                    matches[row.article_id] = "near"
        article.duplicate_of, article.duplicate_kind = None, None
        if not matches:
            return
        members = conn.execute(select(a.id, a.published, a.duplicate_of, a.content_hash).where(
            or_(a.id.in_(list(matches)), a.duplicate_of.in_(list(matches))))).all()
        roots = {row.duplicate_of or row.id for row in members}
        group = conn.execute(select(a.id, a.published, a.content_hash).where(
            or_(a.id.in_(list(roots)), a.duplicate_of.in_(list(roots))))).all()
        own_key = (article.published.isoformat() if article.published else DATE_MAX, article.id)
        canonical = min(group, key=lambda row: (row.published or DATE_MAX, row.id))
        if (canonical.published or DATE_MAX, canonical.id) < own_key:
            article.duplicate_of = canonical.id
            article.duplicate_kind = "exact" if canonical.content_hash == article.content_hash else "near"
            return
        # The new article is the earliest: the whole group now points at it.
        for row in group:
            kind = "exact" if row.content_hash == article.content_hash else "near"
            conn.execute(update(schema.articles).where(a.id == row.id).values(
                duplicate_of=article.id, duplicate_kind=kind))

    def _put_records(self, conn, article: Article) -> None:
        for table in schema.RECORD_TABLES:
            conn.execute(delete(table).where(table.c.article_id == article.id))
        if article.actors:
            conn.execute(insert(schema.actor_mentions), [
                {"article_id": article.id, "actor_id": actor.id, "name": actor.name, "country": actor.country,
                 "sector": actor.sector, "mentions": len(actor.mentions), "data": actor.model_dump_json()}
                for actor in article.actors])
        if article.events:
            conn.execute(insert(schema.events), [
                {"id": ev.id, "article_id": article.id, "type": ev.type, "modality": ev.modality, "date": ev.date,
                 "source_ids": _id_list(ev.source), "target_ids": _id_list(ev.target),
                 "confidence": ev.confidence, "data": ev.model_dump_json()} for ev in article.events])
        if article.quotes:
            conn.execute(insert(schema.quotes), [
                {"id": q.id, "article_id": article.id, "kind": q.kind, "speaker_text": q.speaker_text,
                 "speaker_actor": q.speaker_actor, "data": q.model_dump_json()} for q in article.quotes])
        if article.figures:
            conn.execute(insert(schema.figures), [
                {"id": f.id, "article_id": article.id, "category": f.category, "counted": f.counted,
                 "claimant": f.claimant_text, "data": f.model_dump_json()} for f in article.figures])
        if article.times:
            conn.execute(insert(schema.times), [
                {"id": t.id, "article_id": article.id, "type": t.type, "value": t.value,
                 "data": t.model_dump_json()} for t in article.times])

    # ------------------------------------------------------------------ reading

    def get(self, article_id: str) -> Article:
        """One article by id, or by a unique id prefix of at least 6 characters (as git does)."""
        a = schema.articles.c
        columns = select(a.data, a.duplicate_of, a.duplicate_kind)
        with self.engine.connect() as conn:
            row = conn.execute(columns.where(a.id == article_id)).first()
            if row is None and len(article_id) >= 6:
                rows = conn.execute(columns.where(a.id.startswith(article_id, autoescape=True)).limit(2)).all()
                row = rows[0] if len(rows) == 1 else None
        if row is None:
            raise NotFoundError(f"no article with id {article_id!r}")
        return _article(row)

    def count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(schema.articles)).scalar_one()

    def articles(self, *, limit: Optional[int] = None, offset: int = 0, genre: Optional[str] = None,
                 outlet: Optional[str] = None, language: Optional[str] = None,
                 include_duplicates: bool = True) -> Iterator[Article]:
        """Articles in a stable order (published, id), streamed."""
        a = schema.articles.c
        query = select(a.data, a.duplicate_of, a.duplicate_kind).order_by(
            func.coalesce(a.published, DATE_MAX), a.id)
        if genre:
            query = query.where(a.genre == genre)
        if outlet:
            query = query.where(a.outlet == outlet)
        if language:
            query = query.where(a.language == language)
        if not include_duplicates:
            query = query.where(a.duplicate_of.is_(None))
        if limit is not None:
            query = query.limit(limit)
        if offset:
            query = query.offset(offset)
        with self.engine.connect() as conn:
            for row in conn.execution_options(stream_results=True).execute(query):
                yield _article(row)

    def duplicates_of(self, article_id: str) -> list[dict[str, Any]]:
        a = schema.articles.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(a.id, a.outlet, a.published, a.url, a.duplicate_kind).where(
                a.duplicate_of == article_id).order_by(a.published, a.id)).all()
        return [dict(row._mapping) for row in rows]

    def search(self, query: str, limit: int = 20) -> list[dict[str, Any]]:
        """Full-text search (FTS5 syntax: words, "phrases", OR, NOT, prefix*)."""
        if not query.strip():
            raise BadParameterError("empty search query")
        if not self.is_sqlite:
            raise StoreError("full-text search on this database is not available yet")
        sql = text("SELECT f.article_id AS id, a.title, a.outlet, a.published, "
                   "snippet(articles_fts, 2, char(2), char(3), '…', 14) AS snippet, bm25(articles_fts) AS score "
                   "FROM articles_fts f JOIN articles a ON a.id = f.article_id "
                   "WHERE articles_fts MATCH :q ORDER BY score LIMIT :limit")
        with self.engine.connect() as conn:
            try:
                rows = conn.execute(sql, {"q": query, "limit": limit}).all()
            except OperationalError:
                # Not valid FTS syntax (a stray quote or colon): search the words as phrases.
                quoted = " ".join('"' + word.replace('"', '""') + '"' for word in query.split())
                rows = conn.execute(sql, {"q": quoted, "limit": limit}).all()
        return [dict(row._mapping) for row in rows]

    def stats(self) -> dict[str, Any]:
        a = schema.articles.c
        with self.engine.connect() as conn:
            def grouped(column):
                return {str(k): v for k, v in conn.execute(
                    select(column, func.count()).group_by(column).order_by(func.count().desc())).all()}
            result = {
                "articles": conn.execute(select(func.count()).select_from(schema.articles)).scalar_one(),
                "canonical": conn.execute(select(func.count()).where(a.duplicate_of.is_(None))).scalar_one(),
                "duplicates": grouped(a.duplicate_kind),
                "genres": grouped(a.genre),
                "languages": grouped(a.language),
                "outlets": grouped(a.outlet),
                "formats": grouped(a.format),
                "published": list(conn.execute(select(func.min(a.published), func.max(a.published))).one()),
                "errors": conn.execute(select(func.count()).select_from(schema.ingest_errors)).scalar_one(),
            }
            for table in schema.RECORD_TABLES:
                result[table.name] = conn.execute(select(func.count()).select_from(table)).scalar_one()
        result["duplicates"].pop("None", None)
        return result

    def recent_errors(self, limit: int = 20) -> list[dict[str, Any]]:
        e = schema.ingest_errors.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(e.at, e.path, e.key, e.stage, e.error, e.message)
                                .order_by(e.id.desc()).limit(limit)).all()
        return [dict(row._mapping) for row in rows]


def _article(row) -> Article:
    article = Article.model_validate_json(row.data)
    # Duplicate links change when an earlier copy arrives later; the columns are the truth.
    article.duplicate_of, article.duplicate_kind = row.duplicate_of, row.duplicate_kind
    return article


def _id_list(actors) -> str:
    return " " + " ".join(a.actor_id for a in actors if a.actor_id) + " "


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        from sqlalchemy.pool import StaticPool
        memory = url in ("sqlite://", "sqlite:///:memory:")
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               **({"poolclass": StaticPool} if memory else {}))

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record):
            cursor = dbapi_conn.cursor()
            if not memory:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()
        return engine
    return create_engine(url, pool_pre_ping=True)


def open_store(db: str = "sitroom.db", **options) -> Store:
    return Store(db, **options)
