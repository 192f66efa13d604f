"""Who stands where on each negotiation issue, and since when.

A *statement* is one piece of evidence that an actor holds a stance on an issue:

* an event of a stance-bearing PLOVER type whose source is a linked actor (REQUEST ->
  demands, REJECT -> rejects, AGREE/CONCEDE -> accepts, or offers when the agreement
  is still planned, THREATEN -> threatens, SUPPORT -> supports). A negated event flips
  accepts and rejects ("did not agree to a ceasefire" rejects it); negated demands,
  threats and support say nothing and are dropped. Recommended events (an opinion
  writer's "Washington should ...") and hypothetical ones ("if Moscow agrees") are
  not the actor's position and are dropped too;
* a quote or indirect speech whose speaker is a linked actor and whose words carry a
  stance cue ("demands", "will not", "is ready to", "agreed to", ...). A speaker's own
  "should" or "must" is a demand: it is their position, unlike a writer's. A quote
  about an issue without any cue is kept as ``states``: evidence, never a stance.

The issue is decided by the configured keywords (``sitroom/data/issues.yaml``) found in
the event's sentence or in the quote; one statement may bear on several issues.

Statements are grouped per (actor, issue) and ordered by date (the event's own date
when it is a day, else the article's reference date). The position's stance is the
latest one; ``changed_from``/``changed_on`` record the last switch between stances.
Reprints count once: only the canonical article of each duplicate family is read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Iterable, Optional, Sequence, Union

import yaml

from ..errors import ConfigError
from ..models import Article, ArticleActor, Event, Evidence, Position, Quote

ISSUES_PATH = Path(__file__).resolve().parent.parent / "data" / "issues.yaml"

# PLOVER types that express a stance of their source, with the stance they express.
STANCE_OF_EVENT = {
    "REQUEST": "demands", "REJECT": "rejects", "AGREE": "accepts", "CONCEDE": "accepts",
    "THREATEN": "threatens", "SUPPORT": "supports",
}
FLIPPED_WHEN_NEGATED = {"accepts": "rejects", "rejects": "accepts"}
NOT_A_POSITION = frozenset({"recommended", "hypothetical"})
# In an opinion piece, a sentence with one of these is the writer's recommendation
# ("Washington should state plainly that ...") even where the event coder read the
# verb after it as reported.
RECOMMENDING = re.compile(r"\b(?:should|must|ought\s+to|needs\s+to|has\s+to)\b", re.IGNORECASE)

# Stance cues in what a speaker said, longest and most specific first: the negative
# patterns contain the positive verbs ("will not accept"), so they must win.
_CUES: list[tuple[str, str]] = [
    ("rejects", r"\b(?:will|would|could|does|do|did|can|shall|is|are|was|were)\s+not\b"),
    ("rejects", r"\b(?:won't|wouldn't|can't|cannot|doesn't|don't|didn't|never|no\s+way)\b"),
    ("rejects", r"\b(?:reject\w*|refus\w*|dismiss\w*|oppos\w*|rul\w+\s+out|unacceptable|veto\w*)\b"),
    ("demands", r"\b(?:demand\w*|insist\w*|want\w*|call(?:s|ed|ing)?\s+for|urg\w+|requir\w*|need(?:s|ed)?\b)"),
    ("demands", r"\b(?:should|must|has\s+to|have\s+to|had\s+to)\b"),
    ("offers", r"\b(?:(?:is|are|was|were)\s+(?:ready|prepared|willing)\s+to|offer\w*|propos\w*|willing\s+to)\b"),
    ("accepts", r"\b(?:accept\w*|agree[sd]?\s+to|agreed|agrees|consent\w*|endors\w*)\b"),
    ("threatens", r"\b(?:threat\w*|warn\w*|retaliat\w*)\b"),
    ("supports", r"\b(?:support\w*|back(?:s|ed|ing)?\b|welcom\w*|favou?r\w*)"),
]
CUE_PATTERNS = [(stance, re.compile(pattern, re.IGNORECASE)) for stance, pattern in _CUES]
# A quote whose cue verb is itself a stance ("Moscow demanded that ...").
CUE_VERB_STANCE = {"demand": "demands", "insist": "demands", "want": "demands", "call": "demands",
                   "urge": "demands", "reject": "rejects", "refuse": "rejects", "offer": "offers",
                   "propose": "offers", "accept": "accepts", "agree": "accepts", "threaten": "threatens",
                   "warn": "threatens", "welcome": "supports", "back": "supports"}


# --------------------------------------------------------------------------- issues


@dataclass(frozen=True)
class Issue:
    """One negotiation issue and the words that place a statement on it."""

    id: str
    label: str
    keywords: tuple[str, ...]
    pattern: re.Pattern = field(compare=False, repr=False, default=re.compile(r"(?!)"))

    def matches(self, text: str) -> bool:
        return bool(self.pattern.search(text))

    @classmethod
    def build(cls, id: str, label: str, keywords: Sequence[str]) -> "Issue":
        return cls(id, label, tuple(keywords), keyword_pattern(keywords))


def keyword_pattern(keywords: Sequence[str]) -> re.Pattern:
    """Whole-word, case-insensitive alternation; "x*" matches any ending and a plain
    word also matches its "s"/"es" plural. Spaces match any run of whitespace."""
    parts = []
    for keyword in sorted({k.strip().lower() for k in keywords if k and k.strip()}, key=len, reverse=True):
        prefix = keyword.endswith("*")
        words = [re.escape(w) for w in keyword.rstrip("*").split()]
        body = r"\s+".join(words)
        parts.append(body + (r"[\w-]*" if prefix else r"(?:s|es)?") + r"(?![\w-])")
    if not parts:
        return re.compile(r"(?!)")
    return re.compile(r"(?<![\w-])(?:" + "|".join(parts) + ")", re.IGNORECASE)


def load_issues(path: Union[str, Path, None] = None) -> list[Issue]:
    """The issues of ``path`` (default: ``sitroom/data/issues.yaml``), in file order."""
    path = Path(path) if path else ISSUES_PATH
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read issues file {path}: {exc}") from exc
    entries = data.get("issues") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: expected a list under 'issues'")
    issues, seen = [], set()
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or not entry.get("id") or not entry.get("keywords"):
            raise ConfigError(f"{path}: issue {number} needs an id and a list of keywords")
        keywords = entry["keywords"]
        if isinstance(keywords, str) or not all(isinstance(k, str) for k in keywords):
            raise ConfigError(f"{path}: keywords of issue {entry['id']!r} must be a list of strings")
        if entry["id"] in seen:
            raise ConfigError(f"{path}: issue id {entry['id']!r} appears twice")
        seen.add(entry["id"])
        issues.append(Issue.build(str(entry["id"]), str(entry.get("label") or entry["id"]), keywords))
    return issues


def issues_in(text: str, issues: Sequence[Issue]) -> list[str]:
    return [issue.id for issue in issues if issue.matches(text)]


# --------------------------------------------------------------------------- helpers shared with disputes


def canonical_articles(articles: Iterable[Article]) -> list[Article]:
    """One article per duplicate family: the canonical one when it is among
    ``articles``, else the earliest reprint standing in for it."""
    families: dict[str, list[Article]] = {}
    for article in articles:
        families.setdefault(article.duplicate_of or article.id, []).append(article)
    chosen = []
    for family_id, members in families.items():
        canonical = next((a for a in members if a.id == family_id), None)
        chosen.append(canonical or min(members, key=lambda a: (a.reference_date() or date.max, a.id)))
    return sorted(chosen, key=lambda a: (a.reference_date() or date.min, a.id))


def day_of(timex: Optional[str]) -> Optional[date]:
    """A TIMEX value as a date when it names one day, else None."""
    if timex and re.fullmatch(r"\d{4}-\d{2}-\d{2}", timex):
        try:
            return date.fromisoformat(timex)
        except ValueError:
            return None
    return None


def sentence_text(article: Article, index: int, fallback: str = "") -> str:
    if 0 <= index < len(article.sentences):
        sentence = article.sentences[index]
        return " ".join(article.text[sentence.start:sentence.end].split())
    return " ".join(fallback.split())


def evidence_of(article: Article, record_id: Optional[str], text: str) -> Evidence:
    return Evidence(article_id=article.id, outlet=article.outlet, published=article.reference_date(),
                    url=article.url, record_id=record_id, text=text)


# --------------------------------------------------------------------------- statements


@dataclass
class Statement:
    """One dated piece of evidence of an actor's stance on an issue."""

    actor_id: str
    actor_name: str
    country: Optional[str]
    issue: str
    stance: str
    when: Optional[date]
    order: tuple  # tie-break within a day: article, then position in it
    evidence: Evidence


