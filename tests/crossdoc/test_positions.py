"""Positions per actor and issue, from hand-built events and quotes (no spaCy)."""

from __future__ import annotations

import re
from datetime import date
from typing import Optional

import pytest

from sitroom.crossdoc.positions import (Issue, canonical_articles, keyword_pattern, load_issues, positions,
                                        quote_stance)
from sitroom.errors import ConfigError
from sitroom.models import Article, ArticleActor, Event, EventActor, Quote, Sentence, article_id

ACTORS = {
    "RUSGOV": ("Russian government", "RUS", "RUSGOV"),
    "RUS.PUTIN": ("Vladimir Putin", "RUS", "RUSGOV"),
    "UKRGOV": ("Ukrainian government", "UKR", "UKRGOV"),
    "USAGOV": ("United States government", "USA", "USAGOV"),
}


def sentences_of(text: str) -> list[Sentence]:
    return [Sentence(start=m.start(), end=m.end()) for m in re.finditer(r"[^.!?]+[.!?]", text)]


def article(key: str, text: str, published: Optional[date], *, events=(), quotes=(), genre="news",
            outlet: str = "Test Wire", duplicate_of: Optional[str] = None) -> Article:
    used = {a.actor_id for e in events for a in e.source} | {q.speaker_actor for q in quotes}
    actors = [ArticleActor(id=i, name=ACTORS[i][0], country=ACTORS[i][1], code=ACTORS[i][2]) for i in sorted(used)
              if i in ACTORS]
    return Article(id=article_id(key), key=key, path=key, format="text", text=text, published=published,
                   outlet=outlet, url=f"https://example.test/{key}", genre=genre, sentences=sentences_of(text),
                   actors=actors, events=list(events), quotes=list(quotes), duplicate_of=duplicate_of)


def event(text: str, sentence: str, type_: str, source: str, *, modality="asserted", when: Optional[str] = None,
          record: str = "e1") -> Event:
    start = text.index(sentence)
    index = next(i for i, s in enumerate(sentences_of(text)) if s.start <= start < s.end)
    return Event(id=record, type=type_, source=[EventActor(actor_id=source, text=ACTORS[source][0],
                                                           country=ACTORS[source][1])],
                 modality=modality, date=when, sentence=index, start=start, end=start + len(sentence),
                 text=sentence, rule="test")


def quote(text: str, words: str, speaker: str, *, kind="indirect", cue="said", record="q1") -> Quote:
    start = text.index(words)
    index = next(i for i, s in enumerate(sentences_of(text)) if s.start <= start < s.end)
    return Quote(id=record, text=words, start=start, end=start + len(words), kind=kind, cue=cue,
                 speaker_text=ACTORS[speaker][0], speaker_actor=speaker, sentence=index)


@pytest.fixture(scope="module")
def issues():
    return load_issues()


def one(found, actor_id, issue):
    matching = [p for p in found if p.actor_id == actor_id and p.issue == issue]
    assert len(matching) == 1, found
    return matching[0]


# --------------------------------------------------------------------------- issues file


def test_issues_file_loads_with_ids_labels_and_keywords(issues):
    ids = [issue.id for issue in issues]
    assert {"territory", "security_guarantees", "nato", "ceasefire", "sanctions", "elections", "prisoners",
            "frozen_assets", "military_aid", "energy_infrastructure"} <= set(ids)
    assert len(ids) == len(set(ids))
    assert all(issue.label and issue.keywords for issue in issues)


def test_keywords_match_whole_words_plurals_and_prefixes():
    pattern = keyword_pattern(["truce", "territor*", "security guarantee"])
    assert pattern.search("a 30-day Truce was proposed")
    assert pattern.search("two truces collapsed")
    assert pattern.search("territorial concessions")
    assert pattern.search("robust security  guarantees")
    assert not pattern.search("the trucek")
    assert not pattern.search("extraterritorial rights")


def test_custom_issues_file_and_errors(tmp_path):
    path = tmp_path / "issues.yaml"
    path.write_text("issues:\n  - id: water\n    label: Water rights\n    keywords: [river, dam*]\n")
    [water] = load_issues(path)
    assert water == Issue.build("water", "Water rights", ["river", "dam*"])
    assert water.matches("the dams on the Nile")
    path.write_text("issues:\n  - id: water\n    keywords: river\n")
    with pytest.raises(ConfigError):
        load_issues(path)
    path.write_text("issues:\n  - id: a\n    keywords: [x]\n  - id: a\n    keywords: [y]\n")
    with pytest.raises(ConfigError):
        load_issues(path)


