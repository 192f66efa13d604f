#!/usr/bin/env python3
"""Body extraction on the article-extraction-benchmark (181 real pages), scored by the
official ../shared/eval/score_extraction.py, with plain trafilatura run in the same run.

sitroom's text is what the clean stage stores as the body: trafilatura in precision mode
(recall mode where that goes wrong), then the junk rules (interstitials, promos, captions,
related-story blocks, the article's trailer of credits and contact lines, ...). The headline
goes to the article's title, not its body, as in the benchmark's gold. Usage:

    python bench/bench_extraction.py [--json OUT.json]

Prints the scorer's table with rows: sitroom, trafilatura (run now, default options), and
the benchmark's precomputed AutoExtract output for reference, and each system's time
per page (wall clock and CPU: the CPU time is the steadier one on a shared machine).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

import trafilatura

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from sitroom.clean import clean  # noqa: E402
from sitroom.errors import SitroomError  # noqa: E402
from sitroom.models import RawItem  # noqa: E402
from sitroom.stage import Context  # noqa: E402

SHARED = REPO.parent / "shared"
CORPUS = SHARED / "corpora" / "article-extraction-benchmark"
GOLD = CORPUS / "ground-truth.json"
SCORER = SHARED / "eval" / "score_extraction.py"
OUT = REPO / "bench" / "out"


def corpus_hash() -> str:
    """sha256 of ground-truth.json: the gate's floor holds for this corpus only."""
    return hashlib.sha256(GOLD.read_bytes()).hexdigest()


def pages() -> list[tuple[str, str]]:
    return [(path.name.split(".")[0], gzip.open(path, "rt", encoding="utf-8").read())
            for path in sorted((CORPUS / "html").glob("*.html.gz"))]


def sitroom_body(page_id: str, html: str, ctx: Context) -> str:
    """What the stage stores as the body (the headline goes to `title`, rule "headline-repeat";
    the benchmark's gold bodies leave the headline out too)."""
    try:
        article = clean(RawItem(key=page_id, path=page_id, format="html", text=html, is_html=True), ctx)
    except SitroomError:
        return ""
    return article.text


def trafilatura_body(html: str) -> str:
    return trafilatura.extract(html, include_comments=False) or ""


def run_systems(out_dir: Path = OUT, quiet: bool = False) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    data = pages()
    ctx = Context()
    systems = {"sitroom": lambda page_id, html: sitroom_body(page_id, html, ctx),
               "trafilatura": lambda _page_id, html: trafilatura_body(html)}
    files = {}
    for name, extract in systems.items():
        wall, cpu = time.perf_counter(), time.process_time()
        output = {page_id: {"articleBody": extract(page_id, html)} for page_id, html in data}
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        files[name] = out_dir / f"{name}.json"
        files[name].write_text(json.dumps({"version": name, "output": output}, ensure_ascii=False))
        if not quiet:
            print(f"{name}: {len(data)} pages in {wall:.1f} s ({wall / len(data) * 1000:.0f} ms/page wall, "
                  f"{cpu / len(data) * 1000:.0f} ms/page CPU)")
    return files


def score(files: list[Path], json_out: Path | None = None, bootstrap: int | None = None) -> str:
    command = [sys.executable, str(SCORER), *map(str, files)]
    if json_out:
        command += ["--json", str(json_out)]
    if bootstrap is not None:
        command += ["--bootstrap", str(bootstrap)]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, help="also write the metrics as JSON")
    args = parser.parse_args()
    print(f"trafilatura {version('trafilatura')}, sitroom clean stage; corpus sha256 {corpus_hash()[:16]}")
    files = run_systems()
    autoextract = OUT / "AutoExtract.json"
    autoextract.write_text((CORPUS / "baseline-output" / "AutoExtract.json").read_text())
    print(score([files["sitroom"], files["trafilatura"], autoextract], args.json))


if __name__ == "__main__":
    main()