def event_stance(event: Event) -> Optional[str]:
    stance = STANCE_OF_EVENT.get(event.type)
    if stance is None or event.modality in NOT_A_POSITION:
        return None
    if event.modality == "negated":
        return FLIPPED_WHEN_NEGATED.get(stance)
    if event.modality == "planned" and event.type == "AGREE":
        return "offers"
    return stance


def quote_stance(quote: Quote) -> str:
    """The stance the speaker's words carry: the earliest cue in the quote wins (the
    main verb comes before the clauses it governs), negative cues over the positive
    verbs they contain; with no cue in the words, the speech verb; else ``states``."""
    found: list[tuple[int, int, str]] = []
    for stance, pattern in CUE_PATTERNS:
        for match in pattern.finditer(quote.text):
            found.append((match.start(), -(match.end() - match.start()), stance))
    if found:
        return min(found)[2]
    cue = (quote.cue or "").lower()
    for stem, stance in CUE_VERB_STANCE.items():
        if cue.startswith(stem):
            return stance
    return "states"


def _actor_lookup(article: Article) -> dict[str, ArticleActor]:
    return {actor.id: actor for actor in article.actors}


def statements_of(article: Article, issues: Sequence[Issue]) -> list[Statement]:
    """Every statement one article makes; one sentence counts once per actor and issue
    (an event and a quote of the same sentence are the same evidence)."""
    actors = _actor_lookup(article)
    published = article.reference_date()
    out: list[Statement] = []
    seen: set[tuple[str, str, int]] = set()

    def add(actor_id: str, fallback_name: str, country: Optional[str], issue: str, stance: str,
            when: Optional[date], sentence: int, offset: int, record_id: str, text: str) -> None:
        key = (actor_id, issue, sentence)
        if key in seen:
            return
        seen.add(key)
        known = actors.get(actor_id)
        out.append(Statement(actor_id, known.name if known else fallback_name,
                             (known.country if known else None) or country, issue, stance, when,
                             (article.id, offset), evidence_of(article, record_id, text)))

    opinion = article.genre == "opinion"
    for event in article.events:
        stance = event_stance(event)
        if stance is None:
            continue
        text = sentence_text(article, event.sentence, event.text) or event.text
        if opinion and RECOMMENDING.search(text):
            continue
        found = issues_in(event.text, issues)
        when = day_of(event.date) if not event.date_is_report_date else None
        for source in event.source:
            if not source.actor_id:
                continue
            for issue in found:
                add(source.actor_id, source.text, source.country, issue, stance, when or published,
                    event.sentence, event.start, event.id, text)

    for quote in article.quotes:
        if not quote.speaker_actor:
            continue
        found = issues_in(quote.text, issues)
        if not found:
            continue
        text = sentence_text(article, quote.sentence, quote.text)
        stance = quote_stance(quote)
        for issue in found:
            add(quote.speaker_actor, quote.speaker_text or quote.speaker_actor, None, issue, stance, published,
                quote.sentence, quote.start, quote.id, text)
    return out


