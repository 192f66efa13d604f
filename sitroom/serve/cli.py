"""The `sitroom` command line: a thin layer over the library (runner, store, export)."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Column, Table
from rich.text import Text

from .. import export as exporting
from ..config import Settings
from ..errors import SitroomError
from ..ingest import Overrides
from ..models import Article, RunSummary
from ..pipeline import INGEST_STAGES, STAGES
from ..runner import run as run_pipeline
from ..store import Store, open_store
from ..store.db import MATCH_END, MATCH_START

app = typer.Typer(help="sitroom: a situation room for news about conflicts and diplomacy.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
console = Console()
errors_console = Console(stderr=True)
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

DbOption = typer.Option("sitroom.db", "--db", envvar="SITROOM_DB",
                        help="SQLite file or database URL (env SITROOM_DB).")
QuietOption = typer.Option(False, "--quiet", "-q", help="No progress bars or tables; for scripts.")
LABEL_STYLES = {"PERSON": "bold cyan", "ORG": "bold magenta", "GPE": "bold green", "NORP": "green",
                "LOC": "yellow", "FAC": "yellow", "EVENT": "bold yellow", "LAW": "blue", "PRODUCT": "blue"}


def _store(db: str) -> Store:
    settings = Settings.from_env(db=db)
    return open_store(settings.db, near_threshold=settings.near_duplicate_threshold)


def _fail(exc: SitroomError) -> None:
    errors_console.print(f"[bold red]error:[/] {escape(str(exc))}")
    raise typer.Exit(2)


def _day(value: Optional[str], option: str) -> Optional[date]:
    """A YYYY-MM-DD option value (None when not given), or a clear error and exit code 2."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        errors_console.print(f"[bold red]error:[/] {option} must be YYYY-MM-DD ({exc})")
        raise typer.Exit(2)


def _ingest(paths: list[str], db: str, *, stages, outlet, published, url, workers, quiet, strict,
            batch_size) -> RunSummary:
    overrides = Overrides(outlet=outlet, published=_day(published, "--published"), url=url)
    try:
        settings = Settings.from_env(db=db, workers=workers, batch_size=batch_size)
        store = open_store(settings.db, near_threshold=settings.near_duplicate_threshold)
    except ValueError as exc:  # a SITROOM_* setting that does not validate
        errors_console.print(f"[bold red]error:[/] {escape(str(exc))}")
        raise typer.Exit(2)
    except SitroomError as exc:
        _fail(exc)
    if quiet:
        summary = run_pipeline(paths, store, settings=settings, overrides=overrides, stages=stages)
    else:
        with Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
                      MofNCompleteColumn(), TextColumn("files · {task.fields[articles]} articles · "
                                                       "{task.fields[rate]} art/s"),
                      TimeElapsedColumn(), console=errors_console, transient=False) as progress:
            task = progress.add_task("processing", total=None, articles=0, rate="–")

            def on_progress(done: int, total: int, summary: RunSummary) -> None:
                elapsed = progress.tasks[task].elapsed or 0
                rate = f"{summary.stored / elapsed:.1f}" if elapsed > 0 else "–"
                progress.update(task, completed=done, total=total, articles=summary.stored, rate=rate)

            summary = run_pipeline(paths, store, settings=settings, overrides=overrides, stages=stages,
                                   progress=on_progress)
    _print_summary(summary, store, quiet)
    if strict and summary.errors:
        raise typer.Exit(1)
    return summary


def _print_summary(summary: RunSummary, store: Store, quiet: bool) -> None:
    if quiet:
        print(f"stored={summary.stored} unchanged={summary.unchanged} exact_duplicates={summary.duplicates_exact} "
              f"near_duplicates={summary.duplicates_near} errors={len(summary.errors)} seconds={summary.seconds}")
        for error in summary.errors:
            print(f"error: {error.path}: {error.error}: {error.message}", file=sys.stderr)
        return
    table = Table(title="Run summary", show_header=False, box=None)
    rate = summary.stored / summary.seconds if summary.seconds else 0
    rows = [("items read", summary.seen), ("stored (new or changed)", summary.stored),
            ("unchanged (skipped)", summary.unchanged), ("exact duplicates linked", summary.duplicates_exact),
            ("near-duplicates linked", summary.duplicates_near), ("not English (stored, not parsed)",
                                                                  summary.non_english)]
    rows += [(name, count) for name, count in sorted(summary.counts.items()) if count]
    rows += [("errors", len(summary.errors)), ("time", f"{summary.seconds:.1f} s ({rate:.1f} articles/s)"),
             ("store", f"{store.url} ({store.count()} articles)")]
    for name, value in rows:
        table.add_row(name, str(value))
    console.print(table)
    for error in summary.errors:
        console.print(f"[red]✗[/] {escape(error.path)}"
                      f"{escape(' [' + error.key.split('#', 1)[1] + ']') if error.key and '#' in error.key else ''}"
                      f": [bold]{error.error}[/]: {escape(error.message)}")


