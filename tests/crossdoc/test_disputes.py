"""Disputes between sources, from hand-built articles, plus one run on the sample corpus."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Optional

import pytest

from sitroom.config import Settings
from sitroom.crossdoc.disputes import dispute_id, disputes, title_matches_role
from sitroom.crossdoc.positions import load_issues
from sitroom.models import (Article, ArticleActor, Event, EventActor, Evidence, Figure, InferredDate, Sentence, Span,
                            article_id)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

PEOPLE = {
    "USA.TRUMP": ("Donald Trump", "USA", "USAGOV"),
    "USA.BIDEN": ("Joe Biden", "USA", "USAELI"),
    "RUSGOV": ("Russian government", "RUS", "RUSGOV"),
    "RUS.PUTIN": ("Vladimir Putin", "RUS", "RUSGOV"),
    "UKRMIL": ("Ukrainian military", "UKR", "UKRMIL"),
    "UKR": ("Ukraine", "UKR", "UKR"),
    "USAGOV": ("United States government", "USA", "USAGOV"),
    "PER:olena-hrytsenko": ("Olena Hrytsenko", None, None),
    "RUSMIL": ("Russian military", "RUS", "RUSMIL"),
}


def sentences_of(text: str) -> list[Sentence]:
    return [Sentence(start=m.start(), end=m.end()) for m in re.finditer(r"[^.!?]+[.!?]", text)]


def sentence_index(text: str, offset: int) -> int:
    return next(i for i, s in enumerate(sentences_of(text)) if s.start <= offset < s.end)


def make(key: str, text: str, published: Optional[date], *, figures=(), events=(), titles=None,
         outlet: str = "Test Wire", genre: str = "news", **fields) -> Article:
    """An article with records placed by their text; ``titles`` maps actor id -> the
    title the text gives them (their name must follow it in the text)."""
    actors = {}
    for actor_id, title in (titles or {}).items():
        name, country, code = PEOPLE[actor_id]
        start = text.index(name)
        actors[actor_id] = ArticleActor(id=actor_id, name=name, country=country, code=code, title_in_text=title,
                                        mentions=[Span(start=start, end=start + len(name), text=name)])
    for actor_id in {f.claimant_actor for f in figures} | {s.actor_id for e in events for s in e.source}:
        if actor_id and actor_id not in actors:
            name, country, code = PEOPLE[actor_id]
            actors[actor_id] = ArticleActor(id=actor_id, name=name, country=country, code=code)
    return Article(id=article_id(key), key=key, path=key, format="text", text=text, published=published,
                   outlet=outlet, genre=genre, sentences=sentences_of(text), actors=list(actors.values()),
                   figures=list(figures), events=list(events), **fields)


def figure(text: str, words: str, record: str, *, value=None, low=None, high=None, unit="people", counted=None,
           category="casualties", claimant=None, claimant_actor=None, approximate=False) -> Figure:
    start = text.index(words)
    return Figure(id=record, text=words, start=start, end=start + len(words), value=value, low=low, high=high,
                  unit=unit, counted=counted, category=category, claimant_text=claimant,
                  claimant_actor=claimant_actor, approximate=approximate, sentence=sentence_index(text, start))


def event(text: str, sentence: str, type_: str, actor_id: str, record: str, modality="asserted",
          when: Optional[str] = None, target: Optional[str] = None, reported_by: Optional[str] = None) -> Event:
    start = text.index(sentence)
    name, country, code = PEOPLE[actor_id]
    targets = [EventActor(actor_id=target, text=PEOPLE[target][0], code=PEOPLE[target][2])] if target else []
    return Event(id=record, type=type_, source=[EventActor(actor_id=actor_id, text=name, code=code, country=country)],
                 target=targets, modality=modality, date=when, reported_by=reported_by,
                 sentence=sentence_index(text, start), start=start, end=start + len(sentence), text=sentence,
                 rule="test")


@pytest.fixture(scope="module")
def catalog():
    from sitroom.link.resolve import default_catalog
    return default_catalog()


def kinds(found, kind):
    return [d for d in found if d.kind == kind]


# --------------------------------------------------------------------------- figures

RAID_SBU = ("Ukraine's security service said its drone raid on the Belaya and Olenya bomber bases struck "
            "41 Russian military aircraft, including strategic bombers parked on the runways.")
RAID_US = ("Two U.S. officials said the drone raid on the Belaya and Olenya bomber bases struck about 20 "
           "Russian military aircraft parked on the runways.")


def raid_articles():
    sbu = make("sbu.txt", RAID_SBU, date(2025, 6, 1), outlet="Kyiv Ledger", figures=[
        figure(RAID_SBU, "41", "f1", value=41, unit="aircraft", counted="Russian military aircraft",
               category="weapons", claimant="Ukraine's security service", claimant_actor="UKR")])
    us = make("us.txt", RAID_US, date(2025, 6, 5), outlet="Capital Post", figures=[
        figure(RAID_US, "about 20", "f2", value=20, unit="aircraft", counted="Russian military aircraft",
               category="weapons", claimant="Two U.S. officials", claimant_actor="USAGOV", approximate=True)])
    return sbu, us


def test_figures_for_the_same_quantity_that_disagree(catalog):
    sbu, us = raid_articles()
    [dispute] = kinds(disputes([sbu, us], catalog=catalog), "figure")
    assert dispute.severity == "high"  # 41 against at most 22: about twice
    assert "Ukraine's security service" in dispute.explanation and "Two U.S. officials" in dispute.explanation
    assert {(e.article_id, e.record_id) for e in dispute.evidence} == {(sbu.id, "f1"), (us.id, "f2")}
    assert dispute.subject == "Russian military aircraft"
    assert dispute.id == dispute_id("figure", dispute.evidence)
    # Stable: the same input gives the same id, whatever the order.
    assert [d.id for d in disputes([us, sbu], catalog=catalog) if d.kind == "figure"] == [dispute.id]


def test_figures_far_apart_in_time_or_about_other_things_do_not_dispute(catalog):
    sbu, us = raid_articles()
    later = us.model_copy(update={"published": date(2025, 12, 1)})
    assert kinds(disputes([sbu, later], catalog=catalog), "figure") == []
    text = "The navy said it had repaired about 20 Russian military aircraft at a plant near Kazan."
    unrelated = make("repair.txt", text, date(2025, 6, 3), figures=[
        figure(text, "about 20", "f3", value=20, unit="aircraft", counted="Russian military aircraft",
               category="weapons", claimant="The navy", approximate=True)])
    assert kinds(disputes([sbu, unrelated], catalog=catalog), "figure") == []


CASUALTIES_STAFF = ("Ukraine's General Staff said Russian losses in killed and wounded since the invasion "
                    "had reached about 900,000 soldiers.")
CASUALTIES_STUDY = ("A study by an Oslo research group put Russian casualties since the invasion at between "
                    "790,000 and 960,000 soldiers killed and wounded.")
CASUALTIES_REPEAT = ("Ukraine's General Staff said again that Russian losses in killed and wounded since the "
                     "invasion had reached about 900,000 soldiers.")


def casualty_articles(staff_value=900_000, staff_approximate=True):
    staff = make("staff.txt", CASUALTIES_STAFF, date(2025, 6, 5), figures=[
        figure(CASUALTIES_STAFF, "about 900,000", "c1", value=staff_value, counted="soldiers",
               claimant="Ukraine's General Staff", claimant_actor="UKRMIL", approximate=staff_approximate)])
    study = make("study.txt", CASUALTIES_STUDY, date(2025, 6, 20), figures=[
        figure(CASUALTIES_STUDY, "between 790,000 and 960,000", "c2", low=790_000, high=960_000,
               counted="Russian casualties", claimant="A study")])
    return staff, study


def test_overlapping_ranges_and_repeated_claims_are_not_disputes(catalog):
    staff, study = casualty_articles()
    repeat = make("repeat.txt", CASUALTIES_REPEAT, date(2025, 6, 12), figures=[
        figure(CASUALTIES_REPEAT, "about 900,000", "c3", value=900_000, counted="soldiers",
               claimant="Ukraine's General Staff", claimant_actor="UKRMIL", approximate=True)])
    assert kinds(disputes([staff, study, repeat], catalog=catalog), "figure") == []


def test_casualty_totals_that_do_not_overlap_are_a_low_dispute(catalog):
    staff, study = casualty_articles(staff_value=1_000_000, staff_approximate=False)
    [dispute] = kinds(disputes([staff, study], catalog=catalog), "figure")
    assert dispute.severity == "low"  # 1,000,000 against at most 960,000
    assert "A study" in dispute.explanation


def test_different_sides_and_measures_are_different_quantities(catalog):
    staff, _ = casualty_articles()
    text = ("Ukraine's General Staff said Ukrainian losses in killed and wounded since the invasion "
            "had reached 400,000 soldiers, and that 46,000 soldiers had been killed.")
    ukrainian = make("ua.txt", text, date(2025, 6, 7), figures=[
        figure(text, "400,000", "u1", value=400_000, counted="soldiers", claimant="Ukraine's General Staff",
               claimant_actor="UKRMIL"),
        figure(text, "46,000", "u2", value=46_000, counted="soldiers", claimant="Ukraine's General Staff",
               claimant_actor="UKRMIL")])
    assert kinds(disputes([staff, ukrainian], catalog=catalog), "figure") == []


def test_reprints_do_not_dispute_with_their_original(catalog):
    sbu, us = raid_articles()
    copy = make("copy.txt", RAID_US, date(2025, 6, 5), outlet="Reprinter", duplicate_of=us.id,
                figures=us.figures)
    [dispute] = kinds(disputes([sbu, us, copy], catalog=catalog), "figure")
    assert copy.id not in {e.article_id for e in dispute.evidence}


# --------------------------------------------------------------------------- unattributed


def test_flat_number_that_others_attribute(catalog):
    attributed_text = ("According to Ukraine's General Staff, 5,000 Russian soldiers were killed in the "
                       "battle for the Pokrovsk salient during the autumn offensive.")
    flat_text = "Some 5,000 Russian soldiers were killed in the battle for the Pokrovsk salient this autumn."
    attributed = make("gs.txt", attributed_text, date(2025, 11, 2), figures=[
        figure(attributed_text, "5,000", "a1", value=5000, counted="Russian soldiers",
               claimant="Ukraine's General Staff", claimant_actor="UKRMIL")])
    flat = make("flat.txt", flat_text, date(2025, 11, 4), outlet="Flat Daily", figures=[
        figure(flat_text, "Some 5,000", "a2", value=5000, counted="Russian soldiers", approximate=True)])
    [dispute] = kinds(disputes([attributed, flat], catalog=catalog), "unattributed")
    assert dispute.severity == "medium"  # a party's own military is the source
    assert "Flat Daily" in dispute.explanation and "Ukraine's General Staff" in dispute.explanation
    assert {e.record_id for e in dispute.evidence} == {"a1", "a2"}
    assert kinds(disputes([attributed, flat], catalog=catalog), "figure") == []


def test_flat_event_that_others_attribute(catalog):
    claimed_text = "Ukraine's air force said Russian forces struck a children's hospital in Sumy with glide bombs."
    flat_text = "Russian forces struck a children's hospital in Sumy with glide bombs on Tuesday."
    claimed = make("claimed.txt", claimed_text, date(2025, 4, 8), events=[
        event(claimed_text, claimed_text, "ASSAULT", "RUSMIL", "v1", modality="reported", when="2025-04-08",
              target="UKR", reported_by="Ukraine's air force")])
    flat = make("flatevent.txt", flat_text, date(2025, 4, 8), outlet="Flat Daily", events=[
        event(flat_text, flat_text, "ASSAULT", "RUSMIL", "v2", when="2025-04-08", target="UKR")])
    [dispute] = kinds(disputes([claimed, flat], catalog=catalog), "unattributed")
    assert dispute.severity == "low" and "Ukraine's air force" in dispute.explanation
    assert {e.record_id for e in dispute.evidence} == {"v1", "v2"}
    attributed = flat.model_copy(update={"events": [flat.events[0].model_copy(update={"modality": "reported",
                                                                                     "reported_by": "Kyiv"})]})
    assert kinds(disputes([claimed, attributed], catalog=catalog), "unattributed") == []


# --------------------------------------------------------------------------- titles


def test_stale_titles_against_the_dictionary(catalog):
    former = "Keith Kellogg, whom former President Donald Trump named envoy, arrived in Kyiv."
    biden = "President Joe Biden spoke to reporters in Washington."
    fine = "President Donald Trump spoke to reporters. Former President Joe Biden stayed home."
    articles = [
        make("former.txt", former, date(2025, 2, 20), titles={"USA.TRUMP": "former President"}),
        make("biden.txt", biden, date(2025, 3, 3), titles={"USA.BIDEN": "President"}),
        make("fine.txt", fine, date(2025, 3, 3), titles={"USA.TRUMP": "President",
                                                          "USA.BIDEN": "Former President"}),
    ]
    found = kinds(disputes(articles, catalog=catalog), "title")
    by_subject = {d.subject: d for d in found if d.severity == "medium"}
    assert set(by_subject) == {"USA.TRUMP", "USA.BIDEN"}
    assert "holds that office" in by_subject["USA.TRUMP"].explanation
    assert "left that office" in by_subject["USA.BIDEN"].explanation
    assert by_subject["USA.TRUMP"].evidence[0].text == former
    assert by_subject["USA.TRUMP"].evidence[0].article_id == articles[0].id


def test_undated_article_checked_over_its_inferred_range(catalog):
    text = "Keith Kellogg, whom former President Donald Trump named envoy, arrived in Kyiv."
    inferred = InferredDate(earliest=date(2025, 1, 21), latest=date(2025, 5, 5), confidence=0.2, method="test")
    undated = make("undated.txt", text, None, titles={"USA.TRUMP": "former President"}, published_inferred=inferred)
    assert [d.subject for d in kinds(disputes([undated], catalog=catalog), "title")] == ["USA.TRUMP"]
    # A range that spans his return to office cannot say the title was wrong.
    wide = InferredDate(earliest=date(2023, 1, 1), latest=date(2025, 5, 5), confidence=0.2, method="test")
    spanning = make("span.txt", text, None, titles={"USA.TRUMP": "former President"}, published_inferred=wide)
    assert kinds(disputes([spanning], catalog=catalog), "title") == []


def test_sources_of_one_period_disagreeing_on_former(catalog):
    one = "Energy Minister Olena Hrytsenko visited the plant."
    two = "Former Energy Minister Olena Hrytsenko criticised the plan."
    a = make("one.txt", one, date(2025, 4, 1), outlet="First", titles={"PER:olena-hrytsenko": "Energy Minister"})
    b = make("two.txt", two, date(2025, 4, 10), outlet="Second",
             titles={"PER:olena-hrytsenko": "Former Energy Minister"})
    [dispute] = kinds(disputes([a, b], catalog=catalog), "title")
    assert dispute.severity == "low" and {e.article_id for e in dispute.evidence} == {a.id, b.id}


def test_title_matching_rules():
    assert title_matches_role("Foreign Minister", "Minister of Foreign Affairs of Russia")
    assert title_matches_role("Russian presidential aide", "Presidential aide, head of the Russian delegation")
    assert not title_matches_role("Vice President", "President of the United States")
    assert not title_matches_role("President", "Vice President of the United States")


# --------------------------------------------------------------------------- agree / reject


def test_same_government_agreeing_and_rejecting_within_the_window(catalog):
    agreed = "The Kremlin agreed to a ceasefire on energy sites."
    rejected = "Putin rejected the ceasefire proposal."
    a = make("agree.txt", agreed, date(2025, 3, 11), events=[event(agreed, agreed, "AGREE", "RUSGOV", "g1")])
    b = make("reject.txt", rejected, date(2025, 3, 18),
             events=[event(rejected, rejected, "REJECT", "RUS.PUTIN", "g2", modality="reported")])
    issues = load_issues()
    [dispute] = kinds(disputes([a, b], catalog=catalog, issues=issues), "agree_reject")
    assert dispute.subject == "RUSGOV" and dispute.severity == "medium"
    assert {e.record_id for e in dispute.evidence} == {"g1", "g2"}
    late = b.model_copy(update={"published": date(2025, 4, 30)})
    assert kinds(disputes([a, late], catalog=catalog, issues=issues), "agree_reject") == []
    hypothetical = event(rejected, rejected, "REJECT", "RUS.PUTIN", "g3", modality="hypothetical")
    unsure = b.model_copy(update={"events": [hypothetical]})
    assert kinds(disputes([a, unsure], catalog=catalog, issues=issues), "agree_reject") == []


def test_disputes_sorted_by_severity_then_newest():
    from sitroom.crossdoc.disputes import _sort_key
    from sitroom.models import Dispute
    low = Dispute(id="b", kind="title", severity="low", explanation="", evidence=[
        Evidence(article_id="x", published=date(2025, 9, 1))])
    high_old = Dispute(id="c", kind="figure", severity="high", explanation="", evidence=[
        Evidence(article_id="y", published=date(2025, 1, 1))])
    high_new = Dispute(id="a", kind="figure", severity="high", explanation="", evidence=[
        Evidence(article_id="z", published=date(2025, 6, 1))])
    assert [d.id for d in sorted([low, high_old, high_new], key=_sort_key)] == ["a", "c", "b"]


# --------------------------------------------------------------------------- the sample corpus


@pytest.fixture(scope="module")
def corpus_articles():
    from sitroom.runner import run
    from sitroom.store import open_store
    store = open_store(":memory:")
    files = [EXAMPLES / "text" / "07_operation_spiderweb.txt", EXAMPLES / "text" / "10_kellogg_kyiv_visit.txt",
             EXAMPLES / "dumps" / "articles.jsonl", EXAMPLES / "html" / "eastbridge_casualty_estimates.html"]
    run(files, store, settings=Settings(workers=1))
    articles = list(store.articles())
    store.close()
    return articles


def test_sample_corpus_has_figure_and_stale_title_disputes(corpus_articles, catalog):
    found = disputes(corpus_articles, catalog=catalog)
    figures = kinds(found, "figure")
    assert any("aircraft" in (d.subject or "") for d in figures), [d.explanation for d in figures]
    titles = kinds(found, "title")
    assert any(d.subject == "USA.TRUMP" and "former President" in d.explanation for d in titles)
