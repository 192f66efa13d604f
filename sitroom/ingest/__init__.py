"""Readers: one per input format, each turning a file into RawItems.

``discover`` expands paths, folders (recursively) and globs; ``read_path`` picks the
reader by file name and yields ``RawItem`` or ``ItemError`` — a bad file (or a bad
record inside a dump or archive) becomes an error item and the batch goes on.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Iterable, Iterator, Optional, Union

from ..errors import InputError, UnsupportedFormatError
from ..models import ItemError, RawItem
from . import feeds, html, jsonl, text, warc
from .common import Overrides

READERS = (
    ((".warc", ".warc.gz"), warc.read),
    ((".jsonl", ".json", ".jsonl.gz", ".ndjson"), jsonl.read),
    ((".xml", ".rss", ".atom"), feeds.read),
    ((".html", ".htm", ".html.gz", ".htm.gz"), html.read),
    ((".txt", ".text"), text.read),
)
SKIPPED_NAMES = {".DS_Store", "Thumbs.db"}


def reader_for(path: Path):
    name = path.name.lower()
    for suffixes, read in READERS:
        if name.endswith(suffixes):
            return read
    return None


def discover(paths: Iterable[Union[str, Path]]) -> Iterator[Path]:
    """Files under the given paths: files as given, folders recursively (sorted), globs."""
    for raw in paths:
        raw = str(raw)
        candidates = [Path(p) for p in sorted(glob.glob(raw, recursive=True))] if glob.has_magic(raw) else [Path(raw)]
        if not candidates:
            yield Path(raw)  # reported as missing by read_path
        for path in candidates:
            if path.is_dir():
                for root, dirs, files in os.walk(path):
                    dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                    for name in sorted(files):
                        if name not in SKIPPED_NAMES and not name.startswith("."):
                            yield Path(root) / name
            else:
                yield path


def read_path(path: Path, overrides: Optional[Overrides] = None, *,
              max_file_bytes: int = 50 * 1024 * 1024,
              max_item_chars: int = 2_000_000) -> Iterator[Union[RawItem, ItemError]]:
    """Yield the items of one file; errors become ItemError and never escape."""
    shown = str(path)
    try:
        if not path.exists():
            raise InputError("no such file or folder")
        read = reader_for(path)
        if read is None:
            raise UnsupportedFormatError(
                f"unsupported file type {path.suffix or '(none)'!r}; expected .txt, .html, .xml/.rss/.atom, "
                ".jsonl/.json, .warc/.warc.gz")
        yield from read(path, overrides or Overrides(), max_file_bytes=max_file_bytes,
                        max_item_chars=max_item_chars)
    except InputError as exc:
        yield ItemError(path=shown, stage="ingest", error=type(exc).__name__, message=exc.message)
    except (OSError, ValueError) as exc:  # unreadable file, permission, odd OS error
        yield ItemError(path=shown, stage="ingest", error=type(exc).__name__, message=str(exc) or repr(exc))


__all__ = ["discover", "read_path", "reader_for", "Overrides"]
