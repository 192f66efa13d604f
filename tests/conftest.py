"""Shared fixtures: hand-built records, an in-memory store, the spaCy model once per session."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Optional

import pytest

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

from sitroom.clean import content_hash  # noqa: E402
from sitroom.config import Settings  # noqa: E402
from sitroom.models import Article, RawItem, article_id  # noqa: E402
from sitroom.stage import Context  # noqa: E402
from sitroom.store import open_store  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"


def make_raw(text: str, key: str = "test.txt", **fields) -> RawItem:
    fields.setdefault("format", "text")
    return RawItem(key=key, path=fields.pop("path", key), text=text, **fields)


def make_article(text: str = "Russian forces struck Kyiv overnight.", key: str = "a.txt",
                 published: Optional[date] = None, **fields) -> Article:
    return Article(id=article_id(key), key=key, path=key, format="text", text=text, published=published,
                   content_hash=content_hash(text), language=fields.pop("language", "en"), **fields)


# A PostgreSQL server for the store tests (.ci/run starts one on loopback and sets this).
POSTGRES_URL = os.environ.get("SITROOM_TEST_POSTGRES")
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not POSTGRES_URL, reason="SITROOM_TEST_POSTGRES is not set (CI sets it; see .ci/run)"))]


def fresh_postgres() -> str:
    """The test database, emptied: every test starts from a new schema."""
    from sqlalchemy import create_engine, text
    from sitroom.store.db import database_url
    engine = create_engine(database_url(POSTGRES_URL))
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return POSTGRES_URL


@pytest.fixture(params=BACKENDS)
def store(request):
    """An empty store: in-memory SQLite, and PostgreSQL where a server is configured."""
    db = open_store(":memory:" if request.param == "sqlite" else fresh_postgres())
    yield db
    db.close()


@pytest.fixture(params=BACKENDS)
def file_store(request, tmp_path):
    """A store that other processes can open too: a SQLite file, or PostgreSQL."""
    db = open_store(str(tmp_path / "test.db") if request.param == "sqlite" else fresh_postgres())
    yield db
    db.close()


@pytest.fixture(scope="session")
def nlp():
    from sitroom.nlp import load_nlp
    return load_nlp()


@pytest.fixture
def ctx(nlp):
    context = Context(settings=Settings(workers=1))
    context.preset("nlp", nlp)
    return context
