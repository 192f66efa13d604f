"""The situation briefing: what an analyst could send on, built only from records.

Nothing in a briefing is written by sitroom. Every item is either

* a sentence taken from an article (an event's sentence, a quote, a figure's sentence,
  a position's statement, a dispute's evidence), whitespace runs folded to one space, or
* a line filled from record fields by a fixed template
  ("Russia (RUSGOV) rejects — territory — since 2025-03-18"),

and every item cites the articles it rests on (outlet, date, url or article id).

Sections, in order: key developments, positions and changes, figures and their sources,
disputes, what changed since the last briefing, and the sources cited. See
``docs/briefing.md`` for how developments are ranked and what the limits are.

Independence: a reprint (``duplicate_of``), the same text under another outlet (same
``content_hash``), the same sentence word for word under another outlet (wire copy the
near-duplicate detector missed) and a second article by the same outlet all count as one
source. Corroboration is the number of independent sources left.
"""

from __future__ import annotations

import calendar
import re
from collections import Counter, defaultdict
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Iterable, Literal, Optional, Sequence, Union

from pydantic import BaseModel, Field

from ..errors import BadParameterError
from ..models import (PLOVER_QUAD, QUAD_NAMES, Article, Dispute, Event, Evidence, Figure, MergedEvent, Position,
                      Story)

TEMPLATES = Path(__file__).resolve().parent / "templates"

SectionId = Literal["developments", "positions", "figures", "disputes", "changes"]
SECTION_TITLES: dict[str, str] = {
    "developments": "Key developments",
    "positions": "Positions and changes",
    "figures": "Figures and their sources",
    "disputes": "Disputes",
    "changes": "What changed since the last briefing",
}

# Modalities a development may have, strongest first. Hypothetical and recommended
# events did not happen and are not claimed to have happened: they are never shown.
SHOWN_MODALITIES = ("asserted", "reported", "planned", "negated")
EXCLUDED_MODALITIES = frozenset({"hypothetical", "recommended"})
MODALITY_WEIGHT = {"asserted": 1.0, "reported": 0.9, "planned": 0.6, "negated": 0.4}
# Material events above verbal ones; within each, conflict above cooperation, because a
# briefing on a war leads with what changes the situation on the ground.
QUAD_WEIGHT = {4: 1.0, 2: 0.85, 3: 0.6, 1: 0.5}
UNKNOWN_QUAD_WEIGHT = 0.4
# Recency halves every RECENCY_HALF_LIFE_DAYS before the newest article of the briefing;
# the floor keeps a well-corroborated event of last week above a lone report of today.
RECENCY_HALF_LIFE_DAYS = 7.0
RECENCY_FLOOR = 0.5
# Figure categories in the order the section shows them. Durations ("the meeting lasted
# four hours") are left out by default: they are rarely a claim an analyst checks.
FIGURE_CATEGORY_ORDER = ("casualties", "territory", "money", "weapons", "people", "rate", "other")
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
WHITESPACE = re.compile(r"\s+")


# --------------------------------------------------------------------------- records


class Citation(BaseModel):
    """One article an item rests on, as the briefing cites it."""

    article_id: str
    outlet: Optional[str] = None
    published: Optional[date] = None
    date_inferred: bool = Field(False, description="the date is inferred from the text, not given by the source")
    url: Optional[str] = None
    title: Optional[str] = None
    genre: Optional[str] = None
    reprint_of: Optional[str] = Field(None, description="the article this one reprints (duplicate_of)")

    def label(self) -> str:
        """'Harbor Wire, 2025-03-18' (a circa mark when the date is inferred)."""
        when = "undated" if self.published is None else (
            f"c. {self.published.isoformat()}" if self.date_inferred else self.published.isoformat())
        return f"{self.outlet or 'unknown outlet'}, {when}"

    def target(self) -> str:
        """Where the citation points: the url, else the article id."""
        return self.url or self.article_id

    def href(self) -> Optional[str]:
        """The url when it is a web address: a 'javascript:' or 'data:' url from a hostile
        feed must not become a clickable link."""
        url = (self.url or "").strip()
        return url if url.lower().startswith(("http://", "https://")) else None


class Statement(BaseModel):
    """A sentence or quote taken verbatim from an article, with the articles that carry it."""

    text: str
    sources: list[Citation] = Field(default_factory=list)


