"""Event coding: PLOVER events, with a CAMEO code, from the spaCy dependency parse.

How a sentence is coded (``code_sentence``):

1. Every verb heading a clause (spaCy tag ``VB*``; auxiliaries and verb-tagged nouns or
   modifiers excluded) is looked up in the verb dictionary (``sitroom/data/verbs``):
   first by its written form (so PETRARCH's ``LEFT [032:033]`` wins over the lemma
   ``leave``), then by lemma; a multi-word verb ("break down", "wire tap") needs its other
   words next to it. sitroom's own file is consulted before the converted CAMEO one.
2. The block's patterns (PETRARCH syntax, ``- INDICATED WOULD * NOW [1010]``) are tried
   around the verb (``_Matcher.match`` says where pattern words may stand); the most
   specific match gives the CAMEO code, else the verb's own code, else the block's.
   ``---`` means "no event".
3. Source = the subject (the ``by``-agent of a passive; the controller of an infinitive
   or a conjoined verb; for "it/they" the subject of the clause it is reported in).
   Target = the first actor to the right of the verb in its own clause (a name in the
   direct object first), else the subject of its clausal complement ("believes Kyiv
   will ..."). Conjoined names make compound actors (lists); a reciprocal code ``a:b``
   adds the reverse event; a noun phrase names one actor unless its names are conjoined.
4. An infinitival complement of a coded verb ("urged Kyiv to respond") belongs to
   that verb's event; the complement clause of a verb of saying is coded on its own and
   the saying verb only when that clause gave nothing.
5. Who-does-what corrections (``_recode_by_actors``) and, with ``situate``, agents
   without a country placed in the event's country (``_situate``).
6. Modality (``modality.py``) and PLOVER's auxiliary-mode folding (``_fold``): a planned
   co-operative act is AGREE, a planned or conditional use of force is THREATEN, "will
   not accept" is REJECT, an ultimatum ("... unless ...") is THREATEN, "X said Y must"
   is a REQUEST by X, a conditional stance ("Russia would oppose this") is no event.
   A verbal or co-operative event with no named actor is dropped; violence, coercion,
   protest and mobilisation are kept with empty actor lists and their place.

``cameo`` keeps the dictionary's code; ``type`` is PLOVER (2021 manual) after folding.
Actors come from an ``ActorLookup``: the article's linked actors in the pipeline
(``ArticleActors``), or actor/agent dictionaries matched in the sentence
(``DictionaryActors``, used by the benchmarks).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date as Date
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, NamedTuple, Optional, Protocol, Sequence, Union

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
    verb_tight: bool = False  # "FAILED_TO_*": the word before must touch the verb

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
    plover: Optional[str] = None  # PLOVER type of all the block's events, when CAMEO's mapping is too coarse
    adds_patterns: bool = False  # only adds patterns to the verbs' other blocks (no code of its own)
    forms: list[VerbForm] = field(default_factory=list)
    patterns: list[VerbPattern] = field(default_factory=list)
    # an ``adds_patterns`` block that names a ``code`` also replaces the default code of the
    # verbs' other blocks (their patterns stay): "lead" keeps "led the talks" but bare
    # "led the delegation" is no event
    replaces_default: bool = False


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
    return VerbPattern(pattern_id, text.strip(), code, tuple(elements[:star]), tuple(elements[star + 1:]),
                       elements[star].tight)


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


def _synset_phrases(members: list[str], synsets: dict[str, list[tuple[str, ...]]],
                    plural: bool) -> list[tuple[str, ...]]:
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


@lru_cache(maxsize=65536)
def _word_forms(word: str) -> tuple[str, str, str]:
    """A pattern word, its plural and its hyphen-free spelling (matched millions of times)."""
    return word, _plural(word), word.replace("-", "")


def _plural(word: str) -> str:
    if word.endswith("Y") and len(word) > 1 and word[-2] not in "AEIOU":
        return word[:-1] + "IES"
    if word.endswith(("S", "SH", "CH", "X")):
        return word + "ES"
    return word + "S"


def _regular_bases(word: str) -> list[str]:
    """Candidate base forms of a regularly inflected verb form."""
    bases = []
    for suffix, replacements in (("ied", ("y",)), ("ies", ("y",)), ("ing", ("", "e")), ("ed", ("", "e")),
                                 ("es", ("", "e")), ("s", ("",))):
        if word.endswith(suffix) and len(word) > len(suffix) + 2:
            stem = word[: -len(suffix)]
            bases.extend(stem + r for r in replacements)
            if len(stem) > 2 and stem[-1] == stem[-2]:  # "planned" -> "plan"
                bases.append(stem[:-1])
    return bases


class VerbDictionary:
    """Verb blocks and synsets, indexed by the verbs' written forms and base forms."""

    def __init__(self) -> None:
        self.blocks: list[VerbBlock] = []
        self.synsets: dict[str, list[tuple[str, ...]]] = {}
        self._by_base: dict[str, list[tuple[VerbForm, VerbBlock]]] = {}
        self._by_inflection: dict[str, list[tuple[VerbForm, VerbBlock]]] = {}
        self._needs: dict[int, list[tuple[frozenset[str], ...]]] = {}  # id(block) -> block_needs

    def add_block(self, block: VerbBlock) -> None:
        """Add a block; its verbs take precedence over the same verbs in earlier blocks."""
        self.blocks.append(block)
        self._needs.clear()  # synsets may have grown with the block's file
        for form in block.forms:
            self._by_base.setdefault(form.head, []).insert(0, (form, block))
            for written in form.inflections:
                self._by_inflection.setdefault(written, []).insert(0, (form, block))

    def block_needs(self, block: VerbBlock) -> list[tuple[frozenset[str], ...]]:
        """Per pattern of ``block`` (in order): for each word and synset element, the word
        forms of which one must occur in the sentence for the element to match anywhere
        (``_Matcher.element_end`` matches a word on its form, lemma, plural or hyphen-free
        spelling, a synset on the forms of its phrases' first words). A sentence lacking one
        of them cannot match the pattern, which spares trying it: the per-verb pattern
        search is the coder's hot spot. Computed once per block (blocks live as long as
        their dictionary)."""
        needs = self._needs.get(id(block))
        if needs is None:
            needs = []
            for pattern in block.patterns:
                found = []
                for element in pattern.before + pattern.after:
                    if element.kind == "word":
                        found.append(frozenset(_word_forms(element.value)))
                    elif element.kind == "synset":
                        found.append(frozenset(_synset_index(self.synsets, element.value)))
                needs.append(tuple(found))
            self._needs[id(block)] = needs
        return needs

    def candidates(self, written: str, lemma: str) -> list[tuple[VerbForm, VerbBlock]]:
        """Entries for a verb token: written-form entries first, then base-form ones."""
        written, lemma = written.lower(), lemma.lower()
        found = list(self._by_inflection.get(written, []))
        if written != lemma:
            found += self._by_base.get(written, [])
        found += self._by_base.get(lemma, [])
        if not found:  # the lemmatizer missed a regular form ("staged" -> "stag")
            for base in _regular_bases(written):
                found += self._by_base.get(base, [])
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
            block = VerbBlock(name, str(raw.get("code") or NULL_CODE), raw.get("plover"),
                              bool(raw.get("adds_patterns")),
                              replaces_default=bool(raw.get("adds_patterns")) and raw.get("code") is not None)
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
            loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader reads the 400 kB file 10x faster
            datas.append(yaml.load(path.read_text(encoding="utf-8"), Loader=loader))
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


