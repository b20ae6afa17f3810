"""Summarisers: a built-in extractive one and any Hugging Face seq2seq model."""

from __future__ import annotations

import sys
from typing import Any

from ..errors import ModelNotFoundError
from ..hub import DEFAULT_SUMMARIZER_MODEL, resolve_model
from .base import Summarizer, end_on_sentence
from .extractive import ExtractiveSummarizer, textrank_scores

__all__ = [
    "Summarizer",
    "ExtractiveSummarizer",
    "AbstractiveSummarizer",
    "SUMMARIZERS",
    "make_summarizer",
    "end_on_sentence",
    "textrank_scores",
]

SUMMARIZERS = ("auto", "extractive", "abstractive")


def __getattr__(name: str) -> Any:
    # The abstractive summariser pulls in torch; import it only when asked for.
    if name == "AbstractiveSummarizer":
        from .abstractive import AbstractiveSummarizer

        return AbstractiveSummarizer
    raise AttributeError(name)


def make_summarizer(
    kind: str = "auto",
    model: str | None = None,
    revision: str | None = None,
    *,
    device: str = "auto",
    num_sentences: int | None = None,
    ratio: float | None = None,
    max_length: int | None = None,
    min_length: int | None = None,
    quiet: bool = False,
) -> tuple[Summarizer, dict[str, Any]]:
    """Build a summariser; return it with a note on how it was chosen.

    ``auto`` takes the abstractive model when it is cached or can be
    downloaded, and otherwise the extractive summariser, saying so on stderr.
    """
    if kind not in SUMMARIZERS:
        raise ValueError(f"unknown summarizer {kind!r}; choose one of: {', '.join(SUMMARIZERS)}")
    if kind == "extractive":
        return ExtractiveSummarizer(num_sentences, ratio or 0.2), {"requested": kind}
    from .abstractive import AbstractiveSummarizer

    name = model or DEFAULT_SUMMARIZER_MODEL
    try:
        resolved = resolve_model(name, revision)
    except ModelNotFoundError as exc:
        if kind == "abstractive":
            raise
        if not quiet:
            print(
                f"bilingua: abstractive summarizer unavailable ({exc}); using the extractive summarizer",
                file=sys.stderr,
            )
        return ExtractiveSummarizer(num_sentences, ratio or 0.2), {
            "requested": kind,
            "fallback_reason": str(exc),
        }
    summarizer = AbstractiveSummarizer(
        resolved, device=device, max_length=max_length, min_length=min_length, ratio=ratio
    )
    return summarizer, {"requested": kind}
