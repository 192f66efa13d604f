"""WARC archives (.warc, .warc.gz) with warcio: the HTML responses inside.

Common Crawl's CC-NEWS is what users bring: large files, so the archive is streamed
and only ``response`` records with an HTML content type and status 200 are kept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, Union

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from ..errors import EmptyInputError, InputError
from ..models import ItemError, RawItem
from .common import Overrides, check_item_size
from .html import decode_html


def read(path: Path, overrides: Overrides, *, max_file_bytes: int,
         max_item_chars: int) -> Iterator[Union[RawItem, ItemError]]:
    found = 0
    with path.open("rb") as stream:
        try:
            for index, record in enumerate(ArchiveIterator(stream)):
                if record.rec_type != "response" or record.http_headers is None:
                    continue
                content_type = record.http_headers.get_header("Content-Type") or ""
                if "html" not in content_type.lower():
                    continue
                status = record.http_headers.get_statuscode()
                if status and not status.startswith("2"):
                    continue
                uri = record.rec_headers.get_header("WARC-Target-URI")
                key = f"{path}#{record.rec_headers.get_header('WARC-Record-ID') or index}"
                found += 1
                try:
                    payload = record.content_stream().read(max_item_chars * 4 + 1)
                    declared = None
                    if "charset=" in content_type.lower():
                        declared = content_type.lower().split("charset=")[-1].split(";")[0].strip()
                    html = decode_html(payload, declared)
                    check_item_size(html, max_item_chars * 4)
                    yield RawItem(key=key, path=str(path), format="warc", text=html, is_html=True, url=uri,
                                  outlet=overrides.outlet,
                                  published=overrides.published,
                                  metadata={"fetched": record.rec_headers.get_header("WARC-Date")})
                except InputError as exc:
                    yield ItemError(path=str(path), key=key, stage="ingest", error=type(exc).__name__,
                                    message=f"{uri}: {exc.message}")
        except (ArchiveLoadFailed, OSError, EOFError, ValueError) as exc:
            yield ItemError(path=str(path), stage="ingest", error="MalformedInputError",
                            message=f"WARC archive is broken after {found} HTML records ({exc})")
            return
    if not found:
        raise EmptyInputError("archive has no HTML response records")