# CAMEO role/sector codes that can open an actor code without naming a country
# ("ELI": an elite person not tied to a country at that date)
SECTOR_CODES = frozenset({"ELI", "GOV", "MIL", "REB", "OPP", "PTY", "COP", "JUD", "SPY", "MED", "EDU", "BUS", "CRM",
                          "CVL", "REF", "AGR", "LAB", "HLH", "ENV", "REL", "UAF", "INS", "LEG", "MOD", "RAD", "SEP",
                          "PPL", "HRI", "UNK"})


def _country_of(code: Optional[str]) -> Optional[str]:
    """Country (or IGO/NGO) part of a CAMEO actor code: ``RUSGOV`` -> RUS, ``ELI`` -> None."""
    if code and len(code) >= 3 and code[:3].isalpha() and code[:3].isupper() and code[:3] not in SECTOR_CODES:
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
            if actor is None and agent is None and _plural_of_name(tokens[i]):
                # "Algerians", "Iraqis": dictionaries list the singular demonym only
                singular = tokens[:i] + [tokens[i][:-1]] + tokens[i + 1:]
                actor = self.actors.match(singular, i, self.date)
                if actor is not None and actor.length != 1:
                    actor = None
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


def _plural_of_name(word: str) -> bool:
    return len(word) > 4 and word[0].isupper() and word.endswith("s") and not word.endswith("ss")


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
            # an actor without a CAMEO code (an unknown person "PER:john-smith") keeps code None
            self._hits.append(ActorHit(span.start, span.end, mention.text, actor.code, actor.id,
                                       actor.country or _country_of(actor.code), actor.sector,
                                       agent=mention.label == "AGENT"))
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
ANAPHORS = frozenset({"it", "they", "he", "she", "we"})
POSSESSIVE_ANAPHORS = frozenset({"its", "their", "his", "her"})
# a verb in these functions shares (or is controlled by) the subject of the verb it depends on
CONTROLLED_DEPS = frozenset({"xcomp", "conj", "acomp", "oprd", "advcl", "pcomp", "prep"})
DOCUMENT_NOUNS = frozenset({"statement", "declaration", "letter", "resolution", "communique", "message", "report",
                            "note", "decree", "appeal", "petition", "memorandum", "proposal"})
PREPOSITIONS = frozenset({"IN", "ON", "AT", "WITH", "TO", "FROM", "FOR", "AGAINST", "OVER", "BY", "INTO", "ABOUT",
                          "OF", "BETWEEN", "TOWARD", "TOWARDS", "UNDER", "THROUGH", "DURING", "UPON", "ONTO", "NEAR",
                          "ACROSS", "AFTER", "BEFORE", "WITHOUT", "WITHIN", "AS", "AMONG", "BEHIND", "BEYOND"})
# a verb in these functions modifies a word ("according to", "armed militiamen"): no event
NON_CLAUSE_DEPS = frozenset({"aux", "auxpass", "prep", "amod", "compound", "nmod", "det", "case", "advmod",
                             "npadvmod", "poss", "nummod", "quantmod", "mark", "dobj", "pobj", "nsubj",
                             "nsubjpass", "attr", "appos"})
# CAMEO 18 (unconventional violence) rather than 19 (conventional military force):
# the attacker is a non-state armed group or the victims are civilians
NONSTATE_ARMED = frozenset({"REB", "UAF", "INS", "IMG", "SEP", "CRM"})
CIVILIAN_SECTORS = frozenset({"CVL", "REF", "PPL", "EDU", "LAB", "HLH", "REL"})
PROTESTING_SECTORS = CIVILIAN_SECTORS | {"OPP", "REB"}
RESTRICTION_CODES = frozenset({"170", "172", "191"})
# CAMEO 17 (coerce: arrests, detentions, expulsions, restrictions): in the passive with no
# "by", the state where it happens is the doer ("was detained in Russia")
STATE_COERCION_PREFIXES = frozenset({"17"})
LOCATIVE_PREPS = frozenset({"in", "at", "near", "on", "outside", "inside", "across", "around", "into", "over"})
# material acts worth keeping with no named actor ("four people were killed in a strike")
ACTORLESS_TYPES = frozenset({"ASSAULT", "COERCE", "PROTEST", "MOBILIZE"})
# verbal reactions that "would" happen (in reported speech too) are stances, not events
REACTION_TYPES = frozenset({"REJECT", "ACCUSE", "SUPPORT"})
PLACE_LABELS = frozenset({"GPE", "LOC", "FAC"})
# PLOVER types by kind, for folding the auxiliary modes into the event type (PLOVER
# manual, "Auxiliary modes": AGREE ~ SUPPORT + future, THREATEN ~ ASSAULT + hypothetical)
COOPERATIVE_ACTS = frozenset({"CONSULT", "SUPPORT", "COOPERATE", "AID", "CONCEDE", "RETREAT"})
CONFLICTUAL_ACTS = frozenset({"ASSAULT", "COERCE", "SANCTION"})
VERBAL_TYPES = frozenset({"AGREE", "ACCUSE", "REQUEST", "REJECT", "THREATEN"})
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


# id(synsets) -> synset name -> first-word key -> [(position in the synset, phrase)]. A synset
# lists up to hundreds of phrases; looking them up by the form of their first word keeps
# the matcher from trying every phrase at every word. The synsets dict lives as long as
# its verb dictionary (loaded once per worker), which keeps the id valid.
_SYNSET_INDEXES: dict[int, dict[str, dict[str, list[tuple[int, tuple[str, ...]]]]]] = {}


def _synset_index(synsets: dict[str, list[tuple[str, ...]]], name: str) -> dict[str, list]:
    by_name = _SYNSET_INDEXES.setdefault(id(synsets), {})
    if name not in by_name:
        index: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
        for order, phrase in enumerate(synsets.get(name, [])):
            if phrase:
                for key in set(_word_forms(phrase[0])):  # the word, its plural, its hyphen-free form
                    index.setdefault(key, []).append((order, phrase))
        by_name[name] = index
    return by_name[name]


