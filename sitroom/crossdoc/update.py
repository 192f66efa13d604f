"""Bring the cross-document layer up to date after new articles are stored.

New canonical articles join stories through the ``StoryIndex``, which reads from and
writes to the store's index tables only what the batch needs (reprints join their
original's story). Then, in every story the batch touched, the merged events near the
new articles are re-clustered with the new mentions: those that draw on a batch
article (a re-processed article, the original of a new reprint) and those whose
mention dates reach within ``window_days`` of a new article's date. Large ones (more
than ``FIXED_MENTIONS`` mentions) are extended instead: a few representative mentions
stand for them in average link and their description grows from a stored tally (see
``refresh_story_events``). Merged events further away are left as they are — the
coreference model's date penalty makes a merge across more than a week or two all but
impossible — so an update costs time in proportion to the batch and the news around it,
not to the store or a long story.
"""

from __future__ import annotations

import copy
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Collection, Iterable, Optional, Sequence

from ..models import Article, MergedEvent, Story
from ..store import Store
from .coref import (DEFAULT_THRESHOLD, CorefWeights, cluster_mentions, cluster_with_fixed, default_weights,
                    mentions_from_article)
from . import semantics
from .stories import StoryIndex, StoryInput, StoryState

# Modalities that report something that happened (or was said to): they decide a merged
# event's modality before planned/hypothetical ones do.
FACTUAL = ("asserted", "reported")
# Days either side of the batch's dates within which merged events are re-clustered.
DEFAULT_WINDOW_DAYS = 14
# Articles per transaction when many arrive at once (a backfill).
BATCH_SIZE = 1_000
# A merged event with more mentions than this is extended, not re-clustered, when a
# batch comes near it: new mentions are compared with its REPRESENTATIVES earliest and
# REPRESENTATIVES latest mentions (average link, as in ``cluster_mentions``).
FIXED_MENTIONS = 20
REPRESENTATIVES = 4


@dataclass(frozen=True)
class MergeOptions:
    """How event mentions become merged events: the mean pair probability two groups of
    mentions need to merge (``Settings.merge_threshold``; higher gives smaller, purer
    merged events) and the pair model's weights (``default_weights``: with contextual
    trigger vectors when ``Settings.semantic`` is on)."""

    threshold: float = DEFAULT_THRESHOLD
    weights: Optional[CorefWeights] = None
    # Where trigger vectors are kept between processes (the store), when weights use them.
    vector_cache: Optional[semantics.VectorCache] = None

    @classmethod
    def from_settings(cls, merge_threshold: float = DEFAULT_THRESHOLD, semantic: Optional[bool] = None,
                      store: Optional[Store] = None) -> "MergeOptions":
        weights = default_weights(semantic)
        return cls(threshold=merge_threshold, weights=weights, vector_cache=store if weights.trigger_context else None)


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
                    batch_size: int = BATCH_SIZE, merge_threshold: float = DEFAULT_THRESHOLD,
                    story_threshold: Optional[float] = None, semantic: Optional[bool] = None) -> CrossdocReport:
    """Assign the given (stored) articles to stories and refresh the merged events
    around them (``window_days`` <= 0: re-cluster the touched stories whole). More than
    ``batch_size`` articles (a backfill) are taken in batches of that size, each in its
    own transaction, so memory stays bounded. ``merge_threshold``, ``story_threshold``
    (None: ``StoryIndex``'s default) and ``semantic`` are the settings of the same
    names (``Settings.crossdoc_options()`` gives all of them)."""
    ids = list(dict.fromkeys(article_ids))
    merging = MergeOptions.from_settings(merge_threshold, semantic, store)
    index_options = {} if story_threshold is None else {"threshold": story_threshold}
    if len(ids) <= batch_size:
        return _update_batch(store, ids, window_days, merging, index_options)
    report = CrossdocReport(articles=len(ids))
    touched: set[str] = set()
    for start in range(0, len(ids), batch_size):
        part = _update_batch(store, ids[start:start + batch_size], window_days, merging, index_options)
        touched |= set(part.story_of.values())
        report.merged_events += part.merged_events
        report.merged_events_replaced += part.merged_events_replaced
        report.story_of.update(part.story_of)
    report.stories_touched = len(touched)
    return report


