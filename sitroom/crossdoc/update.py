"""Bring the cross-document layer up to date after new articles are stored.

New canonical articles join stories through the ``StoryIndex``, which reads from and
writes to the store's index tables only what the batch needs (reprints join their
original's story). Then, in every story the batch touched, the merged events near the
new articles are re-clustered with the new mentions: those that draw on a batch
article (a re-processed article, the original of a new reprint) and those whose
mention dates reach within ``window_days`` of a new article's date. Merged events
further away are left as they are — the coreference model's date penalty makes a merge
across more than a week or two all but impossible — so an update costs time in
proportion to the batch and the news around it, not to the store or a long story.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Collection, Iterable, Optional, Sequence

from ..models import Article, MergedEvent, Story
from ..store import Store
from .coref import cluster_mentions, mentions_from_article
from .stories import StoryIndex, StoryInput, StoryState

# Modalities that report something that happened (or was said to): they decide a merged
# event's modality before planned/hypothetical ones do.
FACTUAL = ("asserted", "reported")
# Days either side of the batch's dates within which merged events are re-clustered.
DEFAULT_WINDOW_DAYS = 14
# Articles per transaction when many arrive at once (a backfill).
BATCH_SIZE = 1_000


@dataclass
class CrossdocReport:
    articles: int = 0
    stories_touched: int = 0
    merged_events: int = 0  # merged events written (re-clustered) by this update
    merged_events_replaced: int = 0
    story_of: dict[str, str] = field(default_factory=dict)


class StoreIndexBackend:
    """The store's index tables as a ``StoryIndex`` backend."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def documents(self) -> int:
        return self.store.index_documents()

    def terms(self, terms: Collection[str]) -> dict[str, tuple[int, int]]:
        return self.store.index_terms(list(terms))

    def postings(self, terms: Collection[str]) -> dict[str, set[str]]:
        return self.store.index_postings(list(terms))

    def states(self, story_ids: Collection[str]) -> dict[str, StoryState]:
        return {story: StoryState.from_json(data) for story, data in self.store.index_states(list(story_ids)).items()}

    def assignments(self, article_ids: Collection[str]) -> dict[str, str]:
        return self.store.story_of(list(article_ids))


def load_index(store: Store, **options) -> StoryIndex:
    """A story index over the store's tables (reads lazily; write back with
    ``store.save_crossdoc(index.pending_changes(), ...)``)."""
    return StoryIndex(backend=StoreIndexBackend(store), **options)


def update_crossdoc(store: Store, article_ids: Iterable[str], *, window_days: int = DEFAULT_WINDOW_DAYS,
                    batch_size: int = BATCH_SIZE) -> CrossdocReport:
    """Assign the given (stored) articles to stories and refresh the merged events
    around them (``window_days`` <= 0: re-cluster the touched stories whole). More than
    ``batch_size`` articles (a backfill) are taken in batches of that size, each in its
    own transaction, so memory stays bounded."""
    ids = list(dict.fromkeys(article_ids))
    if len(ids) <= batch_size:
        return _update_batch(store, ids, window_days)
    report = CrossdocReport(articles=len(ids))
    touched: set[str] = set()
    for start in range(0, len(ids), batch_size):
        part = _update_batch(store, ids[start:start + batch_size], window_days)
        touched |= set(part.story_of.values())
        report.merged_events += part.merged_events
        report.merged_events_replaced += part.merged_events_replaced
        report.story_of.update(part.story_of)
    report.stories_touched = len(touched)
    return report


def _update_batch(store: Store, ids: list[str], window_days: int) -> CrossdocReport:
    report = CrossdocReport(articles=len(ids))
    if not ids:
        return report
    index = load_index(store)
    stored = store.get_many(ids)
    new = [stored[article_id] if article_id in stored else store.get(article_id) for article_id in ids]
    originals = [a for a in new if a.duplicate_of is None]
    assignments = index.add_batch(StoryInput.from_article(a) for a in originals)
    reprints = [a for a in new if a.duplicate_of is not None]
    known = index.where([a.duplicate_of for a in reprints])
    for article in reprints:
        story = assignments.get(article.duplicate_of) or known.get(article.duplicate_of)
        if story is None:  # the original is not indexed (yet): the reprint stands in for it
            story = index.add_batch([StoryInput.from_article(article)])[article.id]
        assignments[article.id] = story
    changes = index.pending_changes()
    described = {story.id: story for story in changes.stories}
    by_story: dict[str, list[Article]] = {}
    for article in new:
        by_story.setdefault(assignments[article.id], []).append(article)
    merged = {}
    for story_id, batch in sorted(by_story.items()):
        story = described.get(story_id) or index.stories([story_id])[0]
        merged[story_id] = refresh_story_events(store, story, batch, window_days)
    for article in reprints:
        if article.id not in changes.assignments:
            changes.assignments[article.id] = assignments[article.id]
            changes.dates[article.id] = article.reference_date()
    store.save_crossdoc(changes, merged)
    report.stories_touched = len(by_story)
    report.merged_events = sum(len(written) for _, written in merged.values())
    report.merged_events_replaced = sum(len(gone) for gone, _ in merged.values())
    report.story_of = assignments
    return report


