"""Schema migrations: registered functions run in order, each in its own transaction,
with the version kept in ``meta.schema_version``. A new schema change is a new
function appended to ``MIGRATIONS``; shipped ones are never edited."""

from __future__ import annotations

from typing import Callable

from sqlalchemy import Connection, select, text

from . import schema


def _initial(conn: Connection) -> None:
    schema.metadata.create_all(conn)
    if conn.dialect.name == "sqlite":
        conn.execute(text("CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5("
                          "article_id UNINDEXED, title, text, tokenize='porter unicode61')"))


MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "articles, records, duplicate index, full-text search", _initial),
]
LATEST = MIGRATIONS[-1][0]


def current_version(conn: Connection) -> int:
    if not conn.dialect.has_table(conn, "meta"):
        return 0
    row = conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == "schema_version")).first()
    return int(row[0]) if row else 0


def migrate(engine) -> int:
    """Bring the database to the latest schema; returns the version reached."""
    with engine.begin() as conn:
        version = current_version(conn)
    for number, _description, apply in MIGRATIONS:
        if number <= version:
            continue
        with engine.begin() as conn:
            apply(conn)
            conn.execute(schema.meta.delete().where(schema.meta.c.key == "schema_version"))
            conn.execute(schema.meta.insert().values(key="schema_version", value=str(number)))
        version = number
    return version
