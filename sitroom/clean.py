"""RawItem -> Article: body extraction, scraping-junk removal with an audit log,
language and genre.

The junk rules are general (not per site): each is a named pattern, and every piece
of text it removes is logged as a ``Removal`` (rule, text, offsets into the body as
extracted, after Unicode normalisation) so an analyst can see what was dropped.
"""

from __future__ import annotations

import difflib
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import Optional

import lxml.etree
import lxml.html
import py3langid
import trafilatura

from .errors import EmptyInputError
from .ingest.common import clean_meta, parse_date
from .models import Article, Genre, RawItem, Removal, article_id
from .stage import Context, stage

# --------------------------------------------------------------------------- rules

AGENCIES = (r"AFP|AP|AP Photo|Associated Press|Reuters|Getty(?: Images)?|EPA(?:-EFE)?|Shutterstock|Bloomberg"
            r"|Anadolu(?: Agency)?|TASS|Sputnik|EFE|Xinhua|Ukrinform|Alamy|SIPA|NurPhoto|Pool")
# "(Jane Doe / AFP / Getty Images)", "(AFP via Getty Images)", "(Photo: Reuters)", "(credit: NASA/Jane Doe)"
CREDIT = re.compile(rf"\((?:photo:?\s*)?(?:[^()\n]{{0,80}}?[/|]\s*)?(?:{AGENCIES})\b[^()\n]{{0,60}}\)"
                    r"|\((?:photo |image )?credits?:[^()\n]{1,80}\)", re.I)
# "KYIV, Ukraine (AP) — ...": an agency in brackets before a dash opens a dateline, it is no caption.
DATELINE_DASH = re.compile(r"\s*[—–-]")

LINE_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("interstitial", re.compile(
        r"^(wait \d+ sec(onds?)?\.?|advertisement|advertising|sponsored( content)?|skip (ad|advertisement)"
        r"|loading\.*|scroll (down )?to continue( reading)?\.?|continue reading( below)?\.?|story continues below"
        r"( advertisement)?\.?)$", re.I)),
    ("subscribe", re.compile(
        r"^(subscribe\b|sign up\b|already a subscriber|log ?in to (continue|read)|get (our|the) .{0,40}newsletter"
        r"|join our newsletter|support our journalism|become a member)[^\n]{0,160}$", re.I)),
    # A newsletter offer addressed to the reader: "Get the latest updates in your inbox. Subscribe to ..."
    ("subscribe", re.compile(
        r"^(?=[^\n]{0,300}$)(?=.*\b(newsletters?|inbox)\b)(?=.*\b(sign(ing)? up|subscrib\w*|delivered)\b)"
        r"(?=.*\b(you|your)\b|(get|sign|subscribe|start|join|receive)\b)[^\n]*$", re.I)),
    # "Pick Six Newsletter", "Thanks for signing up!": the sign-up box around a newsletter offer.
    ("subscribe", re.compile(
        r"^([\w'’&+-]+ ){0,4}newsletters?$|^thanks? (you )?for (signing up|subscribing)\b.{0,60}$", re.I)),
    ("promo-link", re.compile(
        r"^\[?\s*(read|read more|more|related|related stories|related articles|see also|also read|read also|recommended"
        r"|more on this( story)?|watch|listen|explainer|live updates|see more|must read|don'?t miss|trending"
        r"|leggi anche|lesen sie auch|lire aussi|leia também|veja também|lee también)\s*:[^\n]{0,240}\]?$", re.I)),
    ("promo-link", re.compile(r"^\[(read|related|see|watch|listen|more)\b[^\]\n]{0,240}\]$", re.I)),
    # "Also on example.com: ...": a promoted story from the same site.
    ("promo-link", re.compile(r"^also on [\w-]+(\.[\w-]+)+\b[^\n]{0,240}$", re.I)),
    ("click-here", re.compile(r"^[^\n]{0,200}\bclick(ing)? here\b[^\n]{0,200}$", re.I)),
    ("share", re.compile(
        r"^(share( this)?( article| story| page)?( on \w+)?|share on (facebook|twitter|x|whatsapp|linkedin|telegram)"
        r"|tweet( this)?|email( this)?|print( this)?( article)?|copy link|follow us( on [\w ,]+)?"
        r"|like this (story|article)\? share it[^\n]{0,60})[.!:]?$", re.I)),
    # Page tools that scrapers pick up as text: "Order Reprints", "Text size", a lone "By".
    ("page-tool", re.compile(
        r"^[-•]?\s*(order reprints?|reprints?( & permissions)?|print article|text size|save( article| for later)?"
        r"|gift (this )?article|listen to (this )?article|by|comments?|\d+ comments?|comments comments"
        r"|(estimated )?reading time:? [^\n]{0,20}|\d+[- ]min(ute)?s? read|tempo de leitura: [^\n]{0,20})$", re.I)),
    ("copyright", re.compile(r"^(©|copyright\b|\(c\) ?\d{4})[^\n]{0,200}$|^all rights reserved\.?$", re.I)),
    # Reprint notices: "This copy is for your personal, non-commercial use only. ..."
    ("copyright", re.compile(r"^[^\n]{0,60}\bfor (your )?personal,? non-?commercial use only\b[^\n]{0,300}$", re.I)),
    ("caption", re.compile(r"^(photo|image|picture|file photo|pictured|caption|top image)\s*[:|][^\n]{0,300}$", re.I)),
    # "Photo by Jane Doe / Agency", "Image source: ...", "Photos courtesy of ...", "..., photos © Studio, 2018"
    ("caption", re.compile(r"^(photo|image|picture|video)s? (by|credit|source|courtesy)\b(?![^\n]*[.!?][\"”’)]*$)"
                           r"[^\n]{0,150}$"
                           r"|^[^\n]{0,160}©[^\n]{0,80}$", re.I)),
    ("section-trailer", re.compile(r"^[-–—|]\s*(news|world|europe|politics|opinion|home|latest|top stories)$", re.I)),
    # WordPress shortcodes that leak as text: "[button link=...]Send us your story[/button]"
    ("shortcode", re.compile(r"^\[\w+( [\w-]+=[^\]\n]*)?\][^\n]{0,200}\[/\w+\]$")),
)

