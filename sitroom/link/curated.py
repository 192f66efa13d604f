"""The curated actor file (``data/actors/current.yaml``) and the combined catalog.

``load_catalog()`` is what the resolver and the event coder use: the shipped Phoenix
dictionaries, then the curated YAML on top (a curated name wins over Phoenix, and a
curated person absorbs the Phoenix entry that shares one of its full names, so
"President Vladimir Putin" and "Vladimir Putin" are one actor), then any user
dictionaries (Phoenix text or curated YAML format, chosen by file extension).

The YAML format is documented at the top of ``current.yaml`` and in
``data/actors/README.md``; it is validated here (unknown keys, bad dates, duplicate ids
and roles that end before they start raise ConfigError with the file and the entry).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal, Optional, Sequence, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..config import package_data
from ..errors import ConfigError
from .dictionary import (
    NO_CODE,
    ActorDictionary,
    ActorEntry,
    AgentDictionary,
    AgentEntry,
    CodeRange,
    PathLike,
    PhraseIndex,
    gc_paused,
    load_actor_dictionary,
    load_agent_dictionary,
    normalize_token,
    phoenix_actor_paths,
    phoenix_agent_path,
    read_agent_file,
)

# Leading parts of CAMEO codes that are not countries: international and
# transnational actors, media, elites, and the "do not code" marker.
NON_COUNTRY_PREFIXES = frozenset({"IGO", "IMG", "MNC", "NGO", "NGM", "MED", "ELI", "MOS", "INT", "UIS", "---"})
# libyaml's loader when PyYAML was built with it: about ten times faster.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def curated_path() -> Path:
    return package_data("actors", "current.yaml")


# --------------------------------------------------------------------------- schema


def _partial_date(value: object) -> Optional[date]:
    """YAML dates: 2025-01-20 (a date), "2025-07" or 2025 (first day of the period).

    Both bounds use the first day: "end: 2025-07" reads "out of office from July 2025".
    """
    if value is None or isinstance(value, date):
        return value
    text = str(value).strip()
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", text)
    if not m:
        raise ValueError(f"date {text!r} is not YYYY-MM-DD, YYYY-MM or YYYY")
    return date(int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1))


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RoleSpec(_Spec):
    title: str
    code: str = Field(pattern=r"^([A-Z]{3})+$")
    start: Optional[date] = None
    end: Optional[date] = None
    office: list[str] = Field(default_factory=list)
    descriptions: list[str] = Field(default_factory=list)

    @field_validator("start", "end", mode="before")
    @classmethod
    def _dates(cls, value: object) -> Optional[date]:
        return _partial_date(value)

    @model_validator(mode="after")
    def _ordered(self) -> "RoleSpec":
        if self.start and self.end and self.end <= self.start:
            raise ValueError(f"role {self.title!r} ends ({self.end}) before it starts ({self.start})")
        return self


class ActorSpec(_Spec):
    id: str = Field(pattern=r"^[A-Z][A-Z0-9_]*(\.[A-Z0-9_]+)?$")
    name: str
    kind: Literal["person", "group", "organization", "media"]
    country: Optional[str] = Field(None, pattern=r"^[A-Z]{3}$")
    sector: Optional[str] = Field(None, pattern=r"^[A-Z]{3}$")
    gender: Optional[Literal["m", "f"]] = None
    names: list[str] = Field(min_length=1)
    short: list[str] = Field(default_factory=list)
    metonyms: list[str] = Field(default_factory=list)
    code: Optional[str] = Field(None, pattern=r"^([A-Z]{3})+$")
    roles: list[RoleSpec] = Field(default_factory=list)
    default: Optional[str] = Field(None, pattern=r"^([A-Z]{3})+$")

    @model_validator(mode="after")
    def _coded(self) -> "ActorSpec":
        if self.kind == "person" and not (self.roles or self.code):
            raise ValueError("a person needs roles (or a code)")
        if self.kind != "person" and not self.code:
            raise ValueError(f"a {self.kind} needs a code")
        return self


class CountrySpec(_Spec):
    id: str = Field(pattern=r"^[A-Z]{3}$")
    name: str
    names: list[str] = Field(min_length=1)
    adjectives: list[str] = Field(default_factory=list)


class CuratedSpec(_Spec):
    countries: list[CountrySpec] = Field(default_factory=list)
    actors: list[ActorSpec] = Field(default_factory=list)
    agents: dict[str, list[str]] = Field(default_factory=dict)


def read_curated(path: PathLike) -> CuratedSpec:
    """Read and validate a curated YAML file; errors name the file, entry and line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.load(text, Loader=_YAML_LOADER)
    except FileNotFoundError as exc:
        raise ConfigError("actor file not found", path=str(path)) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"not valid YAML: {exc}", path=str(path)) from exc
    if data is None:
        return CuratedSpec()
    if not isinstance(data, dict):
        raise ConfigError("expected a mapping with countries/actors/agents", path=str(path))
    for section in ("countries", "actors"):
        items = data.get(section) or []
        if not isinstance(items, list):
            raise ConfigError(f"{section!r} must be a list", path=str(path))
        model = CountrySpec if section == "countries" else ActorSpec
        for i, item in enumerate(items):
            try:
                model.model_validate(item)
            except ValidationError as exc:
                label = item.get("id") if isinstance(item, dict) else None
                line = _item_line(text, section, i)
                problems = "; ".join(_describe(e) for e in exc.errors())
                raise ConfigError(f"{section} entry {i + 1} ({label or 'no id'}), line {line}: {problems}",
                                  path=str(path)) from exc
    try:
        spec = CuratedSpec.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}", path=str(path)) from exc
    seen: set[str] = set()
    for actor in [*spec.countries, *spec.actors]:
        if actor.id in seen:
            raise ConfigError(f"duplicate actor id {actor.id!r}", path=str(path))
        seen.add(actor.id)
    for sector in spec.agents:
        if not re.fullmatch(r"[A-Z]{3}", sector):
            raise ConfigError(f"agents: sector {sector!r} is not a three-letter code", path=str(path))
    return spec