# --------------------------------------------------------------------------- stances from events


@pytest.mark.parametrize("type_, modality, stance", [
    ("REQUEST", "asserted", "demands"),
    ("REJECT", "asserted", "rejects"),
    ("AGREE", "asserted", "accepts"),
    ("AGREE", "reported", "accepts"),
    ("AGREE", "planned", "offers"),
    ("CONCEDE", "asserted", "accepts"),
    ("THREATEN", "asserted", "threatens"),
    ("SUPPORT", "asserted", "supports"),
    ("AGREE", "negated", "rejects"),
    ("REJECT", "negated", "accepts"),
])
def test_event_types_map_to_stances(issues, type_, modality, stance):
    text = "Moscow spoke about a ceasefire on Tuesday."
    a = article("s.txt", text, date(2025, 3, 11), events=[event(text, text, type_, "RUSGOV", modality=modality)])
    [position] = positions([a], issues)
    assert (position.actor_id, position.issue, position.stance) == ("RUSGOV", "ceasefire", stance)
    assert position.actor_name == "Russian government"


def test_position_carries_statement_dates_and_evidence(issues):
    text = "Moscow demands that Kyiv withdraw from the Donetsk region. Officials met in Riyadh."
    sentence = "Moscow demands that Kyiv withdraw from the Donetsk region."
    a = article("d.txt", text, date(2025, 8, 19), events=[event(text, sentence, "REQUEST", "RUSGOV",
                                                                 when="2025-08-18", record="e42")])
    [position] = positions([a], issues)
    assert position.stance == "demands" and position.issue == "territory"
    assert position.statement == sentence
    # The event's own day dates the statement; the evidence keeps the article's date.
    assert position.first_seen == position.last_seen == date(2025, 8, 18)
    [evidence] = position.evidence
    assert (evidence.article_id, evidence.record_id, evidence.outlet) == (a.id, "e42", "Test Wire")
    assert evidence.published == date(2025, 8, 19) and evidence.url.endswith("d.txt")
    assert position.changed_from is None and position.changed_on is None


def test_recommendations_and_hypotheticals_are_not_positions(issues):
    text = "Washington should accept a ceasefire. If Moscow agrees to a truce, talks begin."
    recommend = event(text, "Washington should accept a ceasefire.", "AGREE", "USAGOV", modality="recommended")
    hypothetical = event(text, "If Moscow agrees to a truce, talks begin.", "AGREE", "RUSGOV",
                         modality="hypothetical", record="e2")
    a = article("o.txt", text, date(2025, 3, 1), events=[recommend, hypothetical])
    assert positions([a], issues) == []


def test_opinion_writers_should_is_not_the_actors_position(issues):
    text = "Washington should demand that any territorial deal be agreed by Kyiv."
    misread = event(text, text, "REQUEST", "USAGOV", modality="reported")
    opinion = article("op.txt", text, date(2025, 8, 17), events=[misread], genre="opinion")
    news = article("n.txt", text, date(2025, 8, 17), events=[misread], genre="news")
    assert positions([opinion], issues) == []
    assert [p.stance for p in positions([news], issues)] == ["demands"]


def test_change_of_stance_is_recorded(issues):
    first = "Kyiv rejected the proposed ceasefire."
    second = "Kyiv accepted the proposed ceasefire."
    march = article("m.txt", first, date(2025, 3, 1), events=[event(first, first, "REJECT", "UKRGOV")])
    april = article("a.txt", second, date(2025, 4, 2), events=[event(second, second, "AGREE", "UKRGOV")])
    [position] = positions([april, march], issues)
    assert position.stance == "accepts" and position.statement == second
    assert (position.changed_from, position.changed_on) == ("rejects", date(2025, 4, 2))
    assert (position.first_seen, position.last_seen) == (date(2025, 3, 1), date(2025, 4, 2))
    assert [e.article_id for e in position.evidence] == [march.id, april.id]


