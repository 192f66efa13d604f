"""The cleaner on hand-written scraper output: each junk rule, the audit log, language, genre."""

from __future__ import annotations

import pytest

from sitroom.clean import (add_missing_chunks, choose_body, classify_genre, clean, clean_text, content_hash,
                           detect_language, extract_html, fill_gaps, is_headline_repeat, normalize_unicode)
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
    # newsletter offers and sign-up boxes
    ("Get the evening briefing delivered to your inbox. Sign up for our newsletter.", "subscribe"),
    ("Front Line Newsletter", "subscribe"),
    ("Thanks for signing up!", "subscribe"),
    # promoted stories
    ("Also on eastbridge.example: Kyiv rejects territorial concessions", "promo-link"),
    ("See more: Drone strikes on Odesa port", "promo-link"),
    ("Leggi anche: I colloqui di Ginevra", "promo-link"),
    ("CLICK HERE TO GET THE DANUBE DAILY APP", "click-here"),
    ("Want the full map? Click here for our interactive tracker.", "click-here"),
    ("Like this story? Share it with a friend!", "share"),
    # page tools
    ("Order Reprints", "page-tool"),
    ("Text size", "page-tool"),
    ("By", "page-tool"),
    ("6 min read", "page-tool"),
    ("Comments", "page-tool"),
    ("This copy is for your personal, non-commercial use only. To order copies visit example.com", "copyright"),
    # credits under pictures
    ("Photo by Jane Doe / Eastbridge Times", "caption"),
    ("Damaged apartment blocks in Kharkiv, photos © Studio Nord, 2024", "caption"),
    ("A drone over the Dnipro river. (credit: Jane Doe/Danube Daily)", "caption"),
    ('[button link="https://example.com/tips"]Send us your story[/button]', "shortcode"),
    # datelines and bylines standing alone
    ("Updated at 1:23 p.m.", "dateline"),
    ("- Published 18 November 2024", "dateline"),
    ("November 20, 2024 - 11:28 CET", "dateline"),
    ("5:45 AM PST 11/19/2024 by Jane Doe", "dateline"),
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


@pytest.mark.parametrize("sentence", [
    # real sentences that look a little like junk and must survive
    "Subscribers to the ministry's newsletter were told on Friday that the talks had stalled.",
    "Thanks to the ceasefire, aid convoys reached Kherson on Tuesday.",
    "By Monday, the convoy had reached Zaporizhzhia.",
    "Photos by residents showed the damage across the city centre.",
    "On November 20, 2024 at 11:28 the first missile hit Dnipro, officials said.",
    "10:45 GMT",  # a live-blog entry's time stamp: genre detection counts those
    "June 17 -- Palace of Sports, Kyiv",  # a schedule line
    "Read the full statement here, the ministry said in a post on Telegram.",
    "KYIV, Ukraine (AP) — Russian drones struck the capital overnight, officials said.",
])
def test_real_sentences_survive(sentence):
    cleaned = clean_text(f"{BODY}\n\n{sentence}\n\nThe strike damaged port infrastructure.")
    assert cleaned.text == f"{BODY}\n\n{sentence}\n\nThe strike damaged port infrastructure."
    assert cleaned.removed == []


def test_related_block_heading_and_its_links_are_removed():
    raw = (f"{BODY}\n\nDon't miss\n\nGeneva talks stall as envoys leave [VIDEO]\n\n- Sanctions on oil majors explained"
           "\n\nThe strike damaged port infrastructure.")
    cleaned = clean_text(raw)
    assert cleaned.text == f"{BODY}\n\nThe strike damaged port infrastructure."
    assert [r.rule for r in cleaned.removed] == ["related-block"] * 3
    assert all(raw[r.start:r.end] == r.text for r in cleaned.removed)


@pytest.mark.parametrize("junk, rule", [
    ("Reporting by Jane Doe in Kyiv; Editing by John Roe", "credit-line"),
    ("John Roe contributed reporting from Kyiv.", "credit-line"),
    ("Source: Danube Daily wires", "credit-line"),
    ("Tags: Ukraine, Russia, drones", "tags"),
    ("Leave a comment", "comments"),
    ("Follow Jane Doe on Twitter @janedoe_news.", "contact"),
    ("Email John Roe at john.roe@example.com or follow him on Telegram.", "contact"),
    ("Jane Doe is a correspondent for the Eastbridge Times based in Kyiv.", "author-bio"),
    ("If you buy something through our links, we may earn a commission.", "disclaimer"),
])
def test_trailer_lines_are_removed_only_at_the_end(junk, rule):
    trailing = clean_text(f"{BODY}\n\n{junk}\n\nTags: Ukraine")
    assert trailing.text == BODY
    assert [r.rule for r in trailing.removed] == [rule, "tags"]
    # The same line inside the story is left alone: mid-article it can be reporting.
    inside = clean_text(f"{BODY}\n\n{junk}\n\nThe strike damaged port infrastructure.")
    assert junk in inside.text and inside.removed == []


