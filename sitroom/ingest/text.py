"""Plain-text articles, as scrapers dump them.

Three shapes occur: title, blank line, body; a blank line, then title and body; body
only. The first non-blank line is a headline when it is short, has no final
sentence punctuation, and is followed by a blank line or by a longer body line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator, Optional

from ..models import RawItem
from .common import Overrides, check_item_size, decode, read_bytes

MAX_TITLE_CHARS = 160
MAX_TITLE_WORDS = 25
SENTENCE_END = re.compile(r"[.!?:;,…][\"'”’)\]]*$")


def split_title(text: str) -> tuple[Optional[str], str]:
    """Return (headline or None, body)."""
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        return None, text
    candidate = lines[first].strip()
    rest = lines[first + 1:]
    if not looks_like_title(candidate):
        return None, text.strip("\n")
    followed_by_blank = bool(rest) and not rest[0].strip()
    next_line = next((line.strip() for line in rest if line.strip()), "")
    if not next_line:
        return None, text.strip("\n")  # a single line is a body, not a headline
    if followed_by_blank or len(next_line) > len(candidate) * 1.5:
        return candidate, "\n".join(rest).strip("\n")
    return None, text.strip("\n")


def looks_like_title(line: str) -> bool:
    words = line.split()
    return (0 < len(line) <= MAX_TITLE_CHARS and len(words) <= MAX_TITLE_WORDS
            and not SENTENCE_END.search(line) and not line.startswith(("“", '"', "-", "*", "•")))


def read(path: Path, overrides: Overrides, *, max_file_bytes: int, max_item_chars: int) -> Iterator[RawItem]:
    text = decode(read_bytes(path, max_file_bytes))
    check_item_size(text, max_item_chars)
    title, body = split_title(text.replace("\r\n", "\n").replace("\r", "\n"))
    yield RawItem(key=str(path), path=str(path), format="text", text=body, title=title,
                  url=overrides.url, outlet=overrides.outlet, published=overrides.published)
