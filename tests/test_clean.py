"""The cleaner on hand-written scraper output: each junk rule, the audit log, language, genre."""

from __future__ import annotations

import pytest

from sitroom.clean import classify_genre, clean, clean_text, content_hash, detect_language, normalize_unicode
from sitroom.errors import EmptyInputError
from sitroom.stage import Context
from tests.conftest import make_raw

BODY = "Russian drones struck the Odesa region overnight, the regional governor said."


@pytest.mark.parametrize("junk, rule", [
    ("Wait 5 sec.", "interstitial"),
    ("Advertisement", "interstitial"),
    ("Story continues below advertisement", "interstitial"),
    ("[Read: Why the Geneva talks stalled]", "promo-link"),
    ("Read more: Kyiv rejects territorial concessions", "promo-link"),
    ("Related: Sanctions on Rosneft and Lukoil", "promo-link"),
    ("Subscribe to our morning briefing for the latest from Kyiv", "subscribe"),
    ("Share this article", "share"),
    ("- News", "section-trailer"),
    ("© 2025 Eastbridge Times. All rights reserved.", "copyright"),
    ("Rescuers search the rubble of a building in Dnipro. (Jane Doe / AFP / Getty Images)", "caption"),
    ("Photo: Ukrainian servicemen near Pokrovsk", "caption"),
])
def test_junk_lines_are_removed_and_logged(junk, rule):
    raw = f"{BODY}\n\n{junk}\n\nThe strike damaged port infrastructure."
    cleaned = clean_text(raw)
    assert junk.strip() not in cleaned.text
    assert cleaned.text == f"{BODY}\n\nThe strike damaged port infrastructure."
    (removal,) = cleaned.removed
    assert removal.rule == rule
    assert raw[removal.start:removal.end] == removal.text  # offsets point at what was removed


def test_inline_junk_keeps_the_rest_of_the_paragraph():
    raw = ("Zelensky arrived in Washington on Monday. [Read: What Kyiv wants from the deal] He met Trump at the "
           "White House. Trump greets Zelensky at the entrance. (John Roe / Reuters) The meeting lasted two hours.")
    cleaned = clean_text(raw)
    assert cleaned.text == ("Zelensky arrived in Washington on Monday. He met Trump at the White House. "
                            "The meeting lasted two hours.")
    assert {r.rule for r in cleaned.removed} == {"promo-link", "caption"}
    assert any(r.text.startswith("Trump greets Zelensky") for r in cleaned.removed)


def test_interstitial_at_end_of_paragraph():
    cleaned = clean_text("Talks resumed in Geneva on Sunday. Wait 5 sec.")
    assert cleaned.text == "Talks resumed in Geneva on Sunday."


def test_broken_paragraph_is_rejoined_and_whitespace_folded():
    cleaned = clean_text("Negotiators agreed to   continue the talks in\n\ngeneva next week.\n\n\n\nNext paragraph.")
    assert cleaned.text == "Negotiators agreed to continue the talks in geneva next week.\n\nNext paragraph."


def test_unicode_normalised_but_curly_quotes_and_dashes_kept():
    text = normalize_unicode("“We will not cede land” — Zelensky\u00a0said.\u200b Cafe\u0301")
    assert text == "“We will not cede land” — Zelensky said. Café"


def test_clean_stage_builds_article_with_headline_repeat_removed():
    raw = make_raw("Kyiv rejects plan\n\n" + BODY, title="Kyiv rejects plan - News", outlet="Danube Daily")
    article = clean(raw, Context())
    assert article.title == "Kyiv rejects plan"
    assert article.text == BODY
    assert article.language == "en" and article.genre == "news"
    assert article.content_hash == content_hash(BODY)
    assert article.removed[-1].rule == "headline-repeat"


def test_nothing_left_is_an_error():
    with pytest.raises(EmptyInputError):
        clean(make_raw("Advertisement\n\nShare this article"), Context())


def test_language_detection():
    assert detect_language(BODY) == "en"
    german = ("Die Verhandlungen über einen Waffenstillstand in der Ukraine wurden am Sonntag in Genf "
              "fortgesetzt, teilte das Außenministerium mit.")
    assert detect_language(german) == "de"


OPINION = ("I have argued for months that the West is running out of time. Washington should keep arming "
           "Ukraine, and Europe must pay for it. My view is simple: if we abandon Kyiv now, we will pay more later. "
           "The president should say so plainly, and Congress needs to act.")


@pytest.mark.parametrize("title, url, categories, text, expected", [
    ("Kyiv hit by drones", "https://x.example/world/kyiv-drones", (), BODY, "news"),
    ("Opinion | Arm Ukraine now", "https://x.example/2025/arm-ukraine", (), BODY, "opinion"),
    ("Arm Ukraine now", "https://x.example/opinion/arm-ukraine", (), BODY, "opinion"),
    ("Arm Ukraine now", None, ("Commentary",), BODY, "opinion"),
    ("Arm Ukraine now", None, (), OPINION, "opinion"),
    ("Live updates: Geneva talks", None, (), BODY, "other"),
    ("Kyiv hit by drones", "https://x.example/live/ukraine-war", (), BODY, "other"),
])
def test_genre(title, url, categories, text, expected):
    genre, cues = classify_genre(title, url, categories, text)
    assert genre == expected
    if expected != "news":
        assert cues  # a verdict other than news always says why


def test_news_with_quoted_first_person_stays_news():
    text = ("“I will not sign a deal that gives away our land,” Zelensky told reporters in Kyiv on Tuesday. "
            "The president spoke after a call with European leaders, officials said. ") * 3
    assert classify_genre("Zelensky rejects land swap", None, (), text)[0] == "news"