@app.command()
def ingest(paths: list[str] = typer.Argument(..., help="Files, folders (recursive) or globs."),
           db: str = DbOption,
           outlet: Optional[str] = typer.Option(None, help="Outlet name for files that carry none."),
           published: Optional[str] = typer.Option(None, help="Publication date YYYY-MM-DD for undated files."),
           url: Optional[str] = typer.Option(None, help="Source URL for a single file."),
           workers: int = typer.Option(0, "--workers", "-w", help="Worker processes (0 = one per core)."),
           batch_size: int = typer.Option(64, help="Articles per worker task and store transaction."),
           strict: bool = typer.Option(False, help="Exit with status 1 if any item failed."),
           quiet: bool = QuietOption) -> None:
    """Read articles (text, HTML, RSS/Atom, JSONL/JSON, WARC), clean them, link duplicates, store."""
    _ingest(paths, db, stages=INGEST_STAGES, outlet=outlet, published=published, url=url, workers=workers,
            quiet=quiet, strict=strict, batch_size=batch_size)


@app.command("run")
def run_command(paths: list[str] = typer.Argument(..., help="Files, folders (recursive) or globs."),
                db: str = DbOption,
                outlet: Optional[str] = typer.Option(None, help="Outlet name for files that carry none."),
                published: Optional[str] = typer.Option(None, help="Publication date YYYY-MM-DD."),
                url: Optional[str] = typer.Option(None, help="Source URL for a single file."),
                workers: int = typer.Option(0, "--workers", "-w", help="Worker processes (0 = one per core)."),
                batch_size: int = typer.Option(64, help="Articles per worker task and store transaction."),
                strict: bool = typer.Option(False, help="Exit with status 1 if any item failed."),
                open_browser: bool = typer.Option(False, "--open", help="Then serve the web app and open it."),
                quiet: bool = QuietOption) -> None:
    """The main job: ingest and run every processing stage, then summarise what was found."""
    _ingest(paths, db, stages=STAGES, outlet=outlet, published=published, url=url, workers=workers,
            quiet=quiet, strict=strict, batch_size=batch_size)
    if open_browser:
        from .web import serve as serve_app
        serve_app(db, open_browser=True)


@app.command()
def demo(db: str = DbOption, workers: int = typer.Option(0, "--workers", "-w"), quiet: bool = QuietOption) -> None:
    """Run the main job on the bundled sample corpus (examples/)."""
    if not EXAMPLES.is_dir():
        errors_console.print(f"[bold red]error:[/] sample corpus not found at {EXAMPLES}")
        raise typer.Exit(2)
    # examples/bad holds deliberately broken files for the tests; the demo shows the good ones.
    paths = [str(p) for p in sorted(EXAMPLES.iterdir()) if p.is_dir() and p.name not in ("bad", "tools")]
    _ingest(paths, db, stages=STAGES, outlet=None, published=None, url=None, workers=workers, quiet=quiet,
            strict=False, batch_size=64)
    if not quiet:
        console.print("\nNext: [bold]sitroom articles[/], [bold]sitroom show ID[/], "
                      "[bold]sitroom search 'ceasefire'[/], [bold]sitroom export --format jsonl[/]")


@app.command()
def serve(db: str = DbOption,
          host: str = typer.Option("127.0.0.1", help="Address to listen on (127.0.0.1 = this machine only)."),
          port: int = typer.Option(8000, help="Port."),
          allow_ingest: bool = typer.Option(False, "--allow-ingest",
                                            help="Enable the Ingest page and POST /api/ingest."),
          token: Optional[str] = typer.Option(None, envvar="SITROOM_TOKEN",
                                              help="Bearer token for ingest (generated when listening beyond "
                                                   "localhost)."),
          open_browser: bool = typer.Option(False, "--open", help="Open the browser.")) -> None:
    """Start the situation room: the web app and the HTTP API (docs/web.md)."""
    from .web import serve as serve_app
    serve_app(db, host, port, allow_ingest, token, open_browser=open_browser)