class BriefItem(BaseModel):
    """One entry of a section: a templated headline, the statements it rests on and its
    sources. ``key`` identifies the item across briefings (for 'new since previous')."""

    key: str
    section: SectionId
    headline: str = Field(description="a line filled only from record fields")
    statements: list[Statement] = Field(default_factory=list)
    sources: list[Citation] = Field(default_factory=list, description="every article the item rests on")
    group: Optional[str] = Field(None, description="figure category")
    flags: list[str] = Field(default_factory=list, description="e.g. negated, planned, reported, disputed, changed")
    notes: list[str] = Field(default_factory=list, description="dispute explanations attached to the item")
    independent_sources: int = 0
    score: Optional[float] = None
    first_seen: Optional[date] = Field(None, description="earliest evidence")
    last_seen: Optional[date] = None
    new: bool = False


class Section(BaseModel):
    id: SectionId
    title: str
    items: list[BriefItem] = Field(default_factory=list)


class SourceEntry(BaseModel):
    number: int
    citation: Citation


class Briefing(BaseModel):
    title: str
    generated: datetime
    as_of: Optional[date] = Field(None, description="date of the newest article considered")
    period_start: Optional[date] = None
    story: Optional[str] = None
    story_label: Optional[str] = None
    since: Optional[date] = None
    previous_cutoff: Optional[date] = Field(None, description="items first seen after this date are new")
    articles_considered: int = 0
    sections: list[Section] = Field(default_factory=list)
    sources: list[SourceEntry] = Field(default_factory=list)

    def section(self, section_id: str) -> Section:
        for section in self.sections:
            if section.id == section_id:
                return section
        raise KeyError(section_id)


# --------------------------------------------------------------------------- helpers


OUTLET_SECTION = re.compile(r"\s+[-–—|:]\s+")


def outlet_key(outlet: str) -> str:
    """One key for the names one outlet goes by in feeds and pages: 'Harbor Wire',
    'www.harborwire.example' and 'Harbor Wire - World' all give 'harborwire'."""
    name = OUTLET_SECTION.split(outlet.strip())[0].lower()
    if "." in name and " " not in name:  # a host name: its first label after www
        name = name.removeprefix("www.").split(".")[0]
    return re.sub(r"[^0-9a-z]", "", name) or outlet.strip().lower()


def folded(text: str) -> str:
    """Whitespace runs folded to one space: line breaks inside an extracted sentence would
    break a Markdown list item; no word is changed."""
    return WHITESPACE.sub(" ", text).strip()


class _Corpus:
    """The articles of the briefing, indexed for citing and for independence."""

    def __init__(self, articles: Sequence[Article]) -> None:
        self.articles = {a.id: a for a in articles}
        self._root: dict[str, str] = {}
        by_hash: dict[str, str] = {}
        for article in sorted(articles, key=lambda a: a.id):
            self._root.setdefault(article.id, article.id)
            if article.duplicate_of:
                self._union(article.id, article.duplicate_of)
            if article.content_hash:
                first = by_hash.setdefault(article.content_hash, article.id)
                self._union(article.id, first)

    def _find(self, item: str) -> str:
        self._root.setdefault(item, item)
        while self._root[item] != item:
            self._root[item] = self._root[self._root[item]]
            item = self._root[item]
        return item

    def _union(self, first: str, second: str) -> None:
        a, b = self._find(first), self._find(second)
        if a != b:
            self._root[max(a, b)] = min(a, b)

    def citation(self, article_id: str, fallback: Optional[Evidence] = None) -> Citation:
        article = self.articles.get(article_id)
        if article is None:
            return Citation(article_id=article_id, outlet=fallback.outlet if fallback else None,
                            published=fallback.published if fallback else None,
                            url=fallback.url if fallback else None)
        reference = article.reference_date()
        return Citation(article_id=article.id, outlet=article.outlet, published=reference,
                        date_inferred=article.published is None and reference is not None, url=article.url,
                        title=article.title, genre=article.genre, reprint_of=article.duplicate_of)

    def date_of(self, article_id: str, fallback: Optional[date] = None) -> Optional[date]:
        article = self.articles.get(article_id)
        return article.reference_date() if article is not None else fallback

    def independent(self, reports: Iterable[tuple[str, str]]) -> int:
        """How many independent sources (article id, sentence) reports amount to: reprints,
        identical texts, the same sentence word for word and the same outlet count once."""
        reports = list(reports)
        groups: dict[str, str] = {}

        def find(node: str) -> str:
            groups.setdefault(node, node)
            while groups[node] != node:
                groups[node] = groups[groups[node]]
                node = groups[node]
            return node

        def union(first: str, second: str) -> None:
            a, b = find(first), find(second)
            if a != b:
                groups[max(a, b)] = min(a, b)

        for article_id, sentence in reports:
            node = f"article:{article_id}"
            union(node, f"root:{self._find(article_id)}")
            union(node, f"sentence:{folded(sentence).lower()}")
            outlet = self.articles[article_id].outlet if article_id in self.articles else None
            if outlet:
                union(node, f"outlet:{outlet_key(outlet)}")
        return len({find(f"article:{article_id}") for article_id, _ in reports})

    def sentence_of(self, article_id: str, index: int, fallback: str) -> str:
        article = self.articles.get(article_id)
        if article is not None and 0 <= index < len(article.sentences):
            sentence = article.sentences[index]
            return article.text[sentence.start:sentence.end]
        return fallback


