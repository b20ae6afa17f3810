"""Summarisers: a built-in extractive one and any Hugging Face seq2seq model."""

from __future__ import annotations

import logging
from typing import Any

from ..errors import ModelNotFoundError
from ..languages import LANGUAGES as ALL_LANGUAGES
from ..languages import TARGET, language as language_of
from ..hub import DEFAULT_SUMMARIZER_MODEL, resolve_model
from .base import Summarizer, end_on_sentence, within_words
from .extractive import DEFAULT_WORDS, ExtractiveSummarizer, similarity_matrix

__all__ = [
    "Summarizer",
    "ExtractiveSummarizer",
    "AbstractiveSummarizer",
    "SUMMARIZERS",
    "make_summarizer",
    "end_on_sentence",
    "within_words",
    "similarity_matrix",
    "LANGUAGES",
]

SUMMARIZERS = ("auto", "extractive", "abstractive")
#: Languages a summary can be made in (the default abstractive model writes only those marked summary_model).
LANGUAGES = tuple(ALL_LANGUAGES)
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
    words: int | None = None,
    language: str = TARGET,
) -> tuple[Summarizer, dict[str, Any]]:
    """Build a summariser of ``language`` text; return it with a note on how it was chosen.

    ``auto`` takes the abstractive model when it is cached or can be
    downloaded, and otherwise the extractive summariser, with a logged notice.
    The default abstractive model is English; a French summary is extractive
    unless a French ``model`` is given.
    """
    if kind not in SUMMARIZERS:
        raise ValueError(f"unknown summarizer {kind!r}; choose one of: {', '.join(SUMMARIZERS)}")

    def extractive() -> ExtractiveSummarizer:
        return ExtractiveSummarizer(num_sentences, ratio, words=words, language=language)

    writes = language_of(language).summary_model  # the default model writes this language
    if kind == "extractive" or (kind == "auto" and not writes and model is None):
        return extractive(), {"requested": kind}
    if model is None and not writes:
        raise ValueError(
            f"the default abstractive summarizer ({DEFAULT_SUMMARIZER_MODEL}) writes English; "
            f"for a {language} summary use summarizer='extractive' or give a {language} summarizer model"
        )
    from .abstractive import AbstractiveSummarizer

    name = model or DEFAULT_SUMMARIZER_MODEL
    try:
        resolved = resolve_model(name, revision)
    except ModelNotFoundError as exc:
        if kind == "abstractive":
            raise
        logger.warning("abstractive summarizer unavailable (%s); using the extractive summarizer", exc)
        return extractive(), {"requested": kind, "fallback_reason": str(exc)}
    summarizer = AbstractiveSummarizer(resolved, device=device, ratio=ratio, words=words or DEFAULT_WORDS)
    return summarizer, {"requested": kind}
