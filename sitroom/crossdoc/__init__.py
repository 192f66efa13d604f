"""The cross-document layer: articles grouped into stories, event mentions merged
into events across documents."""

from .coref import CorefWeights, EventMention, MergedEvent, TriggerLexicon, cluster_mentions, mentions_from_article
from .stories import Story, StoryIndex, StoryInput

__all__ = ["CorefWeights", "EventMention", "MergedEvent", "Story", "StoryIndex", "StoryInput", "TriggerLexicon",
           "cluster_mentions", "mentions_from_article"]
