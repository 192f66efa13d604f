"""Unit tests for quotes and attribution, on sentences written for these tests."""

from __future__ import annotations

import random

import pytest

from sitroom.extract.quotes import extract_quotes, find_quotes, quoted_spans
from sitroom.models import Article, ArticleActor, Span, article_id
from sitroom.stage import Context


@pytest.fixture(scope="session")
def quote_nlp():
    from sitroom.nlp import load_nlp
    return load_nlp()


@pytest.fixture
def quotes_of(quote_nlp):
    def run(text: str, actor_spans=()):
        return find_quotes(quote_nlp(text), actor_spans)
    return run


def only(quotes):
    assert len(quotes) == 1, [(q.text, q.rule) for q in quotes]
    return quotes[0]


def fragment_texts(text: str, quote) -> list[str]:
    return [text[s:e] for s, e in quote.fragments]


# --------------------------------------------------------------------------- quote marks


@pytest.mark.parametrize("text, expected", [
    ('He said "no deal" today.', ['"no deal"']),
    ("He said “no deal” today.", ["“no deal”"]),
    ("He said ''no deal'' today.", ["''no deal''"]),
    # mixed typography: a straight opener closed by a curly mark
    ('"We are ready,” she said.', ['"We are ready,”']),
    # a nested quotation stays inside the outer one
    ('"She asked: “Is the war over?” and waited."', ['"She asked: “Is the war over?” and waited."']),
    # single curly quotes as a headline quotation, apostrophes ignored
    ("Kyiv’s answer: ‘Not an inch.’", ["‘Not an inch.’"]),
])
def test_quoted_spans_pairs_marks(text, expected):
    assert [text[s:e] for s, e in quoted_spans(text)] == expected


def test_unclosed_quote_runs_to_paragraph_end_only():
    text = "Zelensky said “we will never accept occupation.\n\nThe talks resume on Monday."
    spans = quoted_spans(text)
    assert [text[s:e] for s, e in spans] == ["“we will never accept occupation."]


def test_stray_closing_mark_is_ignored():
    text = "The talks” resumed on Monday in Riyadh."
    assert quoted_spans(text) == []


@pytest.mark.parametrize("text", [
    'He said "no" and "never.',
    '"""',
    "”“”“",
    "“",
    "’‘ ’ ‘",
    "Peace “now\n\n” later \"",
])
def test_unbalanced_marks_never_crash(quotes_of, text):
    spans = quoted_spans(text)
    assert all(0 <= s < e <= len(text) for s, e in spans)
    for quote in quotes_of(text):
        assert 0 <= quote.start < quote.end <= len(text)


def test_random_mark_soup_never_crashes(quote_nlp):
    # Fragments of news prose shuffled with every kind of quote mark, dash and colon: the
    # parses are nonsense (non-projective, misplaced subjects), the spans must stay sane.
    pieces = ["Zelensky", "said", "told reporters:", '"', "“", "”", "‘", "’", "''", "``",
              "the talks", "will continue", ",", ".", "\n", "\n\n", "―", "--", "according to",
              "officials", "he", "it", ":", "PENCE:", "claim that", "was rejected by", "who said"]
    rng = random.Random(7)
    texts = ["".join(rng.choice(pieces) + rng.choice([" ", "", "\n"]) for _ in range(rng.randint(1, 50)))
             for _ in range(150)]
    for doc in quote_nlp.pipe(texts):
        for quote in find_quotes(doc, [(0, 5, "UKR")]):
            spans = [*quote.fragments, quote.cue_span, quote.source_span, quote.speaker_span]
            for span in filter(None, spans):
                assert 0 <= span[0] < span[1] <= len(doc.text)
            assert quote.start == min(s for s, _ in quote.fragments)
            assert quote.end == max(e for _, e in quote.fragments)


# --------------------------------------------------------------------------- direct quotes