# --------------------------------------------------------------------------- positions


def _position(statements: list[Statement], actor_id: str, actor_name: str, issue: str) -> Position:
    statements.sort(key=lambda s: (s.when or date.min, s.order))
    stances = [s for s in statements if s.stance != "states"]
    latest = stances[-1] if stances else statements[-1]
    changed_from = changed_on = None
    if stances:
        run_start = len(stances) - 1
        while run_start > 0 and stances[run_start - 1].stance == latest.stance:
            run_start -= 1
        if run_start > 0:
            changed_from = stances[run_start - 1].stance
            changed_on = stances[run_start].when
    dates = [s.when for s in statements if s.when]
    evidence, seen = [], set()
    for statement in statements:
        key = (statement.evidence.article_id, statement.evidence.record_id)
        if key not in seen:
            seen.add(key)
            evidence.append(statement.evidence)
    return Position(actor_id=actor_id, actor_name=actor_name, issue=issue, stance=latest.stance,
                    statement=latest.evidence.text, first_seen=min(dates) if dates else None,
                    last_seen=max(dates) if dates else None, evidence=evidence,
                    changed_from=changed_from, changed_on=changed_on)


def actor_filter(actor: Optional[str], by_country: bool = False) -> dict[str, Union[str, bool]]:
    """``Store.articles`` arguments that read only the articles a ``positions(actor=...)``
    call can draw on: a statement's holder is always one of its article's linked actors,
    and only canonical articles are read (over a whole store a reprint never stands in
    for its original, which is always there)."""
    if not actor:
        return {}
    return {"actor_country" if by_country else "actor": actor, "include_duplicates": False}


