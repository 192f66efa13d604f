"""The HTTP API over a real SQLite store: every endpoint, paging, filters, error shapes, ingest, headers."""

from __future__ import annotations

import gzip
import io
from datetime import date

import pytest
from fastapi.testclient import TestClient

from sitroom.models import (ArticleActor, Event, EventActor, Figure, Mention, Quote, Removal, Span, TimeExpr)
from sitroom.pipeline import INGEST_STAGES
from sitroom.serve.api import CSP, create_app
from sitroom.store import open_store
from tests.conftest import EXAMPLES, POSTGRES_URL, make_article

TOKEN = "s3cret-token"

RICH = ("Vladimir Putin said on Friday that Russia would consult Ukraine on a ceasefire. "
        "\"We are ready to talk,\" Volodymyr Zelensky told reporters in Kyiv. "
        "Russian forces attacked Kharkiv overnight, killing 12 people, officials said.")
SCRIPT = ("Researchers said one cloned page still contained a test snippet, <script>alert(1)</script>, and a headline "
          "with raw tags such as <b>EXCLUSIVE</b>. Moscow denied any role, Dmitry Peskov said.")
HOSTILE_TITLE = "Cloned sites <img src=x onerror=alert(2)> spread fakes"


def _span(text: str, part: str, after: int = 0) -> tuple[int, int]:
    start = text.index(part, after)
    return start, start + len(part)


def rich_article():
    a = make_article(RICH, key="rich.txt", published=date(2025, 3, 14), title="Putin offers talks as strikes go on",
                     outlet="Harbor Wire", url="https://harborwire.example/rich")
    putin, zel, kyiv, kharkiv = (_span(RICH, "Vladimir Putin"), _span(RICH, "Volodymyr Zelensky"),
                                 _span(RICH, "Kyiv"), _span(RICH, "Kharkiv"))
    a.sentences = []
    a.mentions = [Mention(start=putin[0], end=putin[1], text="Vladimir Putin", label="PERSON", sentence=0,
                          actor_id="RUS.PUTIN"),
                  Mention(start=zel[0], end=zel[1], text="Volodymyr Zelensky", label="PERSON", sentence=1,
                          actor_id="UKR.ZELENSKY"),
                  Mention(start=kyiv[0], end=kyiv[1], text="Kyiv", label="GPE", sentence=1),
                  Mention(start=kharkiv[0], end=kharkiv[1], text="Kharkiv", label="GPE", sentence=2)]
    a.actors = [ArticleActor(id="RUS.PUTIN", name="Vladimir Putin", country="RUS", sector="GOV", code="RUSGOV",
                             role="President", mentions=[Span(start=putin[0], end=putin[1], text="Vladimir Putin")]),
                ArticleActor(id="UKR.ZELENSKY", name="Volodymyr Zelensky", country="UKR", sector="GOV",
                             mentions=[Span(start=zel[0], end=zel[1], text="Volodymyr Zelensky")]),
                ArticleActor(id="RUSMIL", name="Russian armed forces", country="RUS", sector="MIL",
                             mentions=[Span(start=RICH.index("Russian forces"),
                                            end=RICH.index("Russian forces") + 14, text="Russian forces")])]
    s0_end = RICH.index(". ") + 1
    s2 = RICH.index("Russian forces")
    consult = _span(RICH, "consult")
    attacked = _span(RICH, "attacked")
    a.events = [
        Event(id="e-consult", type="CONSULT", modality="planned", date="2025-03-14", cameo="040", rule="test",
              start=0, end=s0_end, text=RICH[:s0_end], confidence=0.8,
              trigger=Span(start=consult[0], end=consult[1], text="consult"),
              source=[EventActor(actor_id="RUS.PUTIN", text="Vladimir Putin", country="RUS")],
              target=[EventActor(actor_id="UKR.ZELENSKY", text="Ukraine", country="UKR")]),
        Event(id="e-attack", type="ASSAULT", mode="aerial", modality="asserted", date="2025-03-13", cameo="190",
              rule="test", start=s2, end=len(RICH), text=RICH[s2:], confidence=0.9,
              trigger=Span(start=attacked[0], end=attacked[1], text="attacked"),
              source=[EventActor(actor_id="RUSMIL", text="Russian forces", country="RUS")],
              target=[EventActor(text="Kharkiv")]),
    ]
    quote = _span(RICH, "We are ready to talk,")
    a.quotes = [Quote(id="q-zel", text="We are ready to talk,", start=quote[0], end=quote[1], kind="direct",
                      cue="told", speaker_text="Volodymyr Zelensky", speaker_actor="UKR.ZELENSKY", rule="test")]
    twelve = _span(RICH, "12 people")
    a.figures = [Figure(id="f-12", text="12 people", start=twelve[0], end=twelve[1], value=12, unit="people",
                        counted="killed", category="casualties", claimant_text="officials", rule="test")]
    friday = _span(RICH, "Friday")
    a.times = [TimeExpr(id="t-fri", text="Friday", start=friday[0], end=friday[1], type="DATE", value="2025-03-14",
                        granularity="day", rule="test")]
    a.removed = [Removal(rule="boilerplate", text="Subscribe to our newsletter <now>", start=0, end=33)]
    return a


