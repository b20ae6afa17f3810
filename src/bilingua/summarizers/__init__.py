"""Summarisers: a built-in extractive one and any Hugging Face seq2seq model."""

from __future__ import annotations

import logging
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
logger = logging.getLogger("bilingua")


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
) -> tuple[Summarizer, dict[str, Any]]:
    """Build a summariser; return it with a note on how it was chosen.

    ``auto`` takes the abstractive model when it is cached or can be
    downloaded, and otherwise the extractive summariser, with a logged notice.
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
        logger.warning("abstractive summarizer unavailable (%s); using the extractive summarizer", exc)
        return ExtractiveSummarizer(num_sentences, ratio or 0.2), {
            "requested": kind,
            "fallback_reason": str(exc),
        }
    summarizer = AbstractiveSummarizer(resolved, device=device, ratio=ratio)
    return summarizer, {"requested": kind}
