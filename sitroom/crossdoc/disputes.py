"""Contradictions between sources, and between a source and the actor dictionary.

Four kinds, each a :class:`~sitroom.models.Dispute` with both sides' evidence:

``figure``
    Two figures about the same quantity whose values do not overlap. "The same
    quantity" needs: the same category and unit; compatible counted nouns (the same
    head noun, or two words for people in a casualty count); the same *measure* (killed,
    wounded, killed-and-wounded, bodies, hit, destroyed, launched ..., read from the
    words nearest the number, "a day" making it a rate); the same side where both state
    one (the country word nearest before the number: "Russian losses", "For Ukraine");
    time that can be the same (publication dates, or for undated articles their
    inferred ranges, within ``FIGURE_WINDOW_DAYS``, and not two different days of the
    events in their sentences); and, across articles, a topical link (TF-IDF cosine of
    the two articles plus IDF-weighted cosine of the two sentences, at least
    ``LINK_THRESHOLD``, or ``UNDATED_LINK_THRESHOLD`` when either article is undated).
    Within one article only figures of two different named claimants are compared (an
    article lists different quantities; it contradicts itself only by quoting two
    sources). Sub-counts ("including at least one ...", "91 of them"), increments
    ("303 more") and magnitudes without a number ("thousands of homes") are skipped.
    Approximate
    figures get ``APPROXIMATE_TOLERANCE`` on each side. Severity grows with the ratio
    between the nearest ends of the two values.
``title``
    A title in the text that the actor dictionary contradicts at the article's date:
    "former President" for a sitting president, or "President" for someone whose
    presidency had ended. Undated articles are checked over their inferred date range
    (a conflict must hold at both ends) or, without one, against the role the linker
    recorded. Also: two sources of the same period, one calling an actor "former X"
    and the other "X".
``agree_reject``
    The same actor (people and government bodies counted as their country's
    government) reported as agreeing to and rejecting the same issue within
    ``AGREE_REJECT_WINDOW_DAYS``, from asserted or reported AGREE/CONCEDE and REJECT
    events (a negated AGREE is a rejection).
``unattributed``
    A figure stated flatly (no claimant, no attribution verb in its sentence) in a news
    article while another article attributes the same value of the same quantity to a
    source; medium when that source is a party's government or military. Likewise an
    event asserted flatly while another article of the same story (TF-IDF cosine at
    least ``EVENT_LINK_THRESHOLD``) reports the same event type between the same actors,
    within ``EVENT_WINDOW_DAYS``, as someone's claim (low).

Reprints count once (the canonical article of each duplicate family). Ids hash the
kind and the evidence record ids, so they are stable across runs. Disputes are sorted
by severity (high first), then by their latest evidence date (newest first).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Iterable, Optional, Sequence

from ..models import Article, ArticleActor, Dispute, Evidence, Figure
from .positions import (Issue, canonical_articles, day_of, evidence_of, issues_in, load_issues,
                        sentence_text)
from .similarity import TermStatistics, content_terms, cosine, normalise_term

FIGURE_WINDOW_DAYS = 60
AGREE_REJECT_WINDOW_DAYS = 14
TITLE_PERIOD_DAYS = 31
APPROXIMATE_TOLERANCE = 0.10
# Topical link (IDF-weighted cosine of the two sentences) two figures of different
# articles need; more when either article is undated, since time then cannot tell
# two nights' drone counts apart.
LINK_THRESHOLD = 0.35
UNDATED_LINK_THRESHOLD = 0.45
SEVERITY_RANK = {"high": 0, "medium": 1, "low": 2}
# Categories where two numbers can claim to count the same thing; durations and rates
# ("a 30-day ceasefire", "50 percent of revenue") are terms of different deals.
COMPARABLE_CATEGORIES = frozenset({"casualties", "weapons", "people", "territory", "money"})
# Head nouns that all count people: in a casualty count the measure word decides.
PERSON_NOUNS = frozenset({"soldier", "troop", "casualty", "loss", "people", "person", "civilian", "fighter",
                          "serviceman", "servicemen", "killed", "wounded", "dead", "body", "prisoner", "men"})
DETERMINERS = frozenset({"the", "a", "an", "its", "their", "his", "her", "some", "more", "of", "this", "that",
                         "these", "those"})

# What a number measures, nearest word first. Combined casualty phrases come first:
# "killed and wounded" is one measure, not the nearer of two.
_COMBINED = re.compile(r"\b(?:killed|dead)\s+(?:and|or)\s+(?:wounded|injured)\b|\bcasualt\w*|\bloss(?:es)?\b",
                       re.IGNORECASE)
_MEASURES: list[tuple[str, re.Pattern]] = [(name, re.compile(pattern, re.IGNORECASE)) for name, pattern in [
    ("killed", r"\b(?:killed|dead|deaths?|died|fatalit\w*)\b"),
    ("wounded", r"\b(?:wounded|injured|injur(?:y|ies))\b"),
    ("bodies", r"\b(?:bod(?:y|ies)|remains)\b"),
    ("prisoners", r"\b(?:prisoners?|captured|pows?|detained)\b"),
    ("missing", r"\bmissing\b"),
    ("destroyed", r"\b(?:destroy\w*|downed|shot\s+down|intercept\w*)\b"),
    ("hit", r"\b(?:hit|struck|strike|damag\w*|attacked)\b"),
    ("launched", r"\b(?:launch\w*|fired|sent)\b"),
    ("delivered", r"\b(?:deliver\w*|suppl(?:y|ied)|sold|bought)\b"),
]]
RATE = re.compile(r"\b(?:a|per|each)\s+(?:day|week|month|year|night)\b|\b(?:daily|weekly|monthly|annual(?:ly)?)\b",
                  re.IGNORECASE)
SUBCOUNT_BEFORE = re.compile(r"\b(?:including|among\s+them|of\s+which|of\s+whom)\b", re.IGNORECASE)
# "303 more prisoners", "another 90": an increment, not the total another source gives.
INCREMENT = re.compile(r"(?:\b(?:more|another|additional|further)\s*$)|^\s*(?:more|additional|further)\b",
                       re.IGNORECASE)
# Magnitudes without a number ("thousands of homes", "dozens of missiles") are not
# claims precise enough to contradict.
VAGUE = re.compile(r"\b(?:dozens?|hundreds|thousands|millions|billions|tens\s+of|scores|several|many)\b",
                   re.IGNORECASE)
SUBCOUNT_AFTER = re.compile(r"^\s*(?:of\s+them|of\s+whom|of\s+those|of\s+which)\b", re.IGNORECASE)
ATTRIBUTION = re.compile(r"\b(?:said|says|say|according\s+to|claim\w*|estimat\w*|report\w*|told|put\s+\w+\s+at|"
                         r"assess\w*|counted|tally)\b", re.IGNORECASE)
WORD = re.compile(r"[A-Za-z][A-Za-z.]*[A-Za-z]|[A-Za-z]")
FORMER = re.compile(r"^\s*(?:former|ex-|ex\s)", re.IGNORECASE)
TITLE_QUALIFIERS = frozenset({"vice", "deputy", "prime", "first", "acting"})
TITLE_NOISE = frozenset({"former", "ex", "then", "the", "of", "and", "for", "outgoing", "incoming", "new", "late"})


# --------------------------------------------------------------------------- public


def stored_disputes(store, *, story: Optional[str] = None) -> list[Dispute]:
    """``disputes`` among a store's articles (one story's with its reprints, or all),
    memoised per store until it changes (``sitroom.store.queries.cached``); do not
    mutate the result."""
    from ..store import queries
    from .update import story_articles

    chosen = store.story(story) if story else None
    return queries.cached(store, ("disputes", chosen.id if chosen else None), lambda: disputes(
        story_articles(store, chosen) if chosen else store.articles()))


def disputes(articles: Iterable[Article], *, catalog=None, issues: Optional[Sequence[Issue]] = None) -> list[Dispute]:
    """Every dispute among ``articles``: figure, title, agree_reject and unattributed.

    ``catalog`` is the actor catalog (default: :func:`sitroom.link.resolve.default_catalog`),
    used for titles and for the country words that tell the side of a count; ``issues``
    (default: :func:`load_issues`) decide what an agreement or a rejection is about."""
    if catalog is None:
        from ..link.resolve import default_catalog
        catalog = default_catalog()
    issues = load_issues() if issues is None else issues
    canonical = canonical_articles(articles)
    statistics = TermStatistics()
    terms = {article.id: content_terms(article.text) for article in canonical}
    for article in canonical:
        statistics.add(terms[article.id])
    vectors = {article_id: statistics.vector(Counter(words)) for article_id, words in terms.items()}
    quantities = [q for article in canonical for q in _quantities(article, catalog, vectors.get(article.id))]
    found = (figure_disputes(quantities, statistics) + unattributed_disputes(quantities, statistics)
             + unattributed_event_disputes(canonical, vectors)
             + title_disputes(canonical, catalog) + agree_reject_disputes(canonical, issues))
    unique = {d.id: d for d in found}
    return sorted(unique.values(), key=_sort_key)


def dispute_id(kind: str, evidence: Sequence[Evidence]) -> str:
    keys = sorted(f"{e.article_id}:{e.record_id}" for e in evidence)
    return "d" + hashlib.sha1(f"{kind}|{'|'.join(keys)}".encode()).hexdigest()[:12]


def _sort_key(dispute: Dispute) -> tuple:
    latest = max((e.published for e in dispute.evidence if e.published), default=date.min)
    return (SEVERITY_RANK[dispute.severity], -latest.toordinal(), dispute.id)


def _make(kind: str, severity: str, explanation: str, evidence: list[Evidence], subject: Optional[str]) -> Dispute:
    unique: dict[tuple, Evidence] = {}
    for item in evidence:
        unique.setdefault((item.article_id, item.record_id), item)
    ordered = sorted(unique.values(), key=lambda e: (e.published or date.min, e.article_id, e.record_id or ""))
    return Dispute(id=dispute_id(kind, ordered), kind=kind, severity=severity, explanation=explanation,
                   evidence=ordered, subject=subject)


# --------------------------------------------------------------------------- figures


@dataclass
class Quantity:
    """A figure with what is needed to tell whether another figure counts the same."""

    article: Article
    figure: Figure
    sentence: str
    low: float
    high: float
    head: str
    measure: Optional[str]
    side: Optional[str]
    terms: frozenset[str]
    vector: dict[str, float]
    when: Optional[date]
    period: Optional[tuple[date, date]]
    day: Optional[date]
    claimant: Optional[str]
    claimant_label: str
    attributed: bool

    @property
    def evidence(self) -> Evidence:
        return evidence_of(self.article, self.figure.id, self.sentence)

    def widened(self) -> tuple[float, float]:
        if not self.figure.approximate:
            return self.low, self.high
        return self.low * (1 - APPROXIMATE_TOLERANCE), self.high * (1 + APPROXIMATE_TOLERANCE)

    def describe(self) -> str:
        figure = self.figure
        counted = f" {figure.counted}" if figure.counted else ""
        return f"{figure.text}{counted}".strip()


def _country_words(text: str, catalog) -> list[tuple[int, str]]:
    """(offset, country code) of every country adjective or name in ``text``."""
    words = [(m.start(), m.group().upper()) for m in WORD.finditer(text)]
    found, i = [], 0
    while i < len(words):
        for size in (3, 2, 1):
            phrase = tuple(w for _, w in words[i:i + size])
            code = catalog.adjectives.get(phrase) if len(phrase) == size else None
            if code:
                found.append((words[i][0], code))
                i += size
                break
        else:
            i += 1
    return found


def _counted_head(counted: Optional[str], catalog) -> tuple[str, Optional[str]]:
    """("soldier", "RUS") from "Russian soldiers": the head noun, lemma-ish, and the
    side a country word in the counted phrase gives."""
    if not counted:
        return "", None
    side = next((code for _, code in _country_words(counted, catalog)), None)
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z'\-]*", counted.lower()) if w not in DETERMINERS]
    words = [w for w in words if (w.upper(),) not in catalog.adjectives and not w.endswith("'s")]
    return (normalise_term(words[-1]) if words else ""), side


def _measure(segment: str, offset: int) -> Optional[str]:
    """The measure word nearest the number at ``offset`` in ``segment``."""
    rate = "/rate" if RATE.search(segment) else ""
    if _COMBINED.search(segment):
        return "casualties" + rate
    best: Optional[tuple[int, str]] = None
    for name, pattern in _MEASURES:
        for match in pattern.finditer(segment):
            distance = min(abs(match.start() - offset), abs(match.end() - offset))
            if best is None or distance < best[0]:
                best = (distance, name)
    return (best[1] + rate) if best else (rate[1:] or None)


def _period(article: Article) -> Optional[tuple[date, date]]:
    """When the article can have been written: its date, else its inferred range."""
    when = article.reference_date()
    if when:
        return when, when
    inferred = article.published_inferred
    return (inferred.earliest, inferred.latest) if inferred else None


def _quantities(article: Article, catalog, vector: Optional[dict[str, float]] = None) -> list[Quantity]:
    figures = sorted((f for f in article.figures if f.category in COMPARABLE_CATEGORIES), key=lambda f: f.start)
    every = sorted(article.figures, key=lambda f: f.start)
    actors = {a.id: a for a in article.actors}
    events_by_sentence: dict[int, list[date]] = {}
    for event in article.events:
        day = day_of(event.date)
        if day and not event.date_is_report_date:
            events_by_sentence.setdefault(event.sentence, []).append(day)
    out = []
    for figure in figures:
        low = figure.low if figure.low is not None else figure.value
        high = figure.high if figure.high is not None else figure.value
        if low is None or high is None or high <= 0:
            continue
        if 0 <= figure.sentence < len(article.sentences):
            bounds = article.sentences[figure.sentence]
            sent_start, sent_end = bounds.start, bounds.end
        else:
            sent_start, sent_end = max(0, figure.start - 200), min(len(article.text), figure.end + 200)
        previous = [f.end for f in every if sent_start <= f.end <= figure.start and f is not figure]
        following = [f.start for f in every if figure.end <= f.start < sent_end and f is not figure]
        seg_start = max(previous) if previous else sent_start
        seg_end = min(following) if following else sent_end
        before = article.text[seg_start:figure.start]
        after = article.text[figure.end:seg_end]
        if SUBCOUNT_BEFORE.search(before) or SUBCOUNT_AFTER.search(after) or INCREMENT.search(before) \
                or INCREMENT.match(figure.counted or ""):
            continue
        if VAGUE.search(figure.text) and not re.search(r"\d", figure.text):
            continue
        head, side = _counted_head(figure.counted, catalog)
        if side is None:
            words = _country_words(before, catalog)
            side = words[-1][1] if words else None
        segment = article.text[seg_start:seg_end]
        measure = _measure(segment, figure.start - seg_start)
        sentence = " ".join(article.text[sent_start:sent_end].split())
        claimant = figure.claimant_actor or (" ".join(figure.claimant_text.lower().split())
                                            if figure.claimant_text else None)
        actor = actors.get(figure.claimant_actor or "")
        label = figure.claimant_text or (actor.name if actor else None) or "an unnamed source"
        attributed = bool(figure.claimant_actor or figure.claimant_text) or bool(ATTRIBUTION.search(sentence))
        days = events_by_sentence.get(figure.sentence, [])
        out.append(Quantity(article, figure, sentence, float(low), float(high), head, measure, side,
                            frozenset(content_terms(re.sub(r"\d", " ", sentence))), vector or {},
                            article.reference_date(), _period(article),
                            days[0] if len(set(days)) == 1 else None, claimant, label, attributed))
    return out


def same_quantity(a: Quantity, b: Quantity, statistics: Optional[TermStatistics] = None) -> bool:
    """Whether two figures can be counts of the same thing (values aside)."""
    fa, fb = a.figure, b.figure
    if fa.category != fb.category or (fa.unit or "") != (fb.unit or ""):
        return False
    people_alike = fa.category == "casualties" and a.head in PERSON_NOUNS and b.head in PERSON_NOUNS
    if a.head and b.head and a.head != b.head and not people_alike:
        return False
    if a.measure != b.measure and not (a.measure is None or b.measure is None):
        return False
    if a.side and b.side and a.side != b.side:
        return False
    if a.period and b.period and _gap_days(a.period, b.period) > FIGURE_WINDOW_DAYS:
        return False
    if a.day and b.day and abs((a.day - b.day).days) > 1:
        return False
    if a.article.id == b.article.id:
        return True
    needed = LINK_THRESHOLD if a.when and b.when else UNDATED_LINK_THRESHOLD
    return topical_link(a, b, statistics) >= needed


def _gap_days(a: tuple[date, date], b: tuple[date, date]) -> int:
    return max(0, (b[0] - a[1]).days, (a[0] - b[1]).days)


def topical_link(a: Quantity, b: Quantity, statistics: Optional[TermStatistics]) -> float:
    """How surely two figures' contexts are about the same thing: the TF-IDF cosine of
    their articles plus the IDF-weighted cosine of their sentences, leaving out the
    counted noun (shared by construction). Whole articles carry the story ("Spiderweb",
    "bombers" across a report and its follow-up); sentences catch a passing mention."""
    skip = {a.head, b.head}
    left, right = a.terms - skip, b.terms - skip
    sentence_link = 0.0
    if left and right:
        weight = statistics.idf if statistics else (lambda term: 1.0)
        shared = sum(weight(t) ** 2 for t in left & right)
        norm = math.sqrt(sum(weight(t) ** 2 for t in left) * sum(weight(t) ** 2 for t in right))
        sentence_link = shared / norm if norm else 0.0
    return cosine(a.vector, b.vector) + sentence_link


def _overlap(a: Quantity, b: Quantity) -> bool:
    a_low, a_high = a.widened()
    b_low, b_high = b.widened()
    return a_low <= b_high and b_low <= a_high


def _ratio(a: Quantity, b: Quantity) -> float:
    lower, higher = (a, b) if a.high <= b.high else (b, a)
    return higher.low / lower.high if lower.high > 0 else float("inf")


def _severity(ratio: float) -> str:
    return "high" if ratio >= 2 else "medium" if ratio >= 1.25 else "low"


def _bucket(quantity: Quantity) -> tuple[str, str, str]:
    figure = quantity.figure
    head = quantity.head
    if figure.category == "casualties" and head in PERSON_NOUNS:
        head = "<people>"
    return figure.category or "", figure.unit or "", head


def candidate_pairs(quantities: Sequence[Quantity]) -> Iterable[tuple[Quantity, Quantity]]:
    """Pairs that can count the same thing, without comparing every figure with every
    other: only within one (category, unit, head noun) bucket, and figures with no
    counted noun against their whole (category, unit)."""
    buckets: dict[tuple[str, str, str], list[Quantity]] = {}
    for quantity in quantities:
        buckets.setdefault(_bucket(quantity), []).append(quantity)
    for (category, unit, head), members in buckets.items():
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                yield a, b
        if head == "":
            for (other_category, other_unit, other_head), others in buckets.items():
                if (other_category, other_unit) == (category, unit) and other_head != "":
                    for a in members:
                        for b in others:
                            yield a, b


def figure_disputes(quantities: Sequence[Quantity], statistics: Optional[TermStatistics] = None) -> list[Dispute]:
    """Pairs of figures about the same quantity that disagree, merged per pair of
    (article, claimant) sides so that one disagreement between two sources is one dispute."""
    merged: dict[tuple, list[tuple[Quantity, Quantity]]] = {}
    for a, b in candidate_pairs(quantities):
        if a.article.id == b.article.id and (not a.claimant or not b.claimant or a.claimant == b.claimant):
            continue
        if not same_quantity(a, b, statistics) or _overlap(a, b):
            continue
        sides = tuple(sorted([(a.article.id, a.claimant or ""), (b.article.id, b.claimant or "")]))
        merged.setdefault((sides, a.figure.category, _bucket(a)[2] or _bucket(b)[2]), []).append((a, b))
    out = []
    for (_, category, head), pairs in merged.items():
        head = "" if head == "<people>" else head
        a, b = max(pairs, key=lambda pair: _ratio(*pair))
        ratio = _ratio(a, b)
        what = a.figure.counted or b.figure.counted or head or category
        if a.claimant and b.claimant and a.claimant == b.claimant:
            who = f"{a.claimant_label} gave both {a.describe()} and {b.describe()}"
        elif a.claimant != b.claimant:
            who = f"{a.claimant_label}: {a.describe()}; {b.claimant_label}: {b.describe()}"
        else:
            who = f"{a.describe()} against {b.describe()}"
        explanation = f"Figures for {what} disagree ({ratio:.2f}x apart): {who}."
        evidence = [q.evidence for pair in pairs for q in pair]
        out.append(_make("figure", _severity(ratio), explanation, evidence, what))
    return out


def unattributed_disputes(quantities: Sequence[Quantity],
                          statistics: Optional[TermStatistics] = None) -> list[Dispute]:
    """Flat statements of a number that other articles attribute to a source."""
    partners: dict[int, list[Quantity]] = {}
    for a, b in candidate_pairs(quantities):
        partners.setdefault(id(a), []).append(b)
        partners.setdefault(id(b), []).append(a)
    out = []
    for flat in quantities:
        if flat.attributed or flat.article.genre != "news":
            continue
        sources = [q for q in partners.get(id(flat), []) if q.article.id != flat.article.id and q.claimant
                   and same_quantity(flat, q, statistics) and _overlap(flat, q)]
        if not sources:
            continue
        party = any(_is_party(q) for q in sources)
        names = sorted({q.claimant_label for q in sources})
        explanation = (f"{flat.describe()} is stated as fact in {flat.article.outlet or flat.article.id}, "
                       f"while other reports attribute it to {', '.join(names)}.")
        evidence = [flat.evidence] + [q.evidence for q in sources]
        out.append(_make("unattributed", "medium" if party else "low", explanation, evidence,
                         flat.figure.counted or flat.head))
    return out


EVENT_WINDOW_DAYS = 3
EVENT_LINK_THRESHOLD = 0.3


def unattributed_event_disputes(articles: Sequence[Article], vectors: dict[str, dict[str, float]]) -> list[Dispute]:
    """Events asserted flatly (no reporter, no attribution verb in the sentence) in a
    news article while another article of the same story and days reports the same
    event type between the same actors as someone's claim."""
    flat, claimed = [], []
    for article in articles:
        for event in article.events:
            sources = {s.actor_id for s in event.source if s.actor_id}
            targets = {t.actor_id for t in event.target if t.actor_id}
            if not sources or not targets:
                continue
            text = sentence_text(article, event.sentence, event.text)
            when = day_of(event.date) or article.reference_date()
            item = (article, event, sources, targets, when, text)
            if event.modality == "reported" and event.reported_by:
                claimed.append(item)
            elif (event.modality == "asserted" and not event.reported_by and article.genre == "news"
                  and not ATTRIBUTION.search(text)):
                flat.append(item)
    out = []
    for article, event, sources, targets, when, text in flat:
        matches = [c for c in claimed if c[0].id != article.id and c[1].type == event.type
                   and c[2] & sources and c[3] & targets and when and c[4]
                   and abs((when - c[4]).days) <= EVENT_WINDOW_DAYS
                   and cosine(vectors.get(article.id, {}), vectors.get(c[0].id, {})) >= EVENT_LINK_THRESHOLD]
        if not matches:
            continue
        reporters = sorted({c[1].reported_by for c in matches})
        explanation = (f"{article.outlet or article.id} states as fact a {event.type} by "
                       f"{', '.join(sorted(sources))} against {', '.join(sorted(targets))} that other reports "
                       f"attribute to {', '.join(reporters)}.")
        evidence = [evidence_of(article, event.id, text)] + [evidence_of(c[0], c[1].id, c[5]) for c in matches]
        out.append(_make("unattributed", "low", explanation, evidence, event.type))
    return out