# Rules for the end of an article only: credit lines, contact lines, author bios, tags and
# disclaimers close articles, while similar sentences mid-article can be real reporting.
TRAILER_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("credit-line", re.compile(
        r"^\(?((additional|further|contributing) )?(reporting|writing|editing|compiled|translation|translated|research"
        r"|produced)( and (writing|editing|reporting))? by\b[^\n]{0,250}$", re.I)),
    ("credit-line", re.compile(
        r"^[^.!?\n]{0,120}\bcontributed( reporting| to this (report|story|article))\b[^\n]{0,120}$", re.I)),
    ("credit-line", re.compile(r"^(sources?|contributing|with (\w+ )?wires|with wire services)\s*:[^\n]{0,150}$"
                               r"|^with (\w+ )?wires\.?$", re.I)),
    ("tags", re.compile(r"^(tags?|filed under|categor(y|ies)|topics?|keywords)\s*:[^\n]{0,300}$"
                        r"|^(tags|filed under)\s[^\n.!?]{0,300}$", re.I)),
    ("comments", re.compile(r"^(leave a (comment|reply)|post a comment|(show|view|read) comments|tell us what you think"
                            r"|join the (conversation|discussion))\b[^\n]{0,80}$", re.I)),
    # "Follow her on Twitter @x", "Email Jane Doe at jane@example.com", "Have a tip? ... may be reached at ..."
    ("contact", re.compile(
        r"^(?=[^\n]{0,400}$)(?=.*(\S@\S+\.\w|(^|\s)@\w{2,}|https?://))"
        r"(?=.*\b(follow|email|e-mail|write to|reach(ed)?|contact|tips?)\b)[^\n]*$"
        r"|^follow [^\n]{1,80}\bon (twitter|x|facebook|instagram|youtube|telegram|tiktok|linkedin)\b[^\n]{0,80}$", re.I)),
    # "Jane Doe is a reporter for ...", "John Roe is the paper's defence correspondent."
    ("author-bio", re.compile(
        r"^[A-Z][\w'’.-]+( [A-Z][\w'’.-]+){0,3} (is|was|has been|covers|writes)\b[^\n]{0,160}"
        r"\b(reporter|correspondent|editor|writer|journalist|columnist|contributor|producer|curator|author|fellow"
        r"|analyst|freelancer?)\b[^\n]{0,200}$")),
    ("disclaimer", re.compile(
        r"^(if you (buy|purchase|click|enjoyed)|we may (earn|receive|get)|prices (are )?subject to change"
        r"|the views expressed|the opinions expressed)\b[^\n]{0,400}$", re.I)),
)