def script_article():
    a = make_article(SCRIPT, key="script.txt", published=date(2025, 11, 12), title=HOSTILE_TITLE,
                     outlet="Danube <Daily>", url="javascript:alert(6)")
    script = _span(SCRIPT, "<script>alert(1)</script>")
    peskov = _span(SCRIPT, "Dmitry Peskov")
    moscow = _span(SCRIPT, "Moscow")
    a.mentions = [Mention(start=script[0] + 8, end=script[1] - 9, text="alert(1)", label="PRODUCT", sentence=0),
                  Mention(start=moscow[0], end=moscow[1], text="Moscow", label="GPE", sentence=1,
                          actor_id="RUSGOV\"><b>x"),
                  Mention(start=peskov[0], end=peskov[1], text="Dmitry Peskov", label="PERSON", sentence=1)]
    a.quotes = [Quote(id="q-script", text="<script>alert(3)</script>", start=script[0], end=script[1],
                      kind="partial", speaker_text="<i>Researchers</i>", rule="test")]
    a.removed = [Removal(rule="ads", text="<script>alert(4)</script>", start=0, end=10)]
    return a


def build_store(path) -> object:
    """A store with hand-made records (events, quotes, figures, actors), a reprint, a hostile article,
    a German article and a handful of plain ones for paging. ``path``: a SQLite file or a database URL."""
    store = open_store(str(path))
    rich = rich_article()
    reprint = make_article(RICH, key="reprint.txt", published=date(2025, 3, 15), title="Putin offers talks (reprint)",
                           outlet="Northfield World")
    plain = [make_article(f"Plain report number {i} about the front line near Pokrovsk and drones.",
                          key=f"plain{i}.txt", published=date(2025, 4, 1 + i), title=f"Plain {i}",
                          outlet="Eastbridge", genre="opinion" if i % 2 else "news") for i in range(6)]
    german = make_article("Der Gipfel in Alaska endete ohne Waffenstillstand.", key="de.txt",
                          published=date(2025, 8, 16), title="Gipfel", outlet="Rheinblatt", language="de")
    items = [rich, reprint, script_article(), german, *plain]
    store.put_batch([(a, a.key) for a in items], "test")
    return store


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    store = build_store(tmp_path_factory.mktemp("api") / "api.db")
    yield store
    store.close()


@pytest.fixture(scope="module")
def client(db):
    return TestClient(create_app(db))


@pytest.fixture()
def ingest_client(tmp_path):
    store = open_store(str(tmp_path / "ingest.db"))
    app = create_app(store, allow_ingest=True, token=TOKEN, max_upload_bytes=64 * 1024,
                     ingest_stages=INGEST_STAGES)
    yield TestClient(app)
    store.close()