def _is_party(quantity: Quantity) -> bool:
    """Whether the claimant is a government or a military: a party's own claim."""
    actor_id = quantity.figure.claimant_actor or ""
    actor = next((a for a in quantity.article.actors if a.id == actor_id), None)
    code = (actor.code if actor else None) or actor_id
    return code[3:6] in ("GOV", "MIL") or (actor is not None and actor.sector in ("GOV", "MIL"))


# --------------------------------------------------------------------------- titles


def _title_words(text: str) -> list[str]:
    words = []
    for word in re.findall(r"[A-Za-z][A-Za-z\-]*", text.lower()):
        word = {"presidential": "president", "defense": "defence", "ministerial": "minister"}.get(word, word)
        words.append(normalise_term(word))
    return words


def _heads(title: str) -> set[str]:
    """The office words of a title: "Russian Foreign Minister" -> {foreign, minister}."""
    return {w for w in _title_words(title) if w not in TITLE_NOISE and len(w) > 1}


def title_matches_role(title: str, role: Optional[str], offices: Iterable[tuple[str, ...]] = ()) -> bool:
    """Whether a title in the text names ``role`` (a dictionary role title): its office
    head words appear in the role or the role's office words, and the qualifiers that
    make another office ("vice", "deputy", "prime") agree."""
    if not role:
        return False
    role_words = set(_title_words(role)) | {normalise_term(w.lower()) for phrase in offices for w in phrase}
    heads = _heads(title)
    if not heads:
        return False
    title_qualifiers = heads & TITLE_QUALIFIERS
    role_qualifiers = set(_title_words(role.split(",")[0])) & TITLE_QUALIFIERS
    if title_qualifiers != role_qualifiers:
        return False
    from ..link.resolve import TITLE_HEADS
    core = {w for w in heads if w in TITLE_HEADS} or heads
    return core <= role_words


