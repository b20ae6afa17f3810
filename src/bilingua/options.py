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

from .backends import BACKENDS, COMPUTE_TYPES, DEVICES, GenerationOptions
from .checks import at_least, one_of, within
from .errors import InputError
from .signature import Signature, file_digest
from .languages import AUTO, DEFAULT_TIER, LANGUAGES, PAIRS, SOURCE, TIERS, Pair, pair
from .review import CHECKS, DEFAULT_MIN_SCORE
from .summarizers import SUMMARIZERS
from .summarizers.strategies import SUMMARY_SOURCES

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
    "SOURCE_CHOICES",
    "MAX_BEAMS",
    "split_options",
    "option",
    "option_groups",
    "signature",
    "generation_of",
    "agreed",
    "summary_language",
    "ReviewOptions",
]

BACKEND_CHOICES = ("auto", *BACKENDS)
COMPUTE_TYPE_CHOICES = ("auto", *COMPUTE_TYPES)
DEVICE_CHOICES = DEVICES
SUMMARIZER_CHOICES = SUMMARIZERS
LANGUAGE_CHOICES = tuple(LANGUAGES)
SOURCE_CHOICES = (*LANGUAGES, AUTO)
#: Beam search wider than this costs time for no measurable gain on Marian models.
MAX_BEAMS = 16


def option(default: Any, help: str, **cli: Any) -> Any:
    """A dataclass field with its default and what its command-line flag says (see :mod:`bilingua.flags`):
    ``help``, and optionally ``choices``, ``metavar``, ``flag``, ``parse`` (text to value), ``off_flag``,
    ``cli=False`` (no flag) and ``file=True`` (a path counted by its content in the signature)."""
    return dataclasses.field(default=default, metadata={"help": help, **cli})


def _milliseconds(value: float | None) -> None:
    within("micro_batch_ms", value, 0, 1000)


