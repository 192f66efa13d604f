"""The cross-document update over a real store: stories, reprints as evidence, merged events."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitroom.crossdoc import semantics
from sitroom.crossdoc.stories import StoryIndex, StoryInput
from sitroom.crossdoc.update import independent_sources, load_index, recluster, update_crossdoc
from sitroom.models import ArticleActor, Event, EventActor, MergedEvent, Span, Story
from tests.conftest import make_article

SWAP = ("Russia and Ukraine exchanged 1,000 prisoners each on Friday in the largest swap of the war, officials in "
        "Moscow and Kyiv said after the first direct talks in three years were held in Istanbul.")
SWAP_FOLLOW = ("A second exchange of prisoners between Russia and Ukraine was completed in Istanbul talks follow-up, "
               "officials said, as the two sides swapped hundreds more soldiers after the Istanbul meeting.")
EARLY_SWAP = ("Russia and Ukraine exchanged 175 prisoners of war on Saturday in a swap brokered by the United Arab "
              "Emirates, officials in Moscow and Kyiv said, the latest of several exchanges this winter.")
SWAP_SAME = ("Officials in Kyiv and Moscow said Russia and Ukraine exchanged 1,000 prisoners each on Friday, the "
             "biggest swap since the invasion, agreed at the first direct talks in three years in Istanbul.")
SANCTIONS = ("The Treasury imposed sanctions on Rosneft and Lukoil on Wednesday, its broadest measures against "
             "Russia's oil industry, and said more penalties could follow for buyers of Russian crude.")


def with_exchange_event(article, trigger="exchanged"):
    start = article.text.index(trigger)
    article.actors = [ArticleActor(id="RUS", name="Russia", country="RUS"),
                      ArticleActor(id="UKR", name="Ukraine", country="UKR")]
    article.events = [Event(id=f"e{article.id[:6]}", type="COOPERATE", rule="test", start=0, end=len(article.text),
                            text=article.text, date="2025-05-23", trigger=Span(start=start, end=start + len(trigger),
                                                                               text=trigger),
                            source=[EventActor(actor_id="RUS", text="Russia")],
                            target=[EventActor(actor_id="UKR", text="Ukraine")])]
    return article


def test_reprints_join_their_story_and_count_once(store):
    wire = with_exchange_event(make_article(SWAP, key="wire", published=date(2025, 5, 23), outlet="Harbor Wire"))
    reprint = with_exchange_event(make_article(SWAP, key="reprint", published=date(2025, 5, 23),
                                               outlet="Danube Daily"))
    other = make_article(SANCTIONS, key="sanctions", published=date(2025, 10, 22), outlet="Capital Ledger")
    store.put_batch([(wire, "h"), (reprint, "h"), (other, "h")], "p")
    report = update_crossdoc(store, [wire.id, reprint.id, other.id])
    assert report.story_of[wire.id] == report.story_of[reprint.id] != report.story_of[other.id]
    story = store.story(report.story_of[wire.id])
    original = next(a for a in (store.get(wire.id), store.get(reprint.id)) if a.duplicate_of is None)
    assert story.articles == [original.id]  # the reprint is evidence, not a second article of the story
    (merged,) = store.merged_events(story=story.id)
    assert merged.type == "COOPERATE" and merged.source == ["RUS"] and merged.target == ["UKR"]
    assert set(merged.documents) == {wire.id, reprint.id}
    assert merged.independent_sources == 1 and merged.outlets == ["Danube Daily", "Harbor Wire"]
    assert merged.event_date == "2025-05-23" and merged.first_report == date(2025, 5, 23)


def test_updates_are_incremental_and_idempotent(store):
    first = with_exchange_event(make_article(SWAP, key="a", published=date(2025, 5, 23), outlet="Harbor Wire"))
    store.put_batch([(first, "h")], "p")
    story_id = update_crossdoc(store, [first.id]).story_of[first.id]
    follow = with_exchange_event(make_article(SWAP_FOLLOW, key="b", published=date(2025, 5, 24),
                                              outlet="Eastbridge Times"), trigger="exchange")
    store.put_batch([(follow, "h")], "p")
    report = update_crossdoc(store, [follow.id])
    assert report.articles == 1 and report.story_of == {follow.id: story_id}
    assert store.story(story_id).articles == [first.id, follow.id]
    merged = store.merged_events(story=story_id)
    again = update_crossdoc(store, [follow.id])
    assert again.story_of == report.story_of and store.merged_events(story=story_id) == merged
    assert store.merged_events(actor="RUS", other="UKR") == merged
    assert store.merged_events(actor="USA") == []


def test_independent_sources_count_outlets_not_copies():
    a = make_article(SWAP, key="a", outlet="Harbor Wire")
    copy = make_article(SWAP, key="b", outlet="Danube Daily")
    copy.duplicate_of = a.id
    own = make_article(SWAP_FOLLOW, key="c", outlet="Eastbridge Times")
    same_outlet = make_article(SANCTIONS, key="d", outlet="Eastbridge Times")
    assert independent_sources([a, copy]) == 1
    assert independent_sources([a, copy, own, same_outlet]) == 2


def test_a_version_1_store_is_migrated(tmp_path):
    from sqlalchemy import create_engine

    from sitroom.store import open_store
    from sitroom.store import migrations

    path = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{path}")
    with migrations.writing(engine) as conn:
        migrations.MIGRATIONS[0][2](conn)
        conn.execute(migrations.schema.meta.insert().values(key="schema_version", value="1"))
    engine.dispose()
    store = open_store(str(path))
    assert store.schema_version == migrations.LATEST >= 2
    assert store.stories() == [] and store.merged_events() == []


def test_a_version_2_store_with_a_pickled_index_is_converted(tmp_path):
    """Version 2 kept the story index as one pickled object; version 3 reads its
    attributes into the index tables, and new articles keep joining its stories."""
    import pickle
    from types import SimpleNamespace

    from sqlalchemy import create_engine

    from sitroom.crossdoc.similarity import TermStatistics
    from sitroom.crossdoc.stories import StoryIndex
    from sitroom.store import migrations, open_store

    reference = StoryIndex()
    first = StoryInput(id="talks-1", text=SWAP, published=date(2025, 5, 23), outlet="Harbor Wire")
    reference.add_batch([first])
    story_id = reference.story_id("talks-1")
    state = reference._stories[story_id]
    stats = TermStatistics()
    stats.documents, stats.frequency = reference._stats.documents, reference._stats.frequency
    # The version-2 layout: members as a list, dates and outlets on the indexed inputs.
    legacy = SimpleNamespace(_stats=stats, _postings=dict(reference._postings), _articles={"talks-1": first},
                             _stories={story_id: SimpleNamespace(
                                 members=["talks-1"], centroid=state.centroid, centroid_norm2=state.centroid_norm2,
                                 actors=state.actors, event_types=state.event_types, dates=state.dates)})
    path = tmp_path / "v2.db"
    engine = create_engine(f"sqlite:///{path}")
    with migrations.writing(engine) as conn:
        migrations.MIGRATIONS[0][2](conn)
        migrations.MIGRATIONS[1][2](conn)
        conn.execute(migrations.schema.meta.insert().values(key="schema_version", value="2"))
        conn.execute(migrations.schema.crossdoc_state.insert().values(name="story_index", data=pickle.dumps(legacy)))
    engine.dispose()
    store = open_store(str(path))
    assert store.schema_version == migrations.LATEST >= 3
    assert store.index_documents() == 1
    index = load_index(store)
    follow = StoryInput(id="talks-2", text=SWAP_FOLLOW, published=date(2025, 5, 24))
    assert index.add(follow) == story_id == reference.add(follow)
    (story,) = index.stories([story_id])
    assert story.size == 2 and story.outlets == ["Harbor Wire"]
    assert story.articles == ["talks-2"]  # with a backend, the store lists a story's articles


STORY_WORDS = ["ceasefire", "drone", "geneva", "sanctions", "refinery", "kharkiv", "envoy", "prisoner", "grain",
               "port", "missile", "talks", "frontline", "energy", "summit", "odesa", "istanbul", "treasury"]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.sampled_from(STORY_WORDS), min_size=3, max_size=10), min_size=2, max_size=14),
       st.lists(st.integers(min_value=1, max_value=5), min_size=1, max_size=6))
def test_the_stored_index_clusters_like_the_one_in_memory(texts, batch_sizes):
    """Batch after batch, the index read from and written to the store's tables gives
    the stories the in-memory index gives."""
    from sitroom.store import open_store

    store = open_store(":memory:", near_threshold=1.01)  # every article an original, as the index sees them
    stored_articles = [make_article(" ".join(words) + f" (report {i})", key=f"a{i}",
                                    published=date(2025, 11, 1 + i % 9)) for i, words in enumerate(texts)]
    store.put_batch([(a, "h") for a in stored_articles], "p")  # article→story links need stored articles
    articles = [StoryInput.from_article(a) for a in stored_articles]
    in_memory = StoryIndex(max_postings=3)  # small, so postings also cross the limit
    start = 0
    for size in batch_sizes * 5:
        batch = articles[start:start + size]
        if not batch:
            break
        start += size
        stored = load_index(store, max_postings=3)
        assert stored.add_batch(batch) == in_memory.add_batch(batch)
        store.save_crossdoc(stored.pending_changes(), {})
    expected = {s.id: s.model_dump() for s in in_memory.stories()}
    assert {s.id: s.model_dump() for s in store.stories()} == expected
    assert store.index_documents() == len(in_memory)
    assert store.story_of([a.id for a in articles]) == in_memory.assignments()


def test_an_update_reclusters_only_the_merged_events_near_the_new_articles(store):
    """A follow-up a week later merges with the swap it reports; a report from months
    before stays as it was (not read, not rewritten)."""
    early = with_exchange_event(make_article(EARLY_SWAP, key="march", published=date(2025, 3, 1),
                                             outlet="Harbor Wire"))
    early.events[0].date = "2025-03-01"
    swap = with_exchange_event(make_article(SWAP, key="may", published=date(2025, 5, 23), outlet="Eastbridge Times"))
    store.put_batch([(early, "h"), (swap, "h")], "p")
    update_crossdoc(store, [early.id, swap.id], window_days=0)  # same story: the swap talks
    story_id = store.story_of([swap.id])[swap.id]
    assert store.story_of([early.id])[early.id] == story_id
    before = {e.id: e for e in store.merged_events(story=story_id)}
    assert len(before) == 2  # two swaps two months apart are two events
    follow = with_exchange_event(make_article(SWAP_SAME, key="follow", published=date(2025, 5, 24),
                                              outlet="Danube Daily"))
    store.put_batch([(follow, "h")], "p")
    report = update_crossdoc(store, [follow.id], window_days=14)
    assert report.story_of[follow.id] == story_id
    assert report.merged_events_replaced == 1  # the May swap only
    after = {e.id: e for e in store.merged_events(story=story_id)}
    march = next(e for e in before.values() if early.id in e.documents)
    assert after[march.id] == march
    (may,) = [e for e in after.values() if swap.id in e.documents]
    assert set(may.documents) == {swap.id, follow.id} and may.independent_sources == 2
    # The same articles re-clustered whole give the same merged events.
    update_crossdoc(store, [follow.id], window_days=0)
    assert {e.id: e for e in store.merged_events(story=story_id)} == after


def test_a_large_update_is_taken_in_batches(store):
    articles = [with_exchange_event(make_article(text, key=f"k{i}", published=date(2025, 5, 23 + i)))
                for i, text in enumerate((SWAP, SWAP_SAME, EARLY_SWAP))]
    store.put_batch([(a, "h") for a in articles], "p")
    report = update_crossdoc(store, [a.id for a in articles], batch_size=2)
    assert report.articles == 3 and sorted(report.story_of) == sorted(a.id for a in articles)
    assert store.story_of([a.id for a in articles]) == report.story_of
    assert report.stories_touched == len(set(report.story_of.values()))
    documents = sorted(d for e in store.merged_events() for d in e.documents)
    assert documents == sorted(a.id for a in articles)  # every mention in exactly one merged event


def test_version_2_tables_gain_their_version_3_columns(tmp_path):
    """A store made by version 2 (its tables as they were then) is migrated in place:
    merged events get their dates and document links, story links their dates."""
    from sqlalchemy import create_engine, text

    from sitroom.store import migrations, open_store

    path = tmp_path / "v2-tables.db"
    engine = create_engine(f"sqlite:///{path}")
    article = make_article(SWAP, key="swap", published=date(2025, 5, 23))
    with migrations.writing(engine) as conn:
        migrations.MIGRATIONS[0][2](conn)
        conn.execute(migrations.schema.meta.insert().values(key="schema_version", value="2"))
        conn.execute(text("CREATE TABLE stories (id VARCHAR(40) PRIMARY KEY, label TEXT NOT NULL, size INTEGER "
                          "NOT NULL, first_date VARCHAR(10), last_date VARCHAR(10), data TEXT NOT NULL)"))
        conn.execute(text("CREATE TABLE article_stories (article_id VARCHAR(32) PRIMARY KEY, "
                          "story_id VARCHAR(40) NOT NULL)"))
        conn.execute(text("CREATE TABLE merged_events (id VARCHAR(64) PRIMARY KEY, story_id VARCHAR(40), "
                          "type VARCHAR(16), modality VARCHAR(16), event_date VARCHAR(32), first_report VARCHAR(10), "
                          "independent_sources INTEGER NOT NULL, actor_ids TEXT NOT NULL, data TEXT NOT NULL)"))
        conn.execute(text("CREATE TABLE crossdoc_state (name VARCHAR(32) PRIMARY KEY, data BLOB NOT NULL)"))
        conn.execute(text("INSERT INTO articles (id, key, path, format, text, content_hash, raw_hash, pipeline, "
                          "ingested_at, data, published) VALUES (:id, 'swap', 'swap', 'text', :text, 'c', 'r', 'p', "
                          "'2025-05-23', :data, '2025-05-23')"),
                     {"id": article.id, "text": SWAP, "data": article.model_dump_json()})
        conn.execute(text("INSERT INTO article_stories VALUES (:a, 's1')"), {"a": article.id})
        merged = MergedEvent(id="e1", story="s1", mentions=[f"{article.id}:e1"], documents=[article.id],
                             first_date=date(2025, 5, 23), last_date=date(2025, 5, 23))
        conn.execute(text("INSERT INTO merged_events VALUES ('e1', 's1', 'COOPERATE', 'asserted', NULL, "
                          "'2025-05-23', 1, ' RUS ', :data)"), {"data": merged.model_dump_json()})
        conn.execute(text("INSERT INTO stories VALUES ('s1', 'swap', 1, '2025-05-23', '2025-05-23', :data)"),
                     {"data": Story(id="s1", label="swap", articles=[article.id], size=1).model_dump_json()})
    engine.dispose()
    store = open_store(str(path))
    assert store.schema_version == migrations.LATEST
    assert store.merged_events_of("s1", documents=[article.id]) == [merged]
    assert store.merged_events_of("s1", window=("2025-05-20", "2025-05-30")) == [merged]
    assert store.merged_events_of("s1", window=("2025-06-20", "2025-06-30")) == []
    assert store.story("s1").articles == [article.id]


def _swap_report(i: int, day: int):
    """A report of the May prisoner swap, in its own words (no two are near-duplicates)."""
    words = " ".join(f"{w}{i}" for w in ("kyiv", "moscow", "istanbul", "envoy", "officials", "families", "buses",
                                         "border", "wounded", "lists"))
    text = f"{SWAP} Report number {i} adds {words} and more detail from the exchange point on the border."
    article = with_exchange_event(make_article(text, key=f"swap-{i}", published=date(2025, 5, day),
                                               outlet=f"Outlet {i}"))
    article.events[0].end = len(SWAP)
    article.events[0].text = SWAP
    return article


def test_a_large_merged_event_is_extended_without_reading_all_its_articles():
    """A merged event with more than FIXED_MENTIONS mentions near a batch keeps all its
    evidence and takes in the new mention, reading only its representatives' articles;
    its description is what re-clustering it whole gives."""
    from sitroom.crossdoc import update as update_module
    from sitroom.store import open_store

    store = open_store(":memory:", near_threshold=1.01)
    old = [_swap_report(i, 20 + i % 4) for i in range(update_module.FIXED_MENTIONS + 5)]
    store.put_batch([(a, "h") for a in old], "p")
    update_crossdoc(store, [a.id for a in old])
    (story_id,) = set(store.story_of([a.id for a in old]).values())
    (before,) = store.merged_events(story=story_id)
    assert len(before.mentions) == len(old) > update_module.FIXED_MENTIONS

    new = _swap_report(99, 24)
    store.put_batch([(new, "h")], "p")
    read = []
    get_many = store.get_many
    store.get_many = lambda ids: read.extend(ids) or get_many(ids)
    report = update_crossdoc(store, [new.id])
    del store.get_many
    assert report.story_of[new.id] == story_id
    assert len(set(read)) <= 2 * update_module.REPRESENTATIVES + 1 < len(old)
    (after,) = store.merged_events(story=story_id)
    assert set(before.mentions) < set(after.mentions)
    assert set(after.mentions) - set(before.mentions) == {f"{new.id}:{new.events[0].id}"}
    assert set(after.documents) == set(before.documents) | {new.id}
    assert after.independent_sources == before.independent_sources + 1
    assert set(after.outlets) == set(before.outlets) | {"Outlet 99"}
    assert after.last_report == date(2025, 5, 24) and after.first_report == before.first_report

    update_crossdoc(store, [new.id], window_days=0)  # re-clustered whole from every article
    (whole,) = store.merged_events(story=story_id)
    assert whole == after


def test_batch_after_batch_every_mention_stays_in_exactly_one_merged_event():
    """Large merged events extended, small ones re-clustered, older ones left as they
    are: across many small batches no mention is lost or held twice."""
    from sitroom.store import open_store

    store = open_store(":memory:", near_threshold=1.01)
    reports = [_swap_report(i, 1 + i // 4) for i in range(60)]  # two weeks of reports, four a day
    for i, report in enumerate(reports):
        if i % 7 == 3:  # now and then an incident of its own
            report.events[0].trigger = Span(start=report.text.index("talks"), end=report.text.index("talks") + 5,
                                            text="talks")
    for start in range(0, len(reports), 5):
        batch = reports[start:start + 5]
        store.put_batch([(a, "h") for a in batch], "p")
        update_crossdoc(store, [a.id for a in batch])
        merged = store.merged_events()
        held = [m for e in merged for m in e.mentions]
        assert len(held) == len(set(held)) == start + len(batch)
        assert {d for e in merged for d in e.documents} == {a.id for a in reports[:start + len(batch)]}


def _three_reports_of_one_swap(store):
    reports = ((SWAP, "a", "Harbor Wire", "exchanged"), (SWAP_SAME, "b", "Danube Daily", "exchanged"),
               (SWAP_FOLLOW, "c", "Eastbridge Times", "exchange"))
    articles = [with_exchange_event(make_article(text, key=key, published=date(2025, 5, 23 + n), outlet=outlet),
                                    trigger=trigger) for n, (text, key, outlet, trigger) in enumerate(reports)]
    store.put_batch([(a, "h") for a in articles], "p")
    return articles


def test_the_merge_threshold_is_a_setting(store):
    articles = _three_reports_of_one_swap(store)
    report = update_crossdoc(store, [a.id for a in articles], merge_threshold=0.999)
    story_id = report.story_of[articles[0].id]
    assert len(store.merged_events(story=story_id)) == 3  # nothing is that certain: every report alone
    loose = update_crossdoc(store, [a.id for a in articles], merge_threshold=0.05)
    assert len(store.merged_events(story=loose.story_of[articles[0].id])) < 3


def test_recluster_applies_a_new_threshold_to_stored_stories(store):
    articles = _three_reports_of_one_swap(store)
    story_id = update_crossdoc(store, [a.id for a in articles]).story_of[articles[0].id]
    before = store.merged_events(story=story_id)
    strict = recluster(store, merge_threshold=0.999)
    assert strict.stories_touched == 1 and strict.merged_events_replaced == len(before)
    assert len(store.merged_events(story=story_id)) == 3
    # Back to the default: the same merged events as the incremental update gave.
    recluster(store, [story_id[:8]])
    assert store.merged_events(story=story_id) == before
    assert store.story(story_id).articles == [a.id for a in articles]  # stories are kept


def test_the_semantic_setting_needs_the_extra(store, monkeypatch):
    from sitroom.crossdoc import semantics
    from sitroom.errors import ConfigError
    monkeypatch.setattr(semantics, "installed", lambda: False)
    articles = _three_reports_of_one_swap(store)
    with pytest.raises(ConfigError, match="semantic extra is not installed"):
        update_crossdoc(store, [a.id for a in articles], semantic=True)
    update_crossdoc(store, [a.id for a in articles], semantic=False)  # off: no extra needed


@pytest.mark.skipif(not semantics.installed(), reason="semantic extra not installed (requirements-semantic.txt)")
def test_semantic_updates_keep_trigger_vectors_in_the_store(store, monkeypatch):
    articles = _three_reports_of_one_swap(store)
    update_crossdoc(store, [a.id for a in articles[:2]], semantic=True)
    # A later process: nothing in the model's sentence cache; the older mentions'
    # vectors come from the store, only the new article's sentence is encoded.
    monkeypatch.setattr(semantics, "_CACHE", type(semantics._CACHE)())
    encoded: list[str] = []
    encode = semantics.encode_sentences
    monkeypatch.setattr(semantics, "encode_sentences", lambda sentences: (encoded.extend(sentences),
                                                                          encode(sentences))[1])
    report = update_crossdoc(store, [articles[2].id], semantic=True)
    assert report.merged_events_replaced  # the earlier merged events were re-clustered with it
    assert encoded and set(encoded) == {articles[2].events[0].text}
