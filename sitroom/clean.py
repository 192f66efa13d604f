"""RawItem -> Article: body extraction, scraping-junk removal with an audit log,
language and genre.

The junk rules are general (not per site): each is a named pattern, and every piece
of text it removes is logged as a ``Removal`` (rule, text, offsets into the body as
extracted, after Unicode normalisation) so an analyst can see what was dropped.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Optional

import py3langid
import trafilatura

from .errors import EmptyInputError
from .ingest.common import clean_meta, parse_date
from .models import Article, Genre, RawItem, Removal, article_id
from .stage import Context, stage

# --------------------------------------------------------------------------- rules

AGENCIES = (r"AFP|AP|AP Photo|Associated Press|Reuters|Getty(?: Images)?|EPA(?:-EFE)?|Shutterstock|Bloomberg"
            r"|Anadolu(?: Agency)?|TASS|Sputnik|EFE|Xinhua|Ukrinform|Alamy|SIPA|NurPhoto|Pool")
# "(Jane Doe / AFP / Getty Images)", "(AFP via Getty Images)", "(Photo: Reuters)"
CREDIT = re.compile(rf"\((?:photo:?\s*)?(?:[^()\n]{{0,80}}?[/|]\s*)?(?:{AGENCIES})\b[^()\n]{{0,60}}\)", re.I)

LINE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("interstitial", re.compile(
        r"^(wait \d+ sec(onds?)?\.?|advertisement|advertising|sponsored( content)?|skip (ad|advertisement)"
        r"|loading\.*|scroll (down )?to continue( reading)?\.?|continue reading( below)?\.?|story continues below"
        r"( advertisement)?\.?)$", re.I)),
    ("subscribe", re.compile(
        r"^(subscribe\b|sign up\b|already a subscriber|log ?in to (continue|read)|get (our|the) .{0,40}newsletter"
        r"|join our newsletter|support our journalism|become a member)[^\n]{0,160}$", re.I)),
    ("promo-link", re.compile(
        r"^\[?\s*(read|read more|more|related|related stories|related articles|see also|also read|read also|recommended"
        r"|more on this( story)?|watch|listen|explainer|live updates)\s*:[^\n]{0,240}\]?$", re.I)),
    ("promo-link", re.compile(r"^\[(read|related|see|watch|listen|more)\b[^\]\n]{0,240}\]$", re.I)),
    ("share", re.compile(
        r"^(share( this)?( article| story| page)?( on \w+)?|share on (facebook|twitter|x|whatsapp|linkedin|telegram)"
        r"|tweet( this)?|email( this)?|print( this)?( article)?|copy link|follow us( on [\w ,]+)?)[.!:]?$", re.I)),
    ("copyright", re.compile(r"^(©|copyright\b|\(c\) ?\d{4})[^\n]{0,200}$|^all rights reserved\.?$", re.I)),
    ("caption", re.compile(r"^(photo|image|picture|file photo|pictured|caption|top image)\s*[:|][^\n]{0,300}$", re.I)),
    ("section-trailer", re.compile(r"^[-–—|]\s*(news|world|europe|politics|opinion|home|latest|top stories)$", re.I)),
)
INLINE_PROMO = re.compile(r"\s*\[(?:read|related|see also|watch|listen|more)\s*:[^\]\n]{0,300}\]", re.I)
INLINE_INTERSTITIAL = re.compile(r"(?:^|(?<=[.!?”\"]\s))wait \d+ sec(?:onds?)?\.?(?:\s+|$)", re.I)
TITLE_TRAILER = re.compile(r"\s+[-–|]\s*(News|World|Europe|Politics|Opinion)\s*$")
SENTENCE_BOUNDARY = re.compile(r"[.!?][\"'”’)]*\s+")
TERMINAL = re.compile(r"[.!?:;\"'”’)\]…]$")
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)


@dataclass
class Cleaned:
    text: str
    removed: list[Removal]


def normalize_unicode(text: str) -> str:
    """NFC, no invisible characters, plain spaces; curly quotes and dashes are kept
    because quote extraction needs them."""
    text = unicodedata.normalize("NFC", text).translate(INVISIBLE)
    text = text.replace("\u00a0", " ").replace("\u202f", " ").replace("\r\n", "\n").replace("\r", "\n")
    return text


def clean_text(body: str) -> Cleaned:
    """Remove scraping junk line by line and inline; rejoin broken paragraphs."""
    body = normalize_unicode(body)
    removed: list[Removal] = []
    paragraphs: list[str] = []
    offset = 0
    for line in body.split("\n"):
        line_start = offset
        offset += len(line) + 1
        stripped = line.strip()
        if not stripped:
            paragraphs.append("")
            continue
        lead = line_start + (len(line) - len(line.lstrip()))
        rule = next((name for name, pattern in LINE_RULES if pattern.match(stripped)), None)
        if rule is None and _is_caption_line(stripped):
            rule = "caption"
        if rule:
            removed.append(Removal(rule=rule, text=stripped, start=lead, end=lead + len(stripped)))
            continue
        kept = _clean_inline(stripped, lead, removed)
        if kept:
            paragraphs.append(" ".join(kept.split()))
    return Cleaned(_join_paragraphs(paragraphs), removed)


def _is_caption_line(line: str) -> bool:
    """A line that ends with an agency credit is a photo caption (with its sentence)."""
    match = CREDIT.search(line)
    return bool(match) and match.end() >= len(line.rstrip(" .")) and len(line) < 400


def _clean_inline(line: str, start: int, removed: list[Removal]) -> str:
    spans: list[tuple[int, int, str]] = []
    spans += [(m.start(), m.end(), "interstitial") for m in INLINE_INTERSTITIAL.finditer(line)]
    spans += [(m.start(), m.end(), "promo-link") for m in INLINE_PROMO.finditer(line)]
    for credit in CREDIT.finditer(line):
        # The caption sentence that the credit closes goes with it.
        before = line[:credit.start()].rstrip()
        boundaries = [m.end() for m in SENTENCE_BOUNDARY.finditer(before[:-1] if before else "")]
        caption_start = boundaries[-1] if boundaries else 0
        spans.append((caption_start, credit.end(), "caption"))
    if not spans:
        return line
    spans.sort()
    pieces, cursor = [], 0
    for span_start, span_end, rule in spans:
        span_start = max(span_start, cursor)
        if span_end <= span_start:
            continue
        pieces.append(line[cursor:span_start])
        removed.append(Removal(rule=rule, text=line[span_start:span_end].strip(),
                               start=start + span_start, end=start + span_end))
        cursor = span_end
    pieces.append(line[cursor:])
    return " ".join("".join(pieces).split())


def _join_paragraphs(lines: list[str]) -> str:
    """Blank-line-separated paragraphs; a paragraph broken mid-sentence is rejoined."""
    paragraphs: list[str] = []
    for line in lines:
        if not line:
            continue
        if paragraphs and not TERMINAL.search(paragraphs[-1]) and line[:1].islower():
            # "...a ceasefire\n\nalong the front line": a paragraph broken mid-sentence.
            paragraphs[-1] += " " + line
        else:
            paragraphs.append(line)
    return "\n\n".join(paragraphs)


# --------------------------------------------------------------------------- HTML

@dataclass
class Extracted:
    text: str
    title: Optional[str] = None
    author: Optional[str] = None
    published: Optional[str] = None
    site_name: Optional[str] = None
    url: Optional[str] = None
    language: Optional[str] = None
    categories: tuple[str, ...] = ()


def extract_html(html: str, url: Optional[str] = None) -> Extracted:
    """Main text and metadata of a page, with trafilatura."""
    document = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False,
                                           include_tables=True, deduplicate=False)
    if document is None:
        raise EmptyInputError("no article text found in the HTML page")
    meta = document.as_dict()
    text = (meta.get("text") or "").replace("\n", "\n\n")
    return Extracted(text=text, title=meta.get("title"), author=meta.get("author"), published=meta.get("date"),
                     site_name=meta.get("sitename"), url=meta.get("url"), language=meta.get("language"),
                     categories=tuple((meta.get("categories") or []) + (meta.get("tags") or [])))


# --------------------------------------------------------------------------- language, genre

def detect_language(text: str, declared: Optional[str] = None) -> Optional[str]:
    sample = text[:4000]
    if len(sample.strip()) < 40:
        return (declared or "")[:2].lower() or None
    language, _score = py3langid.classify(sample)
    return language


OPINION_URL = re.compile(r"/(opinion|opinions|comment|commentary|column|columns|columnists?|editorial|op-?ed|"
                         r"analysis|perspective|views|ideas|blogs?)(/|-|$)", re.I)
OPINION_TITLE = re.compile(r"^(opinion|analysis|comment|commentary|editorial|column|op-ed|view|perspective)\s*[|:—–-]",
                           re.I)
OTHER_URL = re.compile(r"/(live|liveblog|live-updates|transcripts?)(/|-|$)", re.I)
OTHER_TITLE = re.compile(r"^(live|live updates|as it happened|transcript|full transcript)\b|\blive updates\b", re.I)
FIRST_PERSON = re.compile(r"\b(I|I'm|I’m|I've|I’ve|my|me|myself)\b")
PRESCRIPTIVE = re.compile(r"\b(should|must|ought to|needs? to|has to|have to)\b", re.I)
TRANSCRIPT_SPEAKER = re.compile(r"^[A-Z][A-Z .'-]{2,40}:\s", re.M)
LIVE_TIMESTAMP = re.compile(r"^\s*\d{1,2}[:.]\d{2}\s*(a\.?m\.?|p\.?m\.?|GMT|BST|CET|EET|UTC|ET)?\b", re.M | re.I)


def classify_genre(title: Optional[str], url: Optional[str], categories: tuple[str, ...],
                   text: str) -> tuple[Genre, list[str]]:
    """news | opinion | other, with the cues that decided it."""
    cues: list[str] = []
    title = title or ""
    if url and OTHER_URL.search(url) or OTHER_TITLE.search(title):
        cues.append("live/transcript marker in url or title")
    if len(TRANSCRIPT_SPEAKER.findall(text)) >= 5:
        cues.append("speaker-labelled lines (transcript)")
    if len(LIVE_TIMESTAMP.findall(text)) >= 4:
        cues.append("timestamped entries (live blog)")
    if cues:
        return "other", cues
    score = 0.0
    if url and OPINION_URL.search(url):
        score += 2
        cues.append("opinion section in url")
    if OPINION_TITLE.search(title):
        score += 2
        cues.append("opinion label in headline")
    if any(re.search(r"opinion|comment|editorial|column|analysis", c, re.I) for c in categories):
        score += 2
        cues.append("opinion category in metadata")
    words = max(len(text.split()), 1)
    first_person = len([m for m in FIRST_PERSON.finditer(text)]) / words * 1000
    prescriptive = len(PRESCRIPTIVE.findall(text)) / words * 1000
    # Rates per 1,000 words; news copy quotes people in the first person, so the
    # thresholds sit above what quoted speech alone produces.
    if first_person >= 8:
        score += 1
        cues.append(f"first person ({first_person:.0f}/1000 words)")
    if prescriptive >= 6:
        score += 1
        cues.append(f"prescriptive modals ({prescriptive:.0f}/1000 words)")
    return ("opinion" if score >= 2 else "news"), cues


# --------------------------------------------------------------------------- the stage

def content_hash(text: str) -> str:
    """Hash of the text with case, punctuation and spacing folded: exact duplicates."""
    folded = " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())
    return hashlib.sha1(folded.encode("utf-8")).hexdigest()


@stage(requires=("raw",), assigns=("article.text", "article.removed", "article.language", "article.genre",
                                   "article.content_hash"))
def clean(raw: RawItem, ctx: Context) -> Article:
    """Extract and clean the body; detect language and genre."""
    title, url, author, published = raw.title, raw.url, raw.author, raw.published
    outlet, declared_language, categories = raw.outlet, raw.language, tuple(raw.metadata.get("categories") or ())
    body = raw.text
    if raw.is_html:
        page = extract_html(raw.text, raw.url)
        body = page.text
        title = title or page.title
        url = url or page.url
        author = author or page.author
        published = published or parse_date(page.published)
        outlet = outlet or page.site_name
        declared_language = declared_language or page.language
        categories += page.categories
    cleaned = clean_text(body)
    text = cleaned.text
    if title:
        title = TITLE_TRAILER.sub("", normalize_unicode(title)).strip()
        # Extractors often repeat the headline as the first line of the body.
        first, _, rest = text.partition("\n\n")
        if first.strip().lower() == title.lower() and rest:
            cleaned.removed.append(Removal(rule="headline-repeat", text=first, start=0, end=len(first)))
            text = rest
    if not text.strip():
        raise EmptyInputError("no article text left after cleaning")
    language = detect_language(text, declared_language)
    genre, cues = classify_genre(title, url, categories, text)
    return Article(
        id=article_id(raw.key), key=raw.key, path=raw.path, format=raw.format, url=url, title=title or None,
        outlet=clean_meta(outlet), author=clean_meta(author), published=published, genre=genre, genre_cues=cues,
        language=language, text=text, content_hash=content_hash(text), removed=cleaned.removed,
        stages=["clean"],
    )