@app.command()
def backfill(sources: list[str] = typer.Argument(..., help="Files, folders or globs (archives: WARC, JSONL dumps)."),
             db: str = DbOption,
             engine: str = typer.Option("local", help="local (multiprocessing) or ray."),
             address: Optional[str] = typer.Option(None, help="Ray cluster: auto or ray://HOST:10001 "
                                                              "(default: a local Ray runtime)."),
             workers: int = typer.Option(0, "--workers", "-w", help="Worker processes / Ray actors (0 = cores)."),
             files_per_shard: int = typer.Option(32, help="Files per shard (one task each)."),
             out: Optional[str] = typer.Option(None, help="Where Parquet partitions go: a folder or an object-store "
                                                          "URL (default: backfill-parquet/<timestamp>)."),
             keep_parquet: bool = typer.Option(True, help="Keep the Parquet partitions after loading."),
             ingest_only: bool = typer.Option(False, help="Clean and store only, like `ingest`."),
             quiet: bool = QuietOption) -> None:
    """Archive backfill: process shards with the local or Ray engine into Parquet, then load in bulk."""
    from ..scale.backfill import backfill as run_backfill
    try:
        settings = Settings.from_env(db=db, workers=workers)
        store = open_store(settings.db, near_threshold=settings.near_duplicate_threshold)
        report = run_backfill(sources, store, engine=engine, settings=settings,
                              stages=INGEST_STAGES if ingest_only else STAGES, out_dir=out,
                              files_per_shard=files_per_shard, address=address, keep_parquet=keep_parquet,
                              progress=None if quiet else errors_console.print)
    except SitroomError as exc:
        _fail(exc)
    print(f"engine={report.engine} files={report.files} shards={report.shards} articles={report.articles} "
          f"stored={report.stored} unchanged={report.unchanged} errors={len(report.errors)} "
          f"stories_touched={report.stories_touched} merged_events={report.merged_events} "
          f"process_seconds={report.process_seconds} load_seconds={report.load_seconds} parquet={report.parquet}")
    for error in report.errors:
        print(f"error: {error.path}: {error.error}: {error.message}", file=sys.stderr)


@app.command("watch")
def watch_command(
        feeds_file: Path = typer.Argument(..., exists=True, dir_okay=False,
                                          help="FEEDS.txt: one feed or article URL per line, # comments."),
        db: str = DbOption,
        every: str = typer.Option("15m", "--every", help="Poll interval: 30s, 15m, 1h, 1h30m."),
        once: bool = typer.Option(False, "--once", help="One pass, then exit (for cron)."),
        fetch_pages: bool = typer.Option(False, "--fetch-pages",
                                         help="Fetch the article page of summary-only feed items."),
        allow_private: bool = typer.Option(False, "--allow-private",
                                           help="Allow private, loopback and link-local addresses (intranet)."),
        state: Optional[Path] = typer.Option(None, "--state", help="State file (default: <db>.watch.json)."),
        ingest_only: bool = typer.Option(False, "--ingest-only", help="Clean and store only, like `ingest`."),
        strict: bool = typer.Option(False, help="With --once: exit with status 1 if any URL failed."),
        quiet: bool = QuietOption) -> None:
    """Poll live RSS/Atom feeds (and article pages) listed in FEEDS.txt into the store."""
    from ..watch import default_state_path, parse_duration, report_lines
    from ..watch import watch as watch_feeds
    try:
        parse_duration(every)  # a bad --every fails before anything is opened
        settings = Settings.from_env(db=db)
        store = open_store(settings.db, near_threshold=settings.near_duplicate_threshold)

        def show(report) -> None:
            lines = report_lines(report)
            for line in (lines[-1:] if quiet and not report.failing else lines):
                if quiet:
                    print(line)
                else:
                    console.print(escape(line), soft_wrap=True)

        last = watch_feeds(str(feeds_file), store, every=every, once=once,
                           state_path=state or default_state_path(settings.db), allow_private=allow_private,
                           settings=settings, stages=INGEST_STAGES if ingest_only else STAGES,
                           fetch_pages=fetch_pages, on_report=show)
    except SitroomError as exc:
        _fail(exc)
    if strict and last.failing:
        raise typer.Exit(1)


@app.command("import")
def import_command(path: Path = typer.Argument(..., exists=True, dir_okay=False, help="A sitroom JSONL export."),
                   db: str = DbOption) -> None:
    """Load a sitroom JSONL export into a store as is (no re-processing)."""
    store = _store(db)
    try:
        with path.open(encoding="utf-8") as handle:
            articles = list(exporting.read_export(handle))
    except (ValueError, KeyError) as exc:
        errors_console.print(f"[bold red]error:[/] {path} is not a sitroom JSONL export ({exc})")
        raise typer.Exit(2)
    result = store.put_batch([(a, "import") for a in articles], "import")
    console.print(f"imported {result.stored} articles into {store.url}")


