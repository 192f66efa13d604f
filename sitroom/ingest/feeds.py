"""RSS and Atom feeds with feedparser: one article per item.

The item's own ``<source>`` (syndicated copy) is kept as the outlet, falling back to
the feed's title, so reprints can be told apart from originals later.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Iterator, Optional, Union

import feedparser
import lxml.html

from ..errors import EmptyInputError, InputError, MalformedInputError
from ..models import ItemError, RawItem
from .common import Overrides, check_item_size, clean_meta, parse_date, read_bytes

BLOCK_TAGS = ("p", "div", "br", "li", "h1", "h2", "h3", "h4", "blockquote", "tr")


def html_fragment_to_text(fragment: str) -> str:
    """Feed content is an HTML fragment: keep paragraph breaks, drop markup."""
    if "<" not in fragment:
        return fragment.strip()
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except Exception:  # lxml raises several types on odd fragments; fall back to the raw text
        return fragment.strip()
    for element in root.iter(*BLOCK_TAGS):
        element.tail = "\n\n" + (element.tail or "")
    for element in root.iter("script", "style"):
        element.drop_tree()
    lines = [" ".join(line.split()) for line in root.text_content().split("\n")]
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip()


# Below this many characters, a feed item without full content is only a summary.
SUMMARY_ONLY_CHARS = 600


def parse_feed(data: bytes, source: str, *, max_item_chars: int, outlet: Optional[str] = None,
               keep_linked_without_text: bool = False) -> Iterator[Union[RawItem, ItemError]]:
    """Feed bytes to items. ``source`` names the feed (a path or URL) in keys and errors.
    Items whose text is only a short summary carry ``metadata["summary_only"]`` so a
    watcher can fetch the page; with ``keep_linked_without_text`` an item with a link but
    no text is kept for that too."""
    # A BytesIO, never bytes: feedparser opens bytes that name an existing file.
    parsed = feedparser.parse(io.BytesIO(data))
    readable = [e for e in parsed.entries if e.get("title") or e.get("summary") or e.get("content")]
    if parsed.bozo and not readable:
        raise MalformedInputError(f"not a readable RSS/Atom feed ({parsed.get('bozo_exception', 'parse error')})")
    if not parsed.entries:
        raise EmptyInputError("feed has no items")
    feed_title = clean_meta(parsed.feed.get("title"))
    for index, entry in enumerate(parsed.entries):
        content = ""
        if entry.get("content"):
            content = max((c.get("value", "") for c in entry.content), key=len)
        has_full_content = bool(content.strip())
        if len(content) < len(entry.get("summary", "") or ""):
            content = entry.summary
        body = html_fragment_to_text(content or "")
        key = f"{source}#{entry.get('id') or entry.get('link') or index}"
        try:
            if not body.strip() and not (keep_linked_without_text and entry.get("link")):
                raise EmptyInputError("feed item has no text")
            check_item_size(body, max_item_chars)
        except InputError as exc:
            yield ItemError(path=source, key=key, stage="ingest", error=type(exc).__name__, message=exc.message)
            continue
        item_source = entry.get("source") or {}
        yield RawItem(
            key=key, path=source, format="feed", text=body,
            title=clean_meta(entry.get("title")),
            url=entry.get("link"),
            outlet=clean_meta(item_source.get("title")) or outlet or feed_title,
            published=parse_date(entry.get("published_parsed") or entry.get("updated_parsed")
                                 or entry.get("published")),
            author=clean_meta(entry.get("author")),
            metadata={"feed": feed_title, "source_url": item_source.get("href"),
                      "categories": [t.get("term") for t in entry.get("tags", []) if t.get("term")],
                      "summary_only": not has_full_content and len(body) < SUMMARY_ONLY_CHARS},
        )


def read(path: Path, overrides: Overrides, *, max_file_bytes: int,
         max_item_chars: int) -> Iterator[Union[RawItem, ItemError]]:
    yield from parse_feed(read_bytes(path, max_file_bytes), str(path), max_item_chars=max_item_chars,
                          outlet=overrides.outlet)
