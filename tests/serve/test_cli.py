"""The CLI end to end on the sample corpus, exports validated against the published schema."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3

import jsonschema
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from sitroom.export import SCHEMA_PATH, export_schema
from sitroom.models import Position
from sitroom.serve.cli import app
from tests.conftest import EXAMPLES, REPO

runner = CliRunner()
ARTICLE_FOLDERS = [str(EXAMPLES / name) for name in ("text", "html", "feeds", "dumps", "warc")]


def invoke(*args, code=0):
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    db = tmp_path_factory.mktemp("cli") / "demo.db"
    invoke("run", *ARTICLE_FOLDERS, "--db", db, "--workers", 1, "--quiet")
    return db


def export_lines(db, *extra):
    return [json.loads(line) for line in invoke("export", "--db", db, "--format", "jsonl", *extra).splitlines()]


def test_published_schema_is_current():
    assert json.loads(SCHEMA_PATH.read_text()) == export_schema(), "run `sitroom schema > docs/schema/...`"


def test_run_reports_and_is_idempotent(demo_db):
    output = invoke("run", *ARTICLE_FOLDERS, "--db", demo_db, "--workers", 1, "--quiet")
    assert "stored=0" in output and re.search(r"unchanged=3\d", output)


def test_export_jsonl_validates_and_covers_every_format(demo_db):
    records = export_lines(demo_db)
    schema = json.loads(SCHEMA_PATH.read_text())
    for record in records:
        jsonschema.validate(record, schema)
    assert len(records) >= 30
    formats = {record["path"].split("/examples/")[1].split("/")[0] for record in records}
    assert formats == {"text", "html", "feeds", "dumps", "warc"}
    assert {r["genre"] for r in records} >= {"news", "opinion"}
    assert any(r["language"] != "en" for r in records)
    assert sum(1 for r in records if r["duplicate_of"]) >= 4
    removed_rules = {entry["rule"] for r in records for entry in r["removed"]}
    assert {"interstitial", "promo-link", "caption"} <= removed_rules
    for record in records:
        assert "Wait 5 sec" not in record["text"] and "[Read:" not in record["text"]


def test_export_json_csv_parquet(demo_db, tmp_path):
    as_json = json.loads(invoke("export", "--db", demo_db, "--format", "json"))
    assert [r["id"] for r in as_json] == [r["id"] for r in export_lines(demo_db)]
    rows = list(csv.DictReader(io.StringIO(invoke("export", "--db", demo_db, "--format", "csv"))))
    assert len(rows) == len(as_json) and {"id", "outlet", "genre", "text"} <= set(rows[0])
    target = tmp_path / "articles.parquet"
    invoke("export", "--db", demo_db, "--format", "parquet", "--output", target)
    assert pq.read_table(target).num_rows == len(as_json)
    invoke("export", "--db", demo_db, "--format", "xml", code=2)


def test_export_import_round_trip(demo_db, tmp_path):
    first = tmp_path / "first.jsonl"
    first.write_text(invoke("export", "--db", demo_db, "--format", "jsonl"))
    copy = tmp_path / "copy.db"
    invoke("import", first, "--db", copy)
    assert invoke("export", "--db", copy, "--format", "jsonl") == first.read_text()


def test_articles_show_search_stats(demo_db):
    records = export_lines(demo_db)
    wire = next(r for r in records if r["duplicate_of"])
    assert wire["duplicate_of"][:10] in invoke("articles", "--db", demo_db, "--limit", 100)
    shown = invoke("show", wire["duplicate_of"][:8], "--db", demo_db)
    assert "reprint" in shown
    assert json.loads(invoke("show", wire["id"], "--db", demo_db, "--json"))["id"] == wire["id"]
    invoke("show", "nonexistent", "--db", demo_db, code=2)
    assert "Jeddah" in invoke("search", "ceasefire Jeddah", "--db", demo_db)
    stats = json.loads(invoke("stats", "--db", demo_db, "--json"))
    assert stats["articles"] == len(records) and stats["duplicates"]["exact"] >= 3


def test_bad_inputs_are_reported_and_strict_fails(tmp_path):
    db = tmp_path / "bad.db"
    good = EXAMPLES / "text" / "02_oval_office_clash.txt"
    result = runner.invoke(app, ["ingest", str(EXAMPLES / "bad"), str(good), "--db", str(db), "--workers", "1",
                                 "--quiet"])
    assert result.exit_code == 0
    # The good file, latin1.txt (legacy encoding, still text) and the two good lines of malformed.jsonl.
    assert "stored=4" in result.output and "errors=6" in result.output
    for name in ("empty.txt", "binary.txt", "undecodable.txt", "truncated.html.gz", "malformed.xml",
                 "malformed.jsonl"):
        assert re.search(rf"error: \S*{re.escape(name)}: \w+Error: ", result.output), name
    strict = runner.invoke(app, ["ingest", str(EXAMPLES / "bad"), "--db", str(db), "--strict", "--quiet"])
    assert strict.exit_code == 1
    assert "Traceback" not in strict.output


def test_metadata_options_for_single_files(tmp_path):
    db = tmp_path / "meta.db"
    invoke("ingest", EXAMPLES / "text" / "02_oval_office_clash.txt", "--db", db, "--outlet", "Desk Notes",
           "--published", "2025-02-28", "--url", "https://desk.example/1", "--quiet", "--workers", 1)
    (record,) = export_lines(db)
    assert (record["outlet"], record["published"], record["url"]) == ("Desk Notes", "2025-02-28",
                                                                      "https://desk.example/1")
    invoke("ingest", EXAMPLES / "text", "--db", db, "--published", "last week", code=2)


def test_every_command_has_help_and_a_readme_entry():
    readme = (REPO / "README.md").read_text()
    for command in app.registered_commands:
        name = command.name or command.callback.__name__
        assert command.callback.__doc__, f"{name} has no help text"
        assert f"sitroom {name}" in readme, f"README does not document `sitroom {name}`"


def test_record_listings(demo_db):
    assert "RUS.PUTIN" in invoke("actors", "--db", demo_db, "--limit", 20)
    events = [json.loads(line) for line in invoke("events", "--db", demo_db, "--json", "--limit", 500).splitlines()]
    assert events and {e["type"] for e in events} >= {"AGREE", "ASSAULT"}
    putin = [json.loads(line) for line in invoke("events", "--db", demo_db, "--actor", "RUS.PUTIN", "--role",
                                                  "source", "--json").splitlines()]
    assert putin and all(any(a["actor_id"] == "RUS.PUTIN" for a in e["source"]) for e in putin)
    negated = invoke("events", "--db", demo_db, "--modality", "negated", "--json").splitlines()
    assert negated and all(json.loads(line)["modality"] == "negated" for line in negated)
    lavrov = [json.loads(line) for line in invoke("quotes", "--db", demo_db, "--speaker", "RUS.LAVROV",
                                                   "--json").splitlines()]
    assert lavrov and all(q["speaker_actor"] == "RUS.LAVROV" for q in lavrov)
    casualties = [json.loads(line) for line in invoke("figures", "--db", demo_db, "--counted", "casualties",
                                                       "--json", "--limit", 100).splitlines()]
    assert casualties and all(f["category"] == "casualties" for f in casualties)
    assert any("General Staff" in (f["claimant_text"] or "") for f in casualties)
    invoke("events", "--db", demo_db, "--sort", "sideways", code=2)


def test_stories_and_timeline(demo_db):
    stories = [json.loads(line) for line in invoke("stories", "--db", demo_db, "--json").splitlines()]
    assert stories and all(s["articles"] and s["label"] for s in stories)
    biggest = stories[0]
    events = [json.loads(line) for line in invoke("timeline", "--db", demo_db, "--story", biggest["id"],
                                                  "--json").splitlines()]
    assert events and all(e["story"] == biggest["id"] and e["modality"] != "negated" for e in events)
    keys = [e["event_date"] or e["first_report"] or "9999-12-31" for e in events]
    assert keys == sorted(keys)
    putin = [json.loads(line) for line in invoke("timeline", "--db", demo_db, "--actor", "RUS.PUTIN",
                                                 "--json").splitlines()]
    assert putin and all("RUS.PUTIN" in e["source"] + e["target"] for e in putin)
    invoke("timeline", "--db", demo_db, code=2)
    invoke("timeline", "--db", demo_db, "--story", "nonexistent", code=2)


def test_recluster_with_a_new_threshold_and_back(demo_db, tmp_path):
    db = tmp_path / "copy.db"
    with sqlite3.connect(demo_db) as source, sqlite3.connect(db) as copy:
        source.backup(copy)  # (WAL mode: a file copy could miss pages) the module's store stays as it was

    def merged_events():
        return [e for s in json.loads("[" + ",".join(invoke("stories", "--db", db, "--json").splitlines()) + "]")
                for e in json.loads("[" + ",".join(invoke("timeline", "--db", db, "--story", s["id"], "--json",
                                                          "--include-negated").splitlines()) + "]")]

    before = merged_events()
    output = invoke("recluster", "--db", db, "--merge-threshold", "0.99")
    assert re.search(r"\d+ stories: \d+ merged events replaced by \d+ \(threshold 0.99\)", " ".join(output.split()))
    assert len(merged_events()) > len(before)
    invoke("recluster", "--db", db)  # SITROOM_MERGE_THRESHOLD or 0.55: what the incremental runs gave
    assert merged_events() == before
    invoke("recluster", "--db", db, "--story", "nonexistent", code=2)
    invoke("recluster", "--db", db, "--merge-threshold", "1.5", code=2)


def test_brief_markdown_and_html(demo_db, tmp_path):
    markdown = invoke("brief", "--db", demo_db)
    assert "## Key developments" in markdown and "](<https://" in markdown
    target = tmp_path / "brief.html"
    invoke("brief", "--db", demo_db, "--format", "html", "--output", target, "--previous", "2025-11-01")
    page = target.read_text()
    assert page.startswith("<!doctype html") or page.lower().startswith("<!doctype html")
    assert "<script>alert" not in page
    invoke("brief", "--db", demo_db, "--since", "yesterday", code=2)


def test_positions_and_disputes(demo_db):
    found = [json.loads(line) for line in invoke("positions", "--db", demo_db, "--json").splitlines()]
    assert found and all(p["evidence"] and p["stance"] for p in found)
    russia = [json.loads(line) for line in invoke("positions", "--db", demo_db, "--actor", "RUS", "--by-country",
                                                  "--json").splitlines()]
    assert russia and all(p["actor_id"] == "RUS" for p in russia)
    # --actor reads only the articles where the actor is linked, and misses nothing.
    from sitroom.crossdoc.positions import load_issues, positions
    from sitroom.store import open_store
    every = positions(open_store(str(demo_db)).articles(), load_issues(), by_country=True)
    assert [p for p in every if p.actor_id == "RUS"] == [Position.model_validate(p) for p in russia]
    by_actor = positions(open_store(str(demo_db)).articles(), load_issues())
    for actor in {p.actor_id for p in by_actor}:
        assert [json.loads(line) for line in invoke("positions", "--db", demo_db, "--actor", actor,
                                                     "--json").splitlines()] == \
            [p.model_dump(mode="json") for p in by_actor if p.actor_id == actor]
    kinds = {json.loads(line)["kind"] for line in invoke("disputes", "--db", demo_db, "--json").splitlines()}
    assert {"figure", "title"} <= kinds
    stale = invoke("disputes", "--db", demo_db, "--kind", "title")
    assert "former" in stale.lower() and "Trump" in stale
