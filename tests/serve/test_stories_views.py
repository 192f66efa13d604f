"""Stories and timelines in the API and the web app, over a real store."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from sitroom.crossdoc.update import update_crossdoc
from sitroom.serve.api import create_app
from tests.conftest import make_article
from tests.crossdoc.test_update import SWAP, SWAP_FOLLOW, with_exchange_event


@pytest.fixture
def client(store):
    first = with_exchange_event(make_article(SWAP, key="a", published=date(2025, 5, 23), outlet="Harbor Wire"))
    hostile = with_exchange_event(make_article(SWAP_FOLLOW + " <script>alert(1)</script>", key="b",
                                               published=date(2025, 5, 24), outlet="Eastbridge Times"),
                                  trigger="exchange")
    store.put_batch([(first, "h"), (hostile, "h")], "p")
    update_crossdoc(store, [first.id, hostile.id])
    return TestClient(create_app(store))


def test_story_api(client):
    stories = client.get("/api/stories").json()
    assert len(stories) == 1 and len(stories[0]["articles"]) == 2
    story_id = stories[0]["id"]
    assert client.get(f"/api/stories/{story_id}").json()["label"] == stories[0]["label"]
    timeline = client.get("/api/timeline", params={"story": story_id}).json()
    assert timeline and all(e["story"] == story_id for e in timeline)
    assert client.get("/api/timeline", params={"actor": "RUS", "with": "UKR"}).json() == timeline
    assert client.get("/api/timeline").status_code == 400
    missing = client.get("/api/stories/nothing-here")
    assert missing.status_code == 404 and missing.json()["error"]["status"] == 404


def test_overview_lists_stories_with_their_latest_development(client):
    page = client.get("/")
    story = client.get("/api/stories").json()[0]
    assert page.status_code == 200 and f'href="/stories/{story["id"]}"' in page.text and "COOPERATE" in page.text


def test_story_pages_render_and_escape(client):
    listing = client.get("/stories")
    assert listing.status_code == 200 and "Stories" in listing.text
    story_id = client.get("/api/stories").json()[0]["id"]
    page = client.get(f"/stories/{story_id}")
    assert page.status_code == 200 and "<svg" in page.text and "Timeline" in page.text
    assert "<script>alert(1)</script>" not in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_positions_disputes_and_briefing_endpoints(client):
    assert client.get("/api/positions").status_code == 200
    assert client.get("/api/positions", params={"since": "not-a-date"}).status_code in (400, 422)
    assert client.get("/api/disputes").status_code == 200
    assert client.get("/api/disputes", params={"kind": "rumour"}).status_code in (400, 422)
    briefing = client.get("/api/briefing").json()
    assert briefing["sections"] and briefing["articles_considered"] == 2
    markdown = client.get("/api/briefing", params={"format": "md"})
    assert markdown.headers["content-type"].startswith("text/markdown") and "Key developments" in markdown.text
    html = client.get("/api/briefing", params={"format": "html"})
    assert html.status_code == 200 and "<script>alert(1)</script>" not in html.text


def test_briefing_story_sections_and_actor_positions_pages(client):
    page = client.get("/briefing")
    assert page.status_code == 200 and "Key developments" in page.text
    assert "<script>alert(1)</script>" not in page.text
    story_id = client.get("/api/stories").json()[0]["id"]
    story = client.get(f"/stories/{story_id}").text
    for heading in ("Actors", "Positions", "Figures", "Disputes", "Articles"):
        assert f"<h2>{heading}</h2>" in story
    actor = client.get("/actors/RUS")
    assert actor.status_code == 200 and "<h2>Positions</h2>" in actor.text
    assert client.get("/briefing", params={"since": "soon"}).status_code in (400, 422)
