#!/usr/bin/env python3
"""Stories and cross-document event coreference on ECB+, scored by ``score_ecb.py``.

Without being told the topics: every ECB+ document goes into one ``StoryIndex`` (full
text; ECB+ has no dates and no linked actors), and the predicted stories are the blocks
inside which ``cluster_mentions`` merges the GOLD event mentions. The scorer reports CoNLL F1 (MUC, B3, CEAF-e) for the mentions and
pairwise F1 / ARI of the stories against the gold topics and subtopics.

Peers, in the same run: the same-head-lemma baselines of the shared BASELINES.md
(section 5), re-implemented here with the same head rule (first mention token whose
syntactic head lies outside the mention), clustered within the gold topic and within
the gold subtopic, i.e. WITH the topics given.

    python bench/bench_ecb.py                  # sitroom + peers on ECB+ dev (topics 1-35)
    python bench/bench_ecb.py --no-peer        # sitroom only (what the gate runs)
    python bench/bench_ecb.py --gold $HELDOUT/ecbplus-test
    python bench/bench_ecb.py --fit            # refit CorefWeights' coefficients on the gold
    python bench/bench_ecb.py --no-semantic    # as without the semantic extra (requirements-semantic.txt)

With the semantic extra installed, the bench clusters with the contextual trigger
vectors (``sitroom.crossdoc.semantics``) and ``SEMANTIC_WEIGHTS`` (sitroom itself uses
them only with ``SITROOM_SEMANTIC=1``); ``--no-semantic`` measures the model without them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Optional

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402  (after the thread settings, which it reads on import)

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SCORER = SHARED / "eval" / "score_ecb.py"
DEFAULT_GOLD = SHARED / "corpora" / "ecbplus"
OUT_DIR = REPO / "bench" / "out" / "ecb"
REPORTED = ("conll_f1", "muc_f1", "b3_f1", "ceafe_f1", "doc_topic_f1", "doc_topic_ari",
            "doc_subtopic_f1", "doc_subtopic_ari")

sys.path.insert(0, str(REPO))

from sitroom.crossdoc import semantics  # noqa: E402
from sitroom.crossdoc.coref import (LINEAR_FEATURES, SEMANTIC_FEATURES, SEMANTIC_WEIGHTS, CorefWeights,  # noqa: E402
                                    EventMention, arguments_from_parse, cluster_mentions, pair_features)
from sitroom.crossdoc.stories import StoryIndex, StoryInput  # noqa: E402


def dump_mentions(gold: Path, out_dir: Path) -> list[dict]:
    """The scorer's view of the corpus: tokens, sentences and gold mentions per document."""
    path = out_dir / "mentions.jsonl"
    subprocess.run([sys.executable, str(SCORER), "--gold", str(gold), "--dump-mentions", str(path)],
                   check=True, capture_output=True)
    return [json.loads(line) for line in path.open(encoding="utf-8")]


def parse_sentences(documents: list[dict]) -> dict[tuple[str, int], object]:
    """spaCy parses of the sentences that hold gold mentions, on the gold tokens."""
    from spacy.tokens import Doc

    from sitroom.nlp import load_nlp

    nlp = load_nlp()
    keys, docs = [], []
    for document in documents:
        for sentence in sorted({m["sentence"] for m in document["mentions"]}):
            keys.append((document["doc"], sentence))
            docs.append(Doc(nlp.vocab, words=[token for _, token in document["sentences"][str(sentence)]]))
    return dict(zip(keys, nlp.pipe(docs, batch_size=64)))


def document_text(document: dict) -> str:
    return "\n".join(" ".join(token for _, token in tokens)
                     for _, tokens in sorted(document["sentences"].items(), key=lambda kv: int(kv[0])))


def mention_head(document: dict, mention: dict, parsed: dict) -> tuple[object, int]:
    """(parsed sentence, index of the mention's head token) by the baselines' rule."""
    doc = parsed[(document["doc"], mention["sentence"])]
    position = {tid: i for i, (tid, _) in enumerate(document["sentences"][str(mention["sentence"])])}
    indices = [position[t] for t in mention["t_ids"] if t in position]
    head = next((i for i in indices if doc[i].head.i not in indices or doc[i].head.i == i), indices[-1])
    return doc, head