class _Matcher:
    """Matches pattern elements against the words of one sentence (space tokens dropped)."""

    def __init__(self, sentence: Any, synsets: dict[str, list[tuple[str, ...]]], hits: list[ActorHit]) -> None:
        self.tokens = [t for t in sentence if not t.is_space]
        self.position = {t.i: n for n, t in enumerate(self.tokens)}
        self.upper = [t.text.upper() for t in self.tokens]
        self.lemma = [t.lemma_.upper() for t in self.tokens]
        self.flat = [text.replace("-", "") for text in self.upper]
        self.synsets = synsets
        self.hits = hits
        self.present = frozenset(self.upper) | frozenset(self.lemma) | frozenset(self.flat)

    def word_at(self, n: int, word: str) -> bool:
        word, plural, flat = _word_forms(word)
        text = self.upper[n]
        return text == word or self.lemma[n] == word or text == plural or self.flat[n] == flat

    def element_end(self, element: PatternElement, n: int) -> Optional[int]:
        """Index just after ``element`` matched at word ``n``; None if it does not match there."""
        if n >= len(self.tokens):
            return None
        if element.kind == "word":
            return n + 1 if self.word_at(n, element.value) else None
        if element.kind == "synset":
            index = _synset_index(self.synsets, element.value)
            candidates = set()
            for key in (self.upper[n], self.lemma[n], self.flat[n]):
                candidates.update(index.get(key, ()))
            for order, phrase in sorted(candidates):  # the synset's own order decides, as before
                if n + len(phrase) <= len(self.tokens) and all(self.word_at(n + k, w) for k, w in enumerate(phrase)):
                    return n + len(phrase)
        return None

    def _prepositional(self, element: PatternElement) -> bool:
        if element.kind == "word":
            return element.value in PREPOSITIONS
        if element.kind == "synset":
            phrases = self.synsets.get(element.value, [])
            return bool(phrases) and all(len(p) == 1 and p[0] in PREPOSITIONS for p in phrases)
        return False

    def hit_from(self, n: int, limit: int) -> Optional[ActorHit]:
        for hit in self.hits:
            first = self.position.get(hit.start)
            if first is not None and n <= first < limit and not hit.agent:
                return hit
        return None

    def match(self, pattern: VerbPattern, verb_first: int, verb_last: int, right_limit: int,
              zones: dict[int, str]) -> Optional[dict[str, list[ActorHit]]]:
        """Role markers -> hits if ``pattern`` matches around the verb words [first, last].

        Words before the verb may stand anywhere earlier in the sentence (PETRARCH's
        "INDICATED WOULD * NOW"). After it, ``zones`` (word position -> "object" |
        "phrase": a prepositional phrase of the verb | "complement": its clausal
        complement) decide: a pattern word matches in the object; in a prepositional
        phrase only when the pattern names a preposition or an actor slot (PETRARCH2's
        "(ON NEED)"); in the complement only inside a tied phrase ("* REALLY_PLEASANT"),
        so one stray word in a long clause does not match.
        """
        names_preposition = any(self._prepositional(e) or e.kind in ("source", "target", "compound")
                                for e in pattern.after)
        marked: dict[str, list[ActorHit]] = {}
        cursor = verb_first
        elements = list(pattern.before)
        for index in range(len(elements) - 1, -1, -1):
            element = elements[index]
            following_tight = elements[index + 1].tight if index + 1 < len(elements) else pattern.verb_tight
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
        for index, element in enumerate(pattern.after):
            chained = element.tight or (index + 1 < len(pattern.after) and pattern.after[index + 1].tight)
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
                zone = zones.get(start)
                if not (zone == "object" or (zone == "phrase" and names_preposition)
                        or (zone == "complement" and chained)):
                    continue
                end = self.element_end(element, start)
                if end is not None and index == len(pattern.after) - 1 and self._prepositional(element) \
                        and self._dated(start):
                    continue  # "telephoned Zelensky on Sunday" is no "call on" (an appeal)
                if end is not None:
                    found_end = end
                    break
            if found_end is None:
                return None
            cursor = found_end
        return marked

    def _dated(self, n: int) -> bool:
        """The preposition at word ``n`` introduces a time ("on Sunday", "for much of Saturday")."""
        return any(c.dep_ == "pobj" and any(t.ent_type_ in ("DATE", "TIME") for t in c.subtree)
                   for c in self.tokens[n].children)


def _verb_tokens(sentence: Any) -> list[Any]:
    return [t for t in sentence if (t.tag_.startswith("VB") or t.pos_ == "VERB")
            and t.dep_ not in NON_CLAUSE_DEPS and t.pos_ != "AUX"]


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
    """Code of a verb token: the most specific matching pattern of its block, else the
    verb's own code, else the block's. The first block listing the verb decides (sitroom's
    file is read last and listed first); a block marked ``adds_patterns`` only contributes
    its patterns and lets the next block decide the rest."""
    matched: list[tuple[VerbForm, VerbBlock, int, int]] = []
    for form, block in dictionary.candidates(token.text, token.lemma_):
        span = _match_form(token, form, matcher)
        if span is not None:
            matched.append((form, block, span[0], span[1]))
    if not matched:
        return None
    longest = max(len(f.before) + len(f.after) for f, _, _, _ in matched)
    matched = [m for m in matched if len(m[0].before) + len(m[0].after) == longest]
    active = []
    for entry in matched:
        active.append(entry)
        if not entry[1].adds_patterns:
            break
    matched = active
    first, last = matched[0][2], matched[0][3]
    zones = {matcher.position[i]: zone for i, zone in _pattern_zones(token).items() if i in matcher.position}
    right_limit = max(zones) + 1 if zones else last + 1
    chosen: Optional[tuple[VerbPattern, dict, VerbBlock]] = None
    for _form, block, _first, _last in matched:
        present = matcher.present
        for pattern, needs in zip(block.patterns, dictionary.block_needs(block)):
            if needs and any(present.isdisjoint(need) for need in needs):
                continue  # a word the pattern needs is nowhere in the sentence
            marked = matcher.match(pattern, first, last, right_limit, zones)
            if marked is not None and (chosen is None or pattern.specificity > chosen[0].specificity):
                chosen = (pattern, marked, block)
    if chosen:
        return _VerbCoding(token, first, last, chosen[2], chosen[0].code, chosen[0], chosen[1])
    overriding = next((m for m in matched if m[1].replaces_default), None)
    if overriding is not None:
        return _VerbCoding(token, first, last, overriding[1], overriding[0].code or overriding[1].code, None)
    form, block = matched[-1][0], matched[-1][1]
    return _VerbCoding(token, first, last, block, NULL_CODE if block.adds_patterns else form.code or block.code, None)


def _pattern_zones(verb: Any) -> dict[int, str]:
    """Token index -> where it stands relative to the verb (see ``_Matcher.match``)."""
    zones: dict[int, str] = {}
    for child in verb.children:
        if child.i <= verb.i or child.dep_ in SUBJECT_DEPS or child.dep_ in ("conj", "cc", "punct", "mark"):
            continue
        if child.dep_ == "ccomp":
            zones.update({t.i: "complement" for t in child.subtree})
        elif child.dep_ in CLAUSAL_DEPS and child.dep_ != "xcomp":
            continue
        elif child.dep_ == "xcomp":
            zones.update({i: zone for i, zone in _pattern_zones(child).items()})
            zones[child.i] = "object"
        else:
            zone = "phrase" if child.dep_ in ("prep", "agent") else "object"
            zones.update({t.i: zone for t in child.subtree if not _inside_clause(t, child)})
    return zones


