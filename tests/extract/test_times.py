"""Unit tests for the TIMEX3 tagger: each expression shape on sentences written for these tests."""

from __future__ import annotations

from datetime import date

import pytest

from sitroom.extract.times import duration_value, extract_times, find_times, infer_publication_date, parse_amount
from sitroom.models import Article
from sitroom.stage import Context

# Wednesday 12 March 2025: the day after the Jeddah talks.
REFERENCE = date(2025, 3, 12)


def tagged(text: str, reference: date | None = REFERENCE, **kwargs) -> dict[str, tuple[str, str]]:
    return {t.text: (t.type, t.value) for t in find_times(text, reference, **kwargs)}


@pytest.mark.parametrize("sentence, expression, type_, value", [
    # absolute dates keep the granularity they are given
    ("Russia launched its full-scale invasion on February 24, 2022.", "February 24, 2022", "DATE", "2022-02-24"),
    ("The memorandum was signed on 5 December 1994 in Budapest.", "5 December 1994", "DATE", "1994-12-05"),
    ("The statement is dated 2025-03-11.", "2025-03-11", "DATE", "2025-03-11"),
    ("The decree is dated 11.03.2025.", "11.03.2025", "DATE", "2025-03-11"),
    ("The decree is dated 25/02/2025.", "25/02/2025", "DATE", "2025-02-25"),
    ("Russia invaded on the 24th of February 2022.", "the 24th of February 2022", "DATE", "2022-02-24"),
    ("Fighting has raged since Tuesday and will go on.", "Tuesday", "DATE", "2025-03-11"),
    ("Grain exports fell by end-March.", "end-March", "DATE", "2025-03"),
    ("Zelensky visited the White House in February 2025.", "February 2025", "DATE", "2025-02"),
    ("Fighting in Kursk intensified in August of 2024.", "August of 2024", "DATE", "2024-08"),
    ("Crimea was annexed in 2014.", "2014", "DATE", "2014"),
    ("Kyiv hopes for a deal in the first half of 2025.", "the first half of 2025", "DATE", "2025-H1"),
    ("Exports fell in the third quarter of 2024.", "the third quarter of 2024", "DATE", "2024-Q3"),
    ("The talks were held on Tuesday, March 11, 2025.", "Tuesday, March 11, 2025", "DATE", "2025-03-11"),
    # month-day without a year: nearest in the direction the tense gives
    ("Negotiators met in Jeddah on March 11.", "March 11", "DATE", "2025-03-11"),
    ("The next round is scheduled for April 20.", "April 20", "DATE", "2025-04-20"),
    ("Trump and Zelensky clashed in the Oval Office on Feb. 28.", "Feb. 28", "DATE", "2025-02-28"),
    # bare months: past by default in news, future when the sentence says so
    ("In February, Zelensky met Trump in Washington.", "February", "DATE", "2025-02"),
    ("The envoys met in October to discuss prisoners.", "October", "DATE", "2024-10"),
    ("Talks will resume in April, officials said.", "April", "DATE", "2025-04"),
    ("Kyiv wants a framework agreement by June.", "June", "DATE", "2025-06"),
    ("A new aid package is due to be approved in May.", "May", "DATE", "2025-05"),
    ("The counteroffensive began in early June.", "early June", "DATE", "2024-06"),
    ("Witkoff travelled to Moscow earlier this month.", "earlier this month", "DATE", "2025-03"),
    ("The two sides met in Istanbul in May of this year.", "May of this year", "DATE", "2025-05"),
    ("Ukraine lost the town last June.", "last June", "DATE", "2024-06"),
    # weekdays: nearest before the reference unless the tense points forward
    ("US and Ukrainian delegations met on Tuesday.", "Tuesday", "DATE", "2025-03-11"),
    ("Rubio said on Wednesday that the ball is in Russia's court.", "Wednesday", "DATE", "2025-03-12"),
    ("Witkoff will fly to Moscow on Thursday.", "Thursday", "DATE", "2025-03-13"),
    ("The envoys are set to meet on Monday.", "Monday", "DATE", "2025-03-17"),
    ("Russia set fire to a fuel depot on Monday.", "Monday", "DATE", "2025-03-10"),
    ("Washington said it would lift the pause on March 20.", "March 20", "DATE", "2025-03-20"),
    ("The plan, drafted in October, would freeze the front line.", "October", "DATE", "2024-10"),
    ("Drones struck Odesa last Sunday.", "last Sunday", "DATE", "2025-03-09"),
    ("The strikes continued through Monday night.", "Monday night", "TIME", "2025-03-10TNI"),
    # relative dates
    ("Last year, Russian forces captured Avdiivka.", "Last year", "DATE", "2024"),
    ("This year the talks moved to Saudi Arabia.", "This year", "DATE", "2025"),
    ("Negotiations could restart next month.", "next month", "DATE", "2025-04"),
    ("Prisoners were swapped last week.", "last week", "DATE", "2025-W10"),
    ("One year ago, the front line barely moved.", "One year ago", "DATE", "2024"),
    ("Two weeks ago, Washington paused intelligence sharing.", "Two weeks ago", "DATE", "2025-W09"),
    ("Washington resumed military aid yesterday.", "yesterday", "DATE", "2025-03-11"),
    ("Kyiv accepted the proposal today.", "today", "DATE", "2025-03-12"),
    ("Moscow is now studying the proposal.", "now", "DATE", "PRESENT_REF"),
    ("Ukraine has recently struck refineries deep inside Russia.", "recently", "DATE", "PAST_REF"),
    ("Peace looked unlikely at the time.", "at the time", "DATE", "PAST_REF"),
    ("Sanctions will stay in place for the foreseeable future.", "the foreseeable future", "DATE", "FUTURE_REF"),
    ("Heavy fighting lasted through last summer.", "last summer", "DATE", "2024-SU"),
    ("Exports recovered last quarter.", "last quarter", "DATE", "2024-Q4"),
    ("Russian attacks surged overnight and again this morning.", "this morning", "TIME", "2025-03-12TMO"),
    ("Drones hit Kharkiv over the weekend.", "the weekend", "DATE", "2025-W10-WE"),
    ("Kyiv had lost the village by the end of the year.", "the end of the year", "DATE", "2024"),
    ("Moscow hopes to finish the offensive by the end of the year.", "the end of the year", "DATE", "2025"),
    ("Envoys met over the past week.", "the past week", "DURATION", "P1W"),
    # holidays, the movable ones computed
    ("Putin declared an Easter truce.", "Easter", "DATE", "2024-03-31"),
    ("A Christmas ceasefire was rejected.", "Christmas", "DATE", "2024-12-25"),
    ("Moscow will hold its parade on Victory Day.", "Victory Day", "DATE", "2025-05-09"),
    ("Strikes continued on Orthodox Easter 2023.", "Orthodox Easter 2023", "DATE", "2023-04-16"),
    # durations
    ("The war has now lasted three years.", "three years", "DURATION", "P3Y"),
    ("Ukraine backed a 30-day ceasefire.", "30-day", "DURATION", "P30D"),
    ("The truce held for 48 hours.", "48 hours", "DURATION", "PT48H"),
    ("The assault stalled for a month.", "a month", "DURATION", "P1M"),
    ("Kyiv has lost ground over the past three years.", "the past three years", "DURATION", "P3Y"),
    ("Mere hours after the talks, drones hit Kharkiv.", "Mere hours", "DURATION", "PTXH"),
    ("The siege went on for several months.", "several months", "DURATION", "PXM"),
    ("Envoys will meet in the coming weeks.", "the coming weeks", "DURATION", "PXW"),
    ("The phone call lasted an hour and a half.", "an hour and a half", "DURATION", "PT90M"),
    ("The front has barely moved in recent weeks.", "recent weeks", "DURATION", "PXW"),
    ("Nato has expanded over the next decade.", "the next decade", "DURATION", "P10Y"),
    # decades, centuries
    ("Relations were warmer in the 1990s.", "the 1990s", "DATE", "199"),
    ("It was the largest war in Europe since the 20th century.", "the 20th century", "DATE", "19"),
    # sets
    ("Prisoner exchanges now happen every week.", "every week", "SET", "P1W"),
    ("Kharkiv faces daily shelling.", "daily", "SET", "P1D"),
    ("The delegations talk twice a month.", "twice a month", "SET", "P1M"),
    ("Sanctions cost Russia $5 billion a year.", "a year", "SET", "P1Y"),
    # clock times
    ("The talks began at 9 a.m. in Jeddah.", "9 a.m.", "TIME", "2025-03-12T09:00"),
    ("Air-raid sirens sounded at 04:30 local time.", "04:30 local time", "TIME", "2025-03-12T04:30"),
])
def test_expression_shapes(sentence, expression, type_, value):
    found = tagged(sentence)
    assert found.get(expression) == (type_, value), found


