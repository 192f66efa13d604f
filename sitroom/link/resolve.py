"""Resolve entity mentions to actors with their role at the article's date.

For each sentence, left to right, the resolver finds the longest of:

* a dictionary phrase (curated names first, then Phoenix): "Vladimir Putin", "Kremlin";
* an office description whose holder at the article date is unique: "the Russian
  president" -> Putin in 2025, "the U.S. president" -> Biden in 2022;
* a nationality or country followed by an agent noun: "Russian forces" -> RUSMIL,
  "Ukraine's army" -> UKRMIL;
* a curated short name ("Austin", "Costa") after a full mention of that actor.

Place names that stand for a government ("Moscow said") are metonyms; after a locative
preposition ("strikes on Kyiv") they name the country instead. Words in front of a
person's name that form a title ("Former U.S. President") are kept as
``title_in_text`` and are not linked on their own.

spaCy's mentions are then linked to the hit they overlap (the dictionary wins where
spaCy mislabels, e.g. "Trump" as ORG); hits spaCy missed become new ``ACTOR`` mentions.
Unmatched PERSON/ORG mentions become actors with ids derived from the name
(``PER:john-smith``), after two guarded merges: a surname after a full name in the
article ("Smith" after "John Smith"), and a spelling variant of a curated person
(same first letter, at most one or two edits, never when two actors are that close).
Finally "he"/"she"/"his"/"her" and bare offices ("the president") take the most recent
compatible person in the same sentence, else the previous one, and only when exactly
one is compatible.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Optional

from rapidfuzz.distance import Levenshtein

from ..errors import StageError
from ..models import Article, ArticleActor, Mention, Span
from ..stage import Context, stage
from .curated import ActorCatalog, load_catalog
from .dictionary import NO_CODE, ActorEntry, normalize_token

CATALOG_RESOURCE = "actors"
PERSON_LABELS = frozenset({"PERSON"})
NAMED_UNKNOWN = {"PERSON": "PER", "ORG": "ORG"}  # unmatched entities that still become actors
LOCATIVE = frozenset({"in", "into", "to", "from", "near", "outside", "around", "across", "over",
                      "at", "on", "toward", "towards", "via", "through", "inside", "within", "beyond"})
PRONOUNS = {"he": "m", "him": "m", "his": "m", "himself": "m",
            "she": "f", "her": "f", "hers": "f", "herself": "f"}
# Words that make the capitalised words in front of a name a title ("Foreign Minister").
TITLE_HEADS = frozenset("""
    president minister secretary chancellor envoy leader spokesman spokeswoman spokesperson
    general gen. commander chief ambassador adviser advisor aide mayor governor senator sen.
    rep. king queen emir prince crown pope director head chairman chairwoman speaker premier
    negotiator official lt. col. colonel admiral sheikh sir diplomat
    representative envoys ombudsman secretary-general commander-in-chief prosecutor judge
""".split())
TITLE_WORDS = TITLE_HEADS | frozenset("""
    former vice deputy then special acting foreign defence defense prime of state affairs national security top
    presidential senior press white house intelligence military army interior finance economy
    justice home
""".split())
DETERMINERS = frozenset({"the", "a", "an", "this", "that"})


def _slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-") or "x"


def _fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced: the form fuzzy matching compares."""
    return " ".join(normalize_token(w) for w in text.split()).lower()


# --------------------------------------------------------------------------- records


@dataclass
class _Actor:
    """An actor of this article (known entry, synthesised group, or unknown name)."""

    id: str
    name: str
    entry: Optional[ActorEntry] = None
    code: Optional[str] = None
    role: Optional[str] = None
    country: Optional[str] = None
    sector: Optional[str] = None
    person: bool = False
    title: Optional[str] = None
    spans: list[tuple[int, int]] = field(default_factory=list)


@dataclass
class _Hit:
    start: int  # token indices into the Doc
    end: int
    actor: _Actor
    how: str  # dictionary, description, agent, short, metonym, place


# --------------------------------------------------------------------------- resolver


