"""Write the deliberately bad inputs in examples/bad/ (deterministic output).

  empty.txt            zero bytes
  binary.txt           pseudo-random bytes with NULs (looks like a binary file renamed .txt)
  latin1.txt           valid Latin-1 text that is not valid UTF-8; a reader should still decode it
  undecodable.txt      invalid UTF-8 sequences and control bytes, no NUL: not text in any sensible encoding
  truncated.html.gz    a gzip stream cut in half
  malformed.xml        a broken RSS feed (unclosed elements, undefined entity, no closing tags)
  malformed.jsonl      one good record, one broken line, one good record

Usage:  python examples/tools/make_bad.py
"""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

BAD = Path(__file__).resolve().parent.parent / "bad"

LATIN1_TEXT = (
    "Talks in Genève end without a breakthrough\n"
    "\n"
    "GENEVA - Diplomats gathered on the shore of Lac Léman said the atmosphere was « correct » but cool. "
    "A Swiss mediator, who spoke on condition of anonymity, said the délégations had agreed only to meet again. "
    "Earlier peace efforts at Bürgenstock, near Lucerne, in June 2024 ended with a communiqué that Moscow ignored. "
    "Officials from Zürich to Saint-Gallen said Switzerland remained ready to host further rounds.\n"
)

BROKEN_RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
  <channel>
    <title>Harbor Wire - Europe</title>
    <link>https://www.harborwire.example/europe/</link>
    <item>
      <title>Drone strikes hit energy sites &nbsp; in three regions</title>
      <link>https://www.harborwire.example/europe/drone-strikes-energy-sites</link>
      <pubDate>Sat, 08 Nov 2025 09:00:00 GMT</pubDate>
      <description>Regional officials reported outages after overnight attacks.
    </item>
    <item>
      <title>Talks to resume <b>next week</title>
      <pubDate>not a date</pubDate>
"""

GOOD_1 = {"title": "Grid operator extends outage schedules", "maintext":
          "Ukraine's grid operator said on Monday that hourly power cuts would continue in most regions this week "
          "while repair crews worked on damaged substations.",
          "url": "https://www.harborwire.example/europe/grid-outage-schedules", "date_publish": "2025-11-10 08:30:00",
          "source_domain": "www.harborwire.example", "authors": [], "language": "en"}
GOOD_2 = {"title": "Negotiators to meet again, officials say", "maintext":
          "Ukrainian and American negotiators will meet again later this month, officials in Kyiv said on Tuesday, "
          "without giving a date or a venue.",
          "url": "https://www.harborwire.example/europe/negotiators-meet-again", "date_publish": "2025-11-25 12:00:00",
          "source_domain": "www.harborwire.example", "authors": [], "language": "en"}


def main() -> None:
    BAD.mkdir(parents=True, exist_ok=True)
    rng = random.Random(20250311)

    (BAD / "empty.txt").write_bytes(b"")

    blob = bytearray(rng.getrandbits(8) for _ in range(4096))
    for i in range(0, len(blob), 37):
        blob[i] = 0
    (BAD / "binary.txt").write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(blob))

    data = LATIN1_TEXT.encode("latin-1")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:  # pragma: no cover - guard for edits to the text above
        raise SystemExit("latin1.txt must not be valid UTF-8")
    (BAD / "latin1.txt").write_bytes(data)

    # Stray continuation bytes, overlong/illegal lead bytes and C0 controls; never NUL.
    pool = (list(range(0x80, 0xC0)) + [0xC0, 0xC1] + list(range(0xF5, 0x100))
            + list(range(0x01, 0x09)) + list(range(0x0E, 0x20)) + [0x7F])
    junk = bytes(rng.choice(pool) for _ in range(2047))  # odd length: not UTF-16 either
    assert b"\x00" not in junk
    (BAD / "undecodable.txt").write_bytes(junk)

    page = (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Truncated page | Harbor Wire</title>"
        "</head>\n<body><article><h1>Truncated page</h1>\n"
        + "".join(f"<p>Paragraph {i} of a page whose gzip stream was cut short during download.</p>\n"
                  for i in range(1, 41))
        + "</article></body></html>\n").encode("utf-8")
    gz = gzip.compress(page, mtime=0)
    (BAD / "truncated.html.gz").write_bytes(gz[: len(gz) // 2])

    (BAD / "malformed.xml").write_text(BROKEN_RSS, encoding="utf-8")

    lines = [json.dumps(GOOD_1, ensure_ascii=False),
             '{"title": "Broken record", "maintext": "This line was cut off in the middle of a str',
             json.dumps(GOOD_2, ensure_ascii=False)]
    (BAD / "malformed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")

    for p in sorted(BAD.iterdir()):
        print(f"{p.name:20} {p.stat().st_size:6d} bytes")


if __name__ == "__main__":
    main()