@dataclass(frozen=True)
class TranslationOptions:
    """Which pair, model and engine translate, and how they batch and decode.

    ``source`` and ``target`` name the pair (``fr`` to ``en`` by default; ``target=None``: the other
    language; ``source="auto"``: each document's detected language), ``tier`` its default models
    (``fast`` or ``quality``, see :mod:`bilingua.languages`). ``model`` is the named pair's model;
    ``pair_models`` (``("fr-en=FOLDER", "en-fr=ID")``) give any pair's.
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
    to the model); ``glossary`` is a file of ``source<TAB>target`` terms of the named pair
    that come out as given. ``target_vocab_only`` and ``shortlist`` (a file
    from ``bilingua models shortlist``), CTranslate2 only and opt-in since
    they may change outputs, restrict the pieces the decoder scores.
    """

    source: str = option(SOURCE, "language of the input, or auto: detected per document", flag="--from",
                         choices=SOURCE_CHOICES)
    target: str | None = option(None, "language of the translation (default: the other one)", flag="--to",
                                choices=LANGUAGE_CHOICES)
    tier: str = option(DEFAULT_TIER, "the pair's default models: fast (opus-mt) or quality (opus-mt-tc-big)",
                       choices=TIERS)
    model: str | None = option(None, "Marian model of the --from/--to pair (default: the pair's model of its tier): "
                               "hub id or local folder", metavar="ID_OR_PATH")
    revision: str | None = option(None, "hub revision of --model (default: the pinned one)")
    pair_models: tuple[str, ...] = option(
        (), "the model of a pair, as PAIR=ID_OR_PATH (fr-en=..., en-fr=...); once per pair", flag="--pair-model",
        metavar="PAIR=ID_OR_PATH", many=True)
    backend: str = option("auto", "translation engine", choices=BACKEND_CHOICES)
    compute_type: str = option("auto", "numeric precision of the engine", choices=COMPUTE_TYPE_CHOICES)
    device: str = option("auto", "where the engine runs", choices=DEVICE_CHOICES)
    beams: int | None = option(None, f"beam size, at most {MAX_BEAMS} (default: the model's, 4 for opus-mt)")
    batch_size: int = option(16, "sentences per engine batch")
    max_batch_tokens: int = option(8192, "padded source tokens per batch")
    threads: int | None = option(None, "CPU threads for the engine (default and maximum: the cores)")
    inter_threads: int | None = option(
        None, "CTranslate2: batches run in parallel (default: 2 on a CPU of 2 or more cores, 1 on a GPU)")
    target_vocab_only: bool = option(
        False, "CTranslate2: restrict the output layer to the target-side vocabulary (faster; may change outputs)")
    shortlist: str | None = option(
        None, "CTranslate2: score only each sentence's likely pieces, from `bilingua models shortlist` "
        "(faster; may change outputs)", metavar="FILE", file=True)
    cache_size: int = option(0, "sentence translations kept across calls", cli=False)
    micro_batch_ms: float | None = option(None, "merge concurrent calls' sentences into shared batches", cli=False)
    keep_lines: bool = option(
        False, "translate every line on its own, even inside a hard-wrapped paragraph (default: re-flow it)")
    protect: bool = option(True, "let the model translate URLs, e-mail addresses, handles, code and numbers with units")
    glossary: str | None = option(None, "terms that must come out as given: SOURCE<TAB>TARGET per line, of the --from/--to pair", metavar="TSV",
                                file=True)

    def __post_init__(self) -> None:
        one_of("source", self.source, SOURCE_CHOICES)
        if self.target is not None:
            one_of("target", self.target, LANGUAGE_CHOICES)
        one_of("tier", self.tier, TIERS)
        if self.source != AUTO:
            pair(self.source, self.target)
        elif self.target is not None and not any(p.target == self.target for p in PAIRS.values()):
            raise InputError(f"bilingua translates nothing into {self.target}")
        self.models_by_pair()  # checks them
        one_of("backend", self.backend, ("auto", *BACKENDS))  # read now: an engine may be registered later
        one_of("compute_type", self.compute_type, COMPUTE_TYPE_CHOICES)
        one_of("device", self.device, DEVICE_CHOICES)
        at_least("beams", self.beams, 1, MAX_BEAMS)
        at_least("batch_size", self.batch_size, 1)
        at_least("max_batch_tokens", self.max_batch_tokens, 1)
        at_least("threads", self.threads, 1)
        at_least("inter_threads", self.inter_threads, 1)
        at_least("cache_size", self.cache_size, 0)
        _milliseconds(self.micro_batch_ms)
        if self.target_vocab_only and self.backend == "transformers":
            raise InputError("target_vocab_only needs the ctranslate2 backend")
        if self.shortlist and self.backend == "transformers":
            raise InputError("a shortlist needs the ctranslate2 backend")
        if self.shortlist and self.target_vocab_only:
            raise InputError("choose either target_vocab_only or a shortlist, not both")

    @property
    def named_pair(self) -> Pair:
        """The pair ``source`` and ``target`` name: the one ``model`` translates (the default pair under auto)."""
        return pair(SOURCE if self.source == AUTO else self.source, self.target)

    def pair_of(self, source: str) -> Pair:
        """The pair that translates a document in ``source`` (a detected language, under auto)."""
        return pair(source, self.target if self.target != source else None)

    def models_by_pair(self) -> dict[str, str]:
        """``pair_models`` by pair name; an entry that is not ``PAIR=ID_OR_PATH`` of a known pair is an error."""
        found: dict[str, str] = {}
        for entry in self.pair_models:
            name, _, model = entry.partition("=")
            if name not in PAIRS or not model:
                raise InputError(f"a pair's model is given as PAIR=ID_OR_PATH with PAIR one of {', '.join(PAIRS)}; "
                                 f"got {entry!r}")
            if name in found:
                raise InputError(f"the model of {name} is given twice")
            found[name] = model
        return found

    def model_of(self, chosen: Pair) -> tuple[str, str | None]:
        """The model (hub id or folder) and revision that translate ``chosen``: its ``pair_models`` entry,
        else ``model`` for the named pair, else the pair's model of ``tier``."""
        given = self.models_by_pair().get(chosen.name)
        if given is not None:
            return given, None
        if self.model is not None and chosen == self.named_pair:
            return self.model, self.revision
        default = chosen.model(self.tier)
        return default.id, default.revision


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

    summarizer: str = option("auto", "how summaries are made", choices=SUMMARIZER_CHOICES)
    summarizer_model: str | None = option(None, "abstractive summariser: hub id or local folder", metavar="ID_OR_PATH")
    summarizer_revision: str | None = option(None, "hub revision of --summarizer-model")
    summary_sentences: int | None = option(None, "at most this many sentences (default 3, within 80 words)")
    summary_ratio: float | None = option(None, "summary length as a fraction of the input's sentences")
    summary_words: int | None = option(None, "at most this many words, in whole sentences")
    summary_from: str = option(
        "translation", "summarise the English translation, or pick French source sentences and translate those",
        choices=SUMMARY_SOURCES)
    source_lang: str | None = option(None, "the same as --from", choices=LANGUAGE_CHOICES)
    summary_lang: str | None = option(None, "language of the summary (default: the translation's; the input's: "
                                      "no translation)", choices=LANGUAGE_CHOICES)

    def __post_init__(self) -> None:
        one_of("summarizer", self.summarizer, SUMMARIZER_CHOICES)
        one_of("summary_from", self.summary_from, SUMMARY_SOURCES)
        for name in ("source_lang", "summary_lang"):
            if getattr(self, name) is not None:
                one_of(name, getattr(self, name), LANGUAGE_CHOICES)
        if self.source_lang and self.summary_lang and self.summary_lang != self.source_lang \
                and f"{self.source_lang}-{self.summary_lang}" not in PAIRS:
            raise InputError(f"a {LANGUAGES[self.source_lang].name} text cannot get a {LANGUAGES[self.summary_lang].name} "
                             f"summary: bilingua translates {', '.join(PAIRS)}")
        at_least("summary_sentences", self.summary_sentences, 1)
        at_least("summary_words", self.summary_words, 1)
        within("summary_ratio", self.summary_ratio, 0, 1, open_low=True)


