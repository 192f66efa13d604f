"""The situation room in a real browser: Playwright driving Debian's Chromium against uvicorn on 127.0.0.1.

Loads each view, clicks overview → article → actor, checks highlights and tooltips, checks
that the article carrying ``<script>alert(1)</script>`` shows it as text and that no
dialog opens and no CSP violation is logged. Screenshots go to test-output/screenshots/.
Skipped (with the reason) when /usr/bin/chromium or playwright is missing.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from sitroom.crossdoc.update import update_crossdoc
from sitroom.pipeline import INGEST_STAGES
from sitroom.runner import run as run_pipeline
from tests.conftest import EXAMPLES, REPO, make_article
from tests.crossdoc.test_update import SWAP, SWAP_FOLLOW, with_exchange_event
from tests.serve.test_api import RICH_ID, SCRIPT_ID, build_store

CHROMIUM = os.environ.get("SITROOM_CHROMIUM", "/usr/bin/chromium")
SHOTS = REPO / "test-output" / "screenshots"

if not Path(CHROMIUM).exists():
    pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="browser tests need playwright (pip install playwright)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import uvicorn

    from sitroom.serve.api import create_app

    store = build_store(tmp_path_factory.mktemp("browser") / "browser.db")
    run_pipeline([EXAMPLES / "dumps" / "articles.jsonl", EXAMPLES / "feeds"], store, stages=INGEST_STAGES)
    # A story with dated merged events for the timeline view.
    swap = with_exchange_event(make_article(SWAP, key="swap-a", published=date(2025, 5, 23), outlet="Harbor Wire"))
    follow = with_exchange_event(make_article(SWAP_FOLLOW, key="swap-b", published=date(2025, 6, 2),
                                              outlet="Eastbridge Times"), trigger="exchange")
    store.put_batch([(swap, "h"), (follow, "h")], "browser")
    update_crossdoc(store, [a.id for a in store.articles()])
    app = create_app(store, allow_ingest=True, allowed_hosts=["127.0.0.1", "localhost"],
                     ingest_stages=INGEST_STAGES)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        if time.monotonic() > deadline:
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield {"url": f"http://127.0.0.1:{port}", "store": store}
    uv.should_exit = True
    thread.join(timeout=10)
    store.close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.dialogs = []
    page.problems = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.on("console", lambda msg: page.problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: page.problems.append(str(exc)))
    # A request the browser aborts because the page navigated on (a favicon, say) is not an error.
    page.on("requestfailed", lambda request: page.problems.append(f"failed: {request.url} ({request.failure})")
            if "ERR_ABORTED" not in (request.failure or "") else None)
    yield page
    context.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def clean(page) -> None:
    assert page.dialogs == [], f"a dialog opened: {page.dialogs}"
    assert page.problems == [], f"console errors or failed requests: {page.problems}"


def test_overview_to_article_to_actor(server, page):
    page.goto(server["url"] + "/")
    assert page.locator("h1").inner_text() == "Situation overview"
    assert page.locator("svg rect.q-mx").count() >= 1  # the quad chart
    assert page.locator("svg rect.bar").count() >= 3  # articles per month
    shot(page, "01-overview")
    page.locator("ul.latest a").first.click()  # the newest article
    page.wait_for_selector("#article-text")
    page.locator("header.nav a", has_text="Articles").click()
    page.locator("table.records a", has_text="Putin offers talks as strikes go on").click()
    page.wait_for_url(f"**/articles/{RICH_ID}")
    text = page.locator("#article-text")
    assert text.locator(".hl-m").count() >= 4 and text.locator(".hl-e").count() == 2
    assert text.locator(".hl-q").count() >= 1 and text.locator(".hl-f").count() == 1
    assert text.locator(".hl-t").count() == 1
    text.locator(".hl-f").first.hover()
    tooltip = page.locator(".tooltip")
    tooltip.wait_for(state="visible")
    assert "casualties" in tooltip.inner_text() and "figure" in tooltip.inner_text().lower()
    shot(page, "02-article-reader")
    page.locator("#layers input[data-layer=m]").uncheck()
    assert "hide-m" in (text.get_attribute("class") or "")
    page.locator("#layers input[data-layer=m]").check()
    text.locator('a[href="/actors/RUS.PUTIN"]').first.click()
    page.wait_for_url("**/actors/RUS.PUTIN")
    assert page.locator("h1").inner_text() == "Vladimir Putin"
    assert page.locator("figure.network svg line.edge").count() == 1
    assert page.locator('figure.network a[href="/actors/UKR.ZELENSKY"]').count() == 1
    shot(page, "03-actor")
    clean(page)


def test_script_article_shows_markup_as_text(server, page):
    page.goto(server["url"] + f"/articles/{SCRIPT_ID}")
    body = page.locator("#article-text").inner_text()
    assert "<script>alert(1)</script>" in body and "<b>EXCLUSIVE</b>" in body
    assert "<img src=x onerror=alert(2)>" in page.locator("h1").inner_text()
    assert page.locator("#article-text script, #article-text b, h1 img").count() == 0
    page.locator("#article-text .hl-q").first.hover()
    assert "<script>alert(3)</script>" in page.locator(".tooltip").inner_text()
    shot(page, "04-hostile-article")
    # the real one from the sample dump
    page.goto(server["url"] + "/search?q=snippet")
    page.locator("ol.hits a", has_text="Cloned").first.click()
    assert "<script>alert(1)</script>" in page.locator("#article-text").inner_text()
    page.wait_for_timeout(300)
    clean(page)


def test_events_table_filters_and_export(server, page):
    page.goto(server["url"] + "/events")
    assert page.locator("table.events tbody tr").count() == 4  # 2 from the API fixture, 2 from the story
    page.locator("select[name=type]").select_option("ASSAULT")  # submits on change
    page.wait_for_url("**type=ASSAULT**")
    assert page.locator("table.events tbody tr").count() == 1
    shot(page, "05-events")
    with page.expect_download() as download:
        page.locator("p.export a", has_text="CSV").click()
    assert "ASSAULT" in Path(download.value.path()).read_text()
    clean(page)


def test_other_views(server, page):
    for path, name, check in (("/articles", "06-articles", "table.records tbody tr"),
                              ("/actors", "07-actors", "table.records tbody tr"),
                              ("/quotes", "08-quotes", "table.records tbody tr"),
                              ("/figures", "09-figures", "table.records tbody tr"),
                              ("/search?q=ceasefire", "10-search", "ol.hits li mark")):
        page.goto(server["url"] + path)
        assert page.locator(check).count() >= 1, path
        shot(page, name)
    clean(page)


def test_ingest_form(server, page):
    page.goto(server["url"] + "/ingest")
    page.locator("textarea[name=text]").fill("Browser-pasted headline\n\nNegotiators met in Istanbul on Monday, "
                                             "officials said, and agreed to meet again.")
    page.locator("input[name=outlet]").fill("Test Desk")
    page.locator("form.ingest button[type=submit]").click()
    page.wait_for_selector("section.notice")
    assert "Stored 1" in page.locator("section.notice").inner_text()
    shot(page, "11-ingest")
    page.locator("section.notice a").first.click()
    assert page.locator("h1").inner_text() == "Browser-pasted headline"
    clean(page)


def test_print_stylesheet_hides_the_chrome(server, page):
    page.goto(server["url"] + f"/articles/{RICH_ID}")
    page.emulate_media(media="print")
    assert not page.locator("header.nav").is_visible() and page.locator("#article-text").is_visible()
    assert not page.locator("#layers").is_visible()
    clean(page)


def test_story_timeline_zooms_and_links_to_events(server, page):
    page.goto(server["url"] + "/stories")
    page.locator("table.records a", has_text="prisoner").first.click()
    svg = page.locator("figure.timeline svg")
    assert svg.locator("circle").count() >= 1
    width = lambda: float(svg.get_attribute("viewBox").split()[2])  # noqa: E731
    before = width()
    page.locator("figure.timeline .timeline-controls button", has_text="+").click()
    assert width() < before
    page.locator("figure.timeline .timeline-controls button", has_text="reset").click()
    assert width() == before
    shot(page, "12-story-timeline")
    clean(page)