def _describe(error: dict) -> str:
    """One pydantic error as "roles.0.start: message" (or the message for the entry)."""
    message = error["msg"].removeprefix("Value error, ")
    where = ".".join(map(str, error["loc"]))
    return f"{where}: {message}" if where else message


def _item_line(text: str, section: str, index: int) -> Optional[int]:
    """Line of the index-th item of a top-level section (composed only on error)."""
    root = yaml.compose(text, Loader=_YAML_LOADER)
    if not isinstance(root, yaml.MappingNode):
        return None
    for key, value in root.value:
        if key.value == section and isinstance(value, yaml.SequenceNode) and index < len(value.value):
            return value.value[index].start_mark.line + 1
    return None


# --------------------------------------------------------------------------- catalog


@dataclass(frozen=True)
class Description:
    """A phrase naming whoever holds an office ("the Russian president")."""

    entry: ActorEntry
    role: CodeRange


@dataclass
class ActorCatalog:
    """Everything the resolver knows about actors, loaded once per worker.

    ``actors`` and ``agents`` are plain Phoenix-style dictionaries (the event coder can
    use them directly); the rest is curated knowledge: surnames matched only after a
    full mention, metonyms, office descriptions, nationality adjectives, genders.
    """

    actors: ActorDictionary
    agents: AgentDictionary
    countries: set[str] = field(default_factory=set)  # codes that are countries
    short_names: dict[tuple[str, ...], ActorEntry] = field(default_factory=dict)
    metonyms: dict[tuple[str, ...], ActorEntry] = field(default_factory=dict)  # phrase -> actor
    descriptions: dict[tuple[str, ...], list[Description]] = field(default_factory=dict)
    adjectives: dict[tuple[str, ...], str] = field(default_factory=dict)  # "RUSSIAN" -> RUS
    gender: dict[str, str] = field(default_factory=dict)  # actor id -> m / f
    offices: dict[str, set[tuple[str, ...]]] = field(default_factory=dict)  # role key -> offices

    # Lookup structures built on first use (and dropped when a curated file is added).
    _description_index: Optional[PhraseIndex] = field(default=None, init=False, repr=False)
    _short_index: Optional[PhraseIndex] = field(default=None, init=False, repr=False)
    _person_names: Optional[list[tuple[str, ActorEntry]]] = field(default=None, init=False, repr=False)

    def description_index(self) -> PhraseIndex:
        """Longest-match index over description phrases (values: the phrase itself)."""
        if self._description_index is None:
            self._description_index = PhraseIndex()
            for phrase in self.descriptions:
                self._description_index.add(phrase, phrase)
        return self._description_index

    def short_index(self) -> PhraseIndex:
        if self._short_index is None:
            self._short_index = PhraseIndex()
            for phrase, entry in self.short_names.items():
                self._short_index.add(phrase, entry)
        return self._short_index

    def person_names(self) -> list[tuple[str, ActorEntry]]:
        """Lower-cased names of curated people, for spelling-variant matching."""
        if self._person_names is None:
            self._person_names = [(" ".join(p).lower(), e) for e in self.actors.entries.values()
                                  if e.kind == "person" for p in e.phrases]
        return self._person_names

    def split_code(self, code: Optional[str]) -> tuple[Optional[str], Optional[str]]:
        """``RUSGOV`` -> (RUS, GOV); ``IGOUNO`` -> (None, IGO); ``RUS`` -> (RUS, None)."""
        if not code or code == NO_CODE:
            return None, None
        head = code[:3]
        if head in self.countries:
            return head, (code[3:6] or None)
        return None, head

    def descriptions_at(self, phrase: tuple[str, ...], when: Optional[date]) -> list[Description]:
        """Holders of the described office at ``when`` (None = today)."""
        when = when or date.today()
        return [d for d in self.descriptions.get(phrase, []) if d.role.contains(when)]

    def offices_of(self, entry: ActorEntry, role: Optional[CodeRange]) -> set[tuple[str, ...]]:
        """Office words ("PRESIDENT",) of ``entry`` in ``role`` (for "the president")."""
        if role is None:
            return set()
        return self.offices.get(_role_key(entry, role), set())

    def term_dates(self, actor_id: str, role_keyword: Optional[str] = None,
                   ordinal: Optional[int] = None) -> Optional[tuple[Optional[date], Optional[date]]]:
        """Start and end (exclusive; None while in office) of an actor's term.

        ``role_keyword`` picks roles whose title contains it as whole words
        (case-insensitive), and of those the titles that start with it when there are
        any ("president" is "President of ...", not "Vice President of ...");
        ``ordinal`` picks the n-th such term (1 = first, -1 = last; default: the last).
        ``term_dates("USA.TRUMP", "president", 2)`` -> (2025-01-20, None).
        """
        entry = self.actors.entries.get(actor_id)
        if entry is None:
            return None
        terms = [r for r in entry.codes if r.dated and r.role]
        if role_keyword:
            pattern = re.compile(rf"\b{re.escape(role_keyword.strip())}\b", re.IGNORECASE)
            terms = [r for r in terms if pattern.search(r.role or "")]
            leading = [r for r in terms if pattern.match(r.role or "")]
            terms = leading or terms
        terms.sort(key=lambda r: r.start or date.min)
        if not terms:
            return None
        index = -1 if ordinal is None else (ordinal - 1 if ordinal > 0 else ordinal)
        if not -len(terms) <= index < len(terms):
            return None
        return terms[index].start, terms[index].end


