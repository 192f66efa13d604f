"""Resolve entity mentions to actors with their role at the article's date.

For each sentence, left to right, the resolver finds the longest of:

* a dictionary phrase (curated names first, then Phoenix): "Vladimir Putin", "Kremlin";
* an office description whose holder at the article date is unique: "the Russian
  president" -> Putin in 2025, "the U.S. president" -> Biden in 2022;
* a nationality or country followed by an agent noun: "Russian forces" -> RUSMIL,
  "Ukraine's army" -> UKRMIL;
* a curated short name ("Austin", "Costa") after a full mention of that actor.

Place names that stand for a government ("Moscow said") are metonyms; used as places
("strikes on Kyiv", "drones hit Kyiv", a "KYIV -" dateline) they name the country. Words in front of a
person's name that form a title ("Former U.S. President") are kept as
``title_in_text`` and are not linked on their own.

spaCy's mentions are then linked to the hit they overlap (the dictionary wins where
spaCy mislabels, e.g. "Trump" as ORG); hits spaCy missed become new ``ACTOR`` mentions.
Unmatched PERSON/ORG mentions become actors with ids derived from the name
(``PER:john-smith``), after two guarded merges: a surname after a full name in the
article ("Smith" after "John Smith"), and a spelling variant of a curated person
(six letters or more, same first letter, at most one or two edits, never when two
actors are that close).
Finally "he"/"she"/"his"/"her" and bare offices ("the president") refer back to a
person of the same sentence, else of the previous one, only when exactly one person
there is compatible (gender from the curated file, or for unknown people from the
first pronoun the article used for them; office held at the article date).

Running the resolver again on the same article gives the same result: the ``ACTOR``
mentions it added before are replaced, not duplicated.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, Callable, Optional

from rapidfuzz.distance import Levenshtein

from ..errors import ConfigError, StageError
from ..models import Article, ArticleActor, Mention, Span
from ..nlp import ENTITY_LABELS
from ..stage import Context, stage
from .curated import ActorCatalog, load_catalog
from .dictionary import NO_CODE, ActorEntry, normalize_token

CATALOG_RESOURCE = "actors"
NAMED_PERIOD_RESOURCE = "named_period_resolver"  # read by sitroom.extract.times
PERSON_LABELS = frozenset({"PERSON"})
NAMED_UNKNOWN = {"PERSON": "PER", "ORG": "ORG"}  # unmatched entities that still become actors
# Things named after the city where they were made or held ("the Minsk agreements").
NAMED_AFTER_PLACES = frozenset({"agreement", "accord", "deal", "talk", "talks", "format", "process", "protocol",
                                "memorandum", "declaration", "communique", "summit", "formula", "framework"})
LOCATIVE = frozenset({"in", "into", "to", "from", "near", "outside", "around", "across", "over",
                      "at", "on", "toward", "towards", "via", "through", "inside", "within", "beyond"})
ATTACK_VERBS = frozenset({"hit", "strike", "attack", "shell", "bomb", "pound", "shake", "rock", "target",
                          "bombard", "raid", "besiege", "encircle", "storm", "capture", "seize", "reach"})
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
    justice home policy
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
        self.fully_named: set[str] = set()  # actor ids already named in full ("Lloyd Austin")
        self.name_parts: dict[str, set[str]] = {}  # "VLADIMIR" -> {"RUS.PUTIN"} once seen in full
        self.title_tokens: set[int] = set()
        self.person_tokens: set[int] = set()  # a title never reaches back into another name
        self.hit_tokens: set[int] = set()  # tokens of dictionary hits, once the hits are final
        self.titles: dict[int, str] = {}  # first token of a person's name -> the title before it
        self.genders: dict[str, str] = {}  # unknown people: the gender of the first pronoun linked
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
                if hit.actor.entry is not None and hit.end - hit.start > 1 and hit.how == "dictionary":
                    self.fully_named.add(hit.actor.id)
                    if hit.actor.person:
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
        """A one-word Phoenix phrase must be a proper noun (or a named entity) here.

        Phoenix has entries such as ZERO that a capital at the start of a sentence, or
        a shouted quote ("ZERO GRATITUDE"), would otherwise turn into actors. Curated
        names are trusted: spaCy often tags a sentence-initial "Trump" as a noun.
        """
        if length > 1 or entry.kind is not None:
            return True
        token = sent[i]
        return (token.pos_ == "PROPN" or token.ent_type_ in ENTITY_LABELS) and not _shouted(token)

    def _dictionary_hit(self, sent: Any, i: int, length: int, entry: ActorEntry) -> Optional[_Hit]:
        start, end = sent.start + i, sent.start + i + length
        phrase = tuple(normalize_token(t.text) for t in sent[i:i + length])
        place_name = phrase in self.catalog.metonyms or (entry.country is not None and entry.id == entry.country)
        if place_name and self._names_a_thing(start, end):
            return None
        if phrase in self.catalog.metonyms and self._as_place(start, end):
            place = self.catalog.actors.entries.get(entry.country or "")
            return _Hit(start, end, self._known(place), "place") if place else None
        how = "metonym" if phrase in self.catalog.metonyms else "dictionary"
        return _Hit(start, end, self._known(entry), how)

    def _names_a_thing(self, start: int, end: int) -> bool:
        """Is this place name (a country, or a capital Phoenix lists under its country)
        part of the name of an agreement, talks or a format ("the Minsk agreements", "the
        Istanbul talks", "the Washington summit")? Then it names neither a government nor
        a place where something happens: no actor."""
        last = self.doc[end - 1]
        return (last.dep_ in ("compound", "nmod", "amod") and last.head.i > last.i
                and last.head.lemma_.lower() in NAMED_AFTER_PLACES)

    def _as_place(self, start: int, end: int) -> bool:
        """Is this capital used as a place rather than for its government?

        Places: after a locative preposition ("in Kyiv", "strikes on Moscow"), as the
        object of an attack ("drones hit Kyiv"), or in capitals (a dateline: "KYIV -").
        """
        j = start - 1
        if j >= 0 and self.doc[j].lower_ in DETERMINERS:
            j -= 1
        if j >= 0 and (self.doc[j].lower_ in LOCATIVE or self.doc[j].lemma_.lower() in ATTACK_VERBS):
            return True
        head = self.doc[end - 1]
        if head.dep_ == "dobj" and head.head.lemma_.lower() in ATTACK_VERBS:
            return True
        return all(t.is_upper for t in self.doc[start:end])

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

    def _title_before(self, start: int) -> Optional[int]:
        """First token of the title right before a name ("Former U.S. President"):
        capitalised words and title words, containing at least one title head."""
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
        return first

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
        descriptive = {hit.end: hit for hit in self.hits if hit.how in ("description", "agent")}
        for start in sorted(person_starts):
            title = self._title_before(start)
            first = start if title is None else title
            # A description right before the name is part of its title, even where the
            # word-by-word walk stopped ("EU foreign policy chief Kaja Kallas").
            while first in descriptive and descriptive[first].start < first:
                first = descriptive[first].start
            if first < start:
                self.title_tokens.update(range(first, start))
                self.titles[start] = self.doc[first:start].text
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
            place = self.catalog.actors.lookup([t.text for t in span])
            if place is not None and place.id == place.country and self._names_a_thing(span.start, span.end):
                continue  # "the Minsk agreements" tagged ORG: the dictionary knows it is a place
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
            if span is not None:
                actor.title = self.titles.get(span.start)

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
        # spaCy sometimes tags a surname as ORG ("Marchuk said ...").
        return self._same_person(name) or self._unknown(prefix, name, False)

    def _same_person(self, name: str) -> Optional[_Actor]:
        """A one-word name after a fuller name of exactly one person in the article."""
        words = _fold(name).split()
        if len(words) != 1:
            return None
        matches = {a.id: a for a in self.actors.values()
                   if a.person and len(_fold(a.name).split()) > 1 and _fold(a.name).split()[-1] == words[0]}
        return next(iter(matches.values())) if len(matches) == 1 else None

    def _variant(self, name: str) -> Optional[_Actor]:
        """A spelling variant of a curated person's name ("Zelenskyi", "Peskow").

        Only names of six letters or more, with the same first letter, at most one edit
        away (two for names of nine letters or more), and refused when two different
        actors are within reach. Unknown people of the same article are never merged
        this way: "Joan Smith" and "John Smith" are two people.
        """
        folded = _fold(name)
        if len(folded.replace(" ", "")) < 6:
            return None
        limit = 1 if len(folded) < 9 else 2
        candidates: dict[str, ActorEntry] = {}
        for known, entry in self.catalog.person_names():
            if known[:1] != folded[:1] or abs(len(known) - len(folded)) > limit:
                continue
            if Levenshtein.distance(known, folded, score_cutoff=limit) <= limit:
                candidates[entry.id] = entry
        if len(candidates) != 1:
            return None
        return self._known(next(iter(candidates.values())))

    # -- pronouns and bare offices -----------------------------------------

    def _resolve_pronouns(self) -> None:
        by_sentence: dict[int, list[tuple[int, int, _Actor]]] = {}
        for actor in self.actors.values():
            if actor.person:
                for start, end in actor.spans:
                    by_sentence.setdefault(self._sentence_of(start), []).append((start, end, actor))
        if not by_sentence:
            return
        self.hit_tokens = {k for hit in self.hits for k in range(hit.start, hit.end)}
        for token in self.doc:
            gender = PRONOUNS.get(token.lower_) if token.pos_ == "PRON" else None
            if gender:
                linked = self._link_reference(token.idx, token.idx + len(token.text), by_sentence,
                                              lambda a, g=gender: self._agrees(a, g))
                if linked is not None:
                    self.genders.setdefault(linked.id, gender)
            elif token.lower_ in DETERMINERS and token.i + 1 < len(self.doc):
                self._bare_office(token, by_sentence)

    def _agrees(self, actor: _Actor, gender: str) -> bool:
        """Can "he"/"she" refer to ``actor``? The curated gender, else the one the article
        used first for this person ("Oleh Syniehubov ... he said" rules out a later "her")."""
        known = self.catalog.gender.get(actor.id) or self.genders.get(actor.id)
        return known is None or known == gender

    def _bare_office(self, determiner: Any, by_sentence: dict) -> None:
        """"the president" -> the one recent person whose office at the date is president."""
        nxt = self.doc[determiner.i + 1]
        if nxt.ent_type_ or nxt.i in self.hit_tokens:
            return
        for length in (3, 2, 1):
            words = self.doc[determiner.i + 1:determiner.i + 1 + length]
            if len(words) < length or any(t.ent_type_ for t in words):
                continue
            phrase = tuple(normalize_token(t.text) for t in words)
            if self._link_reference(words.start_char, words.end_char, by_sentence,
                                    lambda a, p=phrase: self._holds(a, p)) is not None:
                return

    def _holds(self, actor: _Actor, office: tuple[str, ...]) -> bool:
        if actor.entry is None:
            return False
        return office in self.catalog.offices_of(actor.entry, actor.entry.range_at(self.when))

    def _link_reference(self, start: int, end: int, by_sentence: dict[int, list[tuple[int, int, _Actor]]],
                        compatible: Callable[[_Actor], bool]) -> Optional[_Actor]:
        """Link [start, end) to the single compatible person before it in this sentence,
        else in the previous sentence; nothing when there are several.

        Unknown one-word "persons" are often spaCy mistakes (a company, a town) or bare
        first names: they count as candidates, so they make a reference ambiguous, but
        nothing is linked to them.
        """
        sentence = self._sentence_of(start)
        for target in (sentence, sentence - 1):
            found = {actor.id: actor for s, e, actor in by_sentence.get(target, ())
                     if e <= start and compatible(actor)}
            if len(found) == 1:
                actor = next(iter(found.values()))
                if actor.entry is None and len(actor.name.split()) < 2:
                    return None
                actor.spans.append((start, end))
                by_sentence.setdefault(sentence, []).append((start, end, actor))  # later pronouns refer back
                return actor
            if found:
                return None
        return None

    # -- output -------------------------------------------------------------

    def run(self) -> Article:
        self.article.mentions = [m for m in self.article.mentions if m.label != "ACTOR"]
        for mention in self.article.mentions:
            mention.actor_id = None
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
        try:
            found = date.fromisoformat(ctx.settings.reference_date[:10])
        except ValueError as exc:
            raise ConfigError(f"reference_date {ctx.settings.reference_date!r} is not YYYY-MM-DD") from exc
    return found


@lru_cache(maxsize=1)
def default_catalog() -> ActorCatalog:
    """The catalog without user dictionaries, loaded once per process (for callers
    outside a stage, e.g. resolving "Trump's second term")."""
    return load_catalog()


def catalog_for(ctx: Context) -> ActorCatalog:
    """The worker's actor catalog (Phoenix + curated + ``settings.actor_dictionaries``)."""
    return ctx.resource(CATALOG_RESOURCE, lambda: load_catalog(ctx.settings.actor_dictionaries))


def resolve_article(article: Article, catalog: ActorCatalog, when: Optional[date] = None) -> Article:
    """Link a parsed article's mentions (``when`` defaults to the article's date)."""
    return ArticleResolver(article, catalog, when or article.reference_date()).run()


@stage(requires=("article.doc", "article.mentions"), assigns=("article.actors",), english_only=True)
def link_actors(article: Article, ctx: Context) -> Article:
    """Resolve entity mentions to actors with their CAMEO code and role at the article date.

    Also installs the ``named_period_resolver`` the time tagger uses for phrases such as
    "Trump's second term" (unless one is installed already).
    """
    catalog = catalog_for(ctx)
    ctx.resource(NAMED_PERIOD_RESOURCE, lambda: named_period_resolver(catalog))
    return ArticleResolver(article, catalog, article_date(article, ctx)).run()


def actor_spans(article: Article) -> list[tuple[int, int, str]]:
    """Every linked span (names, descriptions, pronouns) as (start, end, actor_id), in order."""
    return sorted((m.start, m.end, actor.id) for actor in article.actors for m in actor.mentions)


def term_dates(actor_id: str, role_keyword: Optional[str] = None, ordinal: Optional[int] = None,
               catalog: Optional[ActorCatalog] = None) -> Optional[tuple[Optional[date], Optional[date]]]:
    """Start and end (exclusive, None while in office) of an actor's n-th term.

    ``term_dates("USA.TRUMP", "president", 2)`` -> (2025-01-20, None): "Trump's second
    term". See ``ActorCatalog.term_dates``; ``catalog`` defaults to ``default_catalog()``.
    """
    return (catalog or default_catalog()).term_dates(actor_id, role_keyword, ordinal)


_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1, "final": -1}
_PERIOD_ROLES = {"presidency": "president", "premiership": "prime minister", "chancellorship": "chancellor"}
_NAMED_PERIOD = re.compile(
    r"^(?P<name>.+?)['\u2019]s\s+(?:(?P<ord>first|second|third|fourth|last|final)\s+)?"
    r"(?P<kind>term|presidency|administration|tenure|premiership|chancellorship|time\s+in\s+office)$",
    re.IGNORECASE)


def named_period_resolver(catalog: ActorCatalog) -> Callable[[str], Optional[tuple[date, date]]]:
    """A function for the time tagger: "Trump's second term" -> (2025-01-20, today).

    "presidency", "premiership" and "chancellorship" pick those offices; "term",
    "tenure", "administration" and "time in office" the office the person holds now
    (or held last). A term still running ends today.
    """

    def resolve(text: str) -> Optional[tuple[date, date]]:
        m = _NAMED_PERIOD.match(" ".join(text.split()))
        if not m:
            return None
        tokens = tuple(normalize_token(w) for w in m["name"].split())
        entry = catalog.actors.lookup(tokens) or catalog.short_names.get(tokens)
        if entry is None or entry.kind != "person":
            return None
        keyword = _PERIOD_ROLES.get(m["kind"].lower())
        if keyword is None:
            today = date.today()
            held = [r for r in entry.codes if r.role and r.start and r.start <= today]
            if not held:
                return None
            keyword = max(held, key=lambda r: r.start).role
        ordinal = _ORDINALS[m["ord"].lower()] if m["ord"] else None
        span = catalog.term_dates(entry.id, keyword, ordinal)
        if span is None or span[0] is None:
            return None
        return span[0], span[1] or date.today()

    return resolve
