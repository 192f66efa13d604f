"""Every record sitroom passes between stages, defined once.

The flow::

    RawItem ──clean──► Article ──parse──► (sentences, mentions) ──link──► actors
            ──extract──► events, quotes, figures, times ──store──► crossdoc

Records are pydantic models so that the same class validates input, serialises to
JSON for exports and the API, and publishes the export JSON Schema
(``docs/schema/article.schema.json``). Every extracted record keeps its provenance:
character offsets into ``Article.text``, the ``rule`` that produced it and a
``confidence``. Fields are only ever added, never renamed: exports are a contract.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

Genre = Literal["news", "opinion", "other"]
Modality = Literal["asserted", "negated", "hypothetical", "planned", "recommended", "reported"]
QuoteKind = Literal["direct", "partial", "indirect"]
TimexType = Literal["DATE", "TIME", "DURATION", "SET"]
InputFormat = Literal["text", "html", "feed", "jsonl", "warc"]


class Record(BaseModel):
    """Base of all records: strict about unknown fields so typos fail loudly."""

    model_config = ConfigDict(extra="forbid", validate_assignment=False)


# --------------------------------------------------------------------------- ingest


class RawItem(Record):
    """One article as a reader found it, before cleaning.

    ``key`` identifies the item within its source (``path`` for a single file,
    ``path#n`` for the n-th item of a feed, dump or archive) and is what makes
    re-ingesting the same files idempotent.
    """

    key: str
    path: str
    format: InputFormat
    text: str = Field(description="article body: plain text, or HTML when is_html")
    is_html: bool = False
    title: Optional[str] = None
    url: Optional[str] = None
    outlet: Optional[str] = None
    published: Optional[date] = None
    author: Optional[str] = None
    language: Optional[str] = None
    metadata: dict[str, Any] = Field(default_factory=dict)


class ItemError(Record):
    """A per-item failure: reported in the run summary, never a traceback."""

    path: str
    key: Optional[str] = None
    stage: str
    error: str = Field(description="error class name")
    message: str


# --------------------------------------------------------------------------- clean


class Removal(Record):
    """One piece of text the cleaner removed, so an analyst can audit it."""

    rule: str
    text: str
    start: int = Field(description="offset of the removed text in the text before cleaning")
    end: int


# --------------------------------------------------------------------------- parse


class Sentence(Record):
    start: int
    end: int


class Mention(Record):
    """A named-entity (or actor-dictionary) mention with offsets into Article.text."""

    start: int
    end: int
    text: str
    label: str = Field(description="spaCy entity label, or ACTOR/AGENT for dictionary hits")
    sentence: int
    actor_id: Optional[str] = None


# --------------------------------------------------------------------------- link


class Span(Record):
    start: int
    end: int
    text: str


class ArticleActor(Record):
    """An actor as it appears in one article: canonical identity plus its mentions."""

    id: str = Field(description="stable actor id, e.g. 'RUS.PUTIN' or 'RUSGOV'")
    name: str
    country: Optional[str] = Field(None, description="ISO 3166 alpha-3 (CAMEO/PLOVER style)")
    sector: Optional[str] = Field(None, description="GOV, MIL, COP, REB, BUS, MED, IGO, NGO, CVL, ...")
    code: Optional[str] = Field(None, description="CAMEO actor code at the article date, e.g. USAGOV")
    role: Optional[str] = Field(None, description="dictionary role at the article date")
    title_in_text: Optional[str] = Field(None, description="title the article itself gives the actor")
    mentions: list[Span] = Field(default_factory=list)


# --------------------------------------------------------------------------- extract


class EventActor(Record):
    actor_id: Optional[str] = None
    text: str
    code: Optional[str] = None
    country: Optional[str] = None
    sector: Optional[str] = None


# PLOVER's quad categories (manual, "Quad categories in PLOVER": 1 verbal cooperation,
# 2 material cooperation, 3 verbal conflict, 4 material conflict). The manual's summary
# table puts SANCTION under material conflict; its numeric table, used here, under 3.
PLOVER_QUAD: dict[str, int] = {
    "AGREE": 1, "CONSULT": 1, "SUPPORT": 1, "CONCEDE": 1,
    "COOPERATE": 2, "AID": 2, "RETREAT": 2,
    "REQUEST": 3, "ACCUSE": 3, "REJECT": 3, "SANCTION": 3, "THREATEN": 3,
    "PROTEST": 4, "MOBILIZE": 4, "COERCE": 4, "ASSAULT": 4,
}
QUAD_NAMES = {1: "verbal cooperation", 2: "material cooperation", 3: "verbal conflict", 4: "material conflict"}


class Event(Record):
    """A PLOVER event (with its CAMEO code where one applies)."""

    id: str
    type: str = Field(description="PLOVER event type, e.g. AGREE, ATTACK")
    mode: Optional[str] = None
    context: list[str] = Field(default_factory=list)
    cameo: Optional[str] = None
    source: list[EventActor] = Field(default_factory=list)
    target: list[EventActor] = Field(default_factory=list)
    modality: Modality = "asserted"
    reported_by: Optional[str] = Field(None, description="who the claim is attributed to (modality reported)")
    date: Optional[str] = Field(None, description="TIMEX3 value of the governing time expression")
    date_is_report_date: bool = False
    location: Optional[str] = None
    trigger: Optional[Span] = None
    sentence: int = 0
    start: int = Field(description="sentence span start in Article.text")
    end: int
    text: str = Field(description="the sentence")
    confidence: float = 0.5
    rule: str


class Quote(Record):
    id: str
    text: str
    start: int
    end: int
    kind: QuoteKind
    cue: Optional[str] = None
    cue_span: Optional[Span] = None
    speaker_text: Optional[str] = None
    speaker_span: Optional[Span] = None
    speaker_actor: Optional[str] = None
    sentence: int = 0
    confidence: float = 0.5
    rule: str = ""


class Figure(Record):
    id: str
    text: str
    start: int
    end: int
    value: Optional[float] = None
    low: Optional[float] = None
    high: Optional[float] = None
    unit: Optional[str] = None
    counted: Optional[str] = Field(None, description="what is counted, e.g. 'Russian casualties'")
    category: Optional[str] = Field(None, description="casualties, territory, money, weapons, duration, rate, people, other")
    claimant_text: Optional[str] = None
    claimant_actor: Optional[str] = None
    time_ref: Optional[str] = None
    approximate: bool = False
    sentence: int = 0
    confidence: float = 0.5
    rule: str = ""


class TimeExpr(Record):
    id: str
    text: str
    start: int
    end: int
    type: TimexType
    value: str = Field(description="TIMEX3 value, e.g. 2025-02, P3Y, XXXX-WXX-1")
    granularity: Optional[str] = Field(None, description="day, month, year, ...")
    anchor: Optional[str] = Field(None, description="what a relative value was resolved against")
    rule: str = ""


class InferredDate(Record):
    """A publication date inferred from the text when the source gives none."""

    earliest: date
    latest: date
    confidence: float
    method: str


# --------------------------------------------------------------------------- article


MAX_REFERENCE_WINDOW_DAYS = 31


class Article(Record):
    """One article and everything extracted from it."""

    id: str
    key: str
    path: str
    format: InputFormat
    url: Optional[str] = None
    title: Optional[str] = None
    outlet: Optional[str] = None
    author: Optional[str] = None
    published: Optional[date] = None
    published_inferred: Optional[InferredDate] = None
    genre: Genre = "news"
    genre_cues: list[str] = Field(default_factory=list)
    language: Optional[str] = None
    text: str = ""
    content_hash: str = ""
    duplicate_of: Optional[str] = None
    duplicate_kind: Optional[Literal["exact", "near"]] = None
    removed: list[Removal] = Field(default_factory=list)
    sentences: list[Sentence] = Field(default_factory=list)
    mentions: list[Mention] = Field(default_factory=list)
    actors: list[ArticleActor] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    quotes: list[Quote] = Field(default_factory=list)
    figures: list[Figure] = Field(default_factory=list)
    times: list[TimeExpr] = Field(default_factory=list)
    stages: list[str] = Field(default_factory=list, description="stages that ran on this article")

    # The spaCy Doc lives only in the worker that parsed the article; it is never
    # serialised (pickling Docs across processes would cost more than re-parsing).
    _doc: Any = PrivateAttr(default=None)
    # MinHash signature (numpy uint64 array) computed in the worker, used by the store.
    _minhash: Any = PrivateAttr(default=None)

    @property
    def doc(self) -> Any:
        return self._doc

    def with_doc(self, doc: Any) -> "Article":
        self._doc = doc
        return self

    def release_doc(self) -> "Article":
        """Drop the Doc before the article crosses a process boundary."""
        self._doc = None
        return self

    def reference_date(self) -> Optional[date]:
        """The date relative expressions and actor roles are resolved against: the
        publication date or, for undated text, the lower bound of an inferred range no
        wider than a month. A wider range would place "on Friday" on an invented day."""
        if self.published:
            return self.published
        inferred = self.published_inferred
        if inferred and (inferred.latest - inferred.earliest).days <= MAX_REFERENCE_WINDOW_DAYS:
            return inferred.earliest
        return None

    def to_export(self) -> dict[str, Any]:
        """The stable export shape (see docs/schema/article.schema.json)."""
        return self.model_dump(mode="json", exclude={"key", "format", "content_hash", "stages"})


def article_id(key: str) -> str:
    """Stable id from the item key: the same file ingested twice gets the same id."""
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def record_id(article_id_: str, kind: str, start: int, end: int, extra: str = "") -> str:
    """Stable id of an extracted record, so re-processing is idempotent."""
    raw = f"{article_id_}:{kind}:{start}:{end}:{extra}"
    return f"{kind[0]}{hashlib.sha1(raw.encode()).hexdigest()[:12]}"


# --------------------------------------------------------------------------- across articles


class Evidence(Record):
    """Where a cross-document statement comes from: one article, one record, its sentence."""

    article_id: str
    outlet: Optional[str] = None
    published: Optional[date] = None
    url: Optional[str] = None
    record_id: Optional[str] = None
    text: str = Field("", description="the sentence or quote the statement rests on")


class Story(Record):
    """A group of articles about the same unfolding news story."""

    id: str = Field(description="derived from the article that started the story")
    label: str = Field(description="key actors, then the story's most distinctive terms")
    key_actors: list[str] = Field(default_factory=list)
    key_terms: list[str] = Field(default_factory=list)
    articles: list[str] = Field(default_factory=list, description="article ids, earliest first")
    size: int = Field(0, description="number of articles (their reprints are evidence, not counted)")
    outlets: list[str] = Field(default_factory=list)
    first_date: Optional[date] = None
    last_date: Optional[date] = None


class MergedEvent(Record):
    """One real-world event, merged from the mentions of it across documents."""

    id: str = Field(description="derived from the smallest mention id")
    head_lemmas: list[str] = Field(default_factory=list, description="commonest first")
    mentions: list[str] = Field(default_factory=list, description="'article_id:event_id' of each mention")
    documents: list[str] = Field(default_factory=list)
    story: Optional[str] = None
    first_date: Optional[date] = None
    last_date: Optional[date] = None
    type: Optional[str] = Field(None, description="PLOVER type most mentions give")
    modality: Optional[str] = Field(None, description="asserted if any mention asserts it, else the commonest")
    event_date: Optional[str] = Field(None, description="TIMEX value most mentions give (precision kept)")
    source: list[str] = Field(default_factory=list, description="actor ids")
    target: list[str] = Field(default_factory=list)
    outlets: list[str] = Field(default_factory=list)
    independent_sources: int = Field(0, description="outlets, counting reprints and wire copy once")
    first_report: Optional[date] = None
    last_report: Optional[date] = None
    text: str = Field("", description="the sentence of the earliest mention")


Stance = Literal["demands", "offers", "accepts", "rejects", "threatens", "supports", "states"]


class Position(Record):
    """What an actor stated on one issue of a negotiation, with its evidence over time."""

    actor_id: str
    actor_name: str
    issue: str = Field(description="an issue id from the configured list, e.g. territory, nato, ceasefire")
    stance: Stance
    statement: str = Field(description="the latest statement of it (a sentence or quote)")
    first_seen: Optional[date] = None
    last_seen: Optional[date] = None
    evidence: list[Evidence] = Field(default_factory=list)
    changed_from: Optional[str] = Field(None, description="the earlier stance when this one replaced it")
    changed_on: Optional[date] = None


DisputeKind = Literal["figure", "title", "agree_reject", "unattributed"]


class Dispute(Record):
    """A contradiction between sources (or with the actor dictionary), with both sides."""

    id: str
    kind: DisputeKind
    severity: Literal["low", "medium", "high"]
    explanation: str = Field(description="one line an analyst can read")
    evidence: list[Evidence] = Field(default_factory=list)
    subject: Optional[str] = Field(None, description="what is disputed: an actor id, a quantity")


# --------------------------------------------------------------------------- runs


class RunSummary(Record):
    """What one ingest/run did: counts and per-item errors."""

    seen: int = 0
    stored: int = 0
    stored_ids: list[str] = Field(default_factory=list)
    unchanged: int = 0
    duplicates_exact: int = 0
    duplicates_near: int = 0
    non_english: int = 0
    errors: list[ItemError] = Field(default_factory=list)
    counts: dict[str, int] = Field(default_factory=dict)
    seconds: float = 0.0
    peak_worker_rss_mb: float = 0.0
    started_at: Optional[datetime] = None