def test_direct_quote_with_curly_marks(quotes_of):
    text = "“We will not give up our land,” Zelensky said."
    quote = only(quotes_of(text))
    assert quote.kind == "direct"
    assert quote.text == "“We will not give up our land,”"
    assert (quote.cue, quote.speaker_text) == ("said", "Zelensky")
    assert text[quote.cue_span[0]:quote.cue_span[1]] == "said"
    assert text[quote.speaker_span[0]:quote.speaker_span[1]] == "Zelensky"
    assert quote.rule == "direct_quote_cue"


def test_direct_quote_with_straight_marks_and_inverted_speaker(quotes_of):
    quote = only(quotes_of('"The talks were constructive," said Marco Rubio.'))
    assert quote.kind == "direct"
    assert quote.text == '"The talks were constructive,"'
    assert quote.speaker_text == "Marco Rubio"


def test_multi_sentence_quote_is_one_content(quotes_of):
    text = "“The meeting went well. We agreed to meet again,” Steve Witkoff said after the talks."
    quote = only(quotes_of(text))
    assert quote.text == "“The meeting went well. We agreed to meet again,”"
    assert quote.speaker_text == "Steve Witkoff"


def test_quote_split_by_attribution_is_one_attribution(quotes_of):
    text = "“We are ready for peace,” Zelensky said, “but not at any price.”"
    quote = only(quotes_of(text))
    assert fragment_texts(text, quote) == ["“We are ready for peace,”", "“but not at any price.”"]
    assert (quote.start, quote.end) == (0, len(text))
    assert quote.speaker_text == "Zelensky"


def test_quote_continuing_after_the_attribution_sentence(quotes_of):
    text = "“The meeting went well,” Steve Witkoff said. “We agreed to meet again next week.”"
    quote = only(quotes_of(text))
    assert fragment_texts(text, quote) == ["“The meeting went well,”", "“We agreed to meet again next week.”"]


def test_quote_after_a_colon_in_the_next_paragraph(quotes_of):
    text = 'Dmitry Peskov told reporters:\n\n"The Kremlin is open to dialogue with Washington."'
    quote = only(quotes_of(text))
    assert quote.kind == "direct"
    assert quote.text == '"The Kremlin is open to dialogue with Washington."'
    assert (quote.cue, quote.speaker_text) == ("told", "Dmitry Peskov")


def test_closing_mark_directly_followed_by_the_cue(quotes_of):
    # The tokenizer glues ”said into one token; the attribution is read off the characters.
    text = "“There will be no ceasefire”said Lavrov."
    quote = only(quotes_of(text))
    assert quote.kind == "direct"
    assert quote.text == "“There will be no ceasefire”"
    assert (quote.cue, quote.speaker_text) == ("said", "Lavrov")


def test_closing_mark_followed_by_comma(quotes_of):
    quote = only(quotes_of("“There will be no ceasefire”, Lavrov said on Monday."))
    assert quote.text == "“There will be no ceasefire”"
    assert quote.speaker_text == "Lavrov"


def test_cue_inside_a_quotation_is_part_of_it(quotes_of):
    quote = only(quotes_of("“I think we will reach a deal,” Witkoff said."))
    assert quote.cue == "said"


def test_quote_signed_with_a_dash(quotes_of):
    text = "“Peace must be just and lasting.” ― Olena Kovalenko\n\nMore reactions followed."
    quote = only(quotes_of(text))
    assert quote.kind == "direct"
    assert quote.speaker_text == "Olena Kovalenko"
    assert quote.cue == "―"


# --------------------------------------------------------------------------- partial quotes


def test_partial_quote_inside_reported_speech(quotes_of):
    text = "Lavrov said the proposal was “a step in the right direction.”"
    quote = only(quotes_of(text))
    assert quote.kind == "partial"
    assert quote.text == "the proposal was “a step in the right direction.”"
    assert quote.speaker_text == "Lavrov"