def _kinds(text: str) -> tuple[str, ...]:
    return tuple(k.strip() for k in text.split(",") if k.strip())


@dataclass(frozen=True)
class ReviewOptions:
    """Which review flags are raised (see :func:`bilingua.review`): ``checks`` names the kinds (default:
    all of :data:`bilingua.review.CHECKS`); a sentence the engine scores below ``min_score`` (a mean
    log-probability per token) is ``low_confidence``."""

    checks: tuple[str, ...] = option(tuple(CHECKS), "kinds of flag to look for, comma-separated", parse=_kinds,
                                     metavar="KINDS")
    min_score: float = option(DEFAULT_MIN_SCORE, "engine score under which a sentence is low_confidence")

    def __post_init__(self) -> None:
        unknown = [k for k in self.checks if k not in CHECKS]
        if unknown or not self.checks:
            raise InputError(f"checks must be among {', '.join(CHECKS)}; got {', '.join(unknown) or 'none'}")
        within("min_score", self.min_score, -1000, 0)


@dataclass(frozen=True)
class ServiceOptions:
    """Where ``bilingua serve`` listens, and what it accepts from whom.

    ``max_chars`` bounds the text of one request (413 above it);
    ``api_keys`` is a file of keys, one per line, each optionally followed by
    its own requests-per-minute limit (a key is then required: 403 without
    one); ``req_limit`` is the requests per minute allowed to each key, or to
    each client address when there are no keys (429 above it). A sentence
    whose confidence is below ``low_confidence`` is marked on the web page (``bilingua serve`` flags it
    ``low_confidence`` too; from Python, the pipeline's :class:`ReviewOptions` say).
    ``micro_batch_ms`` (5 by default, ``None`` for none) lets the sentences
    of requests made at the same time share engine batches; the service sets
    it on its pipeline, whether started by ``bilingua serve`` or from Python.
    """

    host: str = option("127.0.0.1", "address to listen on (0.0.0.0 for every interface)")
    port: int = option(5000, "port to listen on")
    max_chars: int = option(50_000, "characters of text per request; more is refused with 413")
    batch_limit: int | None = option(
        1000, "texts per request (q as a list); more is refused with 400 (LibreTranslate's --batch-limit)")
    api_keys: str | None = option(
        None, "require a key from FILE (one per line, optionally followed by its requests per minute)", metavar="FILE")
    req_limit: int | None = option(
        None, "requests per minute per key (or per client address without keys)", metavar="N")
    chars_per_minute: int | None = option(
        None, "characters per minute per key (or per client address without keys); more is refused with 429",
        metavar="N")
    low_confidence: float = option(DEFAULT_MIN_SCORE, "sentences scored below this mean log-probability are marked "
                                   "on the web page and flagged low_confidence")
    graceful_seconds: int = option(30, "on SIGTERM, how long requests in flight may still take")
    #: Proxies whose X-Forwarded-For is believed (uvicorn's setting); none by default, since any local
    #: process could otherwise pick its own rate-limit identity; ``*`` behind a trusted proxy only.
    forwarded_allow_ips: str = option("", "proxies whose X-Forwarded-For gives the client address (default: none)")
    cors_origins: str = option("*", "origins whose web pages may call the API (CORS), comma-separated, as "
                               "LibreTranslate; empty for none")
    public_metrics: bool = option(False, "serve /metrics without a key when keys are required")
    preload: bool = option(False, "load every pair's model at start-up (default: the default pair's now, each "
                           "other pair's on its first request)")
    max_file_mb: float = option(20.0, "size of a file sent to /translate_file, in MB; more is refused with 413",
                                metavar="MB")
    #: Translated files wait here for /download_file (a temporary folder, removed at exit, by default).
    data_dir: str | None = option(None, "folder for translated files waiting to be downloaded (default: temporary)",
                                  metavar="DIR")
    keep_results: float = option(24.0, "hours a translated file stays downloadable", metavar="HOURS")
    #: LibreTranslate's /suggest: off (403) unless a database is named.
    suggestions: str | None = option(None, "store /suggest's suggestions in this SQLite file (off without one)",
                                     metavar="DB")
    #: Past it the client gets a 503 and the request's sentences still queued are dropped; the same happens,
    #: unanswered, when the client hangs up.
    request_timeout: float = option(60.0, "seconds a request may take; 503 after, its queued work dropped",
                                    metavar="SECONDS")
    #: Requests' sentences share engine batches, waiting up to this long for batch-mates; ``None``: each alone.
    micro_batch_ms: float | None = option(
        5.0, "wait up to MS for other requests' sentences to share an engine batch", metavar="MS",
        off_flag="--no-micro-batch", off_help="translate one request at a time")

    def __post_init__(self) -> None:
        at_least("port", self.port, 0, 65535)
        at_least("max_chars", self.max_chars, 1)
        at_least("req_limit", self.req_limit, 1)
        at_least("batch_limit", self.batch_limit, 1)
        at_least("chars_per_minute", self.chars_per_minute, 1)
        within("request_timeout", self.request_timeout, 0, 86_400, open_low=True)
        within("max_file_mb", self.max_file_mb, 0, 10_000, open_low=True)
        within("keep_results", self.keep_results, 0, 24 * 365, open_low=True)
        at_least("graceful_seconds", self.graceful_seconds, 1)
        _milliseconds(self.micro_batch_ms)


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