def error_of(response, status: int, type_: str | None = None) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"type", "message", "status"}
    assert body["error"]["status"] == status
    if type_:
        assert body["error"]["type"] == type_
    return body["error"]


RICH_ID = rich_article().id
SCRIPT_ID = script_article().id


# --------------------------------------------------------------------------- articles

def test_articles_list_paging_and_order(client):
    page = client.get("/api/articles", params={"limit": 3}).json()
    assert page["total"] == 10 and page["limit"] == 3 and page["offset"] == 0 and len(page["items"]) == 3
    second = client.get("/api/articles", params={"limit": 3, "offset": 3}).json()["items"]
    everything = client.get("/api/articles", params={"limit": 500}).json()["items"]
    assert [a["id"] for a in everything[:6]] == [a["id"] for a in page["items"] + second]
    published = [a["published"] for a in everything]
    assert published == sorted(published)
    first = everything[0]
    assert first["id"] == RICH_ID and first["events"] == 2 and first["quotes"] == 1 and first["figures"] == 1
    assert "text" not in first
    assert client.get("/api/articles", params={"offset": 1000}).json()["items"] == []


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 501}, {"limit": "ten"}, {"offset": -1},
                                    {"genre": "poetry"}, {"duplicates": "maybe"}])
def test_articles_bad_parameters_are_400(client, params):
    error = error_of(client.get("/api/articles", params=params), 400, "BadParameterError")
    assert error["message"]


def test_articles_filters(client):
    def ids(**params):
        return {a["id"] for a in client.get("/api/articles", params={"limit": 500, **params}).json()["items"]}
    assert len(ids(genre="opinion")) == 3
    assert len(ids(outlet="Eastbridge")) == 6
    assert len(ids(language="de")) == 1
    assert ids(q="Pokrovsk") == ids(outlet="Eastbridge")
    assert ids(q="zzzunknownword") == set()
    assert len(ids(q='"unbalanced')) == 0  # bad FTS syntax falls back to phrases, no 500
    canonical = ids(duplicates="false")
    assert len(canonical) == 9 and RICH_ID in canonical


def test_article_detail_prefix_and_404(client):
    article = client.get(f"/api/articles/{RICH_ID}").json()
    assert article["title"].startswith("Putin") and article["events"][0]["type"] in ("CONSULT", "ASSAULT")
    assert {q["speaker_actor"] for q in article["quotes"]} == {"UKR.ZELENSKY"}
    assert client.get(f"/api/articles/{RICH_ID[:8]}").json()["id"] == RICH_ID
    error_of(client.get("/api/articles/doesnotexist"), 404, "NotFoundError")
    error_of(client.get("/api/articles/doesnotexist/duplicates"), 404, "NotFoundError")


def test_article_duplicates(client):
    canonical = client.get(f"/api/articles/{RICH_ID}/duplicates").json()
    assert canonical["duplicate_of"] is None and len(canonical["duplicates"]) == 1
    reprint_id = canonical["duplicates"][0]["id"]
    assert canonical["duplicates"][0]["duplicate_kind"] == "exact"
    reprint = client.get(f"/api/articles/{reprint_id}/duplicates").json()
    assert reprint["duplicate_of"] == RICH_ID and reprint["duplicates"] == []


# --------------------------------------------------------------------------- records

