"""The shard function: files in, processed rows out — the one code path both backfill
executors run (local multiprocessing and Ray Data's ``map_batches``).

A shard's output is columnar (``kind``, ``id``, ``key``, ``raw_hash``, ``data``,
``minhash``) so it goes straight into a Parquet partition: one row per article
(``data`` = the Article JSON) and one per per-item error (``data`` = the ItemError JSON).
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from ..config import Settings
from ..ingest import Overrides, read_path
from ..models import Article, ItemError, RawItem
from ..pipeline import STAGES, process_shard
from ..runner import raw_hash
from ..stage import Context, Stage

COLUMNS = ("kind", "id", "key", "raw_hash", "data", "minhash")


def process_paths(paths: Sequence[str], ctx: Context, stages: Sequence[Stage] = STAGES,
                  overrides: Optional[Overrides] = None) -> dict[str, list[Any]]:
    """Read the files, run the stages, return the shard's rows as columns."""
    from pathlib import Path

    settings = ctx.settings
    items: list[RawItem] = []
    errors: list[ItemError] = []
    for path in paths:
        for item in read_path(Path(path), overrides or Overrides(), max_file_bytes=settings.max_file_bytes,
                              max_item_chars=settings.max_item_chars):
            (errors if isinstance(item, ItemError) else items).append(item)
    hashes = {item.key: raw_hash(item) for item in items}
    result = process_shard(items, ctx, stages)
    columns: dict[str, list[Any]] = {name: [] for name in COLUMNS}
    for article in result.articles:
        _append(columns, "article", article.id, article.key, hashes[article.key], article.model_dump_json(),
                np.asarray(article._minhash, dtype=np.uint64).tobytes() if article._minhash is not None else b"")
    for error in errors + result.errors:
        _append(columns, "error", None, error.key, None, error.model_dump_json(), b"")
    return columns


def _append(columns: dict[str, list[Any]], *values: Any) -> None:
    for name, value in zip(COLUMNS, values):
        columns[name].append(value)


def rows_to_records(columns: dict[str, Sequence[Any]]) -> tuple[list[tuple[Article, str]], list[ItemError]]:
    """Parquet rows back to (article, raw_hash) pairs and errors, for the bulk load."""
    articles: list[tuple[Article, str]] = []
    errors: list[ItemError] = []
    for kind, data, hashed, minhash in zip(columns["kind"], columns["data"], columns["raw_hash"],
                                           columns["minhash"]):
        if kind == "article":
            article = Article.model_validate_json(data)
            if minhash:
                article._minhash = np.frombuffer(minhash, dtype=np.uint64)
            articles.append((article, hashed))
        else:
            errors.append(ItemError.model_validate_json(data))
    return articles, errors


class ShardWorker:
    """A Ray Data callable class: the model loads once per worker, in ``__init__``'s
    context, and every batch of file paths goes through ``process_paths``."""

    def __init__(self, settings_json: str, stage_names: Sequence[str]):
        by_name = {s.name: s for s in STAGES}
        self.stages = [by_name[name] for name in stage_names]
        self.ctx = Context(settings=Settings.model_validate_json(settings_json))

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        return process_paths([str(p) for p in batch["path"]], self.ctx, self.stages)
