"""Unit tests for numeric figures, on sentences written for these tests."""

from __future__ import annotations

import pytest

from sitroom.extract.figures import extract_figures, find_figures
from sitroom.models import Article, article_id
from sitroom.stage import Context


@pytest.fixture(scope="session")
def figure_nlp():
    from sitroom.nlp import load_nlp
    return load_nlp()


@pytest.fixture
def figures_of(figure_nlp):
    def run(text: str, actor_spans=()):
        return find_figures(figure_nlp(text), actor_spans)
    return run


def by_text(figures):
    return {f.text: f for f in figures}


def only(figures):
    assert len(figures) == 1, [(f.text, f.category, f.rule) for f in figures]
    return figures[0]


# --------------------------------------------------------------------------- categories


def test_casualties_with_speech_claimant(figures_of):
    f = only(figures_of("At least 12 people were killed in the strike, regional officials said."))
    assert (f.text, f.value, f.unit, f.category) == ("At least 12", 12, "people", "casualties")
    assert f.approximate and "approx:lower" in f.rule
    assert f.counted == "people"
    assert f.claimant_text == "regional officials"


def test_casualty_range_between(figures_of):
    f = only(figures_of("Western analysts put Russian casualties at between 700,000 and 900,000."))
    assert f.text == "between 700,000 and 900,000"
    assert (f.value, f.low, f.high) == (None, 700_000, 900_000)
    assert f.category == "casualties" and f.counted == "Russian casualties"
    assert f.claimant_text == "Western analysts"


def test_wounded_and_missing(figures_of):
    found = by_text(figures_of("The general said 3,000 soldiers were wounded and 800 are listed as missing."))
    assert found["3,000"].category == "casualties"
    assert found["800"].category == "casualties"


def test_money_with_scale_suffix_and_counted_aid(figures_of):
    f = only(figures_of("The package includes $61bn in military aid for Kyiv."))
    assert (f.text, f.value, f.unit, f.category) == ("$61bn", 61e9, "USD", "money")
    assert f.counted == "military aid"


@pytest.mark.parametrize("text, phrase, value, unit", [
    ("Brussels pledged 500 million euros to the fund.", "500 million euros", 5e8, "EUR"),
    ("Berlin added €1.9bn for air defence.", "€1.9bn", 1.9e9, "EUR"),
    ("Oslo pledged NOK 2 billion for ammunition.", "NOK 2 billion", 2e9, "NOK"),
    ("Each drone costs about $5m to build.", "about $5m", 5e6, "USD"),
])
def test_currencies(figures_of, text, phrase, value, unit):
    f = by_text(figures_of(text))[phrase]
    assert (f.value, f.unit, f.category) == (value, unit, "money")


def test_area_in_square_kilometres(figures_of):
    f = only(figures_of("Russian troops seized roughly 500 square kilometres of farmland last month."))
    assert (f.text, f.value, f.unit, f.category) == ("roughly 500 square kilometres", 500, "km2", "territory")
    assert f.approximate


def test_fraction_of_a_country_with_according_to(figures_of):
    f = only(figures_of("Russia occupies about a fifth of Ukraine, according to the think tank."))
    assert (f.text, f.value, f.unit, f.category) == ("about a fifth", 0.2, "fraction", "territory")
    assert f.claimant_text == "the think tank"


def test_fraction_range(figures_of):
    f = only(figures_of("Engineers said a quarter to a third of the plants remain offline."))
    assert f.text == "a quarter to a third"
    assert f.low == 0.25 and f.high == pytest.approx(1 / 3)
    assert f.unit == "fraction" and f.category == "rate"


def test_rate_with_time_reference(figures_of):
    f = only(figures_of("Attacks on the grid spiked by 60 percent since February 2022."))
    assert (f.text, f.value, f.unit, f.category) == ("60 percent", 60, "percent", "rate")
    assert f.time_ref == "since February 2022"
    assert f.counted == "Attacks"


@pytest.mark.parametrize("text, phrase, value, unit", [
    ("At this pace the army would need 103 years to reach the border.", "103 years", 103, "years"),
    ("Kyiv accepted a 30-day ceasefire.", "30-day", 30, "days"),
    ("The envoys talked for about four and a half hours.", "about four and a half hours", 4.5, "hours"),
    ("Building the plant took a year and a half.", "a year and a half", 1.5, "years"),
])
def test_durations(figures_of, text, phrase, value, unit):
    f = by_text(figures_of(text))[phrase]
    assert (f.value, f.unit, f.category) == (value, unit, "duration")


def test_weapon_counts_and_claimant(figures_of):
    found = by_text(figures_of("Russia launched 450 drones and 12 missiles overnight, the air force said."))
    assert (found["450"].unit, found["450"].category) == ("drones", "weapons")
    assert (found["12"].unit, found["12"].category) == ("missiles", "weapons")
    assert found["12"].claimant_text == "the air force"


