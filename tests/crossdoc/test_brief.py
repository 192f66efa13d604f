"""The briefing on hand-built articles and records (no spaCy): ranking by independent
corroboration, modality and genre rules, filters, 'new since previous', citations on
every statement, escaping, and that no development sentence is invented."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest

from sitroom.crossdoc.brief import Briefing, build_briefing, folded, render
from sitroom.errors import BadParameterError
from sitroom.models import (Article, ArticleActor, Dispute, Event, EventActor, Evidence, Figure, MergedEvent, Position,
                            Sentence, Story)

NOW = datetime(2025, 3, 20, 9, 0, tzinfo=timezone.utc)

# Sentences written for these tests.
WIRE_STRIKE = "Russian forces shelled the river port of Zavodsk overnight, the regional governor said."
DEPOT_STRIKE_A = "Ukrainian drones struck a fuel depot near Belgorod on Tuesday."
DEPOT_STRIKE_B = "A fuel depot outside Belgorod burned after a Ukrainian drone attack on Tuesday, officials reported."
FILLER = "The statement gave no further details."


def event(event_id: str, text: str, start: int, *, type_: str = "ASSAULT", source: str = "RUSMIL",
          target: str = "UKR", modality: str = "asserted", when: str = "2025-03-18") -> Event:
    return Event(id=event_id, type=type_, source=[EventActor(actor_id=source, text=source)],
                 target=[EventActor(actor_id=target, text=target)], modality=modality, date=when,
                 start=start, end=start + len(text), text=text, rule="test")


def article(article_id: str, outlet: str, published: date | None, sentences: list[str], *,
            events: list[tuple] = (), genre: str = "news", duplicate_of: str | None = None,
            content_hash: str = "", url: str | None = "", figures: list[dict] = ()) -> Article:
    """An article whose text is its sentences; ``events`` are (sentence index, options)."""
    text, spans = "", []
    for sentence in sentences:
        if text:
            text += " "
        spans.append(Sentence(start=len(text), end=len(text) + len(sentence)))
        text += sentence
    built_events = [event(f"{article_id}-e{n}", sentences[index], spans[index].start, **options)
                    for n, (index, options) in enumerate(events)]
    built_figures = [Figure(id=f"{article_id}-f{n}", sentence=spec["sentence"], text=spec["text"],
                            start=spans[spec["sentence"]].start + sentences[spec["sentence"]].index(spec["text"]),
                            end=spans[spec["sentence"]].start + sentences[spec["sentence"]].index(spec["text"])
                            + len(spec["text"]),
                            **{k: v for k, v in spec.items() if k not in ("sentence", "text")})
                     for n, spec in enumerate(figures)]
    return Article(id=article_id, key=article_id, path=f"{article_id}.txt", format="text",
                   url=f"https://{outlet.lower().replace(' ', '')}.example/{article_id}" if url == "" else url,
                   outlet=outlet, published=published, genre=genre, text=text, content_hash=content_hash or article_id,
                   duplicate_of=duplicate_of, sentences=spans, events=built_events, figures=built_figures,
                   actors=[ArticleActor(id="RUSMIL", name="Russian armed forces"),
                           ArticleActor(id="UKR", name="Ukraine")])


DAY = date(2025, 3, 18)


def wire_and_reprints() -> list[Article]:
    """One wire story (the zavodsk shelling) under four outlets: two linked reprints and
    one copy that dedup did not link but that has the same text."""
    return [
        article("wire", "Harbor Wire", DAY, [WIRE_STRIKE, FILLER], events=[(0, {})], content_hash="h-wire"),
        article("reprint1", "Danube Daily", DAY, [WIRE_STRIKE, FILLER], events=[(0, {})], duplicate_of="wire",
                content_hash="h-wire"),
        article("reprint2", "Capital Ledger", DAY, [WIRE_STRIKE, FILLER], events=[(0, {})], duplicate_of="wire",
                content_hash="h-wire-near"),
        article("copy", "Meridian Post", DAY, [WIRE_STRIKE, FILLER], events=[(0, {})], content_hash="h-wire"),
    ]


def independent_pair() -> list[Article]:
    """The depot strike, told in their own words by two outlets."""
    options = {"source": "UKRMIL", "target": "RUS", "when": "2025-03-18"}
    return [article("depot-a", "Eastbridge Times", DAY, [DEPOT_STRIKE_A], events=[(0, options)]),
            article("depot-b", "Northfield Review", DAY, [DEPOT_STRIKE_B], events=[(0, options)])]


def developments(briefing: Briefing):
    return briefing.section("developments").items


# --------------------------------------------------------------------------- ranking


def test_reprints_of_one_wire_story_count_once_and_rank_below_two_independent_reports():
    briefing = build_briefing(wire_and_reprints() + independent_pair(), now=NOW)
    items = developments(briefing)
    assert [i.statements[0].text for i in items] == [DEPOT_STRIKE_A, WIRE_STRIKE]
    depot, wire = items
    assert depot.independent_sources == 2
    assert wire.independent_sources == 1
    assert {c.article_id for c in wire.sources} == {"wire", "reprint1", "reprint2", "copy"}


def test_ranking_with_merged_events_cites_reprints_without_counting_them():
    articles = wire_and_reprints() + independent_pair()
    merged = [MergedEvent(id="m-wire", mentions=["wire:wire-e0"], documents=["wire", "reprint1", "reprint2"]),
              MergedEvent(id="m-depot", mentions=["depot-a:depot-a-e0", "depot-b:depot-b-e0"],
                          documents=["depot-a", "depot-b"], type="ASSAULT")]
    items = developments(build_briefing(articles, merged=merged, now=NOW))
    assert [i.key for i in items] == ["event:m-depot", "event:m-wire"]
    wire = items[1]
    assert wire.independent_sources == 1
    assert {"reprint1", "reprint2"} <= {c.article_id for c in wire.sources}


def test_material_conflict_ranks_above_verbal_cooperation_with_equal_corroboration():
    talks = "Negotiators from both sides met in Riyadh to discuss a maritime truce."
    articles = [article("talks", "Eastbridge Times", DAY, [talks],
                        events=[(0, {"type_": "CONSULT", "source": "RUSMIL", "target": "UKR"})]),
                article("strike", "Northfield Review", DAY, [DEPOT_STRIKE_A],
                        events=[(0, {"source": "UKRMIL", "target": "RUS"})])]
    items = developments(build_briefing(articles, now=NOW))
    assert [i.statements[0].text for i in items] == [DEPOT_STRIKE_A, talks]


def test_the_earliest_report_gives_the_sentence():
    later = article("later", "Northfield Review", date(2025, 3, 19), [DEPOT_STRIKE_B],
                    events=[(0, {"source": "UKRMIL", "target": "RUS"})])
    earlier = article("earlier", "Eastbridge Times", DAY, [DEPOT_STRIKE_A],
                      events=[(0, {"source": "UKRMIL", "target": "RUS"})])
    item = developments(build_briefing([later, earlier], now=NOW))[0]
    assert item.statements[0].text == DEPOT_STRIKE_A
    assert [c.article_id for c in item.statements[0].sources] == ["earlier"]
    assert [c.article_id for c in item.sources] == ["earlier", "later"]


# --------------------------------------------------------------------------- modality and genre


def test_hypothetical_and_recommended_events_are_left_out_and_negated_reads_did_not():
    would = "Russian forces could shell the port again if talks fail."
    should = "Kyiv should strike the depots before winter, one analyst argued."
    denied = "Russian forces did not shell the port on Wednesday, the ministry said."
    articles = [article("a", "Eastbridge Times", DAY, [would, should, denied], events=[
        (0, {"modality": "hypothetical"}), (1, {"modality": "recommended", "source": "UKR", "target": "RUS"}),
        (2, {"modality": "negated", "when": "2025-03-19"})])]
    items = developments(build_briefing(articles, now=NOW))
    assert [i.statements[0].text for i in items] == [denied]
    assert "did not ASSAULT" in items[0].headline
    assert items[0].flags == ["negated"]


def test_opinion_articles_never_feed_developments_nor_corroborate():
    column = article("column", "Meridian Post", DAY, [DEPOT_STRIKE_A, "Kyiv should strike more depots."],
                     genre="opinion", events=[(0, {"source": "UKRMIL", "target": "RUS"}),
                                              (1, {"source": "UKRMIL", "target": "RUS", "when": "2025-03-20"})])
    news = article("news", "Northfield Review", DAY, [DEPOT_STRIKE_B],
                   events=[(0, {"source": "UKRMIL", "target": "RUS"})])
    briefing = build_briefing([column, news], now=NOW)
    items = developments(briefing)
    assert len(items) == 1
    assert items[0].independent_sources == 1
    assert all(c.genre != "opinion" for i in items for c in i.sources)
    only_opinion = build_briefing([column], now=NOW)
    assert developments(only_opinion) == []


# --------------------------------------------------------------------------- filters


def test_since_keeps_only_articles_dated_on_or_after_it():
    old = article("old", "Eastbridge Times", date(2025, 3, 1), [DEPOT_STRIKE_A],
                  events=[(0, {"source": "UKRMIL", "target": "RUS", "when": "2025-03-01"})])
    undated = article("undated", "Harbor Wire", None, [WIRE_STRIKE], events=[(0, {"when": None})])
    briefing = build_briefing([old, undated] + independent_pair(), since=date(2025, 3, 10), now=NOW)
    cited = {c.article_id for i in developments(briefing) for c in i.sources}
    assert cited == {"depot-a", "depot-b"}
    assert briefing.articles_considered == 2


def test_story_keeps_its_articles_and_their_reprints():
    articles = wire_and_reprints() + independent_pair()
    stories = [Story(id="s-zavodsk", label="RUSMIL — zavodsk", articles=["wire", "copy"]),
               Story(id="s-depot", label="UKRMIL — depot", articles=["depot-a", "depot-b"])]
    briefing = build_briefing(articles, stories=stories, story="s-zavodsk", now=NOW)
    assert briefing.story == "s-zavodsk"
    assert {c.article_id for i in developments(briefing) for c in i.sources} == {"wire", "reprint1", "reprint2",
                                                                                   "copy"}
    with pytest.raises(BadParameterError):
        build_briefing(articles, stories=stories, story="s-missing", now=NOW)


def test_story_without_given_stories_is_clustered_from_the_articles():
    articles = wire_and_reprints() + independent_pair()
    first = build_briefing(articles, now=NOW)
    assert first.story is None
    from sitroom.crossdoc.brief import _stories_of

    story_id = next(s.id for s in _stories_of(articles) if "depot-a" in s.articles)
    briefing = build_briefing(articles, story=story_id, now=NOW)
    assert "depot-a" in {c.article_id for i in developments(briefing) for c in i.sources}


# --------------------------------------------------------------------------- new since previous


def test_items_first_seen_after_the_previous_briefing_are_new():
    earlier = article("earlier", "Eastbridge Times", date(2025, 3, 10), [DEPOT_STRIKE_A],
                      events=[(0, {"source": "UKRMIL", "target": "RUS", "when": "2025-03-10"})])
    previous = build_briefing([earlier], now=datetime(2025, 3, 11, tzinfo=timezone.utc))
    assert previous.as_of == date(2025, 3, 10)
    current = build_briefing([earlier] + wire_and_reprints(), previous=previous, now=NOW)
    new = {i.statements[0].text for i in current.section("changes").items}
    assert new == {WIRE_STRIKE}
    by_text = {i.statements[0].text: i for i in developments(current)}
    assert by_text[WIRE_STRIKE].new and not by_text[DEPOT_STRIKE_A].new
    by_date = build_briefing([earlier] + wire_and_reprints(), previous=date(2025, 3, 1), now=NOW)
    assert len(by_date.section("changes").items) == 2


def test_without_previous_nothing_is_marked_new():
    briefing = build_briefing(independent_pair(), now=NOW)
    assert briefing.section("changes").items == []
    assert "No previous briefing given." in render(briefing)


# --------------------------------------------------------------------------- positions, figures, disputes


def evidence(article_: Article, text: str, record_id: str | None = None) -> Evidence:
    return Evidence(article_id=article_.id, outlet=article_.outlet, published=article_.published, url=article_.url,
                    record_id=record_id, text=text)


def test_positions_changed_ones_first_with_templated_line_and_statement():
    said_no = "Moscow will not give up any of the four regions, the Kremlin spokesman said."
    said_maybe = "Kyiv is ready to discuss a ceasefire along the current line, the foreign minister said."
    first = article("p1", "Harbor Wire", DAY, [said_no])
    second = article("p2", "Danube Daily", date(2025, 3, 19), [said_maybe])
    positions = [
        Position(actor_id="RUSGOV", actor_name="Russia", issue="territory", stance="rejects", statement=said_no,
                 first_seen=DAY, last_seen=DAY, evidence=[evidence(first, said_no)]),
        Position(actor_id="UKRGOV", actor_name="Ukraine", issue="ceasefire", stance="accepts", statement=said_maybe,
                 first_seen=date(2025, 3, 1), last_seen=date(2025, 3, 19), evidence=[evidence(second, said_maybe)],
                 changed_from="rejects", changed_on=date(2025, 3, 19)),
    ]
    items = build_briefing([first, second], positions=positions, now=NOW).section("positions").items
    assert [i.headline for i in items] == [
        "Ukraine (UKRGOV) accepts — ceasefire — since 2025-03-19 · changed from rejects",
        "Russia (RUSGOV) rejects — territory — since 2025-03-18"]
    assert items[1].statements[0].text == said_no
    assert [c.article_id for c in items[1].statements[0].sources] == ["p1"]


def test_figures_grouped_with_claimant_and_disputed_flagged_with_the_explanation():
    kyiv_says = "Ukraine's general staff said 1,200 Russian soldiers were killed or wounded on Monday."
    moscow_says = "The Russian defence ministry put its own losses on Monday at 150."
    first = article("f1", "Harbor Wire", DAY, [kyiv_says], figures=[
        {"sentence": 0, "text": "1,200", "value": 1200, "unit": "people", "counted": "Russian soldiers",
         "category": "casualties", "claimant_actor": "UKRMIL"}])
    second = article("f2", "Danube Daily", DAY, [moscow_says], figures=[
        {"sentence": 0, "text": "150", "value": 150, "unit": "people", "counted": "losses",
         "category": "casualties", "claimant_text": "The Russian defence ministry"}])
    dispute = Dispute(id="d1", kind="figure", severity="high", subject="Russian losses on Monday",
                      explanation="Kyiv's count is eight times Moscow's.",
                      evidence=[evidence(first, kyiv_says, "f1-f0"), evidence(second, moscow_says, "f2-f0")])
    briefing = build_briefing([first, second], disputes=[dispute], now=NOW)
    figures = briefing.section("figures").items
    assert {i.group for i in figures} == {"casualties"}
    assert all(i.flags == ["disputed"] and i.notes == ["Kyiv's count is eight times Moscow's."] for i in figures)
    assert any("claimed by The Russian defence ministry" in i.headline for i in figures)
    assert {i.statements[0].text for i in figures} == {kyiv_says, moscow_says}
    disputes = briefing.section("disputes").items
    assert disputes[0].headline == "high · figure · Russian losses on Monday: Kyiv's count is eight times Moscow's."
    assert [s.text for s in disputes[0].statements] == [kyiv_says, moscow_says]


# --------------------------------------------------------------------------- rendering


CITATION_MD = re.compile(r"\[[^\]]*\d{4}-\d{2}-\d{2}\]\(<https?://[^>]+>\)|\[[^\]]*· article [^\]]+\]")


def full_briefing() -> Briefing:
    said_no = "Moscow will not give up any of the four regions, the Kremlin spokesman said."
    position_article = article("p1", "Harbor Wire", DAY, [said_no])
    no_url = article("nourl", "Local Paper", DAY, [DEPOT_STRIKE_B], url=None,
                     events=[(0, {"source": "UKRMIL", "target": "RUS"})])
    articles = wire_and_reprints() + [independent_pair()[0], no_url, position_article]
    positions = [Position(actor_id="RUSGOV", actor_name="Russia", issue="territory", stance="rejects",
                          statement=said_no, first_seen=DAY, evidence=[evidence(position_article, said_no)])]
    disputes = [Dispute(id="d2", kind="title", severity="low", explanation="Two titles for one official.",
                        evidence=[evidence(position_article, said_no)])]
    return build_briefing(articles, positions=positions, disputes=disputes, previous=date(2025, 3, 1), now=NOW)


def test_every_rendered_statement_in_markdown_carries_a_citation():
    text = render(full_briefing(), "md")
    body = text.split("\n## Sources")[0]
    statements = [line for line in body.splitlines() if line.startswith(("- ", "  - "))]
    assert len(statements) >= 8
    for line in statements:
        assert CITATION_MD.search(line), line
    assert "[Local Paper, 2025-03-18 · article nourl]" in text


def test_every_rendered_item_in_html_carries_a_citation():
    page = render(full_briefing(), "html")
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    items = re.findall(r'<li class="item.*?</li>', page, flags=re.S)
    assert len(items) >= 5
    for item in items:
        assert "<cite" in item
        for quote in re.findall(r"<blockquote>.*?</blockquote>", item, flags=re.S):
            assert "<cite" in quote


def test_html_and_markdown_escape_hostile_text():
    hostile = "Officials said <script>alert('x')</script> was found on the [site](javascript:alert(1))."
    articles = [article("x", "Bad <b>Outlet</b>", DAY, [hostile], url="javascript:alert(2)",
                        events=[(0, {"source": "UKRMIL", "target": "RUS"})])]
    briefing = build_briefing(articles, now=NOW)
    page = render(briefing, "html")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<b>Outlet</b>" not in page
    assert 'href="javascript' not in page
    markdown = render(briefing, "md")
    assert "<script>" not in markdown and "\\<script\\>" in markdown
    assert not re.search(r"(?<!\\)\]\(<?javascript", markdown)  # the bracket is escaped: no link
    assert "\\[site\\](javascript" in markdown
    with pytest.raises(BadParameterError):
        render(briefing, "pdf")


def test_every_development_sentence_appears_verbatim_in_a_source_article():
    articles = wire_and_reprints() + independent_pair() + [
        article("multi", "Eastbridge Times", date(2025, 3, 17), ["Russian  forces\nshelled Zavodsk again.", FILLER],
                events=[(0, {"when": "2025-03-17"})])]
    by_id = {a.id: folded(a.text) for a in articles}
    for item in developments(build_briefing(articles, now=NOW)):
        for statement in item.statements:
            assert any(statement.text in by_id[c.article_id] for c in statement.sources), statement.text
            assert statement.sources


def test_the_same_records_give_the_same_briefing():
    articles = wire_and_reprints() + independent_pair()
    first = build_briefing(articles, now=NOW)
    second = build_briefing(list(reversed(articles)), now=NOW)
    assert render(first) == render(second)


# --------------------------------------------------------------------------- from a store


def test_briefing_from_a_store_uses_its_stories_and_merged_events(store):
    from sitroom.crossdoc.brief import briefing_from_store
    from sitroom.crossdoc.update import update_crossdoc
    from sitroom.models import Span
    from tests.conftest import make_article

    story_text = ("Russian forces shelled the river port of Zavodsk overnight, damaging two grain terminals, "
                  "the regional governor said on Tuesday after inspecting the harbour.")
    copies = []
    for key, outlet in (("wire", "Harbor Wire"), ("reprint", "Danube Daily")):
        copy = make_article(story_text, key=key, published=DAY, outlet=outlet, url=f"https://{key}.example/zavodsk")
        start = story_text.index("shelled")
        copy.events = [Event(id=f"e{copy.id[:6]}", type="ASSAULT", rule="test", start=0, end=len(story_text),
                             text=story_text, date="2025-03-18",
                             trigger=Span(start=start, end=start + len("shelled"), text="shelled"),
                             source=[EventActor(actor_id="RUSMIL", text="Russian forces")])]
        copies.append(copy)
    store.put_batch([(copy, "h") for copy in copies], "p")
    update_crossdoc(store, [copy.id for copy in copies])
    story_id = store.stories()[0].id
    for briefing in (briefing_from_store(store, now=NOW), briefing_from_store(store, story=story_id[:8], now=NOW)):
        (item,) = briefing.section("developments").items
        assert item.key.startswith("event:e")  # a stored merged event, not a fallback group
        assert item.independent_sources == 1
        assert {c.article_id for c in item.sources} == {copy.id for copy in copies}
        assert item.statements[0].text == story_text
    assert briefing.story == story_id


def test_outlet_names_from_feeds_and_hosts_are_one_outlet():
    from sitroom.crossdoc.brief import outlet_key

    assert outlet_key("Harbor Wire") == outlet_key("www.harborwire.example") == outlet_key("Harbor Wire - World")
    assert outlet_key("Capital Ledger | Economy") == "capitalledger" != outlet_key("Danube Daily")
    same_outlet = [article("h1", "Harbor Wire", DAY, [DEPOT_STRIKE_A], events=[(0, {"source": "UKRMIL",
                                                                                  "target": "RUS"})]),
                   article("h2", "www.harborwire.example", DAY, [DEPOT_STRIKE_B],
                           events=[(0, {"source": "UKRMIL", "target": "RUS"})])]
    (item,) = developments(build_briefing(same_outlet, now=NOW))
    assert item.independent_sources == 1


def test_background_events_rank_by_when_they_happened_not_when_reported():
    from sitroom.crossdoc.brief import timex_period_end

    assert timex_period_end("2024") == date(2024, 12, 31)
    assert timex_period_end("2024-02") == date(2024, 2, 29)
    assert timex_period_end("2025-03-18") == date(2025, 3, 18)
    assert timex_period_end("XXXX-WXX-6") is None and timex_period_end(None) is None
    background = "In 2023 Russian forces shelled the same port for a month."
    articles = [article("bg", "Eastbridge Times", DAY, [background], events=[(0, {"when": "2023"})]),
                article("today", "Northfield Review", DAY, [DEPOT_STRIKE_A],
                        events=[(0, {"source": "UKRMIL", "target": "RUS"})])]
    items = developments(build_briefing(articles, now=NOW))
    assert [i.statements[0].text for i in items] == [DEPOT_STRIKE_A, background]


def test_a_reprint_published_a_day_later_groups_with_its_original():
    original = article("orig", "Harbor Wire", DAY, [WIRE_STRIKE], events=[(0, {"when": None})])
    late = article("late", "Meridian Post", date(2025, 3, 19), [WIRE_STRIKE], events=[(0, {"when": None})],
                   duplicate_of="orig")
    (item,) = developments(build_briefing([original, late], now=NOW))
    assert [c.article_id for c in item.sources] == ["orig", "late"] and item.independent_sources == 1