def _update_batch(store: Store, ids: list[str], window_days: int, merging: MergeOptions,
                  index_options: dict) -> CrossdocReport:
    report = CrossdocReport(articles=len(ids))
    if not ids:
        return report
    index = load_index(store, **index_options)
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
    merged, tallies = {}, {}
    for story_id, batch in sorted(by_story.items()):
        story = described.get(story_id) or index.stories([story_id])[0]
        gone, written, counted = refresh_story_events(store, story, batch, window_days, merging)
        merged[story_id] = (gone, written)
        tallies.update(counted)
    for article in reprints:
        if article.id not in changes.assignments:
            changes.assignments[article.id] = assignments[article.id]
            changes.dates[article.id] = article.reference_date()
    store.save_crossdoc(changes, merged, tallies)
    report.stories_touched = len(by_story)
    report.merged_events = sum(len(written) for _, written in merged.values())
    report.merged_events_replaced = sum(len(gone) for gone, _ in merged.values())
    report.story_of = assignments
    return report


def recluster(store: Store, story_ids: Optional[Sequence[str]] = None, *,
              merge_threshold: float = DEFAULT_THRESHOLD, semantic: Optional[bool] = None) -> CrossdocReport:
    """Re-cluster the merged events of whole stories (the given ids or unique prefixes;
    None: every story) with these settings, e.g. after changing ``merge_threshold``:
    updates re-cluster only the merged events near new articles, so a new threshold
    reaches older events only through this. Stories themselves are kept (the story
    threshold applies to articles placed from then on). One transaction per story."""
    merging = MergeOptions.from_settings(merge_threshold, semantic, store)
    stories = [store.story(story_id) for story_id in story_ids] if story_ids else store.stories()
    report = CrossdocReport()
    for story in stories:
        gone, written, tallies = refresh_story_events(store, story, [], 0, merging)
        store.save_crossdoc(None, {story.id: (gone, written)}, tallies)
        report.articles += len(story.articles)
        report.stories_touched += 1
        report.merged_events += len(written)
        report.merged_events_replaced += len(gone)
    return report


def refresh_story_events(store: Store, story: Story, batch: Sequence[Article],
                         window_days: int = DEFAULT_WINDOW_DAYS, merging: Optional[MergeOptions] = None
                         ) -> tuple[list[str], list[MergedEvent], dict[str, dict[str, Any]]]:
    """Re-cluster the story's merged events near ``batch`` (its new or re-processed
    articles) together with the batch's mentions; returns (ids of the merged events
    replaced, the merged events that replace them, their tallies by id).

    A merged event with more than ``FIXED_MENTIONS`` mentions (and a tally, and no
    mention from a batch article) is not re-clustered: it stays one cluster, represented
    by a few of its mentions (its earliest and latest), new mentions may join it, and its
    description is extended from its tally. Every other merged event near the batch is
    re-clustered with the batch from its articles. The other merged events of those
    articles (before the window: they are not near) keep their mentions; their articles'
    other mentions are left out of the re-clustering. So no mention is ever in two merged
    events, no merged event loses a mention, and the articles read do not grow with a
    story's history: the batch, the articles of the small merged events near it, and a
    few representatives of the large ones."""
    dates = [a.reference_date() for a in batch]
    if window_days <= 0 or any(d is None for d in dates):
        # An undated article could belong anywhere in the story's time line.
        members = store.story_article_ids(story.id) + [a.id for a in batch if a.duplicate_of is None]
        articles = {a.id: a for a in story_articles(store, story.model_copy(update={"articles": members}))}
        articles.update({a.id: a for a in batch})
        existing = store.merged_events_of(story.id, everything=True)
        written, tallies = merge_events(list(articles.values()), story.id, with_tallies=True, merging=merging)
        return [e.id for e in existing], written, tallies
    low, high = min(dates) - timedelta(days=window_days), max(dates) + timedelta(days=window_days)
    articles = {a.id: a for a in batch}
    batch_ids = set(articles)
    anchors = batch_ids | {a.duplicate_of for a in batch if a.duplicate_of}
    near = store.merged_events_of(story.id, documents=sorted(anchors), window=(low.isoformat(), high.isoformat()))
    stored_tallies = store.merged_event_tallies([e.id for e in near if len(e.mentions) > FIXED_MENTIONS])

    def fixed(event: MergedEvent) -> bool:
        return (len(event.mentions) > FIXED_MENTIONS and event.id in stored_tallies
                and not batch_ids.intersection(event.documents))

    extended = {e.id: e for e in near if fixed(e)}  # large: new mentions may join them
    free = [e for e in near if e.id not in extended]  # re-clustered from their articles
    needed = sorted(({d for e in free for d in e.documents} | anchors) - set(articles))
    articles.update(store.get_many(needed))  # an article deleted since is no more evidence
    seen = {e.id for e in near}
    # The other merged events of those articles lie before the window (or they would be
    # near): their mentions stay where they are, so the closure stops here.
    pinned = [e for e in store.merged_events_of(story.id, documents=needed) if e.id not in seen]
    _add_reprints(store, articles)
    held = {m for e in list(extended.values()) + pinned for m in e.mentions}
    tallies = {e.id: stored_tallies[e.id] for e in extended.values()}
    # The representatives of the large merged events: read, but not re-clustered.
    wanted = {m.partition(":")[0] for t in tallies.values() for _, m in t["early"] + t["late"]}
    samples = dict(articles)
    samples.update(store.get_many(sorted(wanted - samples.keys())))
    representatives = {}
    for event_id, tally in tallies.items():
        ids = {m for _, m in tally["early"] + tally["late"]}
        representatives[event_id] = [m for a in sorted({m.partition(":")[0] for m in ids}) if a in samples
                                     for m in mentions_from_article(samples[a], story=story.id) if m.id in ids]
    mentions, events = _mentions_and_events(articles, story.id)
    mentions = [m for m in mentions if m.id not in held]
    by_mention = {m.id: m for m in mentions}
    merging = merging or MergeOptions()
    created, joined = cluster_with_fixed(mentions, representatives, merging.threshold, merging.weights,
                                         vector_cache=merging.vector_cache)
    written, new_tallies = [], {}
    for cluster in created:
        merged = describe(cluster, events, articles, story.id)
        written.append(merged)
        new_tallies[merged.id] = tally_of(merged, by_mention, events, articles)
    gone = [e.id for e in free]
    for event_id, event in sorted(extended.items()):
        grown = extend(event, tallies[event_id], joined.get(event_id, []), events, articles, story.id)
        if grown is not None:
            merged, tally = grown
            gone.append(event_id)
            written.append(merged)
            new_tallies[merged.id] = tally
    return gone, _in_time_order(written), new_tallies


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


