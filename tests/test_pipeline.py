"""Stage order checks, per-item error isolation, non-English handling, the runner."""

from __future__ import annotations

import pytest

from sitroom.config import Settings
from sitroom.errors import Skip
from sitroom.pipeline import INGEST_STAGES, STAGES, check_stages, process_shard
from sitroom.runner import run
from sitroom.stage import stage
from tests.conftest import make_raw

NEWS = "Ukrainian and American negotiators met in Geneva on Sunday. Rubio said the talks were productive."
GERMAN = ("Die Verhandlungen über einen Waffenstillstand in der Ukraine wurden am Sonntag in Genf fortgesetzt, "
          "teilte das Außenministerium in Kiew mit.")


def test_stage_order_is_checked():
    @stage(requires=("article.summary",), assigns=("article.digest",))
    def needs_summary(article, ctx):
        return article

    @stage(requires=("article.text",), assigns=("article.summary",))
    def summarise(article, ctx):
        return article

    check_stages(STAGES)
    check_stages(STAGES + (summarise, needs_summary))
    with pytest.raises(RuntimeError, match="needs_summary.*article.summary"):
        check_stages(STAGES + (needs_summary, summarise))


def test_every_stage_declares_a_docstring_and_what_it_assigns():
    for current in STAGES:
        assert current.doc and current.assigns


def test_one_failing_item_does_not_stop_the_shard(ctx):
    @stage(requires=("article.text",), assigns=("article.check",))
    def explode_on_sanctions(article, ctx):
        if "sanctions" in article.text:
            raise ValueError("boom")
        if "skip me" in article.text:
            raise Skip()
        return article

    items = [make_raw(NEWS, key="1"), make_raw("Wait 5 sec.", key="2"), make_raw("New sanctions today.", key="3"),
             make_raw("Please skip me.", key="4")]
    result = process_shard(items, ctx, INGEST_STAGES + (explode_on_sanctions,))
    assert [a.key for a in result.articles] == ["1"]
    assert [(e.key, e.stage, e.error) for e in result.errors] == [
        ("2", "clean", "EmptyInputError"), ("3", "explode_on_sanctions", "ValueError")]
    assert result.skipped == 1
    with pytest.raises(ValueError):
        process_shard(items[2:3], ctx, INGEST_STAGES + (explode_on_sanctions,), strict=True)


def test_parse_gives_sentences_and_mentions_for_english_only(ctx):
    result = process_shard([make_raw(NEWS, key="en"), make_raw(GERMAN, key="de")], ctx, STAGES, strict=True)
    english, german = result.articles
    assert len(english.sentences) == 2 and english.stages == [s.name for s in STAGES]
    assert {m.text for m in english.mentions} >= {"Geneva", "Rubio"}
    assert all(english.text[m.start:m.end] == m.text for m in english.mentions)
    assert german.language == "de" and german.sentences == [] and german.mentions == []
    assert english.doc is None  # released before crossing a process boundary


def write_corpus(folder, count):
    folder.mkdir()
    for i in range(count):
        (folder / f"{i:05d}.txt").write_text(f"Report {i}\n\nDrones struck district {i} overnight, officials "
                                             f"said, in attack number {i * 7919 % 10007}.")
    return folder


def test_run_is_idempotent_and_resumes(file_store, tmp_path):
    corpus = write_corpus(tmp_path / "corpus", 30)
    settings = Settings(workers=1, batch_size=8)
    first = run([corpus], file_store, settings=settings, stages=INGEST_STAGES)
    assert (first.seen, first.stored, first.unchanged, first.errors) == (30, 30, 0, [])
    again = run([corpus], file_store, settings=settings, stages=INGEST_STAGES)
    assert (again.stored, again.unchanged) == (0, 30)
    (corpus / "00003.txt").write_text("Report 3\n\nThe report was corrected.")
    changed = run([corpus], file_store, settings=settings, stages=INGEST_STAGES)
    assert (changed.stored, changed.unchanged) == (1, 29)
    assert file_store.count() == 30


def test_run_with_two_worker_processes_matches_one(tmp_path):
    from sitroom.store import open_store
    corpus = write_corpus(tmp_path / "corpus", 20)
    (corpus / "bad.txt").write_bytes(b"\x00\x01\x02")
    stores = []
    for workers in (1, 2):
        store = open_store(str(tmp_path / f"w{workers}.db"))
        summary = run([corpus], store, settings=Settings(workers=workers, batch_size=4), stages=STAGES)
        assert summary.stored == 20 and [e.path.endswith("bad.txt") for e in summary.errors] == [True]
        stores.append([a.model_dump() for a in store.articles()])
    assert stores[0] == stores[1]


def test_ten_thousand_files(tmp_path, file_store):
    corpus = write_corpus(tmp_path / "big", 10_000)
    summary = run([corpus], file_store, settings=Settings(workers=1, batch_size=500), stages=INGEST_STAGES)
    assert summary.stored == 10_000 and not summary.errors
    assert file_store.count() == 10_000