def _check_dates(article: Article) -> list[Optional[date]]:
    """The dates a title must be wrong at to be flagged: the reference date, else both
    ends of the inferred range; empty when the article cannot be dated."""
    when = article.reference_date()
    if when:
        return [when]
    inferred = article.published_inferred
    if inferred:
        return [inferred.earliest, inferred.latest]
    return []


def _title_sentence(article: Article, actor: ArticleActor) -> str:
    title = (actor.title_in_text or "").lower()
    for span in actor.mentions:
        window = article.text[max(0, span.start - len(title) - 3):span.start].lower()
        if title and title in window:
            return _sentence_at(article, span.start)
    return _sentence_at(article, actor.mentions[0].start) if actor.mentions else actor.title_in_text or ""


def _sentence_at(article: Article, offset: int) -> str:
    for sentence in article.sentences:
        if sentence.start <= offset < sentence.end:
            return " ".join(article.text[sentence.start:sentence.end].split())
    return " ".join(article.text[max(0, offset - 120):offset + 120].split())


def _title_conflict(title: str, entry, when: Optional[date], catalog, stored_role: Optional[str]) -> Optional[str]:
    """Why ``title`` is wrong at ``when``, or None. ``when`` None: judge against the
    role the linker stored for the article."""
    former = bool(FORMER.match(title))
    if entry is None:
        return None
    if when is None:
        roles = [stored_role] if stored_role else []
        current = [r for r in entry.codes if r.role == stored_role]
        ended = []
    else:
        current = [r for r in entry.codes if r.dated and r.role and r.contains(when)]
        roles = [r.role for r in current]
        ended = [r for r in entry.codes if r.dated and r.role and r.end and r.end <= when]
    matches_current = any(title_matches_role(title, r.role, catalog.offices_of(entry, r)) for r in current) \
        or (when is None and any(title_matches_role(title, role) for role in roles))
    if former and matches_current:
        role = next(r for r in roles if r)
        return f"holds that office ({role})"
    if not former and not matches_current and any(
            title_matches_role(title, r.role, catalog.offices_of(entry, r)) for r in ended):
        last = max((r for r in ended if title_matches_role(title, r.role, catalog.offices_of(entry, r))),
                   key=lambda r: r.end)
        return f"left that office ({last.role}) on {last.end.isoformat()}"
    return None


