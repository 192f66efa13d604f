"""Invariants checked on generated inputs (hypothesis): export → import round trips,
re-ingesting the same files changes nothing."""

from __future__ import annotations

import io
import tempfile
from datetime import date
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sitroom.config import Settings
from sitroom.export import read_export, write_stream
from sitroom.models import Quote, Removal
from sitroom.pipeline import INGEST_STAGES
from sitroom.runner import run
from sitroom.store import open_store
from tests.conftest import make_article

text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=120)
words = st.lists(st.sampled_from(["Kyiv", "Moscow", "talks", "drones", "ceasefire", "said", "on", "Friday", "the",
                                  "envoy", "“quoted”", "€1bn", "—", "sanctions", "Geneva"]), min_size=3, max_size=40)


@st.composite
def articles(draw):
    body = " ".join(draw(words)) + "."
    article = make_article(body, key=draw(st.text(alphabet="abcdef0123456789/", min_size=1, max_size=12)),
                           published=draw(st.none() | st.dates(date(2020, 1, 1), date(2026, 12, 31))),
                           title=draw(st.none() | text), outlet=draw(st.none() | text),
                           genre=draw(st.sampled_from(["news", "opinion", "other"])))
    if draw(st.booleans()):
        article.removed = [Removal(rule="interstitial", text="Wait 5 sec.", start=0, end=11)]
    if draw(st.booleans()):
        article.quotes = [Quote(id=f"q{article.id}", text=body[:10], start=0, end=min(10, len(body)),
                                kind="direct", speaker_text=draw(st.none() | text))]
    return article


def exported(store) -> str:
    out = io.StringIO()
    write_stream(store.articles(), "jsonl", out)
    return out.getvalue()


@settings(max_examples=25, deadline=None)
@given(batch=st.lists(articles(), min_size=1, max_size=6, unique_by=lambda a: a.key))
def test_export_then_import_round_trips(batch):
    first = open_store(":memory:")
    first.put_batch([(a, "h") for a in batch], "p")
    dump = exported(first)
    again = open_store(":memory:")
    again.put_batch([(a, "import") for a in read_export(dump.splitlines())], "import")
    assert exported(again) == dump


@settings(max_examples=10, deadline=None)
@given(bodies=st.lists(words, min_size=1, max_size=6))
def test_reingesting_the_same_files_changes_nothing(bodies):
    with tempfile.TemporaryDirectory() as folder:
        corpus = Path(folder) / "corpus"
        corpus.mkdir()
        for i, body in enumerate(bodies):
            (corpus / f"{i}.txt").write_text(" ".join(body) + ".", encoding="utf-8")
        store = open_store(str(Path(folder) / "kb.db"))
        first = run([corpus], store, settings=Settings(workers=1), stages=INGEST_STAGES)
        before = exported(store)
        second = run([corpus], store, settings=Settings(workers=1), stages=INGEST_STAGES)
        assert second.stored == 0 and second.unchanged == first.seen
        assert exported(store) == before
        store.close()
