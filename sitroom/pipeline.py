"""The stages, in order, and the loop that runs them over a shard of items.

``STAGES`` is the one place the order lives. ``check_stages`` runs at import: every
stage's ``requires`` must be assigned by an earlier stage (or be the raw input), so
a misordered tuple fails at start-up, not halfway through a backfill.

``process_shard`` is a pure function from RawItems to Articles (or ItemErrors): the
local multiprocessing executor and any other executor call the same function.
"""

from __future__ import annotations

import resource
from dataclasses import dataclass
from typing import Iterable, Iterator, Optional, Sequence, Union

from . import clean as clean_module
from . import dedup, nlp
from .extract import events, figures, quotes, times
from .link import resolve
from .errors import SitroomError, Skip
from .models import Article, ItemError, RawItem
from .stage import Context, Stage

# The order of processing. Later issues add stages here (link, extract, ...).
INGEST_STAGES: tuple[Stage, ...] = (clean_module.clean, dedup.sign)
STAGES: tuple[Stage, ...] = INGEST_STAGES + (
    nlp.parse,
    resolve.link_actors,  # before extract_times: it installs the resolver of "Trump's second term"
    times.infer_published,  # undated text: from dates and offices mentioned; re-links roles if it can
    times.extract_times,
    quotes.extract_quotes,  # after actors: speakers resolve to them
    figures.extract_figures,
    events.extract_events,  # after actors (who) and times (when)
)


def check_stages(stages: Sequence[Stage]) -> None:
    """Every requirement must be met by an earlier stage (or the raw input)."""
    available = {"raw"}
    for position, current in enumerate(stages):
        missing = [need for need in current.requires if need not in available]
        if missing:
            raise RuntimeError(f"stage {current.name!r} (position {position}) requires {missing}, "
                               f"which no earlier stage assigns")
        available.update(current.assigns)


check_stages(STAGES)


def stage_names(stages: Sequence[Stage]) -> list[str]:
    return [s.name for s in stages]


def _error(item: Union[RawItem, Article], stage: str, exc: BaseException) -> ItemError:
    message = exc.message if isinstance(exc, SitroomError) else (str(exc) or repr(exc))
    return ItemError(path=item.path, key=item.key, stage=stage, error=type(exc).__name__,
                     message=message.splitlines()[0][:500] if message else type(exc).__name__)


@dataclass
class ShardResult:
    articles: list[Article]
    errors: list[ItemError]
    skipped: int = 0
    peak_rss_mb: float = 0.0  # of the process that ran the shard, for the run summary


def process_shard(items: Iterable[RawItem], ctx: Context, stages: Sequence[Stage] = STAGES,
                  strict: bool = False) -> ShardResult:
    """Run the stages over a shard. Per item: an exception becomes an ItemError (or is
    raised when ``strict``, as tests want) and the rest of the shard goes on."""
    first, rest = stages[0], stages[1:]
    articles: list[Article] = []
    errors: list[ItemError] = []
    skipped = 0
    for raw in items:
        try:
            articles.append(first(raw, ctx))
        except Skip:
            skipped += 1
        except Exception as exc:  # noqa: BLE001 - one bad item must not stop the batch
            if strict:
                raise
            errors.append(_error(raw, first.name, exc))
    for current in rest:
        if current.batch:
            try:
                articles = current.func(articles, ctx)
            except Exception:  # noqa: BLE001
                if strict:
                    raise
                articles = _run_batch_stage_one_by_one(current, articles, ctx, errors)
            for article in articles:
                article.stages.append(current.name)
            continue
        survivors = []
        for article in articles:
            if current.english_only and article.language != "en":
                survivors.append(article)
                continue
            try:
                article = current(article, ctx)
                article.stages.append(current.name)
                survivors.append(article)
            except Skip:
                skipped += 1
            except Exception as exc:  # noqa: BLE001
                if strict:
                    raise
                errors.append(_error(article, current.name, exc))
        articles = survivors
    for article in articles:
        article.release_doc()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
    return ShardResult(articles, errors, skipped, peak_mb)


def _run_batch_stage_one_by_one(current: Stage, articles: list[Article], ctx: Context,
                                errors: list[ItemError]) -> list[Article]:
    """A batch stage failed: find the item that breaks it, keep the others."""
    survivors = []
    for article in articles:
        try:
            survivors.extend(current.func([article], ctx))
        except Exception as exc:  # noqa: BLE001
            errors.append(_error(article, current.name, exc))
    return survivors


def process(items: Iterable[RawItem], ctx: Optional[Context] = None,
            stages: Sequence[Stage] = STAGES) -> Iterator[Union[Article, ItemError]]:
    """Library entry point: process items in memory, yielding articles and errors."""
    ctx = ctx or Context()
    result = process_shard(list(items), ctx, stages)
    yield from result.articles
    yield from result.errors
