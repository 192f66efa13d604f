"""Readers on hand-built files of every format, and bad input of every kind."""

from __future__ import annotations

import gzip
import io
import json
from datetime import date

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from sitroom.ingest import Overrides, discover, read_path
from sitroom.models import ItemError, RawItem

PARAGRAPH = "Ukrainian and American negotiators met in Geneva on Sunday to discuss a revised peace framework. "
PAGE = f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Negotiators meet in Geneva | Eastbridge Times</title>
<meta property="og:title" content="Negotiators meet in Geneva">
<meta property="og:site_name" content="Eastbridge Times">
<meta name="author" content="Ana Kovalenko">
<meta property="article:published_time" content="2025-11-23T18:00:00Z">
<link rel="canonical" href="https://eastbridge.example/world/geneva-talks"></head>
<body><nav><a href="/">Home</a><a href="/world">World</a></nav>
<article><h1>Negotiators meet in Geneva</h1><p>{PARAGRAPH * 3}</p>
<p>Rubio said the meeting was the most productive so far.</p></article>
<footer>© 2025 Eastbridge Times. All rights reserved.</footer></body></html>"""


def items(path, **options):
    return list(read_path(path, Overrides(), **options))


def test_html_page_with_metadata(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(PAGE, encoding="utf-8")
    (item,) = items(path)
    assert isinstance(item, RawItem) and item.is_html and item.format == "html"
    gz = tmp_path / "page.html.gz"
    gz.write_bytes(gzip.compress(PAGE.encode()))
    (zipped,) = items(gz)
    assert zipped.text == item.text


def test_rss_feed_keeps_item_source(tmp_path):
    feed = tmp_path / "feed.xml"
    feed.write_text(f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Capital Ledger</title>
<item><title>Kyiv hit by drones</title><link>https://ledger.example/a</link>
<pubDate>Tue, 11 Mar 2025 10:00:00 GMT</pubDate><source url="https://wire.example">Harbor Wire</source>
<description>&lt;p&gt;{PARAGRAPH}&lt;/p&gt;&lt;p&gt;Second paragraph.&lt;/p&gt;</description></item>
<item><title>Own story</title><link>https://ledger.example/b</link><description>{PARAGRAPH}</description></item>
</channel></rss>""", encoding="utf-8")
    first, second = items(feed)
    assert first.outlet == "Harbor Wire" and second.outlet == "Capital Ledger"
    assert first.published == date(2025, 3, 11)
    assert first.text.endswith("Second paragraph.") and "<p>" not in first.text
    assert first.key != second.key


def test_news_please_jsonl_and_other_field_names(tmp_path):
    dump = tmp_path / "dump.jsonl"
    dump.write_text("\n".join([
        json.dumps({"title": "A", "maintext": PARAGRAPH, "url": "https://x.example/a",
                    "date_publish": "2025-03-11 14:20:00", "source_domain": "x.example", "authors": ["A B"],
                    "language": "en"}),
        "{broken json",
        json.dumps({"headline": "B", "text": PARAGRAPH, "published": "2025-05-16", "outlet": "Danube Daily"}),
        json.dumps({"title": "no text"}),
    ]), encoding="utf-8")
    result = items(dump)
    good = [i for i in result if isinstance(i, RawItem)]
    bad = [i for i in result if isinstance(i, ItemError)]
    assert [g.title for g in good] == ["A", "B"]
    assert good[0].outlet == "x.example" and good[0].published == date(2025, 3, 11) and good[0].author == "A B"
    assert good[1].outlet == "Danube Daily" and good[1].published == date(2025, 5, 16)
    assert [b.error for b in bad] == ["MalformedInputError", "EmptyInputError"]
    assert "line 2" in bad[0].message


def write_warc(path, records):
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for uri, content_type, body in records:
            headers = StatusAndHeaders("200 OK", [("Content-Type", content_type)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(uri, "response", payload=io.BytesIO(body),
                                                          http_headers=headers))


def test_warc_keeps_html_responses_only(tmp_path):
    path = tmp_path / "crawl.warc.gz"
    write_warc(path, [("https://a.example/1", "text/html; charset=utf-8", PAGE.encode()),
                      ("https://a.example/logo.png", "image/png", b"\x89PNG\x00\x00"),
                      ("https://a.example/2", "text/html", PAGE.replace("Geneva", "Riyadh").encode())])
    result = items(path)
    assert [i.url for i in result] == ["https://a.example/1", "https://a.example/2"]
    assert all(i.format == "warc" and i.is_html for i in result)


@pytest.mark.parametrize("name, content, error", [
    ("empty.txt", b"", "EmptyInputError"),
    ("blank.txt", b"  \n\n ", "EmptyInputError"),
    ("binary.txt", bytes(range(256)) * 4, "BinaryInputError"),
    ("truncated.html.gz", gzip.compress(PAGE.encode())[:200], "MalformedInputError"),
    ("broken.xml", b"<rss><channel><item><title>x</title", "MalformedInputError"),
    ("broken.json", b'{"text": "unterminated', "MalformedInputError"),
    ("picture.png", b"\x89PNG", "UnsupportedFormatError"),
    ("missing.txt", None, "InputError"),
])
def test_bad_input_is_one_clear_error(tmp_path, name, content, error):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    (item,) = items(path)
    assert isinstance(item, ItemError) and item.error == error
    assert item.message and "\n" not in item.message and "Traceback" not in item.message


def test_latin1_text_is_read(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes("Die Gespräche in Genf über die Waffenruhe dauerten länger als geplant.".encode("latin-1"))
    (item,) = items(path)
    assert "Gespräche" in item.text


def test_size_limit(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text(PARAGRAPH * 200)
    (item,) = items(path, max_file_bytes=1000)
    assert item.error == "TooLargeError"


def test_discover_walks_folders_and_globs(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    for name in ("a/1.txt", "a/b/2.html", "a/.hidden.txt", "3.txt"):
        (tmp_path / name).write_text("x")
    found = {p.relative_to(tmp_path).as_posix() for p in discover([tmp_path / "a", str(tmp_path / "*.txt")])}
    assert found == {"a/1.txt", "a/b/2.html", "3.txt"}