def head_lemma(doc, head: int) -> str:
    return doc[head].lemma_.lower() or doc[head].text.lower()


def predict_stories(documents: list[dict], threshold: float) -> tuple[dict[str, str], float]:
    """Document -> story id from one StoryIndex over the whole corpus, and seconds spent.
    ECB+ documents have no dates and no linked actor ids, so only the text counts."""
    inputs = [StoryInput(id=document["doc"], text=document_text(document)) for document in documents]
    started = time.perf_counter()
    index = StoryIndex(threshold=threshold)
    index.add_batch(inputs)
    return index.assignments(), time.perf_counter() - started


def event_mentions(documents: list[dict], parsed: dict, stories: dict[str, str]) -> list[EventMention]:
    mentions = []
    for document in documents:
        text = document_text(document)
        for mention in document["mentions"]:
            doc, head = mention_head(document, mention, parsed)
            participants, times, locations = arguments_from_parse(doc, head)
            mentions.append(EventMention(
                id=f"{document['doc']}#{mention['m_id']}", document=document["doc"], head_lemma=head_lemma(doc, head),
                trigger=mention["text"], sentence=doc.text, document_text=text, participants=participants,
                times=times, locations=locations, story=stories.get(document["doc"]), trigger_start=doc[head].idx))
    return mentions