def test_future_ref_and_season_of_explicit_year():
    assert tagged("Negotiations may resume in the near future.")["the near future"] == ("DATE", "FUTURE_REF")
    assert tagged("Envoys met in Geneva in the fall of 2023.")["the fall of 2023"] == ("DATE", "2023-FA")


def test_year_ranges_give_one_expression_per_year():
    found = find_times("The Donbas conflict of 2014-2022 and the Minsk talks of 2014-15 failed.", REFERENCE)
    assert [(t.text, t.value) for t in found] == [("2014", "2014"), ("2022", "2022"), ("2014", "2014"),
                                                  ("15", "2015")]


def test_duration_range_keeps_both_amounts():
    found = find_times("The buyback could take between 12 and 18 months.", REFERENCE)
    assert [(t.text, t.value) for t in found] == [("12", "P12M"), ("18 months", "P18M")]


@pytest.mark.parametrize("sentence", [
    "Russia has massed 2000 troops near the border.",
    "Officials said 2025 square kilometres were taken.",
    "Putin, who is 72 years old, did not comment.",
    "Ukrainian soldiers aged 25 and older were called up; children 6 months and older get aid.",
    "Officials may meet the envoy again.",
    "The fall of Avdiivka shocked Kyiv.",
    "June Sanders covered the war for a newspaper.",
    "The early days of the invasion were chaotic.",
    "The Daily Telegraph reported the strike.",
    "Kyiv rejected the plan in the past nine rounds of talks.",
    "The decree dated 03/04/2025 reads differently in Kyiv and Washington.",
])
def test_non_times_are_skipped(sentence):
    assert find_times(sentence, REFERENCE) == []