def _unique_citations(citations: Iterable[Citation]) -> list[Citation]:
    seen: dict[str, Citation] = {}
    for citation in citations:
        seen.setdefault(citation.article_id, citation)
    return sorted(seen.values(), key=lambda c: (c.published or date.max, c.outlet or "", c.article_id))


def _actor_names(articles: Iterable[Article]) -> dict[str, str]:
    names: dict[str, Counter] = defaultdict(Counter)
    for article in articles:
        for actor in article.actors:
            names[actor.id][actor.name] += 1
    return {actor_id: counts.most_common(1)[0][0] for actor_id, counts in names.items()}


def _actor_label(actor_id: str, names: dict[str, str]) -> str:
    name = names.get(actor_id)
    return f"{name} ({actor_id})" if name and name != actor_id else actor_id


def _strongest_modality(modalities: Iterable[str]) -> str:
    present = set(modalities)
    return next(m for m in SHOWN_MODALITIES if m in present)


def _recency(day: Optional[date], as_of: Optional[date]) -> float:
    if day is None or as_of is None:
        return RECENCY_FLOOR
    decay = 0.5 ** (max(0, (as_of - day).days) / RECENCY_HALF_LIFE_DAYS)
    return RECENCY_FLOOR + (1.0 - RECENCY_FLOOR) * decay


TIMEX_CALENDAR = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def timex_period_end(value: Optional[str]) -> Optional[date]:
    """The last day a calendar TIMEX value ('2024', '2025-08', '2025-03-18') covers; None
    for anything else (weeks, seasons, durations, unknown parts)."""
    match = TIMEX_CALENDAR.match(value or "")
    if not match:
        return None
    year, month, day = (int(part) if part else None for part in match.groups())
    try:
        if day is not None:
            return date(year, month, day)
        if month is not None:
            return date(year, month, calendar.monthrange(year, month)[1])
        return date(year, 12, 31)
    except ValueError:
        return None


def _event_actor_ids(actors) -> list[str]:
    return sorted({a.actor_id or a.text.strip().lower() for a in actors if a.actor_id or a.text.strip()})


# --------------------------------------------------------------------------- developments


class _Report:
    """One event mention kept for the developments: the event and its article."""

    def __init__(self, article: Article, event: Event) -> None:
        self.article = article
        self.event = event

    def sort_key(self) -> tuple:
        return (self.article.reference_date() or date.max, self.article.id, self.event.start)


def _reportable(article: Article, event: Event) -> bool:
    return article.genre != "opinion" and event.modality not in EXCLUDED_MODALITIES


_Group = tuple[Optional[MergedEvent], list[_Report], list[Article]]


def _groups_from_merged(merged: Sequence[MergedEvent], corpus: _Corpus) -> list[_Group]:
    """Merged events with their kept mentions, and the reprints of the mentioning
    articles: coreference clusters the originals' events only, and a reprint is cited as
    a further source of the same event, never counted as another."""
    events = {(a.id, e.id): (a, e) for a in corpus.articles.values() for e in a.events}
    groups = []
    for merged_event in merged:
        reports = []
        for mention in merged_event.mentions:
            article_id, _, event_id = mention.partition(":")
            found = events.get((article_id, event_id))
            if found and _reportable(*found):
                reports.append(_Report(*found))
        if not reports:
            continue
        reporting = {r.article.id for r in reports}
        listed = set(merged_event.documents) - reporting
        reprints = [a for a in corpus.articles.values() if a.id not in reporting and a.genre != "opinion"
                    and (a.duplicate_of in reporting or (a.id in listed and a.duplicate_of is not None))]
        groups.append((merged_event, reports, sorted(reprints, key=lambda a: a.id)))
    return groups