@pytest.mark.parametrize("sentence", [
    "The ministry posted a video on Telegram and told residents to listen for air-raid sirens.",
    "Topics at the summit included energy security and prisoner exchanges.",
    "Tags found on the bodies identified them as conscripts, officials said.",
    "Sources in Kyiv said the delegation would return on Monday.",
])
def test_last_sentences_of_a_story_survive_the_trailer_rules(sentence):
    assert clean_text(f"{BODY}\n\n{sentence}").text == f"{BODY}\n\n{sentence}"


def test_trailer_stops_at_the_story():
    text = ("Jane Doe is a reporter for the Eastbridge Times who was detained in Moscow in March.\n\n"
            "Her trial opens on Monday, her lawyer said.")
    assert clean_text(text).text == text


def test_fuzzy_headline_repeat():
    assert is_headline_repeat("Julian Doe: Sweden drops the investigation", "Sweden drops Doe investigation")
    assert is_headline_repeat("Kyiv rejects US peace plan", "Kyiv rejects US peace plan - Danube Daily")
    # A lede ends with a full stop, however much it shares with the headline.
    assert not is_headline_repeat("Kyiv rejects the US peace plan.", "Kyiv rejects US peace plan")
    assert not is_headline_repeat("Talks resume in Geneva on Sunday", "Kyiv rejects US peace plan")
    raw = make_raw("Kyiv rejects the US peace plan\n\n" + BODY, title="Kyiv rejects US peace plan | Danube Daily")
    article = clean(raw, Context())
    assert article.text == BODY
    assert article.removed[-1].rule == "headline-repeat"


def test_choose_body_uses_recall_mode_only_when_precision_mode_went_wrong():
    story = "\n".join(f"Paragraph {n} of the story about the talks in Geneva." for n in range(20))
    assert choose_body(story[:100], story) == story           # precision mode lost the article
    assert choose_body(story * 3, story) == story             # its fallback took the whole page
    assert choose_body(story, story + "\nRelated stories") == story


def test_fill_gaps_restores_inner_paragraphs_only():
    precise = "First paragraph.\nThird paragraph."
    broad = "Menu\nFirst paragraph.\nSecond paragraph.\nDON'T MISS THESE STORIES\nThird paragraph.\nFooter"
    assert fill_gaps(precise, broad) == "First paragraph.\nSecond paragraph.\nThird paragraph."


def test_extract_html_takes_the_article_body():
    paragraphs = "".join(f"<p>{sentence}</p>" for sentence in (
        "Russian drones struck the Odesa region overnight, damaging port infrastructure, the governor said.",
        "Air defence units shot down most of the drones over the sea, the air force said in a statement.",
        "Ukraine and its partners are due to meet in Geneva next week to discuss a ceasefire proposal.",
        "Officials in Kyiv said they would not accept any deal that required giving up territory.",
    ))
    html = (f"<html><head><title>Drones hit Odesa port</title></head><body><nav><a href='/'>Home</a></nav>"
            f"<article><h1>Drones hit Odesa port</h1>{paragraphs}</article>"
            f"<aside><h3>Related stories</h3><a href='/x'>Geneva talks stall</a></aside></body></html>")
    page = extract_html(html)
    assert page.title == "Drones hit Odesa port"
    assert "Air defence units shot down most of the drones" in page.text
    assert "Officials in Kyiv said" in page.text
    assert "Home" not in page.text


def test_add_missing_chunks_joins_a_body_split_into_sibling_containers():
    def chunk(*sentences):
        return "<div class='article-body'>" + "".join(f"<p>{s}</p>" for s in sentences) + "</div>"
    first = ["Russian drones struck the Odesa region overnight, damaging port infrastructure.",
             "Air defence units shot down most of the drones over the sea, the air force said.",
             "The regional governor said two people were injured and a warehouse caught fire."]
    second = ["Ukraine and its partners are due to meet in Geneva next week to discuss a ceasefire.",
              "Officials in Kyiv said they would not accept any deal that required giving up territory.",
              "European envoys are expected to present a draft of the security guarantees on Monday."]
    html = (f"<html><body><article>{chunk(*first)}<div class='ad'>Advertisement</div>{chunk(*second)}</article>"
            f"<aside class='related'>{chunk('A story from another page that the extractor rightly left out.' * 4)}"
            f"</aside></body></html>")
    extracted = "\n".join(first)
    assert add_missing_chunks(html, extracted) == "\n".join(first + second)
    # Nothing is added twice, and a page with one container is left as it was.
    assert add_missing_chunks(html, "\n".join(first + second)) == "\n".join(first + second)
    assert add_missing_chunks(f"<html><body>{chunk(*first)}</body></html>", extracted) == extracted