def test_offsets_point_into_the_text_and_ids_are_stable():
    text = "On Tuesday, Ukraine agreed to a 30-day truce. Russia responded on Thursday."
    first = find_times(text, REFERENCE, doc_id="a1")
    assert [text[t.start:t.end] for t in first] == [t.text for t in first] == ["Tuesday", "30-day", "Thursday"]
    assert [t.id for t in first] == [t.id for t in find_times(text, REFERENCE, doc_id="a1")]
    assert first[0].id != find_times(text, REFERENCE, doc_id="a2")[0].id
    assert first[0].anchor == "2025-03-12" and first[1].anchor is None


def test_narrative_expressions_follow_the_last_date():
    found = tagged("Talks opened on March 11, 2025. The following day, Moscow responded. The day before, "
                   "envoys had landed.")
    assert found["The following day"] == ("DATE", "2025-03-12")
    assert found["The day before"] == ("DATE", "2025-03-11")


def test_clock_time_takes_the_date_of_its_sentence():
    found = tagged("On Friday the delegations met again at 10 a.m.")
    assert found["Friday"] == ("DATE", "2025-03-07")
    assert found["10 a.m."] == ("TIME", "2025-03-07T10:00")


def test_without_reference_only_partial_values_are_given():
    found = tagged("On Tuesday, March 11, envoys met; last year talks failed; the war began in 2022.", None)
    assert found["Tuesday, March 11"] == ("DATE", "XXXX-03-11")
    assert found["2022"] == ("DATE", "2022")
    assert "last year" not in found


def test_named_periods_need_a_resolver():
    sentence = "The talks began early in Trump's second term and lasted through Trump's second term."
    assert tagged(sentence) == {}

    def terms(name: str):
        return (date(2025, 1, 20), date(2029, 1, 20)) if name == "Trump's second term" else None
    found = tagged(sentence, resolve_named_period=terms)
    assert found["early in Trump's second term"] == ("DATE", "2025")
    assert found["Trump's second term"] == ("DURATION", "P4Y")