def _groups_from_events(corpus: _Corpus) -> list[_Group]:
    """Without merged events: events grouped by (type, source, target, date), the date
    being the event's TIMEX value, else its article's date. A negated event is its own
    group: 'did not attack' does not corroborate 'attacked'.

    Where the key says too little to name one event (no actor at all, or no date), the
    sentence joins the key: the same sentence in a reprint still groups with its
    original, while two undated, actorless 'attacks' in different stories stay apart."""
    grouped: dict[tuple, list[_Report]] = defaultdict(list)
    for article in corpus.articles.values():
        for event in article.events:
            if not _reportable(article, event):
                continue
            sources, targets = tuple(_event_actor_ids(event.source)), tuple(_event_actor_ids(event.target))
            # A reprint dated a day after its original still reports the original's event.
            original = corpus.articles.get(article.duplicate_of or "", article)
            reference = original.reference_date() or article.reference_date()
            day = event.date or (reference.isoformat() if reference else "")
            anchor = folded(event.text).lower() if not day or not (sources or targets) else ""
            key = (event.type, sources, targets, day, anchor, event.modality == "negated")
            grouped[key].append(_Report(article, event))
    return [(None, reports, []) for _, reports in sorted(grouped.items(), key=lambda kv: kv[0])]


def _development(merged_event: Optional[MergedEvent], reports: list[_Report], reprints: list[Article],
                 corpus: _Corpus, names: dict[str, str], as_of: Optional[date]) -> BriefItem:
    reports = sorted(reports, key=_Report.sort_key)
    modality = _strongest_modality(r.event.modality for r in reports)
    # The earliest report *of what the item says*: when one outlet says an attack happened
    # and an earlier one that it did not, the sentence shown must match the headline.
    earliest = next(r for r in reports if r.event.modality == modality)
    event_type = (merged_event.type if merged_event and merged_event.type else
                  Counter(r.event.type for r in reports).most_common(1)[0][0])
    sources = (merged_event.source if merged_event and merged_event.source else
               [a for a, _ in Counter(a for r in reports for a in _event_actor_ids(r.event.source)).most_common(3)])
    targets = (merged_event.target if merged_event and merged_event.target else
               [a for a, _ in Counter(a for r in reports for a in _event_actor_ids(r.event.target)).most_common(3)])
    event_dates = Counter(r.event.date for r in reports if r.event.date)
    event_date = (merged_event.event_date if merged_event and merged_event.event_date else
                  (event_dates.most_common(1)[0][0] if event_dates else None))
    originals = {r.article.id: r.event.text for r in reports}
    reprint_reports = [(a.id, originals.get(a.duplicate_of or "", earliest.event.text)) for a in reprints]
    independent = corpus.independent([(r.article.id, r.event.text) for r in reports] + reprint_reports)
    report_dates = [d for d in (a.reference_date() for a in [r.article for r in reports] + reprints) if d]
    quad = PLOVER_QUAD.get(event_type)
    # Recency of the event itself: a sentence of background ('in 2024 the ministry
    # seized...') in today's article is not a development of today.
    happened = max(report_dates) if report_dates else None
    period_end = timex_period_end(event_date)
    if period_end is not None and (happened is None or period_end < happened):
        happened = period_end
    score = (independent * QUAD_WEIGHT.get(quad, UNKNOWN_QUAD_WEIGHT) * MODALITY_WEIGHT[modality]
             * _recency(happened, as_of))

    verb = f"did not {event_type}" if modality == "negated" else event_type
    parts = [" & ".join(_actor_label(a, names) for a in sources) or "(no source actor)", verb]
    if targets:
        parts.append(" & ".join(_actor_label(a, names) for a in targets))
    headline = " — ".join(parts)
    # A TIMEX value with unknown parts ('XXXX-WXX-6': some Saturday) tells the reader nothing.
    details = [f"event date {event_date}" if event_date and "X" not in event_date else None,
               QUAD_NAMES.get(quad), f"{modality}" if modality != "asserted" else None,
               f"reported by {earliest.event.reported_by}" if modality == "reported" and earliest.event.reported_by
               else None,
               f"{independent} independent source{'s' if independent != 1 else ''}"]
    headline += " · " + " · ".join(d for d in details if d)

    citations = _unique_citations(corpus.citation(a.id) for a in [r.article for r in reports] + reprints)
    first = corpus.citation(earliest.article.id)
    when = event_date or (min(report_dates).isoformat() if report_dates else "")
    key = (f"event:{merged_event.id}" if merged_event else
           f"event:{event_type}:{','.join(sources)}>{','.join(targets)}@{when}"
           f":{'negated' if modality == 'negated' else 'positive'}")
    return BriefItem(key=key, section="developments", headline=headline,
                     statements=[Statement(text=folded(earliest.event.text), sources=[first])], sources=citations,
                     flags=[modality] if modality != "asserted" else [], independent_sources=independent,
                     score=round(score, 4), first_seen=min(report_dates) if report_dates else None,
                     last_seen=max(report_dates) if report_dates else None)


