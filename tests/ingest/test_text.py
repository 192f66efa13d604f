import pytest

from sitroom.ingest.text import split_title

BODY = ("Ukrainian and American negotiators met in Geneva on Sunday to discuss the draft peace plan.\n\n"
        "Rubio called the talks productive.")


@pytest.mark.parametrize("text", [
    "Talks resume in Geneva\n\n" + BODY,          # title, blank line, body
    "\nTalks resume in Geneva\n" + BODY,          # blank line, title, body
    "\n\n  Talks resume in Geneva  \n\n" + BODY,
])
def test_headline_shapes(text):
    title, body = split_title(text)
    assert title == "Talks resume in Geneva"
    assert body.startswith("Ukrainian and American negotiators")


@pytest.mark.parametrize("text", [
    BODY,                                                   # body only
    "Talks resumed in Geneva on Sunday.\n\n" + BODY,        # a sentence, not a headline
    "Talks resume in Geneva",                               # a single line is a body
    "“We will not give up land,” Zelensky said\n\n" + BODY,  # a quote opening the story
])
def test_no_headline(text):
    title, body = split_title(text)
    assert title is None
    assert body.strip() == text.strip()