class ArticleResolver:
    """Links one article's mentions; ``run()`` fills mentions' actor ids and ``actors``."""

    def __init__(self, article: Article, catalog: ActorCatalog, when: Optional[date]) -> None:
        if article.doc is None:
            raise StageError("link_actors needs the parsed Doc (run the parse stage first)")
        self.article = article
        self.doc = article.doc
        self.catalog = catalog
        self.when = when
        self.actors: dict[str, _Actor] = {}
        self.fully_named: set[str] = set()  # actor ids seen with a multi-word name
        self.name_parts: dict[str, set[str]] = {}  # "VLADIMIR" -> {"RUS.PUTIN"} once seen in full
        self.title_tokens: set[int] = set()
        self.person_tokens: set[int] = set()  # a title never reaches back into another name
        self.hits: list[_Hit] = []
        self.sentence_starts = [s.start for s in article.sentences] or [s.start_char for s in self.doc.sents]

    # -- actors -------------------------------------------------------------

    def _known(self, entry: ActorEntry) -> _Actor:
        actor = self.actors.get(entry.id)
        if actor is None:
            code_range = entry.range_at(self.when)
            code = code_range.code if code_range and code_range.code != NO_CODE else None
            country, sector = self.catalog.split_code(code)
            if country is None and sector is None:
                country = entry.country
            actor = _Actor(entry.id, entry.name, entry, code, code_range.role if code_range else None,
                           country, entry.sector or sector, person=entry.kind == "person")
            self.actors[entry.id] = actor
        return actor

    def _group(self, country_entry: ActorEntry, agent_code: str, text: str) -> _Actor:
        """"Russian forces": the curated RUSMIL if there is one, else a new group actor."""
        known = self.catalog.actors.entries.get(agent_code)
        if known is not None:
            return self._known(known)
        actor = self.actors.get(agent_code)
        if actor is None:
            country, sector = self.catalog.split_code(agent_code)
            actor = _Actor(agent_code, text, None, agent_code, None, country or country_entry.country, sector)
            self.actors[agent_code] = actor
        return actor

    def _unknown(self, prefix: str, name: str, person: bool) -> _Actor:
        actor_id = f"{prefix}:{_slug(name)}"
        actor = self.actors.get(actor_id)
        if actor is None:
            actor = _Actor(actor_id, name, person=person)
            self.actors[actor_id] = actor
        return actor

    # -- dictionary scan ----------------------------------------------------

    def _scan(self) -> None:
        for sent in self.doc.sents:
            tokens = [t.text for t in sent]
            i = 0
            while i < len(tokens):
                hit = self._best_hit(sent, tokens, i)
                if hit is None:
                    i += 1
                    continue
                self.hits.append(hit)
                if hit.actor.entry is not None and hit.end - hit.start > 1 and hit.actor.person \
                        and hit.how == "dictionary":
                    self.fully_named.add(hit.actor.id)
                    for token in self.doc[hit.start:hit.end]:
                        if token.pos_ == "PROPN":
                            self.name_parts.setdefault(normalize_token(token.text), set()).add(hit.actor.id)
                i = hit.end - sent.start

    def _best_hit(self, sent: Any, tokens: list[str], i: int) -> Optional[_Hit]:
        base = sent.start
        candidates: list[tuple[int, int, _Hit]] = []  # (length, priority, hit)

        described = self._description(tokens, i)
        if described:
            length, entry = described
            candidates.append((length, 3, _Hit(base + i, base + i + length, self._known(entry), "description")))

        match = self.catalog.actors.match(tokens, i, self.when)
        if match and self._plausible(sent, i, match.length, match.entry):
            hit = self._dictionary_hit(sent, i, match.length, match.entry)
            if hit is not None:
                candidates.append((match.length, 2, hit))
            if match.entry.kind == "country":
                group = self._agent_group(sent, tokens, i, match.length, match.entry)
                if group:
                    candidates.append((group.end - group.start, 1, group))

        part = self._name_part(sent, i)
        if part:
            candidates.append((1, 4, _Hit(base + i, base + i + 1, self._known(part), "short")))

        short = self._short_name(tokens, i)
        if short:
            length, entry = short
            # The article has already named this actor in full, so the short form is
            # theirs even where a dictionary knows another meaning (Austin, Texas).
            candidates.append((length, 4, _Hit(base + i, base + i + length, self._known(entry), "short")))

        if not candidates:
            return None
        return max(candidates, key=lambda c: (c[0], c[1]))[2]

    def _plausible(self, sent: Any, i: int, length: int, entry: ActorEntry) -> bool:
        """A one-word Phoenix phrase must be a proper noun (or an entity) in this text.

        Phoenix has entries such as POLICE or ZERO that a capital at the start of a
        sentence, or a shouted quote ("ZERO GRATITUDE"), would otherwise turn into actors.
        """
        if length > 1 or entry.kind is not None:
            return True
        token = sent[i]
        return (token.pos_ == "PROPN" or bool(token.ent_type_)) and not _shouted(token)

    def _dictionary_hit(self, sent: Any, i: int, length: int, entry: ActorEntry) -> Optional[_Hit]:
        start, end = sent.start + i, sent.start + i + length
        phrase = tuple(normalize_token(t.text) for t in sent[i:i + length])
        if phrase in self.catalog.metonyms and self._locative(start):
            place = self.catalog.actors.entries.get(entry.country or "")
            return _Hit(start, end, self._known(place), "place") if place else None
        how = "metonym" if phrase in self.catalog.metonyms else "dictionary"
        return _Hit(start, end, self._known(entry), how)

    def _locative(self, start: int) -> bool:
        j = start - 1
        if j >= 0 and self.doc[j].lower_ in DETERMINERS:
            j -= 1
        return j >= 0 and self.doc[j].lower_ in LOCATIVE

    def _agent_group(self, sent: Any, tokens: list[str], i: int, length: int,
                     country: ActorEntry) -> Optional[_Hit]:
        j = i + length
        if j < len(tokens) and tokens[j] in ("'s", "\u2019s"):
            j += 1
        agent = self.catalog.agents.match(tokens, j)
        if agent is None:
            return None
        last = sent[agent.end - 1]
        if last.pos_ == "ADJ" and last.head.i > last.i and \
                self.catalog.agents.lookup([last.head.text]) is None:
            return None  # "Russia's sovereign wealth fund": an adjective, not the agent
        code = agent.entry.apply(country.id)
        text = sent[i:agent.end].text
        return _Hit(sent.start + i, sent.start + agent.end, self._group(country, code, text), "agent")

    def _description(self, tokens: list[str], i: int) -> Optional[tuple[int, ActorEntry]]:
        index = self.catalog.description_index()
        found = index.longest(tokens, i)
        if found is None:
            return None
        length, phrase = found
        holders = {d.entry.id: d.entry for d in self.catalog.descriptions_at(phrase, self.when)}
        if len(holders) != 1:
            return None
        return length, next(iter(holders.values()))

    def _name_part(self, sent: Any, i: int) -> Optional[ActorEntry]:
        """"Vladimir" alone after "Vladimir Putin": one word of exactly one full name
        seen earlier, standing alone (not followed by another name word)."""
        token = sent[i]
        if token.pos_ != "PROPN" or (i + 1 < len(sent) and sent[i + 1].pos_ == "PROPN"):
            return None
        if i > 0 and sent[i - 1].pos_ == "PROPN":
            return None
        owners = self.name_parts.get(normalize_token(token.text), set())
        if len(owners) != 1:
            return None
        return self.catalog.actors.entries.get(next(iter(owners)))

    def _short_name(self, tokens: list[str], i: int) -> Optional[tuple[int, ActorEntry]]:
        found = self.catalog.short_index().longest(tokens, i)
        if found is None or not any(c.isupper() for c in tokens[i]):
            return None
        length, entry = found
        return (length, entry) if entry.id in self.fully_named else None

    # -- titles -------------------------------------------------------------

    def _title_before(self, start: int) -> Optional[tuple[int, str]]:
        """Capitalised words and title words right before a name: "Former U.S. President"."""
        sent_start = self.doc[start].sent.start
        j = start - 1
        while j >= sent_start:
            token = self.doc[j]
            lower = token.lower_
            if lower in DETERMINERS or (token.is_punct and token.text not in ("-", "'s")) \
                    or token.ent_type_ == "PERSON" or j in self.person_tokens:
                break
            if not (token.text[:1].isupper() or lower in TITLE_WORDS or lower in ("'s", "-", "\u2019s")):
                break
            j -= 1
        first = j + 1
        while first < start and self.doc[first].lower_ in ("'s", "-", "of", "and"):
            first += 1
        words = {t.lower_ for t in self.doc[first:start]}
        if first >= start or not words & TITLE_HEADS:
            return None
        span = self.doc[first:start]
        return first, span.text

    def _mark_titles(self) -> None:
        """Title words before a person are the person's title, not mentions of their own.

        Phoenix phrases often include the title ("RUSSIAN_PRESIDENT_VLADIMIR_PUTIN"), so
        a person hit is trimmed to the name; other hits inside a title are dropped (the
        "U.S. president" in "Former U.S. President Donald Trump" is not Biden in 2022).
        """
        person_starts = set()
        for hit in self.hits:
            if hit.actor.person and hit.how in ("dictionary", "short"):
                if hit.how == "dictionary":
                    hit.start = self._name_start(hit)
                person_starts.add(hit.start)
                self.person_tokens.update(range(hit.start, hit.end))
        for mention in self.article.mentions:
            if mention.label in PERSON_LABELS:
                span = self.doc.char_span(mention.start, mention.end, alignment_mode="expand")
                if span is not None:
                    person_starts.add(span.start)
                    self.person_tokens.update(range(span.start, span.end))
        for start in sorted(person_starts):
            title = self._title_before(start)
            if title:
                self.title_tokens.update(range(title[0], start))
        kept = []
        for hit in self.hits:
            inside = [k for k in range(hit.start, hit.end) if k in self.title_tokens]
            if inside and hit.actor.person and inside[-1] + 1 < hit.end:
                hit.start = inside[-1] + 1
            elif inside:
                continue
            kept.append(hit)
        self.hits = kept

    def _name_start(self, hit: _Hit) -> int:
        """First token of the name in a person hit that starts with title words."""
        k = hit.start
        while k < hit.end - 1:
            token = self.doc[k]
            if token.lower_ in TITLE_WORDS or token.lower_ in ("'s", "\u2019s", "-") \
                    or (normalize_token(token.text),) in self.catalog.adjectives:
                k += 1
            else:
                break
        return k

    # -- linking mentions ---------------------------------------------------

    def _link_mentions(self) -> None:
        hits_by_token: dict[int, _Hit] = {}
        for hit in self.hits:
            for k in range(hit.start, hit.end):
                hits_by_token[k] = hit
        covered: set[int] = set()  # ids of hits a spaCy mention fully covers
        for mention in self.article.mentions:
            span = self.doc.char_span(mention.start, mention.end, alignment_mode="expand")
            if span is None:
                continue
            overlapping = {id(hits_by_token[k]): hits_by_token[k] for k in range(span.start, span.end)
                           if k in hits_by_token}
            if overlapping:
                hit = max(overlapping.values(), key=lambda h: min(h.end, span.end) - max(h.start, span.start))
                for other in overlapping.values():
                    if span.start <= other.start and other.end <= span.end:
                        covered.add(id(other))
                inside = hit.start <= span.start and span.end <= hit.end and hit.end - hit.start > len(span)
                # A place or nationality inside a longer hit names only the country
                # ("Russian" in "Russian forces"); a name inside it names the same actor.
                if not inside or (mention.label in NAMED_UNKNOWN and
                                  hit.actor.person == (mention.label in PERSON_LABELS)):
                    self._assign(mention, hit.actor, mention.start, mention.end)
                elif mention.label in PERSON_LABELS:  # "Trump" in "Trump administration"
                    own = self.catalog.actors.lookup([t.text for t in span])
                    if own is not None:
                        self._assign(mention, self._known(own), mention.start, mention.end)
                continue
            if set(range(span.start, span.end)) & self.title_tokens:
                continue
            unknown = self._resolve_unknown(mention, span)
            if unknown is not None:
                self._assign(mention, unknown, mention.start, mention.end)
        added: list[Mention] = []
        for hit in self.hits:
            if id(hit) in covered:
                continue
            span = self.doc[hit.start:hit.end]
            mention = Mention(start=span.start_char, end=span.end_char, text=span.text, label="ACTOR",
                              sentence=self._sentence_of(span.start_char))
            self._assign(mention, hit.actor, mention.start, mention.end)
            added.append(mention)
        if added:
            self.article.mentions = sorted([*self.article.mentions, *added], key=lambda m: (m.start, -m.end))

    def _assign(self, mention: Mention, actor: _Actor, start: int, end: int) -> None:
        mention.actor_id = actor.id
        if mention.label in PERSON_LABELS and actor.entry is None:
            actor.person = True
        actor.spans.append((start, end))
        if actor.person and actor.title is None:
            span = self.doc.char_span(start, end, alignment_mode="expand")
            title = self._title_before(span.start) if span is not None else None
            if title:
                actor.title = title[1]

    def _sentence_of(self, char: int) -> int:
        return max(0, bisect_right(self.sentence_starts, char) - 1)

    def _resolve_unknown(self, mention: Mention, span: Any) -> Optional[_Actor]:
        prefix = NAMED_UNKNOWN.get(mention.label)
        if prefix is None:
            return None
        name = _clean_name(span)
        if not name or all(_shouted(t) for t in span):
            return None
        if prefix == "PER":
            return self._same_person(name) or self._variant(name) or self._unknown(prefix, name, True)
        return self._unknown(prefix, name, False)

    def _same_person(self, name: str) -> Optional[_Actor]:
        """A one-word name after a fuller name of exactly one person in the article."""
        words = _fold(name).split()
        if len(words) != 1:
            return None
        matches = {a.id: a for a in self.actors.values()
                   if a.person and len(_fold(a.name).split()) > 1 and _fold(a.name).split()[-1] == words[0]}
        return next(iter(matches.values())) if len(matches) == 1 else None

    def _variant(self, name: str) -> Optional[_Actor]:
        """A spelling variant of a curated person's name (or of a person in this article).

        Same first letter, and at most one edit (two for names of nine letters or
        more); refused when two different actors are within reach.
        """
        folded = _fold(name)
        limit = 1 if len(folded) < 9 else 2
        candidates: dict[str, tuple[int, Any]] = {}
        pool = [(n, e) for n, e in self.catalog.person_names() if n[:1] == folded[:1]]
        pool += [(_fold(a.name), a) for a in self.actors.values() if a.person and a.entry is None]
        for known, who in pool:
            if abs(len(known) - len(folded)) > limit or known == folded:
                continue
            distance = Levenshtein.distance(known, folded, score_cutoff=limit)
            if distance <= limit:
                key = who.id
                if key not in candidates or distance < candidates[key][0]:
                    candidates[key] = (distance, who)
        if len(candidates) != 1:
            return None
        who = next(iter(candidates.values()))[1]
        return self._known(who) if isinstance(who, ActorEntry) else who

    # -- pronouns and bare offices -----------------------------------------

    def _resolve_pronouns(self) -> None:
        # Unknown one-word "persons" are often spaCy mistakes (a company, a town), so
        # only known people and unknown full names can be referred back to.
        spans = sorted((start, end, actor) for actor in self.actors.values()
                       if actor.person and (actor.entry is not None or len(actor.name.split()) > 1)
                       for start, end in actor.spans)
        if not spans:
            return
        for token in self.doc:
            gender = PRONOUNS.get(token.lower_) if token.pos_ == "PRON" else None
            if gender:
                self._link_reference(token.idx, token.idx + len(token.text), spans,
                                     lambda a, g=gender: self.catalog.gender.get(a.id, g) == g)
            elif token.lower_ in DETERMINERS and token.i + 1 < len(self.doc):
                self._bare_office(token, spans)

    def _bare_office(self, determiner: Any, spans: list) -> None:
        """"the president" -> the one recent person whose office at the date is president."""
        nxt = self.doc[determiner.i + 1]
        if nxt.ent_type_ or any(s == nxt.idx for s, _, _ in spans):
            return
        for length in (3, 2, 1):
            words = self.doc[determiner.i + 1:determiner.i + 1 + length]
            if len(words) < length or any(t.ent_type_ for t in words):
                continue
            phrase = tuple(normalize_token(t.text) for t in words)
            if self._link_reference(words.start_char, words.end_char, spans,
                                    lambda a, p=phrase: self._holds(a, p)):
                return

    def _holds(self, actor: _Actor, office: tuple[str, ...]) -> bool:
        if actor.entry is None:
            return False
        return office in self.catalog.offices_of(actor.entry, actor.entry.range_at(self.when))

    def _link_reference(self, start: int, end: int, spans: list, compatible) -> bool:
        """Link [start, end) to the single compatible person before it in this sentence,
        else in the previous sentence; nothing when there are several."""
        sentence = self._sentence_of(start)
        for target in (sentence, sentence - 1):
            if target < 0:
                break
            found = {actor.id: actor for s, e, actor in spans
                     if e <= start and self._sentence_of(s) == target and compatible(actor)}
            if len(found) == 1:
                actor = next(iter(found.values()))
                actor.spans.append((start, end))
                spans.append((start, end, actor))  # later pronouns may refer back to it
                return True
            if found:
                return False
        return False

    # -- output -------------------------------------------------------------

    def run(self) -> Article:
        self._scan()
        self._mark_titles()
        self._link_mentions()
        self._resolve_pronouns()
        text = self.article.text
        ordered = sorted((a for a in self.actors.values() if a.spans), key=lambda a: min(a.spans))
        self.article.actors = [
            ArticleActor(id=a.id, name=a.name, country=a.country, sector=a.sector, code=a.code, role=a.role,
                         title_in_text=a.title,
                         mentions=[Span(start=s, end=e, text=text[s:e]) for s, e in sorted(set(a.spans))])
            for a in ordered
        ]
        return self.article


