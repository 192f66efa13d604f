"""JSONL/JSON dumps: one article per record.

Accepts the common field names of scrapers (news-please's output loads as is):
text/body/maintext/content/article, title/headline, url/link, published/date_publish/
date/pubDate, source/outlet/source_domain/publisher, authors/author, language.
A broken line is an error for that line only; the rest of the dump is read.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any, Iterator, Union

from ..errors import EmptyInputError, InputError, MalformedInputError
from ..models import ItemError, RawItem
from .common import Overrides, check_item_size, clean_meta, decode, parse_date, read_bytes

TEXT_FIELDS = ("maintext", "text", "body", "content", "article", "articleBody")
TITLE_FIELDS = ("title", "headline", "title_page")
URL_FIELDS = ("url", "link", "canonical_url")
DATE_FIELDS = ("published", "date_publish", "date", "pubDate", "publish_date", "published_at", "datePublished")
OUTLET_FIELDS = ("outlet", "source", "source_domain", "publisher", "site_name", "domain")
AUTHOR_FIELDS = ("authors", "author", "byline")
# A container-format file is streamed; this caps one line so a corrupt file can't fill memory.
MAX_LINE_BYTES = 64 * 1024 * 1024


def first(record: dict, names: tuple[str, ...]) -> Any:
    for name in names:
        value = record.get(name)
        if value not in (None, "", []):
            return value
    return None


def to_item(record: Any, path: Path, key: str, overrides: Overrides, max_item_chars: int) -> RawItem:
    if not isinstance(record, dict):
        raise MalformedInputError("record is not a JSON object")
    text = first(record, TEXT_FIELDS)
    if not isinstance(text, str) or not text.strip():
        raise EmptyInputError(f"record has no text (looked for {', '.join(TEXT_FIELDS)})")
    check_item_size(text, max_item_chars)
    outlet = first(record, OUTLET_FIELDS)
    if isinstance(outlet, dict):  # e.g. {"name": ..., "url": ...}
        outlet = outlet.get("name") or outlet.get("title")
    record_key = first(record, ("id", "uuid")) or first(record, URL_FIELDS)
    return RawItem(
        key=f"{path}#{record_key}" if record_key else key,
        path=str(path), format="jsonl", text=text,
        is_html=bool(record.get("is_html")),
        title=clean_meta(first(record, TITLE_FIELDS)),
        url=first(record, URL_FIELDS) or overrides.url,
        outlet=clean_meta(outlet) or overrides.outlet,
        published=parse_date(first(record, DATE_FIELDS)) or overrides.published,
        author=clean_meta(first(record, AUTHOR_FIELDS)),
        language=clean_meta(record.get("language")),
    )


def read(path: Path, overrides: Overrides, *, max_file_bytes: int,
         max_item_chars: int) -> Iterator[Union[RawItem, ItemError]]:
    if path.name.lower().endswith(".json"):
        yield from _read_json_document(path, overrides, max_file_bytes, max_item_chars)
        return
    raw = path.open("rb")
    stream = raw
    if path.name.lower().endswith(".gz"):
        stream = gzip.GzipFile(fileobj=raw)
    seen_any = False
    with raw:
        line_no = 0
        while True:
            try:
                line = stream.readline(MAX_LINE_BYTES)
            except (OSError, EOFError) as exc:
                yield ItemError(path=str(path), key=f"{path}#line{line_no + 1}", stage="ingest",
                                error="MalformedInputError", message=f"compressed stream is broken ({exc})")
                return
            if not line:
                break
            line_no += 1
            if not line.strip():
                continue
            seen_any = True
            key = f"{path}#line{line_no}"
            try:
                record = json.loads(decode(line))
                yield to_item(record, path, key, overrides, max_item_chars)
            except json.JSONDecodeError as exc:
                yield ItemError(path=str(path), key=key, stage="ingest", error="MalformedInputError",
                                message=f"line {line_no}: invalid JSON ({exc.msg} at column {exc.colno})")
            except InputError as exc:
                yield ItemError(path=str(path), key=key, stage="ingest", error=type(exc).__name__,
                                message=f"line {line_no}: {exc.message}")
    if not seen_any:
        raise EmptyInputError("file is empty")


def _read_json_document(path: Path, overrides: Overrides, max_file_bytes: int,
                        max_item_chars: int) -> Iterator[Union[RawItem, ItemError]]:
    try:
        document = json.loads(decode(read_bytes(path, max_file_bytes)))
    except json.JSONDecodeError as exc:
        raise MalformedInputError(f"invalid JSON ({exc.msg} at line {exc.lineno})") from exc
    records = document if isinstance(document, list) else document.get("articles", [document]) \
        if isinstance(document, dict) else None
    if records is None:
        raise MalformedInputError("JSON is neither an object nor a list of objects")
    for index, record in enumerate(records):
        key = f"{path}#{index}"
        try:
            yield to_item(record, path, key, overrides, max_item_chars)
        except InputError as exc:
            yield ItemError(path=str(path), key=key, stage="ingest", error=type(exc).__name__,
                            message=f"record {index}: {exc.message}")
