"""What the readers share: decoding bytes safely, size limits, metadata parsing."""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Optional

import dateparser
from charset_normalizer import from_bytes

from ..errors import BinaryInputError, EmptyInputError, EncodingError, MalformedInputError, TooLargeError

# Share of control characters above which bytes are "binary", not text.
MAX_CONTROL_SHARE = 0.05
# DOS code pages fit almost any bytes and are next to never used for news on the web;
# left in, they win the detection on short Latin-1 or cp1252 texts.
DOS_CODEPAGES = ["cp437", "cp737", "cp775", "cp850", "cp852", "cp855", "cp857", "cp858", "cp860", "cp861",
                 "cp862", "cp863", "cp864", "cp865", "cp866", "cp869"]
WESTERN = ("cp1252", "latin_1", "iso8859_15")


@dataclass(frozen=True)
class Overrides:
    """Metadata given on the command line; applies to single-file inputs."""

    outlet: Optional[str] = None
    published: Optional[date] = None
    url: Optional[str] = None


def read_bytes(path: Path, max_bytes: int) -> bytes:
    size = path.stat().st_size
    if size > max_bytes:
        raise TooLargeError(f"file is {size / 1e6:.0f} MB, over the {max_bytes / 1e6:.0f} MB limit for this format")
    data = path.read_bytes()
    if path.name.lower().endswith(".gz"):
        data = gunzip(data, max_bytes)
    if not data.strip():
        raise EmptyInputError("file is empty")
    return data


def gunzip(data: bytes, max_bytes: int) -> bytes:
    try:
        # A decompressor with a cap, so a gzip bomb cannot fill memory.
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out = decompressor.decompress(data, max_bytes + 1)
        if len(out) > max_bytes:
            raise TooLargeError(f"decompressed content is over the {max_bytes / 1e6:.0f} MB limit")
        if not decompressor.eof:
            raise MalformedInputError("gzip stream is truncated")
        return out
    except (zlib.error, gzip.BadGzipFile, EOFError) as exc:
        raise MalformedInputError(f"not a valid gzip file ({exc})") from exc


def decode(data: bytes, declared: Optional[str] = None) -> str:
    """Bytes to text: UTF-8 (with or without BOM), a declared charset, or a detected one."""
    if b"\x00" in data[:8192]:
        raise BinaryInputError("binary content (NUL bytes), not text")
    for encoding in ("utf-8-sig", declared):
        if not encoding:
            continue
        try:
            text = data.decode(encoding)
            break
        except (UnicodeDecodeError, LookupError):
            continue
    else:
        matches = from_bytes(data[:1_000_000], cp_exclusion=DOS_CODEPAGES)
        best = matches.best()
        if best is not None:
            # Equally plausible code pages are common on short texts; Western European wins the tie.
            tied = [m for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence)]
            best = next((m for m in tied if m.encoding in WESTERN), best)
        if best is None or best.encoding is None:
            raise EncodingError("bytes are not text in any supported encoding")
        try:
            text = data.decode(best.encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise EncodingError(f"bytes are not valid {best.encoding}") from exc
    controls = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if text and controls / min(len(text), 20000) > MAX_CONTROL_SHARE:
        raise BinaryInputError("binary content (control characters), not text")
    return text


def check_item_size(text: str, max_chars: int) -> None:
    if len(text) > max_chars:
        raise TooLargeError(f"item has {len(text):,} characters, over the {max_chars:,} limit")


def parse_date(value: Any) -> Optional[date]:
    """A publication date from metadata: ISO strings, RFC 822, datetime, struct_time."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if hasattr(value, "tm_year"):
        return date(value.tm_year, value.tm_mon, value.tm_mday)
    text = str(value).strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    parsed = dateparser.parse(text, languages=["en"], settings={"PREFER_DAY_OF_MONTH": "first",
                                                                  "REQUIRE_PARTS": ["year"]})
    return parsed.date() if parsed else None


def clean_meta(value: Any) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(v) for v in value if v)
    text = " ".join(str(value).split())
    return text or None
