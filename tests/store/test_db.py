"""The store: round trips, duplicate links independent of order, search, transactions."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitroom.errors import BadParameterError, NotFoundError
from sitroom.models import Event, EventActor, Quote, Removal
from sitroom.store import open_store
from tests.conftest import make_article

WIRE = ("Russia and Ukraine exchanged 1,000 prisoners each on Friday in the largest swap of the war, officials "
        "in Moscow and Kyiv said, a week after the first direct talks in three years were held in Istanbul. The "
        "exchange took place on the border with Belarus and was expected to continue over the weekend, with "
        "hundreds more soldiers and civilians due to return home.")
NEAR = WIRE + " Families waited at the crossing for news."
OTHER = ("The Treasury imposed sanctions on Rosneft and Lukoil on Wednesday, its broadest measures against "
         "Russia's oil industry since the president returned to office in January.")


def test_round_trip_keeps_every_record(store):
    article = make_article(WIRE, key="wire.txt", published=date(2025, 5, 23), title="Swap", outlet="Harbor Wire")
    article.removed = [Removal(rule="interstitial", text="Wait 5 sec.", start=3, end=14)]
    article.events = [Event(id="e1", type="AGREE", cameo="057", rule="test", start=0, end=20, text=WIRE[:20],
                            source=[EventActor(actor_id="RUS", text="Russia")],
                            target=[EventActor(actor_id="UKR", text="Ukraine")])]
    article.quotes = [Quote(id="q1", text="x", start=0, end=1, kind="direct")]
    store.put_batch([(article, "h")], "p")
    assert store.get(article.id) == article
    assert store.get(article.id[:8]) == article  # unique prefix
    assert store.stats()["events"] == 1 and store.stats()["quotes"] == 1


def test_unknown_id(store):
    with pytest.raises(NotFoundError):
        store.get("0000000000000000")


def put(store, *articles):
    store.put_batch([(a, "h") for a in articles], "p")


def links(store):
    return {a.key: (store.get(a.duplicate_of).key if a.duplicate_of else None, a.duplicate_kind)
            for a in store.articles()}


def test_exact_and_near_duplicates_link_to_the_earliest(store):
    original = make_article(WIRE, key="wire.txt", published=date(2025, 5, 23))
    reprint = make_article(WIRE, key="reprint.txt", published=date(2025, 5, 24))
    near = make_article(NEAR, key="near.txt", published=date(2025, 5, 24))
    other = make_article(OTHER, key="other.txt", published=date(2025, 10, 22))
    put(store, reprint, near, other, original)  # the original arrives last
    assert links(store) == {"wire.txt": (None, None), "reprint.txt": ("wire.txt", "exact"),
                            "near.txt": ("wire.txt", "near"), "other.txt": (None, None)}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(range(4)))
def test_duplicate_links_do_not_depend_on_input_order(order):
    articles = [make_article(WIRE, key="a", published=date(2025, 5, 23)),
                make_article(WIRE, key="b", published=date(2025, 5, 23)),
                make_article(NEAR, key="c"),
                make_article(OTHER, key="d", published=date(2025, 1, 1))]
    store = open_store(":memory:")
    for index in order:
        put(store, articles[index])
    assert links(store) == {"a": (None, None), "b": ("a", "exact"), "c": ("a", "near"), "d": (None, None)}


def test_search_with_snippets_and_bad_syntax(store):
    put(store, make_article(WIRE, key="a"), make_article(OTHER, key="b"))
    (hit,) = store.search("prisoners")
    assert hit["id"] == make_article(WIRE, key="a").id and "\x02prisoners\x03" in hit["snippet"]
    assert [h["id"] for h in store.search('Rosneft AND "Lukoil"')] == [make_article(OTHER, key="b").id]
    assert store.search('unbalanced "quote') == []  # falls back to plain words, no crash
    with pytest.raises(BadParameterError):
        store.search("  ")


def test_reprocessing_replaces_records(store):
    article = make_article(WIRE, key="a")
    article.quotes = [Quote(id="q1", text="x", start=0, end=1, kind="direct")]
    put(store, article)
    article.quotes = []
    put(store, article)
    assert store.stats()["quotes"] == 0 and store.count() == 1


def test_a_failed_batch_leaves_earlier_batches_intact(file_store):
    put(file_store, make_article(WIRE, key="a"))
    broken = make_article(OTHER, key="b")
    broken.events = [Event(id="e", type="AGREE", rule="r", start=0, end=1, text="x")] * 2  # duplicate primary key
    with pytest.raises(Exception):
        put(file_store, make_article(NEAR, key="c"), broken)
    assert [a.key for a in file_store.articles()] == ["a"]


def test_reopening_a_file_store_keeps_data_and_schema(file_store):
    put(file_store, make_article(WIRE, key="a"))
    file_store.close()
    again = open_store(file_store.url)
    assert again.count() == 1 and again.schema_version >= 1


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=200)


@settings(max_examples=30, deadline=None)
@given(text=texts, title=st.none() | texts, outlet=st.none() | texts,
       published=st.none() | st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 1, 1)),
       genre=st.sampled_from(["news", "opinion", "other"]))
def test_any_article_round_trips(text, title, outlet, published, genre):
    store = open_store(":memory:")
    article = make_article(text, key="k", published=published, title=title, outlet=outlet, genre=genre)
    put(store, article)
    assert store.get(article.id) == article


def _ingest_worker(db_path: str, corpus: str) -> int:
    from sitroom.config import Settings
    from sitroom.pipeline import INGEST_STAGES
    from sitroom.runner import run
    summary = run([corpus], open_store(db_path), settings=Settings(workers=1, batch_size=5), stages=INGEST_STAGES)
    return len(summary.errors)


def test_two_processes_ingesting_overlapping_inputs_store_each_article_once(tmp_path, file_store):
    import multiprocessing
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(60):
        (corpus / f"{i:03d}.txt").write_text(f"Report {i}\n\nShelling hit district {i} overnight, said officials "
                                             f"who counted {i * 37 % 101} damaged homes in sector {i * 13}.")
    db_path = file_store.url
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        errors = pool.starmap(_ingest_worker, [(db_path, str(corpus)), (db_path, str(corpus))])
    assert errors == [0, 0]
    assert file_store.count() == 60
    assert len({a.key for a in file_store.articles()}) == 60


@pytest.mark.parametrize("query, expected", [
    ("ceasefire Jeddah", "ceasefire & Jeddah"),
    ('"security guarantees" NOT opinion', "(security <-> guarantees) & ! opinion"),
    ("Rosneft OR Lukoil", "Rosneft | Lukoil"),
    ("sanction*", "sanction:*"),
    ("it's (a) test: ok!", "it <-> s & a & test & ok"),
    ("'; DROP TABLE articles; --", "DROP & TABLE & articles"),
])
def test_fts5_syntax_translates_to_tsquery(query, expected):
    from sitroom.store.db import to_tsquery_syntax
    assert to_tsquery_syntax(query) == expected


def test_prefix_search(store):
    put(store, make_article(OTHER, key="b"))
    assert len(store.search("sanct*")) == 1


def test_same_day_copies_prefer_the_shared_text_as_canonical(store):
    from sitroom.models import article_id
    keys = sorted(["w1", "w2", "edited", "x1", "x2", "x3"], key=article_id)
    edited_key, wire_keys = keys[0], keys[1:3]  # the edited reprint has the smallest id
    day = date(2025, 5, 23)
    put(store, make_article(NEAR, key=edited_key, published=day),
        *[make_article(WIRE, key=k, published=day) for k in wire_keys])
    found = links(store)
    canonical = next(k for k, (target, _) in found.items() if target is None)
    assert canonical in wire_keys
    assert found[edited_key] == (canonical, "near")