@app.command("export")
def export_command(db: str = DbOption,
                   fmt: str = typer.Option("jsonl", "--format", "-f", help="json, jsonl, csv, parquet, or plover (one PLOVER record per event)."),
                   output: Optional[Path] = typer.Option(None, "--output", "-o", help="File (default: stdout)."),
                   table: str = typer.Option("articles", help="For csv/parquet: articles, actors, events, quotes, "
                                                               "figures or times."),
                   no_duplicates: bool = typer.Option(False, help="Leave out linked duplicates.")) -> None:
    """Export articles and their records."""
    store = _store(db)
    try:
        count = exporting.write(store, fmt, output if output else sys.stdout, table=table,
                                include_duplicates=not no_duplicates)
    except SitroomError as exc:
        _fail(exc)
    if output:
        errors_console.print(f"wrote {count} {'articles' if fmt in ('json', 'jsonl') else 'rows'} to {output}")


@app.command()
def schema() -> None:
    """Print the JSON Schema of an exported article."""
    print(json.dumps(exporting.export_schema(), indent=2))


@app.command()
def articles(db: str = DbOption, limit: int = typer.Option(50, help="How many rows."),
             offset: int = typer.Option(0), genre: Optional[str] = typer.Option(None),
             outlet: Optional[str] = typer.Option(None),
             no_duplicates: bool = typer.Option(False, help="Only canonical articles.")) -> None:
    """List stored articles."""
    store = _store(db)
    table = Table("published", "outlet", "genre", "lang", "title", "dup of", "ev", "q", "fig")
    table.columns.insert(0, Column("id", no_wrap=True, min_width=10))
    for article in store.articles(limit=limit, offset=offset, genre=genre, outlet=outlet,
                                  include_duplicates=not no_duplicates):
        table.add_row(article.id[:10], str(article.published or "–"), escape(article.outlet or "–"), article.genre,
                      article.language or "?", escape((article.title or article.text[:60])[:70]),
                      (article.duplicate_of or "")[:10], str(len(article.events)), str(len(article.quotes)),
                      str(len(article.figures)))
    console.print(table)


def highlighted_text(article: Article) -> Text:
    text = Text(article.text)
    for mention in article.mentions:
        text.stylize(LABEL_STYLES.get(mention.label, "bold"), mention.start, mention.end)
    return text


@app.command()
def show(article_id: str = typer.Argument(..., help="Article id (or a unique prefix of 6+ characters)."),
         db: str = DbOption, as_json: bool = typer.Option(False, "--json", help="Print the export JSON.")) -> None:
    """One article with its records, entities highlighted."""
    store = _store(db)
    try:
        article = store.get(article_id)
    except SitroomError as exc:
        _fail(exc)
    if as_json:
        print(json.dumps(article.to_export(), ensure_ascii=False, indent=2))
        return
    head = Table.grid(padding=(0, 2))
    for name, value in (("id", article.id), ("outlet", article.outlet), ("published", article.published),
                        ("url", article.url), ("path", article.path), ("genre", article.genre),
                        ("language", article.language), ("duplicate of", article.duplicate_of)):
        if value:
            head.add_row(f"[dim]{name}[/]", escape(str(value)))
    console.print(Panel(head, title=escape(article.title or "(no headline)"), title_align="left"))
    console.print(highlighted_text(article))
    legend = "  ".join(f"[{style}]{label}[/]" for label, style in LABEL_STYLES.items())
    console.print(f"\n[dim]entities:[/] {legend}")
    for dup in store.duplicates_of(article.id):
        console.print(f"[dim]reprint ({dup['duplicate_kind']}):[/] {dup['id'][:10]} {escape(dup['outlet'] or '')} "
                      f"{dup['published'] or ''}")
    if article.removed:
        console.print("\n[bold]Removed by cleaning[/]")
        for removal in article.removed:
            console.print(f"  [dim]{removal.rule}:[/] {escape(removal.text[:120])}")
    _print_records(article)


