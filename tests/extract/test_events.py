"""Event coder: verb dictionary, arguments (compound, passive, none), PLOVER folding, the stage."""

from __future__ import annotations

from datetime import date

import pytest

from sitroom.extract.events import (ArticleActors, DictionaryActors, VerbDictionary, cameo_to_plover,
                                    code_sentence, extract_events, load_verb_dictionary, parse_pattern,
                                    petrarch_verbs_to_data)
from sitroom.link.dictionary import load_actor_dictionary, load_agent_dictionary
from sitroom.models import ArticleActor, Mention, Span

from tests.conftest import make_article

ACTORS = """\
RUSSIA [RUS]
+RUSSIAN
+MOSCOW
+KREMLIN
UKRAINE [UKR]
+UKRAINIAN
+KYIV
BELARUS [BLR]
UNITED_STATES [USA]
+WASHINGTON
DONALD_TRUMP [USAGOV]
+TRUMP
VLADIMIR_PUTIN [RUSGOV]
+PUTIN
TURKEY [TUR]
+ISTANBUL
"""
AGENTS = """\
OFFICIAL [~GOV]
SOLDIER [~MIL]
NEGOTIATOR [~GOV]
WORKER [~LAB]
GOVERNMENT [~GOV]
"""


@pytest.fixture(scope="module")
def lookup(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dicts")
    (folder / "test.actors.txt").write_text(ACTORS)
    (folder / "test.agents.txt").write_text(AGENTS)
    return DictionaryActors(load_actor_dictionary(folder / "test.actors.txt"),
                            load_agent_dictionary(folder / "test.agents.txt"), date(2025, 11, 1))


@pytest.fixture(scope="module")
def code(nlp, lookup):
    def run(text: str):
        doc = nlp(text)
        return [e for sent in doc.sents for e in code_sentence(sent, lookup, date(2025, 11, 1)) if e.type]
    return run


def codes(actors):
    return sorted(a.code for a in actors)


# ------------------------------------------------------------------ verb dictionary


def test_pattern_parser_keeps_order_markers_and_tight_links():
    pattern = parse_pattern("+ WAS_ * TO_ ^ FROM $", "174", "p1")
    assert [e.kind for e in pattern.before] == ["target", "word"]
    assert [e.kind for e in pattern.after] == ["word", "skip", "word", "source"]
    assert pattern.after[1].tight  # "TO_" ties the next element to it
    assert parse_pattern("NO VERB HERE", "010", "p2") is None


def test_petrarch_text_converts_blocks_forms_synsets_and_patterns():
    text = """
&WEAPON
+MISSILE
+ROCKET_LAUNCHER_
--- SUPPLY [070] ---
SUPPLY {SUPPLIES SUPPLIED}
+HAND_OVER [084]
- * &WEAPON [072]  # a comment
- * | BAD [999]
"""
    data = petrarch_verbs_to_data(text)
    block = data["blocks"][0]
    assert block["name"] == "SUPPLY" and block["code"] == "070"
    assert {"head": "hand", "after": ["over"], "code": "084"} in block["verbs"]
    assert block["patterns"] == [{"id": "supply.1", "pattern": "* &WEAPON", "code": "072"}]
    dictionary = VerbDictionary.from_data(data)
    assert ("MISSILES",) in dictionary.synsets["WEAPON"]  # regular plural generated
    assert ("ROCKET", "LAUNCHERS") not in dictionary.synsets["WEAPON"]  # "_" at the end: no plural


def test_cameo_to_plover_uses_the_most_specific_code():
    assert cameo_to_plover("0874").type == "RETREAT"
    assert cameo_to_plover("1721").type == "COERCE"
    assert cameo_to_plover("190").type == "ASSAULT"
    assert cameo_to_plover("010") is None  # public statements are not PLOVER events
    assert cameo_to_plover("abc") is None


def test_shipped_dictionary_loads_with_sitroom_overrides_first():
    verbs = load_verb_dictionary()
    assert len(verbs) > 300
    form, block = verbs.candidates("refused", "refuse")[0]
    assert block.code == "120"


# ------------------------------------------------------------------ arguments


def test_compound_source_is_one_event_with_an_actor_list(code):
    events = code("Russia and Belarus attacked Ukraine on Monday.")
    assert len(events) == 1
    event = events[0]
    assert event.type == "ASSAULT" and event.modality == "asserted"
    assert codes(event.source) == ["BLR", "RUS"] and codes(event.target) == ["UKR"]


def test_passive_by_agent_is_the_source(code):
    event = code("Ukraine was attacked by Russia on Monday.")[0]
    assert codes(event.source) == ["RUS"] and codes(event.target) == ["UKR"]


def test_agent_words_combine_with_the_country(code):
    event = code("Russian soldiers attacked Ukrainian officials.")[0]
    assert codes(event.source) == ["RUSMIL"] and codes(event.target) == ["UKRGOV"]


def test_event_without_a_named_actor_is_kept_with_its_place(code):
    events = code("Four people were killed in a strike on Odesa.")
    assert len(events) == 1
    assert events[0].type == "ASSAULT" and events[0].source == [] and events[0].target == []
    assert events[0].location == "Odesa"


def test_verbal_or_cooperative_act_needs_a_named_actor(code):
    assert code("The deal supports the reconstruction of the port.") == []
    assert code("Washington supports the reconstruction of Kyiv.")[0].type == "SUPPORT"


def test_refusing_is_a_reject_event_not_a_negation(code):
    event = code("Russia refused to meet the Ukrainian negotiators.")[0]
    assert event.type == "REJECT" and event.modality == "asserted"
    assert codes(event.source) == ["RUS"] and codes(event.target) == ["UKRGOV"]


def test_speech_complement_is_coded_for_its_own_actors(code):
    events = code("Moscow said Ukraine attacked Russian soldiers.")
    assert [e.type for e in events] == ["ASSAULT"]
    assert codes(events[0].source) == ["UKR"] and events[0].modality == "reported"
    assert events[0].reported_by == "Moscow"


def test_pronoun_subject_takes_the_speakers_identity(code):
    event = code("Russia says it will withdraw its troops from Kherson.")[0]
    assert codes(event.source) == ["RUS"]
    assert event.type == "AGREE" and event.modality == "planned"  # a promised retreat is AGREE


# ------------------------------------------------------------------ PLOVER folding of modality


def test_planned_meeting_is_an_intent_to_meet(code):
    event = code("Putin and Trump will meet next week.")[0]
    assert event.modality == "planned" and event.type == "AGREE" and "future" in event.context


def test_negated_past_event_keeps_its_type(code):
    event = code("Russia did not attack Kyiv on Sunday.")[0]
    assert event.type == "ASSAULT" and event.modality == "negated" and "negation" in event.context


def test_conditional_weapons_delivery_is_a_threat(code):
    event = code("Trump might give Ukraine Tomahawk missiles.")[0]
    assert event.type == "THREATEN" and event.modality == "hypothetical"
    assert codes(event.source) == ["USAGOV"]


def test_conditional_verbal_reaction_is_not_an_event(code):
    assert code("Russia would reject this plan.") == []


def test_reported_stance_with_would_is_not_an_event(code):
    assert code("The Kremlin said Russia would reject any such plan.") == []
    planned = code("The Kremlin said Russia would withdraw its troops.")[0]
    assert planned.modality == "planned" and planned.type == "AGREE"


def test_verb_of_saying_with_a_clause_is_a_report_not_an_accusation(code):
    events = code("The editorial argued that Ukraine attacked Russian soldiers.")
    assert [e.type for e in events] == ["ASSAULT"] and events[0].reported_by == "The editorial"


def test_recommendation_in_an_opinion_piece_never_counts_as_done(code):
    events = code("Washington should continue to help Ukraine.")
    assert events and all(e.modality == "recommended" for e in events)


def test_reported_must_becomes_a_request_by_the_speaker(code):
    event = code("Ukraine said Russia must withdraw its troops.")[0]
    assert event.type == "REQUEST" and codes(event.source) == ["UKR"] and codes(event.target) == ["RUS"]


def test_participle_of_a_document_takes_the_issuers_identity(code):
    event = code("Ukraine issued a statement demanding that Russia withdraw its troops.")[0]
    assert event.type == "REQUEST" and codes(event.source) == ["UKR"] and codes(event.target) == ["RUS"]


def test_ultimatum_is_a_threat(code):
    event = code("Kyiv will halt the talks unless Moscow withdraws its troops.")[0]
    assert event.type == "THREATEN" and codes(event.source) == ["UKR"]


def test_refusal_announced_for_the_future_is_a_reject(code):
    event = code("Ukraine says it will not accept the plan.")[0]
    assert event.type == "REJECT" and codes(event.source) == ["UKR"]


def test_light_verb_takes_the_type_of_its_event_noun(code):
    event = code("Ukrainian workers staged mass demonstrations in Kyiv on Sunday.")[0]
    assert event.type == "PROTEST" and codes(event.source) == ["UKRLAB"]
    assert codes(event.target) == ["UKR"]  # a protest without a named recipient targets the host state


def test_blockade_by_civilians_is_a_protest_by_the_state_is_coercion(code):
    assert code("Ukrainian workers blocked the port.")[0].type == "PROTEST"
    assert code("Russia blocked the port.")[0].type == "COERCE"


def test_plural_demonym_and_agent_without_country(code):
    event = code("Ukrainians attacked the government on Sunday.")[0]
    assert codes(event.source) == ["UKR"]
    assert codes(event.target) == ["UKRGOV"]  # the government of the only country named


# ------------------------------------------------------------------ the stage


def test_stage_codes_linked_article_actors(nlp, ctx):
    text = "Russian troops shelled Kyiv on Tuesday. Analysts were surprised."
    article = make_article(text, published=date(2025, 11, 4))
    article.with_doc(nlp(text))
    article.actors = [ArticleActor(id="RUS", name="Russia", country="RUS", code="RUS",
                                   mentions=[Span(start=0, end=7, text="Russian")]),
                      ArticleActor(id="UKR", name="Ukraine", country="UKR", code="UKR",
                                   mentions=[Span(start=23, end=27, text="Kyiv")])]
    article.mentions = [Mention(start=0, end=7, text="Russian", label="NORP", sentence=0, actor_id="RUS"),
                        Mention(start=23, end=27, text="Kyiv", label="GPE", sentence=0, actor_id="UKR")]
    result = extract_events(article, ctx)
    assert len(result.events) == 1
    event = result.events[0]
    assert event.type == "ASSAULT" and event.cameo.startswith("19")
    assert [a.actor_id for a in event.source] == ["RUS"] and [a.actor_id for a in event.target] == ["UKR"]
    assert event.trigger.text == "shelled" and event.text == "Russian troops shelled Kyiv on Tuesday."
    assert event.date == "2025-11-04" and event.date_is_report_date
    assert event.rule and 0 < event.confidence <= 1
    again = extract_events(article, ctx)
    assert [e.id for e in again.events] == [event.id]  # stable ids


def test_linked_actor_without_code_keeps_its_id_and_no_country(nlp, ctx):
    text = "John Smith condemned Russia on Monday."
    article = make_article(text).with_doc(nlp(text))
    article.actors = [ArticleActor(id="PER:john-smith", name="John Smith",
                                   mentions=[Span(start=0, end=10, text="John Smith")]),
                      ArticleActor(id="RUS", name="Russia", country="RUS", code="RUS",
                                   mentions=[Span(start=21, end=27, text="Russia")])]
    article.mentions = [Mention(start=0, end=10, text="John Smith", label="PERSON", sentence=0,
                                actor_id="PER:john-smith"),
                        Mention(start=21, end=27, text="Russia", label="GPE", sentence=0, actor_id="RUS")]
    event = extract_events(article, ctx).events[0]
    assert event.type == "ACCUSE"
    assert event.source[0].actor_id == "PER:john-smith" and event.source[0].code is None
    assert event.source[0].country is None and event.target[0].code == "RUS"


def test_article_actors_ignore_unlinked_mentions(nlp):
    text = "Kyiv welcomed the talks."
    article = make_article(text).with_doc(nlp(text))
    article.mentions = [Mention(start=0, end=4, text="Kyiv", label="GPE", sentence=0)]
    assert ArticleActors(article).hits(article.doc[:]) == []


# ------------------------------------------------------------------ precision on news prose


def test_call_with_an_object_complement_is_no_phone_call(code):
    assert not [e for e in code('The Kremlin called the Ukrainian plan "an ultimatum".') if e.type == "CONSULT"]
    assert not [e for e in code('Putin called the talks with Trump "useful and frank".') if e.type in ("CONSULT", "AGREE")]


def test_telephone_is_a_consultation_not_a_call_on(code):
    events = code("Trump telephoned Putin on Sunday to express support for the talks.")
    assert events and events[0].type == "CONSULT" and codes(events[0].source) == ["USAGOV"]


def test_leaving_a_place_or_leading_a_delegation_is_no_event(code):
    assert code("The Ukrainian president left Washington on Friday without the missiles.") == []
    assert code("Ukraine's delegation was led by the foreign minister.") == []
    event = code("Ukrainian negotiators left for talks in Moscow.")[0]
    assert event.type == "CONSULT" and codes(event.target) == ["RUS"]


def test_future_refusal_to_accept_keeps_its_source(code):
    event = code("Moscow has repeatedly said it will not accept a pause in the fighting.")[0]
    assert event.type == "REJECT" and codes(event.source) == ["RUS"]


def test_venue_of_a_meeting_or_agreement_is_no_party(code):
    event = code("Russian and Ukrainian negotiators agreed in Istanbul on a prisoner swap.")[0]
    assert event.type == "AGREE" and codes(event.source) == ["RUSGOV", "UKRGOV"] and event.target == []
    assert event.location == "Istanbul"
    event = code("Trump will meet Putin in Istanbul next week.")[0]
    assert codes(event.target) == ["RUSGOV"]
    visit = code("Putin arrived in Kyiv on Monday.")[0]  # a visit keeps its host
    assert codes(visit.target) == ["UKR"]


def test_dateline_place_is_no_actor(code):
    event = code("KYIV, Ukraine — Russian drones struck two power plants overnight.")[0]
    assert event.type == "ASSAULT" and codes(event.source) == ["RUS"]


def test_demanded_act_is_a_request_by_the_demander(code):
    events = code("Moscow has insisted that Kyiv give up the whole region.")
    assert [e.type for e in events] == ["REQUEST"]
    assert codes(events[0].source) == ["RUS"] and codes(events[0].target) == ["UKR"]
    events = code("Putin demanded that Ukraine withdraw its troops.")
    assert [e.type for e in events] == ["REQUEST"]  # one demand, not a demand and a retreat
    event = code("The Kremlin urged Ukraine to withdraw its troops.")[0]
    assert event.type == "REQUEST" and codes(event.source) == ["RUS"]


def test_cancelled_meeting_is_a_rejection(code):
    event = code("Trump said he had shelved a planned meeting with Putin.")[0]
    assert event.type == "REJECT" and codes(event.target) == ["RUSGOV"]


def test_rallying_behind_a_leader_is_support(code):
    event = code("European governments rallied behind Kyiv.")[0]
    assert event.type == "SUPPORT"


def _article_with_actors(nlp, text, names):
    """An article whose ``names`` ({surface: (actor id, country)}) are linked at every occurrence."""
    import re

    article = make_article(text).with_doc(nlp(text))
    actors, mentions = {}, []
    for surface, (actor_id, country) in names.items():
        for match in re.finditer(re.escape(surface), text):
            span = Span(start=match.start(), end=match.end(), text=surface)
            actor = actors.setdefault(actor_id, ArticleActor(id=actor_id, name=surface, country=country,
                                                             code=actor_id[:6].replace(".", ""), mentions=[]))
            actor.mentions.append(span)
            mentions.append(Mention(start=match.start(), end=match.end(), text=surface, label="GPE", sentence=0,
                                    actor_id=actor_id))
    article.actors = list(actors.values())
    article.mentions = sorted(mentions, key=lambda m: m.start)
    return article


def test_stage_keeps_one_event_per_symmetric_meeting(nlp, ctx):
    article = _article_with_actors(nlp, "Trump telephoned Putin on Sunday.",
                                   {"Trump": ("USAGOV", "USA"), "Putin": ("RUSGOV", "RUS")})
    events = extract_events(article, ctx).events
    assert len(events) == 1 and events[0].type == "CONSULT"
    assert [a.country for a in events[0].source] == ["USA"] and [a.country for a in events[0].target] == ["RUS"]


def test_stage_keeps_one_event_per_type_and_actors_in_a_sentence(nlp, ctx):
    text = "Russian drones destroyed and damaged two power plants in Odesa overnight."
    article = _article_with_actors(nlp, text, {"Russian": ("RUS", "RUS"), "Odesa": ("UKR", "UKR")})
    coded = [e for s in article.doc.sents for e in code_sentence(s, ArticleActors(article))]
    assert len([e for e in coded if e.type == "ASSAULT"]) > 1  # one per verb from the coder
    events = extract_events(article, ctx).events
    assert [e.type for e in events] == ["ASSAULT"]


def test_stage_drops_generic_one_sided_cooperation(nlp, ctx):
    text = "Ukraine released the video on Monday."
    article = _article_with_actors(nlp, text, {"Ukraine": ("UKR", "UKR")})
    coded = [e for s in article.doc.sents for e in code_sentence(s, ArticleActors(article))]
    assert [e.type for e in coded] == ["RETREAT"] and coded[0].rule.startswith("verb:")
    assert extract_events(article, ctx).events == []


def test_stage_drops_a_participle_describing_a_thing(nlp, ctx):
    text = "The missile, fired from a ship in the Black Sea, has a long range."
    article = _article_with_actors(nlp, text, {})
    assert extract_events(article, ctx).events == []


# ------------------------------------------------------------------ actors and senses (2026-11-22, second pass)


def test_names_in_a_modifier_of_conjoined_actors_are_no_actors(code):
    event = code("The Russian and Ukrainian sides of the talks in Turkey agreed to exchange prisoners.")[0]
    assert event.type == "AGREE" and codes(event.source) == ["RUS", "UKR"]


def test_possessive_pronoun_subject_takes_the_speakers_country(code):
    event = next(e for e in code("Moscow said on Friday its soldiers had withdrawn from the village.")
                 if e.type == "RETREAT")
    assert codes(event.source) == ["RUSMIL"]


def test_passive_arrest_in_a_country_is_by_that_state(code):
    event = code("A Ukrainian worker was detained in Belarus on Monday.")[0]
    assert event.type == "COERCE" and codes(event.source) == ["BLRGOV"] and codes(event.target) == ["UKRLAB"]
    # a "by" agent still wins
    event = code("A Ukrainian worker was detained in Belarus by Russian soldiers.")[0]
    assert codes(event.source) == ["RUSMIL"]


def test_a_demand_named_by_a_noun_is_a_request_of_the_doer(code):
    events = code("Ukraine reiterated its demand that Russia return the deported children.")
    assert [(e.type, codes(e.source), codes(e.target)) for e in events] == [("REQUEST", ["UKR"], ["RUS"])]


def test_easing_a_curfew_and_holding_human_shields(code):
    assert code("Ukraine shortened the nightly curfew in Odesa by an hour.")[0].cameo == "0813"
    event = code("Russian soldiers have been holding Ukrainian workers as human shields.")[0]
    assert event.cameo == "184" and codes(event.source) == ["RUSMIL"]


@pytest.mark.parametrize("sentence", [
    "The Russian tanker caught fire near the coast.",
    "Trump argued for a freeze of the front line.",
    "Putin backed away from the plan.",
    "Putin broke his word to Trump.",
])
def test_senses_that_name_no_act(code, sentence):
    assert code(sentence) == []


def test_stage_drops_an_act_by_a_thing_and_keeps_a_pronoun_subject(nlp, ctx):
    text = "The new rules would allow Ukraine a larger army."
    article = _article_with_actors(nlp, text, {"Ukraine": ("UKR", "UKR")})
    assert [e.type for s in article.doc.sents for e in code_sentence(s, ArticleActors(article))] == ["AGREE"]
    assert extract_events(article, ctx).events == []
    text = "He accused Russia of lying about the attack."
    article = _article_with_actors(nlp, text, {"Russia": ("RUS", "RUS")})
    assert [e.type for e in extract_events(article, ctx).events] == ["ACCUSE"]


def test_stage_drops_the_consequence_of_an_attack(nlp, ctx):
    text = "Russian drones struck the power plant in Odesa, forcing a blackout across the city."
    article = _article_with_actors(nlp, text, {"Russian": ("RUS", "RUS"), "Odesa": ("UKR", "UKR")})
    coded = [e.type for s in article.doc.sents for e in code_sentence(s, ArticleActors(article))]
    events = [e.type for e in extract_events(article, ctx).events]
    assert events == ["ASSAULT"] and len(coded) >= len(events)


def test_pattern_prefilter_needs_the_patterns_words(nlp, lookup):
    data = {"blocks": [{"name": "HOLD", "code": "---", "verbs": [{"head": "hold"}],
                        "patterns": [{"id": "hold.talks", "pattern": "* TALKS", "code": "046"}]}]}
    dictionary = VerbDictionary.from_data(data)
    block = dictionary.blocks[0]
    assert dictionary.block_needs(block) == [(frozenset({"TALKS", "TALKSES"}),)]
    assert [e.cameo for e in code_sentence(nlp("Russia held talks with Ukraine."), lookup, verbs=dictionary)] \
        == ["046"]
    assert code_sentence(nlp("Russia held a parade near Ukraine."), lookup, verbs=dictionary) == []


def test_urging_calling_on_and_asking_for_are_requests(code):
    event = code("Ukraine urged Washington to send more air defence systems.")[0]
    assert (event.type, codes(event.source), codes(event.target)) == ("REQUEST", ["UKR"], ["USA"])
    event = code("Ukraine called on Russia to free the prisoners.")[0]
    assert (event.type, codes(event.target)) == ("REQUEST", ["RUS"])
    event = code("Kyiv appealed to Washington for more help.")[0]
    assert (event.type, codes(event.target)) == ("REQUEST", ["USA"])
    event = code("Ukraine asked for more pressure on Moscow.")[0]  # CAMEO.2.0: an invitation (CONSULT)
    assert (event.type, codes(event.target)) == ("REQUEST", ["RUS"])


def test_striking_aircraft_is_an_attack(code):
    event = code("Ukraine said it had struck Russian bombers at two air bases.")[0]
    assert (event.type, codes(event.source), codes(event.target)) == ("ASSAULT", ["UKR"], ["RUS"])


def test_stage_drops_a_negated_condition(nlp, ctx):
    text = "Trump warned of consequences if Russia did not agree to a ceasefire."
    article = _article_with_actors(nlp, text, {"Trump": ("USAGOV", "USA"), "Russia": ("RUS", "RUS")})
    coded = [(e.type, e.modality) for s in article.doc.sents for e in code_sentence(s, ArticleActors(article))]
    assert ("AGREE", "negated") in coded
    assert ("AGREE", "negated") not in [(e.type, e.modality) for e in extract_events(article, ctx).events]