def call_options(method: Callable[..., Any], options: dict[str, Any]) -> dict[str, Any]:
    """Pop from ``options`` the keyword-only parameters that ``method`` takes at call time."""
    import inspect

    params = inspect.signature(method).parameters
    names = [n for n, p in params.items() if p.kind is inspect.Parameter.KEYWORD_ONLY]
    return {n: options.pop(n) for n in names if n in options}


def option_groups(
    options: dict[str, Any], translation: TranslationOptions | None = None, summary: SummaryOptions | None = None,
) -> tuple[TranslationOptions, SummaryOptions]:
    """The two option groups from groups given whole and fields given by name (a field by name wins),
    their languages agreed (see :func:`agreed`)."""
    (flat_t, flat_s), unknown = split_options(options, TranslationOptions, SummaryOptions)
    if unknown:
        raise TypeError(f"Pipeline() got unknown options: {', '.join(sorted(unknown))}")
    return agreed(_merge(translation, flat_t, options), _merge(summary, flat_s, options))


def agreed(t: TranslationOptions, s: SummaryOptions) -> tuple[TranslationOptions, SummaryOptions]:
    """One source language for both groups: ``source_lang`` (the summary's old name for it) sets ``source``
    when given, and ``source_lang`` is then ``source``'s (``None`` under auto: each document's)."""
    if s.source_lang is not None and s.source_lang != t.source:
        t = dataclasses.replace(t, source=s.source_lang)
    if s.source_lang != (None if t.source == AUTO else t.source):
        s = dataclasses.replace(s, source_lang=None if t.source == AUTO else t.source)
    return t, s


def summary_language(t: TranslationOptions, s: SummaryOptions, source: str) -> str:
    """The language of a summary of a document in ``source``: ``summary_lang``, else the translation's."""
    return s.summary_lang or t.pair_of(source).target


def _merge(given: Any, flat: Any, options: dict[str, Any]) -> Any:
    """An option group given whole, with any of its fields also given by name taking precedence."""
    if given is None:
        return flat
    named = {f.name: getattr(flat, f.name) for f in dataclasses.fields(flat) if f.name in options}
    return dataclasses.replace(given, **named)


def signature(*groups: Any, **extra: Any) -> Signature:
    """The configuration signature of option groups (and ``extra`` named fields): every field by value,
    and a file that a field names (``file=True`` in its metadata: the glossary, the shortlist) by its content.

    The pipeline cache, the batch manifest and (through the same :class:`Signature`) the CTranslate2
    conversion cache are keyed by it.
    """
    fields: dict[str, Any] = {}
    for group in groups:
        values: dict[str, Any] = {}
        for f in dataclasses.fields(group):
            value = getattr(group, f.name)
            if f.metadata.get("file") and value is not None:
                value = {"path": str(value), "sha256": _digest_or_missing(value)}
            values[f.name] = value
        fields[type(group).__name__] = values
    return Signature(**fields, **extra)


def _digest_or_missing(path: str) -> str | None:
    try:
        return file_digest(path)
    except OSError:  # the option's own check says what is wrong with it, when it is used
        return None


def generation_of(translation: TranslationOptions, given: GenerationOptions | None = None) -> GenerationOptions:
    """How the engine decodes: ``given``, or the beam size of ``translation`` (not both with different beams)."""
    if given is not None and translation.beams is not None and given.beams != translation.beams:
        raise InputError("give the beam size in beams or in generation, not both")
    return given or GenerationOptions(beams=translation.beams)