def _print_records(article: Article) -> None:
    if article.events:
        console.print("\n[bold]Events[/]")
        for event in article.events:
            who = ", ".join(a.text for a in event.source) or "–"
            whom = ", ".join(a.text for a in event.target) or "–"
            console.print(f"  [bold]{event.type}[/] {event.cameo or ''} [dim]{event.modality}, "
                          f"{escape(who)} → {escape(whom)}, {event.date or 'report date'}, {event.rule}[/]")
            console.print(Text("    ").append(_event_sentence(event)))
    if article.actors:
        console.print("\n[bold]Actors[/]")
        for actor in article.actors:
            console.print(f"  {escape(actor.name)} [dim]{actor.id} {actor.country or ''} {actor.sector or ''} "
                          f"×{len(actor.mentions)}[/]")
    for name in ("quotes", "figures", "times"):
        records = getattr(article, name)
        if records:
            console.print(f"\n[bold]{name.capitalize()}[/]")
            for record in records:
                console.print(f"  {escape(_one_line(record))}")


def _one_line(record: Any) -> str:
    data = record.model_dump(exclude_none=True, exclude={"id", "start", "end", "sentence"})
    return ", ".join(f"{k}={v}" for k, v in data.items() if v not in ([], "", None))[:240]


def _page_note(total: int, shown: int, offset: int) -> None:
    if total > shown:
        console.print(f"[dim]{shown} of {total} (--offset {offset + shown} for more)[/]")


@app.command()
def events(db: str = DbOption,
           actor: Optional[str] = typer.Option(None, help="Actor id (e.g. RUS.PUTIN, RUSMIL, UKR) as source or "
                                                          "target."),
           role: str = typer.Option("any", help="With --actor: source, target or any."),
           event_type: Optional[str] = typer.Option(None, "--type", help="PLOVER type, e.g. ASSAULT, AGREE."),
           modality: Optional[str] = typer.Option(None, help="asserted, negated, hypothetical, planned, "
                                                             "recommended or reported."),
           since: Optional[str] = typer.Option(None, help="Event date from (2025, 2025-03, 2025-03-11)."),
           until: Optional[str] = typer.Option(None, help="Event date up to (inclusive prefix)."),
           sort: str = typer.Option("date", help="date, -date, type, confidence, -confidence, published."),
           limit: int = typer.Option(50), offset: int = typer.Option(0),
           as_json: bool = typer.Option(False, "--json", help="One JSON object per event.")) -> None:
    """Coded events (PLOVER type, CAMEO code, modality) with filters."""
    from ..store import queries
    store = _store(db)
    try:
        total, rows = queries.events(store, actor=actor, role=role, type=event_type, modality=modality,
                                     date_from=since, date_to=until, sort=sort, limit=limit, offset=offset)
    except SitroomError as exc:
        _fail(exc)
    if as_json:
        for row in rows:
            print(json.dumps({**row["event"].model_dump(mode="json"), "article_id": row["article_id"],
                              "outlet": row["outlet"], "published": row["published"]}, ensure_ascii=False))
        return
    table = Table("date", "type", "modality", "source", "target", "sentence", "outlet", "conf")
    for row in rows:
        event = row["event"]
        table.add_row(event.date or f"({row['published'] or '?'})", f"{event.type} {event.cameo or ''}",
                      event.modality, escape(", ".join(a.text for a in event.source) or "–"),
                      escape(", ".join(a.text for a in event.target) or "–"), _event_sentence(event),
                      escape(row["outlet"] or ""), f"{event.confidence:.2f}")
    console.print(table)
    _page_note(total, len(rows), offset)


def _event_sentence(event) -> Text:
    """The event's sentence with its trigger in bold (offsets are relative to the article)."""
    sentence = Text(" ".join(event.text.split())[:400])
    if event.trigger:
        start = event.text.find(event.trigger.text, max(0, event.trigger.start - event.start))
        if start >= 0:
            before = len(" ".join(event.text[:start].split())) + (1 if start and event.text[start - 1].isspace()
                                                                  else 0)
            sentence.stylize("bold yellow", before, before + len(event.trigger.text))
    return sentence


@app.command()
def actors(db: str = DbOption, q: Optional[str] = typer.Option(None, help="Part of a name or id."),
           country: Optional[str] = typer.Option(None, help="ISO 3166 alpha-3, e.g. RUS."),
           sector: Optional[str] = typer.Option(None, help="GOV, MIL, IGO, MED, ..."),
           sort: str = typer.Option("mentions", help="mentions, articles or name."),
           limit: int = typer.Option(50), offset: int = typer.Option(0)) -> None:
    """Actors with the number of articles and mentions they have."""
    from ..store import queries
    store = _store(db)
    try:
        total, rows = queries.actors(store, q=q, country=country, sector=sector, sort=sort, limit=limit,
                                     offset=offset)
    except SitroomError as exc:
        _fail(exc)
    table = Table("id", "name", "country", "sector", "articles", "mentions")
    for row in rows:
        table.add_row(escape(row["id"]), escape(row["name"]), row.get("country") or "–", row.get("sector") or "–",
                      str(row["articles"]), str(row["mentions"]))
    console.print(table)
    _page_note(total, len(rows), offset)


