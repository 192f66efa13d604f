"""The store: the only module that speaks SQL (SQLAlchemy Core).

SQLite by default (one file, WAL mode); any SQLAlchemy URL is accepted so a
PostgreSQL URL can follow without touching the stages. Each ``put_batch`` is one
transaction: a crash mid-run loses at most the batch in flight, and the next run
resumes because unchanged items are recognised by (key, raw hash, pipeline).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Optional, Sequence

import numpy as np
from sqlalchemy import Engine, bindparam, create_engine, delete, event, func, insert, or_, select, text, update
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from .. import dedup
from ..errors import BadParameterError, NotFoundError, StoreError
from ..models import Article, ItemError, MergedEvent, Story
from . import schema
from .migrations import CROSSDOC_GENERATION, STORY_INDEX_DOCUMENTS, migrate, writing

if TYPE_CHECKING:  # the cross-document layer imports the store, not the other way round
    from ..crossdoc.stories import IndexChanges

DATE_MAX = "9999-12-31"
# Match markers in search snippets: control characters that cannot occur in cleaned text.
MATCH_START, MATCH_END = "\x02", "\x03"


def database_url(db: str) -> str:
    """A path becomes a SQLite URL; a URL is taken as is (postgresql:// uses psycopg 3);
    ':memory:' is an in-memory store."""
    if db.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + db.split("://", 1)[1]
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
        """Store (article, raw_hash) pairs in one transaction, linking duplicates.

        Rows are written in bulk; duplicate look-ups cost three queries per batch plus
        a few per article that has a duplicate.
        """
        result = PutResult()
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        articles = list({a.id: a for a, _ in items}.values())  # the last copy of an id wins
        raw_hashes = {a.id: h for a, h in items}
        signatures = {a.id: np.asarray(a._minhash if a._minhash is not None else dedup.signature(a.text),
                                       dtype=np.uint64) for a in articles}
        bands = {a.id: dedup.band_keys(signatures[a.id], self.near_threshold) for a in articles}
        with writing(self.engine) as conn:
            if articles:
                self._delete(conn, [a.id for a in articles], [a.key for a in articles])
                self._insert(conn, articles, raw_hashes, signatures, bands, pipeline, now)
                links = self._link_duplicates(conn, articles, signatures, bands)
                for article in articles:
                    article.duplicate_of, article.duplicate_kind = links.get(article.id, (None, None))
                    result.exact += article.duplicate_kind == "exact"
                    result.near += article.duplicate_kind == "near"
            if errors:
                conn.execute(insert(schema.ingest_errors), [
                    {"at": now, "path": e.path, "key": e.key, "stage": e.stage, "error": e.error,
                     "message": e.message} for e in errors])
        result.stored = len(articles)
        result.ids = [a.id for a in articles]
        return result

    def _delete(self, conn, ids: list[str], keys: list[str]) -> None:
        a = schema.articles.c
        old = [row.id for row in conn.execute(select(a.id).where(or_(a.id.in_(ids), a.key.in_(keys))))]
        if not old:
            return
        # Child rows go by ON DELETE CASCADE; the FTS table has no foreign keys.
        conn.execute(delete(schema.articles).where(a.id.in_(old)))
        if self.is_sqlite:  # PostgreSQL's FTS rows go by cascade; FTS5 tables have no foreign keys
            conn.execute(text("DELETE FROM articles_fts WHERE article_id IN (SELECT value FROM json_each(:ids))"),
                         {"ids": json.dumps(old)})

    def _insert(self, conn, articles: list[Article], raw_hashes: dict[str, str], signatures, bands,
                pipeline: str, now: str) -> None:
        conn.execute(insert(schema.articles), [{
            "id": a.id, "key": a.key, "path": a.path, "format": a.format, "url": a.url, "title": a.title,
            "outlet": a.outlet, "published": a.published.isoformat() if a.published else None, "genre": a.genre,
            "language": a.language, "text": a.text, "content_hash": a.content_hash, "raw_hash": raw_hashes[a.id],
            "pipeline": pipeline, "duplicate_of": None, "duplicate_kind": None, "ingested_at": now,
            "data": a.model_dump_json()} for a in articles])
        conn.execute(insert(schema.minhashes), [
            {"article_id": a.id, "signature": signatures[a.id].tobytes()} for a in articles])
        conn.execute(insert(schema.lsh_bands), [
            {"band": band, "bucket": bucket, "article_id": a.id} for a in articles for band, bucket in bands[a.id]])
        fts_rows = [{"id": a.id, "title": a.title or "", "text": a.text} for a in articles]
        if self.is_sqlite:
            conn.execute(text("INSERT INTO articles_fts (article_id, title, text) VALUES (:id, :title, :text)"),
                         fts_rows)
        else:
            conn.execute(text("INSERT INTO articles_fts (article_id, document) VALUES (:id, "
                              "setweight(to_tsvector('english', :title), 'A') || to_tsvector('english', :text))"),
                         fts_rows)
        self._put_records(conn, articles)

    def _link_duplicates(self, conn, articles: list[Article], signatures, bands) -> dict[str, tuple]:
        """Link each duplicate group to its canonical member: the earliest published
        (then the text most members share, then the smallest id). Every group is re-pointed at its minimum whenever it
        grows, so the links do not depend on the order files were ingested in."""
        a, b, m = schema.articles.c, schema.lsh_bands.c, schema.minhashes.c
        by_hash: dict[str, set[str]] = {}
        for row in conn.execute(select(a.id, a.content_hash).where(
                a.content_hash.in_({x.content_hash for x in articles}))):
            by_hash.setdefault(row.content_hash, set()).add(row.id)
        by_band: dict[tuple[int, str], set[str]] = {}
        for row in conn.execute(select(b.band, b.bucket, b.article_id).where(
                b.bucket.in_({bucket for keys in bands.values() for _, bucket in keys}))):
            by_band.setdefault((row.band, row.bucket), set()).add(row.article_id)
        candidates = {other for keys in bands.values() for key in keys for other in by_band.get(key, ())}
        stored_signatures = {row.article_id: np.frombuffer(row.signature, dtype=np.uint64) for row in conn.execute(
            select(m.article_id, m.signature).where(m.article_id.in_(candidates)))} if candidates else {}
        links: dict[str, tuple] = {}
        for article in articles:
            signature = signatures[article.id]
            matches = by_hash.get(article.content_hash, set()) - {article.id}
            for key in bands[article.id]:
                for other in by_band.get(key, ()):
                    if other != article.id and other not in matches and len(stored_signatures[other]) == len(
                            signature) and dedup.similarity(signature, stored_signatures[other]) >= self.near_threshold:
                        matches.add(other)
            if matches:
                links.update(self._merge_group(conn, article.id, matches))
        return links

    def _merge_group(self, conn, article_id: str, matches: set[str]) -> dict[str, tuple]:
        a = schema.articles.c
        seeds = list(matches | {article_id})
        roots = {row.duplicate_of or row.id for row in conn.execute(
            select(a.id, a.duplicate_of).where(a.id.in_(seeds)))}
        group = conn.execute(select(a.id, a.published, a.content_hash).where(
            or_(a.id.in_(roots), a.duplicate_of.in_(roots)))).all()
        # The earliest member is the original; among copies published the same day, the
        # text most members share (the wire's own) beats a lightly edited reprint. Both
        # depend only on the group, never on the order files were ingested in.
        shared = Counter(row.content_hash for row in group)
        canonical = min(group, key=lambda row: (row.published or DATE_MAX, -shared[row.content_hash], row.id))
        links = {}
        for kind in ("exact", "near"):
            members = [row.id for row in group if row.id != canonical.id and
                       (row.content_hash == canonical.content_hash) == (kind == "exact")]
            if members:
                conn.execute(update(schema.articles).where(a.id.in_(members)).values(
                    duplicate_of=canonical.id, duplicate_kind=kind))
                links.update({member: (canonical.id, kind) for member in members})
        conn.execute(update(schema.articles).where(a.id == canonical.id).values(duplicate_of=None,
                                                                              duplicate_kind=None))
        links[canonical.id] = (None, None)
        return links

    def _put_records(self, conn, articles: list[Article]) -> None:
        rows: dict[str, list[dict]] = {table.name: [] for table in schema.RECORD_TABLES}
        for article in articles:
            rows["actor_mentions"] += [
                {"article_id": article.id, "actor_id": actor.id, "name": actor.name, "country": actor.country,
                 "sector": actor.sector, "mentions": len(actor.mentions), "data": actor.model_dump_json()}
                for actor in article.actors]
            rows["events"] += [
                {"id": ev.id, "article_id": article.id, "type": ev.type, "modality": ev.modality, "date": ev.date,
                 "source_ids": _id_list(ev.source), "target_ids": _id_list(ev.target),
                 "confidence": ev.confidence, "data": ev.model_dump_json()} for ev in article.events]
            rows["quotes"] += [
                {"id": q.id, "article_id": article.id, "kind": q.kind, "speaker_text": q.speaker_text,
                 "speaker_actor": q.speaker_actor, "data": q.model_dump_json()} for q in article.quotes]
            rows["figures"] += [
                {"id": f.id, "article_id": article.id, "category": f.category, "counted": f.counted,
                 "claimant": f.claimant_text, "data": f.model_dump_json()} for f in article.figures]
            rows["times"] += [
                {"id": t.id, "article_id": article.id, "type": t.type, "value": t.value,
                 "data": t.model_dump_json()} for t in article.times]
        for table in schema.RECORD_TABLES:
            if rows[table.name]:
                conn.execute(insert(table), rows[table.name])

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
                 include_duplicates: bool = True, actor: Optional[str] = None,
                 actor_country: Optional[str] = None) -> Iterator[Article]:
        """Articles in a stable order (published, id), streamed. ``actor`` / ``actor_country``:
        only articles where that actor (or an actor of that country) was linked — an
        indexed look-up, so per-actor views read that actor's articles, not the store."""
        a, m = schema.articles.c, schema.actor_mentions.c
        query = select(a.data, a.duplicate_of, a.duplicate_kind).order_by(
            func.coalesce(a.published, DATE_MAX), a.id)
        if actor:
            query = query.where(a.id.in_(select(m.article_id).where(m.actor_id == actor)))
        if actor_country:
            query = query.where(a.id.in_(select(m.article_id).where(m.country == actor_country)))
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

    def get_many(self, article_ids: Sequence[str]) -> dict[str, Article]:
        """The stored articles among ``article_ids`` (exact ids), read in a few queries."""
        a = schema.articles.c
        found: dict[str, Article] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(set(article_ids)), 900):
                for row in conn.execute(select(a.id, a.data, a.duplicate_of, a.duplicate_kind).where(a.id.in_(chunk))):
                    found[row.id] = _article(row)
        return found

    def reprint_ids(self, article_ids: Sequence[str]) -> dict[str, list[str]]:
        """Original id -> ids of its stored reprints, for the given originals."""
        a = schema.articles.c
        found: dict[str, list[str]] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(set(article_ids)), 900):
                for row in conn.execute(select(a.duplicate_of, a.id).where(a.duplicate_of.in_(chunk))
                                        .order_by(a.duplicate_of, a.published, a.id)):
                    found.setdefault(row.duplicate_of, []).append(row.id)
        return found

    def duplicates_of(self, article_id: str) -> list[dict[str, Any]]:
        a = schema.articles.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(a.id, a.outlet, a.published, a.url, a.duplicate_kind).where(
                a.duplicate_of == article_id).order_by(a.published, a.id)).all()
        return [dict(row._mapping) for row in rows]

    def search(self, query: str, limit: int = 20) -> list[dict[str, Any]]:
        """Full-text search, one syntax on every database (FTS5's): words, "phrases",
        OR, NOT, prefix*; results ranked, with match-marked snippets."""
        if not query.strip():
            raise BadParameterError("empty search query")
        with self.engine.connect() as conn:
            if not self.is_sqlite:
                tsquery = to_tsquery_syntax(query)
                if not tsquery:
                    return []
                sql = text("SELECT a.id, a.title, a.outlet, a.published, ts_headline('english', a.text, q, "
                           "'StartSel=' || chr(2) || ', StopSel=' || chr(3) || ', MaxWords=24, MinWords=10') "
                           "AS snippet, ts_rank(f.document, q) AS score FROM articles_fts f "
                           "JOIN articles a ON a.id = f.article_id, to_tsquery('english', :q) q "
                           "WHERE f.document @@ q ORDER BY score DESC, a.id LIMIT :limit")
                return [dict(row._mapping) for row in conn.execute(sql, {"q": tsquery, "limit": limit})]
            sql = text("SELECT f.article_id AS id, a.title, a.outlet, a.published, "
                       "snippet(articles_fts, 2, char(2), char(3), '…', 14) AS snippet, bm25(articles_fts) AS score "
                       "FROM articles_fts f JOIN articles a ON a.id = f.article_id "
                       "WHERE articles_fts MATCH :q ORDER BY score LIMIT :limit")
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

    # ------------------------------------------------------------------ cross-document

    # The story index's tables (``sitroom.crossdoc.stories.IndexBackend`` reads them
    # through ``StoreIndexBackend``): each method reads only the keys it is given.

    def index_documents(self) -> int:
        m = schema.meta.c
        with self.engine.connect() as conn:
            value = conn.execute(select(m.value).where(m.key == STORY_INDEX_DOCUMENTS)).scalar_one_or_none()
        return int(value) if value else 0

    def index_terms(self, terms: Sequence[str]) -> dict[str, tuple[int, int]]:
        with self.engine.connect() as conn:
            return self.index_terms_in(conn, sorted(terms))

    def index_postings(self, terms: Sequence[str]) -> dict[str, set[str]]:
        p = schema.story_index_postings.c
        found: dict[str, set[str]] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(terms), 900):
                for row in conn.execute(select(p.term, p.story_id).where(p.term.in_(chunk))):
                    found.setdefault(row.term, set()).add(row.story_id)
        return found

    def index_states(self, story_ids: Sequence[str]) -> dict[str, dict]:
        s = schema.story_index_states.c
        found = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(story_ids), 900):
                for row in conn.execute(select(s.story_id, s.data).where(s.story_id.in_(chunk))):
                    found[row.story_id] = json.loads(row.data)
        return found

    def merged_events_of(self, story_id: str, *, documents: Sequence[str] = (),
                         window: Optional[tuple[str, str]] = None, everything: bool = False) -> list[MergedEvent]:
        """The story's merged events that draw on any of ``documents``, plus (given a
        ``window`` of ISO dates, inclusive) those whose mention dates reach into it or
        that have no dates; all of them with ``everything``."""
        me, links = schema.merged_events.c, schema.merged_event_documents.c
        rows = []
        with self.engine.connect() as conn:
            if everything:
                rows = conn.execute(select(me.id, me.data).where(me.story_id == story_id)).all()
            elif window is not None:
                low, high = window
                # Two queries, each a range of the (story_id, last_date) index: with an OR
                # on last_date, SQLite reads every merged event of the story instead.
                for last in (me.last_date >= low, me.last_date.is_(None)):
                    rows += conn.execute(select(me.id, me.data).where(
                        me.story_id == story_id, last, or_(me.first_date.is_(None), me.first_date <= high))).all()
            seen = {row.id for row in rows}
            for chunk in ([] if everything else _chunks(sorted(set(documents)), 900)):
                for row in conn.execute(select(me.id, me.data).join(
                        schema.merged_event_documents, links.merged_id == me.id).where(
                        links.article_id.in_(chunk), me.story_id == story_id)):
                    if row.id not in seen:
                        seen.add(row.id)
                        rows.append(row)
        return sorted((MergedEvent.model_validate_json(row.data) for row in rows), key=lambda e: e.id)

    def trigger_vectors(self, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored trigger vectors (``sitroom.crossdoc.semantics.VectorCache``) by key."""
        tv = schema.trigger_vectors.c
        found: dict[str, np.ndarray] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(list(keys), 900):
                for row in conn.execute(select(tv.key, tv.vector).where(tv.key.in_(chunk))):
                    found[row.key] = np.frombuffer(row.vector, dtype="<f4")
        return found

    def save_trigger_vectors(self, vectors: dict[str, np.ndarray]) -> None:
        """Keep trigger vectors (a cache: vectors already stored under a key are kept)."""
        if not vectors:
            return
        tv = schema.trigger_vectors.c
        with writing(self.engine) as conn:
            stored = set()
            for chunk in _chunks(sorted(vectors), 900):
                stored |= {row.key for row in conn.execute(select(tv.key).where(tv.key.in_(chunk)))}
            rows = [{"key": key, "vector": np.asarray(vector, dtype="<f4").tobytes()}
                    for key, vector in sorted(vectors.items()) if key not in stored]
            if rows:
                conn.execute(insert(schema.trigger_vectors), rows)

    def merged_event_tallies(self, event_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Merged event id -> the tally its description was computed from (see
        ``sitroom.crossdoc.update``), for the given events that have one."""
        me = schema.merged_events.c
        found: dict[str, dict[str, Any]] = {}
        with self.engine.connect() as conn:
            for chunk in _chunks(sorted(set(event_ids)), 900):
                for row in conn.execute(select(me.id, me.tally).where(me.id.in_(chunk), me.tally.is_not(None))):
                    found[row.id] = json.loads(row.tally)
        return found

    def save_crossdoc(self, changes: Optional["IndexChanges"],
                      merged: dict[str, tuple[Sequence[str], list[MergedEvent]]],
                      tallies: Optional[dict[str, dict[str, Any]]] = None) -> None:
        """One transaction: the story index's changes, the changed stories, article→story
        links, and per story the merged events replaced (ids removed, events written),
        with the tallies of the events written (merged event id -> JSON object).
        ``changes`` None: only merged events changed (a re-clustering)."""
        with writing(self.engine) as conn:
            if changes is not None:
                self._save_stories(conn, changes)
            self._save_merged(conn, merged, tallies or {})
            m = schema.meta.c
            generation = conn.execute(select(m.value).where(m.key == CROSSDOC_GENERATION)).scalar_one_or_none()
            conn.execute(delete(schema.meta).where(m.key == CROSSDOC_GENERATION))
            conn.execute(insert(schema.meta).values(key=CROSSDOC_GENERATION, value=str(int(generation or 0) + 1)))

    def _save_stories(self, conn, changes: "IndexChanges") -> None:
        """The story index's changes, the changed stories and the article→story links."""
        self._save_index(conn, changes)
        st, links = schema.stories.c, schema.article_stories.c
        gone = sorted(changes.deleted - {x.id for x in changes.stories})
        if changes.stories or gone:
            conn.execute(delete(schema.stories).where(st.id.in_([x.id for x in changes.stories] + gone)))
        if changes.stories:
            conn.execute(insert(schema.stories), [
                {"id": x.id, "label": x.label, "size": x.size,
                 "first_date": x.first_date.isoformat() if x.first_date else None,
                 "last_date": x.last_date.isoformat() if x.last_date else None,
                 "data": x.model_dump_json()} for x in changes.stories])
        if changes.assignments:
            assigned = list(changes.assignments)
            conn.execute(delete(schema.article_stories).where(links.article_id.in_(assigned)))
            existing = {row.id for row in conn.execute(select(schema.articles.c.id).where(
                schema.articles.c.id.in_(assigned)))}
            dates = changes.dates
            rows = [{"article_id": a, "story_id": story,
                     "published": dates[a].isoformat() if dates.get(a) else None}
                    for a, story in changes.assignments.items() if a in existing]
            if rows:
                conn.execute(insert(schema.article_stories), rows)

    def _save_index(self, conn, changes: "IndexChanges") -> None:
        t, p, s, m = (schema.story_index_terms.c, schema.story_index_postings.c, schema.story_index_states.c,
                      schema.meta.c)
        conn.execute(delete(schema.meta).where(m.key == STORY_INDEX_DOCUMENTS))
        conn.execute(insert(schema.meta).values(key=STORY_INDEX_DOCUMENTS, value=str(changes.documents)))
        terms = sorted(set(changes.frequency_increments) | set(changes.posting_sizes))
        stored = self.index_terms_in(conn, terms)
        fresh = [{"term": term, "documents": changes.frequency_increments.get(term, 0),
                  "stories": changes.posting_sizes.get(term, 0)} for term in terms if term not in stored]
        if fresh:
            conn.execute(insert(schema.story_index_terms), fresh)
        grown = [{"t": term, "d": changes.frequency_increments.get(term, 0),
                  "s": changes.posting_sizes.get(term, stored[term][1])} for term in terms if term in stored]
        if grown:
            conn.execute(update(schema.story_index_terms).where(t.term == bindparam("t")).values(
                documents=t.documents + bindparam("d"), stories=bindparam("s")), grown)
        if changes.new_postings:
            pairs = sorted(changes.new_postings)
            existing = set()
            for chunk in _chunks(sorted({term for term, _ in pairs}), 900):
                existing |= {(row.term, row.story_id) for row in conn.execute(
                    select(p.term, p.story_id).where(p.term.in_(chunk)))}
            rows = [{"term": term, "story_id": story} for term, story in pairs if (term, story) not in existing]
            if rows:
                conn.execute(insert(schema.story_index_postings), rows)
        written = sorted(changes.states)
        for chunk in _chunks(written + sorted(changes.deleted), 900):
            conn.execute(delete(schema.story_index_states).where(s.story_id.in_(chunk)))
        if written:
            conn.execute(insert(schema.story_index_states), [
                {"story_id": story, "data": json.dumps(changes.states[story].to_json())} for story in written])

    @staticmethod
    def index_terms_in(conn, terms: Sequence[str]) -> dict[str, tuple[int, int]]:
        t = schema.story_index_terms.c
        found = {}
        for chunk in _chunks(list(terms), 900):
            for row in conn.execute(select(t.term, t.documents, t.stories).where(t.term.in_(chunk))):
                found[row.term] = (row.documents, row.stories)
        return found

    @staticmethod
    def _save_merged(conn, merged: dict[str, tuple[Sequence[str], list[MergedEvent]]],
                     tallies: dict[str, dict[str, Any]]) -> None:
        me, links = schema.merged_events.c, schema.merged_event_documents.c
        removed = sorted({event_id for gone, _ in merged.values() for event_id in gone})
        for chunk in _chunks(removed, 900):
            conn.execute(delete(schema.merged_events).where(me.id.in_(chunk)))
            conn.execute(delete(schema.merged_event_documents).where(links.merged_id.in_(chunk)))
        events = [(story, e) for story, (_, written) in merged.items() for e in written]
        if not events:
            return
        conn.execute(insert(schema.merged_events), [
            {"id": e.id, "story_id": story, "type": e.type, "modality": e.modality, "event_date": e.event_date,
             "first_report": e.first_report.isoformat() if e.first_report else None,
             "first_date": e.first_date.isoformat() if e.first_date else None,
             "last_date": e.last_date.isoformat() if e.last_date else None,
             "independent_sources": e.independent_sources,
             "actor_ids": " " + " ".join(sorted(set(e.source + e.target))) + " ",
             "tally": json.dumps(tallies[e.id], sort_keys=False) if e.id in tallies else None,
             "data": e.model_dump_json()} for story, e in events])
        conn.execute(insert(schema.merged_event_documents), [
            {"merged_id": e.id, "article_id": article} for _, e in events for article in sorted(set(e.documents))])

    def stories(self, *, limit: Optional[int] = None, since: Optional[str] = None) -> list[Story]:
        st = schema.stories.c
        query = select(st.data).order_by(st.size.desc(), st.id)
        if since:
            query = query.where(st.last_date >= since)
        if limit:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return self._with_articles(conn, [Story.model_validate_json(row.data) for row in conn.execute(query)])

    def story_article_ids(self, story_id: str) -> list[str]:
        """The story's articles (not its reprints), earliest first."""
        with self.engine.connect() as conn:
            return self._with_articles(conn, [Story(id=story_id, label="")])[0].articles

    @staticmethod
    def _with_articles(conn, stories: list[Story]) -> list[Story]:
        """Fill each story's article list from ``article_stories`` (earliest first, undated
        first as in the index), where membership lives. A reprint whose original is in
        the same story is evidence, not an article of the story."""
        links, a = schema.article_stories.c, schema.articles.c
        original = schema.article_stories.alias("original")
        members: dict[str, list[tuple[str, str]]] = {}
        for chunk in _chunks([x.id for x in stories], 900):
            query = (select(links.story_id, links.article_id, links.published)
                     .join(schema.articles, a.id == links.article_id)
                     .outerjoin(original, (original.c.article_id == a.duplicate_of)
                                & (original.c.story_id == links.story_id))
                     .where(links.story_id.in_(chunk), original.c.article_id.is_(None)))
            for row in conn.execute(query):
                members.setdefault(row.story_id, []).append((row.published or "", row.article_id))
        for story in stories:
            story.articles = [article for _, article in sorted(members.get(story.id, []))]
        return stories

    def story(self, story_id: str) -> Story:
        st = schema.stories.c
        with self.engine.connect() as conn:
            row = conn.execute(select(st.data).where(st.id == story_id)).first()
            if row is None and len(story_id) >= 4:
                rows = conn.execute(select(st.data).where(st.id.startswith(story_id, autoescape=True))
                                    .limit(2)).all()
                row = rows[0] if len(rows) == 1 else None
            if row is None:
                raise NotFoundError(f"no story with id {story_id!r}")
            return self._with_articles(conn, [Story.model_validate_json(row.data)])[0]

    def story_of(self, article_ids: Sequence[str]) -> dict[str, str]:
        links = schema.article_stories.c
        with self.engine.connect() as conn:
            return {row.article_id: row.story_id for row in conn.execute(
                select(links.article_id, links.story_id).where(links.article_id.in_(list(article_ids))))}

    def merged_events(self, *, story: Optional[str] = None, actor: Optional[str] = None,
                      other: Optional[str] = None, since: Optional[str] = None,
                      types: Optional[Sequence[str]] = None) -> list[MergedEvent]:
        """Merged events in time order (event date when known, else first report)."""
        me = schema.merged_events.c
        query = select(me.data)
        if story:
            query = query.where(me.story_id == story)
        for actor_id in (actor, other):
            if actor_id:
                query = query.where(me.actor_ids.like(f"% {_like_escape(actor_id)} %", escape="\\"))
        if since:
            query = query.where(func.coalesce(me.event_date, me.first_report) >= since)
        if types:
            query = query.where(me.type.in_(list(types)))
        query = query.order_by(func.coalesce(me.event_date, me.first_report, DATE_MAX), me.id)  # undated last
        with self.engine.connect() as conn:
            return [MergedEvent.model_validate_json(row.data) for row in conn.execute(query)]

    def recent_errors(self, limit: int = 20) -> list[dict[str, Any]]:
        e = schema.ingest_errors.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(e.at, e.path, e.key, e.stage, e.error, e.message)
                                .order_by(e.id.desc()).limit(limit)).all()
        return [dict(row._mapping) for row in rows]


