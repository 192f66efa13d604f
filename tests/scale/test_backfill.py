"""Backfills: the local and Ray engines run the same shard function and give the same store."""

from __future__ import annotations

import pytest

from sitroom.config import Settings
from sitroom.errors import BadParameterError
from sitroom.export import write_stream
from sitroom.pipeline import INGEST_STAGES, STAGES
from sitroom.runner import run
from sitroom.scale.backfill import backfill, shards_of
from sitroom.store import open_store
from tests.conftest import EXAMPLES

SOURCES = [EXAMPLES / name for name in ("text", "feeds", "dumps", "html", "warc")]


def exported(store) -> str:
    import io
    out = io.StringIO()
    write_stream(store.articles(), "jsonl", out)
    return out.getvalue()


def test_shards_cover_every_file_once(tmp_path):
    files = [tmp_path / f"{i}.txt" for i in range(7)]
    shards = shards_of(files, 3)
    assert [len(s) for s in shards] == [3, 3, 1]
    assert sorted(p for s in shards for p in s) == sorted(map(str, files))


def test_unknown_engine(tmp_path):
    with pytest.raises(BadParameterError):
        backfill(SOURCES, open_store(":memory:"), engine="spark", out_dir=tmp_path)


def test_local_backfill_equals_a_plain_run_and_is_idempotent(tmp_path):
    settings = Settings(workers=2)
    direct = open_store(str(tmp_path / "direct.db"))
    run(SOURCES, direct, settings=Settings(workers=1), stages=INGEST_STAGES)
    filled = open_store(str(tmp_path / "filled.db"))
    report = backfill(SOURCES, filled, engine="local", settings=settings, stages=INGEST_STAGES,
                      out_dir=tmp_path / "parquet", files_per_shard=4)
    assert report.stored == report.articles == direct.count() and not report.errors
    assert exported(filled) == exported(direct)
    again = backfill(SOURCES, filled, engine="local", settings=settings, stages=INGEST_STAGES,
                     out_dir=tmp_path / "parquet2", files_per_shard=4)
    assert again.stored == 0 and again.unchanged == report.articles


@pytest.mark.slow
def test_ray_engine_matches_the_local_engine(tmp_path):
    pytest.importorskip("ray")
    settings = Settings(workers=2)
    local = open_store(str(tmp_path / "local.db"))
    backfill(SOURCES, local, engine="local", settings=settings, stages=STAGES, out_dir=tmp_path / "local",
             files_per_shard=4)
    on_ray = open_store(str(tmp_path / "ray.db"))
    report = backfill(SOURCES, on_ray, engine="ray", settings=settings, stages=STAGES, out_dir=tmp_path / "ray",
                      files_per_shard=4)
    assert report.stored == local.count() > 30
    assert exported(on_ray) == exported(local)
    assert report.merged_events > 0 and on_ray.stories() == local.stories()
