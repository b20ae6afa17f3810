"""bilingua: document-safe French to English translation and summarisation.

>>> import bilingua
>>> result = bilingua.process("Le conseil municipal s'est réuni mardi.")  # doctest: +SKIP
>>> result.translation, result.summary  # doctest: +SKIP
"""

from __future__ import annotations

import logging

from .api import process, summarize, translate, translate_file
from .backends import CachedBackend, GenerationOptions, Hypothesis, TranslationBackend
from .corpus import BatchOptions, BatchReport, batch
from .errors import BackendUnavailableError, BilinguaError, InputError, InputTooLarge, ModelNotFoundError
from .hub import DEFAULT_SUMMARIZER_MODEL, DEFAULT_TRANSLATION_MODEL, resolve_model
from .options import ReviewOptions, ServiceOptions, SummaryOptions, TranslationOptions
from .pipeline import Pipeline
from .result import Flag, Result, Review, Segment
from .review import Reviewer, review
from .segmentation import PysbdSplitter, Sentence, SentenceSplitter
from .summarizers import ExtractiveSummarizer, Summarizer
from .translator import Translator
from .version import __version__

# A library says nothing unless its user configures logging (the command line does).
logging.getLogger("bilingua").addHandler(logging.NullHandler())

__all__ = [
    "__version__",
    "process",
    "translate",
    "translate_file",
    "summarize",
    "review",
    "Reviewer",
    "Review",
    "Flag",
    "batch",
    "BatchOptions",
    "BatchReport",
    "Pipeline",
    "TranslationOptions",
    "SummaryOptions",
    "ServiceOptions",
    "ReviewOptions",
    "Result",
    "Segment",
    "Translator",
    "CachedBackend",
    "TranslationBackend",
    "GenerationOptions",
    "Hypothesis",
    "Summarizer",
    "ExtractiveSummarizer",
    "Sentence",
    "SentenceSplitter",
    "PysbdSplitter",
    "resolve_model",
    "DEFAULT_TRANSLATION_MODEL",
    "DEFAULT_SUMMARIZER_MODEL",
    "BilinguaError",
    "ModelNotFoundError",
    "BackendUnavailableError",
    "InputError",
    "InputTooLarge",
]