def _one_per_sentence(items: list[BriefItem]) -> list[BriefItem]:
    """Ranked developments, leaving out one whose sentence and sources repeat a higher one:
    one sentence often codes several events ('launched an attack, hitting plants and
    forcing blackouts'), and the analyst needs to read it once."""
    seen: set[tuple] = set()
    kept = []
    for item in items:
        signature = (item.statements[0].text, tuple(c.article_id for c in item.sources))
        if signature not in seen:
            seen.add(signature)
            kept.append(item)
    return kept


# --------------------------------------------------------------------------- positions, disputes


def _evidence_kept(evidence: Sequence[Evidence], corpus: _Corpus, filtered: bool) -> list[Evidence]:
    """Evidence from the selected articles; all of it when no story or date filter applies
    (a record may cite articles the caller did not pass)."""
    return [e for e in evidence if e.article_id in corpus.articles or not filtered]


def _evidence_statements(evidence: Sequence[Evidence], corpus: _Corpus) -> list[Statement]:
    by_text: dict[str, list[Citation]] = {}
    for item in evidence:
        if item.text.strip():
            by_text.setdefault(folded(item.text), []).append(corpus.citation(item.article_id, item))
    return [Statement(text=text, sources=_unique_citations(citations)) for text, citations in by_text.items()]


def _position_item(position: Position, evidence: list[Evidence], corpus: _Corpus) -> BriefItem:
    since = position.changed_on if position.changed_from else position.first_seen
    headline = f"{position.actor_name} ({position.actor_id}) {position.stance} — {position.issue}"
    if since:
        headline += f" — since {since.isoformat()}"
    if position.changed_from:
        headline += f" · changed from {position.changed_from}"
    citations = _unique_citations(corpus.citation(e.article_id, e) for e in evidence)
    # The statement is the latest one; cite the evidence that carries it, else the latest evidence.
    carrying = [c for e, c in zip(evidence, (corpus.citation(e.article_id, e) for e in evidence))
                if folded(e.text) == folded(position.statement)]
    latest = sorted(evidence, key=lambda e: (corpus.date_of(e.article_id, e.published) or date.min, e.article_id))
    statement_sources = _unique_citations(carrying) or [corpus.citation(latest[-1].article_id, latest[-1])]
    dates = [d for d in (corpus.date_of(e.article_id, e.published) for e in evidence) if d]
    return BriefItem(key=f"position:{position.actor_id}:{position.issue}:{position.stance}", section="positions",
                     headline=headline,
                     statements=[Statement(text=folded(position.statement), sources=statement_sources)],
                     sources=citations, flags=["changed"] if position.changed_from else [],
                     independent_sources=corpus.independent((e.article_id, e.text) for e in evidence),
                     first_seen=since or (min(dates) if dates else None), last_seen=max(dates) if dates else None)


def _dispute_item(dispute: Dispute, evidence: list[Evidence], corpus: _Corpus) -> BriefItem:
    headline = f"{dispute.severity} · {dispute.kind}"
    if dispute.subject:
        headline += f" · {dispute.subject}"
    headline += f": {dispute.explanation}"
    dates = [d for d in (corpus.date_of(e.article_id, e.published) for e in evidence) if d]
    return BriefItem(key=f"dispute:{dispute.id}", section="disputes", headline=headline,
                     statements=_evidence_statements(evidence, corpus),
                     sources=_unique_citations(corpus.citation(e.article_id, e) for e in evidence),
                     flags=[dispute.severity], first_seen=min(dates) if dates else None,
                     last_seen=max(dates) if dates else None)


# --------------------------------------------------------------------------- figures


def _number(value: Optional[float]) -> str:
    if value is None:
        return "?"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")