def test_actors_list_and_detail(client):
    page = client.get("/api/actors").json()
    assert page["total"] == 3
    assert {a["id"] for a in page["items"]} == {"RUS.PUTIN", "UKR.ZELENSKY", "RUSMIL"}
    assert client.get("/api/actors", params={"country": "ukr"}).json()["items"][0]["id"] == "UKR.ZELENSKY"
    assert client.get("/api/actors", params={"q": "putin"}).json()["total"] == 1
    assert client.get("/api/actors", params={"q": "%"}).json()["total"] == 0  # LIKE wildcards are escaped
    error_of(client.get("/api/actors", params={"sort": "evil"}), 400)
    putin = client.get("/api/actors/RUS.PUTIN").json()
    assert putin["name"] == "Vladimir Putin" and putin["role"] == "President" and putin["events_as_source"] == 1
    assert putin["network"]["basis"] == "events"
    assert putin["network"]["partners"] == [{"id": "UKR.ZELENSKY", "name": "Volodymyr Zelensky", "count": 1,
                                              "direction": "out"}]
    assert putin["articles"][0]["id"] == RICH_ID
    error_of(client.get("/api/actors/NOBODY"), 404, "NotFoundError")


def test_events_filters_and_sort(client):
    def events(**params):
        return client.get("/api/events", params=params).json()
    everything = events()
    assert everything["total"] == 2
    assert [row["event"]["date"] for row in everything["items"]] == ["2025-03-13", "2025-03-14"]
    assert [row["event"]["date"] for row in events(sort="-date")["items"]] == ["2025-03-14", "2025-03-13"]
    row = everything["items"][0]
    assert row["quad"] == "material conflict" and row["article_id"] == RICH_ID and row["outlet"] == "Harbor Wire"
    assert events(actor="RUS.PUTIN")["total"] == 1
    assert events(actor="RUS.PUTIN", role="target")["total"] == 0
    assert events(actor="UKR.ZELENSKY", role="target")["total"] == 1
    assert events(actor="RUS")["total"] == 0  # ids match whole, not by prefix
    assert events(actor="rus.putin")["total"] == 0  # and with their case, on every backend
    assert events(type="assault")["items"][0]["event"]["id"] == "e-attack"
    assert events(type="CONSULT,ASSAULT")["total"] == 2
    assert events(quad="verbal cooperation")["total"] == 1
    assert events(modality="planned")["total"] == 1
    assert events(**{"from": "2025-03-14"})["total"] == 1
    assert events(**{"to": "2025-03"})["total"] == 2
    assert events(**{"from": "2025-04"})["total"] == 0
    assert events(article=RICH_ID, limit=1)["total"] == 2
    assert events(min_confidence=0.85)["total"] == 1
    for bad in ({"sort": "nonsense"}, {"from": "March"}, {"role": "both"}, {"quad": "sideways"},
                {"min_confidence": 2}):
        error_of(client.get("/api/events", params=bad), 400, "BadParameterError")


def test_quotes_figures_times(client):
    quotes = client.get("/api/quotes", params={"speaker": "UKR.ZELENSKY"}).json()
    assert quotes["total"] == 1 and quotes["items"][0]["quote"]["text"] == "We are ready to talk,"
    assert client.get("/api/quotes", params={"speaker": "zelensky"}).json()["total"] == 1  # by name too
    assert client.get("/api/quotes", params={"kind": "partial"}).json()["total"] == 1
    assert client.get("/api/quotes", params={"q": "ready"}).json()["total"] == 1
    error_of(client.get("/api/quotes", params={"kind": "shouted"}), 400)
    figures = client.get("/api/figures", params={"category": "casualties"}).json()
    assert figures["total"] == 1 and figures["items"][0]["figure"]["value"] == 12
    assert client.get("/api/figures", params={"category": "money"}).json()["total"] == 0
    times = client.get("/api/times", params={"value": "2025-03"}).json()
    assert times["total"] == 1 and times["items"][0]["time"]["value"] == "2025-03-14"
    assert client.get("/api/times", params={"type": "DURATION"}).json()["total"] == 0