def title_disputes(articles: Sequence[Article], catalog) -> list[Dispute]:
    out = []
    uses: list[tuple[Article, ArticleActor, str]] = []
    for article in articles:
        for actor in article.actors:
            title = actor.title_in_text
            if not title:
                continue
            sentence = _title_sentence(article, actor)
            uses.append((article, actor, sentence))
            entry = catalog.actors.entries.get(actor.id)
            dates = _check_dates(article)
            reasons = [_title_conflict(title, entry, when, catalog, actor.role) for when in (dates or [None])]
            if not reasons or not all(reasons):
                continue
            if article.reference_date():
                when_text = f"on {article.reference_date().isoformat()}"
            elif dates:
                when_text = f"(undated; written between {dates[0].isoformat()} and {dates[-1].isoformat()})"
            else:
                when_text = "(undated)"
            explanation = (f"{article.outlet or 'An article'} calls {actor.name} \"{title}\" {when_text}, "
                           f"but the actor dictionary says {actor.name} {reasons[0]}.")
            evidence = [evidence_of(article, f"actor:{actor.id}", sentence)]
            out.append(_make("title", "medium", explanation, evidence, actor.id))
    out.extend(_former_against_current(uses))
    return out


def _former_against_current(uses: Sequence[tuple[Article, ArticleActor, str]]) -> list[Dispute]:
    """Two sources of the same period: one says "former X", the other plain "X"."""
    out = []
    for article, actor, sentence in uses:
        title = actor.title_in_text or ""
        if not FORMER.match(title):
            continue
        stripped = FORMER.sub("", title).strip()
        when = article.reference_date()
        for other, other_actor, other_sentence in uses:
            other_title = other_actor.title_in_text or ""
            if other_actor.id != actor.id or other.id == article.id or FORMER.match(other_title):
                continue
            if not (_heads(stripped) and _heads(stripped) <= _heads(other_title)):
                continue
            other_when = other.reference_date()
            if when and other_when and abs((when - other_when).days) > TITLE_PERIOD_DAYS:
                continue
            if not (when and other_when):
                continue
            explanation = (f"{article.outlet or article.id} calls {actor.name} \"{title}\" while "
                           f"{other.outlet or other.id} calls them \"{other_title}\" in the same period.")
            out.append(_make("title", "low", explanation,
                             [evidence_of(article, f"actor:{actor.id}", sentence),
                              evidence_of(other, f"actor:{other_actor.id}", other_sentence)], actor.id))
            break
    return out


