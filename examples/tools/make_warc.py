"""Build examples/warc/sample.warc.gz from the HTML pages in warc_pages/.

The pages are named *.html.in so that a reader walking examples/ does not ingest
them a second time next to the archive.

The archive holds, in order: a warcinfo record; a request record and the matching
HTML response for the first page; HTML responses for the other pages; and one
non-HTML response (a small PNG image) that ingestion must skip.

Record ids and dates are fixed, so running the script twice gives the same bytes.
Usage:  python examples/tools/make_warc.py
"""

from __future__ import annotations

import struct
import uuid
import zlib
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

HERE = Path(__file__).resolve().parent
PAGES = HERE / "warc_pages"
OUT = HERE.parent / "warc" / "sample.warc.gz"

# (file in warc_pages/, target URI, capture date as WARC-Date, HTTP Last-Modified)
HTML_PAGES = [
    ("meridian_jeddah_ceasefire_wire.html.in",
     "https://www.meridianpost.example/world/2025/03/12/ukraine-backs-us-plan-30-day-ceasefire-jeddah/",
     "2025-03-12T11:04:31Z", "Wed, 12 Mar 2025 10:00:00 GMT"),
    ("danube_daily_opinion_europe_must_lead.html.in",
     "https://danubedaily.example/en/opinion/europe-must-stop-waiting-for-washington-2025-08-21",
     "2025-08-21T09:12:07Z", "Thu, 21 Aug 2025 06:00:00 GMT"),
    ("capital_ledger_trump_paper_tiger.html.in",
     "https://www.capitalledger.example/politics/trump-says-ukraine-can-win-back-all-territory-paper-tiger",
     "2025-09-24T14:40:55Z", "Wed, 24 Sep 2025 11:15:00 GMT"),
]
IMAGE_URI = "https://static.capitalledger.example/images/2025/paper-tiger-lead.png"
IMAGE_DATE = "2025-09-24T14:40:57Z"


def record_id(name: str) -> str:
    return f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'sitroom-sample-warc/' + name)}>"


def tiny_png(width: int = 4, height: int = 4) -> bytes:
    """A valid grey PNG built by hand (no imaging library needed)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + bytes([128] * width) for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main() -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        info = writer.create_warcinfo_record(
            "sample.warc.gz",
            {"software": "sitroom examples/tools/make_warc.py (warcio)",
             "format": "WARC File Format 1.0",
             "description": "Sample crawl for the sitroom test corpus; outlets and domains are fictional."})
        info.rec_headers.replace_header("WARC-Record-ID", record_id("warcinfo"))
        info.rec_headers.replace_header("WARC-Date", "2025-03-12T11:04:30Z")
        writer.write_record(info)

        for i, (name, uri, date, modified) in enumerate(HTML_PAGES):
            body = (PAGES / name).read_bytes()
            if i == 0:
                req_headers = StatusAndHeaders(
                    f"GET /{uri.split('/', 3)[3]} HTTP/1.1",
                    [("Host", uri.split("/")[2]), ("User-Agent", "sitroom-sample-crawler/0.1"),
                     ("Accept", "text/html,application/xhtml+xml"), ("Accept-Language", "en")],
                    is_http_request=True)
                req = writer.create_warc_record(
                    uri, "request", http_headers=req_headers,
                    warc_headers_dict={"WARC-Record-ID": record_id(name + "/request"), "WARC-Date": date})
                writer.write_record(req)
            http_headers = StatusAndHeaders("200 OK", [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("Last-Modified", modified),
                ("Cache-Control", "max-age=60"),
                ("Server", "nginx"),
            ], protocol="HTTP/1.1")
            resp = writer.create_warc_record(
                uri, "response", payload=BytesIO(body), length=len(body), http_headers=http_headers,
                warc_headers_dict={"WARC-Record-ID": record_id(name), "WARC-Date": date})
            writer.write_record(resp)

        png = tiny_png()
        img_headers = StatusAndHeaders("200 OK", [
            ("Content-Type", "image/png"), ("Content-Length", str(len(png))), ("Server", "nginx")],
            protocol="HTTP/1.1")
        img = writer.create_warc_record(
            IMAGE_URI, "response", payload=BytesIO(png), length=len(png), http_headers=img_headers,
            warc_headers_dict={"WARC-Record-ID": record_id("image"), "WARC-Date": IMAGE_DATE})
        writer.write_record(img)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
