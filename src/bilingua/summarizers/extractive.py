"""Extractive summarisation: position-aware directed centrality, MMR and a word budget.

No model weights and no language resources, so it works offline for any
language written with spaces, and the same input always gives the same
summary. The method follows PacSum (Zheng & Lapata, 2019) with TF-IDF
vectors in place of BERT:

- **Directed centrality.** Sentences are TF-IDF vectors (scikit-learn, word
  tokens, sublinear tf, IDF over the document's own sentences). A sentence
  scores the summed cosine similarity of the sentences *after* it
  (``forward`` weight) and *before* it (``backward`` weight): in news, the
  sentence that later sentences elaborate is the one to keep.
- **Position prior** ``1 / (i + 1) ** position_decay``, mixed in with weight
  ``position_weight`` (both scores scaled to [0, 1]).
- **Redundancy.** Sentences are picked greedily by maximal marginal
  relevance: score minus ``redundancy`` times the similarity to the closest
  sentence already picked; a near-duplicate (cosine ≥ 0.8) is never picked.
- **Length.** At most ``num_sentences`` sentences and ``words`` words
  (whitespace tokens); a sentence that does not fit is passed over for a
  shorter one. Fragments under ``min_words`` words (credits, datelines) are
  taken only when nothing else is left.

The defaults (decay 0.5, weight 0.5, forward only, redundancy 0.3, three
sentences within 80 words) were chosen on OrangeSum test documents 0-499
and are reported on the other 1,000 (``eval/README.md``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..segmentation import Splitter
from .base import Summarizer
from ..checks import at_least, within
from ..languages import TARGET

#: Default length: three sentences within 80 words (a news summary; Lead-3 runs about 83 words).
DEFAULT_SENTENCES = 3
DEFAULT_WORDS = 80
_DUPLICATE = 0.8


def similarity_matrix(sentences: Sequence[str]) -> Any:
    """Cosine similarity of the sentences' TF-IDF vectors: a sparse CSR matrix with a zero diagonal.

    Sparse, because a long document's sentences mostly share no word: a
    7,000-sentence document stays megabytes, not the 400 MB of a dense matrix.
    """
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer

    n = len(sentences)
    try:
        vectors = TfidfVectorizer(token_pattern=r"(?u)\b\w+\b", sublinear_tf=True).fit_transform(sentences)
    except ValueError:  # no word at all
        return sparse.csr_matrix((n, n))
    sim = (vectors @ vectors.T).tocsr()
    sim.setdiag(0.0)
    sim.eliminate_zeros()
    return sim


def _scaled(values: np.ndarray) -> np.ndarray:
    span = values.max() - values.min() if len(values) else 0.0
    return (values - values.min()) / span if span > 0 else np.zeros_like(values)


class ExtractiveSummarizer(Summarizer):
    """Picks central, early, non-redundant sentences within a length budget, in document order.

    Length: ``num_sentences`` and/or ``words`` when given; else ``ratio`` of
    the sentences when given; else three sentences within 80 words.
    """

    name = "extractive"

    def __init__(
        self,
        num_sentences: int | None = None,
        ratio: float | None = None,
        *,
        words: int | None = None,
        splitter: Splitter | None = None,
        language: str = TARGET,
        position_decay: float = 0.5,
        position_weight: float = 0.5,
        forward: float = 1.0,
        backward: float = 0.0,
        redundancy: float = 0.3,
        min_words: int = 6,
    ) -> None:
        at_least("num_sentences", num_sentences, 1)
        at_least("words", words, 1)
        within("ratio", ratio, 0, 1, open_low=True)
        within("position_weight", position_weight, 0, 1)
        if num_sentences is None and words is None and ratio is None:
            num_sentences, words = DEFAULT_SENTENCES, DEFAULT_WORDS
        self.num_sentences, self.ratio, self.words = num_sentences, ratio, words
        self.position_decay, self.position_weight = position_decay, position_weight
        self.forward, self.backward = forward, backward
        self.redundancy, self.min_words = redundancy, min_words
        self.language = language
        self.splitter = splitter

    def size_for(self, n: int) -> int:
        """The most sentences a summary of ``n`` sentences may have."""
        if self.num_sentences is not None:
            return min(n, self.num_sentences)
        if self.ratio is not None:
            return min(n, max(1, round(self.ratio * n)))
        return n

    def scores(self, sentences: Sequence[str], sim: Any = None) -> np.ndarray:
        """Each sentence's score: directed centrality mixed with the position prior."""
        from scipy import sparse

        n = len(sentences)
        sim = similarity_matrix(sentences) if sim is None else sim
        after = np.asarray(sparse.triu(sim, k=1).sum(axis=1)).ravel()  # similarity to the sentences after each one
        before = np.asarray(sparse.tril(sim, k=-1).sum(axis=1)).ravel()
        centrality = _scaled(self.forward * after + self.backward * before)
        position = 1.0 / (np.arange(n) + 1.0) ** self.position_decay
        return (1 - self.position_weight) * centrality + self.position_weight * _scaled(position)

    def select(self, sentences: Sequence[str]) -> list[int]:
        """Indices of the chosen sentences, in document order."""
        n = len(sentences)
        if n == 0:
            return []
        sim = similarity_matrix(sentences)
        lengths = [len(s.split()) for s in sentences]
        score = self.scores(sentences, sim) - np.where(np.array(lengths) < self.min_words, 10.0, 0.0)
        budget = self.words if self.words is not None else sum(lengths)
        chosen: list[int] = []
        left = set(range(n))
        used = 0
        closest = np.zeros(n)  # each sentence's similarity to the closest one chosen so far
        while left and len(chosen) < self.size_for(n):
            # Ties go to the earlier sentence: stable and deterministic.
            best = min(left, key=lambda i: (-round(float(score[i] - self.redundancy * closest[i]), 12), i))
            left.discard(best)
            if closest[best] >= _DUPLICATE or used + lengths[best] > budget:
                continue
            chosen.append(best)
            used += lengths[best]
            closest = np.maximum(closest, sim.getrow(best).toarray().ravel())
        if not chosen:  # every sentence is over the budget: the best one alone
            chosen = [int(np.argmax(score))]
        return sorted(chosen)

    def summarize_sentences(self, sentences: Sequence[str]) -> str:
        return " ".join(sentences[i] for i in self.select(sentences))

    def summarize(self, text: str) -> str:
        """Summary of ``text``: its chosen sentences exactly as written there (no-break spaces and all)."""
        placed = self.placed(text)
        return " ".join(text[placed[i].start:placed[i].end] for i in self.select([s.text for s in placed]))

    def info(self) -> dict[str, Any]:
        return {
            "kind": self.name,
            "language": self.language,
            "method": "directed-centrality-tfidf+position+mmr",
            "num_sentences": self.num_sentences,
            "words": self.words,
            "ratio": self.ratio,
            "position_decay": self.position_decay,
            "position_weight": self.position_weight,
            "redundancy": self.redundancy,
        }