# --------------------------------------------------------------------------- agree / reject


@dataclass
class _Act:
    article: Article
    record_id: str
    sentence: str
    when: Optional[date]
    agrees: bool


def _actor_key(article: Article, actor_id: str, code: Optional[str]) -> str:
    """People and bodies of a government count as that government: "RUS.PUTIN" and
    "RUSGOV" are both Russia's government agreeing or rejecting."""
    known = next((a for a in article.actors if a.id == actor_id), None)
    code = (known.code if known else None) or code or ""
    return code if code.endswith("GOV") and len(code) == 6 else actor_id


def agree_reject_disputes(articles: Sequence[Article], issues: Sequence[Issue]) -> list[Dispute]:
    acts: dict[tuple[str, str], list[_Act]] = {}
    names: dict[str, str] = {}
    for article in articles:
        for event in article.events:
            if event.modality not in ("asserted", "reported", "negated"):
                continue
            if event.type in ("AGREE", "CONCEDE"):
                agrees = event.modality != "negated"
            elif event.type == "REJECT" and event.modality != "negated":
                agrees = False
            else:
                continue
            found = issues_in(event.text, issues)
            when = day_of(event.date) or article.reference_date()
            text = sentence_text(article, event.sentence, event.text)
            for source in event.source:
                if not source.actor_id:
                    continue
                key = _actor_key(article, source.actor_id, source.code)
                names.setdefault(key, source.text if key == source.actor_id else key)
                for issue in found:
                    acts.setdefault((key, issue), []).append(_Act(article, event.id, text, when, agrees))
    labels = {issue.id: issue.label for issue in issues}
    out = []
    for (key, issue), group in acts.items():
        agreeing = [a for a in group if a.agrees]
        rejecting = [a for a in group if not a.agrees]
        pairs = [(a, r) for a in agreeing for r in rejecting
                 if a.record_id != r.record_id and a.when and r.when
                 and abs((a.when - r.when).days) <= AGREE_REJECT_WINDOW_DAYS]
        if not pairs:
            continue
        involved = {id(x): x for pair in pairs for x in pair}.values()
        same_article = all(a.article.id == r.article.id for a, r in pairs)
        explanation = (f"{names[key]} is reported as both agreeing to and rejecting {labels.get(issue, issue).lower()} "
                       f"within {AGREE_REJECT_WINDOW_DAYS} days.")
        evidence = [evidence_of(x.article, x.record_id, x.sentence) for x in involved]
        out.append(_make("agree_reject", "low" if same_article else "medium", explanation, evidence, key))
    return out