@app.command()
def quotes(db: str = DbOption,
           speaker: Optional[str] = typer.Option(None, help="Actor id, or part of the speaker's name as written."),
           kind: Optional[str] = typer.Option(None, help="direct, partial or indirect."),
           q: Optional[str] = typer.Option(None, help="Words in the quote."),
           limit: int = typer.Option(50), offset: int = typer.Option(0),
           as_json: bool = typer.Option(False, "--json", help="One JSON object per quote.")) -> None:
    """Quotes and reported speech with their speakers and sources."""
    from ..store import queries
    store = _store(db)
    total, rows = queries.quotes(store, speaker=speaker, kind=kind, q=q, limit=limit, offset=offset)
    if as_json:
        _print_json_records(rows)
        return
    for row in rows:
        quote = row["record"]
        who = quote.speaker_text or "(unattributed)"
        actor = f" [dim]{escape(quote.speaker_actor)}[/]" if quote.speaker_actor else ""
        console.print(f"[bold]{escape(who)}[/]{actor} {escape(quote.cue or '')} [dim]({quote.kind}; "
                      f"{escape(row['outlet'] or '?')}, {row['published'] or 'undated'}, {row['article_id'][:10]})[/]")
        console.print(Text("    " + " ".join(quote.text.split())[:500]))
    _page_note(total, len(rows), offset)


def _print_json_records(rows: list[dict]) -> None:
    for row in rows:
        print(json.dumps({**row["record"].model_dump(mode="json"), "article_id": row["article_id"],
                          "outlet": row["outlet"], "published": row["published"]}, ensure_ascii=False))


def _number(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.3g}"


@app.command()
def figures(db: str = DbOption,
            counted: Optional[str] = typer.Option(None, help="A category (casualties, territory, money, weapons, "
                                                             "duration, rate, people) or words of what is counted."),
            q: Optional[str] = typer.Option(None, help="Words in the figure's record."),
            limit: int = typer.Option(50), offset: int = typer.Option(0),
            as_json: bool = typer.Option(False, "--json", help="One JSON object per figure.")) -> None:
    """Numeric figures (casualties, territory, money, ...) with who claims them."""
    from ..store import queries
    store = _store(db)
    categories = set(queries.category_counts(store))
    category = counted if counted in categories else None
    text_query = q or (counted if counted and category is None else None)
    total, rows = queries.figures(store, category=category, q=text_query, limit=limit, offset=offset)
    if as_json:
        _print_json_records(rows)
        return
    table = Table("figure", "value", "unit", "counted", "category", "claimed by", "when", "source")
    for row in rows:
        figure = row["record"]
        value = (f"{_number(figure.low)}–{_number(figure.high)}"
                 if figure.low is not None and figure.high is not None
                 else _number(figure.value) if figure.value is not None else "?")
        table.add_row(escape(figure.text), ("~" if figure.approximate else "") + value, figure.unit or "",
                      escape(figure.counted or ""), figure.category or "", escape(figure.claimant_text or "–"),
                      escape(figure.time_ref or ""), escape(f"{row['outlet'] or '?'} {row['published'] or ''}"))
    console.print(table)
    _page_note(total, len(rows), offset)


@app.command()
def stories(db: str = DbOption, since: Optional[str] = typer.Option(None, help="Stories active since (YYYY-MM-DD)."),
            limit: int = typer.Option(30), as_json: bool = typer.Option(False, "--json")) -> None:
    """Stories: groups of articles about one unfolding story, with their outlets and dates."""
    store = _store(db)
    found = store.stories(limit=limit, since=since)
    if as_json:
        for story in found:
            print(story.model_dump_json())
        return
    table = Table("story", "articles", "dates", "outlets", "label")
    for story in found:
        span = f"{story.first_date or '?'} – {story.last_date or '?'}"
        table.add_row(story.id, str(len(story.articles)), span, escape(", ".join(story.outlets[:3])),
                      escape(story.label))
    console.print(table)


