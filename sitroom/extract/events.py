"""Event coding: PLOVER events, with a CAMEO code, from the spaCy dependency parse.

How a sentence is coded (``code_sentence``):

1. Every verb (spaCy tag ``VB*``; auxiliaries excluded) is looked up in the verb
   dictionary (``sitroom/data/verbs/*.yaml``): first by its written form (so a block such
   as PETRARCH's ``LEFT [032:033]`` wins over the lemma ``leave``), then by lemma; a
   multi-word verb ("break down", "wire tap") must have its other words next to it.
2. The block's patterns (PETRARCH syntax, ``- INDICATED WOULD * NOW [1010]``) are tried
   on the words around the verb; the most specific matching pattern gives the CAMEO
   code, else the verb's own code, else the block's. ``---`` means "no event".
3. Source = the subject (the ``by``-agent of a passive; the controller of an infinitive
   or a conjoined verb), target = the first actor to the right of the verb outside
   subordinate clauses (direct object, prepositional objects, also inside the object),
   or the subject of the clausal complement of a verb of saying/believing. Conjoined
   actors give one event per source x target (compound actors); a reciprocal code
   ``a:b`` adds the reverse event.
4. An infinitival complement of a coded verb ("urged Eriador to respond") belongs to
   that verb's event and is not coded again; the complement clause of a verb of saying
   is coded on its own and the saying verb only when that clause gave nothing.
5. Modality (``modality.py``) and PLOVER's auxiliary-mode folding: a planned or offered
   co-operative act is AGREE, a planned or conditional conflictual act is THREATEN, a
   conditional verbal reaction ("Russia would oppose this") is no event.

Actors come from an ``ActorLookup``: the article's linked actors in the pipeline, or
actor/agent dictionaries matched directly in the sentence (benchmarks).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date as Date
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Optional, Protocol, Sequence, Union

import yaml

from ..config import package_data
from ..errors import ConfigError
from ..models import Article, Event, EventActor, Span, record_id
from ..stage import Context, stage
from . import modality as modality_rules

NULL_CODE = "---"
VERB_FILES = ("cameo_verbs.yaml", "sitroom_verbs.yaml")  # later files override earlier ones
CAMEO2PLOVER_FILE = "cameo2plover.yaml"

# ============================================================================ verb dictionary


@dataclass(frozen=True)
class PatternElement:
    """One element of a verb pattern.

    kind: ``word`` (a word, matched on its form or lemma), ``synset`` (any phrase of a
    named synonym set), ``verb`` (the ``*``), ``source`` (``$``), ``target`` (``+``),
    ``compound`` (``%``: a conjoined actor) or ``skip`` (``^``: a noun phrase, no-op here).
    ``tight``: must directly follow the previous element (PETRARCH's ``_``).
    """

    kind: str
    value: str = ""
    tight: bool = False


@dataclass(frozen=True)
class VerbPattern:
    id: str
    text: str
    code: str
    before: tuple[PatternElement, ...]  # elements left of the verb, in sentence order
    after: tuple[PatternElement, ...]

    @property
    def specificity(self) -> int:
        return sum(1 for e in self.before + self.after if e.kind != "skip")


@dataclass(frozen=True)
class VerbForm:
    """A verb of a block: the head word plus words that must stand right before/after it."""

    head: str  # lower-case base form
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    code: Optional[str] = None  # own code, else the block's
    inflections: tuple[str, ...] = ()  # irregular written forms of the head (lower-case)


@dataclass
class VerbBlock:
    name: str
    code: str
    forms: list[VerbForm] = field(default_factory=list)
    patterns: list[VerbPattern] = field(default_factory=list)


_TOKEN_SPLIT = re.compile(r"\s+")


def _clean_comment(line: str) -> str:
    return re.sub(r"<!--.*?-->", " ", line.split("#", 1)[0]).strip()


def parse_pattern(text: str, code: str, pattern_id: str) -> Optional[VerbPattern]:
    """PETRARCH pattern text (``INDICATED WOULD * NOW``) -> VerbPattern; None if unusable.

    ``(...)`` and ``{...}`` (PETRARCH2's prepositional/noun-phrase grouping) only group
    words here: their words are matched in order like any others.
    """
    body = text.replace("(", " ").replace(")", " ").replace("{", " ").replace("}", " ")
    elements: list[PatternElement] = []
    tight_next = False
    for chunk in _TOKEN_SPLIT.split(body.strip()):
        if not chunk:
            continue
        parts = chunk.split("_")
        for index, part in enumerate(parts):
            if not part:  # a trailing or doubled "_": the next element is tight
                tight_next = True
                continue
            tight = tight_next or index > 0 and parts[index - 1] != ""
            tight_next = False
            if part == "*":
                elements.append(PatternElement("verb", tight=tight))
            elif part == "$":
                elements.append(PatternElement("source", tight=tight))
            elif part == "+":
                elements.append(PatternElement("target", tight=tight))
            elif part == "%":
                elements.append(PatternElement("compound", tight=tight))
            elif part == "^":
                elements.append(PatternElement("skip", tight=tight))
            elif part.startswith("&"):
                elements.append(PatternElement("synset", part[1:].upper(), tight=tight))
            else:
                elements.append(PatternElement("word", part.upper(), tight=tight))
    stars = [i for i, e in enumerate(elements) if e.kind == "verb"]
    if len(stars) != 1:
        return None
    star = stars[0]
    return VerbPattern(pattern_id, text.strip(), code, tuple(elements[:star]), tuple(elements[star + 1:]))


def _parse_code(text: str) -> str:
    """``[032:033]`` -> ``032:033`` (a reciprocal code is kept); empty -> ``---``."""
    parts = [p.strip() for p in text.strip().split(":") if p.strip()]
    return ":".join(parts) if parts else NULL_CODE


def _verb_form(spec: str, code: Optional[str], inflections: Iterable[str]) -> Optional[VerbForm]:
    """``+BREAK_DOWN`` / ``WIRE_+TAP`` / ``ABANDON`` -> VerbForm (the ``+`` word is the head)."""
    words = [w for w in spec.replace("_", " ").split() if w]
    if not words:
        return None
    head_index = next((i for i, w in enumerate(words) if w.startswith("+")), 0)
    clean = [w.lstrip("+").lower() for w in words]
    inflected = set()
    for inflection in inflections:
        parts = inflection.replace("_", " ").split()
        if len(parts) > head_index:
            inflected.add(parts[head_index].lstrip("+").lower())
    inflected.discard(clean[head_index])
    return VerbForm(clean[head_index], tuple(clean[:head_index]), tuple(clean[head_index + 1:]), code,
                    tuple(sorted(inflected)))


def _synset_phrases(members: list[str], synsets: dict[str, list[tuple[str, ...]]], plural: bool) -> list[tuple[str, ...]]:
    phrases: list[tuple[str, ...]] = []
    for member in members:
        if member.startswith("&"):
            phrases.extend(synsets.get(member[1:].rstrip("_").upper(), []))
            continue
        words = tuple(w.upper() for w in member.replace("_", " ").split())
        if words:
            phrases.append(words)
            if plural and not member.endswith("_"):
                phrases.append(words[:-1] + (_plural(words[-1]),))
    return phrases


def _plural(word: str) -> str:
    if word.endswith("Y") and len(word) > 1 and word[-2] not in "AEIOU":
        return word[:-1] + "IES"
    if word.endswith(("S", "SH", "CH", "X")):
        return word + "ES"
    return word + "S"


class VerbDictionary:
    """Verb blocks and synsets, indexed by the verbs' written forms and base forms."""

    def __init__(self) -> None:
        self.blocks: list[VerbBlock] = []
        self.synsets: dict[str, list[tuple[str, ...]]] = {}
        self._by_base: dict[str, list[tuple[VerbForm, VerbBlock]]] = {}
        self._by_inflection: dict[str, list[tuple[VerbForm, VerbBlock]]] = {}

    def add_block(self, block: VerbBlock) -> None:
        """Add a block; its verbs take precedence over the same verbs in earlier blocks."""
        self.blocks.append(block)
        for form in block.forms:
            self._by_base.setdefault(form.head, []).insert(0, (form, block))
            for written in form.inflections:
                self._by_inflection.setdefault(written, []).insert(0, (form, block))

    def candidates(self, written: str, lemma: str) -> list[tuple[VerbForm, VerbBlock]]:
        """Entries for a verb token: written-form entries first, then base-form ones."""
        written, lemma = written.lower(), lemma.lower()
        found = list(self._by_inflection.get(written, []))
        if written != lemma:
            found += self._by_base.get(written, [])
        found += self._by_base.get(lemma, [])
        return found

    def __len__(self) -> int:
        return len(self.blocks)

    # ------------------------------------------------------------------ PETRARCH text format

    @classmethod
    def from_petrarch(cls, path: Union[str, Path]) -> "VerbDictionary":
        """Read a PETRARCH ``.verbs`` file (e.g. CAMEO.2.0.txt, PETR.Validate.verbs.txt)."""
        return cls.from_data(petrarch_verbs_to_data(Path(path).read_text(encoding="utf-8", errors="replace"),
                                                    Path(path).name))

    # ------------------------------------------------------------------ YAML data

    @classmethod
    def from_data(cls, *datas: dict) -> "VerbDictionary":
        dictionary = cls()
        for data in datas:
            dictionary._add_data(data)
        return dictionary

    def _add_data(self, data: dict) -> None:
        raw_synsets: dict[str, list[str]] = data.get("synsets") or {}
        for name, members in raw_synsets.items():
            plural = not name.endswith("_")
            self.synsets[name.rstrip("_").upper()] = _synset_phrases([str(m) for m in members], self.synsets, plural)
        for number, raw in enumerate(data.get("blocks") or []):
            name = str(raw.get("name", f"block{number}"))
            block = VerbBlock(name, str(raw.get("code") or NULL_CODE))
            for verb in raw.get("verbs") or []:
                form = VerbForm(str(verb["head"]).lower(), tuple(verb.get("before") or ()),
                                tuple(verb.get("after") or ()),
                                str(verb["code"]) if verb.get("code") else None,
                                tuple(str(w).lower() for w in verb.get("inflections") or ()))
                block.forms.append(form)
            for pattern_number, pattern in enumerate(raw.get("patterns") or []):
                pattern_id = str(pattern.get("id") or f"{name.lower()}.{pattern_number + 1}")
                parsed = parse_pattern(str(pattern["pattern"]), str(pattern["code"]), pattern_id)
                if parsed is None:
                    raise ConfigError(f"pattern {pattern_id!r} needs exactly one '*': {pattern['pattern']!r}")
                block.patterns.append(parsed)
            self.add_block(block)


def petrarch_verbs_to_data(text: str, source: str = "") -> dict:
    """PETRARCH verb dictionary text -> the YAML data structure (``synsets``, ``blocks``).

    Block:   ``--- NAME [CODE] ---``; verbs: ``WORD {IRREGULAR FORMS} [CODE]`` (``+`` marks
    the head of a multi-word verb); patterns: ``- WORDS * WORDS [CODE]``; synsets:
    ``&NAME`` followed by ``+PHRASE`` lines.
    """
    text = re.sub(r"<!--.*?-->", " ", text, flags=re.S)
    synsets: dict[str, list[str]] = {}
    blocks: list[dict] = []
    current_synset: Optional[list[str]] = None
    current_block: Optional[dict] = None
    pattern_counts: dict[str, int] = {}
    for raw_line in text.splitlines():
        line = _clean_comment(raw_line)
        if not line:
            continue
        if line.startswith("---"):
            match = re.match(r"^---\s*(.*?)\s*\[([^\]]*)\]", line)
            name = (match.group(1) if match else line.strip("- ")).strip().rstrip("_")
            code = _parse_code(match.group(2)) if match else NULL_CODE
            current_block = {"name": name, "code": code, "verbs": [], "patterns": []}
            blocks.append(current_block)
            current_synset = None
            continue
        if line.startswith("&"):
            name = line[1:].split()[0]
            current_synset = synsets.setdefault(name, [])
            continue
        if line.startswith("+") and current_synset is not None:
            current_synset.append(line[1:].strip())
            continue
        current_synset = None
        if current_block is None:
            continue
        if line.startswith("-"):
            match = re.match(r"^-\s*(.*?)\s*\[([^\]]*)\]", line)
            if not match or "*" not in match.group(1):
                continue
            body, code_text = match.group(1), match.group(2)
            if "|" in body or parse_pattern(body, NULL_CODE, "") is None:
                continue  # TABARI disjunctions and malformed patterns: PETRARCH skips them too
            key = current_block["name"].lower().replace(" ", "_")
            pattern_counts[key] = pattern_counts.get(key, 0) + 1
            pattern = {"id": f"{key}.{pattern_counts[key]}", "pattern": body, "code": _parse_code(code_text)}
            current_block["patterns"].append(pattern)
            continue
        code_match = re.search(r"\[([^\]]*)\]", line)
        inflection_match = re.search(r"\{([^}]*)\}", line)
        spec = re.sub(r"\[[^\]]*\]|\{[^}]*\}", " ", line).strip()
        if not spec or "*" in spec:
            continue
        inflections = inflection_match.group(1).split() if inflection_match else []
        code = _parse_code(code_match.group(1)) if code_match else None
        form = _verb_form(spec, code, inflections)
        if form is None:
            continue
        verb: dict[str, Any] = {"head": form.head}
        if form.before:
            verb["before"] = list(form.before)
        if form.after:
            verb["after"] = list(form.after)
        if form.code:
            verb["code"] = form.code
        if form.inflections:
            verb["inflections"] = list(form.inflections)
        current_block["verbs"].append(verb)
    return {"source": source, "synsets": synsets, "blocks": [b for b in blocks if b["verbs"]]}


@lru_cache(maxsize=8)
def load_verb_dictionary(paths: Optional[tuple[str, ...]] = None) -> VerbDictionary:
    """The team's verb dictionary (``sitroom/data/verbs``), or the given YAML/PETRARCH files."""
    files = [Path(p) for p in paths] if paths else [package_data("verbs", name) for name in VERB_FILES]
    datas = []
    for path in files:
        if not path.exists():
            raise ConfigError("verb dictionary not found", path=str(path))
        if path.suffix in (".yaml", ".yml"):
            datas.append(yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
        else:
            datas.append(petrarch_verbs_to_data(path.read_text(encoding="utf-8", errors="replace"), path.name))
    return VerbDictionary.from_data(*datas)


# ============================================================================ CAMEO -> PLOVER


@dataclass(frozen=True)
class PloverCategory:
    type: str
    mode: Optional[str] = None
    context: tuple[str, ...] = ()


def cameo2plover_to_data(text: str) -> dict[str, dict]:
    """CAMEO2PLOVER-2021.txt (``030: AGREE, mode, context # label``) -> {code: {...}}."""
    table: dict[str, dict] = {}
    for line in text.splitlines():
        body, _, label = line.partition("#")
        if ":" not in body or not body.strip()[:1].isdigit():
            continue
        code, _, rest = body.partition(":")
        fields = [f.strip() for f in rest.split(",")]
        if not fields or not fields[0]:
            continue
        entry: dict[str, Any] = {"type": fields[0].upper()}
        if len(fields) > 1 and fields[1]:
            entry["mode"] = fields[1]
        contexts = [c.strip() for c in ",".join(fields[2:]).split(";") if c.strip()] if len(fields) > 2 else []
        if contexts:
            entry["context"] = contexts
        if label.strip():
            entry["label"] = label.strip()
        table.setdefault(code.strip(), entry)  # the 2021 table lists root 08 twice: keep the first
    return table


@lru_cache(maxsize=1)
def _cameo2plover_table() -> dict[str, PloverCategory]:
    path = package_data("verbs", CAMEO2PLOVER_FILE)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {str(code): PloverCategory(v["type"], v.get("mode"), tuple(v.get("context") or ()))
            for code, v in (data.get("codes") or {}).items()}


def cameo_to_plover(code: Optional[str]) -> Optional[PloverCategory]:
    """PLOVER category of a CAMEO code: the most specific prefix in the 2021 table.

    CAMEO 01 (public statement) and 02 (appeal) have no PLOVER category (dropped, as
    the PLOVER manual says); neither have the dictionaries' non-CAMEO codes.
    """
    if not code:
        return None
    digits = re.match(r"\d+", code.split(":")[0])
    if not digits:
        return None
    table = _cameo2plover_table()
    value = digits.group(0)
    for length in range(min(len(value), 4), 1, -1):
        found = table.get(value[:length])
        if found:
            return found
    return None


# ============================================================================ actors


@dataclass(frozen=True)
class ActorHit:
    """An actor (or agent) phrase at sentence tokens [start, end) (indices into the Doc)."""

    start: int
    end: int
    text: str
    code: Optional[str] = None  # CAMEO-style code ("RUS", "RUSGOV"); agent hits: "~GOV" / "NGO~"
    actor_id: Optional[str] = None
    country: Optional[str] = None
    sector: Optional[str] = None
    agent: bool = False


class ActorLookup(Protocol):
    def hits(self, sentence: Any) -> list[ActorHit]:
        """All actor/agent phrases in a spaCy sentence Span, left to right, not overlapping."""


def _country_of(code: Optional[str]) -> Optional[str]:
    if code and len(code) >= 3 and code[:3].isalpha() and code[:3].isupper() and code[:3] != "---":
        return code[:3]
    return None


class DictionaryActors:
    """Actors found by matching Phoenix-format actor and agent dictionaries in the sentence.

    ``actors``/``agents`` are ``sitroom.link.dictionary`` ActorDictionary/AgentDictionary;
    ``date`` picks date-restricted codes.
    """

    def __init__(self, actors: Any, agents: Any = None, date: Optional[Date] = None) -> None:
        self.actors = actors
        self.agents = agents
        self.date = date

    def hits(self, sentence: Any) -> list[ActorHit]:
        tokens = [t.text for t in sentence]
        offset = sentence.start
        found: list[ActorHit] = []
        i = 0
        while i < len(tokens):
            actor = self.actors.match(tokens, i, self.date)
            agent = self.agents.match(tokens, i) if self.agents is not None else None
            if actor and (not agent or actor.length >= agent.length):
                if actor.code and actor.code != NULL_CODE:
                    span = sentence[i:actor.end]
                    found.append(ActorHit(offset + i, offset + actor.end, span.text, actor.code, actor.actor_id,
                                          getattr(actor.entry, "country", None) or _country_of(actor.code),
                                          getattr(actor.entry, "sector", None)))
                i = actor.end
            elif agent:
                span = sentence[i:agent.end]
                found.append(ActorHit(offset + i, offset + agent.end, span.text, agent.code, None, None,
                                      agent.entry.agent_code, agent=True))
                i = agent.end
            else:
                i += 1
        return found


class ArticleActors:
    """Actors of a linked article: mentions with an ``actor_id`` resolved to ArticleActor codes."""

    def __init__(self, article: Article) -> None:
        self.doc = article.doc
        by_id = {a.id: a for a in article.actors}
        self._hits: list[ActorHit] = []
        for mention in article.mentions:
            actor = by_id.get(mention.actor_id or "")
            if actor is None:
                continue
            span = self.doc.char_span(mention.start, mention.end, alignment_mode="expand")
            if span is None:
                continue
            agent = mention.label == "AGENT"
            code = actor.code or actor.id
            self._hits.append(ActorHit(span.start, span.end, mention.text, code, actor.id,
                                       actor.country or _country_of(actor.code), actor.sector, agent=agent))
        self._hits.sort(key=lambda h: (h.start, -h.end))

    def hits(self, sentence: Any) -> list[ActorHit]:
        found: list[ActorHit] = []
        for hit in self._hits:
            if hit.start >= sentence.start and hit.end <= sentence.end and (not found or hit.start >= found[-1].end):
                found.append(hit)
        return found


# ============================================================================ coding

# dependents that open a clause of their own: their actors are not the verb's arguments
CLAUSAL_DEPS = frozenset({"ccomp", "advcl", "relcl", "acl", "parataxis", "csubj", "xcomp", "pcomp"})
SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "csubj", "expl"})
ARGUMENT_DEPS = frozenset({"dobj", "pobj", "dative", "attr", "oprd", "nsubj", "nsubjpass", "appos", "npadvmod"})
RELATIVE_PRONOUNS = frozenset({"who", "which", "that", "whom"})
LOCATIVE_PREPS = frozenset({"in", "at", "near", "on", "outside", "inside", "across", "around", "into", "over"})
PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
# PLOVER types by kind, for folding the auxiliary modes into the event type (PLOVER
# manual, "Auxiliary modes": AGREE ~ SUPPORT + future, THREATEN ~ ASSAULT + hypothetical)
COOPERATIVE_ACTS = frozenset({"CONSULT", "SUPPORT", "COOPERATE", "AID", "CONCEDE", "RETREAT"})
CONFLICTUAL_ACTS = frozenset({"ASSAULT", "COERCE", "SANCTION"})
VERBAL_TYPES = frozenset({"AGREE", "ACCUSE", "REQUEST", "REJECT", "THREATEN", "SUPPORT"})
REQUEST_CAMEO = "100"  # "X said Y must do Z": CAMEO 10 (demand), PLOVER REQUEST


@dataclass
class CodedEvent:
    """One coded event before it becomes a ``models.Event`` (``to_event``).

    ``cameo`` is the dictionary's code (kept even when PLOVER has no category for it, so
    CAMEO benchmarks see every coded verb); ``type`` is the PLOVER type after folding
    the auxiliary modes, None when PLOVER drops the code (CAMEO 01, 02).
    """

    cameo: str
    type: Optional[str]
    mode: Optional[str]
    context: list[str]
    source: list[EventActor]
    target: list[EventActor]
    modality: str
    reported_by: Optional[str]
    location: Optional[str]
    trigger: Span
    trigger_token: int
    sentence_start: int
    sentence_end: int
    sentence_text: str
    rule: str
    confidence: float

    def to_event(self, article_id: str = "", sentence: int = 0, date: Optional[str] = None,
                 date_is_report_date: bool = False) -> Event:
        if self.type is None:
            raise ValueError(f"CAMEO {self.cameo} has no PLOVER category")
        key = f"{self.type}:{self.trigger.start}:{self.cameo}:{','.join(a.code or a.text for a in self.source)}"
        return Event(id=record_id(article_id, "event", self.sentence_start, self.sentence_end, key),
                     type=self.type, mode=self.mode, context=list(self.context), cameo=self.cameo,
                     source=self.source, target=self.target, modality=self.modality, reported_by=self.reported_by,
                     date=date, date_is_report_date=date_is_report_date, location=self.location,
                     trigger=self.trigger, sentence=sentence, start=self.sentence_start, end=self.sentence_end,
                     text=self.sentence_text, confidence=round(self.confidence, 3), rule=self.rule)


@dataclass
class _VerbCoding:
    token: Any
    span_start: int
    span_end: int
    block: VerbBlock
    code: str
    pattern: Optional[VerbPattern]
    marked: dict[str, list[ActorHit]] = field(default_factory=dict)  # pattern markers -> actor hits


class _Matcher:
    """Matches pattern elements against the words of one sentence (space tokens dropped)."""

    def __init__(self, sentence: Any, synsets: dict[str, list[tuple[str, ...]]], hits: list[ActorHit]) -> None:
        self.tokens = [t for t in sentence if not t.is_space]
        self.position = {t.i: n for n, t in enumerate(self.tokens)}
        self.upper = [t.text.upper() for t in self.tokens]
        self.lemma = [t.lemma_.upper() for t in self.tokens]
        self.synsets = synsets
        self.hits = hits

    def word_at(self, n: int, word: str) -> bool:
        text = self.upper[n]
        return text == word or self.lemma[n] == word or text == _plural(word) or text.replace("-", "") == word.replace("-", "")

    def element_end(self, element: PatternElement, n: int) -> Optional[int]:
        """Index just after ``element`` matched at word ``n``; None if it does not match there."""
        if n >= len(self.tokens):
            return None
        if element.kind == "word":
            return n + 1 if self.word_at(n, element.value) else None
        if element.kind == "synset":
            for phrase in self.synsets.get(element.value, []):
                if n + len(phrase) <= len(self.tokens) and all(self.word_at(n + k, w) for k, w in enumerate(phrase)):
                    return n + len(phrase)
        return None

    def hit_from(self, n: int, limit: int) -> Optional[ActorHit]:
        for hit in self.hits:
            first = self.position.get(hit.start)
            if first is not None and n <= first < limit and not hit.agent:
                return hit
        return None

    def match(self, pattern: VerbPattern, verb_first: int, verb_last: int, right_limit: int
              ) -> Optional[dict[str, list[ActorHit]]]:
        """Role markers -> hits if ``pattern`` matches around the verb words [first, last]."""
        marked: dict[str, list[ActorHit]] = {}
        cursor = verb_first
        elements = list(pattern.before)
        for index in range(len(elements) - 1, -1, -1):
            element = elements[index]
            following_tight = (elements[index + 1].tight if index + 1 < len(elements) else False) or (
                index == len(elements) - 1 and _star_tight(pattern))
            if element.kind in ("source", "target", "compound", "skip"):
                marked.setdefault("before_" + element.kind, [])
                continue
            found = None
            for start in range(cursor - 1, -1, -1):
                end = self.element_end(element, start)
                if end is not None and end <= cursor and (not following_tight or end == cursor):
                    found = start
                    break
                if following_tight and start < cursor - 4:
                    break
            if found is None:
                return None
            cursor = found
        cursor = verb_last + 1
        for element in pattern.after:
            if element.kind == "skip":
                continue
            if element.kind in ("source", "target", "compound"):
                hit = self.hit_from(cursor, right_limit)
                if hit is None:
                    return None
                marked.setdefault(element.kind, []).append(hit)
                cursor = self.position[hit.start] + 1
                continue
            found_end = None
            stop = cursor + 1 if element.tight else right_limit
            for start in range(cursor, min(stop, right_limit)):
                end = self.element_end(element, start)
                if end is not None:
                    found_end = end
                    break
            if found_end is None:
                return None
            cursor = found_end
        return marked


def _star_tight(pattern: VerbPattern) -> bool:
    """``FAILED_TO_*``: the word before the verb must touch it (the star carries the tie)."""
    return bool(pattern.before) and pattern.before[-1].kind in ("word", "synset") and _star_flag(pattern)


def _star_flag(pattern: VerbPattern) -> bool:
    text = pattern.text.replace("(", " ").replace(")", " ")
    return "_*" in text


def _verb_tokens(sentence: Any) -> list[Any]:
    return [t for t in sentence if (t.tag_.startswith("VB") or t.pos_ == "VERB")
            and t.dep_ not in ("aux", "auxpass") and t.pos_ != "AUX"]


def _match_form(token: Any, form: VerbForm, matcher: _Matcher) -> Optional[tuple[int, int]]:
    """Word positions [first, last] of a (multi-word) verb form at ``token``, or None."""
    n = matcher.position.get(token.i)
    if n is None:
        return None
    first = n - len(form.before)
    if first < 0 or any(not matcher.word_at(first + k, w.upper()) for k, w in enumerate(form.before)):
        return None
    last = n + len(form.after)
    if last >= len(matcher.tokens) or any(not matcher.word_at(n + 1 + k, w.upper()) for k, w in enumerate(form.after)):
        # particles may be separated from the verb ("broke relations off"): look among its children
        if form.after and all(any(c.lower_ == w for c in token.children if c.dep_ == "prt") for w in form.after):
            return first, n
        return None
    return first, last


def _code_verb(token: Any, dictionary: VerbDictionary, matcher: _Matcher) -> Optional[_VerbCoding]:
    candidates = dictionary.candidates(token.text, token.lemma_)
    best: Optional[tuple[VerbForm, VerbBlock, int, int]] = None
    for form, block in candidates:
        span = _match_form(token, form, matcher)
        if span is None:
            continue
        if best is None or len(form.before) + len(form.after) > len(best[0].before) + len(best[0].after):
            best = (form, block, span[0], span[1])
    if best is None:
        return None
    form, block, first, last = best
    subtree_end = max(t.i for t in token.subtree)
    right_limit = matcher.position.get(subtree_end, len(matcher.tokens) - 1) + 1
    chosen: Optional[tuple[VerbPattern, dict]] = None
    for pattern in block.patterns:
        marked = matcher.match(pattern, first, last, right_limit)
        if marked is not None and (chosen is None or pattern.specificity > chosen[0].specificity):
            chosen = (pattern, marked)
    if chosen:
        return _VerbCoding(token, first, last, block, chosen[0].code, chosen[0], chosen[1])
    return _VerbCoding(token, first, last, block, form.code or block.code, None)


# ---------------------------------------------------------------------------- arguments


def _phrase_token_ids(head: Any, top: bool = True) -> set[int]:
    """Tokens of the noun phrase headed by ``head``, without clauses, appositions and
    (at the top) its conjuncts, which are separate members of a compound actor."""
    ids = {head.i}
    for child in head.children:
        if child.dep_ in CLAUSAL_DEPS or child.dep_ in ("appos", "punct") or child.is_space:
            continue
        if top and child.dep_ in ("conj", "cc", "preconj"):
            continue
        ids |= _phrase_token_ids(child, top=False)
    return ids


def _combine(actor: Optional[ActorHit], agents: list[ActorHit]) -> str:
    """Actor code + agent codes, PETRARCH style: ``NGO~`` before, ``~GOV`` after."""
    base = actor.code if actor and actor.code else NULL_CODE
    prefix = "".join(a.code.replace("~", "") for a in agents if a.code and a.code.endswith("~")
                     and not a.code.startswith("~"))
    suffix = ""
    for agent in agents:
        if not agent.code or (agent.code.endswith("~") and not agent.code.startswith("~")):
            continue
        piece = agent.code.replace("~", "")
        chunks = {base[k:k + 3] for k in range(0, len(base), 3)}
        if piece and piece not in chunks and piece not in suffix:
            suffix += piece
    return prefix + base + suffix if (prefix or suffix or base != NULL_CODE) else NULL_CODE


def _event_actor(actor: Optional[ActorHit], agents: list[ActorHit], doc: Any) -> EventActor:
    parts = sorted([h for h in [actor, *agents] if h is not None], key=lambda h: h.start)
    text = doc[parts[0].start:parts[-1].end].text if parts else ""
    sector = next((a.sector for a in agents if a.sector), None) or (actor.sector if actor else None)
    return EventActor(actor_id=actor.actor_id if actor else None, text=text, code=_combine(actor, agents),
                      country=actor.country if actor else None, sector=sector)


def _members(head: Any) -> list[Any]:
    return [head] + [c for c in head.conjuncts if c.i != head.i]


def _resolve_argument(head: Any, hits: list[ActorHit], doc: Any) -> list[EventActor]:
    """Actors of a (possibly conjoined) noun phrase: one EventActor per actor found."""
    actors: list[EventActor] = []
    shared_actor: Optional[ActorHit] = None
    member_hits = []
    for member in _members(head):
        ids = _phrase_token_ids(member)
        inside = [h for h in hits if h.start in ids]
        member_hits.append(inside)
        named = [h for h in inside if not h.agent]
        if named and shared_actor is None:
            shared_actor = named[0]
    for inside in member_hits:
        named = [h for h in inside if not h.agent]
        agents = [h for h in inside if h.agent]
        if named:
            actors.extend(_event_actor(h, agents, doc) for h in named)
        elif agents:
            # "Danish media and government": a bare agent shares its partner's country
            actors.append(_event_actor(shared_actor, agents, doc))
    unique: dict[str, EventActor] = {}
    for actor in actors:
        unique.setdefault(actor.code or actor.text, actor)
    return list(unique.values())


def _argument_head_of(token: Any, stop: Any) -> Any:
    """Climb from an actor word to the noun phrase that is the verb's argument."""
    current = token
    while current.head.i != current.i and current.head.i != stop.i:
        if current.dep_ in ARGUMENT_DEPS and current.dep_ != "appos" and current.head.pos_ in ("ADP", "VERB", "AUX"):
            return current
        if current.dep_ in CLAUSAL_DEPS:
            return current
        current = current.head
    return current


def _right_region(verb: Any, span_end: int) -> list[Any]:
    """Words after the verb that belong to its own clause (objects, prepositional phrases)."""
    region = []
    for child in verb.children:
        if child.i <= span_end or child.dep_ in CLAUSAL_DEPS or child.dep_ in SUBJECT_DEPS \
                or child.dep_ in ("conj", "cc", "punct", "agent", "mark", "advmod"):
            continue
        region.extend(t for t in child.subtree if not _inside_clause(t, child))
    return sorted(region, key=lambda t: t.i)


def _inside_clause(token: Any, top: Any) -> bool:
    current = token
    while current.i != top.i and current.head.i != current.i:
        if current.dep_ in CLAUSAL_DEPS:
            return True
        current = current.head
    return False


def _subject_token(verb: Any) -> tuple[Optional[Any], bool]:
    """(subject head, passive?) of ``verb``, climbing to a controlling verb when needed."""
    current = verb
    for _ in range(6):
        subject = next((c for c in current.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subject is not None:
            if subject.lower_ in RELATIVE_PRONOUNS and current.dep_ == "relcl":
                return current.head, False
            return subject, subject.dep_ == "nsubjpass" and current.i == verb.i
        if current.dep_ in ("relcl", "acl") and current.head.pos_ in ("NOUN", "PROPN"):
            return current.head, current.tag_ == "VBN"
        if current.dep_ not in ("xcomp", "conj", "acomp", "oprd", "advcl", "pcomp", "prep") or current.head.i == current.i:
            return None, False
        if current.dep_ == "xcomp":
            controller = next((c for c in current.head.children if c.dep_ in ("dobj", "dative")), None)
            if controller is not None:
                return controller, False
        current = current.head
    return None, False


def _agent_of(verb: Any) -> Optional[Any]:
    for child in verb.children:
        if child.dep_ == "agent":
            return next((g for g in child.children if g.dep_ == "pobj"), None)
    return None


def _location(verb: Any, region: list[Any], used: set[int]) -> Optional[str]:
    ids = {t.i for t in region}
    for ent in verb.doc.ents:
        if ent.label_ in PLACE_LABELS and ent.start in ids and ent.start not in used:
            head = ent.root.head
            if head.dep_ == "prep" or head.lower_ in LOCATIVE_PREPS:
                return ent.text
    return None


def _absorbed(coding: _VerbCoding, codings: dict[int, _VerbCoding]) -> bool:
    """An infinitival complement of a coded verb is part of that verb's event."""
    current = coding.token
    while current.dep_ in ("xcomp", "acomp") and current.head.i != current.i:
        current = current.head
        upper = codings.get(current.i)
        if upper is not None and upper.code != NULL_CODE:
            return True
    return False


def code_sentence(sentence: Any, actor_lookup: ActorLookup, date: Optional[Date] = None, *,
                  verbs: Optional[VerbDictionary] = None, keep_unmapped: bool = False) -> list[CodedEvent]:
    """Code the events of one sentence (a spaCy Span or Doc).

    ``actor_lookup`` finds the actors (``ArticleActors`` in the pipeline,
    ``DictionaryActors`` for dictionary-coded text); ``date`` is the reference date
    (historical mode). ``keep_unmapped`` also returns CAMEO codes PLOVER drops (01, 02)
    and non-CAMEO dictionary codes, with ``type=None`` (used by the CAMEO benchmark).
    """
    dictionary = verbs or load_verb_dictionary()
    span = sentence[:] if not hasattr(sentence, "sent") else sentence
    hits = actor_lookup.hits(span)
    matcher = _Matcher(span, dictionary.synsets, hits)
    codings: dict[int, _VerbCoding] = {}
    for token in _verb_tokens(span):
        coding = _code_verb(token, dictionary, matcher)
        if coding is not None:
            codings[token.i] = coding
    reference_year = date.year if date else None
    events: list[CodedEvent] = []
    produced: set[int] = set()
    # complements first, so a verb of saying knows whether its clause gave an event
    for coding in sorted(codings.values(), key=lambda c: -_depth(c.token)):
        if coding.code == NULL_CODE or _absorbed(coding, codings):
            continue
        if _says_something_coded(coding, produced):
            continue
        new = _events_for(coding, span, hits, matcher, reference_year, keep_unmapped)
        if new:
            produced.add(coding.token.i)
            events.extend(new)
    events.sort(key=lambda e: e.trigger.start)
    return events


def _depth(token: Any) -> int:
    return sum(1 for _ in token.ancestors)


def _says_something_coded(coding: _VerbCoding, produced: set[int]) -> bool:
    """A verb of saying whose complement clause already gave an event adds nothing."""
    if coding.token.lemma_.lower() not in modality_rules.REPORTING_VERBS:
        return False
    return any(t.i in produced for t in coding.token.subtree if t.i != coding.token.i)


def _events_for(coding: _VerbCoding, span: Any, hits: list[ActorHit], matcher: _Matcher,
                reference_year: Optional[int], keep_unmapped: bool) -> list[CodedEvent]:
    verb = coding.token
    doc = verb.doc
    pattern = coding.pattern
    marked = coding.marked
    subject, passive = _subject_token(verb)
    agent = _agent_of(verb)
    sources = _resolve_argument(subject, hits, doc) if subject is not None else []
    targets: list[EventActor] = []
    if passive:  # "Eriador was opposed by Osgiliath": the by-agent acts on the subject
        targets = sources
        sources = _resolve_argument(agent, hits, doc) if agent is not None else []
    region = _right_region(verb, max(t.i for t in matcher.tokens[coding.span_start:coding.span_end + 1]))
    region_ids = {t.i for t in region}
    if "target" in marked and marked["target"]:
        targets = _actors_at(marked["target"][0], verb, hits, doc)
    elif not targets:
        first = next((h for h in hits if h.start in region_ids and not h.agent), None) or \
            next((h for h in hits if h.start in region_ids), None)
        if first is not None:
            targets = _actors_at(first, verb, hits, doc)
        else:
            complement = next((c for c in verb.children if c.dep_ == "ccomp"), None)
            inner = next((c for c in complement.children if c.dep_ in ("nsubj", "nsubjpass")), None) if complement is not None else None
            if inner is not None:
                targets = _resolve_argument(inner, hits, doc)
    if "source" in marked and marked["source"]:
        sources = _actors_at(marked["source"][0], verb, hits, doc)
    if "before_target" in marked:  # "+ * IN $": the subject is the target
        subject_actors = _resolve_argument(subject, hits, doc) if subject is not None else []
        targets, sources = subject_actors, (sources if "source" in marked else [])
    codes = coding.code.split(":")
    forward, reverse = codes[0], (codes[1] if len(codes) > 1 else None)
    pairwise = "before_compound" in marked or (reverse is not None and not targets and len(sources) > 1)
    if pairwise:
        targets = list(sources)
    sources = [s for s in sources]
    targets = [t for t in targets if not (len(targets) > 1 and not pairwise and any(_same(t, s) for s in sources))]
    if not pairwise and len(sources) == 1 and len(targets) == 1 and _same(sources[0], targets[0]) \
            and sources[0].code not in (None, NULL_CODE):
        targets = []

    reading = modality_rules.read_modality(verb, reference_year)
    used = {h.start for h in hits}
    location = _location(verb, region, used)
    rule = pattern.id if pattern else f"verb:{coding.block.name.lower().replace(' ', '_')}"
    base_confidence = 0.55 + (0.15 if pattern else 0.0) + (0.1 if sources else 0.0) + (0.1 if targets else 0.0)
    trigger = Span(start=verb.idx, end=verb.idx + len(verb.text), text=verb.text)
    results = []
    directions = [(forward, sources, targets)]
    if reverse is not None and targets and not (pairwise and reverse == forward):
        directions.append((reverse, targets, sources))  # "A met B" [031:031]: B met A too
    for code, src, tgt in directions:
        if code == NULL_CODE:
            continue
        event = _fold(code, src, tgt, reading, verb, hits, doc, keep_unmapped)
        if event is None:
            continue
        event_type, mode, context, cameo, src, tgt, modality = event
        results.append(CodedEvent(
            cameo=cameo, type=event_type, mode=mode, context=context, source=src, target=tgt,
            modality=modality, reported_by=reading.reported_by, location=location, trigger=trigger,
            trigger_token=verb.i, sentence_start=span.start_char, sentence_end=span.end_char,
            sentence_text=span.text, rule=rule,
            confidence=min(0.95, base_confidence * (0.9 if modality not in ("asserted", "reported") else 1.0))))
    return results


def _same(a: EventActor, b: EventActor) -> bool:
    return (a.code or a.text) == (b.code or b.text)


def _actors_at(hit: ActorHit, verb: Any, hits: list[ActorHit], doc: Any) -> list[EventActor]:
    head = _argument_head_of(doc[hit.start], verb)
    found = _resolve_argument(head, hits, doc)
    return found or [_event_actor(hit if not hit.agent else None, [hit] if hit.agent else [], doc)]


def _fold(code: str, sources: list[EventActor], targets: list[EventActor], reading: modality_rules.ModalityReading,
          verb: Any, hits: list[ActorHit], doc: Any, keep_unmapped: bool):
    """PLOVER type of a coded verb, with the auxiliary modes folded in; None = no event."""
    category = cameo_to_plover(code)
    modality = reading.modality
    context = list(category.context) if category else []
    context.extend(m for m in reading.aux_modes if m not in context)
    if category is None:
        return (None, None, context, code, sources, targets, modality) if keep_unmapped else None
    event_type, mode = category.type, category.mode
    if modality == "recommended" and reading.in_reported_speech and reading.speaker_token is not None:
        # "Russia said Sudan must return the helicopter": Russia demands it of Sudan
        speaker = doc[reading.speaker_token]
        speaker_actors = _resolve_argument(speaker, hits, doc)
        if speaker_actors:
            request = cameo_to_plover(REQUEST_CAMEO)
            return (request.type if request else "REQUEST", None, context, REQUEST_CAMEO, speaker_actors,
                    sources, "reported")
    if modality in ("planned", "hypothetical") and event_type in COOPERATIVE_ACTS:
        military_aid = event_type == "AID" and ("military" in context or code.startswith("072"))
        event_type, mode = ("THREATEN", None) if military_aid and modality == "hypothetical" else ("AGREE", None)
    elif modality in ("planned", "hypothetical") and event_type in CONFLICTUAL_ACTS:
        event_type, mode = "THREATEN", None
    elif modality == "hypothetical" and event_type in VERBAL_TYPES and "condition" != reading.cue:
        return None  # "Russia would oppose this": a conditional reaction, not an event
    return event_type, mode, context, code, sources, targets, modality


# ============================================================================ the stage


def _article_date(article: Article) -> Optional[Date]:
    return article.reference_date()


@stage(requires=("article.doc", "article.actors"), assigns=("article.events",), english_only=True)
def extract_events(article: Article, ctx: Context) -> Article:
    """Code PLOVER events (with CAMEO codes and modality) in every sentence."""
    doc = article.doc
    if doc is None:
        return article
    verbs = ctx.resource("event_verbs", load_verb_dictionary)
    lookup = ArticleActors(article)
    reference = _article_date(article)
    events: list[Event] = []
    seen: set[str] = set()
    for index, sent in enumerate(doc.sents):
        for coded in code_sentence(sent, lookup, reference, verbs=verbs):
            date_value, from_report = _event_date(article, coded)
            event = coded.to_event(article.id, index, date_value, from_report)
            if event.id not in seen:
                seen.add(event.id)
                events.append(event)
    article.events = events
    return article


def _event_date(article: Article, coded: CodedEvent) -> tuple[Optional[str], bool]:
    """The time expression of the event's sentence nearest its verb, else the report date."""
    inside = [t for t in article.times if coded.sentence_start <= t.start and t.end <= coded.sentence_end
              and t.type in ("DATE", "TIME")]
    if inside:
        nearest = min(inside, key=lambda t: abs(t.start - coded.trigger.start))
        return nearest.value, False
    reference = article.reference_date()
    return (reference.isoformat(), True) if reference else (None, False)


# ============================================================================ data conversion


def _main(argv: Optional[Sequence[str]] = None) -> None:
    """Regenerate the YAML data files from the PETRARCH/PLOVER originals::

        python -m sitroom.extract.events verbs CAMEO.2.0.txt sitroom/data/verbs/cameo_verbs.yaml
        python -m sitroom.extract.events cameo2plover CAMEO2PLOVER-2021.txt sitroom/data/verbs/cameo2plover.yaml
    """
    import argparse

    parser = argparse.ArgumentParser(prog="python -m sitroom.extract.events", description=_main.__doc__)
    parser.add_argument("what", choices=("verbs", "cameo2plover"))
    parser.add_argument("source")
    parser.add_argument("dest")
    args = parser.parse_args(argv)
    text = Path(args.source).read_text(encoding="utf-8", errors="replace")
    if args.what == "verbs":
        data = petrarch_verbs_to_data(text, Path(args.source).name)
        header = (f"# Verb patterns converted from {Path(args.source).name} (openeventdata/petrarch2, MIT licence)\n"
                  "# by `python -m sitroom.extract.events verbs`. Pattern syntax: PETRARCH's (see events.py).\n")
    else:
        data = {"source": Path(args.source).name, "codes": cameo2plover_to_data(text)}
        header = (f"# CAMEO -> PLOVER table converted from {Path(args.source).name} (PLOVER manual 2021)\n"
                  "# by `python -m sitroom.extract.events cameo2plover`.\n")
    Path(args.dest).write_text(header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120),
                               encoding="utf-8")


if __name__ == "__main__":
    _main()
