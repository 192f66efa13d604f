"""Fixtures for the actor layer: the spaCy model and the actor catalog, once per session."""

from __future__ import annotations

from datetime import date
from typing import Optional

import pytest

from sitroom.config import Settings
from sitroom.link.curated import ActorCatalog, load_catalog
from sitroom.link.resolve import CATALOG_RESOURCE, link_actors
from sitroom.models import Article, article_id
from sitroom.nlp import parse
from sitroom.stage import Context


@pytest.fixture(scope="session")
def link_nlp():
    from sitroom.nlp import load_nlp
    return load_nlp()


@pytest.fixture(scope="session")
def catalog() -> ActorCatalog:
    return load_catalog()


@pytest.fixture
def link(link_nlp, catalog):
    """``link(text, published)`` -> the article, parsed and linked."""

    def run(text: str, published: Optional[date] = date(2025, 6, 2), *,
            settings: Optional[Settings] = None, cat: Optional[ActorCatalog] = None) -> Article:
        ctx = Context(settings=settings or Settings(workers=1))
        ctx.preset("nlp", link_nlp)
        ctx.preset(CATALOG_RESOURCE, cat or catalog)
        article = Article(id=article_id(text), key=text[:20], path="t.txt", format="text", text=text,
                          language="en", published=published)
        parse([article], ctx)
        return link_actors(article, ctx)

    return run