def _role_key(entry: ActorEntry, role: CodeRange) -> str:
    return f"{entry.id}|{role.role}|{role.start}"


def _country_codes(dictionary: ActorDictionary) -> set[str]:
    return {r.code for e in dictionary.entries.values() for r in e.codes
            if len(r.code) == 3 and r.code.isalpha() and r.code not in NON_COUNTRY_PREFIXES}


def _group_countries(dictionary: ActorDictionary, countries: set[str]) -> None:
    """One actor per country: Phoenix entries coded only ``[UKR]`` become actor ``UKR``.

    Phoenix lists a country's name, its adjectives and many of its cities as synonyms
    of one or more entries coded with the bare country code (sometimes after older
    codes: ``[USRUKR <910824] [UKR >911221]``); merging them gives every mention of
    Ukraine the same stable id.
    """
    today = date.today()
    for entry in list(dictionary.entries.values()):
        if any(len(r.code) != 3 for r in entry.codes if not r.dated):
            continue  # a person or body with a default such as [UKRELI]
        code = entry.code_at(today)
        if code not in countries:
            continue
        target = dictionary.entries.get(code)
        if target is None:
            name = entry.name.title() if entry.name.isupper() else entry.name  # INDIA -> India
            target = ActorEntry(id=code, name=name, codes=[CodeRange(code)], phrases=[],
                                source=entry.source, country=code, kind="country")
            dictionary.add(target)
        dictionary.absorb(target, entry.id)


def _tokens(phrase: str) -> tuple[str, ...]:
    """Curated phrases are written naturally: spaces separate words, "Russia's" splits."""
    words: list[str] = []
    for word in phrase.split():
        if re.search(r"\w'[sS]$", word) or re.search(r"\w\u2019[sS]$", word):
            words.extend([word[:-2], "'s"])
        else:
            words.append(word)
    return tuple(normalize_token(w) for w in words)


def _short_exact(entry: ActorEntry, phrase: str) -> None:
    """Remember how a short all-letter name is written (Xi, UN) for the case guard."""
    words = phrase.split()
    if all(len(w) <= 3 and w.isalpha() for w in words):
        entry.exact_forms.add(tuple(words))