def _figure_amount(figure: Figure) -> str:
    if figure.low is not None and figure.high is not None:
        amount = f"{_number(figure.low)}–{_number(figure.high)}"
    else:
        amount = _number(figure.value)
    if figure.approximate:
        amount = f"about {amount}"
    return f"{amount} {figure.unit}" if figure.unit else amount


def _figure_disputes(disputes: Sequence[Dispute]) -> tuple[dict[str, list[Dispute]], list[tuple[Evidence, Dispute]]]:
    by_record: dict[str, list[Dispute]] = defaultdict(list)
    by_text: list[tuple[Evidence, Dispute]] = []
    for dispute in disputes:
        if dispute.kind != "figure":
            continue
        for evidence in dispute.evidence:
            if evidence.record_id:
                by_record[evidence.record_id].append(dispute)
            else:
                by_text.append((evidence, dispute))
    return by_record, by_text


def _figure_items(corpus: _Corpus, disputes: Sequence[Dispute], names: dict[str, str],
                  per_category: int, categories: Sequence[str]) -> list[BriefItem]:
    """Figures grouped by what they claim (category, what is counted, amount, claimant):
    a reprint repeats a figure, it does not confirm it."""
    by_record, by_text = _figure_disputes(disputes)
    grouped: dict[tuple, list[tuple[Article, Figure]]] = defaultdict(list)
    for article in corpus.articles.values():
        for figure in article.figures:
            if (figure.category or "other") not in categories:
                continue
            key = (figure.category or "other", (figure.counted or "").lower(), figure.value, figure.low, figure.high,
                   figure.unit, figure.claimant_actor or (figure.claimant_text or "").lower())
            grouped[key].append((article, figure))
    items_by_category: dict[str, list[BriefItem]] = defaultdict(list)
    for key, members in grouped.items():
        members.sort(key=lambda m: (m[0].reference_date() or date.max, m[0].id, m[1].start))
        article, figure = members[0]
        category = key[0]
        claimant = (_actor_label(figure.claimant_actor, names) if figure.claimant_actor else figure.claimant_text)
        headline = f"{category}: {_figure_amount(figure)}"
        if figure.counted:
            headline += f" — {figure.counted}"
        headline += f" — claimed by {claimant}" if claimant else " — no claimant named"
        if figure.time_ref:
            headline += f" · {figure.time_ref}"
        statements: dict[str, list[Citation]] = {}
        for member_article, member in members:
            sentence = folded(corpus.sentence_of(member_article.id, member.sentence, member.text))
            statements.setdefault(sentence, []).append(corpus.citation(member_article.id))
        disputed: dict[str, Dispute] = {}
        for member_article, member in members:
            for dispute in by_record.get(member.id, ()):
                disputed[dispute.id] = dispute
            for evidence, dispute in by_text:
                if evidence.article_id == member_article.id and member.text in evidence.text:
                    disputed[dispute.id] = dispute
        dates = [d for d in (a.reference_date() for a, _ in members) if d]
        independent = corpus.independent((a.id, corpus.sentence_of(a.id, f.sentence, f.text)) for a, f in members)
        items_by_category[category].append(BriefItem(
            key=f"figure:{'|'.join(str(k) for k in key)}", section="figures", headline=headline,
            statements=[Statement(text=text, sources=_unique_citations(c)) for text, c in statements.items()],
            sources=_unique_citations(corpus.citation(a.id) for a, _ in members), group=category,
            flags=["disputed"] if disputed else [], notes=[d.explanation for d in disputed.values()],
            independent_sources=independent, first_seen=min(dates) if dates else None,
            last_seen=max(dates) if dates else None))
    order = {c: i for i, c in enumerate(categories)}
    items = []
    for category in sorted(items_by_category, key=lambda c: (order.get(c, len(order)), c)):
        ranked = sorted(items_by_category[category],
                        key=lambda i: (not i.flags, -i.independent_sources, -(i.last_seen or date.min).toordinal(),
                                       i.key))
        items.extend(ranked[:per_category])
    return items


# --------------------------------------------------------------------------- building


