"""Archive backfills: the per-article stages as a pure function over shards of files,
results written as Parquet partitions, then loaded into the store in bulk.

Two executors share ``shard.process_paths``:

- ``local``: a multiprocessing pool on this machine (one model load per worker);
- ``ray``: Ray Data ``map_batches`` with an actor pool (one model load per actor), on a
  local Ray runtime or an existing cluster (``address="auto"`` or ``"ray://host:10001"``).

Parquet goes to a local folder or, with Ray on a cluster, to any URL pyarrow can write
(``s3://bucket/prefix``), which the loading machine must be able to read.
"""

from __future__ import annotations

import multiprocessing
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional, Sequence, Union

import pyarrow as pa
import pyarrow.parquet as pq

from ..config import Settings
from ..errors import BadParameterError, ConfigError
from ..ingest import discover
from ..models import ItemError
from ..pipeline import STAGES
from ..runner import pipeline_version
from ..stage import Context, Stage
from ..store import Store
from .shard import COLUMNS, ShardWorker, process_paths, rows_to_records

ENGINES = ("local", "ray")


@dataclass
class BackfillReport:
    engine: str
    files: int = 0
    shards: int = 0
    articles: int = 0
    stored: int = 0
    unchanged: int = 0
    errors: list[ItemError] = field(default_factory=list)
    stored_ids: list[str] = field(default_factory=list)
    stories_touched: int = 0
    merged_events: int = 0
    process_seconds: float = 0.0
    load_seconds: float = 0.0
    parquet: str = ""


def shards_of(files: Sequence[Path], files_per_shard: int) -> list[list[str]]:
    return [[str(p) for p in files[i:i + files_per_shard]] for i in range(0, len(files), files_per_shard)]


# --------------------------------------------------------------------------- local executor

_local_ctx: Optional[Context] = None
_local_stages: Sequence[Stage] = STAGES


def _init_local(settings: Settings, stages: Sequence[Stage]) -> None:
    global _local_ctx, _local_stages
    _local_ctx, _local_stages = Context(settings=settings), stages


def _local_shard(job: tuple[int, list[str], str]) -> str:
    index, paths, out_dir = job
    target = Path(out_dir) / f"part-{index:05d}.parquet"
    pq.write_table(pa.table(process_paths(paths, _local_ctx, _local_stages)), target)
    return str(target)


def run_local(shards: list[list[str]], out_dir: Path, settings: Settings, stages: Sequence[Stage],
              workers: int) -> None:
    jobs = [(i, shard, str(out_dir)) for i, shard in enumerate(shards)]
    if workers <= 1:
        _init_local(settings, stages)
        for job in jobs:
            _local_shard(job)
        return
    with multiprocessing.get_context("fork").Pool(workers, _init_local, (settings, stages)) as pool:
        for _ in pool.imap_unordered(_local_shard, jobs):
            pass


# --------------------------------------------------------------------------- Ray executor

def run_ray(shards: list[list[str]], out_dir: Union[Path, str], settings: Settings, stages: Sequence[Stage],
            workers: int, address: Optional[str]) -> None:
    try:
        import ray
    except ImportError as exc:  # pragma: no cover - ray is pinned in requirements.txt
        raise ConfigError("the ray engine needs Ray: pip install 'ray[data]'") from exc
    started_here = not ray.is_initialized()
    if started_here:
        options = {"include_dashboard": False, "log_to_driver": False, "ignore_reinit_error": True}
        if address:
            ray.init(address=address, **options)
        else:
            ray.init(num_cpus=workers, **options)
    try:
        ray.data.DataContext.get_current().enable_progress_bars = False
        paths = [{"path": path} for shard in shards for path in shard]
        dataset = ray.data.from_items(paths, override_num_blocks=max(1, len(shards)))
        processed = dataset.map_batches(
            ShardWorker, fn_constructor_args=(settings.model_dump_json(), [s.name for s in stages]),
            batch_size=max(len(s) for s in shards), batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(size=workers), num_cpus=1)
        processed.write_parquet(str(out_dir))
    finally:
        if started_here:
            ray.shutdown()


# --------------------------------------------------------------------------- the backfill

def load_parquet(out_dir: Union[Path, str], store: Store, version: str, batch_size: int,
                 report: BackfillReport) -> None:
    """Bulk-load the partitions into the store, skipping items stored unchanged."""
    dataset = pq.ParquetDataset(str(out_dir))
    for fragment in sorted(dataset.fragments, key=lambda f: f.path):
        columns = fragment.to_table(columns=list(COLUMNS)).to_pydict()
        pairs, errors = rows_to_records(columns)
        report.articles += len(pairs)
        report.errors.extend(errors)
        known = store.known([a.key for a, _ in pairs])
        fresh = [(a, h) for a, h in pairs if known.get(a.key) != (h, version)]
        report.unchanged += len(pairs) - len(fresh)
        for start in range(0, max(len(fresh), 1), batch_size):
            chunk = fresh[start:start + batch_size]
            result = store.put_batch(chunk, version, errors if start == 0 else ())
            report.stored += result.stored
            report.stored_ids.extend(result.ids)


def backfill(sources: Iterable[Union[str, Path]], store: Store, *, engine: str = "local",
             settings: Optional[Settings] = None, stages: Sequence[Stage] = STAGES,
             out_dir: Optional[Union[str, Path]] = None, files_per_shard: int = 32,
             address: Optional[str] = None, keep_parquet: bool = True,
             progress: Optional[Callable[[str], None]] = None) -> BackfillReport:
    """Process the sources into Parquet partitions with the chosen engine, then load them."""
    if engine not in ENGINES:
        raise BadParameterError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    settings = settings or Settings()
    workers = settings.worker_count()
    files = list(discover(sources))
    shards = shards_of(files, max(1, files_per_shard))
    report = BackfillReport(engine=engine, files=len(files), shards=len(shards))
    target = str(out_dir) if out_dir else str(Path("backfill-parquet") / time.strftime("%Y%m%dT%H%M%S"))
    report.parquet = target
    if "://" not in target:
        Path(target).mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if shards:
        if engine == "local":
            run_local(shards, Path(target), settings, stages, workers)
        else:
            run_ray(shards, target, settings, stages, workers, address)
    report.process_seconds = round(time.perf_counter() - started, 3)
    if progress:
        progress(f"processed {len(files)} files in {len(shards)} shards with the {engine} engine")
    started = time.perf_counter()
    if shards:
        load_parquet(target, store, pipeline_version(stages), settings.batch_size, report)
    if report.stored_ids and any("article.events" in s.assigns for s in stages):
        from ..crossdoc.update import update_crossdoc  # the cross-document stages, incrementally
        crossdoc = update_crossdoc(store, report.stored_ids, **settings.crossdoc_options())
        report.stories_touched, report.merged_events = crossdoc.stories_touched, crossdoc.merged_events
    report.load_seconds = round(time.perf_counter() - started, 3)
    if not keep_parquet and "://" not in target:
        shutil.rmtree(target, ignore_errors=True)
    return report
