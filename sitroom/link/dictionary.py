"""Actor and agent dictionaries in the Phoenix/PETRARCH text format.

The format (read by PETRARCH's ``PETRreader.read_actor_dictionary`` and
``read_agent_dictionary``; we read it the same way, plus the few liberties the shipped
files take)::

    # a comment line                      <!-- an XML comment, may span lines -->
    VLADIMIR_PUTIN_  # text after '#' is a comment
    +PUTIN_                               a synonym of the entry above
    +PRESIDENT_VLADIMIR_PUTIN_
        [RUSELI 19520101-20000507]        code valid from the first date (inclusive)
        [RUSGOV >20000507]                ... on and after the date
        [RUSELI]                          no date: the default code
    HAMAS [PSEREBHMS]                     a code may follow the phrase on its line

* Words are joined by ``_`` or spaces; matching is case-insensitive and accent-blind.
  A trailing ``_`` (TABARI's "stop, don't stem") is accepted and ignored: PETRARCH2
  matches whole words only, and so do we.
* Dates are ``YYYYMMDD`` or ``YYMMDD`` (``YY <= 30`` is 20YY, as in PETRARCH), in the
  forms ``>D`` (from D), ``<D`` (before D) and ``A-B`` (from A, before B); spaces
  around ``<``, ``>`` and ``-`` are allowed. At a given date, of the dated codes whose
  range contains it the one that started last wins, else the first undated code.
  Several ``[...]`` blocks may share a line.
* A code of ``---`` means "known, but do not code" (e.g. ``INDIAN_OCEAN [---]``).

Agent dictionaries::

    !MINIST! = MINISTER, MINISTERS, MINISTRY, MINISTRIES     a substitution set
    FOREIGN_!MINIST! [~GOV]      one entry per member of the set, no extra plurals
    POLICE {} [~COP]             {} : no plural form
    ATTORNEY_GENERAL {ATTORNEYS_GENERAL} [~GOV]    an irregular plural
    SOLDIER [~MIL]               regular plural made automatically: SOLDIERS
    HUMAN_RIGHTS_BODY [NGO~]     code goes before the actor's code instead of after

Discard files list phrases that make PETRARCH skip a sentence (or, with a leading
``+``, the whole story).

Public API (used by the resolver and the event coder)::

    load_actor_dictionary(paths, namespace=None, *, strict=True) -> ActorDictionary
    load_agent_dictionary(paths, *, strict=True) -> AgentDictionary
    load_discards(path) -> Discards                   Discards.find(tokens)
    phoenix_actor_paths() / phoenix_agent_path()      the shipped Phoenix files (actors: + sitroom.actors.txt)
    ActorDictionary.match(tokens, start, date=None) -> Match | None   (longest match)
    ActorDictionary.find_all(tokens, date=None) -> list[Match]
    ActorDictionary.lookup(phrase) -> ActorEntry | None               (exact phrase)
    ActorDictionary.code_at(entry, date) -> str | None
    ActorEntry.range_at(date) -> CodeRange | None    (code, start, end, role)
    AgentDictionary.match(tokens, start) -> AgentMatch | None
    AgentEntry.apply(actor_code) -> str        "RUS" + "~MIL" -> "RUSMIL"

``strict=False`` skips malformed lines and lists them in ``.problems`` (the shipped
Phoenix files have a few); user files are read strictly (ConfigError, file and line).
"""

from __future__ import annotations

import gc
import re
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional, Sequence, Union

from ..config import package_data
from ..errors import ConfigError

PathLike = Union[str, Path]

NO_CODE = "---"  # Phoenix: a phrase that is recognised but must not be coded
PHOENIX_NAMESPACE = "PHX"
PHOENIX_ACTOR_FILES = (
    "Phoenix.Countries.actors.txt",
    "Phoenix.International.actors.txt",
    "Phoenix.MilNonState.actors.txt",
)
PHOENIX_AGENT_FILE = "Phoenix.agents.txt"
# sitroom's additions in the Phoenix format (real actors and spellings the Phoenix files
# miss), read right after them: sitroom/data/actors/sitroom.actors.txt
SUPPLEMENT_ACTOR_FILE = "sitroom.actors.txt"

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2013": "-", "\u2014": "-"})
# A hyphen between two letters/digits: spaCy splits "al-Qaeda" into three tokens, a
# whitespace tokenizer does not; phrases are indexed both ways.
_INNER_HYPHEN = re.compile(r"(?<=\w)(-)(?=\w)")
_CODE_BLOCK = re.compile(r"\[([^\]]*)\]")
_DATE_SPEC = re.compile(r"^(?:(?P<op>[<>])(?P<single>\d{6,8})|(?P<a>\d{6,8})-(?P<b>\d{6,8}))$")


