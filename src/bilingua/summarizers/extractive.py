"""Extractive summarisation: TextRank over TF-IDF sentence vectors.

No model weights and no language resources: sentences are scored by PageRank
on their cosine-similarity graph (scikit-learn's TF-IDF with word tokens), so
it works offline for any language written with spaces, and the same input
always gives the same summary.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..segmentation import Splitter
from .base import Summarizer


def textrank_scores(sentences: Sequence[str], damping: float = 0.85) -> np.ndarray:
    """PageRank centrality of each sentence in the TF-IDF cosine-similarity graph."""
    n = len(sentences)
    if n == 0:
        return np.zeros(0)
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer

    try:
        vectors = TfidfVectorizer(token_pattern=r"(?u)\b\w+\b", sublinear_tf=True).fit_transform(sentences)
    except ValueError:  # no word at all (only punctuation or digits-free symbols)
        return np.full(n, 1.0 / n)
    # Sparse all the way: a long document's similarity graph is mostly empty.
    sim = (vectors @ vectors.T).tocsr()
    sim.setdiag(0.0)
    sim.eliminate_zeros()
    row = np.asarray(sim.sum(axis=1)).ravel()
    linked = row > 0
    transition_t = (sparse.diags(np.where(linked, 1.0 / np.where(linked, row, 1.0), 0.0)) @ sim).T.tocsr()
    scores = np.full(n, 1.0 / n)
    for _ in range(200):
        # A sentence that shares no word with any other links to all (a uniform jump).
        dangling = scores[~linked].sum() / n
        new = (1 - damping) / n + damping * (transition_t @ scores + dangling)
        if np.abs(new - scores).sum() < 1e-10:
            scores = new
            break
        scores = new
    return scores


class ExtractiveSummarizer(Summarizer):
    """Picks the most central sentences and returns them in document order.

    Length is ``num_sentences`` when given, else ``ratio`` of the sentences
    (at least one).
    """

    name = "extractive"

    def __init__(
        self,
        num_sentences: int | None = None,
        ratio: float = 0.2,
        *,
        splitter: Splitter | None = None,
        language: str = "en",
    ) -> None:
        if num_sentences is not None and num_sentences < 1:
            raise ValueError("num_sentences must be at least 1")
        if not 0 < ratio <= 1:
            raise ValueError("ratio must be in (0, 1]")
        self.num_sentences = num_sentences
        self.ratio = ratio
        self.language = language
        self.splitter = splitter

    def size_for(self, n: int) -> int:
        if self.num_sentences is not None:
            return min(n, self.num_sentences)
        return min(n, max(1, round(self.ratio * n)))

    def select(self, sentences: Sequence[str]) -> list[int]:
        """Indices of the chosen sentences, in document order."""
        k = self.size_for(len(sentences))
        scores = textrank_scores(sentences)
        # Ties go to the earlier sentence: stable and deterministic.
        ranked = sorted(range(len(sentences)), key=lambda i: (-round(float(scores[i]), 12), i))
        return sorted(ranked[:k])

    def summarize_sentences(self, sentences: Sequence[str]) -> str:
        return " ".join(sentences[i] for i in self.select(sentences))

    def info(self) -> dict[str, Any]:
        return {
            "kind": self.name,
            "method": "textrank-tfidf",
            "num_sentences": self.num_sentences,
            "ratio": None if self.num_sentences is not None else self.ratio,
        }