def test_amounts_and_duration_values():
    assert parse_amount("twenty-five") == 25 and parse_amount("a couple of") == 2 and parse_amount("several") is None
    assert duration_value(3, "years") == "P3Y"
    assert duration_value(1.5, "year") == "P18M"
    assert duration_value(None, "decades") == "PXDE"
    assert duration_value(0.5, "hour") == "PT30M"
    assert duration_value(2, "centuries") == "P200Y"


def test_stage_fills_article_times_against_publication_date():
    article = Article(id="x1", key="k", path="p", format="text", published=date(2025, 3, 12),
                      text="The Jeddah meeting took place yesterday.")
    out = extract_times(article, Context())
    assert [(t.text, t.value) for t in out.times] == [("yesterday", "2025-03-11")]


def test_stage_uses_a_preset_named_period_resolver():
    ctx = Context()
    ctx.preset("named_period_resolver", lambda name: (date(2017, 1, 20), date(2021, 1, 20)))
    article = Article(id="x2", key="k", path="p", format="text", published=date(2025, 3, 12),
                      text="Sanctions were tightened late in Trump's first term.")
    assert [(t.text, t.value) for t in extract_times(article, ctx).times] == \
        [("late in Trump's first term", "2021")]


def test_infer_publication_date_from_latest_past_date():
    text = ("Russian drones hit Kyiv overnight, officials said on Tuesday. The strike followed talks on "
            "March 11, 2025. Envoys will meet again on April 20, 2025, and Kyiv wants a deal by May 1, 2025.")
    inferred = infer_publication_date(text)
    assert (inferred.earliest, inferred.latest, inferred.confidence) == (date(2025, 3, 11), date(2025, 3, 18), 0.6)
    assert "2025-03-11" in inferred.method
    without_weekdays = infer_publication_date("The strike followed talks on March 11, 2025.")
    assert (without_weekdays.latest, without_weekdays.confidence) == (date(2025, 4, 10), 0.4)


def test_infer_publication_date_from_month_or_year():
    by_month = infer_publication_date("The offensive started in February 2025 and stalled.")
    assert (by_month.earliest, by_month.latest) == (date(2025, 2, 1), date(2025, 5, 31))
    by_year = infer_publication_date("The war entered a new phase after the battles of 2024, which began on "
                                     "March 3, 2023.")
    assert (by_year.earliest, by_year.latest, by_year.confidence) == (date(2024, 1, 1), date(2026, 12, 31), 0.1)
    assert by_year.method.startswith("lower bound only")
    assert infer_publication_date("No dates at all here.") is None
    assert infer_publication_date("Kyiv must hold elections by 2030.") is None


def test_infer_published_stage_sets_an_inferred_range_and_anchors_relative_times():
    from sitroom.extract.times import extract_times, infer_published
    from sitroom.stage import Context
    from tests.conftest import make_article

    ctx = Context()
    undated = make_article("Delegations met in Jeddah on March 11, 2025. On Tuesday, Kyiv said it backed the "
                           "ceasefire proposal; Moscow responded the next day.", key="undated.txt")
    extract_times(infer_published(undated, ctx), ctx)
    inferred = undated.published_inferred
    assert inferred.earliest == date(2025, 3, 12) and inferred.latest > inferred.earliest  # "the next day"
    assert 0 < inferred.confidence < 1 and inferred.method
    assert any(t.text == "Tuesday" and t.value == "2025-03-11" for t in undated.times)

    dated = make_article("Delegations met in Jeddah on March 11, 2025.", key="dated.txt",
                         published=date(2025, 3, 12))
    assert infer_published(dated, ctx).published_inferred is None  # a given date is never overridden


def test_offices_in_the_text_date_an_undated_article(ctx):
    from sitroom.pipeline import STAGES, process_shard
    from tests.conftest import make_raw

    text = ("Vice President JD Vance and Secretary of State Marco Rubio met Ukrainian officials in Munich. "
            "The talks followed the war's outbreak in 2022, officials said.")
    stages = [s for s in STAGES if s.name in ("clean", "parse", "link_actors", "infer_published")]
    (article,) = process_shard([make_raw(text, key="undated.txt")], ctx, stages, strict=True).articles
    inferred = article.published_inferred
    # The year 2022 is background; Vance's vice-presidency and Rubio's office date the text.
    assert inferred.earliest == date(2025, 1, 21)
    assert "Vice President JD Vance" in inferred.method and "background" in inferred.method