def _select(articles: Sequence[Article], stories: Optional[Sequence[Story]], story: Optional[str],
            since: Optional[date]) -> tuple[list[Article], Optional[Story]]:
    chosen = None
    if story is not None:
        if stories is None:
            stories = _stories_of(articles)
        chosen = next((s for s in stories if s.id == story), None)
        if chosen is None:
            raise BadParameterError(f"no story with id {story!r}")
        # A story lists its original articles; their reprints belong to it as evidence.
        members = set(chosen.articles)
        articles = [a for a in articles if a.id in members or a.duplicate_of in members]
    if since is not None:
        # An undated article cannot be shown to be after `since`: it is left out.
        articles = [a for a in articles if a.reference_date() is not None and a.reference_date() >= since]
    return list(articles), chosen


def _stories_of(articles: Sequence[Article]) -> list[Story]:
    """Stories of the given articles when the caller has none: the originals are
    clustered, as the store does, and reprints follow their original."""
    from .stories import StoryIndex, StoryInput

    ids = {a.id for a in articles}
    index = StoryIndex()
    index.add_batch(StoryInput.from_article(a) for a in articles
                    if a.duplicate_of is None or a.duplicate_of not in ids)
    return index.stories()


def _previous_cutoff(previous: Union[None, date, datetime, Briefing]) -> Optional[date]:
    if previous is None:
        return None
    if isinstance(previous, Briefing):
        return previous.as_of or previous.generated.date()
    if isinstance(previous, datetime):
        return previous.date()
    return previous


def build_briefing(articles: Iterable[Article], *, stories: Optional[Sequence[Story]] = None,
                   merged: Optional[Sequence[MergedEvent]] = None, positions: Optional[Sequence[Position]] = None,
                   disputes: Optional[Sequence[Dispute]] = None, story: Optional[str] = None,
                   since: Optional[date] = None, previous: Union[None, date, datetime, Briefing] = None,
                   now: Optional[datetime] = None, max_developments: int = 15, max_positions: int = 20,
                   figures_per_category: int = 6, figure_categories: Sequence[str] = FIGURE_CATEGORY_ORDER,
                   max_disputes: int = 15) -> Briefing:
    """A briefing over ``articles`` (see the module docstring).

    ``stories``/``merged``/``positions``/``disputes`` are the cross-document records;
    without ``merged``, developments are events grouped by (type, source, target, date).
    ``story`` keeps only that story's articles (stories are computed when not given),
    ``since`` only articles dated on or after it. ``previous`` (a date or an earlier
    Briefing, whose ``as_of`` is used) marks items first seen after it as new. ``now``
    stamps the briefing (default: the current time); ranking is relative to the newest
    article considered, so the same records give the same order whenever it is built.
    """
    selected, chosen = _select(list(articles), stories, story, since)
    filtered = story is not None or since is not None
    corpus = _Corpus(selected)
    names = _actor_names(selected)
    dates = [d for d in (a.reference_date() for a in selected) if d]
    as_of = max(dates) if dates else None
    cutoff = _previous_cutoff(previous)

    groups = _groups_from_merged(merged, corpus) if merged is not None else _groups_from_events(corpus)
    developments = sorted((_development(m, reports, reprints, corpus, names, as_of) for m, reports, reprints in groups),
                          key=lambda i: (-(i.score or 0.0), -(i.last_seen or date.min).toordinal(), i.key))
    developments = _one_per_sentence(developments)[:max_developments]

    position_items = []
    for position in positions or ():
        evidence = _evidence_kept(position.evidence, corpus, filtered)
        if evidence:
            position_items.append(_position_item(position, evidence, corpus))
    position_items.sort(key=lambda i: ("changed" not in i.flags, -(i.first_seen or date.min).toordinal(),
                                       -(i.last_seen or date.min).toordinal(), i.key))
    position_items = position_items[:max_positions]

    kept_disputes = []
    for dispute in disputes or ():
        evidence = _evidence_kept(dispute.evidence, corpus, filtered)
        if evidence:
            kept_disputes.append((dispute, evidence))
    dispute_items = sorted((_dispute_item(d, e, corpus) for d, e in kept_disputes),
                           key=lambda i: (SEVERITY_ORDER.get(i.flags[0], 3), -(i.last_seen or date.min).toordinal(),
                                          i.key))[:max_disputes]
    figure_items = _figure_items(corpus, [d for d, _ in kept_disputes], names, figures_per_category,
                                 figure_categories)

    sections = [Section(id="developments", title=SECTION_TITLES["developments"], items=developments),
                Section(id="positions", title=SECTION_TITLES["positions"], items=position_items),
                Section(id="figures", title=SECTION_TITLES["figures"], items=figure_items),
                Section(id="disputes", title=SECTION_TITLES["disputes"], items=dispute_items)]
    changes = []
    if cutoff is not None:
        for section in sections:
            for item in section.items:
                if item.first_seen is not None and item.first_seen > cutoff:
                    item.new = True
                    changes.append(item)
    sections.append(Section(id="changes", title=SECTION_TITLES["changes"], items=changes))

    cited = _unique_citations(c for section in sections for item in section.items for c in item.sources)
    scope = chosen.label if chosen else "all stories"
    return Briefing(title=f"Situation briefing — {scope}", generated=now or datetime.now(timezone.utc),
                    as_of=as_of, period_start=min(dates) if dates else None, story=chosen.id if chosen else None,
                    story_label=chosen.label if chosen else None, since=since, previous_cutoff=cutoff,
                    articles_considered=len(selected), sections=sections,
                    sources=[SourceEntry(number=n, citation=c) for n, c in enumerate(cited, start=1)])


