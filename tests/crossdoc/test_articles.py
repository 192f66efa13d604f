"""From stored Article records to stories and merged events."""

from __future__ import annotations

from datetime import date

from sitroom.crossdoc import StoryIndex, StoryInput, cluster_mentions, mentions_from_article
from sitroom.models import ArticleActor, Event, EventActor, Span
from tests.conftest import make_article

REPORTS = {
    "reuters.txt": ("Reuters", "Russian missiles struck Kyiv on Monday. Officials said four people died."),
    "ap.txt": ("AP", "Russian missiles struck the Ukrainian capital Kyiv on Monday, officials said."),
}


def strike_article(key: str) -> object:
    outlet, text = REPORTS[key]
    article = make_article(text, key=key, published=date(2025, 11, 10), outlet=outlet, title="Missiles hit Kyiv")
    article.actors = [ArticleActor(id="RUSMIL", name="Russian military"), ArticleActor(id="UKR", name="Ukraine")]
    start = text.index("struck")
    article.events = [Event(id="e1", type="ASSAULT", rule="test", start=0, end=text.index(".") + 1,
                            text=text[:text.index(".") + 1], date="2025-11-10", location="Kyiv",
                            source=[EventActor(actor_id="RUSMIL", text="Russian missiles")],
                            trigger=Span(start=start, end=start + 6, text="struck"))]
    return article


def test_articles_become_one_story_and_one_event():
    articles = [strike_article(key) for key in REPORTS]
    inputs = [StoryInput.from_article(a) for a in articles]
    assert inputs[0].actors == {"RUSMIL", "UKR"} and inputs[0].event_types == {"ASSAULT"}
    index = StoryIndex()
    stories = index.add_batch(inputs)
    assert len(set(stories.values())) == 1
    mentions = [m for a in articles for m in mentions_from_article(a, stories[a.id])]
    assert [m.head_lemma for m in mentions] == ["struck", "struck"]  # no Doc kept: the written form
    assert mentions[0].participants == {"RUSMIL"} and mentions[0].locations == {"kyiv"}
    events = cluster_mentions(mentions)
    assert len(events) == 1 and events[0].documents == sorted(a.id for a in articles)


def test_trigger_lemma_comes_from_the_parse_when_the_article_holds_its_doc(nlp):
    article = strike_article("reuters.txt")
    article.with_doc(nlp(article.text))
    assert mentions_from_article(article)[0].head_lemma == "strike"