def merge_events(articles: Sequence[Article], story_id: str, with_tallies: bool = False,
                 merging: Optional[MergeOptions] = None):
    """Cluster the events of ``articles`` (one story's, with their reprints) into merged
    events; with ``with_tallies``, (merged events, their tallies by id)."""
    merging = merging or MergeOptions()
    by_id = {a.id: a for a in articles}
    mentions, events = _mentions_and_events(by_id, story_id)
    clusters = cluster_mentions(mentions, merging.threshold, merging.weights, vector_cache=merging.vector_cache)
    merged = _in_time_order([describe(cluster, events, by_id, story_id) for cluster in clusters])
    if not with_tallies:
        return merged
    by_mention = {m.id: m for m in mentions}
    return merged, {e.id: tally_of(e, by_mention, events, by_id) for e in merged}


def _mentions_and_events(articles: dict[str, Article], story_id: str) -> tuple[list, dict]:
    """The event mentions to cluster and the events by (article id, event id). Reprints
    are evidence, not independent mentions: only originals' events are clustered (a
    reprint whose original is not among ``articles`` stands in for it), and each reprint
    is attached to the same merged events as a further source."""
    originals = [a for a in articles.values() if a.duplicate_of is None or a.duplicate_of not in articles]
    mentions = [m for a in originals for m in mentions_from_article(a, story=story_id)]
    return mentions, {(a.id, e.id): e for a in originals for e in a.events}


def _in_time_order(merged: list[MergedEvent]) -> list[MergedEvent]:
    return sorted(merged, key=lambda m: (m.event_date or (m.first_report.isoformat() if m.first_report else "~"),
                                         m.id))


def _members(mention_ids: Iterable[str], events: dict, articles: dict[str, Article]) -> list[tuple]:
    """(mention id, article, event) of the mentions found among the read articles."""
    found = []
    for mention_id in mention_ids:
        article_id, _, event_id = mention_id.partition(":")
        if (article_id, event_id) in events and article_id in articles:
            found.append((mention_id, articles[article_id], events[(article_id, event_id)]))
    return found


def _day(value: Optional[date]) -> str:
    return value.isoformat() if value else ""