def test_search_articles_and_quotes(client):
    result = client.get("/api/search", params={"q": "ready"}).json()
    assert result["articles"][0]["id"] in {RICH_ID, client.get(f"/api/articles/{RICH_ID}/duplicates").json()[
        "duplicates"][0]["id"]}
    hit = result["articles"][0]
    assert "\x02" not in hit["snippet"] and any(match for _, match in hit["parts"])
    assert ["ready", True] in hit["parts"]
    assert result["quotes"][0]["quote"]["id"] == "q-zel"
    error_of(client.get("/api/search", params={"q": ""}), 400)
    error_of(client.get("/api/search", params={"q": "   "}), 400)
    assert client.get("/api/search", params={"q": 'AND OR "'}).status_code == 200


def test_stats(client):
    stats = client.get("/api/stats").json()
    assert stats["articles"] == 10 and stats["events"] == 2 and stats["duplicates"] == {"exact": 1}
    assert stats["quads_by_month"] == {"2025-03": {"material conflict": 1, "verbal cooperation": 1}}
    assert stats["articles_by_month"]["2025-04"] == 6
    assert stats["event_types"] == {"ASSAULT": 1, "CONSULT": 1} or set(stats["event_types"]) == {"ASSAULT",
                                                                                                 "CONSULT"}


def test_openapi_schema_lists_typed_endpoints(client):
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    for path in ("/api/articles", "/api/articles/{article_id}", "/api/articles/{article_id}/duplicates",
                 "/api/actors", "/api/actors/{actor_id}", "/api/events", "/api/quotes", "/api/figures",
                 "/api/times", "/api/search", "/api/stats"):
        assert path in paths, path
    assert "/api/ingest" not in paths  # off on this app
    assert "Event" in schema["components"]["schemas"] and "Article" in schema["components"]["schemas"]
    assert not any(p.startswith("/articles") for p in paths)  # pages are not API


def test_security_headers_everywhere(client):
    for url in ("/api/articles", "/", f"/articles/{SCRIPT_ID}", "/static/app.js", "/api/nope", "/openapi.json"):
        response = client.get(url)
        assert response.headers["content-security-policy"] == CSP
        assert "default-src 'self'" in CSP and "script-src 'self'" in CSP and "unsafe-inline" not in CSP
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"


def test_unknown_api_path_and_method(client):
    error_of(client.get("/api/nothing-here"), 404, "NotFoundError")
    assert client.delete("/api/articles").status_code == 405
    assert client.delete("/api/articles").json()["error"]["status"] == 405


def test_json_api_keeps_hostile_text_as_data(client):
    article = client.get(f"/api/articles/{SCRIPT_ID}").json()
    assert "<script>alert(1)</script>" in article["text"] and article["title"] == HOSTILE_TITLE
    assert client.get(f"/api/articles/{SCRIPT_ID}").headers["content-type"] == "application/json"


# --------------------------------------------------------------------------- ingest

PASTED = ("Ceasefire talks resume in Geneva\n\nDelegations from Ukraine and the United States met in Geneva on "
          "Sunday to discuss a revised peace framework, officials said.")


def test_ingest_is_off_by_default(client):
    error_of(client.post("/api/ingest", data={"text": PASTED}), 403, "ForbiddenError")
    assert client.get("/ingest").status_code == 403


def test_ingest_requires_the_token(ingest_client):
    error_of(ingest_client.post("/api/ingest", data={"text": PASTED}), 401, "AuthError")
    error_of(ingest_client.post("/api/ingest", data={"text": PASTED},
                                headers={"Authorization": "Bearer wrong"}), 401, "AuthError")


def auth() -> dict:
    return {"Authorization": f"Bearer {TOKEN}"}


