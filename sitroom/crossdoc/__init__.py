"""The cross-document layer: stories, merged events, positions, disputes and briefings.

``stories`` groups articles incrementally, ``coref`` merges event mentions across
documents, ``update`` keeps both in the store after each run, ``positions`` and
``disputes`` read the stored articles on request, and ``brief`` writes a cited briefing.
The records (Story, MergedEvent, Position, Dispute, Evidence) live in ``sitroom.models``.
"""

from .coref import CorefWeights, EventMention, TriggerLexicon, cluster_mentions, mentions_from_article
from .stories import StoryIndex, StoryInput
from .update import update_crossdoc

__all__ = ["CorefWeights", "EventMention", "StoryIndex", "StoryInput", "TriggerLexicon", "cluster_mentions",
           "mentions_from_article", "update_crossdoc"]