# A heading that opens a block of links to other stories, in many languages.
RELATED_HEADING = re.compile(
    r"^(don'?t miss|must read|read more|read next|more (from|on|in|stories|news)\b[^\n]{0,40}|more to read"
    r"|you (may|might) also (like|be interested in)|related( stories| articles| coverage| content| links| posts"
    r"| reading| news)?|recommended( for you| stories| articles)?|most (read|popular|viewed|shared)\b[^\n]{0,40}"
    r"|see more photos|see also|also read|read also|top stories|trending( now| stories)?|editor'?s picks"
    r"|popular (now|stories)|what to read next|further reading|latest (news|stories)|leggi anche|lesen sie auch"
    r"|lire aussi|leia também|veja também|lee también)\s*[:.…]*$", re.I)
SENTENCE_END = re.compile(r"[.!?…][\"'”’)]*$")
STORY_TAG = re.compile(r"\[[A-Z ]{2,20}\]\|?$")  # "Headline of another story [VIDEO]"
LIST_MARK = re.compile(r"^[-•*]\s")
INLINE_PROMO = re.compile(r"\s*\[(?:read|related|see also|watch|listen|more)\s*:[^\]\n]{0,300}\]", re.I)
INLINE_INTERSTITIAL = re.compile(r"(?:^|(?<=[.!?”\"]\s))wait \d+ sec(?:onds?)?\.?(?:\s+|$)", re.I)
TITLE_TRAILER = re.compile(r"\s+[-–|]\s*(News|World|Europe|Politics|Opinion)\s*$")
SENTENCE_BOUNDARY = re.compile(r"[.!?][\"'”’)]*\s+")
TERMINAL = re.compile(r"[.!?:;\"'”’)\]…]$")
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)

# Date/time lines: "Updated at 1:23 p.m.", "November 20, 2019 - 11:28 AMT", "5:45 AM PST 11/19/2019 by Jane Doe"
MONTHS = (r"jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t(ember)?)?|oct(ober)?"
          r"|nov(ember)?|dec(ember)?")
DATE_OR_TIME = re.compile(rf"\b(\d{{1,2}}[:.]\d{{2}}\b|\d{{1,4}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}\b"
                          rf"|({MONTHS})\.? \d{{1,2}}\b|\d{{1,2}} ({MONTHS})\b)", re.I)
DATELINE_WORD = re.compile(
    rf"^(({MONTHS})\.?|(mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?|\d+(st|nd|rd|th)?|[ap]\.?m\.?|updated|published|posted"
    r"|last|modified|on|at|by|and|utc|gmt|edt|est|pst|pdt|cet|cest|bst)$", re.I)
YEAR = re.compile(r"\b(19|20)\d\d\b")
TIME = re.compile(r"\b\d{1,2}:\d{2}\b|\b\d{1,2}([:.]\d{2})? ?[ap]\.?m\b", re.I)
DATELINE_LABEL = re.compile(r"\b(updated|published|posted|modified|by)\b", re.I)
WORD = re.compile(r"[^\W\d_][\w'’.-]*|\d+", re.UNICODE)


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
    """Remove scraping junk line by line, in blocks (related-story lists, the article's
    trailer) and inline; rejoin broken paragraphs."""
    body = normalize_unicode(body)
    lines: list[tuple[int, str]] = []  # (offset of the stripped line, stripped line); "" for a blank line
    offset = 0
    for line in body.split("\n"):
        stripped = line.strip()
        lines.append((offset + (len(line) - len(line.lstrip())), stripped))
        offset += len(line) + 1
    rules = [_line_rule(text) if text else None for _start, text in lines]
    _mark_related_blocks(lines, rules)
    _mark_trailer(lines, rules)
    removed: list[Removal] = []
    paragraphs: list[str] = []
    for (lead, stripped), rule in zip(lines, rules):
        if not stripped:
            paragraphs.append("")
        elif rule:
            removed.append(Removal(rule=rule, text=stripped, start=lead, end=lead + len(stripped)))
        else:
            kept = _clean_inline(stripped, lead, removed)
            if kept:
                paragraphs.append(" ".join(kept.split()))
    removed.sort(key=lambda removal: removal.start)
    return Cleaned(_join_paragraphs(paragraphs), removed)


