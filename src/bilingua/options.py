"""Option groups shared by the Python API, the command line, ``bilingua eval`` and the pipeline cache.

Each group is a small frozen (hashable) dataclass that checks its values when
it is made, so a bad option fails before any model loads or any text is read.
The names a user may choose among come from the registries that implement
them (:data:`bilingua.backends.BACKENDS`, :data:`bilingua.summarizers.SUMMARIZERS`),
and the command line's ``choices=`` read them from here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .backends import BACKENDS, COMPUTE_TYPES, DEVICES
from .hub import DEFAULT_TRANSLATION_MODEL
from .summarizers import LANGUAGES, SUMMARIZERS

__all__ = [
    "TranslationOptions",
    "SummaryOptions",
    "ServiceOptions",
    "BACKEND_CHOICES",
    "COMPUTE_TYPE_CHOICES",
    "DEVICE_CHOICES",
    "SUMMARIZER_CHOICES",
    "SUMMARY_SOURCES",
    "LANGUAGE_CHOICES",
    "MAX_BEAMS",
    "split_options",
]

BACKEND_CHOICES = ("auto", *BACKENDS)
COMPUTE_TYPE_CHOICES = ("auto", *COMPUTE_TYPES)
DEVICE_CHOICES = DEVICES
SUMMARIZER_CHOICES = SUMMARIZERS
SUMMARY_SOURCES = ("translation", "source")
LANGUAGE_CHOICES = LANGUAGES
#: Beam search wider than this costs time for no measurable gain on Marian models.
MAX_BEAMS = 16


def one_of(name: str, value: object, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}; got {value!r}")


def at_least(name: str, value: int | None, low: int, high: int | None = None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number, not {value!r}")
    if value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise ValueError(f"{name} must be {bound}; got {value}")


@dataclass(frozen=True)
class TranslationOptions:
    """Which model and engine translate, and how they batch and decode.

    ``beams=None`` takes the model's own beam size (4 for opus-mt), at most
    :data:`MAX_BEAMS`. ``threads`` defaults to every core and is capped at the
    core count. ``inter_threads`` (CTranslate2) runs that many batches in
    parallel, each on ``threads // inter_threads`` cores (default: 2 on a CPU
    of 2 or more cores, 1 on a GPU). ``cache_size``
    keeps that many sentence translations across calls (an LRU cache).
    ``micro_batch_ms`` (a service's setting) merges the sentences of calls
    made at the same time from several threads into shared engine batches,
    waiting up to that many milliseconds for batch-mates when the engine is
    idle; ``None`` (the default) lets each call batch its own sentences.
    A paragraph hard-wrapped inside its sentences is translated whole and
    wrapped back to its width; ``keep_lines=True`` translates every line on
    its own instead. URLs, e-mail addresses, handles, hashtags, code and
    numbers with units come through unchanged (``protect=False`` leaves them
    to the model); ``glossary`` is a file of ``French<TAB>English`` terms
    that come out as given. ``target_vocab_only`` and ``shortlist`` (a file
    from ``bilingua models shortlist``), CTranslate2 only and opt-in since
    they may change outputs, restrict the pieces the decoder scores.
    """

    model: str = DEFAULT_TRANSLATION_MODEL
    revision: str | None = None
    backend: str = "auto"
    compute_type: str = "auto"
    device: str = "auto"
    beams: int | None = None
    batch_size: int = 16
    max_batch_tokens: int = 8192
    threads: int | None = None
    inter_threads: int | None = None
    target_vocab_only: bool = False
    shortlist: str | None = None
    cache_size: int = 0
    micro_batch_ms: float | None = None
    keep_lines: bool = False
    protect: bool = True
    glossary: str | None = None

    def __post_init__(self) -> None:
        one_of("backend", self.backend, BACKEND_CHOICES)
        one_of("compute_type", self.compute_type, COMPUTE_TYPE_CHOICES)
        one_of("device", self.device, DEVICE_CHOICES)
        at_least("beams", self.beams, 1, MAX_BEAMS)
        at_least("batch_size", self.batch_size, 1)
        at_least("max_batch_tokens", self.max_batch_tokens, 1)
        at_least("threads", self.threads, 1)
        at_least("inter_threads", self.inter_threads, 1)
        at_least("cache_size", self.cache_size, 0)
        if self.micro_batch_ms is not None and not 0 <= self.micro_batch_ms <= 1000:
            raise ValueError(f"micro_batch_ms must be from 0 to 1000; got {self.micro_batch_ms}")
        if self.target_vocab_only and self.backend == "transformers":
            raise ValueError("target_vocab_only needs the ctranslate2 backend")
        if self.shortlist and self.backend == "transformers":
            raise ValueError("a shortlist needs the ctranslate2 backend")
        if self.shortlist and self.target_vocab_only:
            raise ValueError("choose either target_vocab_only or a shortlist, not both")


@dataclass(frozen=True)
class SummaryOptions:
    """Which summariser, how long a summary, and whether it is made from the translation or the source.

    ``summarizer`` is ``auto`` (abstractive when its model can be had, else
    extractive), ``extractive`` or ``abstractive``. Length: at most
    ``summary_sentences`` sentences and/or ``summary_words`` words, or
    ``summary_ratio`` of the sentences; by default three sentences within 80
    words. With ``summary_from="source"`` French sentences are picked and
    only those are translated.

    ``source_lang`` and ``summary_lang`` say what :meth:`Pipeline.summarize`
    reads and writes: French to English (the default, through the
    translation), English to English or French to French (no translation
    model is loaded).
    """

    summarizer: str = "auto"
    summarizer_model: str | None = None
    summarizer_revision: str | None = None
    summary_sentences: int | None = None
    summary_ratio: float | None = None
    summary_words: int | None = None
    summary_from: str = "translation"
    source_lang: str = "fr"
    summary_lang: str = "en"

    def __post_init__(self) -> None:
        one_of("summarizer", self.summarizer, SUMMARIZER_CHOICES)
        one_of("summary_from", self.summary_from, SUMMARY_SOURCES)
        one_of("source_lang", self.source_lang, LANGUAGE_CHOICES)
        one_of("summary_lang", self.summary_lang, LANGUAGE_CHOICES)
        if (self.source_lang, self.summary_lang) == ("en", "fr"):
            raise ValueError("an English text cannot get a French summary: bilingua translates French to English only")
        at_least("summary_sentences", self.summary_sentences, 1)
        at_least("summary_words", self.summary_words, 1)
        if self.summary_ratio is not None and not 0 < self.summary_ratio <= 1:
            raise ValueError(f"summary_ratio must be in (0, 1]; got {self.summary_ratio}")


@dataclass(frozen=True)
class ServiceOptions:
    """Where ``bilingua serve`` listens, and what it accepts from whom.

    ``max_chars`` bounds the text of one request (413 above it);
    ``api_keys`` is a file of keys, one per line, each optionally followed by
    its own requests-per-minute limit (a key is then required: 403 without
    one); ``req_limit`` is the requests per minute allowed to each key, or to
    each client address when there are no keys (429 above it). A sentence
    whose confidence is below ``low_confidence`` is marked on the web page.
    How requests share engine batches is a translation option
    (:attr:`TranslationOptions.micro_batch_ms`).
    """

    host: str = "127.0.0.1"
    port: int = 5000
    max_chars: int = 50_000
    api_keys: str | None = None
    req_limit: int | None = None
    low_confidence: float = -1.5
    graceful_seconds: int = 30
    #: Proxies whose X-Forwarded-For is believed (uvicorn's setting); ``*`` behind a trusted proxy only.
    forwarded_allow_ips: str = "127.0.0.1"

    def __post_init__(self) -> None:
        at_least("port", self.port, 0, 65535)
        at_least("max_chars", self.max_chars, 1)
        at_least("req_limit", self.req_limit, 1)
        at_least("graceful_seconds", self.graceful_seconds, 1)


def field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def split_options(options: Mapping[str, Any], *groups: type) -> tuple[list[Any], dict[str, Any]]:
    """Route flat keyword options to the option groups that own them; return the groups and the rest."""
    rest = dict(options)
    made = []
    for cls in groups:
        mine = {k: rest.pop(k) for k in field_names(cls) if k in rest}
        made.append(cls(**mine))
    return made, rest


def from_namespace(cls: type, namespace: object, **overrides: Any) -> Any:
    """An option group from parsed command-line arguments (attributes named like its fields; ``None`` = default)."""
    values = {k: getattr(namespace, k) for k in field_names(cls) if getattr(namespace, k, None) is not None}
    return cls(**{**values, **overrides})


def call_options(method: Callable[..., Any], options: dict[str, Any]) -> dict[str, Any]:
    """Pop from ``options`` the keyword-only parameters that ``method`` takes at call time."""
    import inspect

    params = inspect.signature(method).parameters
    names = [n for n, p in params.items() if p.kind is inspect.Parameter.KEYWORD_ONLY]
    return {n: options.pop(n) for n in names if n in options}