def _sectors(actors: list[EventActor]) -> set[str]:
    """Three-letter parts of the actors' codes and sectors ("RUSMIL" -> RUS, MIL)."""
    found = set()
    for actor in actors:
        code_text = actor.code or ""
        found |= {code_text[k:k + 3] for k in range(0, len(code_text), 3)}
        if actor.sector:
            found.add(actor.sector[:3])
    return found


def _recode_by_actors(code: str, sources: list[EventActor], targets: list[EventActor]) -> str:
    """CAMEO distinctions that depend on who acts on whom.

    * 19x (conventional military force) -> 180 (unconventional violence) when the
      attacker is a non-state armed group or the victims are civilians;
    * 170/172/191 (restrictions, blockades: state coercion) -> 144 (obstructing passage,
      a protest) when those blocking are civilians, workers, the opposition or rebels.
    """
    if code.startswith("19") and (_sectors(sources) & NONSTATE_ARMED or _sectors(targets) & CIVILIAN_SECTORS):
        return "180"
    if code in RESTRICTION_CODES and _sectors(sources) & PROTESTING_SECTORS:
        return "144"
    return code


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
    uncoded = actor is not None and not actor.code and not agents  # a linked actor without a CAMEO code
    return EventActor(actor_id=actor.actor_id if actor else None, text=text,
                      code=None if uncoded else _combine(actor, agents),
                      country=actor.country if actor else None, sector=sector)


def _one_actor_per_name(member: Any, named: list[ActorHit], doc: Any) -> list[ActorHit]:
    """A noun phrase names one actor unless its names are conjoined.

    "Kremlin spokesman Dmitry Peskov": the name nearest the phrase head is the actor; when
    its code has no country ("NATO Secretary-General Mark Rutte" with Rutte coded ELI)
    the modifying name that has one stands in. "The envoys of France, Germany and
    Poland": conjoined names, three actors.
    """
    if len(named) < 2:
        return named
    roots = [doc[h.start:h.end].root for h in named]
    conjoined = any(r.dep_ == "conj" for r in roots) or any(
        a.i in {c.i for c in b.conjuncts} for a in roots for b in roots if a.i != b.i)
    if conjoined:
        # "the Turkish and Greek sides of the island of Cyprus": the conjoined names are
        # the actors; a name inside a prepositional modifier only says where they are
        # ("... sides of Cyprus", "Russian and Ukrainian officials in Istanbul")
        outside = [h for h, r in zip(named, roots) if not _under_preposition(r, member)]
        return outside if any(r.dep_ == "conj" or r.conjuncts for h, r in zip(named, roots) if h in outside) \
            else named
    def depth(index: int) -> int:
        token, steps = roots[index], 0
        while token.i != member.i and token.head.i != token.i and steps < 20:
            token, steps = token.head, steps + 1
        return steps
    order = sorted(range(len(named)), key=depth)
    main = named[order[0]]
    located = next((named[k] for k in order[1:] if named[k].country), None)
    if main.country is None and located is not None:
        return [located]
    return [main]


def _under_preposition(token: Any, top: Any) -> bool:
    """Is ``token`` inside a prepositional phrase below ``top``?"""
    current, steps = token, 0
    while current.i != top.i and current.head.i != current.i and steps < 20:
        if current.dep_ == "prep":
            return True
        current, steps = current.head, steps + 1
    return False


def _group_members(hit: ActorHit) -> list[ActorHit]:
    """A dictionary code such as ``FRO/BIL/SAM`` names a group: one actor per code."""
    if not hit.code or "/" not in hit.code:
        return [hit]
    return [ActorHit(hit.start, hit.end, hit.text, code, hit.actor_id, _country_of(code), hit.sector)
            for code in hit.code.split("/") if code]


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
    for member, inside in zip(_members(head), member_hits):
        named = _one_actor_per_name(member, [h for h in inside if not h.agent], doc)
        agents = [h for h in inside if h.agent]
        if named:
            actors.extend(_event_actor(part, agents, doc) for hit in named for part in _group_members(hit))
        elif agents:
            # "Russian media and officials": a bare agent shares its partner's country
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


def _right_region(verb: Any, span_end: int, open_participles: bool = True) -> list[Any]:
    """Words after the verb that belong to its own clause (objects, prepositional phrases)."""
    region = []
    for child in verb.children:
        if verb.i < child.i <= span_end and child.dep_ == "prep":
            # a preposition that is part of the verb ("called on Russia to ...", "appealed to
            # Washington"): its object is the verb's
            region.extend(t for t in child.subtree if t.i != child.i and not _inside_clause(t, child, open_participles))
            continue
        if child.i <= span_end or (child.dep_ in CLAUSAL_DEPS and child.dep_ != "xcomp") \
                or child.dep_ in SUBJECT_DEPS or child.dep_ in ("conj", "cc", "punct", "agent", "mark"):
            continue
        if child.dep_ == "xcomp":  # "offered to hand over X to Britain": the complement's objects
            region.extend(_right_region(child, child.i, open_participles))
            continue
        region.extend(t for t in child.subtree if not _inside_clause(t, child, open_participles))
    return sorted(region, key=lambda t: t.i)


def _inside_clause(token: Any, top: Any, open_participles: bool = False) -> bool:
    """Is ``token`` inside a clause of its own below ``top``? With ``open_participles`` a
    participle modifying a noun of the object ("the roads leading into Crimea", "a
    deal to supply Ukraine") does not count: it describes the object, so its actors
    can be the target (but its words do not match verb patterns)."""
    current = token
    while current.i != top.i and current.head.i != current.i:
        if current.dep_ in CLAUSAL_DEPS and not (open_participles and current.dep_ == "acl"
                                                 and current.head.pos_ in ("NOUN", "PROPN")):
            return True
        current = current.head
    return False


def _subject_token(verb: Any) -> tuple[Optional[Any], bool]:
    """(subject head, passive?) of ``verb``, climbing to a controlling verb when needed."""
    current = verb
    dateline = _dateline_end(verb.sent)
    for _ in range(6):
        subject = next((c for c in current.children if c.dep_ in ("nsubj", "nsubjpass") and c.i > dateline), None)
        if subject is not None:
            if subject.lower_ in RELATIVE_PRONOUNS and current.dep_ == "relcl":
                return current.head, False
            if subject.tag_ == "PRP" and subject.lower_ in ANAPHORS:
                antecedent = _antecedent(current)
                if antecedent is not None:
                    return antecedent, subject.dep_ == "nsubjpass" and current.i == verb.i
            return subject, subject.dep_ == "nsubjpass" and current.i == verb.i
        if current.dep_ in ("relcl", "acl") and current.head.pos_ in ("NOUN", "PROPN"):
            noun = current.head
            if noun.lemma_.lower() in DOCUMENT_NOUNS and noun.head.i != noun.i:
                # "the ministry issued a statement demanding ...": the ministry demands
                issuer = next((c for c in noun.head.children if c.dep_ == "nsubj"), None)
                if issuer is not None:
                    return issuer, False
            return noun, current.tag_ == "VBN"
        if current.dep_ not in CONTROLLED_DEPS or current.head.i == current.i:
            return None, False
        if current.dep_ == "xcomp":
            controller = next((c for c in current.head.children if c.dep_ in ("dobj", "dative")), None)
            if controller is not None:
                return controller, False
        current = current.head
    return None, False