def refresh_story_events(store: Store, story: Story, batch: Sequence[Article],
                         window_days: int = DEFAULT_WINDOW_DAYS) -> tuple[list[str], list[MergedEvent]]:
    """Re-cluster the story's merged events near ``batch`` (its new or re-processed
    articles) together with the batch's mentions; returns (ids of the merged events
    replaced, the merged events that replace them). The set re-clustered is closed: it
    holds every merged event of every article whose mentions it holds."""
    dates = [a.reference_date() for a in batch]
    if window_days <= 0 or any(d is None for d in dates):
        # An undated article could belong anywhere in the story's time line.
        members = store.story_article_ids(story.id) + [a.id for a in batch if a.duplicate_of is None]
        articles = {a.id: a for a in story_articles(store, story.model_copy(update={"articles": members}))}
        articles.update({a.id: a for a in batch})
        existing = store.merged_events_of(story.id, everything=True)
    else:
        low, high = min(dates) - timedelta(days=window_days), max(dates) + timedelta(days=window_days)
        articles = {a.id: a for a in batch}
        anchors = set(articles) | {a.duplicate_of for a in batch if a.duplicate_of}
        existing = store.merged_events_of(story.id, documents=sorted(anchors),
                                          window=(low.isoformat(), high.isoformat()))
        seen = {e.id for e in existing}
        requested = set(articles)
        while True:  # read the articles they draw on, and any other merged event of those
            needed = sorted(({d for e in existing for d in e.documents} | anchors) - requested)
            if not needed:
                break
            requested.update(needed)
            articles.update(store.get_many(needed))  # an article deleted since is no more evidence
            more = [e for e in store.merged_events_of(story.id, documents=needed) if e.id not in seen]
            seen |= {e.id for e in more}
            existing += more
        _add_reprints(store, articles)
    return [e.id for e in existing], merge_events(list(articles.values()), story.id)


def _add_reprints(store: Store, articles: dict[str, Article]) -> None:
    """Read the stored reprints of the originals in ``articles`` into it (evidence)."""
    reprints = store.reprint_ids([a.id for a in articles.values() if a.duplicate_of is None])
    articles.update(store.get_many([r for ids in reprints.values() for r in ids if r not in articles]))


def story_articles(store: Store, story: Story) -> list[Article]:
    """The story's articles plus their stored reprints (evidence, counted once)."""
    articles = store.get_many(story.articles)
    _add_reprints(store, articles)
    members = set(story.articles)
    return [articles[a] for a in story.articles if a in articles] + [a for a in articles.values() if a.id not in members]


def merge_events(articles: Sequence[Article], story_id: str) -> list[MergedEvent]:
    """Cluster the events of ``articles`` (one story's, with their reprints) into merged events."""
    by_id = {a.id: a for a in articles}
    # Reprints are evidence, not independent mentions: cluster the originals' events and
    # attach each reprint as a further source of the same merged events.
    originals = [a for a in articles if a.duplicate_of is None or a.duplicate_of not in by_id]
    mentions = [m for a in originals for m in mentions_from_article(a, story=story_id)]
    events = {(a.id, e.id): e for a in originals for e in a.events}
    merged = [describe(cluster, events, by_id, story_id) for cluster in cluster_mentions(mentions)]
    return sorted(merged, key=lambda m: (m.event_date or (m.first_report.isoformat() if m.first_report else "~"),
                                         m.id))


def describe(cluster: MergedEvent, events: dict, articles: dict[str, Article], story_id: str) -> MergedEvent:
    """Fill in what an analyst reads: type, modality, date, actors, sources, corroboration."""
    members = []
    for mention_id in cluster.mentions:
        article_id, _, event_id = mention_id.partition(":")
        if (article_id, event_id) in events:
            members.append((articles[article_id], events[(article_id, event_id)]))
    reporting = sorted({a.id for a, _ in members}
                       | {r.id for r in articles.values() if r.duplicate_of in {a.id for a, _ in members}})
    reports = [articles[a] for a in reporting]
    dates = [a.reference_date() for a in reports if a.reference_date()]
    modalities = Counter(e.modality for _, e in members)
    factual = [m for m in FACTUAL if modalities.get(m)]
    earliest = min(members, key=lambda pair: (pair[0].reference_date() or date.max, pair[0].id))
    return cluster.model_copy(update={
        "story": story_id,
        "type": Counter(e.type for _, e in members).most_common(1)[0][0] if members else None,
        "modality": factual[0] if factual else (modalities.most_common(1)[0][0] if modalities else None),
        "event_date": _commonest([e.date for _, e in members if e.date and not e.date_is_report_date]),
        "source": _actor_ids(e.source for _, e in members),
        "target": _actor_ids(e.target for _, e in members),
        "outlets": sorted({a.outlet for a in reports if a.outlet}),
        "independent_sources": independent_sources(reports),
        "first_report": min(dates) if dates else None,
        "last_report": max(dates) if dates else None,
        "documents": reporting,
        "text": earliest[1].text.strip() if members else "",
    })


def independent_sources(reports: Sequence[Article]) -> int:
    """Outlets that reported it independently: a reprint counts with its original, and
    copies of one text under several outlets count once."""
    groups = {a.duplicate_of or a.id for a in reports}
    originals = {a.id: a for a in reports}
    outlets = set()
    for group in groups:
        article = originals.get(group)
        outlets.add((article.outlet if article and article.outlet else group))
    return len(outlets)


def _commonest(values: list[str]) -> Optional[str]:
    return Counter(values).most_common(1)[0][0] if values else None


def _actor_ids(groups: Iterable) -> list[str]:
    ids: Counter = Counter()
    for actors in groups:
        ids.update({a.actor_id for a in actors if a.actor_id})
    return [actor for actor, _ in ids.most_common()]