def _count(tally: dict[str, Any], mentions: dict, members: list[tuple], reports: Sequence[Article]) -> None:
    """Add members (mention id, article, event) and reporting articles to a tally."""
    for mention_id, article, event in members:
        mention = mentions.get(mention_id)
        if mention is not None:
            tally["lemmas"][mention.head_lemma] = tally["lemmas"].get(mention.head_lemma, 0) + 1
        for name, value in (("types", event.type), ("modalities", event.modality),
                            ("event_dates", event.date if event.date and not event.date_is_report_date else None)):
            if value is not None:
                tally[name][value] = tally[name].get(value, 0) + 1
        for name, actors in (("sources", event.source), ("targets", event.target)):
            for actor in sorted({a.actor_id for a in actors if a.actor_id}):
                tally[name][actor] = tally[name].get(actor, 0) + 1
        key = [_day(article.reference_date()) or "9999-12-31", article.id]
        if tally["first"] is None or key < tally["first"]:
            tally["first"] = key
        point = [_day(article.reference_date()), mention_id]
        tally["early"] = sorted(tally["early"] + [point])[:REPRESENTATIVES]
        tally["late"] = sorted(tally["late"] + [point])[-REPRESENTATIVES:]
    # Independent sources: reprint families, each under its original's outlet.
    for article in sorted(reports, key=lambda a: a.duplicate_of is not None):
        group = article.duplicate_of or article.id
        if article.duplicate_of is None:
            tally["groups"][group] = article.outlet or group
        else:
            tally["groups"].setdefault(group, group)


def _empty_tally() -> dict[str, Any]:
    return {"lemmas": {}, "types": {}, "modalities": {}, "event_dates": {}, "sources": {}, "targets": {},
            "groups": {}, "first": None, "early": [], "late": []}


def tally_of(merged: MergedEvent, mentions: dict, events: dict, articles: dict[str, Article]) -> dict[str, Any]:
    """What ``describe`` computed ``merged`` from, as counts (JSON), so that a later
    update can extend it (``extend``) without re-reading its articles: lemma, type,
    modality, event-date and actor counts, reprint families and their outlets, the
    earliest member, and the ``REPRESENTATIVES`` earliest and latest mentions."""
    tally = _empty_tally()
    _count(tally, mentions, _members(merged.mentions, events, articles),
           [articles[d] for d in merged.documents if d in articles])
    return tally


def extend(event: MergedEvent, tally: dict[str, Any], joined: Sequence, events: dict,
           articles: dict[str, Article], story_id: str) -> Optional[tuple[MergedEvent, dict[str, Any]]]:
    """A large merged event with the mentions that ``joined`` it and the new reprints of
    its articles found in ``articles``, described from its updated tally (as ``describe``
    would, ties aside); None when nothing was added."""
    held = {m.partition(":")[0] for m in event.mentions}
    members = _members([m.id for m in joined], events, articles)
    authors = held | {article.id for _, article, _ in members}
    known = set(event.documents)
    reports = [articles[a] for a in sorted({article.id for _, article, _ in members}) if a not in known]
    reports += [r for r in articles.values() if r.duplicate_of in authors and r.id not in known
                and r.id not in {a.id for a in reports}]
    if not members and not reports:
        return None
    tally = copy.deepcopy(tally)
    _count(tally, {m.id: m for m in joined}, members, reports)
    mentions = sorted(set(event.mentions) | {m for m, _, _ in members})
    lemmas = sorted(tally["lemmas"].items(), key=lambda kv: (-kv[1], kv[0]))
    modalities = Counter(tally["modalities"])
    factual = [m for m in FACTUAL if modalities.get(m)]
    published = [a.reference_date() for _, a, _ in members if a.reference_date()]
    dated = [d for d in (a.reference_date() for a in reports) if d]
    text = event.text
    first_author = tally["first"][1] if tally["first"] else None
    for _, article, member in members:
        if article.id == first_author:
            text = member.text.strip()
            break
    grown = event.model_copy(update={
        "id": "e" + hashlib.sha1(mentions[0].encode()).hexdigest()[:12],
        "story": story_id,
        "head_lemmas": [lemma for lemma, _ in lemmas] or event.head_lemmas,
        "mentions": mentions,
        "documents": sorted(known | {a.id for a in reports}),
        "first_date": min([d for d in (event.first_date, *published) if d], default=None),
        "last_date": max([d for d in (event.last_date, *published) if d], default=None),
        "type": Counter(tally["types"]).most_common(1)[0][0] if tally["types"] else event.type,
        "modality": factual[0] if factual else (modalities.most_common(1)[0][0] if modalities else None),
        "event_date": _commonest_counted(tally["event_dates"]),
        "source": [actor for actor, _ in Counter(tally["sources"]).most_common()],
        "target": [actor for actor, _ in Counter(tally["targets"]).most_common()],
        "outlets": sorted(set(event.outlets) | {a.outlet for a in reports if a.outlet}),
        "independent_sources": len(set(tally["groups"].values())),
        "first_report": min([d for d in (event.first_report, *dated) if d], default=None),
        "last_report": max([d for d in (event.last_report, *dated) if d], default=None),
        "text": text,
    })
    return grown, tally


def _commonest_counted(counts: dict[str, int]) -> Optional[str]:
    return Counter(counts).most_common(1)[0][0] if counts else None


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