def _antecedent(clause_verb: Any) -> Optional[Any]:
    """"Russia says it will withdraw": a pronoun subject refers to the subject of the
    clause this one is reported in (or depends on), when that is a name or noun."""
    current = clause_verb
    for _ in range(4):
        if current.head.i == current.i:
            return None
        current = current.head
        subject = next((c for c in current.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if subject is not None and subject.tag_ != "PRP":
            return subject
    return None


def _possessor_actors(subject: Any, hits: list[ActorHit], doc: Any) -> list[EventActor]:
    """"Moscow said its forces had taken the village": a subject that names no actor but
    belongs to one through a possessive pronoun ("its forces", "their troops") is the
    actor the pronoun refers to, the subject of the clause it is reported in, with the
    subject's own agent ("forces" -> MIL) when it has one."""
    if subject.dep_ not in ("nsubj", "nsubjpass"):
        return []
    if not any(c.dep_ == "poss" and c.tag_ == "PRP$" and c.lower_ in POSSESSIVE_ANAPHORS for c in subject.children):
        return []
    antecedent = _antecedent(subject.head)
    if antecedent is None:
        return []
    owners = _resolve_argument(antecedent, hits, doc)
    ids = _phrase_token_ids(subject)
    agents = [h for h in hits if h.agent and h.start in ids]
    if not agents or not owners:
        return owners
    owner = next((h for h in hits if not h.agent and h.start in _phrase_token_ids(antecedent)), None)
    if owner is None:
        return owners
    sector = next((a.sector for a in agents if a.sector), None)
    return [EventActor(actor_id=owner.actor_id, text=doc[min(ids):max(ids) + 1].text, code=_combine(owner, agents),
                       country=owner.country, sector=sector)]


def _state_of_place(verb: Any, hits: list[ActorHit], doc: Any) -> list[EventActor]:
    """"A journalist was detained in Russia": an arrest, detention or expulsion told in the
    passive without a "by" names no doer, but only a state's authorities arrest people in
    their country; the country of the place in the verb's own "in" phrase is the source
    (its government)."""
    for prep in verb.children:
        if prep.dep_ != "prep" or prep.lower_ != "in":
            continue
        for obj in prep.children:
            if obj.dep_ != "pobj":
                continue
            ids = _phrase_token_ids(obj)
            place = next((h for h in hits if h.start in ids and not h.agent and h.country), None)
            if place is not None and doc[place.start:place.end].root.ent_type_ in PLACE_LABELS:
                return [EventActor(actor_id=place.actor_id, text=place.text, code=place.country + "GOV",
                                   country=place.country, sector="GOV")]
    return []


def _agent_of(verb: Any) -> Optional[Any]:
    for child in verb.children:
        if child.dep_ == "agent":
            return next((g for g in child.children if g.dep_ == "pobj"), None)
    return None


def _location(verb: Any, region: list[Any], used: set[int], span: Any = None) -> Optional[str]:
    """Place named in a locative phrase of the verb ("killed in a strike on Odesa").

    A place entity wins; failing that a proper name after a locative preposition (the
    small spaCy model often labels unfamiliar towns ORG).
    """
    if not region:
        return None
    ids = {t.i for t in region}
    candidates = []
    # the region lies in the verb's sentence: its entities are enough (not the whole Doc's)
    for ent in (span.ents if span is not None else verb.doc.ents):
        head = ent.root.head
        if ent.start in ids and ent.start not in used and ent.label_ in PLACE_LABELS | {"ORG"} \
                and head.dep_ == "prep" and head.lower_ in LOCATIVE_PREPS:
            candidates.append((ent.label_ not in PLACE_LABELS, ent.start, ent.text))
    return min(candidates)[2] if candidates else None


def _place_country(region: list[Any], hits: list[ActorHit]) -> Optional[str]:
    """Country of a place the verb's locative phrase names ("protested in Georgia")."""
    by_index = {t.i: t for t in region}
    for hit in hits:
        token = by_index.get(hit.start)
        if hit.agent or token is None or not hit.country:
            continue
        head = token.head
        while head.dep_ in ("compound", "pobj", "poss") and head.head.i != head.i:
            head = head.head
        if head.lower_ in LOCATIVE_PREPS:
            return hit.country
    return None


def _host_state(sources: list[EventActor], region: list[Any], hits: list[ActorHit], doc: Any) -> list[EventActor]:
    """Recipient of a protest that names none: the state where it happens (the place
    named, else the protesters' country), as CAMEO/PLOVER coders record domestic dissent."""
    ids = {t.i for t in region}
    place = next((h for h in hits if not h.agent and h.country and h.start in ids), None)
    if place is not None:
        return [EventActor(actor_id=place.actor_id, text=place.text, code=place.country, country=place.country)]
    country = _first_country(sources)
    if country:
        return [EventActor(text=country, code=country, country=country)]
    return []


def _first_country(actors: list[EventActor]) -> Optional[str]:
    return next((a.country for a in actors if a.country), None)


def _situate(actors: list[EventActor], country: Optional[str]) -> list[EventActor]:
    """An agent named without a country ("the government", "fundamentalists") is taken to
    belong to the country the event happens in or to the only country the sentence
    names; a target agent first to its source's country ("Georgian protesters demanded
    the resignation of the government": Georgia's government)."""
    if not country:
        return actors
    situated = []
    for actor in actors:
        if actor.country is None and actor.code and actor.code.startswith(NULL_CODE):
            actor = actor.model_copy(update={"code": country + actor.code[len(NULL_CODE):], "country": country})
        situated.append(actor)
    return situated


def _absorbed(coding: _VerbCoding, codings: dict[int, _VerbCoding]) -> bool:
    """An infinitival complement of a coded verb is part of that verb's event, and so is the
    demanded act of a coded verb of demanding ("demanded that Kyiv withdraw")."""
    current = coding.token
    head_lemma = current.head.lemma_.lower()
    if current.dep_ == "ccomp" and current.tag_ == "VB" and head_lemma in modality_rules.DEMAND_HEADS \
            and head_lemma not in modality_rules.REPORTING_VERBS:  # "insisted that ..." reports the demand
        upper = codings.get(current.head.i)
        if upper is not None and upper.code != NULL_CODE:
            return True
    if current.dep_ == "ccomp" and current.tag_ == "VB":
        # "reiterated its demand that Israel ease restrictions": a demand named by a pattern
        # of the governing verb; its (subjunctive) complement is the act demanded
        upper = codings.get(current.head.i)
        if upper is not None and upper.pattern is not None and upper.code.startswith(REQUEST_CAMEO[:2]):
            return True
    while current.dep_ in ("xcomp", "acomp") and current.head.i != current.i:
        current = current.head
        upper = codings.get(current.i)
        if upper is not None and upper.code != NULL_CODE:
            return True
    return False


def code_sentence(sentence: Any, actor_lookup: ActorLookup, date: Optional[Date] = None, *,
                  verbs: Optional[VerbDictionary] = None, keep_unmapped: bool = False,
                  situate: bool = True) -> list[CodedEvent]:
    """Code the events of one sentence (a spaCy Span or Doc).

    ``actor_lookup`` finds the actors (``ArticleActors`` in the pipeline,
    ``DictionaryActors`` for dictionary-coded text); ``date`` is the reference date
    (historical mode). ``keep_unmapped`` also returns CAMEO codes PLOVER drops (01, 02)
    and non-CAMEO dictionary codes, with ``type=None`` (used by the CAMEO benchmark).
    ``situate=False`` leaves an agent without a country uncoded (``---GOV``, PETRARCH's
    convention) instead of placing it in the event's country (see ``_situate``).
    """
    dictionary = verbs or load_verb_dictionary()
    span = sentence[:] if not hasattr(sentence, "sent") else sentence
    hits = _without_dateline(actor_lookup.hits(span), span)
    matcher = _Matcher(span, dictionary.synsets, hits)
    codings: dict[int, _VerbCoding] = {}
    for token in _verb_tokens(span):
        coding = _code_verb(token, dictionary, matcher)
        if coding is not None and _naming_not_meeting(coding):
            coding = None
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
        new = _events_for(coding, span, hits, matcher, reference_year, keep_unmapped, situate)
        if new:
            produced.add(coding.token.i)
            events.extend(new)
    events.sort(key=lambda e: e.trigger.start)
    return events


# verbs of arriving and visiting: the place is the host (CAMEO 042/043), not a venue
VISIT_VERBS = frozenset({"arrive", "visit", "travel", "go", "come", "fly", "return", "land", "head", "tour"})
DATELINE_DASHES = frozenset({"—", "–", "--"})


def _dateline_end(span: Any) -> int:
    """Doc index of the dash closing a dateline at the start of ``span`` ("KHARKIV, Ukraine —"), else -1."""
    words = []  # the first eight words are enough (a dateline is short)
    for token in span:
        if not token.is_space:
            words.append(token)
            if len(words) == 8:
                break
    dash = next((k for k, t in enumerate(words) if t.text in DATELINE_DASHES), None)
    if dash is None or dash == 0 or not all(t.pos_ == "PROPN" or t.is_punct for t in words[:dash]):
        return -1
    return words[dash].i


def _without_dateline(hits: list[ActorHit], span: Any) -> list[ActorHit]:
    """A dateline ("KHARKIV, Ukraine — Russian drones struck ...") says where the story was
    filed; its place names are no actors of the sentence's events (nor their subject)."""
    end = _dateline_end(span)
    return [h for h in hits if h.start > end] if end >= 0 else hits


def _venue_places(verb: Any, hits: list[ActorHit], doc: Any) -> set[int]:
    """Starts of the place names in an "in"/"at" phrase of the verb itself ("met in Istanbul",
    "accepted in Jeddah"): for a meeting or an agreement that place is the venue, not a party.
    A place inside a noun phrase stays an actor ("officials in Kyiv", "the force in Lebanon")."""
    places = set()
    for hit in hits:
        if hit.agent or not hit.country:
            continue
        root = doc[hit.start:hit.end].root
        prep = root.head
        if root.dep_ == "pobj" and prep.lower_ in ("in", "at") and prep.head.i == verb.i \
                and root.ent_type_ in PLACE_LABELS:
            places.add(hit.start)
    return places


def _naming_not_meeting(coding: _VerbCoding) -> bool:
    """"called the meeting 'productive'", "called it an ultimatum", "what he calls the root
    causes": "call" with an object complement names or judges something; it is not a phone
    call or a meeting (CAMEO 04x, 036). Other codes of the naming sense stay ("called
    Kyiv's leader a dictator" is an accusation)."""
    verb = coding.token
    if verb.lemma_.lower() != "call" or not (coding.code.startswith("04") or coding.code.startswith("036")):
        return False
    has_object = any(c.dep_ == "dobj" for c in verb.children)
    for child in verb.children:
        if child.dep_ == "ccomp" or (child.dep_ in ("oprd", "acomp") and (has_object or child.pos_ == "ADJ")):
            return True
        if child.dep_ == "dobj" and any(g.dep_ in ("appos", "oprd", "acomp", "amod") and g.i > child.i
                                        for g in child.children):
            return True
        if child.dep_ == "dobj" and child.i + 1 < len(verb.doc) and verb.doc[child.i + 1].is_quote:
            return True
    return False


def _depth(token: Any) -> int:
    return sum(1 for _ in token.ancestors)


def _says_something_coded(coding: _VerbCoding, produced: set[int]) -> bool:
    """A verb of saying whose complement clause already gave an event adds nothing."""
    if coding.token.lemma_.lower() not in modality_rules.REPORTING_VERBS:
        return False
    return any(t.i in produced for child in coding.token.children if child.dep_ in ("ccomp", "parataxis")
               for t in child.subtree)


def _events_for(coding: _VerbCoding, span: Any, hits: list[ActorHit], matcher: _Matcher,
                reference_year: Optional[int], keep_unmapped: bool, situate: bool) -> list[CodedEvent]:
    verb = coding.token
    doc = verb.doc
    pattern = coding.pattern
    marked = coding.marked
    forward_category = cameo_to_plover(coding.code.split(":")[0])
    if forward_category is not None and coding.code[:3] not in ("042", "043") \
            and verb.lemma_.lower() not in VISIT_VERBS and (
            forward_category.type in ("CONSULT", "AGREE") or forward_category.type in COOPERATIVE_ACTS
            and modality_rules.read_modality(verb).modality in ("planned", "hypothetical")):
        # a meeting or an agreement (a planned co-operation folds into AGREE): the place it
        # happens in is its venue, neither a party nor the parties' country (delegations
        # meet in third countries); a visit (042/043) keeps its host
        venues = _venue_places(verb, hits, doc)
        hits = [h for h in hits if h.start not in venues]
    subject, passive = _subject_token(verb)
    agent = _agent_of(verb)
    sources = _resolve_argument(subject, hits, doc) if subject is not None else []
    if not sources and subject is not None:
        sources = _possessor_actors(subject, hits, doc)
    targets: list[EventActor] = []
    if passive:  # "Kyiv was attacked by Russia": the by-agent acts on the subject
        targets = sources
        sources = _resolve_argument(agent, hits, doc) if agent is not None else []
    region = _right_region(verb, max(t.i for t in matcher.tokens[coding.span_start:coding.span_end + 1]))
    if passive and not sources and coding.code[:2] in STATE_COERCION_PREFIXES:
        sources = _state_of_place(verb, hits, doc)
    if "target" in marked and marked["target"]:
        targets = _actors_at(marked["target"][0], verb, hits, doc)
    elif not targets:
        targets = _find_targets(verb, region, hits, doc)
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
    targets = [t for t in targets if not (len(targets) > 1 and not pairwise and any(_same(t, s) for s in sources))]
    if not pairwise and len(sources) == 1 and len(targets) == 1 and _same(sources[0], targets[0]) \
            and sources[0].code not in (None, NULL_CODE):
        targets = []

    if situate:
        place = _place_country(region, hits)
        countries = {h.country for h in hits if h.country and not h.agent}
        only_country = next(iter(countries)) if len(countries) == 1 else None
        sources = _situate(sources, place or only_country)
        targets = _situate(targets, _first_country(sources) or place or only_country)

    reading = modality_rules.read_modality(verb, reference_year)
    used = {h.start for h in hits}  # a venue dropped from the actors is the event's location
    location = _location(verb, region, used, span)
    rule = pattern.id if pattern else f"verb:{coding.block.name.lower().replace(' ', '_')}"
    base_confidence = 0.55 + (0.15 if pattern else 0.0) + (0.1 if sources else 0.0) + (0.1 if targets else 0.0)
    trigger = Span(start=verb.idx, end=verb.idx + len(verb.text), text=verb.text)
    results = []
    directions = [(forward, sources, targets)]
    if reverse is not None and targets and not (pairwise and reverse == forward):
        directions.append((reverse, targets, sources))  # "A met B" [031:031]: B met A too
    # "the editorial argued that ...": a verb of saying with its clause is a report, not
    # an event of its own, unless a pattern gave it one or it is a warning (a threat)
    report_only = pattern is None and verb.lemma_.lower() in modality_rules.REPORTING_VERBS and any(
        c.dep_ == "ccomp" for c in verb.children)
    for code, src, tgt in directions:
        if code == NULL_CODE:
            continue
        folded = _fold(code, src, tgt, reading, hits, doc, keep_unmapped, coding.block.plover)
        if folded is None or (report_only and folded.type not in (None, "THREATEN")):
            continue
        if folded.type and folded.type not in ACTORLESS_TYPES and not folded.source and not folded.target:
            continue  # "it creates a fund": no one acts on anyone, no PLOVER event
        target = folded.target
        if situate and folded.type == "PROTEST" and not target:
            target = _host_state(folded.source, region, hits, doc)
        certain = folded.modality in ("asserted", "reported")
        results.append(CodedEvent(
            cameo=folded.cameo, type=folded.type, mode=folded.mode, context=folded.context, source=folded.source,
            target=target, modality=folded.modality, reported_by=reading.reported_by, location=location,
            trigger=trigger, trigger_token=verb.i, sentence_start=span.start_char, sentence_end=span.end_char,
            sentence_text=span.text, rule=rule, confidence=min(0.95, base_confidence * (1.0 if certain else 0.9))))
    return results


def _find_targets(verb: Any, region: list[Any], hits: list[ActorHit], doc: Any) -> list[EventActor]:
    """The first actor to the right of the verb in its own clause; else the subject of its
    clausal complement ("believes Kyiv will ...")."""
    region_ids = {t.i for t in region}
    objects = {t.i for c in verb.children if c.dep_ in ("dobj", "dative", "attr") for t in c.subtree} & region_ids
    # a name in the direct object, a name elsewhere, then a bare agent ("attacked the
    # government in Kyiv"; but "withdrew its troops from Kherson" is about Kherson)
    for scope, agents in ((objects, False), (region_ids, False), (objects, True), (region_ids, True)):
        first = next((h for h in hits if h.start in scope and h.agent == agents), None)
        if first is not None:
            return _actors_at(first, verb, hits, doc)
    for complement in verb.children:
        if complement.dep_ == "ccomp":
            inner = next((c for c in complement.children if c.dep_ in ("nsubj", "nsubjpass")), None)
            if inner is not None:
                return _resolve_argument(inner, hits, doc)
    return []


def _same(a: EventActor, b: EventActor) -> bool:
    """The same actor named twice ("Russia ... its"), not two actors of one country
    ("Iraqi police ... Iraqi civilians" is a domestic event and keeps both)."""
    return a.text.lower() == b.text.lower() and a.code == b.code


def _actors_at(hit: ActorHit, verb: Any, hits: list[ActorHit], doc: Any) -> list[EventActor]:
    head = _argument_head_of(doc[hit.start], verb)
    found = _resolve_argument(head, hits, doc)
    return found or [_event_actor(hit if not hit.agent else None, [hit] if hit.agent else [], doc)]


class _Folded(NamedTuple):
    type: Optional[str]
    mode: Optional[str]
    context: list[str]
    cameo: str
    source: list[EventActor]
    target: list[EventActor]
    modality: str


def _fold(code: str, sources: list[EventActor], targets: list[EventActor], reading: modality_rules.ModalityReading,
          hits: list[ActorHit], doc: Any, keep_unmapped: bool, plover: Optional[str] = None) -> Optional[_Folded]:
    """PLOVER type of a coded verb, with the auxiliary modes folded in; None = no event."""
    code = _recode_by_actors(code, sources, targets)
    category = cameo_to_plover(code)
    if category is not None and plover:
        category = PloverCategory(plover, None, category.context)
    modality = reading.modality
    context = list(category.context) if category else []
    context.extend(m for m in reading.aux_modes if m not in context)
    if category is None:
        return _Folded(None, None, context, code, sources, targets, modality) if keep_unmapped else None
    event_type, mode = category.type, category.mode
    if modality == "recommended" and reading.in_reported_speech and reading.speaker_token is not None:
        # "Kyiv said Moscow must return the children": Kyiv demands it of Moscow
        speaker = doc[reading.speaker_token]
        speaker_actors = _resolve_argument(speaker, hits, doc)
        if speaker_actors:
            return _Folded("REQUEST", None, context, REQUEST_CAMEO, speaker_actors, sources, "reported")
    if reading.demanded_by is not None and modality != "negated":
        # "Russia insisted that Kyiv give up Donetsk": Russia demands it of Kyiv; a demand
        # by no named actor is no event
        demander = _resolve_argument(doc[reading.demanded_by], hits, doc)
        if not demander:
            return None
        # the demand is the demander's own speech act: it takes the modality of the verb of
        # demanding ("the text said it would have required ..."), not of the demanded act
        demanding = modality_rules.read_modality(doc[reading.demanded_by].head)
        return _Folded("REQUEST", None, context, REQUEST_CAMEO, demander, sources, demanding.modality)
    if reading.ultimatum and modality in ("planned", "hypothetical"):
        # "will halt gas transit unless Kyiv pays its debts"
        return _Folded("THREATEN", None, context, code, sources, targets, modality)
    if modality == "negated" and "future" in reading.aux_modes and event_type in COOPERATIVE_ACTS | {"AGREE"}:
        # "Kyiv says it will not accept the plan": a refusal (PLOVER REJECT)
        return _Folded("REJECT", None, context, code, sources, targets, "asserted")
    if modality in ("planned", "hypothetical") and event_type in COOPERATIVE_ACTS:
        military_aid = event_type == "AID" and ("military" in context or code.startswith("072"))
        event_type, mode = ("THREATEN", None) if military_aid and modality == "hypothetical" else ("AGREE", None)
    elif modality in ("planned", "hypothetical") and event_type in CONFLICTUAL_ACTS:
        event_type, mode = "THREATEN", None
    elif modality == "hypothetical" and event_type in VERBAL_TYPES and "condition" != reading.cue:
        return None  # "Russia would oppose this": a conditional reaction, not an event
    elif reading.would and event_type in REACTION_TYPES:
        return None  # "the Kremlin said Russia would oppose any such move": a stance, not an event
    return _Folded(event_type, mode, context, code, sources, targets, modality)


# ============================================================================ the stage


@stage(requires=("article.doc", "article.actors"), assigns=("article.events",), english_only=True)
def extract_events(article: Article, ctx: Context) -> Article:
    """Code PLOVER events (with CAMEO codes and modality) in every sentence."""
    doc = article.doc
    if doc is None:
        return article
    verbs = ctx.resource("event_verbs", load_verb_dictionary)
    lookup = ArticleActors(article)
    reference = article.reference_date()
    events: list[Event] = []
    seen: set[str] = set()
    for index, sent in enumerate(doc.sents):
        for coded in _news_events(code_sentence(sent, lookup, reference, verbs=verbs), doc):
            date_value, from_report = _event_date(article, coded)
            event = coded.to_event(article.id, index, date_value, from_report)
            if event.id not in seen:
                seen.add(event.id)
                events.append(event)
    article.events = events
    return article


# A generic CAMEO default (the verb's block code, no pattern) with only one side named is
# often a verb sense that is no event at all ("gave only her first name", "discussed buying",
# "videos released by the agency"); for these types such events are left out of the article
GENERIC_DEFAULT_TYPES = frozenset({"CONSULT", "COOPERATE", "AID", "RETREAT", "CONCEDE", "MOBILIZE"})
MIN_GENERIC_CONFIDENCE = 0.7


def _actor_keys(actors: list[EventActor]) -> frozenset[str]:
    return frozenset(a.country or a.code or a.text for a in actors)


def _compatible(kept: frozenset[str], new: frozenset[str]) -> bool:
    """The same actors, or one of the two events leaves the side unnamed."""
    return kept == new or not new or not kept


def _news_events(coded: list[CodedEvent], doc: Any) -> list[CodedEvent]:
    """The events of one sentence as an analyst should see them (pipeline only; the
    benchmarks score ``code_sentence`` itself):

    * a symmetric verb gives one event, not one per direction ("A met B" [031:031]): the
      event in the text's direction (the subject as source) is kept;
    * one event per type and actors: "Russian strikes have destroyed or damaged plants hit
      last year" is one ASSAULT, not three (the most confident is kept; where it leaves a
      source or target unnamed that a merged event names, it takes that side from it);
    * generic defaults of the types above with confidence under ``MIN_GENERIC_CONFIDENCE``
      (no pattern, one side unnamed) are dropped;
    * a participle modifying a noun with no named doer describes a thing, not an act
      ("a missile fired from ships", "facilities supporting the army"): dropped;
    * a verbal or co-operative act (any type but ASSAULT, COERCE, PROTEST, MOBILIZE) with
      no source is dropped unless its subject can be a person or a body the actor layer
      did not resolve ("He accused Moscow ..."): "the sanctions bar companies", "the
      measures were intended to cut ...", "it would allow Ukraine ..." are no one's acts;
    * a participle clause of an attack with only a generic default ("struck the plant,
      forcing a blackout / contributing to shortages") is its consequence: dropped;
    * a negated act inside an "if"/"unless" clause ("consequences if Russia did not
      agree") is a condition: dropped.
    """
    order = {id(e): n for n, e in enumerate(coded)}
    assaults = {e.trigger_token for e in coded if e.type == "ASSAULT"}
    kept: list[CodedEvent] = []
    for event in sorted(coded, key=lambda e: -e.confidence):
        if event.type is None:
            continue
        generic = event.rule.startswith("verb:")
        if generic and event.type in GENERIC_DEFAULT_TYPES and event.confidence < MIN_GENERIC_CONFIDENCE:
            continue
        if not event.source and (doc[event.trigger_token].dep_ == "acl" or (
                event.type not in ACTORLESS_TYPES and not _someone_acts(doc[event.trigger_token]))):
            continue
        if generic and event.type != "ASSAULT" and _consequence_of(doc[event.trigger_token], assaults):
            continue
        if _negated_condition(event, doc[event.trigger_token]):
            continue
        source, target = _actor_keys(event.source), _actor_keys(event.target)
        duplicate = False
        for index, other in enumerate(kept):
            if other.type != event.type:
                continue
            other_source, other_target = _actor_keys(other.source), _actor_keys(other.target)
            if other.trigger_token == event.trigger_token and (other_source, other_target) == (target, source):
                duplicate = True
            elif _compatible(other_source, source) and _compatible(other_target, target):
                duplicate = True
                if (not other_source and source) or (not other_target and target):
                    kept[index] = replace(other, source=other.source or event.source,
                                          target=other.target or event.target)
                    order[id(kept[index])] = order[id(other)]
            if duplicate:
                break
        if not duplicate:
            kept.append(event)
    kept.sort(key=lambda e: order[id(e)])
    return kept


PERSONAL_PRONOUNS = frozenset({"he", "she", "they", "we", "i", "you"})
AGENT_ENTITIES = frozenset({"PERSON", "NORP", "ORG", "GPE"})


def _someone_acts(verb: Any) -> bool:
    """Does the verb have a subject that can be a person or a body, even one the actor
    layer did not resolve ("He accused Moscow", "European governments rallied")? A
    statement or act whose subject is a thing ("the sanctions bar companies", "the
    measures were intended to cut", "it would allow") or nobody is no one's act."""
    subject, _passive = _subject_token(verb)
    if subject is None:
        return False
    if subject.lower_ in PERSONAL_PRONOUNS:
        return True
    return any(t.ent_type_ in AGENT_ENTITIES for t in subject.subtree if not _inside_clause(t, subject))


def _consequence_of(verb: Any, assaults: set[int]) -> bool:
    """"Drones struck the plant, forcing shutdowns / contributing to shortages / using
    ...": a participle clause hanging from an attack tells its consequence or means, not
    an act of its own."""
    if verb.tag_ != "VBG" or any(c.dep_ in ("nsubj", "nsubjpass") for c in verb.children):
        return False
    while verb.dep_ == "conj" and verb.head.tag_ == "VBG" and verb.head.i not in assaults:
        verb = verb.head  # "..., leaving homes without power and forcing the city to ..."
    return verb.dep_ in ("advcl", "xcomp", "conj") and verb.head.i in assaults


def _negated_condition(event: CodedEvent, verb: Any) -> bool:
    """"... consequences if Russia did not agree to a ceasefire": a negated act inside an
    "if"/"unless" clause is a condition, neither something that happened nor a refusal."""
    return event.modality == "negated" and any(
        c.dep_ == "mark" and c.lower_ in ("if", "unless") for t in modality_rules.verbal_group(verb)
        for c in t.children)


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