def test_scare_quote_used_by_the_speaker(quotes_of):
    text = "Trump called Zelensky a “dictator” on Wednesday."
    quote = only(quotes_of(text))
    assert quote.kind == "partial"
    assert "“dictator”" in quote.text
    assert (quote.cue, quote.speaker_text) == ("called", "Trump")


def test_scare_quote_without_a_speaker(quotes_of):
    quote = only(quotes_of("The so-called “coalition of the willing” met in Paris on Thursday."))
    assert quote.kind == "partial"
    assert quote.text == "“coalition of the willing”"
    assert quote.speaker_text is None and quote.cue is None
    assert quote.rule == "scare_quote_uncued"


# --------------------------------------------------------------------------- indirect speech


def test_indirect_speech_with_that_clause(quotes_of):
    quote = only(quotes_of("Lavrov said that military operations will not stop."))
    assert quote.kind == "indirect"
    assert quote.text == "that military operations will not stop"
    assert (quote.cue, quote.speaker_text) == ("said", "Lavrov")


def test_indirect_speech_with_stance_verb(quotes_of):
    quote = only(quotes_of("Kyiv insists it will not cede land."))
    assert quote.kind == "indirect"
    assert quote.text == "it will not cede land"
    assert (quote.cue, quote.speaker_text) == ("insists", "Kyiv")


def test_according_to(quotes_of):
    quote = only(quotes_of("According to officials, the strike killed five people."))
    assert quote.kind == "indirect"
    assert quote.text == "the strike killed five people"
    assert quote.cue == "According to"
    assert quote.speaker_text == "officials"


def test_content_before_the_cue(quotes_of):
    quote = only(quotes_of("The talks will continue next week, Peskov said."))
    assert quote.text == "The talks will continue next week"
    assert quote.speaker_text == "Peskov"


def test_infinitive_content(quotes_of):
    quote = only(quotes_of("European leaders urged Washington to keep sanctions in place."))
    assert quote.text == "Washington to keep sanctions in place"
    # the nationality adjective is not the speaker: the whole phrase is
    assert quote.speaker_text == "European leaders"


def test_reported_speech_inside_reported_speech_keeps_the_outer_speaker(quotes_of):
    quote = only(quotes_of("Lavrov said Kyiv insists it will not cede land."))
    assert quote.cue == "said"
    assert quote.text == "Kyiv insists it will not cede land"


def test_noun_cue_with_that_clause(quotes_of):
    quote = only(quotes_of("Zelensky's claim that Russia had violated the truce drew an angry reply."))
    assert quote.text == "that Russia had violated the truce"
    assert quote.cue == "claim"
    assert quote.speaker_text == "Zelensky"


def test_parenthetical_cue_inside_the_reported_clause(quotes_of):
    text = "Too often, Zelensky said, the debate over the ceasefire is infected with distrust."
    quote = only(quotes_of(text))
    assert fragment_texts(text, quote) == ["Too often", "the debate over the ceasefire is infected with distrust"]
    assert quote.speaker_text == "Zelensky"
    assert quote.rule == "indirect_parenthetical"


def test_any_verb_introducing_a_quotation_with_a_colon(quotes_of):
    quote = only(quotes_of('Rustem Umerov continued:\n\n"We have agreed on a prisoner exchange."'))
    assert quote.kind == "direct"
    assert quote.text == '"We have agreed on a prisoner exchange."'
    assert quote.cue == "continued"
    assert quote.source_text == "Rustem Umerov"


def test_quote_ending_the_previous_sentence_is_not_taken(quotes_of):
    text = 'Kyiv called the plan "unacceptable." The Kremlin said it would study the proposal.'
    said = next(q for q in quotes_of(text) if q.cue == "said")
    assert said.text == "it would study the proposal"
    assert said.kind == "indirect"


def test_passive_with_agent(quotes_of):
    quote = only(quotes_of("The ceasefire proposal was rejected by Moscow on Friday."))
    assert quote.text == "The ceasefire proposal"
    assert (quote.cue, quote.speaker_text) == ("rejected", "Moscow")