def test_people_affected(figures_of):
    found = by_text(figures_of("The deal freed 1,000 prisoners and cut power to thousands of homes."))
    assert (found["1,000"].category, found["1,000"].unit) == ("people", "people")
    homes = found["thousands"]
    assert (homes.low, homes.high, homes.unit, homes.category) == (2000, 10000, "homes", "people")
    assert homes.approximate


# --------------------------------------------------------------------------- written numbers


@pytest.mark.parametrize("text, phrase, value", [
    ("The brigade lost twenty-five tanks near the river.", "twenty-five", 25),
    ("A dozen drones hit the refinery.", "A dozen", 12),
    ("About 1.2 million people have fled the region.", "About 1.2 million", 1.2e6),
    ("The government spends half of the budget on defence.", "half", 0.5),
    ("One in four households cannot heat their homes.", "One in four", 0.25),
    ("Three hundred soldiers were captured.", "Three hundred", 300),
])
def test_written_numbers(figures_of, text, phrase, value):
    assert by_text(figures_of(text))[phrase].value == pytest.approx(value)


def test_vague_tens_of_thousands(figures_of):
    f = only(figures_of("Tens of thousands of soldiers were killed in the battle."))
    assert (f.low, f.high, f.category) == (20_000, 100_000, "casualties")


def test_scale_shared_by_a_range(figures_of):
    f = only(figures_of("Officials expect 1 to 1.5 million refugees this winter."))
    assert (f.low, f.high) == (1e6, 1.5e6)


def test_elliptic_figure_inherits_the_previous_unit(figures_of):
    found = by_text(figures_of("Russia used 180 drones a night in June, up from about 110 in April."))
    assert found["about 110"].unit == "drones"
    assert found["about 110"].category == "weapons"


# --------------------------------------------------------------------------- what is not a figure


@pytest.mark.parametrize("text", [
    "On March 11, 2025, at 3 p.m., the second round of talks began.",
    "The 28-point plan was published in 2025.",
    "A 45-year-old pilot flew the F-16 past the S-400 battery.",
    "Article 5 of the treaty was discussed two weeks ago.",
    "Two people familiar with the talks said one official had resigned.",
    "Leaders of the Group of Eight met in the city.",
    "Three years on, the town is still empty.",
])
def test_not_figures(figures_of, text):
    assert figures_of(text) == [], [(f.text, f.rule) for f in figures_of(text)]


def test_small_plain_counts_are_skipped_but_large_ones_kept(figures_of):
    assert figures_of("The two leaders met in three rounds.") == []
    f = only(figures_of("The ministry sent 5,000 letters."))
    assert f.category == "other" and f.confidence < 0.8


# --------------------------------------------------------------------------- claimants


def test_postposed_claimant_parsed_as_apposition(figures_of):
    f = only(figures_of("Russia builds about 2,700 drones a month at a plant in Yelabuga, "
                        "a Western intelligence assessment seen by this newspaper says."))
    assert f.claimant_text == "a Western intelligence assessment"


def test_claimed_by_participle(figures_of):
    f = only(figures_of("U.S. officials doubted the 41 aircraft claimed by Kyiv."))
    assert f.claimant_text == "Kyiv"


def test_claimant_actor_from_actor_spans(figures_of):
    text = "Ukraine's air force said Russia launched 300 drones."
    start = text.index("Ukraine")
    f = only(figures_of(text, [(start, start + len("Ukraine's air force"), "UKRMIL")]))
    assert f.claimant_text == "Ukraine's air force"
    assert f.claimant_actor == "UKRMIL"


def test_no_claimant_in_plain_narration(figures_of):
    assert only(figures_of("The fund holds $50 billion.")).claimant_text is None


# --------------------------------------------------------------------------- stage


def test_stage_fills_article_figures(figure_nlp):
    text = "Russia fired 120 drones at Kharkiv, officials said."
    article = Article(id=article_id("f.txt"), key="f.txt", path="f.txt", format="text", text=text,
                      language="en").with_doc(figure_nlp(text))
    out = extract_figures(article, Context())
    f = only(out.figures)
    assert text[f.start:f.end] == f.text == "120"
    assert f.id == find_figures(figure_nlp(text), (), article.id)[0].id  # stable ids


def test_stage_without_doc_leaves_article_alone():
    article = Article(id="x", key="x", path="x", format="text", text="Russia fired 120 drones.")
    assert extract_figures(article, Context()).figures == []


def test_odds_ratio(figures_of):
    f = only(figures_of("Ukrainian units are outnumbered by as much as six to one, a commander said."))
    assert (f.text, f.value, f.unit, f.category) == ("as much as six to one", 6, "ratio", "rate")
    assert f.claimant_text == "a commander"


def test_claimant_actor_prefers_the_mention_covering_most_of_the_claimant(figures_of):
    text = "Ukraine's air force said Russia launched 300 drones."
    spans = [(0, 7, "UKR"), (0, len("Ukraine's air force"), "UKRMIL"), (25, 31, "RUS")]
    assert only(figures_of(text, spans)).claimant_actor == "UKRMIL"