def _normalize(text: str) -> str:
    text = text.translate(_APOSTROPHES)
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return text.upper()


@lru_cache(maxsize=200_000)
def normalize_token(token: str) -> str:
    """Upper-case, accent-free, with typographic apostrophes/dashes made ASCII."""
    return _normalize(token)


def phrase_tokens(phrase: str) -> tuple[str, ...]:
    """Dictionary phrase (``VLADIMIR_V._PUTIN_``) -> normalized tokens."""
    return tuple(_normalize(phrase.replace("_", " ")).split())


# Arabic article particles that texts join to the name with a hyphen ("al-Bashir",
# "el-Sisi") and dictionaries with "_" (AL_BASHIR)
_NAME_PARTICLES = frozenset({"AL", "EL"})


def _phrase_variants(tokens: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The ways a tokenizer may split a dictionary phrase, each indexed:

    * "AL-QAEDA" as one word or three ("AL", "-", "QAEDA": spaCy splits inner hyphens);
    * "WORKERS'" / "PEOPLE'S" as spaCy writes possessives ("WORKERS", "'" / "PEOPLE", "'S");
    * a name particle joined with "_" in the dictionary (AL_BASHIR) as the text writes it,
      with a hyphen ("al-Bashir" -> "AL", "-", "BASHIR").
    """
    variants = [tokens]
    if "-" in "".join(tokens):
        split: list[str] = []
        for token in tokens:
            split.extend(w for w in _INNER_HYPHEN.split(token) if w)
        if tuple(split) != tokens:
            variants.append(tuple(split))
    if "'" in "".join(tokens):
        for variant in list(variants):
            possessive: list[str] = []
            for token in variant:
                if len(token) > 2 and token.endswith("'S"):
                    possessive.extend([token[:-2], "'S"])
                elif len(token) > 1 and token.endswith("'"):
                    possessive.extend([token[:-1], "'"])
                else:
                    possessive.append(token)
            if tuple(possessive) not in variants:
                variants.append(tuple(possessive))
    if any(t in _NAME_PARTICLES for t in tokens[:-1]):
        for variant in list(variants):
            hyphenated: list[str] = []
            for k, token in enumerate(variant):
                hyphenated.append(token)
                if token in _NAME_PARTICLES and k + 1 < len(variant) and variant[k + 1] != "-":
                    hyphenated.append("-")
            if tuple(hyphenated) not in variants:
                variants.append(tuple(hyphenated))
    return variants


_SMALL_WORD = re.compile(r"(?<= )(?:Of|The|And|For|In|On|At|De|Du|Des|La|Le)(?= |$)")


def display_name(phrase: str) -> str:
    """``VLADIMIR_PUTIN_`` -> ``Vladimir Putin``; one word of up to four letters (UN,
    NATO, OSCE) stays in capitals."""
    text = " ".join(phrase.replace("_", " ").split())
    if not text.isupper() or (" " not in text and len(text) <= 4):
        return text
    return _SMALL_WORD.sub(lambda m: m.group(0).lower(), text.title())


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class CodeRange:
    """A code valid from ``start`` (inclusive) until ``end`` (exclusive); None = open."""

    code: str
    start: Optional[date] = None
    end: Optional[date] = None
    role: Optional[str] = None  # curated dictionaries: "President of Russia", ...

    @property
    def dated(self) -> bool:
        return self.start is not None or self.end is not None

    def contains(self, when: date) -> bool:
        return (self.start is None or when >= self.start) and (self.end is None or when < self.end)


@dataclass
class ActorEntry:
    """One actor: its phrases and its codes over time.

    Phoenix entries carry only ``codes``; curated (YAML) entries also fill
    ``country``, ``sector``, ``kind`` and the role titles on their code ranges.
    """

    id: str
    name: str
    codes: list[CodeRange] = field(default_factory=list)
    phrases: list[tuple[str, ...]] = field(default_factory=list)
    source: str = ""  # "file:line" of the entry's first line
    country: Optional[str] = None
    sector: Optional[str] = None
    kind: Optional[str] = None  # curated entries: person, group, organization, media, country
    # How short all-letter phrases are written (("Xi",), ("UN",)): the case guard accepts
    # exactly these spellings. Phoenix phrases are all capitals, so for them it is capitals.
    exact_forms: set[tuple[str, ...]] = field(default_factory=set)

    def range_at(self, when: Optional[date]) -> Optional[CodeRange]:
        """The code range in force at ``when`` (None means today).

        Of the dated ranges containing the date, the one that started last wins (a
        short exception inside a long office, a new role next to an old one; among
        equal starts, file order), else the first undated range: Phoenix lists an
        undated ``[RUSELI]`` as the fallback for the years outside a person's offices.
        """
        when = when or date.today()
        current: Optional[CodeRange] = None
        for code_range in self.codes:
            if code_range.dated and code_range.contains(when):
                if current is None or (code_range.start or date.min) > (current.start or date.min):
                    current = code_range
        if current is not None:
            return current
        return next((r for r in self.codes if not r.dated), None)

    def code_at(self, when: Optional[date]) -> Optional[str]:
        code_range = self.range_at(when)
        return code_range.code if code_range else None


@dataclass(frozen=True)
class Match:
    """A dictionary phrase found at ``tokens[start:start + length]``."""

    start: int
    length: int
    entry: ActorEntry
    code: Optional[str]  # code at the requested date; None if the entry has none then
    role: Optional[str] = None

    @property
    def end(self) -> int:
        return self.start + self.length

    @property
    def actor_id(self) -> str:
        return self.entry.id

    @property
    def name(self) -> str:
        return self.entry.name


class PhraseIndex:
    """First token -> phrases starting with it, for longest-match lookup.

    A lookup tries the lengths of the phrases that start with the token, longest
    first, as one dictionary probe each: some first words ("THE") start thousands of
    Phoenix phrases but only a dozen distinct lengths.
    """

    def __init__(self) -> None:
        self._by_first: dict[str, dict[tuple[str, ...], object]] = {}
        self._lengths: dict[str, list[int]] = {}  # longest first; rebuilt after an add

    def add(self, tokens: tuple[str, ...], value: object) -> None:
        if not tokens:
            return
        for variant in _phrase_variants(tokens):
            self._by_first.setdefault(variant[0], {})[variant] = value  # later files override
            self._lengths.pop(variant[0], None)

    def get(self, tokens: tuple[str, ...]) -> Optional[object]:
        return self._by_first.get(tokens[0], {}).get(tokens) if tokens else None

    def _lengths_of(self, first: str) -> list[int]:
        lengths = self._lengths.get(first)
        if lengths is None:
            lengths = sorted({len(p) for p in self._by_first.get(first, {})}, reverse=True)
            self._lengths[first] = lengths
        return lengths

    def longest(self, tokens: Sequence[str], start: int,
                accept: Optional[Callable[[tuple[str, ...], object], bool]] = None
                ) -> Optional[tuple[int, object]]:
        """The longest indexed phrase at ``tokens[start]`` that ``accept`` allows:
        (length, value), or None."""
        if start >= len(tokens):
            return None
        first = normalize_token(tokens[start])
        phrases = self._by_first.get(first)
        if not phrases:
            return None
        lengths = self._lengths_of(first)
        window = [normalize_token(t) for t in tokens[start:start + lengths[0]]]
        for n in lengths:
            if n > len(window):
                continue
            phrase = tuple(window[:n])
            value = phrases.get(phrase)
            if value is not None and (accept is None or accept(phrase, value)):
                return n, value
        return None

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_first.values())


def _looks_like_acronym(phrase: tuple[str, ...]) -> bool:
    return all(len(w) <= 3 and w.isalpha() for w in phrase)


def _capitalisation_ok(phrase: tuple[str, ...], text: Sequence[str], entry: ActorEntry) -> bool:
    """Guard case-insensitive matching against common words.

    A name must show a capital letter somewhere ("the kremlin" in lower case is not
    taken), and a short all-letter phrase such as US, UN, WHO, IT or Xi must be written
    as the dictionary writes it (so "us", "Us", "It" and "who" never match).
    """
    if not any(any(c.isupper() for c in tok) for tok in text):
        return False
    if _looks_like_acronym(phrase):
        allowed = {form for form in entry.exact_forms if tuple(normalize_token(w) for w in form) == phrase}
        return tuple(text) in (allowed or {phrase})
    return True


class ActorDictionary:
    """Phrase -> actor entries, with date-aware codes and longest-match lookup."""

    def __init__(self) -> None:
        self.entries: dict[str, ActorEntry] = {}
        self.problems: list[str] = []  # lines skipped by a non-strict load
        self._index = PhraseIndex()

    # building -------------------------------------------------------------

    def add(self, entry: ActorEntry) -> None:
        """Add (or replace, by id) an entry and index all its phrases.

        A phrase already indexed for another entry now points to this one: later
        dictionaries override earlier ones, so user files beat the shipped ones.
        """
        self.entries[entry.id] = entry
        for phrase in entry.phrases:
            self._index.add(phrase, entry)

    def absorb(self, target: ActorEntry, other_id: str) -> None:
        """Point every phrase of entry ``other_id`` at ``target`` and drop ``other_id``.

        Used to make the many Phoenix entries coded with one country a single actor.
        """
        other = self.entries.pop(other_id, None)
        if other is None or other is target:
            return
        for phrase in other.phrases:
            if phrase not in target.phrases:
                target.phrases.append(phrase)
            self._index.add(phrase, target)

    def merge(self, other: "ActorDictionary") -> None:
        for entry in other.entries.values():
            self.add(entry)

    # lookup ---------------------------------------------------------------

    def lookup(self, phrase: Union[str, Sequence[str]]) -> Optional[ActorEntry]:
        """Exact phrase lookup: ``"Vladimir Putin"`` or a token list."""
        tokens = phrase_tokens(phrase) if isinstance(phrase, str) else tuple(normalize_token(t) for t in phrase)
        found = self._index.get(tokens)
        return found if isinstance(found, ActorEntry) else None

    def match(self, tokens: Sequence[str], start: int, date: Optional[date] = None,
              *, check_case: bool = True) -> Optional[Match]:
        """Longest dictionary phrase starting at ``tokens[start]``.

        ``tokens`` are the words of the text as written (any case); ``date`` picks the
        code in force (see ``ActorEntry.range_at``). ``check_case`` applies the
        capitalisation guard (turn it off for all-caps or lower-cased input).
        """
        def accept(phrase: tuple[str, ...], entry: object) -> bool:
            assert isinstance(entry, ActorEntry)
            return not check_case or _capitalisation_ok(phrase, tokens[start:start + len(phrase)], entry)

        found = self._index.longest(tokens, start, accept)
        if found is None:
            return None
        length, entry = found
        assert isinstance(entry, ActorEntry)
        code_range = entry.range_at(date)
        return Match(start, length, entry, code_range.code if code_range else None,
                     code_range.role if code_range else None)

    def find_all(self, tokens: Sequence[str], date: Optional[date] = None,
                 *, check_case: bool = True) -> list[Match]:
        """Non-overlapping longest matches, left to right."""
        found: list[Match] = []
        i = 0
        while i < len(tokens):
            hit = self.match(tokens, i, date, check_case=check_case)
            if hit:
                found.append(hit)
                i = hit.end
            else:
                i += 1
        return found

    @staticmethod
    def code_at(entry: ActorEntry, when: Optional[date]) -> Optional[str]:
        return entry.code_at(when)

    def __len__(self) -> int:
        return len(self.entries)


# --------------------------------------------------------------------------- reading


def _read_lines(path: Path) -> Iterable[tuple[int, str]]:
    """Content lines with comments removed, as PETRARCH's ``read_FIN_line`` does.

    Lines starting with ``#`` or ``<!`` are skipped whole, ``<!-- ... -->`` is removed
    (also across lines), and anything after ``#`` is a comment.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError("dictionary file not found", path=str(path)) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"dictionary file is not UTF-8: {exc}", path=str(path)) from exc
    in_comment = False
    for number, line in enumerate(text.splitlines(), start=1):
        if in_comment:
            if "-->" in line:
                in_comment = False
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped.startswith("<!"):
            in_comment = "-->" not in stripped
            continue
        if "<!--" in line:
            head, _, rest = line.partition("<!--")
            if "-->" in rest:
                line = head + rest[rest.find("-->") + 3:]
            else:
                line = head
                in_comment = True
        line = line.split("#", 1)[0].strip()
        if line:
            yield number, line


def parse_date(text: str) -> date:
    """``YYYYMMDD`` or ``YYMMDD`` (YY <= 30 is 20YY, else 19YY, as in PETRARCH).

    Raises ValueError for anything else, including impossible days (19450931).
    """
    if len(text) == 8:
        year, month, day = int(text[:4]), int(text[4:6]), int(text[6:8])
    elif len(text) in (6, 7):  # PETRARCH reads 7 digits as YYMMDD plus a stray digit
        yy = int(text[:2])
        year, month, day = (2000 + yy if yy <= 30 else 1900 + yy), int(text[2:4]), int(text[4:6])
    else:
        raise ValueError(f"date {text!r} is neither YYYYMMDD nor YYMMDD")
    return date(year, month, day)


def parse_code_block(block: str) -> CodeRange:
    """The inside of ``[...]``: a code and an optional date restriction."""
    parts = block.split(None, 1)
    if not parts:
        raise ValueError("empty code block []")
    code = parts[0]
    if code[0] in "<>" or code[0].isdigit():
        raise ValueError(f"code block [{block}] has a date but no code")
    if len(parts) == 1:
        return CodeRange(code)
    spec = re.sub(r"\s+", "", parts[1])
    m = _DATE_SPEC.match(spec)
    if not m:
        raise ValueError(f"bad date restriction {parts[1]!r} in [{block}]")
    try:
        if m.group("single"):
            when = parse_date(m.group("single"))
            return CodeRange(code, start=when) if m.group("op") == ">" else CodeRange(code, end=when)
        return CodeRange(code, start=parse_date(m.group("a")), end=parse_date(m.group("b")))
    except ValueError as exc:
        raise ValueError(f"impossible date in [{block}]: {exc}") from exc


def _entry_id(namespace: str, base_phrase: str) -> str:
    return f"{namespace}:{'_'.join(base_phrase.replace('_', ' ').split()).upper()}"


def read_actor_file(path: PathLike, namespace: str, *, strict: bool = True,
                    problems: Optional[list[str]] = None) -> list[ActorEntry]:
    """Parse one actor dictionary file into entries (in file order).

    ``strict`` raises ConfigError (file and line) on the first malformed line; otherwise
    the bad code block or line is skipped and described in ``problems`` (the shipped
    Phoenix files have a few impossible dates, which PETRARCH skips too).
    """
    path = Path(path)

    def complain(number: int, message: str) -> None:
        if strict:
            raise ConfigError(f"line {number}: {message}", path=str(path))
        if problems is not None:
            problems.append(f"{path.name}:{number}: {message}")

    entries: list[ActorEntry] = []
    current: Optional[ActorEntry] = None
    for number, line in _read_lines(path):
        blocks: list[CodeRange] = []
        phrase = line
        if "[" in line:
            for block in _CODE_BLOCK.findall(line):
                try:
                    blocks.append(parse_code_block(block))
                except ValueError as exc:
                    complain(number, str(exc))
            phrase = _CODE_BLOCK.sub(" ", line).strip()
        if "[" in phrase or "]" in phrase:
            complain(number, f"unbalanced brackets in {line!r}")
            continue
        if not phrase:  # a code line for the current entry
            if current is None:
                complain(number, f"code {line!r} before any actor")
                continue
            current.codes.extend(blocks)
            continue
        if phrase.startswith("+"):
            if current is None:
                complain(number, f"synonym {line!r} before any actor")
                continue
            tokens = phrase_tokens(phrase[1:])
            if tokens:
                current.phrases.append(tokens)
            current.codes.extend(blocks)
            continue
        current = ActorEntry(id=_entry_id(namespace, phrase), name=display_name(phrase),
                             codes=blocks, phrases=[phrase_tokens(phrase)], source=f"{path.name}:{number}")
        entries.append(current)
    return entries


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small objects.

    Loading the Phoenix files creates ~200k tuples and dataclasses; the collector's
    repeated passes over them (none are garbage) made loading about twice as slow.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_actor_dictionary(paths: Union[PathLike, Sequence[PathLike]],
                          namespace: Optional[str] = None, *, strict: bool = True) -> ActorDictionary:
    """Load Phoenix-format actor files; later files override earlier ones phrase by phrase.

    Entry ids are ``NAMESPACE:BASE_PHRASE`` (``PHX:VLADIMIR_PUTIN``); the namespace
    defaults to each file's first name part (``Phoenix.Countries.actors.txt`` -> PHX
    for the shipped files, ``mine.actors.txt`` -> MINE). With ``strict=False`` malformed
    lines are skipped and listed in ``ActorDictionary.problems``.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    dictionary = ActorDictionary()
    with gc_paused():
        for path in paths:
            ns = namespace or _default_namespace(Path(path))
            for entry in read_actor_file(path, ns, strict=strict, problems=dictionary.problems):
                dictionary.add(entry)
    return dictionary


def _default_namespace(path: Path) -> str:
    stem = path.name.split(".")[0]
    return PHOENIX_NAMESPACE if stem.lower() == "phoenix" else stem.upper()


# --------------------------------------------------------------------------- agents


@dataclass(frozen=True)
class AgentEntry:
    """An agent noun ("police", "foreign minister") and its code.

    ``code`` is the raw dictionary code: ``~GOV`` goes after an actor's code
    (RUS -> RUSGOV), ``NGO~`` before it (USA -> NGOUSA).
    """

    phrase: tuple[str, ...]
    code: str
    source: str = ""

    @property
    def agent_code(self) -> str:
        return self.code.replace("~", "")

    @property
    def prefix(self) -> bool:
        return self.code.endswith("~") and not self.code.startswith("~")

    def apply(self, actor_code: Optional[str]) -> str:
        """Combine with an actor's code: ``apply("RUS")`` -> ``RUSMIL`` for ``~MIL``."""
        if not actor_code or actor_code == NO_CODE:
            return self.agent_code
        return self.agent_code + actor_code if self.prefix else actor_code + self.agent_code


@dataclass(frozen=True)
class AgentMatch:
    start: int
    length: int
    entry: AgentEntry

    @property
    def end(self) -> int:
        return self.start + self.length

    @property
    def code(self) -> str:
        return self.entry.code


class AgentDictionary:
    """Agent phrases (singular and plural forms) with longest-match lookup."""

    def __init__(self) -> None:
        self.problems: list[str] = []  # lines skipped by a non-strict load
        self._index = PhraseIndex()

    def add(self, entry: AgentEntry) -> None:
        self._index.add(entry.phrase, entry)

    def lookup(self, phrase: Union[str, Sequence[str]]) -> Optional[AgentEntry]:
        tokens = phrase_tokens(phrase) if isinstance(phrase, str) else tuple(normalize_token(t) for t in phrase)
        found = self._index.get(tokens)
        return found if isinstance(found, AgentEntry) else None

    def match(self, tokens: Sequence[str], start: int) -> Optional[AgentMatch]:
        """Longest agent phrase starting at ``tokens[start]`` (case-insensitive)."""
        found = self._index.longest(tokens, start)
        if found is None:
            return None
        length, entry = found
        assert isinstance(entry, AgentEntry)
        return AgentMatch(start, length, entry)

    def __len__(self) -> int:
        return len(self._index)


def _regular_plural(phrase: str) -> str:
    """PETRARCH's rule on the last letter: Y -> IES, S -> SES, else + S."""
    if phrase.endswith("Y"):
        return phrase[:-1] + "IES"
    if phrase.endswith("S"):
        return phrase + "ES"
    return phrase + "S"


def read_agent_file(path: PathLike, *, strict: bool = True,
                    problems: Optional[list[str]] = None) -> list[AgentEntry]:
    """Parse one agent file: every singular and plural form becomes an entry.

    ``strict`` as in ``read_actor_file`` (the shipped Phoenix agents file has a couple
    of typos such as ``[~ENV}``).
    """
    path = Path(path)

    def complain(number: int, message: str) -> None:
        if strict:
            raise ConfigError(f"line {number}: {message}", path=str(path))
        if problems is not None:
            problems.append(f"{path.name}:{number}: {message}")

    substitutions: dict[str, list[str]] = {}
    entries: list[AgentEntry] = []
    for number, line in _read_lines(path):
        where = f"{path.name}:{number}"
        if "!" in line and "=" in line:
            m = re.match(r"^!([^!]+)!\s*=\s*(.+)$", line)
            if not m:
                complain(number, f"bad substitution set {line!r}")
                continue
            substitutions[m.group(1).upper()] = [w.strip() for w in m.group(2).split(",") if w.strip()]
            continue
        head, bracket, rest = line.partition("[")
        code = rest.partition("]")[0].replace(" ", "")
        if not bracket or "]" not in rest or not code:
            complain(number, f"agent {line!r} has no [code]")
            continue
        if "~" not in code:
            complain(number, f"agent code [{code}] needs a ~ (e.g. ~GOV or NGO~)")
            continue
        head = head.strip()
        plural: Optional[str] = None
        if "{" in head:
            if "}" not in head:
                complain(number, f"missing '}}' in {line!r}")
                continue
            plural = head[head.find("{") + 1:head.find("}")].strip()
            head = head[:head.find("{")].strip()
        if "!" in head:
            m = re.match(r"^(.*)!([^!]+)!(.*)$", head)
            if not m or m.group(2).upper() not in substitutions:
                complain(number, f"unknown substitution marker in {line!r}")
                continue
            forms = [m.group(1) + word + m.group(3) for word in substitutions[m.group(2).upper()]]
        else:
            forms = [head, plural if plural is not None else _regular_plural(head.rstrip("_").upper())]
        for form in forms:
            tokens = phrase_tokens(form)
            if tokens:
                entries.append(AgentEntry(tokens, code, where))
    return entries


def load_agent_dictionary(paths: Union[PathLike, Sequence[PathLike]], *,
                          strict: bool = True) -> AgentDictionary:
    """Load agent files; with ``strict=False`` bad lines go to ``AgentDictionary.problems``."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    dictionary = AgentDictionary()
    for path in paths:
        for entry in read_agent_file(path, strict=strict, problems=dictionary.problems):
            dictionary.add(entry)
    return dictionary


# --------------------------------------------------------------------------- discards


@dataclass
class Discards:
    """Phrases that void a sentence (``sentence``) or a whole story (``story``)."""

    sentence: set[tuple[str, ...]] = field(default_factory=set)
    story: set[tuple[str, ...]] = field(default_factory=set)

    def find(self, tokens: Sequence[str]) -> Optional[tuple[str, tuple[str, ...]]]:
        """First discard phrase in ``tokens``: ``("story"|"sentence", phrase)`` or None."""
        norm = [normalize_token(t) for t in tokens]
        for kind, phrases in (("story", self.story), ("sentence", self.sentence)):
            for phrase in phrases:
                n = len(phrase)
                if any(tuple(norm[i:i + n]) == phrase for i in range(len(norm) - n + 1)):
                    return kind, phrase
        return None


def load_discards(path: PathLike) -> Discards:
    discards = Discards()
    for _number, line in _read_lines(Path(path)):
        line = line.split(";", 1)[0]  # "PHRASE ;AB 13 JUN 2005" notes
        if line.startswith("+"):
            discards.story.add(phrase_tokens(line[1:]))
        else:
            discards.sentence.add(phrase_tokens(line))
    discards.story.discard(())
    discards.sentence.discard(())
    return discards


# --------------------------------------------------------------------------- shipped files


def phoenix_actor_paths() -> list[Path]:
    """The Phoenix actor files shipped in ``sitroom/data/actors/phoenix``, then sitroom's
    supplement in the same format (``sitroom/data/actors/sitroom.actors.txt``)."""
    return [package_data("actors", "phoenix", name) for name in PHOENIX_ACTOR_FILES] + [
        package_data("actors", SUPPLEMENT_ACTOR_FILE)]


def phoenix_agent_path() -> Path:
    return package_data("actors", "phoenix", PHOENIX_AGENT_FILE)