def write_predictions(path: Path, documents: list[dict], cluster_of: dict[str, str], story_of: dict[str, str]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for document in documents:
            out.write(json.dumps({"doc": document["doc"], "story": story_of[document["doc"]], "mentions": [
                {"m_id": m["m_id"], "cluster": cluster_of[f"{document['doc']}#{m['m_id']}"]}
                for m in document["mentions"]]}) + "\n")


def score(path: Path, gold: Path) -> dict[str, float]:
    result = subprocess.run([sys.executable, str(SCORER), str(path), "--gold", str(gold)],
                            check=True, capture_output=True, text=True)
    line = next(l for l in reversed(result.stdout.splitlines()) if l.startswith("SCORE"))
    return {k: float(v) for k, v in (item.split("=") for item in line.split()[1:])}


def run(gold: Path = DEFAULT_GOLD, peer: bool = True, story_threshold: float = 0.25,
        coref_threshold: float = 0.55, weights: Optional[CorefWeights] = None,
        semantic: Optional[bool] = None) -> dict[str, dict]:
    """Score sitroom (and the peers). ``weights`` defaults to ``SEMANTIC_WEIGHTS`` when
    the semantic extra is installed; ``semantic=False`` forces the model without it."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    documents = dump_mentions(gold, OUT_DIR)
    parsed = parse_sentences(documents)
    stories, story_seconds = predict_stories(documents, story_threshold)
    mentions = event_mentions(documents, parsed, stories)
    if weights is None:  # the bench measures the extra wherever it is installed
        weights = SEMANTIC_WEIGHTS if semantic is not False and semantics.installed() else CorefWeights()
    started = time.perf_counter()
    events = cluster_mentions(mentions, coref_threshold, weights)
    coref_seconds = time.perf_counter() - started
    cluster_of = {mention: event.id for event in events for mention in event.mentions}
    results: dict[str, dict] = {}
    path = OUT_DIR / "sitroom.jsonl"
    write_predictions(path, documents, cluster_of, stories)
    results["sitroom"] = score(path, gold) | {"stories": len(set(stories.values())), "mentions": len(mentions),
                                               "semantic": bool(weights.trigger_context),
                                               "story_seconds": story_seconds, "coref_seconds": coref_seconds}
    if peer:
        lemma_of = {m.id: m.head_lemma for m in mentions}
        for name, block_key in (("lemma_topic", "topic"), ("lemma_subtopic", "subtopic")):
            block = {d["doc"]: d[block_key] for d in documents}
            clusters = {mid: f"{block[mid.split('#')[0]]}|{lemma}" for mid, lemma in lemma_of.items()}
            path = OUT_DIR / f"{name}.jsonl"
            write_predictions(path, documents, clusters, block)
            results[name] = score(path, gold)
    return results


def fit_weights(gold: Path = DEFAULT_GOLD, l2: float = 1.0, semantic: Optional[bool] = None) -> dict[str, float]:
    """Refit the pair model's coefficients the way the defaults of ``CorefWeights`` were
    fitted: L2-regularised logistic regression (Newton's method, intercept not
    penalised) on every pair of trigger-related mentions inside a gold subtopic, the
    label being whether the two mentions are in one gold cluster. With the semantic
    extra (and ``semantic`` not False) the trigger-vector cosine is one more feature:
    that fit gives ``SEMANTIC_WEIGHTS``."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("score_ecb", SCORER)
    scorer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scorer)
    topics_dir, sentences = scorer.find_layout(gold, None)
    gold_docs = scorer.load_gold(topics_dir, scorer.load_selected(sentences))
    cluster = {f"{name}#{mid}": m["gold"] for name, d in gold_docs.items() for mid, m in d["mentions"].items()}
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    documents = dump_mentions(gold, OUT_DIR)
    subtopic = {d["doc"]: d["subtopic"] for d in documents}
    mentions = event_mentions(documents, parse_sentences(documents), subtopic)
    blocks: dict[str, list[EventMention]] = {}
    for mention in mentions:
        blocks.setdefault(mention.block(), []).append(mention)
    use_vectors = semantics.installed() if semantic is None else semantic
    names = SEMANTIC_FEATURES if use_vectors else LINEAR_FEATURES
    rows, labels = [], []
    for block in blocks.values():
        vectors = semantics.trigger_vectors([m.trigger_position() for m in block]) if use_vectors else None
        features = pair_features(block, vectors=vectors)
        upper = np.triu_indices(len(block), 1)
        related = features["related"][upper]
        same = np.array([cluster[m.id] for m in block])
        rows.append(np.column_stack([features[name][upper][related] for name in names]))
        labels.append((same[:, None] == same[None, :])[upper][related])
    x = np.column_stack([np.ones(sum(len(r) for r in rows)), np.vstack(rows)])
    y = np.concatenate(labels).astype(float)
    penalty = np.full(x.shape[1], l2)
    penalty[0] = 0.0
    coefficients = np.zeros(x.shape[1])
    for _ in range(25):
        p = 1.0 / (1.0 + np.exp(-x @ coefficients))
        gradient = x.T @ (p - y) + penalty * coefficients
        hessian = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        coefficients -= step
        if np.abs(step).max() < 1e-6:
            break
    return dict(zip(("bias",) + names, np.round(coefficients, 2).tolist()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--story-threshold", type=float, default=0.25)
    parser.add_argument("--coref-threshold", type=float, default=0.55)
    parser.add_argument("--fit", action="store_true", help="refit the pair model's coefficients and print them")
    parser.add_argument("--no-semantic", action="store_true",
                        help="leave out the semantic extra's trigger vectors even where it is installed")
    args = parser.parse_args()
    semantic = False if args.no_semantic else None
    if args.fit:
        print(json.dumps(fit_weights(args.gold, semantic=semantic)))
        return
    results = run(args.gold, not args.no_peer, args.story_threshold, args.coref_threshold, semantic=semantic)
    print(f"{'system':<16}" + "".join(f"{k:>17}" for k in REPORTED))
    for name, metrics in results.items():
        print(f"{name:<16}" + "".join(f"{metrics.get(k, float('nan')):>17.3f}" for k in REPORTED))
    mine = results["sitroom"]
    print(f"stories: {mine['stories']}, story clustering {mine['story_seconds']:.1f}s, "
          f"coreference {mine['coref_seconds']:.1f}s ({mine['coref_seconds'] / mine['mentions'] * 1000:.2f}s per 1,000 "
          f"mentions; semantic extra {'used' if mine['semantic'] else 'not used'})")
    (OUT_DIR / "metrics.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