def _shouted(token: Any) -> bool:
    """An all-capitals word next to another one: a shouted quote ("ZERO GRATITUDE") or a
    headline, not an acronym."""
    if not (token.is_upper and token.is_alpha and len(token) > 1):
        return False
    doc = token.doc
    neighbours = [doc[k] for k in (token.i - 1, token.i + 1) if 0 <= k < len(doc)]
    return any(n.is_upper and n.is_alpha and len(n) > 1 for n in neighbours)


def _clean_name(span: Any) -> str:
    """The name in a PERSON/ORG span, without a leading article or trailing possessive."""
    tokens = list(span)
    while tokens and (tokens[0].lower_ in DETERMINERS or tokens[0].is_punct):
        tokens = tokens[1:]
    while tokens and (tokens[-1].text in ("'s", "\u2019s", "'") or tokens[-1].is_punct):
        tokens = tokens[:-1]
    if not tokens:
        return ""
    return span.doc[tokens[0].i:tokens[-1].i + 1].text


# --------------------------------------------------------------------------- public API


def article_date(article: Article, ctx: Optional[Context] = None) -> Optional[date]:
    """The date roles are read at: publication (or inferred) date, else the configured
    ``reference_date``, else None (today)."""
    found = article.reference_date()
    if found is None and ctx is not None and ctx.settings.reference_date:
        found = date.fromisoformat(ctx.settings.reference_date[:10])
    return found