def apply_curated(catalog: ActorCatalog, spec: CuratedSpec, source: str) -> None:
    """Add a validated curated file to the catalog (later files override earlier ones)."""
    dictionary = catalog.actors
    catalog._description_index = catalog._short_index = catalog._person_names = None
    adjectives_of: dict[str, list[tuple[str, ...]]] = {}
    names_of: dict[str, list[tuple[str, ...]]] = {}
    for country in spec.countries:
        catalog.countries.add(country.id)
        entry = dictionary.entries.get(country.id)
        if entry is None:
            entry = ActorEntry(id=country.id, name=country.name, codes=[CodeRange(country.id)],
                               source=source, country=country.id, kind="country")
        entry.name, entry.kind, entry.country = country.name, "country", country.id
        for phrase in [*country.names, *country.adjectives]:
            entry.phrases.append(_tokens(phrase))
            _short_exact(entry, phrase)
        dictionary.add(entry)
        names_of[country.id] = [_tokens(n) for n in country.names]
        adjectives_of[country.id] = [_tokens(a) for a in country.adjectives]
        for adjective in adjectives_of[country.id]:
            catalog.adjectives[adjective] = country.id
        for name in names_of[country.id]:
            catalog.adjectives.setdefault(name, country.id)

    for actor in spec.actors:
        codes = [CodeRange(r.code, r.start, r.end, r.title) for r in actor.roles]
        if actor.code:
            codes.append(CodeRange(actor.code))
        if actor.default:
            codes.append(CodeRange(actor.default))
        entry = ActorEntry(id=actor.id, name=actor.name, codes=codes, source=f"{source}:{actor.id}",
                           country=actor.country, sector=actor.sector, kind=actor.kind)
        if actor.gender:
            catalog.gender[actor.id] = actor.gender
        # Absorb the Phoenix entry of the same actor, with all its spellings: one whose
        # main phrase is one of our names, one that has one of our names and our code
        # ("STATE_DEPARTMENT" under a USAGOV entry), or, for a person, one that has one
        # of our full (multi-word) names among its synonyms.
        for name in actor.names:
            tokens = _tokens(name)
            found = dictionary.lookup(tokens)
            if found is None or found.id == actor.id or found.kind is not None:
                continue
            main = found.phrases[0]
            if main in (tokens, ("THE",) + tokens) or (actor.kind == "person" and len(tokens) > 1) \
                    or (actor.code is not None and found.code_at(None) == actor.code):
                for phrase in found.phrases:
                    if phrase not in entry.phrases:
                        entry.phrases.append(phrase)
                dictionary.entries.pop(found.id, None)
        for name in [*actor.names, *actor.metonyms]:
            tokens = _tokens(name)
            if tokens not in entry.phrases:
                entry.phrases.append(tokens)
            _short_exact(entry, name)
        dictionary.add(entry)
        for name in actor.metonyms:
            catalog.metonyms[_tokens(name)] = entry
        for name in actor.short:
            catalog.short_names[_tokens(name)] = entry
        for role_spec, role in zip(actor.roles, codes):
            country = catalog.split_code(role.code)[0] or actor.country
            phrases = [_tokens(d) for d in role_spec.descriptions]
            offices = [_tokens(o) for o in role_spec.office]
            catalog.offices[_role_key(entry, role)] = set(offices)
            for office in offices:
                for adjective in adjectives_of.get(country or "", []):
                    phrases.append(adjective + office)
                for name in names_of.get(country or "", []):
                    phrases.append(name + ("'S",) + office)
                    phrases.append(office + ("OF",) + name)
            for phrase in phrases:
                holders = catalog.descriptions.setdefault(phrase, [])
                holders[:] = [d for d in holders if d.entry.id != entry.id or d.role != role]
                holders.append(Description(entry, role))

    for sector, words in spec.agents.items():
        for word in words:
            catalog.agents.add(AgentEntry(_tokens(word), f"~{sector}", f"{source}:agents.{sector}"))


def load_catalog(user_paths: Optional[Sequence[PathLike]] = None, *,
                 curated: Union[PathLike, None] = None) -> ActorCatalog:
    """Phoenix + curated YAML + user dictionaries, in that order of precedence (last wins).

    User files ending in ``.yaml``/``.yml`` use the curated format; any other file is
    read as a Phoenix actor dictionary, or as an agent dictionary when its name contains
    ``agents``. User files are read strictly: a malformed line is a ConfigError.
    """
    with gc_paused():
        return _load_catalog(user_paths, curated)


def _load_catalog(user_paths: Optional[Sequence[PathLike]], curated: Union[PathLike, None]) -> ActorCatalog:
    actors = load_actor_dictionary(phoenix_actor_paths(), strict=False)
    agents = load_agent_dictionary(phoenix_agent_path(), strict=False)
    catalog = ActorCatalog(actors=actors, agents=agents, countries=_country_codes(actors))
    _group_countries(actors, catalog.countries)
    curated_file = Path(curated) if curated else curated_path()
    apply_curated(catalog, read_curated(curated_file), curated_file.name)
    for raw in user_paths or []:
        path = Path(raw)
        if path.suffix.lower() in (".yaml", ".yml"):
            apply_curated(catalog, read_curated(path), path.name)
        elif "agents" in path.name.lower():
            for entry in read_agent_file(path):
                catalog.agents.add(entry)
        else:
            user = load_actor_dictionary(path)
            catalog.countries |= _country_codes(user)
            actors.merge(user)
    return catalog
