"""Schema migrations: registered functions run in order, each in its own transaction,
with the version kept in ``meta.schema_version``. A new schema change is a new
function appended to ``MIGRATIONS``; shipped ones are never edited."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

from sqlalchemy import Connection, Engine, select, text

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


MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "articles, records, duplicate index, full-text search", _initial),
    (2, "stories, merged events, story index state", _crossdoc),
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
