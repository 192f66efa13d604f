"""Schema migrations: registered functions run in order, each in its own transaction,
with the version kept in ``meta.schema_version``. A new schema change is a new
function appended to ``MIGRATIONS``; shipped ones are never edited."""

from __future__ import annotations

import json
from collections import Counter
from contextlib import contextmanager
from typing import Callable, Iterator

from sqlalchemy import Connection, Engine, inspect, select, text

from . import schema


def _initial(conn: Connection) -> None:
    # The tables as migration 1 made them: later tables come with their own migration.
    schema.metadata.create_all(conn, tables=[t for t in schema.metadata.sorted_tables
                                             if t not in schema.CROSSDOC_TABLES])
    if conn.dialect.name == "sqlite":
        conn.execute(text("CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5("
                          "article_id UNINDEXED, title, text, tokenize='porter unicode61')"))
    elif conn.dialect.name == "postgresql":
        # Same role as the FTS5 table: a weighted English tsvector per article, GIN-indexed.
        conn.execute(text("CREATE TABLE IF NOT EXISTS articles_fts (article_id VARCHAR(32) PRIMARY KEY "
                          "REFERENCES articles(id) ON DELETE CASCADE, document TSVECTOR NOT NULL)"))
        conn.execute(text("CREATE INDEX IF NOT EXISTS ix_articles_fts_document ON articles_fts USING GIN (document)"))


def _crossdoc(conn: Connection) -> None:
    for table in schema.CROSSDOC_TABLES:
        table.create(conn, checkfirst=True)


def _story_index_tables(conn: Connection) -> None:
    """Story index as tables, merged-event dates and documents; a pickled index left by
    version 2 is converted (see ``convert_pickled_index``)."""
    for table in schema.STORY_INDEX_TABLES:
        table.create(conn, checkfirst=True)
    columns = {c["name"] for c in inspect(conn).get_columns("merged_events")}
    for name in ("first_date", "last_date"):
        if name not in columns:
            conn.execute(text(f"ALTER TABLE merged_events ADD COLUMN {name} VARCHAR(10)"))
    if "published" not in {c["name"] for c in inspect(conn).get_columns("article_stories")}:
        conn.execute(text("ALTER TABLE article_stories ADD COLUMN published VARCHAR(10)"))
        conn.execute(text("UPDATE article_stories SET published = "
                          "(SELECT published FROM articles WHERE articles.id = article_stories.article_id)"))
    for index in schema.merged_events.indexes:
        index.create(conn, checkfirst=True)
    me = schema.merged_events.c
    rows = conn.execute(select(me.id, me.data)).all()
    for row in rows:
        data = json.loads(row.data)
        conn.execute(schema.merged_events.update().where(me.id == row.id).values(
            first_date=data.get("first_date"), last_date=data.get("last_date")))
    links = [{"merged_id": row.id, "article_id": article}
             for row in rows for article in sorted(set(json.loads(row.data).get("documents", [])))]
    if links:
        conn.execute(schema.merged_event_documents.insert(), links)
    state = schema.crossdoc_state.c
    blob = conn.execute(select(state.data).where(state.name == "story_index")).scalar_one_or_none()
    if blob is not None:
        convert_pickled_index(conn, blob)
        conn.execute(schema.crossdoc_state.delete().where(state.name == "story_index"))


def _merged_event_tallies(conn: Connection) -> None:
    """The counts behind each merged event's description (``merged_events.tally``);
    events written before stay NULL and are re-clustered whole when next touched."""
    if "tally" not in {c["name"] for c in inspect(conn).get_columns("merged_events")}:
        conn.execute(text("ALTER TABLE merged_events ADD COLUMN tally TEXT"))


def _trigger_vectors(conn: Connection) -> None:
    schema.trigger_vectors.create(conn, checkfirst=True)


def convert_pickled_index(conn: Connection, blob: bytes) -> None:
    """Write a version-2 story index (a pickled in-memory ``StoryIndex``) into the index
    tables. Its attributes are read, not its methods, so the class may have moved on."""
    import pickle

    old = pickle.loads(blob)
    stats, postings, stories = old._stats, old._postings, old._stories
    articles = getattr(old, "_articles", {})
    posting_sizes = {term: len(ids) for term, ids in postings.items()}
    terms = set(stats.frequency) | set(posting_sizes)
    if terms:
        conn.execute(schema.story_index_terms.insert(), [
            {"term": t, "documents": int(stats.frequency.get(t, 0)), "stories": posting_sizes.get(t, 0)}
            for t in sorted(terms)])
    rows = [{"term": t, "story_id": s} for t, ids in postings.items() for s in sorted(ids)]
    if rows:
        conn.execute(schema.story_index_postings.insert(), rows)
    states = []
    for story_id, state in stories.items():
        # Version 2 listed member ids; outlets were on the indexed articles.
        outlets = Counter(getattr(articles.get(a), "outlet", None) for a in state.members)
        outlets.pop(None, None)
        data = {"size": len(state.members), "outlets": dict(outlets), "centroid": dict(state.centroid), "norm2": float(state.centroid_norm2),
                "actors": dict(state.actors), "event_types": dict(state.event_types),
                "dates": {d.isoformat(): n for d, n in state.dates.items()}}
        states.append({"story_id": story_id, "data": json.dumps(data)})
    if states:
        conn.execute(schema.story_index_states.insert(), states)
    conn.execute(schema.meta.delete().where(schema.meta.c.key == STORY_INDEX_DOCUMENTS))
    conn.execute(schema.meta.insert().values(key=STORY_INDEX_DOCUMENTS, value=str(int(stats.documents))))


# meta key holding the number of articles in the story index.
STORY_INDEX_DOCUMENTS = "story_index_documents"
# meta key counting cross-document updates (stories, merged events): part of the store's
# version, so that views cached over them (positions, disputes, briefings) are recomputed.
CROSSDOC_GENERATION = "crossdoc_generation"


MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "articles, records, duplicate index, full-text search", _initial),
    (2, "stories, merged events, story index state", _crossdoc),
    (3, "story index as tables, merged-event dates and documents", _story_index_tables),
    (4, "merged-event tallies", _merged_event_tallies),
    (5, "trigger vectors of the semantic extra", _trigger_vectors),
]
LATEST = MIGRATIONS[-1][0]


def current_version(conn: Connection) -> int:
    if not conn.dialect.has_table(conn, "meta"):
        return 0
    row = conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == "schema_version")).first()
    return int(row[0]) if row else 0


# Any constant: the key of PostgreSQL's advisory lock that serialises sitroom writers.
WRITE_LOCK_KEY = 7_271_530


@contextmanager
def writing(engine: Engine) -> Iterator[Connection]:
    """A write transaction that waits for other writers (processes included)."""
    with engine.connect() as conn:
        conn = conn.execution_options(writer=True)  # SQLite: BEGIN IMMEDIATE (see db._engine)
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})
            yield conn


def migrate(engine: Engine) -> int:
    """Bring the database to the latest schema; returns the version reached. Each
    migration runs in its own write transaction, so two processes opening a new
    database at once do not both apply it."""
    with engine.connect() as conn:
        version = current_version(conn)
    if version >= LATEST:
        return version
    for number, _description, apply in MIGRATIONS:
        with writing(engine) as conn:
            if number <= current_version(conn):
                continue
            apply(conn)
            conn.execute(schema.meta.delete().where(schema.meta.c.key == "schema_version"))
            conn.execute(schema.meta.insert().values(key="schema_version", value=str(number)))
    with engine.connect() as conn:
        return current_version(conn)