def test_ingest_pasted_text_and_files(ingest_client):
    result = ingest_client.post("/api/ingest", data={"text": PASTED, "outlet": "Paste Post",
                                                     "published": "2025-11-23"}, headers=auth())
    assert result.status_code == 200, result.text
    body = result.json()
    assert body["stored"] == 1 and body["errors"] == []
    article = ingest_client.get(f"/api/articles/{body['ids'][0]}").json()
    assert article["title"] == "Ceasefire talks resume in Geneva" and article["outlet"] == "Paste Post"
    assert article["published"] == "2025-11-23" and article["path"] == "pasted text"
    again = ingest_client.post("/api/ingest", data={"text": PASTED, "outlet": "Paste Post",
                                                    "published": "2025-11-23"}, headers=auth()).json()
    assert again["stored"] == 0 and again["unchanged"] == 1  # idempotent
    html = (EXAMPLES / "html" / "eastbridge_alaska_summit.html").read_bytes()
    gz = gzip.compress((EXAMPLES / "text" / "04_kharkiv_blackout.txt").read_bytes())
    files = [("files", ("../../etc/evil name.html", html, "text/html")),
             ("files", ("blackout.txt.gz", gz, "application/gzip"))]
    response = ingest_client.post("/api/ingest", files=files, headers=auth())
    # .txt.gz is not a reader suffix: the whole upload is refused before anything is stored
    error_of(response, 415, "UnsupportedFormatError")
    files = [("files", ("../../etc/evil name.html", html, "text/html"))]
    body = ingest_client.post("/api/ingest", files=files, headers=auth()).json()
    assert body["stored"] == 1
    stored = ingest_client.get(f"/api/articles/{body['ids'][0]}").json()
    assert stored["path"] == "evil name.html" and ".." not in stored["path"]


def test_ingest_limits_and_types(ingest_client):
    big = io.BytesIO(b"word " * 20_000)  # 100 kB over the 64 kB test limit
    error_of(ingest_client.post("/api/ingest", files=[("files", ("big.txt", big, "text/plain"))], headers=auth()),
             413, "TooLargeError")
    error_of(ingest_client.post("/api/ingest", files=[("files", ("tool.exe", b"MZ\x90\x00", "application/x-msdos"))],
                                headers=auth()), 415, "UnsupportedFormatError")
    error_of(ingest_client.post("/api/ingest", content=b'{"text": "x"}', headers={
        **auth(), "Content-Type": "application/json"}), 415, "UnsupportedFormatError")
    error_of(ingest_client.post("/api/ingest", files=[("files", ("binary.txt", bytes(range(256)) * 8,
                                                                 "text/plain"))], headers=auth()), 422)
    error_of(ingest_client.post("/api/ingest", data={"text": "   "}, headers=auth()), 422, "EmptyInputError")
    error_of(ingest_client.post("/api/ingest", data={"text": PASTED, "published": "soon"}, headers=auth()), 400)


def test_ingest_refuses_cross_site_posts(ingest_client):
    error_of(ingest_client.post("/api/ingest", data={"text": PASTED},
                                headers={**auth(), "Origin": "http://evil.example"}), 403, "ForbiddenError")
    error_of(ingest_client.post("/api/ingest", data={"text": PASTED},
                                headers={**auth(), "Sec-Fetch-Site": "cross-site"}), 403)
    ok = ingest_client.post("/api/ingest", data={"text": PASTED}, headers={**auth(), "Origin": "http://testserver"})
    assert ok.status_code == 200


def test_ingest_in_openapi_when_on(ingest_client):
    assert "/api/ingest" in ingest_client.get("/openapi.json").json()["paths"]


def test_allowed_hosts_refuse_rebinding(db):
    app = create_app(db, allowed_hosts=["127.0.0.1", "localhost"])
    assert TestClient(app, base_url="http://127.0.0.1").get("/api/stats").status_code == 200
    assert TestClient(app, base_url="http://attacker.example").get("/api/stats").status_code == 400


