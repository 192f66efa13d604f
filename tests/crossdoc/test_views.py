"""Positions, disputes and briefings over a store are memoised until the store changes."""

from __future__ import annotations

from datetime import date

import pytest

from sitroom.crossdoc.brief import full_briefing
from sitroom.crossdoc.disputes import disputes, stored_disputes
from sitroom.crossdoc.positions import load_issues, positions, stored_positions
from sitroom.crossdoc.update import story_articles, update_crossdoc
from sitroom.pipeline import STAGES, process_shard
from sitroom.store import queries
from tests.conftest import make_raw
from tests.crossdoc.test_update import SANCTIONS, SWAP

DEMAND = ("Kremlin spokesman Dmitry Peskov said on Tuesday that Moscow demands that Ukraine withdraw its troops "
          "from the Donbas before any ceasefire, and rejects a freeze along the current front line.")
# A stale title in a 2025 article: a "title" dispute against the actor dictionary.
STALE_TITLE = ("Former U.S. President Donald Trump said on Thursday that he would meet Vladimir Putin in Budapest "
               "within two weeks to discuss an end to the war in Ukraine.")


@pytest.fixture
def fresh_versions(monkeypatch):
    """Read the store's version on every call (the app trusts it for a second)."""
    monkeypatch.setattr(queries, "VERSION_TTL", -1.0)


def _ingest(store, ctx, *items):
    """Run the whole pipeline over (text, key, published, outlet) items, store them and
    update the cross-document layer."""
    raws = [make_raw(text, key=key, published=published, outlet=outlet) for text, key, published, outlet in items]
    articles = process_shard(raws, ctx, STAGES, strict=True).articles
    store.put_batch([(a, "h") for a in articles], "p")
    return update_crossdoc(store, [a.id for a in articles])


FIRST = ((SWAP, "swap", date(2025, 5, 23), "Harbor Wire"), (DEMAND, "demand", date(2025, 6, 3), "Capital Ledger"),
         (STALE_TITLE, "title", date(2025, 6, 5), "Danube Daily"))
LATER = (SANCTIONS, "sanctions", date(2025, 10, 22), "Capital Ledger")


def test_views_are_computed_once_per_store_version(store, ctx, fresh_versions):
    _ingest(store, ctx, *FIRST)
    first_positions, first_disputes = stored_positions(store), stored_disputes(store)
    assert first_positions and first_disputes  # Peskov's demands; a stale "Former U.S. President"
    assert first_positions == positions(store.articles(), load_issues())
    assert first_disputes == disputes(store.articles())
    # Asked again with nothing stored in between: the same objects, not recomputed.
    assert stored_positions(store) is first_positions and stored_disputes(store) is first_disputes
    assert stored_positions(store, actor="RUSGOV") == positions(store.articles(), load_issues(), actor="RUSGOV")

    # A new article changes the store's version: recomputed, and equal to the direct result.
    _ingest(store, ctx, LATER)
    assert stored_positions(store) is not first_positions and stored_disputes(store) is not first_disputes
    assert stored_positions(store) == positions(store.articles(), load_issues())
    assert stored_disputes(store) == disputes(store.articles())


def test_a_cross_document_update_alone_changes_the_version(store, ctx, fresh_versions):
    report = _ingest(store, ctx, FIRST[0])
    before = queries.store_version(store)
    update_crossdoc(store, list(report.story_of))  # stories and merged events rewritten, articles untouched
    assert queries.store_version(store) != before


def test_story_views_cover_that_story_only(store, ctx, fresh_versions):
    report = _ingest(store, ctx, *FIRST, LATER)
    story = store.story(report.story_of[next(a for a in report.story_of)])
    articles = story_articles(store, story)
    assert stored_positions(store, story=story.id) == positions(articles, load_issues())
    assert stored_disputes(store, story=story.id[:8]) == disputes(articles)  # a unique prefix will do


def test_a_repeated_briefing_is_the_same_briefing_stamped_anew(store, ctx, fresh_versions):
    _ingest(store, ctx, *FIRST)
    first = full_briefing(store)
    again = full_briefing(store)
    assert again.generated >= first.generated
    assert again.model_dump(exclude={"generated"}) == first.model_dump(exclude={"generated"})
    assert first.as_of == date(2025, 6, 5)

    _ingest(store, ctx, LATER)
    assert full_briefing(store).as_of == date(2025, 10, 22)
