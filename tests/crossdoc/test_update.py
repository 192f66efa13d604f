"""The cross-document update over a real store: stories, reprints as evidence, merged events."""

from __future__ import annotations

from datetime import date

from sitroom.crossdoc.update import independent_sources, update_crossdoc
from sitroom.models import ArticleActor, Event, EventActor, Span
from tests.conftest import make_article

SWAP = ("Russia and Ukraine exchanged 1,000 prisoners each on Friday in the largest swap of the war, officials in "
        "Moscow and Kyiv said after the first direct talks in three years were held in Istanbul.")
SWAP_FOLLOW = ("A second exchange of prisoners between Russia and Ukraine was completed in Istanbul talks follow-up, "
               "officials said, as the two sides swapped hundreds more soldiers after the Istanbul meeting.")
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