def catalog_for(ctx: Context) -> ActorCatalog:
    """The worker's actor catalog (Phoenix + curated + ``settings.actor_dictionaries``)."""
    return ctx.resource(CATALOG_RESOURCE, lambda: load_catalog(ctx.settings.actor_dictionaries))


def resolve_article(article: Article, catalog: ActorCatalog, when: Optional[date] = None) -> Article:
    """Link a parsed article's mentions (``when`` defaults to the article's date)."""
    return ArticleResolver(article, catalog, when or article.reference_date()).run()


@stage(requires=("article.doc", "article.mentions"), assigns=("article.actors",), english_only=True)
def link_actors(article: Article, ctx: Context) -> Article:
    """Resolve entity mentions to actors with their CAMEO code and role at the article date."""
    return ArticleResolver(article, catalog_for(ctx), article_date(article, ctx)).run()


def actor_spans(article: Article) -> list[tuple[int, int, str]]:
    """Every linked span (names, descriptions, pronouns) as (start, end, actor_id), in order."""
    return sorted((m.start, m.end, actor.id) for actor in article.actors for m in actor.mentions)


def term_dates(catalog: ActorCatalog, actor_id: str, role_keyword: Optional[str] = None,
               ordinal: Optional[int] = None) -> Optional[tuple[Optional[date], Optional[date]]]:
    """``term_dates(cat, "USA.TRUMP", "president", 2)`` -> (2025-01-20, None); see
    ``ActorCatalog.term_dates``."""
    return catalog.term_dates(actor_id, role_keyword, ordinal)
