"""Bring the cross-document layer up to date after new articles are stored.

New canonical articles join stories through the persisted ``StoryIndex`` (reprints
join their original's story); then the event mentions of every story the batch
touched are re-clustered into merged events. Work grows with the batch and the
stories it touches, not with the whole store — except for reading and writing the
serialised index, which is one blob.
"""

from __future__ import annotations

import pickle
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Iterable, Optional, Sequence

from ..models import Article, MergedEvent, Story
from ..store import Store
from .coref import cluster_mentions, mentions_from_article
from .stories import StoryIndex, StoryInput

STATE_NAME = "story_index"
# Modalities that report something that happened (or was said to): they decide a merged
# event's modality before planned/hypothetical ones do.
FACTUAL = ("asserted", "reported")


@dataclass
class CrossdocReport:
    articles: int = 0
    stories_touched: int = 0
    merged_events: int = 0
    story_of: dict[str, str] = field(default_factory=dict)


def load_index(store: Store) -> StoryIndex:
    blob = store.load_state(STATE_NAME)
    return pickle.loads(blob) if blob else StoryIndex()


def update_crossdoc(store: Store, article_ids: Iterable[str]) -> CrossdocReport:
    """Assign the given (stored) articles to stories and refresh those stories' merged events."""
    ids = list(dict.fromkeys(article_ids))
    report = CrossdocReport(articles=len(ids))
    if not ids:
        return report
    index = load_index(store)
    new = [store.get(article_id) for article_id in ids]
    originals = [a for a in new if a.duplicate_of is None]
    assignments = index.add_batch(StoryInput.from_article(a) for a in originals)
    known = index.assignments()
    for article in new:
        if article.duplicate_of is not None:
            story = known.get(article.duplicate_of) or store.story_of([article.duplicate_of]).get(article.duplicate_of)
            if story is None:  # the original is not indexed (yet): the reprint stands in for it
                story = index.add_batch([StoryInput.from_article(article)])[article.id]
            assignments[article.id] = story
        elif article.id not in assignments:
            assignments[article.id] = known[article.id]  # indexed before (re-processed article)
    touched = sorted(set(assignments.values()))
    stories = {s.id: s for s in index.stories() if s.id in touched}
    merged = {story_id: merge_story_events(store, stories[story_id]) for story_id in touched}
    store.save_crossdoc(state=(STATE_NAME, pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL)),
                        stories=list(stories.values()), assignments=assignments, merged=merged)
    report.stories_touched = len(touched)
    report.merged_events = sum(len(events) for events in merged.values())
    report.story_of = assignments
    return report


def story_articles(store: Store, story: Story) -> list[Article]:
    """The story's articles plus their stored reprints (evidence, counted once)."""
    articles = {a.id: a for a in (store.get(article_id) for article_id in story.articles)}
    for original in list(articles.values()):
        for reprint in store.duplicates_of(original.id):
            if reprint["id"] not in articles:
                articles[reprint["id"]] = store.get(reprint["id"])
    return list(articles.values())


def merge_story_events(store: Store, story: Story) -> list[MergedEvent]:
    articles = story_articles(store, story)
    by_id = {a.id: a for a in articles}
    # Reprints are evidence, not independent mentions: cluster the originals' events and
    # attach each reprint as a further source of the same merged events.
    originals = [a for a in articles if a.duplicate_of is None or a.duplicate_of not in by_id]
    mentions = [m for a in originals for m in mentions_from_article(a, story=story.id)]
    events = {(a.id, e.id): e for a in originals for e in a.events}
    merged = []
    for cluster in cluster_mentions(mentions):
        merged.append(describe(cluster, events, by_id, story.id))
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