def briefing_from_store(store, *, story: Optional[str] = None, since: Optional[date] = None,
                        previous: Union[None, date, datetime, Briefing] = None, now: Optional[datetime] = None,
                        positions: Optional[Sequence[Position]] = None,
                        disputes: Optional[Sequence[Dispute]] = None,
                        articles: Optional[Sequence[Article]] = None, **options) -> Briefing:
    """A briefing over a store's articles, stories and merged events (what ``sitroom
    brief`` needs). ``story`` may be a unique prefix of a story id; only that story's
    articles and their reprints are read then. ``articles``: those articles, when the
    caller has already read them. Without stored merged events (the cross-document
    layer never ran), developments fall back to grouped events."""
    from .update import story_articles

    if story is not None:
        chosen = store.story(story)
        articles = story_articles(store, chosen) if articles is None else articles
        stories, merged = [chosen], store.merged_events(story=chosen.id)
        story = chosen.id
    else:
        articles = list(store.articles()) if articles is None else articles
        stories, merged = store.stories(), store.merged_events()
    return build_briefing(articles, stories=stories, merged=merged or None, positions=positions, disputes=disputes,
                          story=story, since=since, previous=previous, now=now, **options)


def full_briefing(store, *, story: Optional[str] = None, since: Optional[date] = None,
                  previous: Union[None, date, datetime, Briefing] = None) -> Briefing:
    """The briefing the CLI, the API and the web app show: positions and disputes computed
    over the same articles as the briefing (one story's, with reprints, or all).

    Memoised per store until it changes (``sitroom.store.queries.cached``): the content
    is a function of the stored records (ranking is relative to the newest article, not
    to the clock), so only the ``generated`` stamp is renewed on a repeated request."""
    from ..store import queries
    from .disputes import disputes
    from .positions import load_issues, positions
    from .update import story_articles

    chosen = store.story(story) if story else None

    def build() -> Briefing:
        articles = story_articles(store, chosen) if chosen else list(store.articles())
        return briefing_from_store(store, story=chosen.id if chosen else None, since=since, previous=previous,
                                   positions=positions(articles, load_issues()), disputes=disputes(articles),
                                   articles=articles)

    key = ("briefing", chosen.id if chosen else None, since, _previous_cutoff(previous))
    return queries.cached(store, key, build).model_copy(update={"generated": datetime.now(timezone.utc)})


# --------------------------------------------------------------------------- rendering


def _environment(fmt: str):
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=fmt == "html", trim_blocks=True,
                              lstrip_blocks=True, keep_trailing_newline=True, undefined=StrictUndefined)
    environment.filters["md"] = markdown_text
    environment.filters["md_url"] = markdown_url
    return environment


MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#!|~])")


def markdown_text(text: str) -> str:
    """Text safe inside Markdown: characters with a Markdown (or inline HTML) meaning are
    backslash-escaped, so a sentence cannot open a link, a tag or a heading."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", text)


def markdown_url(url: str) -> str:
    """A link target: angle brackets allow spaces; '<', '>' and line breaks are encoded."""
    return "<" + url.replace("<", "%3C").replace(">", "%3E").replace("\n", "%0A").replace(" ", "%20") + ">"


def render(briefing: Briefing, fmt: Literal["md", "html"] = "md") -> str:
    """The briefing as Markdown or as a standalone, printable HTML page."""
    if fmt not in ("md", "html"):
        raise BadParameterError(f"unknown briefing format {fmt!r}: use md or html")
    template = _environment(fmt).get_template(f"brief.{fmt}.j2")
    return template.render(briefing=briefing)
