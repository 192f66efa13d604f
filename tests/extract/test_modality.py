"""Modality of an event verb: one test per decision documented in sitroom/extract/modality.py."""

from __future__ import annotations

import pytest

from sitroom.extract.modality import read_modality, reporting_head, verbal_group


@pytest.fixture(scope="module")
def reading(nlp):
    def run(text: str, verb: str, year: int | None = 2025):
        doc = nlp(text)
        token = next(t for t in doc if t.text == verb)
        return read_modality(token, year)
    return run


@pytest.mark.parametrize("text, verb, expected", [
    ("Kyiv and Moscow agreed on a prisoner exchange.", "agreed", "asserted"),
    ("Moscow did not agree to the ceasefire.", "agree", "negated"),
    ("The two sides never met in Istanbul.", "met", "negated"),
    ("Trump should continue to help Ukraine.", "help", "recommended"),
    ("Europe must increase its support for Kyiv.", "increase", "recommended"),
    ("Washington might give Ukraine long-range missiles.", "give", "hypothetical"),
    ("If the talks fail, Moscow would launch a new offensive.", "launch", "hypothetical"),
    ("The delegations will meet next week in Geneva.", "meet", "planned"),
    ("Zelensky plans to visit Washington in December.", "visit", "planned"),
    ("Russia is about to resume gas deliveries.", "resume", "planned"),
    ("The army is going to withdraw from the city.", "withdraw", "planned"),
])
def test_modality_values(reading, text, verb, expected):
    assert reading(text, verb).modality == expected


def test_reported_claim_names_the_speaker(reading):
    result = reading("Ukrainian officials said Russia launched forty drones at Odesa.", "launched")
    assert result.modality == "reported" and result.reported_by == "Ukrainian officials"
    assert result.in_reported_speech


def test_according_to_is_an_attribution(reading):
    result = reading("According to the Ukrainian air force, Russia launched forty drones.", "launched")
    assert result.modality == "reported" and result.reported_by == "the Ukrainian air force"


def test_would_in_reported_speech_is_a_plan_not_a_condition(reading):
    result = reading("The rebels said they would release the hostages.", "release")
    assert result.modality == "planned" and "future" in result.aux_modes


def test_negation_wins_over_future_and_keeps_both_aux_modes(reading):
    result = reading("Russia will not withdraw its troops.", "withdraw")
    assert result.modality == "negated" and result.aux_modes == ("negation", "future")


def test_historical_mode_for_old_dates_and_past_wars(reading):
    assert "historical" in reading("Soviet troops entered Kabul in 1979.", "entered").aux_modes
    assert "historical" in reading("During the war, Angolan forces shelled the town.", "shelled").aux_modes
    assert "historical" not in reading("Russian troops entered Kupiansk in 2025.", "entered").aux_modes


def test_verbal_group_and_reporting_head(nlp):
    doc = nlp("Officials said Moldova is about to restore gas supplies to Transnistria.")
    restore = next(t for t in doc if t.text == "restore")
    assert [t.text for t in verbal_group(restore)][:2] == ["restore", "about"]
    assert reporting_head(restore).text == "said"
    assert reporting_head(next(t for t in doc if t.text == "said")) is None


def test_future_negation_inside_reported_speech_is_kept(reading):
    result = reading("Moscow has repeatedly said it will not accept a pause in the fighting.", "accept")
    assert result.modality == "negated" and "future" in result.aux_modes


def test_negation_in_a_relative_clause_stays_there(reading):
    result = reading("The talks in Riyadh, to which Kyiv was not invited, began on Tuesday.", "began")
    assert result.modality == "asserted"


def test_demanded_act_names_the_demander(reading):
    result = reading("Russia has insisted that Kyiv give up the whole region.", "give")
    assert result.demanded_by is not None
    assert reading("Russia said that Kyiv had given up the region.", "given").demanded_by is None