def _line_rule(line: str) -> Optional[str]:
    rule = next((name for name, pattern in LINE_RULES if pattern.match(line)), None)
    if rule is None and _is_caption_line(line):
        rule = "caption"
    if rule is None and _is_dateline(line):
        rule = "dateline"
    return rule


def _is_caption_line(line: str) -> bool:
    """A line that ends with an agency credit is a photo caption (with its sentence)."""
    match = CREDIT.search(line)
    return bool(match) and match.end() >= len(line.rstrip(" .")) and len(line) < 400


def _is_dateline(line: str) -> bool:
    """A short line that is a date or time with at most a few words of label or a byline
    name ("Updated at 1:23 p.m.", "Nov. 19, 2019 4:05 PM ET by Jane Doe"): page furniture."""
    if len(line) > 100 or not DATE_OR_TIME.search(line) or re.search(r"[|@]", line):
        return False  # table rows, tweet signatures ("— Jane Doe (@jdoe) May 1, 2024")
    # A label ("Updated", "Published", "by"), or a full date with a time. A bare time
    # ("10:45 GMT") heads a live-blog entry, and a date with a place is a schedule line.
    if not DATELINE_LABEL.search(line) and not (YEAR.search(line) and TIME.search(line)):
        return False
    rest = [word for word in WORD.findall(line)
            if not DATELINE_WORD.match(word) and not (word.isupper() and len(word) <= 4)]
    return len(rest) <= 3 and all(word[:1].isupper() for word in rest)


def _link_like(line: str) -> bool:
    """A headline-like line in a list of other stories: short, no sentence end, or a bullet."""
    return len(line) <= 200 and (bool(LIST_MARK.match(line)) or not SENTENCE_END.search(line)
                                 or bool(STORY_TAG.search(line)))


def _mark_related_blocks(lines: list[tuple[int, str]], rules: list[Optional[str]]) -> None:
    """"Don't miss" / "Related stories" / "Most read" headings and the story links under them."""
    index = 0
    while index < len(lines):
        text = lines[index][1]
        if text and RELATED_HEADING.match(text):
            rules[index] = "related-block"
            index += 1
            while index < len(lines):
                text = lines[index][1]
                if text and not rules[index]:
                    if not _link_like(text):
                        break
                    rules[index] = "related-block"
                index += 1
        index += 1


def _mark_trailer(lines: list[tuple[int, str]], rules: list[Optional[str]]) -> None:
    """From the last line up: credit, contact, tag and disclaimer lines, until the story text."""
    for index in range(len(lines) - 1, -1, -1):
        text = lines[index][1]
        if not text or rules[index]:
            continue
        rule = next((name for name, pattern in TRAILER_RULES if pattern.match(text)), None)
        if rule is None:
            return
        rules[index] = rule


def _clean_inline(line: str, start: int, removed: list[Removal]) -> str:
    spans: list[tuple[int, int, str]] = []
    spans += [(m.start(), m.end(), "interstitial") for m in INLINE_INTERSTITIAL.finditer(line)]
    spans += [(m.start(), m.end(), "promo-link") for m in INLINE_PROMO.finditer(line)]
    for credit in CREDIT.finditer(line):
        if DATELINE_DASH.match(line, credit.end()):
            continue
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
    """Main text and metadata of a page, with trafilatura.

    Two passes: trafilatura's precision mode (drops more boilerplate) and its fast recall
    mode. The precise text is used unless the two disagree wildly: much shorter than the
    broad one means precision mode lost the article; much longer means its fallback
    extractors took page-wide text (recall mode keeps more of a page, so precision mode
    should never be far longer). Then paragraphs that precision mode over-pruned inside
    the body, and body parts that sit in sibling containers, are put back.
    """
    options = dict(url=url, include_comments=False, include_tables=True, deduplicate=False)
    precise = trafilatura.bare_extraction(html, with_metadata=True, favor_precision=True, **options)
    broad = trafilatura.extract(html, favor_recall=True, fast=True, **options) or ""
    precise_text = (precise.text if precise is not None else "") or ""
    text = add_missing_chunks(html, choose_body(precise_text, broad))
    if not text.strip():
        raise EmptyInputError("no article text found in the HTML page")
    document = precise if precise is not None else trafilatura.extract_metadata(html)
    meta = document.as_dict() if document is not None else {}
    return Extracted(text=text.replace("\n", "\n\n"), title=meta.get("title"), author=meta.get("author"),
                     published=meta.get("date"), site_name=meta.get("sitename"), url=meta.get("url"),
                     language=meta.get("language"),
                     categories=tuple((meta.get("categories") or []) + (meta.get("tags") or [])))