def stored_positions(store, *, story: Optional[str] = None, actor: Optional[str] = None,
                     since: Optional[date] = None, by_country: bool = False,
                     issues_path: Union[str, Path, None] = None) -> list[Position]:
    """``positions`` over a store's articles: one story's (with its reprints), or only
    those where ``actor`` is linked, or all; memoised per store until it changes
    (``sitroom.store.queries.cached``), because the web app and the API ask for the same
    views again and again between ingests. Do not mutate the result."""
    from ..store import queries
    from .update import story_articles

    chosen = store.story(story) if story else None

    def compute() -> list[Position]:
        articles = story_articles(store, chosen) if chosen else store.articles(**actor_filter(actor, by_country))
        return positions(articles, load_issues(issues_path), actor=actor, since=since, by_country=by_country)

    key = ("positions", chosen.id if chosen else None, actor, since, by_country,
           str(issues_path) if issues_path else None)
    return queries.cached(store, key, compute)


def positions(articles: Iterable[Article], issues: Sequence[Issue], *, actor: Optional[str] = None,
              since: Optional[date] = None, by_country: bool = False) -> list[Position]:
    """Each actor's position on each issue, with its evidence, sorted by actor then issue.

    ``actor`` keeps one actor id (with ``by_country``: one country code); ``since``
    drops statements dated before it; ``by_country`` groups actors under their country
    code ("RUSGOV", "RUS.PUTIN" and "RUS.LAVROV" all become "RUS"), dropping actors
    without one (international bodies)."""
    groups: dict[tuple[str, str], list[Statement]] = {}
    names: dict[str, str] = {}
    for article in canonical_articles(articles):
        for statement in statements_of(article, issues):
            if since and statement.when and statement.when < since:
                continue
            key_actor = statement.country if by_country else statement.actor_id
            if not key_actor or (actor and key_actor != actor):
                continue
            names.setdefault(key_actor, key_actor if by_country else statement.actor_name)
            groups.setdefault((key_actor, statement.issue), []).append(statement)
    issue_order = {issue.id: i for i, issue in enumerate(issues)}
    result = [_position(group, actor_id, names[actor_id], issue) for (actor_id, issue), group in groups.items()]
    result.sort(key=lambda p: (p.actor_id, issue_order.get(p.issue, len(issue_order)), p.issue))
    return result