@app.command()
def recluster(db: str = DbOption,
              story: Optional[list[str]] = typer.Option(None, help="Only this story (id or prefix); repeatable."),
              merge_threshold: Optional[float] = typer.Option(
                  None, min=0.0, max=1.0, help="Mean pair probability two groups of mentions need to become one "
                  "merged event: higher gives smaller, purer events (default: SITROOM_MERGE_THRESHOLD or 0.55)."),
              semantic: Optional[bool] = typer.Option(
                  None, "--semantic/--no-semantic", help="Contextual trigger vectors (the semantic extra; "
                  "default: SITROOM_SEMANTIC)."),
              quiet: bool = QuietOption) -> None:
    """Re-cluster the merged events of whole stories with the current (or given) settings."""
    from ..crossdoc.update import recluster as recluster_stories
    settings = Settings.from_env(db=db, merge_threshold=merge_threshold, semantic=semantic)
    store = open_store(settings.db, near_threshold=settings.near_duplicate_threshold)
    try:
        report = recluster_stories(store, story or None, merge_threshold=settings.merge_threshold,
                                   semantic=settings.semantic)
    except SitroomError as exc:
        _fail(exc)
    if not quiet:
        console.print(f"{report.stories_touched} stories: {report.merged_events_replaced} merged events replaced by "
                      f"{report.merged_events} (threshold {settings.merge_threshold}"
                      f"{', semantic' if settings.semantic else ''})")


@app.command()
def timeline(db: str = DbOption, story: Optional[str] = typer.Option(None, help="A story id (see `sitroom stories`)."),
             actor: Optional[str] = typer.Option(None, help="An actor id, as source or target."),
             with_actor: Optional[str] = typer.Option(None, "--with", help="With --actor: events between the two."),
             since: Optional[str] = typer.Option(None, help="From this date (YYYY, YYYY-MM or YYYY-MM-DD)."),
             include_negated: bool = typer.Option(False, help="Also show what did not happen."),
             as_json: bool = typer.Option(False, "--json")) -> None:
    """Merged events in time order, with event date kept apart from report date, and their sources."""
    if not story and not actor:
        errors_console.print("[bold red]error:[/] give --story or --actor")
        raise typer.Exit(2)
    store = _store(db)
    try:
        story_id = store.story(story).id if story else None
    except SitroomError as exc:
        _fail(exc)
    events = [e for e in store.merged_events(story=story_id, actor=actor, other=with_actor, since=since)
              if include_negated or e.modality != "negated"]
    if as_json:
        for event in events:
            print(event.model_dump_json())
        return
    table = Table("event date", "reported", "type", "modality", "who → whom", "what (earliest report)", "sources")
    for event in events:
        mark = {"planned": "⏭ planned", "hypothetical": "? hypothetical", "negated": "✗ negated",
                "recommended": "recommended"}.get(event.modality or "", event.modality or "")
        reported = f"{event.first_report or '?'}" + (f"…{event.last_report}" if event.last_report and
                                                        event.last_report != event.first_report else "")
        table.add_row(event.event_date or "–", reported, event.type or "?", mark,
                      escape(f"{', '.join(event.source[:2]) or '–'} → {', '.join(event.target[:2]) or '–'}"),
                      escape(" ".join(event.text.split())[:220]),
                      f"{event.independent_sources} ({escape(', '.join(event.outlets[:3]))})")
    console.print(table)
    if not events:
        console.print("no events")


@app.command()
def brief(db: str = DbOption, story: Optional[str] = typer.Option(None, help="Only this story (id or prefix)."),
          since: Optional[str] = typer.Option(None, help="Only articles from this date (YYYY-MM-DD)."),
          previous: Optional[str] = typer.Option(None, help="Date of the last briefing: what came after is "
                                                            "marked new."),
          fmt: str = typer.Option("md", "--format", "-f", help="md or html."),
          output: Optional[Path] = typer.Option(None, "--output", "-o", help="File (default: stdout).")) -> None:
    """A cited briefing: key developments, positions, figures and disputes, what changed."""
    from ..crossdoc.brief import full_briefing, render
    store = _store(db)
    since_day, previous_day = _day(since, "--since"), _day(previous, "--previous")
    try:
        text = render(full_briefing(store, story=story, since=since_day, previous=previous_day), fmt)
    except SitroomError as exc:
        _fail(exc)
    if output:
        output.write_text(text, encoding="utf-8")
        errors_console.print(f"wrote the briefing to {output}")
    else:
        print(text)


