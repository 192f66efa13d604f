"""Tables (SQLAlchemy Core). Articles keep their full record as JSON in ``data``;
the columns beside it are what queries filter and sort on. Extracted records get
tables of their own so `sitroom events --actor X` is an indexed query, not a scan."""

from __future__ import annotations

from sqlalchemy import (Column, Float, ForeignKey, Index, Integer, LargeBinary, MetaData, String, Table, Text,
                        UniqueConstraint)

metadata = MetaData()

meta = Table(
    "meta", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

articles = Table(
    "articles", metadata,
    Column("id", String(32), primary_key=True),
    Column("key", Text, nullable=False, unique=True),
    Column("path", Text, nullable=False),
    Column("format", String(16), nullable=False),
    Column("url", Text),
    Column("title", Text),
    Column("outlet", Text),
    Column("published", String(10), index=True),
    Column("genre", String(16), index=True),
    Column("language", String(8)),
    Column("text", Text, nullable=False),
    Column("content_hash", String(40), nullable=False, index=True),
    Column("raw_hash", String(40), nullable=False),
    Column("pipeline", String(40), nullable=False),
    Column("duplicate_of", String(32), index=True),
    Column("duplicate_kind", String(8)),
    Column("ingested_at", String(32), nullable=False),
    Column("data", Text, nullable=False),
)

minhashes = Table(
    "minhashes", metadata,
    Column("article_id", String(32), ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("signature", LargeBinary, nullable=False),
)

lsh_bands = Table(
    "lsh_bands", metadata,
    Column("band", Integer, nullable=False),
    Column("bucket", String(16), nullable=False),
    Column("article_id", String(32), ForeignKey("articles.id", ondelete="CASCADE"), nullable=False),
    Index("ix_lsh_bands_lookup", "band", "bucket"),
    Index("ix_lsh_bands_article", "article_id"),
)

actor_mentions = Table(
    "actor_mentions", metadata,
    Column("article_id", String(32), ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("actor_id", String(128), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("country", String(8)),
    Column("sector", String(8)),
    Column("mentions", Integer, nullable=False),
    Column("data", Text, nullable=False),
    UniqueConstraint("article_id", "actor_id"),
)

events = Table(
    "events", metadata,
    Column("id", String(32), primary_key=True),
    Column("article_id", String(32), ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("type", String(16), nullable=False, index=True),
    Column("modality", String(16), nullable=False),
    Column("date", String(32), index=True),
    Column("source_ids", Text, nullable=False),  # " id1 id2 " so LIKE '% id %' matches a member
    Column("target_ids", Text, nullable=False),
    Column("confidence", Float, nullable=False),
    Column("data", Text, nullable=False),
)

quotes = Table(
    "quotes", metadata,
    Column("id", String(32), primary_key=True),
    Column("article_id", String(32), ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", String(16), nullable=False),
    Column("speaker_text", Text),
    Column("speaker_actor", String(128), index=True),
    Column("data", Text, nullable=False),
)

figures = Table(
    "figures", metadata,
    Column("id", String(32), primary_key=True),
    Column("article_id", String(32), ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("category", String(32), index=True),
    Column("counted", Text),
    Column("claimant", Text),
    Column("data", Text, nullable=False),
)

times = Table(
    "times", metadata,
    Column("id", String(32), primary_key=True),
    Column("article_id", String(32), ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("type", String(16), nullable=False),
    Column("value", String(64), nullable=False),
    Column("data", Text, nullable=False),
)

ingest_errors = Table(
    "ingest_errors", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(32), nullable=False),
    Column("path", Text, nullable=False),
    Column("key", Text),
    Column("stage", String(32), nullable=False),
    Column("error", String(64), nullable=False),
    Column("message", Text, nullable=False),
)

# Cross-document tables (migration 2): stories, their articles, merged events, and the
# serialised story index that incremental updates continue from.
stories = Table(
    "stories", metadata,
    Column("id", String(40), primary_key=True),
    Column("label", Text, nullable=False),
    Column("size", Integer, nullable=False),
    Column("first_date", String(10), index=True),
    Column("last_date", String(10), index=True),
    Column("data", Text, nullable=False),
)

article_stories = Table(
    "article_stories", metadata,
    Column("article_id", String(32), ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("story_id", String(40), nullable=False, index=True),
    # The article's reference date (migration 3): orders a story's article list.
    Column("published", String(10)),
)

merged_events = Table(
    "merged_events", metadata,
    Column("id", String(64), primary_key=True),
    Column("story_id", String(40), index=True),
    Column("type", String(16), index=True),
    Column("modality", String(16)),
    Column("event_date", String(32), index=True),
    Column("first_report", String(10), index=True),
    Column("independent_sources", Integer, nullable=False),
    Column("actor_ids", Text, nullable=False),  # " id1 id2 " for LIKE '% id %' filters
    Column("data", Text, nullable=False),
    # Dates of the mentions' articles (migration 3): an update re-clusters only the
    # merged events whose span reaches the new articles' dates.
    Column("first_date", String(10)),
    Column("last_date", String(10)),
    # What the description was computed from (migration 4, JSON: counts of types,
    # modalities, dates, actors, lemmas, sources, and a few representative mentions), so
    # an update can extend a large merged event without re-reading all its articles.
    # NULL: written before migration 4; such an event is re-clustered from its articles.
    Column("tally", Text),
    Index("ix_merged_events_story_last", "story_id", "last_date"),
)

crossdoc_state = Table(
    "crossdoc_state", metadata,
    Column("name", String(32), primary_key=True),
    Column("data", LargeBinary, nullable=False),
)

CROSSDOC_TABLES = (stories, article_stories, merged_events, crossdoc_state)

# The story index as tables (migration 3), so an update reads only what its batch needs
# instead of one serialised blob: document frequency and posting size per term, the
# postings (term -> stories), and each story's state (centroid, members, counts) as JSON.
story_index_terms = Table(
    "story_index_terms", metadata,
    Column("term", String(200), primary_key=True),
    Column("documents", Integer, nullable=False),
    Column("stories", Integer, nullable=False),
)

story_index_postings = Table(
    "story_index_postings", metadata,
    Column("term", String(200), primary_key=True),
    Column("story_id", String(40), primary_key=True),
)

story_index_states = Table(
    "story_index_states", metadata,
    Column("story_id", String(40), primary_key=True),
    Column("data", Text, nullable=False),
)

# Which articles each merged event draws on: finds the merged events a re-processed
# article or a new reprint belongs to without scanning its story.
merged_event_documents = Table(
    "merged_event_documents", metadata,
    Column("merged_id", String(64), primary_key=True),
    Column("article_id", String(32), primary_key=True),
    Index("ix_merged_event_documents_article", "article_id"),
)

STORY_INDEX_TABLES = (story_index_terms, story_index_postings, story_index_states, merged_event_documents)

# Contextual trigger vectors of the optional semantic extra (migration 5), kept so that a
# later process re-clustering the same mentions does not run the model again. The key
# hashes the model, the sentence and the trigger's offset (``semantics.vector_key``); the
# vector is little-endian float32.
trigger_vectors = Table(
    "trigger_vectors", metadata,
    Column("key", String(32), primary_key=True),
    Column("vector", LargeBinary, nullable=False),
)

# Record tables filled from an Article's lists, replaced whole when the article is re-processed.
RECORD_TABLES = (actor_mentions, events, quotes, figures, times)