@pytest.mark.parametrize("index_max", [0, 400_000])  # per-actor scans, and the one-scan index of all actors
def test_actor_filtered_events_match_the_unfiltered_set(client, monkeypatch, index_max):
    """Events by actor run in memory over a cached per-actor list; they must agree with the SQL path."""
    from sitroom.store import queries
    monkeypatch.setattr(queries, "ACTOR_INDEX_MAX_EVENTS", index_max)
    queries.invalidate(client.app.state.store)
    for sort in ("date", "-date", "type", "-type", "confidence", "-confidence"):
        everything = client.get("/api/events", params={"sort": sort, "limit": 500}).json()["items"]
        for actor, role in (("RUS.PUTIN", "any"), ("UKR.ZELENSKY", "target"), ("RUSMIL", "source")):
            expected = [row["event"]["id"] for row in everything
                        if (role in ("any", "source") and actor in [a["actor_id"] for a in row["event"]["source"]])
                        or (role in ("any", "target") and actor in [a["actor_id"] for a in row["event"]["target"]])]
            got = client.get("/api/events", params={"sort": sort, "actor": actor, "role": role}).json()
            assert [row["event"]["id"] for row in got["items"]] == expected and got["total"] == len(expected)


def test_cached_views_follow_new_batches(tmp_path, monkeypatch):
    from sitroom.store import queries
    monkeypatch.setattr(queries, "VERSION_TTL", 0.0)
    store = open_store(str(tmp_path / "fresh.db"))
    client = TestClient(create_app(store))
    assert client.get("/api/stats").json()["articles"] == 0 and client.get("/api/actors").json()["total"] == 0
    article = rich_article()
    store.put_batch([(article, "h")], "test")  # as another process running `sitroom run` would
    assert client.get("/api/stats").json()["articles"] == 1
    assert client.get("/api/actors").json()["total"] == 3
    assert client.get("/api/articles").json()["total"] == 1
    assert client.get("/api/events", params={"actor": "RUS.PUTIN"}).json()["total"] == 1
    store.close()


# --------------------------------------------------------------------------- PostgreSQL

SAME_ON_BOTH = [
    "/api/articles?limit=4&offset=2", "/api/articles?genre=opinion", "/api/articles?q=Pokrovsk",
    "/api/articles?duplicates=false&limit=500", "/api/articles?q=%22front%20line%22%20NOT%20drones",
    f"/api/articles/{RICH_ID}", f"/api/articles/{RICH_ID}/duplicates", "/api/actors", "/api/actors?country=RUS",
    "/api/actors/RUS.PUTIN", "/api/events", "/api/events?sort=-date", "/api/events?actor=RUS.PUTIN",
    "/api/events?actor=UKR.ZELENSKY&role=target", "/api/events?from=2025-03-14", "/api/events?to=2025-03-13",
    "/api/events?quad=material%20conflict&modality=asserted", "/api/events?sort=-confidence&limit=1",
    "/api/events?sort=published", "/api/quotes?speaker=zelensky", "/api/figures?category=casualties",
    "/api/times?value=2025-03", "/api/articles/nothing", "/api/events?from=March", "/api/events?actor=rus.putin",
    "/api/quotes?q=READY", "/api/actors?q=zel",
]


@pytest.mark.skipif(not POSTGRES_URL, reason="SITROOM_TEST_POSTGRES is not set (CI sets it; see .ci/run)")
def test_same_answers_on_postgresql(client):
    from tests.conftest import fresh_postgres
    store = build_store(fresh_postgres())
    try:
        pg = TestClient(create_app(store))
        for url in SAME_ON_BOTH:
            expected, got = client.get(url), pg.get(url)
            assert (got.status_code, got.json()) == (expected.status_code, expected.json()), url
        stats, pg_stats = client.get("/api/stats").json(), pg.get("/api/stats").json()
        assert pg_stats == stats
        result = pg.get("/api/search", params={"q": "ready"}).json()
        assert result["articles"] and result["quotes"][0]["quote"]["id"] == "q-zel"
        assert any(match for _, match in result["articles"][0]["parts"])
        for page in ("/", f"/articles/{RICH_ID}", f"/articles/{SCRIPT_ID}", "/actors/RUS.PUTIN", "/events",
                     "/search?q=talk*", "/events.csv"):
            assert pg.get(page).status_code == 200, page
    finally:
        store.close()