QUERY_TOKEN = re.compile(r'"([^"]*)"?|(\()|(\))|([^\s()"]+)')


def to_tsquery_syntax(query: str) -> str:
    """FTS5-style query -> PostgreSQL to_tsquery syntax: words AND-ed, "a b" -> a <-> b,
    OR -> |, NOT -> & !, prefix* -> prefix:*. Words are reduced to word characters, so
    no user input reaches tsquery operators."""
    parts: list[str] = []
    pending_operator = "&"
    for phrase, _open, _close, word in QUERY_TOKEN.findall(query):
        if word in ("OR", "AND", "NOT"):
            pending_operator = {"OR": "|", "AND": "&", "NOT": "& !"}[word]
            continue
        if phrase:
            words = re.findall(r"\w+", phrase)
            term = "(" + " <-> ".join(words) + ")" if words else ""
        elif word:
            words = re.findall(r"\w+", word)
            term = " <-> ".join(words) + (":*" if word.endswith("*") and words else "")
        else:
            continue  # parentheses: grouping is not supported; the terms still count
        if not term:
            continue
        if parts:
            parts.append(pending_operator)
        elif pending_operator == "& !":
            parts.append("!")
        parts.append(term)
        pending_operator = "&"
    return " ".join(parts)


def _article(row) -> Article:
    article = Article.model_validate_json(row.data)
    # Duplicate links change when an earlier copy arrives later; the columns are the truth.
    article.duplicate_of, article.duplicate_kind = row.duplicate_of, row.duplicate_kind
    return article


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


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
                dbapi_conn.isolation_level = None  # sitroom emits BEGIN itself (below)
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        if memory:
            return engine  # one shared connection: nothing to serialise against

        @event.listens_for(engine, "begin")
        def _begin(conn):
            # A write transaction takes the write lock up front: a deferred one that reads
            # and then writes fails at once (SQLITE_BUSY) when another process wrote in
            # between, instead of waiting for the busy timeout.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("writer") else "BEGIN")
        return engine
    return create_engine(url, pool_pre_ping=True)


def open_store(db: str = "sitroom.db", **options) -> Store:
    return Store(db, **options)
