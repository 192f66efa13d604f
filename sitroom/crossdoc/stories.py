"""Group articles into stories, incrementally.

Each new article joins the most similar existing story if that similarity reaches
``threshold``, and starts a story of its own otherwise. The similarity of an article to
a story blends:

* TF-IDF cosine between the article (title + body) and the story's centroid (the sum of
  its articles' vectors), with document frequencies maintained incrementally,
* the share of the article's actor ids, and of its event types, that the story already
  has, where both sides have some (an article without actors is unknown, not different),
* time proximity: the blend is scaled by ``1 - time_weight * (1 - decay)``, where decay
  halves every ``half_life_days`` between the article's date and the story's nearest date
  (undated: no scaling).

Why a centroid, not single link over articles: one article that shares a few names with
another story would chain the two (two rehab check-ins by different actresses, two
strikes on different cities), while a centroid keeps a story about what most of its
articles say. On ECB+ the centroid matches the gold subtopics clearly better (ARI 0.84
against 0.78 for the best single-link threshold).

Refinement: once a batch is placed, each of its articles is taken out and placed again,
once. An article placed early in the batch saw only the stories begun before it; placed
again, it can follow the story its batch formed. Earlier batches are not revisited.

Cost: a story's centroid keeps its ``max_centroid_terms`` (5,000) heaviest terms, so a
story that runs for years does not carry its whole vocabulary into every update; an
article is compared only with the stories that share one of its most
distinctive terms (an inverted index from the top TF-IDF terms of each story's
articles to the story), so adding a batch costs in proportion to the batch.

Where the index lives: by default in memory (tests, benchmarks, one-off clustering of a
list of articles). Given an ``IndexBackend`` (the store's tables, see
``sitroom.crossdoc.update``), the index reads only what a batch needs — the document
frequencies of the batch's terms, the postings of their top terms, the states of the
candidate stories and where already-indexed articles are — and hands back the changes
(``pending_changes``) to be written in the same transaction as the stories. Both give
the same stories for the same sequence of batches (a property test holds them equal).

Order: within one ``add_batch`` call, all document frequencies are updated first and the
articles are then placed (and placed again) in canonical order (publication date, id),
so the stories are a deterministic function of the batch's set of articles, whatever
order it came in. Across calls, an article is placed with what the index knows when it
arrives: that is what makes it incremental.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import heapq
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Collection, Iterable, Optional, Protocol

import numpy as np

from ..models import Article, Story
from .similarity import TermStatistics, content_terms, cosine, time_decay


@dataclass(frozen=True)
class StoryInput:
    """What story clustering needs from an article, independent of the store."""

    id: str
    text: str
    title: Optional[str] = None
    published: Optional[date] = None
    outlet: Optional[str] = None
    actors: frozenset[str] = field(default_factory=frozenset)
    event_types: frozenset[str] = field(default_factory=frozenset)

    def canonical_key(self) -> tuple[date, str]:
        return (self.published or date.min, self.id)

    @classmethod
    def from_article(cls, article: Article) -> "StoryInput":
        """What story clustering takes from a stored article: linked actor ids, PLOVER
        event types and the reference date (published, else the inferred lower bound)."""
        return cls(id=article.id, text=article.text, title=article.title, published=article.reference_date(),
                   outlet=article.outlet, actors=frozenset(a.id for a in article.actors),
                   event_types=frozenset(e.type for e in article.events))


@dataclass
class StoryState:
    """A story as the index needs it: its size, the sum of its articles' TF-IDF vectors
    and its squared norm, and counts of outlets, actors, event types and dates. Which
    articles it holds is not part of it (the store keeps that in ``article_stories``), so
    reading and writing a state does not grow with the story."""

    size: int = 0
    outlets: Counter = field(default_factory=Counter)
    centroid: dict[str, float] = field(default_factory=dict)
    centroid_norm2: float = 0.0
    actors: Counter = field(default_factory=Counter)
    event_types: Counter = field(default_factory=Counter)
    dates: Counter = field(default_factory=Counter)
    _sorted_dates: Optional[list[date]] = field(default=None, repr=False, compare=False)

    def add(self, item: StoryInput, vector: dict[str, float]) -> None:
        self._sorted_dates = None
        self._move(vector, 1.0)
        self.size += 1
        if item.outlet:
            self.outlets[item.outlet] += 1
        self.actors.update(item.actors)
        self.event_types.update(item.event_types)
        if item.published:
            self.dates[item.published] += 1

    def remove(self, item: StoryInput, vector: dict[str, float]) -> None:
        self._sorted_dates = None
        self._move(vector, -1.0)
        self.size -= 1
        if item.outlet:
            self.outlets[item.outlet] -= 1
        self.actors.subtract(item.actors)
        self.event_types.subtract(item.event_types)
        if item.published:
            self.dates[item.published] -= 1
        # Only the keys just decremented can have reached zero (a long story has a date
        # for every day: do not scan them all).
        for counter, keys in ((self.outlets, [item.outlet]), (self.actors, item.actors),
                              (self.event_types, item.event_types), (self.dates, [item.published])):
            for key in keys:
                if key in counter and counter[key] <= 0:
                    del counter[key]

    def _move(self, vector: dict[str, float], sign: float) -> None:
        """Add (sign 1) or take away (sign -1) an article's vector, keeping the squared
        norm up to date term by term. A term no longer in the centroid (pruned, see
        ``prune``) is not taken away: the centroid holds no negative weights."""
        for term, weight in vector.items():
            old = self.centroid.get(term)
            if old is None and sign < 0:
                continue
            old = old or 0.0
            updated = old + sign * weight
            self.centroid_norm2 += updated * updated - old * old
            if abs(updated) > 1e-12:
                self.centroid[term] = updated
            else:
                self.centroid.pop(term, None)
        self.centroid_norm2 = max(0.0, self.centroid_norm2)

    def prune(self, limit: int) -> None:
        """Keep the ``limit`` heaviest centroid terms (ties: by term), so that a story
        that runs for years does not carry its whole vocabulary into every update: the
        light tail adds little to a cosine with a new article."""
        if limit <= 0 or len(self.centroid) <= limit:
            return
        kept = _top_terms(self.centroid, limit)
        self.centroid = {term: self.centroid[term] for term in kept}
        self.centroid_norm2 = sum(weight * weight for weight in self.centroid.values())

    def nearest_date(self, day: date) -> Optional[date]:
        """The story's date closest to ``day`` (the earlier on a tie), by bisection over
        the sorted dates: a story that runs for years has a date for every day."""
        if not self.dates:
            return None
        if self._sorted_dates is None:
            self._sorted_dates = sorted(self.dates)
        ordered = self._sorted_dates
        at = bisect.bisect_left(ordered, day)
        neighbours = ordered[max(0, at - 1):at + 1]
        return min(neighbours, key=lambda d: (abs((d - day).days), d))

    def to_json(self) -> dict[str, Any]:
        """Plain JSON types. The centroid, which grows with a long story's vocabulary, is
        packed: its terms joined by newlines and its weights as base64 little-endian
        float64 (exact, and several times faster to write and read than a JSON object of
        floats)."""
        data = {"size": self.size, "outlets": dict(self.outlets), "norm2": self.centroid_norm2,
                "actors": dict(self.actors), "event_types": dict(self.event_types),
                "dates": {d.isoformat(): n for d, n in self.dates.items()}}
        terms = "\n".join(self.centroid)
        if terms.count("\n") != max(len(self.centroid) - 1, 0):  # a term with a newline: keep it plain
            data["centroid"] = self.centroid
        else:
            weights = np.fromiter(self.centroid.values(), dtype="<f8", count=len(self.centroid))
            data["centroid_terms"] = terms
            data["centroid_weights"] = base64.b64encode(weights.tobytes()).decode("ascii")
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "StoryState":
        """Reads both the packed centroid and the plain one (states written before)."""
        if "centroid" in data:
            centroid = dict(data["centroid"])
        else:
            weights = np.frombuffer(base64.b64decode(data["centroid_weights"]), dtype="<f8").tolist()
            centroid = dict(zip(data["centroid_terms"].split("\n"), weights)) if weights else {}
        return cls(size=int(data["size"]), outlets=Counter(data["outlets"]), centroid=centroid,
                   centroid_norm2=float(data["norm2"]), actors=Counter(data["actors"]),
                   event_types=Counter(data["event_types"]),
                   dates=Counter({date.fromisoformat(d): n for d, n in data["dates"].items()}))


class IndexBackend(Protocol):
    """Where a persisted index is read from (``sitroom.crossdoc.update.StoreIndexBackend``)."""

    def documents(self) -> int:
        """How many articles the index holds."""

    def terms(self, terms: Collection[str]) -> dict[str, tuple[int, int]]:
        """term -> (document frequency, number of stories in its posting) for known terms."""

    def postings(self, terms: Collection[str]) -> dict[str, set[str]]:
        """term -> story ids, for the given terms."""

    def states(self, story_ids: Collection[str]) -> dict[str, StoryState]:
        """The stored states of the given stories (missing ids: stories that emptied)."""

    def assignments(self, article_ids: Collection[str]) -> dict[str, str]:
        """Article id -> story id for the given articles that are indexed."""


@dataclass
class IndexChanges:
    """What one index object changed, to be written back in one transaction: absolute
    document count, document-frequency increments, new postings with each changed
    term's new posting size, stories to write (state + description) or delete, and
    where the batch's articles went (with their dates, which order a story's list)."""

    documents: int = 0
    frequency_increments: Counter = field(default_factory=Counter)
    new_postings: set[tuple[str, str]] = field(default_factory=set)
    posting_sizes: dict[str, int] = field(default_factory=dict)
    states: dict[str, StoryState] = field(default_factory=dict)
    stories: list[Story] = field(default_factory=list)
    deleted: set[str] = field(default_factory=set)
    assignments: dict[str, str] = field(default_factory=dict)
    dates: dict[str, Optional[date]] = field(default_factory=dict)  # reference date of each assigned article


def _top_terms(centroid: dict[str, float], count: int) -> list[str]:
    """The ``count`` heaviest terms (ties: by term) without sorting the whole centroid,
    which grows with a long story's vocabulary."""
    if len(centroid) > count > 0:
        cutoff = heapq.nlargest(count, centroid.values())[-1]
        centroid = {term: weight for term, weight in centroid.items() if weight >= cutoff}
    return [term for term, _ in sorted(centroid.items(), key=lambda kv: (-kv[1], kv[0]))[:count]]


