"""Benchmark: numeric figures (sitroom.extract.figures) against hand-annotated gold, with quantulum3.

Gold: ``bench/gold/figures.jsonl``, one figure a line::

    {"file": "examples/text/x.txt", "text": "more than 400", "occurrence": 1,
     "value": 400, "unit": "drones", "category": "weapons",
     "claimant": "Ukraine's air force", "approximate": true}

``low``/``high`` replace ``value`` for ranges. ``occurrence`` (default 1) says which
whole-word occurrence of ``text`` in the file is meant, so every gold figure has exact
character offsets. A file annotated as having no figures has one line with ``"text": null``.
Only the files named in the gold are scored. Each is parsed whole, without the cleaning
stage, so offsets are those of the text ``read_source`` returns: a .txt file as is, an HTML
page through ``trafilatura.extract`` (the extractor the cleaning stage uses),
``dumps/x.jsonl#n`` the body (``maintext`` or ``text``) of its n-th record.

Matching: a prediction matches a gold figure *strictly* when their character spans are
equal, *leniently* when they overlap (each gold and prediction matched at most once).
Attribute accuracies (value, unit, category, claimant, approximate) are over lenient
matches. Value: equal within 2% (ranges: both ends). Claimant: both none, or one text
contains the other (case-insensitive, leading "the" dropped).

Peer: quantulum3 0.10.0 ``parser.parse`` on the same texts. Its bundled unit classifier was
pickled with an older scikit-learn and fails to load, so it is retrained here first
(``quantulum3.classifier.train_classifier``, ~6 s) into ``bench/out/``.

Usage: ``python bench/bench_figures.py [--no-peer] [--errors]``
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Optional

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

GOLD = REPO / "bench" / "gold" / "figures.jsonl"
OUT = REPO / "bench" / "out"
VALUE_TOLERANCE = 0.02
# Gold units that measure something (as opposed to counted nouns): the only units a
# generic quantity parser can be expected to find.
MEASUREMENT_UNITS = {"USD", "EUR", "GBP", "RUB", "UAH", "CNY", "percent", "percentage points",
                     "fraction", "km2", "sq mi", "ha", "km", "mi", "m", "years", "months",
                     "weeks", "days", "hours", "decades", "times"}
# quantulum3 unit names mapped to sitroom's, so that unit accuracy compares like with like.
PEER_UNITS = {"dollar": "USD", "united states dollar": "USD", "euro": "EUR",
              "pound sterling": "GBP", "russian ruble": "RUB", "percentage": "percent",
              "year": "years", "month": "months", "week": "weeks", "day": "days", "hour": "hours",
              "decade": "decades", "kilometre": "km", "mile": "mi", "metre": "m",
              "square kilometre": "km2", "square mile": "sq mi", "hectare": "ha"}


@dataclass
class Item:
    """A gold or predicted figure with character offsets into its file."""

    file: str
    start: int
    end: int
    text: str
    value: Optional[float] = None
    low: Optional[float] = None
    high: Optional[float] = None
    unit: Optional[str] = None
    category: Optional[str] = None
    claimant: Optional[str] = None
    approximate: Optional[bool] = None


def _locate(text: str, needle: str, occurrence: int) -> tuple[int, int]:
    pattern = re.compile(r"(?<![\w$€£])" + r"\s+".join(map(re.escape, needle.split())) + r"(?!\w)")
    matches = list(pattern.finditer(text))
    if len(matches) < occurrence:
        raise ValueError(f"gold text {needle!r} occurrence {occurrence} not found")
    match = matches[occurrence - 1]
    return match.start(), match.end()


def read_source(name: str) -> str:
    """The plain text of a gold file name: a .txt file as is, an HTML page through
    trafilatura (the cleaning stage's extractor), ``x.jsonl#n`` the body of the n-th record."""
    path, _, record = name.partition("#")
    full = REPO / path
    if record:
        row = json.loads(full.read_text(encoding="utf-8").splitlines()[int(record) - 1])
        return row.get("maintext") or row.get("text") or ""
    if full.suffix in (".html", ".htm"):
        import trafilatura

        return trafilatura.extract(full.read_text(encoding="utf-8"), include_comments=False) or ""
    return full.read_text(encoding="utf-8")


def load_gold(path: Path = GOLD) -> tuple[dict[str, str], list[Item]]:
    """Texts of the annotated files and the gold figures located in them."""
    texts: dict[str, str] = {}
    items: list[Item] = []
    for line_no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        file = row["file"]
        if file not in texts:
            texts[file] = read_source(file)
        if row.get("text") is None:
            continue
        try:
            start, end = _locate(texts[file], row["text"], row.get("occurrence", 1))
        except ValueError as exc:
            raise ValueError(f"{path.name}:{line_no}: {exc}") from None
        items.append(Item(file, start, end, row["text"], row.get("value"), row.get("low"),
                          row.get("high"), row.get("unit"), row.get("category"),
                          row.get("claimant"), row.get("approximate", False)))
    return texts, items


def predict_sitroom(texts: dict[str, str]) -> list[Item]:
    from sitroom.extract.figures import find_figures
    from sitroom.nlp import load_nlp

    nlp = load_nlp()
    items = []
    for file, text in texts.items():
        for f in find_figures(nlp(text)):
            items.append(Item(file, f.start, f.end, f.text, f.value, f.low, f.high, f.unit,
                              f.category, f.claimant_text, f.approximate))
    return items


def predict_quantulum(texts: dict[str, str]) -> list[Item]:
    from quantulum3 import classifier, parser

    OUT.mkdir(parents=True, exist_ok=True)
    model = OUT / "quantulum3_clf.joblib"
    if not model.exists():
        classifier.train_classifier(store=True, output_path=str(model), n_jobs=1)
    items = []
    for file, text in texts.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            quantities = parser.parse(text, classifier_path=str(model))
        for q in quantities:
            start, end = q.span
            low = high = value = None
            if q.uncertainty:
                low, high = q.value - q.uncertainty, q.value + q.uncertainty
            else:
                value = q.value
            unit = PEER_UNITS.get(q.unit.name)
            items.append(Item(file, start, end, text[start:end], value, low, high, unit))
    return items


def _match(gold: list[Item], pred: list[Item], strict: bool) -> list[tuple[Item, Item]]:
    pairs, used = [], set()
    for g in gold:
        best = None
        for k, p in enumerate(pred):
            if k in used or p.file != g.file:
                continue
            if strict and (p.start, p.end) != (g.start, g.end):
                continue
            overlap = min(p.end, g.end) - max(p.start, g.start)
            if overlap > 0 and (best is None or overlap > best[0]):
                best = (overlap, k)
        if best is not None:
            used.add(best[1])
            pairs.append((g, pred[best[1]]))
    return pairs


def _close(a: Optional[float], b: Optional[float]) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= VALUE_TOLERANCE * max(abs(a), abs(b), 1e-9)


def value_correct(g: Item, p: Item) -> bool:
    if g.value is not None:
        return _close(g.value, p.value)
    return _close(g.low, p.low) and _close(g.high, p.high)


def _claim_key(text: Optional[str]) -> Optional[str]:
    if text is None:
        return None
    return re.sub(r"^the\s+", "", " ".join(text.lower().split()))


def claimant_correct(g: Item, p: Item) -> bool:
    gk, pk = _claim_key(g.claimant), _claim_key(p.claimant)
    if gk is None or pk is None:
        return gk is None and pk is None
    return gk in pk or pk in gk


def _prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def _share(pairs: list[tuple[Item, Item]], ok) -> float:
    return sum(1 for g, p in pairs if ok(g, p)) / len(pairs) if pairs else 0.0


def score(gold: list[Item], pred: list[Item], attributes: bool = True) -> dict[str, Any]:
    """Detection P/R/F1 (strict and lenient) and attribute accuracies over lenient matches."""
    strict = _match(gold, pred, strict=True)
    lenient = _match(gold, pred, strict=False)
    measured = [(g, p) for g, p in lenient if g.unit in MEASUREMENT_UNITS]
    result: dict[str, Any] = {
        "gold": len(gold), "predicted": len(pred),
        "strict": _prf(len(strict), len(pred), len(gold)),
        "lenient": _prf(len(lenient), len(pred), len(gold)),
        "value_acc": _share(lenient, value_correct),
        "measurement_unit_acc": _share(measured, lambda g, p: g.unit == p.unit),
    }
    if attributes:
        result.update({
            "unit_acc": _share(lenient, lambda g, p: g.unit == p.unit),
            "category_acc": _share(lenient, lambda g, p: g.category == p.category),
            "claimant_acc": _share(lenient, claimant_correct),
            "claimant_acc_when_gold_has_one": _share(
                [(g, p) for g, p in lenient if g.claimant], claimant_correct),
            "approximate_acc": _share(lenient, lambda g, p: bool(g.approximate) == bool(p.approximate)),
        })
    return result


def split_of(file: str) -> str:
    """Which part of the gold a file belongs to (see docs/benchmarks/figures.md)."""
    if file.startswith("examples/"):
        return "examples"
    return {"h": "heldout", "b": "blind"}.get(Path(file).name[0], "dev")


def _errors(gold: list[Item], pred: list[Item]) -> Iterable[str]:
    pairs = _match(gold, pred, strict=False)
    matched_gold = {id(g) for g, _ in pairs}
    matched_pred = {id(p) for _, p in pairs}
    for g in gold:
        if id(g) not in matched_gold:
            yield f"MISS {g.file}: {g.text!r} ({g.category})"
    for p in pred:
        if id(p) not in matched_pred:
            yield f"FP   {p.file}: {p.text!r} ({p.category}, {p.unit})"
    for g, p in pairs:
        wrong = [name for name, ok in (
            ("span", (g.start, g.end) == (p.start, p.end)), ("value", value_correct(g, p)),
            ("unit", g.unit == p.unit), ("category", g.category == p.category),
            ("claimant", claimant_correct(g, p)),
            ("approx", bool(g.approximate) == bool(p.approximate))) if not ok]
        if wrong:
            yield (f"DIFF {g.file}: gold {g.text!r} {g.value or (g.low, g.high)} {g.unit} "
                   f"{g.category} claim={g.claimant!r} ~{g.approximate} | pred {p.text!r} "
                   f"{p.value or (p.low, p.high)} {p.unit} {p.category} claim={p.claimant!r} "
                   f"~{p.approximate} [{', '.join(wrong)}]")


def _row(name: str, result: dict[str, Any], seconds: float) -> str:
    def fmt(key: str) -> str:
        return f"{result[key]:.3f}" if key in result else "–"
    s, l_ = result["strict"], result["lenient"]
    return (f"| {name} | {result['predicted']} | {s['precision']:.3f} / {s['recall']:.3f} / {s['f1']:.3f} "
            f"| {l_['precision']:.3f} / {l_['recall']:.3f} / {l_['f1']:.3f} | {fmt('value_acc')} "
            f"| {fmt('measurement_unit_acc')} | {fmt('unit_acc')} | {fmt('category_acc')} "
            f"| {fmt('claimant_acc')} | {fmt('approximate_acc')} | {seconds:.1f} |").replace("| nan |", "| |")


def run(gold_path: Path = GOLD, peer: bool = True, errors: bool = False,
        show: bool = True) -> dict[str, dict[str, Any]]:
    """Score sitroom (and the peer) on the gold; returns ``{system: {"all"|split: scores}}``."""
    texts, gold = load_gold(gold_path)
    log = print if show else (lambda *args, **kwargs: None)
    log(f"gold: {len(gold)} figures in {len(texts)} files "
        f"{dict(Counter(split_of(g.file) for g in gold))}")
    OUT.mkdir(parents=True, exist_ok=True)
    systems = [("sitroom", predict_sitroom)]
    if peer:
        systems.append(("quantulum3 0.10.0", predict_quantulum))
    log("| system | predicted | strict P / R / F1 | lenient P / R / F1 | value acc "
        "| measurement-unit acc | unit acc | category acc | claimant acc | approx acc | s |")
    log("|---|---|---|---|---|---|---|---|---|---|---|")
    summary: dict[str, dict[str, Any]] = {}
    splits = sorted({split_of(g.file) for g in gold})
    for name, predict in systems:
        started = time.perf_counter()
        pred = predict(texts)
        seconds = time.perf_counter() - started
        ours = name == "sitroom"
        summary[name] = {"all": score(gold, pred, attributes=ours)}
        with open(OUT / f"figures_{name.split()[0]}.jsonl", "w", encoding="utf-8") as out:
            for p in pred:
                out.write(json.dumps(p.__dict__, ensure_ascii=False) + "\n")
        log(_row(f"{name}, all", summary[name]["all"], seconds))
        for split in splits:
            summary[name][split] = score([g for g in gold if split_of(g.file) == split],
                                         [p for p in pred if split_of(p.file) == split], attributes=ours)
            log(_row(f"{name}, {split}", summary[name][split], float("nan")))
        if errors:
            for line in _errors(gold, pred):
                log("   ", line)
    log("gold categories:", dict(sorted(Counter(g.category for g in gold).items())))
    (OUT / "figures_scores.json").write_text(json.dumps(summary, indent=2))
    return summary


def main(argv: Optional[list[str]] = None) -> None:
    args_parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args_parser.add_argument("--no-peer", action="store_true", help="skip quantulum3")
    args_parser.add_argument("--errors", action="store_true", help="list misses, false hits, diffs")
    args_parser.add_argument("--gold", type=Path, default=GOLD, help="gold JSONL (default: %(default)s)")
    args = args_parser.parse_args(argv)
    run(args.gold, peer=not args.no_peer, errors=args.errors)


if __name__ == "__main__":
    main()
