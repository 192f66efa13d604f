"""Event coreference on hand-written mentions of strikes and talks."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from sitroom.crossdoc import EventMention, TriggerLexicon, cluster_mentions
from sitroom.models import MergedEvent
from sitroom.crossdoc.coref import arguments_from_parse, derivationally_related, default_lexicon

KYIV_STRIKE = "Russian missiles struck Kyiv on Monday, killing four people in the Darnytskyi district."
KYIV_STRIKE_2 = "Four people were killed when Russian missiles hit the Darnytskyi district of Kyiv on Monday."
KYIV_STRIKE_3 = "The Monday missile strike on Kyiv's Darnytskyi district killed four, officials said."
KHARKIV_STRIKE = "A Russian glide bomb struck Kharkiv on Friday, killing two people near a market."
GENEVA = "Ukrainian and American delegations met in Geneva to discuss the peace plan."


def mention(id_, document, lemma, sentence, published, story="s-war", **arguments):
    return EventMention(id=id_, document=document, head_lemma=lemma, trigger=lemma, sentence=sentence,
                        document_text=sentence, published=published, story=story,
                        participants=frozenset(arguments.get("participants", ())),
                        locations=frozenset(arguments.get("locations", ())),
                        times=frozenset(arguments.get("times", ())))


MONDAY, FRIDAY = date(2025, 11, 10), date(2025, 11, 14)
MENTIONS = [
    mention("reuters#1", "reuters", "strike", KYIV_STRIKE, MONDAY, locations={"kyiv"}, times={"monday"}),
    mention("reuters#2", "reuters", "kill", KYIV_STRIKE, MONDAY, locations={"kyiv"}, times={"monday"}),
    mention("ap#1", "ap", "hit", KYIV_STRIKE_2, MONDAY, locations={"kyiv"}, times={"monday"}),
    mention("ap#2", "ap", "kill", KYIV_STRIKE_2, MONDAY, locations={"kyiv"}, times={"monday"}),
    mention("kyivpost#1", "kyivpost", "strike", KYIV_STRIKE_3, MONDAY, locations={"kyiv"}, times={"monday"}),
    mention("kyivpost#2", "kyivpost", "kill", KYIV_STRIKE_3, MONDAY, locations={"kyiv"}, times={"monday"}),
    mention("ukrinform#1", "ukrinform", "strike", KHARKIV_STRIKE, FRIDAY, locations={"kharkiv"}, times={"friday"}),
    mention("ukrinform#2", "ukrinform", "kill", KHARKIV_STRIKE, FRIDAY, locations={"kharkiv"}, times={"friday"}),
    mention("bbc#1", "bbc", "meet", GENEVA, date(2025, 11, 23), story="s-talks", locations={"geneva"}),
]


def events_of(events: list[MergedEvent]) -> frozenset[frozenset[str]]:
    return frozenset(frozenset(e.mentions) for e in events)


def test_same_strike_reported_by_several_outlets_is_one_event():
    events = events_of(cluster_mentions(MENTIONS))
    assert frozenset({"reuters#1", "ap#1", "kyivpost#1"}) in events
    assert frozenset({"reuters#2", "ap#2", "kyivpost#2"}) in events


def test_strikes_on_different_days_stay_apart():
    events = events_of(cluster_mentions(MENTIONS))
    kyiv = next(e for e in events if "reuters#1" in e)
    assert "ukrinform#1" not in kyiv
    assert "ukrinform#2" not in next(e for e in events if "reuters#2" in e)


def test_mentions_of_different_stories_never_merge():
    talks = mention("ap#3", "ap", "meet", GENEVA, date(2025, 11, 23), story="s-other", locations={"geneva"})
    events = events_of(cluster_mentions([MENTIONS[-1], talks]))
    assert events == {frozenset({"bbc#1"}), frozenset({"ap#3"})}


def test_merged_event_record():
    events = cluster_mentions(MENTIONS)
    kill = next(e for e in events if "ap#2" in e.mentions)
    assert kill.head_lemmas[0] == "kill"
    assert kill.story == "s-war"
    assert kill.first_date == kill.last_date == MONDAY
    assert kill.documents == sorted(kill.documents)


def test_threshold_is_tunable():
    assert len(cluster_mentions(MENTIONS, threshold=0.999)) == len(MENTIONS)


def test_trigger_relations():
    lexicon = default_lexicon()
    assert lexicon.relation("strike", "strike") == "same"
    assert lexicon.relation("explode", "explosion") == "derivation"
    assert lexicon.relation("die", "death") == "derivation"
    assert lexicon.relation("kill", "murder") == "synonym"  # one CAMEO verb block
    assert lexicon.relation("kill", "negotiate") == "unrelated"
    assert derivationally_related("quake", "earthquake")
    assert derivationally_related("checks", "check")
    custom = TriggerLexicon({"talks": ["negotiate", "discuss"]})
    assert custom.relation("negotiate", "discuss") == "synonym"


def test_arguments_from_parse(nlp):
    doc = nlp("Russian missiles struck Kyiv on Monday.")
    head = next(t.i for t in doc if t.text == "struck")
    participants, times, locations = arguments_from_parse(doc, head)
    assert "kyiv" in locations | participants
    assert "monday" in times
    assert "missile" in participants


@settings(max_examples=25, deadline=None)
@given(st.permutations(MENTIONS))
def test_events_do_not_depend_on_input_order(mentions):
    assert [e.model_dump() for e in cluster_mentions(mentions)] == \
        [e.model_dump() for e in cluster_mentions(MENTIONS)]
