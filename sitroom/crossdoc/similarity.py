"""Similarity primitives shared by story clustering and event coreference.

Everything here is a pure function of its arguments or of an explicit
``TermStatistics`` object, so callers decide when corpus statistics move. Vectors are
sparse ``dict[str, float]``: story and mention texts are short, and a dict dot product
over the smaller vector is cheaper than building matrices for every comparison.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from datetime import date
from typing import Iterable, Mapping, Optional

from spacy.lang.en.stop_words import STOP_WORDS

WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*[A-Za-z]|[A-Za-z]")

# Words that are frequent in news of every kind and so say nothing about which story a
# text belongs to; spaCy's list covers function words only.
NEWS_STOP_WORDS = frozenset({
    "said", "says", "say", "told", "according", "reported", "report", "reports", "reuters", "ap",
    "news", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "today", "yesterday", "week", "year", "years", "time", "people", "new", "like", "just", "also",
    "http", "https", "www", "com", "html", "htm", "mr", "mrs", "ms",
})
STOP = frozenset(STOP_WORDS) | NEWS_STOP_WORDS


def normalise_term(word: str) -> str:
    """Lower-case and fold the commonest English inflections, so that 'strikes' and
    'strike' or 'talks' and 'talk' count as one term. A full stemmer would also fold
    'general' into 'gener'; plural folding is enough to join headlines and bodies."""
    word = word.lower().replace("'s", "").strip("'-")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def content_terms(text: str) -> list[str]:
    """The content words of a text, normalised, in order (stop words and one-letter
    tokens dropped)."""
    terms = []
    for match in WORD.finditer(text):
        word = match.group().lower()
        if len(word) < 2 or word in STOP:
            continue
        term = normalise_term(word)
        if term and term not in STOP:
            terms.append(term)
    return terms


class TermStatistics:
    """Document frequencies, updated one document at a time.

    Smoothed IDF (``log((1 + N) / (1 + df)) + 1``, as scikit-learn's default) keeps every
    weight positive, so a term seen in every document still counts a little.
    """

    def __init__(self) -> None:
        self.documents = 0
        self.frequency: Counter[str] = Counter()

    def add(self, terms: Iterable[str]) -> None:
        self.documents += 1
        self.frequency.update(set(terms))

    def idf(self, term: str) -> float:
        return math.log((1 + self.documents) / (1 + self.frequency.get(term, 0))) + 1.0

    def vector(self, counts: Mapping[str, int]) -> dict[str, float]:
        """Unit-length TF-IDF vector with sublinear term frequency (1 + log tf): a term
        repeated ten times in one article should not drown the rest of it."""
        weights = {term: (1.0 + math.log(count)) * self.idf(term) for term, count in counts.items() if count > 0}
        norm = math.sqrt(sum(w * w for w in weights.values()))
        return {term: w / norm for term, w in weights.items()} if norm else {}


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Dot product of two unit-length sparse vectors."""
    if len(a) > len(b):
        a, b = b, a
    return sum(weight * b.get(term, 0.0) for term, weight in a.items())


def time_decay(first: Optional[date], second: Optional[date], half_life_days: float) -> Optional[float]:
    """Weight that halves every ``half_life_days`` between two dates; None when a date is
    unknown, so undated text is neither favoured nor penalised."""
    if first is None or second is None:
        return None
    return 0.5 ** (abs((first - second).days) / half_life_days)
