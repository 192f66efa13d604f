"""Write the gzipped copy of one HTML page (examples/html/*.html.gz), deterministically.

Usage:  python examples/tools/make_gz.py
"""

from __future__ import annotations

import gzip
from pathlib import Path

HTML = Path(__file__).resolve().parent.parent / "html"
SOURCE = HTML / "capital_ledger_minerals_deal_signed.html"


def main() -> None:
    target = SOURCE.with_name(SOURCE.name + ".gz")
    target.write_bytes(gzip.compress(SOURCE.read_bytes(), compresslevel=9, mtime=0))
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
