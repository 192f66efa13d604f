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
            if "|" in body:  # TABARI disjunctions: PETRARCH skips them too
                continue
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
