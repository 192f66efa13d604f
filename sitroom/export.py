"""Exports: JSON/JSONL (one nested object per article, the stable contract described
by ``docs/schema/article.schema.json``), and CSV/Parquet tables (one row per article
or per extracted record) for spreadsheets and dataframes.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import IO, Any, Callable, Iterable, Iterator, Optional

from .clean import content_hash
from .errors import BadParameterError
from . import __version__
from .models import PLOVER_QUAD, Article, Event, EventActor
from .store import Store

FORMATS = ("json", "jsonl", "csv", "parquet", "plover")
TABLES = ("articles", "actors", "events", "quotes", "figures", "times")
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "docs" / "schema" / "article.schema.json"
EXPORT_EXCLUDED = ("key", "format", "content_hash", "stages")


def export_schema() -> dict[str, Any]:
    """JSON Schema of one exported article, derived from the Article record."""
    schema = Article.model_json_schema(mode="serialization")
    for name in EXPORT_EXCLUDED:
        schema["properties"].pop(name, None)
        if name in schema.get("required", []):
            schema["required"].remove(name)
    schema["required"] = sorted(set(schema.get("required", [])) | {
        "id", "path", "url", "title", "outlet", "published", "genre", "language", "text", "duplicate_of",
        "removed", "actors", "events", "quotes", "figures", "times"})
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://sitroom.invalid/schema/article.schema.json"
    schema["title"] = "sitroom exported article"
    return schema


def _json_cell(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


def article_row(article: Article) -> dict[str, Any]:
    return {
        "id": article.id, "path": article.path, "url": article.url, "title": article.title,
        "outlet": article.outlet, "published": article.published.isoformat() if article.published else None,
        "genre": article.genre, "language": article.language, "duplicate_of": article.duplicate_of,
        "duplicate_kind": article.duplicate_kind, "removed": len(article.removed), "actors": len(article.actors),
        "events": len(article.events), "quotes": len(article.quotes), "figures": len(article.figures),
        "times": len(article.times), "text": article.text,
    }


def record_rows(article: Article, table: str) -> Iterator[dict[str, Any]]:
    for record in getattr(article, table):
        row = {"article_id": article.id, "outlet": article.outlet,
               "published": article.published.isoformat() if article.published else None}
        row.update({k: _json_cell(v) for k, v in record.model_dump(mode="json").items()})
        yield row


def rows(articles: Iterable[Article], table: str) -> Iterator[dict[str, Any]]:
    if table not in TABLES:
        raise BadParameterError(f"unknown table {table!r}; choose one of {', '.join(TABLES)}")
    for article in articles:
        if table == "articles":
            yield article_row(article)
        else:
            yield from record_rows(article, table)


def write(store: Store, fmt: str, out: IO[str] | Path, *, table: str = "articles",
          include_duplicates: bool = True, on_item: Optional[Callable[[], None]] = None) -> int:
    """Write the store in a format; returns the number of objects or rows written."""
    if fmt not in FORMATS:
        raise BadParameterError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    articles = store.articles(include_duplicates=include_duplicates)
    if on_item:
        articles = _tap(articles, on_item)
    if fmt == "parquet":
        if not isinstance(out, Path):
            raise BadParameterError("parquet needs an output file (--output FILE.parquet)")
        return _write_parquet(rows(articles, table), out)
    if isinstance(out, Path):
        with out.open("w", encoding="utf-8", newline="") as handle:
            return write_stream(articles, fmt, handle, table)
    return write_stream(articles, fmt, out, table)


def write_stream(articles: Iterable[Article], fmt: str, handle: IO[str], table: str = "articles") -> int:
    count = 0
    if fmt == "plover":
        for article in articles:
            for event in article.events:
                handle.write(json.dumps(plover_record(article, event), ensure_ascii=False) + "\n")
                count += 1
    elif fmt == "jsonl":
        for article in articles:
            handle.write(json.dumps(article.to_export(), ensure_ascii=False) + "\n")
            count += 1
    elif fmt == "json":
        handle.write("[")
        for article in articles:
            handle.write(("," if count else "") + "\n" + json.dumps(article.to_export(), ensure_ascii=False))
            count += 1
        handle.write("\n]\n")
    elif fmt == "csv":
        writer: Optional[csv.DictWriter] = None
        for row in rows(articles, table):
            if writer is None:
                writer = csv.DictWriter(handle, fieldnames=list(row))
                writer.writeheader()
            writer.writerow(row)
            count += 1
    else:
        raise BadParameterError(f"format {fmt!r} cannot be streamed")
    return count


def _write_parquet(table_rows: Iterable[dict[str, Any]], path: Path) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    batch = list(table_rows)
    table = pa.Table.from_pylist(batch) if batch else pa.table({})
    pq.write_table(table, path)
    return len(batch)


def _tap(items: Iterable[Article], on_item: Callable[[], None]) -> Iterator[Article]:
    for item in items:
        on_item()
        yield item


def _plover_entity(actor: EventActor) -> dict[str, Any]:
    entity = {"code": actor.country or actor.code, "sector": actor.sector, "entity_text": actor.text,
              "identifier_id": actor.actor_id, "actor_code": actor.code}
    return {k: v for k, v in entity.items() if v}


def plover_record(article: Article, event: Event) -> dict[str, Any]:
    """One event in PLOVER's JSON field names (manual, chapter "Data Fields"), plus
    sitroom's own fields (modality, cameo, confidence, rule) as the manual allows."""
    if event.date and len(event.date) == 10 and event.date[4] == "-":
        day, precision = event.date, "day"
    else:
        reported = article.reference_date()
        day, precision = (reported.isoformat() if reported else None), "report"
    return {
        "id": event.id,
        "has_event": True,
        "date": day,
        "date_precision": precision,
        "event_date_text": event.date,
        "actor": [_plover_entity(a) for a in event.source],
        "recipient": [_plover_entity(a) for a in event.target],
        "event": [event.type],
        "quad_code": PLOVER_QUAD.get(event.type),
        "mode": [event.mode] if event.mode else [],
        "context": event.context,
        "event_text": [event.trigger.text] if event.trigger else [],
        "event_loc": {"extracted_place": event.location} if event.location else None,
        "text": event.text,
        "text_info": {"sequence": event.sentence, "start": event.start, "end": event.end},
        "cite_info": {"url": article.url, "title": article.title, "language": article.language,
                      "publication": article.outlet, "coder": f"sitroom {__version__}",
                      "codebook": "plover-base"},
        "coder": f"sitroom {__version__}",
        "modality": event.modality,
        "reported_by": event.reported_by,
        "cameo": event.cameo,
        "confidence": event.confidence,
        "rule": event.rule,
        "article_id": article.id,
        "duplicate_of": article.duplicate_of,
    }


def read_export(lines: Iterable[str]) -> Iterator[Article]:
    """Articles back from a JSONL export (``sitroom import``)."""
    for line in lines:
        if line.strip():
            record = json.loads(line)
            record.setdefault("key", f"import:{record['id']}")
            record.setdefault("format", "jsonl")
            article = Article.model_validate(record)
            article.content_hash = content_hash(article.text)
            yield article