def test_reprints_count_once_with_the_canonical_evidence(issues):
    text = "Kyiv rejected the proposed ceasefire."
    original = article("wire.txt", text, date(2025, 3, 1), events=[event(text, text, "REJECT", "UKRGOV")],
                       outlet="Wire")
    reprint = article("copy.txt", text, date(2025, 3, 1), events=[event(text, text, "REJECT", "UKRGOV")],
                      outlet="Reprinter", duplicate_of=original.id)
    [position] = positions([reprint, original], issues)
    assert [(e.article_id, e.outlet) for e in position.evidence] == [(original.id, "Wire")]
    # Without its canonical article in the list, one reprint stands in for the family.
    [alone] = positions([reprint], issues)
    assert [e.article_id for e in alone.evidence] == [reprint.id]
    assert [a.id for a in canonical_articles([reprint, original])] == [original.id]


# --------------------------------------------------------------------------- stances from quotes


def test_quotes_with_stance_cues_become_positions(issues):
    text = ("Kyiv said it wants robust security guarantees. "
            "The White House said Ukraine will not join NATO. "
            "Moscow said it is ready to discuss a prisoner exchange.")
    quotes = [quote(text, "it wants robust security guarantees", "UKRGOV", record="q1"),
              quote(text, "Ukraine will not join NATO", "USAGOV", record="q2"),
              quote(text, "it is ready to discuss a prisoner exchange", "RUSGOV", record="q3")]
    found = positions([article("q.txt", text, date(2025, 11, 21), quotes=quotes)], issues)
    assert one(found, "UKRGOV", "security_guarantees").stance == "demands"
    assert one(found, "USAGOV", "nato").stance == "rejects"
    assert one(found, "RUSGOV", "prisoners").stance == "offers"


def test_quote_stance_prefers_negation_and_falls_back_to_cue_or_states():
    def q(words, cue="said"):
        return Quote(id="q", text=words, start=0, end=len(words), kind="indirect", cue=cue)
    assert quote_stance(q("Moscow will not accept a pause in the fighting")) == "rejects"
    assert quote_stance(q("the next step should be a full ceasefire")) == "demands"
    assert quote_stance(q("Russia agreed to a truce on energy sites")) == "accepts"
    assert quote_stance(q("that Ukraine withdraw its troops", cue="demanded")) == "demands"
    assert quote_stance(q("the ceasefire talks took place in Jeddah")) == "states"


def test_states_is_evidence_but_never_the_stance(issues):
    early = "Moscow said it rejects any ceasefire."
    later = "Moscow said the ceasefire talks took place in Jeddah."
    a = article("r.txt", early, date(2025, 3, 1), quotes=[quote(early, "it rejects any ceasefire", "RUSGOV")])
    b = article("s.txt", later, date(2025, 3, 5),
                quotes=[quote(later, "the ceasefire talks took place in Jeddah", "RUSGOV")])
    [position] = positions([a, b], issues)
    assert position.stance == "rejects" and len(position.evidence) == 2
    assert position.last_seen == date(2025, 3, 5) and position.changed_from is None


# --------------------------------------------------------------------------- grouping and filters


def test_by_country_groups_metonyms_and_people_and_filters(issues):
    a_text = "The Kremlin rejected the ceasefire."
    b_text = "Putin demanded sanctions relief."
    a = article("k.txt", a_text, date(2025, 3, 1), events=[event(a_text, a_text, "REJECT", "RUSGOV")])
    b = article("p.txt", b_text, date(2025, 5, 1), events=[event(b_text, b_text, "REQUEST", "RUS.PUTIN")])
    by_actor = positions([a, b], issues)
    assert [(p.actor_id, p.issue) for p in by_actor] == [("RUS.PUTIN", "sanctions"), ("RUSGOV", "ceasefire")]
    by_country = positions([a, b], issues, by_country=True)
    assert [(p.actor_id, p.issue) for p in by_country] == [("RUS", "ceasefire"), ("RUS", "sanctions")]
    assert [p.actor_id for p in positions([a, b], issues, actor="RUS.PUTIN")] == ["RUS.PUTIN"]
    assert [p.issue for p in positions([a, b], issues, since=date(2025, 4, 1))] == ["sanctions"]
