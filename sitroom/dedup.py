"""Exact and near-duplicate detection: a wire story reprinted by five outlets is one
text with five publications, linked, never dropped.

Exact: the same folded text (``clean.content_hash``). Near: MinHash (datasketch) over
word shingles, with LSH bands kept in the store, so a look-up costs an index query
per band rather than a scan of the corpus; candidates are confirmed by the estimated
Jaccard similarity against the threshold.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

import numpy as np
from datasketch import MinHash
from datasketch.lsh import _optimal_param

from .models import Article
from .stage import Context, stage

WORD = re.compile(r"\w+")


def shingles(text: str, size: int) -> set[bytes]:
    words = WORD.findall(text.lower())
    if len(words) < size:
        return {" ".join(words).encode()} if words else set()
    return {" ".join(words[i:i + size]).encode() for i in range(len(words) - size + 1)}


@lru_cache(maxsize=4)
def _template(count: int) -> MinHash:
    return MinHash(num_perm=count, seed=1)  # drawing the permutations costs more than hashing a text


def signature(text: str, permutations: int = 128, shingle_words: int = 5) -> np.ndarray:
    template = _template(permutations)
    minhash = MinHash(num_perm=permutations, seed=1, permutations=template.permutations, scheme=template.scheme)
    minhash.update_batch(list(shingles(text, shingle_words)))
    return minhash.hashvalues.astype(np.uint64)


@lru_cache(maxsize=8)
def lsh_params(threshold: float, permutations: int) -> tuple[int, int]:
    """(bands, rows) as datasketch's LSH chooses them, weighted towards recall: every
    candidate is confirmed against the threshold anyway, so a false positive costs one
    comparison while a false negative is a missed reprint (0.87 recall at s = 0.8)."""
    return _optimal_param(threshold, permutations, 0.1, 0.9)


def band_keys(hashes: np.ndarray, threshold: float) -> list[tuple[int, str]]:
    bands, rows = lsh_params(threshold, len(hashes))
    return [(band, hashlib.sha1(hashes[band * rows:(band + 1) * rows].tobytes()).hexdigest()[:16])
            for band in range(bands)]


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """MinHash estimate of the Jaccard similarity of two texts' shingle sets."""
    return float(np.count_nonzero(a == b)) / len(a)


@stage(requires=("article.text",), assigns=("article.minhash",))
def sign(article: Article, ctx: Context) -> Article:
    """MinHash signature for near-duplicate look-up at store time."""
    article._minhash = signature(article.text, ctx.settings.minhash_permutations, ctx.settings.shingle_words)
    return article