def test_headline_and_transcript_turn(quotes_of):
    headline = only(quotes_of("Zelensky: Ukraine Will Not Trade Territory for Peace\n\nKyiv, March 12."))
    assert headline.text == "Ukraine Will Not Trade Territory for Peace"
    assert (headline.cue, headline.speaker_text) == (":", "Zelensky")
    turn = only(quotes_of('"RUBIO: The talks were productive and we will meet again next week."'))
    assert turn.text == "The talks were productive and we will meet again next week."
    assert turn.speaker_text == "RUBIO"


def test_sentence_without_attribution_has_none(quotes_of):
    assert quotes_of("Russian forces struck Kharkiv overnight, damaging a power plant.") == []


# --------------------------------------------------------------------------- speakers


def test_pronoun_resolves_to_the_preceding_person(quotes_of):
    text = "Sergei Lavrov arrived in Riyadh on Monday. He said the talks were useful."
    quote = only(quotes_of(text))
    assert quote.source_text == "He"
    assert quote.speaker_text == "Sergei Lavrov"
    assert text[quote.speaker_span[0]:quote.speaker_span[1]] == "Sergei Lavrov"


def test_plural_pronoun_resolves_to_a_plural_subject(quotes_of):
    text = "Ukrainian officials met the American delegation in Jeddah. They said the meeting was productive."
    quote = only(quotes_of(text))
    assert quote.speaker_text == "Ukrainian officials"


def test_the_kremlin_said_and_its_actor(quotes_of):
    text = "The Kremlin said it was ready for talks."
    quote = only(quotes_of(text, actor_spans=[(4, 11, "RUSGOV")]))
    assert quote.speaker_text == "Kremlin"
    assert quote.speaker_actor == "RUSGOV"
    assert quote.text == "it was ready for talks"


def test_pronoun_speaker_gets_the_actor_of_its_antecedent(quotes_of):
    text = "The Kremlin rejected the plan on Tuesday. It said the proposal ignored Russian interests."
    quotes = quotes_of(text, actor_spans=[(4, 11, "RUSGOV")])
    said = next(q for q in quotes if q.cue == "said")
    assert said.source_text == "It"
    assert said.speaker_text == "Kremlin"
    assert said.speaker_actor == "RUSGOV"


def test_unresolvable_pronoun_has_no_speaker(quotes_of):
    quote = only(quotes_of("He said the talks were useful."))
    assert quote.source_text == "He"
    assert quote.speaker_text is None and quote.speaker_actor is None


# --------------------------------------------------------------------------- stage


def _article(text: str, doc, actors=()) -> Article:
    key = "quotes-test.txt"
    article = Article(id=article_id(key), key=key, path=key, format="text", text=text, language="en",
                      actors=list(actors))
    return article.with_doc(doc)


def test_stage_fills_quote_records(quote_nlp):
    text = "“We are ready for peace,” Zelensky said. The Kremlin said it was ready for talks."
    kremlin = ArticleActor(id="RUSGOV", name="Russian government",
                           mentions=[Span(start=45, end=52, text="Kremlin")])
    article = extract_quotes(_article(text, quote_nlp(text), [kremlin]), Context())
    assert [q.kind for q in article.quotes] == ["direct", "indirect"]
    direct, indirect = article.quotes
    assert direct.cue_span.text == "said" and direct.speaker_span.text == "Zelensky"
    assert direct.sentence == 0 and indirect.sentence == 1
    assert indirect.speaker_actor == "RUSGOV"
    assert text[indirect.start:indirect.end] == indirect.text == "it was ready for talks"
    assert direct.id != indirect.id and direct.id.startswith("q")
    # re-running gives the same ids (idempotent records)
    again = extract_quotes(_article(text, quote_nlp(text), [kremlin]), Context())
    assert [q.id for q in again.quotes] == [q.id for q in article.quotes]


def test_stage_leaves_an_article_without_doc_alone():
    article = _article("Текст статьи.", None)
    assert extract_quotes(article, Context()).quotes == []