@app.command()
def positions(db: str = DbOption, actor: Optional[str] = typer.Option(None, help="Actor id (e.g. RUSGOV, RUS.PUTIN) "
                                                                                 "or, with --by-country, RUS."),
              by_country: bool = typer.Option(False, help="Group actors by country (RUS.PUTIN and RUSGOV → RUS)."),
              since: Optional[str] = typer.Option(None, help="Only evidence from this date (YYYY-MM-DD)."),
              issues_file: Optional[Path] = typer.Option(None, "--issues", help="Issues YAML (default: the "
                                                                                  "packaged sitroom/data/issues.yaml)."),
              as_json: bool = typer.Option(False, "--json")) -> None:
    """What each party demands, offers, accepts and rejects, per negotiation issue, and when that changed."""
    from ..crossdoc.positions import stored_positions
    store = _store(db)
    since_day = _day(since, "--since")
    try:
        found = stored_positions(store, actor=actor, since=since_day, by_country=by_country, issues_path=issues_file)
    except SitroomError as exc:
        _fail(exc)
    if as_json:
        for position in found:
            print(position.model_dump_json())
        return
    table = Table("actor", "issue", "stance", "since → last", "changed", "latest statement", "evidence")
    for p in found:
        changed = f"from {p.changed_from} on {p.changed_on}" if p.changed_from else ""
        table.add_row(escape(f"{p.actor_name} ({p.actor_id})"), p.issue, p.stance,
                      f"{p.first_seen or '?'} → {p.last_seen or '?'}", changed,
                      escape(" ".join(p.statement.split())[:200]), str(len(p.evidence)))
    console.print(table)
    if not found:
        console.print("no positions found")


@app.command()
def disputes(db: str = DbOption, kind: Optional[str] = typer.Option(None, help="figure, title, agree_reject or "
                                                                               "unattributed."),
             as_json: bool = typer.Option(False, "--json")) -> None:
    """Contradictions between sources: disagreeing figures, stale titles, agree-and-reject, unattributed claims."""
    from ..crossdoc.disputes import stored_disputes
    store = _store(db)
    found = [d for d in stored_disputes(store) if kind is None or d.kind == kind]
    if as_json:
        for dispute in found:
            print(dispute.model_dump_json())
        return
    for dispute in found:
        colour = {"high": "red", "medium": "yellow", "low": "dim"}[dispute.severity]
        console.print(f"[{colour}]{dispute.severity}[/] [bold]{dispute.kind}[/] {escape(dispute.explanation)}")
        for evidence in dispute.evidence:
            console.print(Text(f"    {evidence.outlet or '?'}, {evidence.published or 'undated'} "
                               f"({evidence.article_id[:10]}): ").append(" ".join(evidence.text.split())[:220]))
    if not found:
        console.print("no disputes found")


@app.command()
def search(query: str = typer.Argument(..., help='Words, "phrases", OR, NOT, prefix*.'), db: str = DbOption,
           limit: int = typer.Option(20)) -> None:
    """Full-text search over articles, with snippets."""
    store = _store(db)
    try:
        hits = store.search(query, limit=limit)
    except SitroomError as exc:
        _fail(exc)
    if not hits:
        console.print("no matches")
    for hit in hits:
        console.print(f"[bold]{hit['id'][:10]}[/] {escape(hit['title'] or '')} [dim]{escape(hit['outlet'] or '')} "
                      f"{hit['published'] or ''}[/]")
        console.print(Text("    ").append(snippet_text(hit["snippet"])))


def snippet_text(snippet: str) -> Text:
    """The store marks matches with control characters; style them, never parse markup from data."""
    text = Text()
    for i, part in enumerate(snippet.replace(MATCH_END, MATCH_START).split(MATCH_START)):
        text.append(part, style="bold yellow" if i % 2 else None)
    return text


@app.command()
def stats(db: str = DbOption, as_json: bool = typer.Option(False, "--json")) -> None:
    """Counts: articles, duplicates, genres, languages, outlets, records, errors."""
    store = _store(db)
    data = store.stats()
    if as_json:
        print(json.dumps(data, indent=2, default=str))
        return
    table = Table("what", "count", title=f"{store.url}")
    for key, value in data.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}: {v}" for k, v in list(value.items())[:8]) or "–"
        elif isinstance(value, list):
            value = " – ".join(str(v) for v in value)
        table.add_row(key, escape(str(value)))
    console.print(table)
    recent = store.recent_errors(5)
    if recent:
        console.print("[bold]Recent errors[/]")
        for error in recent:
            console.print(f"  {escape(error['path'])}: {error['error']}: {escape(error['message'])}")


def main() -> None:
    try:
        app()
    except SitroomError as exc:
        errors_console.print(f"[bold red]error:[/] {escape(str(exc))}")
        sys.exit(2)


if __name__ == "__main__":
    main()
