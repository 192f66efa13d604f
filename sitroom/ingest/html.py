"""HTML pages (also gzipped). Body and metadata extraction happen in the clean stage
(trafilatura, in the worker processes); reading only decodes the page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from ..errors import MalformedInputError
from ..models import RawItem
from .common import Overrides, check_item_size, decode, read_bytes

META_CHARSET = re.compile(rb"<meta[^>]+charset=[\"']?([A-Za-z0-9_-]+)", re.I)


def decode_html(data: bytes, declared: str | None = None) -> str:
    if declared is None:
        found = META_CHARSET.search(data[:4096])
        declared = found.group(1).decode("ascii") if found else None
    text = decode(data, declared)
    if "<" not in text:
        raise MalformedInputError("no HTML markup found")
    return text


def read(path: Path, overrides: Overrides, *, max_file_bytes: int, max_item_chars: int) -> Iterator[RawItem]:
    html = decode_html(read_bytes(path, max_file_bytes))
    check_item_size(html, max_item_chars * 4)  # markup is several times the text
    yield RawItem(key=str(path), path=str(path), format="html", text=html, is_html=True,
                  url=overrides.url, outlet=overrides.outlet, published=overrides.published)