def _share(values: frozenset[str], known: Counter) -> Optional[float]:
    """Share of an article's values the story already has; None when either has none."""
    if not values or not known:
        return None
    return sum(1 for v in values if v in known) / len(values)


class StoryIndex:
    """Incremental story clustering; see the module docstring for the model.

    ``threshold`` is the similarity an article needs with a story to join it: raise it
    for tighter, more numerous stories. ``backend``: where a persisted index lives;
    without one the whole index is this object.
    """

    def __init__(self, threshold: float = 0.25, actor_weight: float = 0.25, event_weight: float = 0.1,
                 half_life_days: float = 3.0, time_weight: float = 0.5, index_terms: int = 10,
                 max_postings: int = 500, label_terms: int = 5, label_actors: int = 3,
                 max_centroid_terms: int = 5_000, backend: Optional[IndexBackend] = None) -> None:
        self.threshold = threshold
        self.max_centroid_terms = max_centroid_terms
        self.actor_weight = actor_weight
        self.event_weight = event_weight
        self.half_life_days = half_life_days
        self.time_weight = time_weight
        self.index_terms = index_terms
        # A term shared by more stories than this is too common to find candidates with:
        # looking it up would touch a large share of the corpus.
        self.max_postings = max_postings
        self.label_terms = label_terms
        self.label_actors = label_actors
        self._backend = backend
        # With a backend these hold what was read so far (plus this object's changes);
        # without one they are the whole index.
        self._stats = TermStatistics()
        self._story_of: dict[str, str] = {}
        self._dates: dict[str, Optional[date]] = {}  # the (reference) date of each article placed here
        self._stories: dict[str, StoryState] = {}
        self._postings: dict[str, set[str]] = defaultdict(set)
        self._posting_sizes: dict[str, int] = {}  # backend only: stored sizes of terms not read
        self._loaded_terms: set[str] = set()
        self._absent_stories: set[str] = set()
        self._changes = IndexChanges()
        if backend is not None:
            self._stats.documents = backend.documents()

    # ------------------------------------------------------------------ adding

    def add(self, item: StoryInput) -> str:
        """Index one article; returns the id of the story it joined or started."""
        return self.add_batch([item])[item.id]

    def add_batch(self, items: Iterable[StoryInput]) -> dict[str, str]:
        """Index a batch of articles; returns article id -> story id for the batch.
        An id names one article: an id already indexed, or repeated in the batch, is
        indexed once and left where it is."""
        items = list(items)
        self._read_assignments([item.id for item in items])
        fresh: dict[str, StoryInput] = {}
        for item in items:
            if item.id not in self._story_of:
                fresh.setdefault(item.id, item)
        batch = sorted(fresh.values(), key=StoryInput.canonical_key)
        counts = {item.id: Counter(content_terms(f"{item.title or ''}\n{item.text}")) for item in batch}
        self._read_terms(set().union(*counts.values()) if counts else set())
        for item in batch:
            self._stats.add(counts[item.id])
            self._changes.frequency_increments.update(set(counts[item.id]))
        vectors = {item.id: self._stats.vector(counts[item.id]) for item in batch}
        top_terms = {item.id: sorted(vectors[item.id], key=lambda t: (-vectors[item.id][t], t))[:self.index_terms]
                     for item in batch}
        self._read_postings(set().union(*top_terms.values()) if top_terms else set())
        for item in batch:
            self._place(item, vectors[item.id], top_terms[item.id])
        # One refinement pass: an article placed early in the batch saw only the stories
        # begun before it; placed again now, it can follow the story its batch formed.
        for item in batch:
            story_id = self._story_of[item.id]
            story = self._stories[story_id]
            story.remove(item, vectors[item.id])
            self._changes.states[story_id] = story
            if story.size <= 0:
                del self._stories[story_id]
                self._changes.states.pop(story_id)
                self._changes.deleted.add(story_id)
            self._place(item, vectors[item.id], top_terms[item.id])
        for state in self._changes.states.values():
            state.prune(self.max_centroid_terms)
        assigned = {item.id: self._story_of[item.id] for item in items}
        self._changes.assignments.update({item.id: assigned[item.id] for item in batch})
        self._changes.documents = self._stats.documents
        return assigned

    def _place(self, item: StoryInput, vector: dict[str, float], top_terms: list[str]) -> None:
        """Put an article into its most similar story above the threshold (ties: the
        smaller story id), or into a new story."""
        best, best_score = None, self.threshold
        for story in self._candidates(top_terms):
            score = self.similarity(item, story, vector)
            if score >= best_score and (best is None or score > best_score or story < best):
                best, best_score = story, score
        if best is None:
            best = self._new_story_id(item.id)
            self._stories[best] = StoryState()
            self._changes.deleted.discard(best)
        self._stories[best].add(item, vector)
        self._changes.states[best] = self._stories[best]
        self._story_of[item.id] = best
        self._dates[item.id] = item.published
        for term in top_terms:
            posting = self._postings[term]
            if best not in posting:
                posting.add(best)
                self._changes.new_postings.add((term, best))
                self._changes.posting_sizes[term] = self._posting_size(term)

    def _posting_size(self, term: str) -> int:
        return self._posting_sizes.get(term, 0) + len(self._postings.get(term, ()))

    def _candidates(self, terms: list[str]) -> list[str]:
        found: set[str] = set()
        for term in terms:
            if self._posting_size(term) <= self.max_postings:
                found.update(self._postings.get(term, ()))
        self._read_states(found)
        return sorted(found & self._stories.keys())  # postings may name stories that emptied

    # ------------------------------------------------------------------ reading a backend

    def _read_assignments(self, article_ids: list[str]) -> None:
        if self._backend is not None:
            wanted = [a for a in dict.fromkeys(article_ids) if a not in self._story_of]
            if wanted:
                self._story_of.update(self._backend.assignments(wanted))

    def _read_terms(self, terms: set[str]) -> None:
        if self._backend is None:
            return
        wanted = terms - self._loaded_terms
        if not wanted:
            return
        known = self._backend.terms(wanted)
        for term in wanted:
            frequency, stories = known.get(term, (0, 0))
            if frequency:
                self._stats.frequency[term] = frequency
            if stories:
                self._posting_sizes[term] = stories
        self._loaded_terms |= wanted

    def _read_postings(self, terms: set[str]) -> None:
        """Read the stored postings of the terms still small enough to be looked up; a
        term's stored size moves into the in-memory set as it is read."""
        if self._backend is None:
            return
        small = {t for t in terms if t in self._posting_sizes and self._posting_sizes[t] <= self.max_postings}
        if not small:
            return
        for term, stories in self._backend.postings(small).items():
            self._postings[term] |= stories
        for term in small:
            self._posting_sizes.pop(term, None)

    def _read_states(self, story_ids: set[str]) -> None:
        if self._backend is None:
            return
        wanted = story_ids - self._stories.keys() - self._absent_stories - self._changes.deleted
        if wanted:
            found = self._backend.states(wanted)
            self._stories.update(found)
            self._absent_stories |= wanted - found.keys()

    # ------------------------------------------------------------------ similarity

    def similarity(self, item: StoryInput, story: str, vector: Optional[dict[str, float]] = None) -> float:
        """Blended similarity of an article to a story (see the module docstring)."""
        self._read_states({story})
        state = self._stories[story]
        if vector is None:
            counts = Counter(content_terms(f"{item.title or ''}\n{item.text}"))
            self._read_terms(set(counts))
            vector = self._stats.vector(counts)
        text = cosine(vector, state.centroid) / math.sqrt(state.centroid_norm2) if state.centroid_norm2 > 0 else 0.0
        parts = [(1.0 - self.actor_weight - self.event_weight, text)]
        actors = _share(item.actors, state.actors)
        if actors is not None:
            parts.append((self.actor_weight, actors))
        events = _share(item.event_types, state.event_types)
        if events is not None:
            parts.append((self.event_weight, events))
        score = sum(w * s for w, s in parts) / sum(w for w, _ in parts)
        nearest = state.nearest_date(item.published) if item.published else None
        if nearest is not None:
            decay = time_decay(item.published, nearest, self.half_life_days)
            score *= 1.0 - self.time_weight * (1.0 - decay)
        return score

    # ------------------------------------------------------------------ reading

    def _new_story_id(self, founder: str) -> str:
        """Derived from the founding article; an article that left the story it founded
        and founds another gets a numbered id."""
        key, attempt = founder, 0
        while True:
            story_id = "s" + hashlib.sha1(key.encode()).hexdigest()[:12]
            self._read_states({story_id})
            if story_id not in self._stories:
                return story_id
            attempt += 1
            key = f"{founder}#{attempt}"

    def story_id(self, article: str) -> str:
        self._read_assignments([article])
        return self._story_of[article]

    def where(self, article_ids: Collection[str]) -> dict[str, str]:
        """Article id -> story id for those of the given articles that are indexed."""
        self._read_assignments(list(article_ids))
        return {a: self._story_of[a] for a in article_ids if a in self._story_of}

    def __len__(self) -> int:
        """Articles indexed."""
        return self._stats.documents

    def assignments(self) -> dict[str, str]:
        """Article id -> story id for every indexed article (with a backend: every
        article this object has read or placed)."""
        return dict(self._story_of)

    def stories(self, story_ids: Optional[Collection[str]] = None) -> list[Story]:
        """The given stories (default: all this object holds), largest first (then by
        id). Their article lists hold the articles this object has placed: every
        article without a backend; with one, the store lists them (``Store.story``)."""
        if story_ids is not None:
            self._read_states(set(story_ids))
        chosen = self._stories if story_ids is None else {s: self._stories[s] for s in story_ids if s in self._stories}
        members: dict[str, list[str]] = defaultdict(list)
        for article, story in self._story_of.items():
            if story in chosen and article in self._dates:
                members[story].append(article)
        stories = [self._describe(story_id, state, members[story_id]) for story_id, state in chosen.items()]
        return sorted(stories, key=lambda s: (-len(s.articles), s.id))

    def pending_changes(self) -> IndexChanges:
        """What this object changed since it was made, with descriptions of the changed
        stories (without article lists: the assignments say who joined), for a backend
        to write back."""
        changes = self._changes
        changes.stories = [self._describe(story_id, state, []) for story_id, state in sorted(changes.states.items())]
        changes.dates = {article: self._dates.get(article) for article in changes.assignments}
        return changes

    def _describe(self, story_id: str, state: StoryState, articles: list[str]) -> Story:
        key_actors = [a for a, _ in sorted(state.actors.items(), key=lambda kv: (-kv[1], kv[0]))[:self.label_actors]]
        key_terms = _top_terms(state.centroid, self.label_terms)
        dates = sorted(state.dates)
        label = ", ".join(key_actors)
        label = f"{label} — {' '.join(key_terms)}" if label else " ".join(key_terms)
        return Story(id=story_id, label=label, key_actors=key_actors, key_terms=key_terms,
                     articles=sorted(articles, key=lambda a: (self._dates.get(a) or date.min, a)),
                     outlets=sorted(state.outlets), size=state.size,
                     first_date=dates[0] if dates else None, last_date=dates[-1] if dates else None)
