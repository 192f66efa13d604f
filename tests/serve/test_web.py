"""The server-rendered pages: every view renders, hostile text stays text, highlights come from offsets."""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from sitroom.pipeline import INGEST_STAGES
from sitroom.runner import run as run_pipeline
from sitroom.serve.api import create_app
from sitroom.serve.web import bar_chart, highlight
from sitroom.store import open_store
from tests.conftest import EXAMPLES
from tests.serve.test_api import RICH_ID, SCRIPT_ID, TOKEN, build_store, rich_article, script_article


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    store = build_store(tmp_path_factory.mktemp("web") / "web.db")
    yield store
    store.close()


@pytest.fixture(scope="module")
def client(db):
    return TestClient(create_app(db))


@pytest.fixture(scope="module")
def dump_client(tmp_path_factory):
    """The sample JSONL dump (with the real <script> article), ingested without spaCy."""
    store = open_store(str(tmp_path_factory.mktemp("dump") / "dump.db"))
    run_pipeline([EXAMPLES / "dumps" / "articles.jsonl"], store, stages=INGEST_STAGES)
    yield TestClient(create_app(store))
    store.close()


class Tags(HTMLParser):
    """Collects start tags and attributes, to check what the browser would build."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def tags(html: str) -> list[tuple[str, dict]]:
    parser = Tags()
    parser.feed(html)
    return parser.tags


def assert_safe(html: str) -> None:
    found = tags(html)
    scripts = [attrs for tag, attrs in found if tag == "script"]
    # Only the app script (from /static) and the non-executable JSON data block.
    assert all(a.get("src") == "/static/app.js" or a.get("type") == "application/json" for a in scripts), scripts
    assert not [t for t, attrs in found if any(name.startswith("on") for name in attrs)], "inline handler"
    assert not [t for t, _ in found if t in ("img", "i", "iframe", "object", "embed")], "markup from data"
    assert "<script>alert" not in html and "<img src=x" not in html


PAGES = ["/", "/articles", "/articles?genre=opinion&limit=2&offset=1", f"/articles/{RICH_ID}",
         f"/articles/{SCRIPT_ID}", "/actors", "/actors/RUS.PUTIN", "/actors/RUSMIL", "/events",
         "/events?actor=RUS.PUTIN&sort=-date", "/events?type=ASSAULT&from=2025-03&to=2025-03-31", "/quotes",
         "/quotes?speaker=zelensky", "/figures", "/figures?category=casualties", "/search", "/search?q=ready",
         "/search?q=alert"]


@pytest.mark.parametrize("url", PAGES)
def test_pages_render_and_are_safe(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert '<nav>' in response.text and 'href="/events"' in response.text
    assert_safe(response.text)


def test_paging_lines(client):
    assert "1–10 of 10" in client.get("/articles").text
    page = client.get("/articles", params={"limit": 3, "offset": 3}).text
    assert "4–6 of 10" in page and 'rel="prev"' in page and 'rel="next"' in page
    assert "1–2 of 2" in client.get("/events").text
    assert "nothing matches" in client.get("/events", params={"type": "AID"}).text


def test_overview_shows_counts_and_quad_chart(client):
    html = client.get("/").text
    assert "<b>10</b> articles" in html and "<b>2</b> events" in html
    assert re.search(r'<rect class="q-mx"[^>]*><title>2025-03: material conflict 1</title>', html)
    assert 'href="/actors/RUS.PUTIN"' in html and "Harbor Wire" in html
    assert "2025-03-14" in html and "2025-11-12" in html  # date span


def test_reader_highlights_records_from_offsets(client):
    html = client.get(f"/articles/{RICH_ID}").text
    found = tags(html)
    spans = [attrs for tag, attrs in found if tag == "span" and "data-ann" in attrs]
    classes = " ".join(a["class"] for a in spans)
    for css in ("hl-m", "lab-PERSON", "hl-e", "hl-q", "hl-f", "hl-t"):
        assert css in classes, css
    assert any("t0" in a["data-ann"].split() and "time DATE 2025-03-14" in a["title"] for a in spans)
    # the mention of Putin links to the actor page
    assert '<a href="/actors/RUS.PUTIN">Vladimir Putin</a>' in html
    records = json.loads(re.search(r'<script type="application/json" id="records">(.*?)</script>', html, re.S)[1])
    assert records["q0"]["speaker_actor"] == "UKR.ZELENSKY" and records["f0"]["category"] == "casualties"
    assert records["e0"]["kind"] == "event" and records["e0"]["type"] == "CONSULT"
    # the text survives intact once the markup is stripped
    body = re.search(r'<div class="text" id="article-text"[^>]*>(.*?)</div>', html, re.S)[1]
    import html as html_module
    assert html_module.unescape(re.sub(r"<[^>]+>", "", body)) == rich_article().text
    assert "Subscribe to our newsletter &lt;now&gt;" in html  # what cleaning removed
    assert "reprint" in html.lower() and "Northfield World" in html
    assert "CONSULT" in html and "ASSAULT" in html


def test_reprint_links_to_original(client):
    dup_id = client.get(f"/api/articles/{RICH_ID}/duplicates").json()["duplicates"][0]["id"]
    html = client.get(f"/articles/{dup_id}").text
    assert f'href="/articles/{RICH_ID}"' in html and "exact reprint of" in html


def test_script_article_is_shown_as_text(client):
    html = client.get(f"/articles/{SCRIPT_ID}").text
    assert "&lt;script&gt;" in html and "alert(1)" in html
    assert "&lt;b&gt;EXCLUSIVE&lt;/b&gt;" in html
    assert "Cloned sites &lt;img src=x onerror=alert(2)&gt; spread fakes" in html
    assert "Danube &lt;Daily&gt;" in html
    assert "&lt;script&gt;alert(4)&lt;/script&gt;" in html  # removal log
    # the hostile actor id is escaped inside the link, and the record JSON cannot close its script block
    assert 'href="/actors/RUSGOV%22%3E%3Cb%3Ex"' in html
    assert 'href="javascript:' not in html and "javascript:alert(6)" in html  # shown, not linked
    data = re.search(r'<script type="application/json" id="records">(.*?)</script>', html, re.S)[1]
    assert "<" not in data and json.loads(data)["q0"]["text"] == "<script>alert(3)</script>"
    assert_safe(html)


def test_real_script_article_from_the_dump(dump_client):
    hits = dump_client.get("/api/search", params={"q": "snippet"}).json()["articles"]
    article_id = next(h["id"] for h in hits if "Cloned" in (h["title"] or ""))
    html = dump_client.get(f"/articles/{article_id}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "&lt;b&gt;EXCLUSIVE&lt;/b&gt;" in html
    assert_safe(html)
    search = dump_client.get("/search", params={"q": "alert"}).text
    assert_safe(search)


def test_search_page_marks_matches(client):
    html = client.get("/search", params={"q": "ready"}).text
    assert "<mark>ready</mark>" in html and "We are ready to talk," in html


def test_actor_page_network_and_records(client):
    html = client.get("/actors/RUS.PUTIN").text
    assert "Who Vladimir Putin interacts with" in html
    assert re.search(r'<line class="edge edge-out"', html)
    assert 'href="/actors/UKR.ZELENSKY"' in html and "President" in html
    zel = client.get("/actors/UKR.ZELENSKY").text
    assert "We are ready to talk," in zel and 'class="edge edge-in"' in zel
    assert client.get("/actors/NOBODY").status_code == 404


def test_event_exports(client):
    response = client.get("/events.csv", params={"actor": "RUSMIL"})
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 1 and rows[0]["type"] == "ASSAULT" and rows[0]["quad"] == "material conflict"
    assert rows[0]["source_ids"] == "RUSMIL" and rows[0]["article_id"] == RICH_ID
    everything = list(csv.DictReader(io.StringIO(client.get("/events.csv").text)))
    assert len(everything) == 2
    lines = client.get("/events.jsonl", params={"type": "CONSULT"}).text.splitlines()
    record = json.loads(lines[0])
    assert len(lines) == 1 and record["event"] == "CONSULT" and record["actor"] == "RUS.PUTIN"
    assert record["recipient"] == "UKR.ZELENSKY" and record["article"]["id"] == RICH_ID
    assert client.get("/events.csv", params={"from": "nonsense"}).status_code == 400


def test_csv_cells_cannot_run_as_formulas():
    from sitroom.serve.web import _cell
    assert _cell("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")" and _cell("plain") == "plain"
    assert _cell(None) == "" and _cell(0.5) == "0.5"


def test_highlight_handles_overlaps_and_bad_offsets():
    article = script_article()
    article.mentions[0].end = 10_000  # out of range: clamped, no crash
    markup, records = highlight(article)
    assert "&lt;script&gt;" in markup and "<script>" not in markup
    assert markup.count("<span") == markup.count("</span>")
    assert set(records) >= {"m0", "m1", "m2", "q0"}


def test_bar_chart_geometry():
    chart = bar_chart({"2025-01": {"a": 2, "b": 1}, "2025-02": {"a": 3}}, ["a", "b"], classes={"a": "x", "b": "y"})
    assert len(chart["bars"]) == 3 and max(b["h"] for b in chart["bars"]) == pytest.approx(chart["height"] - 48)
    assert bar_chart({}, ["a"]) is None


def test_error_pages_are_html(client):
    response = client.get("/articles/nope")
    assert response.status_code == 404 and "NotFoundError" in response.text and "<nav>" in response.text
    assert client.get("/articles?limit=0").status_code == 400
    assert client.get("/no/such/page").status_code == 404


def test_ingest_page_when_allowed(tmp_path):
    store = open_store(str(tmp_path / "i.db"))
    client = TestClient(create_app(store, allow_ingest=True, token=TOKEN, ingest_stages=INGEST_STAGES))
    page = client.get("/ingest").text
    assert 'enctype="multipart/form-data"' in page and 'name="token"' in page and 'href="/ingest"' in page
    text = "Talks <b>resume</b>\n\nDelegations met in Geneva on Sunday, officials said <script>alert(5)</script>."
    refused = client.post("/ingest", data={"text": text, "token": "wrong"})
    assert refused.status_code == 401
    done = client.post("/ingest", data={"text": text, "token": TOKEN})
    assert done.status_code == 200 and "Stored <b>1</b>" in done.text
    assert "Talks &lt;b&gt;resume&lt;/b&gt;" in done.text
    article_id = client.get("/api/articles").json()["items"][0]["id"]
    assert "&lt;script&gt;alert(5)&lt;/script&gt;" in client.get(f"/articles/{article_id}").text
    store.close()


def test_serve_guards_hosts_and_tokens(tmp_path, monkeypatch, capsys):
    import uvicorn

    from sitroom.serve import web
    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: calls.append((app, options)))
    db = str(tmp_path / "serve.db")
    web.serve(db, "127.0.0.1", 8123)
    app, options = calls[-1]
    assert options["host"] == "127.0.0.1" and options["port"] == 8123 and not app.state.allow_ingest
    local = TestClient(app, base_url="http://localhost:8123")
    assert local.get("/api/stats").status_code == 200
    assert TestClient(app, base_url="http://rebound.example").get("/api/stats").status_code == 400
    web.serve(db, "0.0.0.0", 8124, allow_ingest=True)
    app, _ = calls[-1]
    token = app.state.token
    assert token and token in capsys.readouterr().out  # generated and shown once
    remote = TestClient(app, base_url="http://192.0.2.7:8124")
    assert remote.post("/api/ingest", data={"text": "x"}).status_code == 401
    web.serve(db, "0.0.0.0", 8125, allow_ingest=True, token="given")
    assert calls[-1][0].state.token == "given"


def test_exports_stream_in_pages(client, monkeypatch):
    from sitroom.serve import web
    monkeypatch.setattr(web, "EXPORT_PAGE", 1)
    rows = list(csv.DictReader(io.StringIO(client.get("/events.csv", params={"sort": "-date"}).text)))
    assert [r["date"] for r in rows] == ["2025-03-14", "2025-03-13"]
    assert len(client.get("/events.jsonl").text.splitlines()) == 2


def test_large_store_pages_articles_in_sql(client, monkeypatch):
    from sitroom.store import queries
    monkeypatch.setattr(queries, "CACHE_MAX_IDS", 4)  # every ordering counts as "too large to hold"
    queries.invalidate(client.app.state.store)
    small = client.get("/api/articles", params={"limit": 3, "offset": 2}).json()
    monkeypatch.undo()
    queries.invalidate(client.app.state.store)
    assert small == client.get("/api/articles", params={"limit": 3, "offset": 2}).json()


def test_numbers_read_well():
    from sitroom.serve.web import number
    assert number(300000000000.0) == "300,000,000,000" and number(0.2) == "0.2" and number(None) == "–"
    assert number(12) == "12" and number(4.5) == "4.5"
