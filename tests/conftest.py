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


@pytest.fixture
def store():
    memory = open_store(":memory:")
    yield memory
    memory.close()


@pytest.fixture
def file_store(tmp_path):
    db = open_store(str(tmp_path / "test.db"))
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