TOO_SHORT = 0.5   # precise text under half the broad one: precision mode dropped the article
TOO_LONG = 2.0    # precise text over twice the broad one: a fallback extractor took the whole page
MIN_BROAD = 500   # ... unless the broad text is itself too short to trust


def choose_body(precise: str, broad: str) -> str:
    """The precision-mode text, or the recall-mode one where the precise pass went wrong."""
    if len(precise) < TOO_SHORT * len(broad):
        return broad
    if len(precise) > TOO_LONG * len(broad) and len(broad) >= MIN_BROAD:
        return broad
    return fill_gaps(precise, broad)


NOT_BODY = re.compile(r"comment|related|footer|sidebar|newsletter|promo|share|social|teaser|recirc|popular|widget",
                      re.I)
FOLD = re.compile(r"\W+")


def add_missing_chunks(html: str, text: str) -> str:
    """Some sites split the article body into several sibling containers of one class
    (ad slots between them); trafilatura keeps the first. Find the class that holds the
    extracted paragraphs and insert the paragraphs of its other containers, in page order."""
    try:
        tree = lxml.html.document_fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return text
    folded = FOLD.sub("", text).lower()
    groups: dict[tuple[str, str], list[tuple[object, str, bool]]] = {}
    for paragraph in tree.iter("p"):
        content = " ".join(paragraph.text_content().split())
        container = paragraph.getparent()
        if len(content) < 30 or container is None or not container.get("class"):
            continue
        found = FOLD.sub("", content).lower()[:60] in folded
        groups.setdefault((container.tag, container.get("class")), []).append((container, content, found))
    if not groups:
        return text
    members = max(groups.values(), key=lambda group: sum(found for *_, found in group))
    if sum(found for *_, found in members) < 3:
        return text
    containers: dict[object, list[tuple[str, bool]]] = {}
    for container, content, found in members:
        containers.setdefault(container, []).append((content, found))
    lines = text.split("\n")
    anchor = None  # the last extracted paragraph of the previous container of the group
    for container, paragraphs in containers.items():
        if any(found for _, found in paragraphs):
            anchor = next(content for content, found in reversed(paragraphs) if found)
            continue
        if anchor is None or sum(len(content) for content, _ in paragraphs) < 200 or any(
                ancestor.tag in ("aside", "nav", "footer")
                or NOT_BODY.search(f"{ancestor.get('class') or ''} {ancestor.get('id') or ''}")
                for ancestor in container.iterancestors()):
            continue
        position = next((index for index, line in enumerate(lines) if " ".join(line.split()) == anchor), None)
        if position is None:
            continue
        lines[position + 1:position + 1] = [content for content, _ in paragraphs]
        anchor = paragraphs[-1][0]
    return "\n".join(lines)


def fill_gaps(precise: str, broad: str) -> str:
    """Paragraphs that recall mode found between two paragraphs both modes agree on are
    body text that precision mode over-pruned; put them back, except all-capitals lines
    (links to other stories and calls to action: "CLICK HERE TO ...")."""
    kept, extra = precise.split("\n"), broad.split("\n")
    matcher = difflib.SequenceMatcher(None, kept, extra, autojunk=False)
    opcodes = matcher.get_opcodes()
    out: list[str] = []
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        out += kept[i1:i2]
        if tag == "insert" and 0 < index < len(opcodes) - 1:
            out += [line for line in extra[j1:j2] if not (line.isupper() and len(line) > 12)]
    return "\n".join(out)


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

TOKEN = re.compile(r"\w+")


def is_headline_repeat(first: str, title: str) -> bool:
    """The body's first paragraph repeats the headline, maybe reworded a little ("Sweden drops
    Assange rape investigation" / "Julian Assange: Sweden drops rape investigation") or with
    the site's name. A lede is a sentence: it ends with a full stop and is never taken."""
    first, title = first.strip(), title.strip()
    if first.lower() == title.lower():
        return True
    if not first or len(first) > 250 or re.search(r"[.!][\"'”’)]*$", first):
        return False
    a, b = set(TOKEN.findall(first.lower())), set(TOKEN.findall(title.lower()))
    return bool(a and b) and 2 * len(a & b) / (len(a) + len(b)) >= 0.7

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
        if rest and is_headline_repeat(first, title):
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
