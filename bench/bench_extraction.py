#!/usr/bin/env python3
"""Body extraction on the article-extraction-benchmark (181 real pages), scored by the
official ../shared/eval/score_extraction.py, with plain trafilatura run in the same run.

sitroom's text is what the clean stage stores: trafilatura's body, then the junk
rules (interstitials, promos, captions, share lines, ...). Usage:

    python bench/bench_extraction.py [--json OUT.json]

Prints the scorer's table with rows: sitroom, trafilatura (run now), and the
benchmark's precomputed AutoExtract output for reference.
"""

from __future__ import annotations

import argparse
import gzip
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
SCORER = SHARED / "eval" / "score_extraction.py"
OUT = REPO / "bench" / "out"


def pages() -> list[tuple[str, str]]:
    return [(path.name.split(".")[0], gzip.open(path, "rt", encoding="utf-8").read())
            for path in sorted((CORPUS / "html").glob("*.html.gz"))]


def sitroom_body(page_id: str, html: str, ctx: Context) -> str:
    try:
        article = clean(RawItem(key=page_id, path=page_id, format="html", text=html, is_html=True), ctx)
    except SitroomError:
        return ""
    # The benchmark's body includes the headline when the page repeats it; the
    # stage moves it to `title`, so put it back for a like-for-like comparison.
    repeated = next((r for r in article.removed if r.rule == "headline-repeat"), None)
    return f"{repeated.text}\n\n{article.text}" if repeated else article.text


def run_systems() -> dict[str, Path]:
    OUT.mkdir(parents=True, exist_ok=True)
    data = pages()
    ctx = Context()
    outputs: dict[str, dict] = {"sitroom": {}, "trafilatura": {}}
    timings = {}
    started = time.perf_counter()
    for page_id, html in data:
        outputs["trafilatura"][page_id] = {"articleBody": trafilatura.extract(html, include_comments=False) or ""}
    timings["trafilatura"] = time.perf_counter() - started
    started = time.perf_counter()
    for page_id, html in data:
        outputs["sitroom"][page_id] = {"articleBody": sitroom_body(page_id, html, ctx)}
    timings["sitroom"] = time.perf_counter() - started
    files = {}
    for name, output in outputs.items():
        files[name] = OUT / f"{name}.json"
        files[name].write_text(json.dumps({"version": name, "output": output}, ensure_ascii=False))
        print(f"{name}: {len(data)} pages in {timings[name]:.1f} s "
              f"({timings[name] / len(data) * 1000:.0f} ms/page)")
    return files


def score(files: list[Path], json_out: Path | None = None) -> str:
    command = [sys.executable, str(SCORER), *map(str, files)]
    if json_out:
        command += ["--json", str(json_out)]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", type=Path, help="also write the metrics as JSON")
    args = parser.parse_args()
    print(f"trafilatura {version('trafilatura')}, sitroom clean stage")
    files = run_systems()
    autoextract = OUT / "AutoExtract.json"
    autoextract.write_text((CORPUS / "baseline-output" / "AutoExtract.json").read_text())
    print(score([files["sitroom"], files["trafilatura"], autoextract], args.json))


if __name__ == "__main__":
    main()
