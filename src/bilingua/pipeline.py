"""``Pipeline``: the loaded models and options, and the one-call helpers built on it."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any, overload

from .backends import GenerationOptions, TranslationBackend, available_backends, load_backend
from .errors import BackendUnavailableError
from .hub import DEFAULT_TRANSLATION_MODEL, resolve_model
from .result import Result, Segment
from .segmentation import Splitter, parse_document
from .summarizers import ExtractiveSummarizer, Summarizer, make_summarizer
from .translator import CachedBackend, DocumentTranslation, Translator

__all__ = ["Pipeline", "process", "translate", "summarize", "get_pipeline", "choose_backend"]

SUMMARY_SOURCES = ("translation", "source")
BACKEND_CHOICES = ("auto", "transformers", "ctranslate2")


def _check_text(text: object, func: str) -> str:
    if not isinstance(text, str):
        raise TypeError(f"{func}() expects a str, not {type(text).__name__}")
    return text


def cpu_has_int8_dot_product() -> bool:
    """Whether the CPU has VNNI (or AMX) int8 dot-product instructions (read from /proc/cpuinfo)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return bool(flags & {"avx512_vnni", "avx_vnni", "amx_int8"})
    except OSError:
        pass
    return False


def choose_backend(requested: str, device: str, compute_type: str) -> tuple[str, str, str]:
    """Pick (backend, device, compute type) for ``auto`` values from what measured fastest.

    Measured with ``scripts/bench_translate.py`` (README, Performance):
    CTranslate2 beats transformers everywhere; on a CPU with VNNI int8
    dot products its int8 is several times its float32, while on an AVX2 CPU
    without VNNI int8 was slower than float32, so int8 is the default only
    where VNNI is present. On a GPU, float16.
    Without ctranslate2 installed, transformers fp32 is used.
    """
    if requested not in BACKEND_CHOICES:
        raise ValueError(f"unknown backend {requested!r}; choose one of: {', '.join(BACKEND_CHOICES)}")
    backend = requested
    if backend == "auto":
        backend = "ctranslate2" if "ctranslate2" in available_backends() else "transformers"
    from .backends.base import resolve_device

    device = resolve_device(device, engine="ctranslate2" if backend == "ctranslate2" else "torch")
    if compute_type == "auto":
        if backend == "ctranslate2":
            if device == "cuda":
                compute_type = "float16"
            else:
                compute_type = "int8" if cpu_has_int8_dot_product() else "float32"
        else:
            compute_type = "float32"
    return backend, device, compute_type


class Pipeline:
    """Reusable FR->EN translation and summarisation with loaded models.

    Models load lazily on first use and stay loaded. ``model`` is a hub id or
    a local folder; the default is ``Helsinki-NLP/opus-mt-fr-en`` at a pinned
    revision. ``summarizer`` is ``auto`` (abstractive when its model can be
    had, else extractive), ``extractive`` or ``abstractive``.
    ``target_vocab_only`` (CTranslate2) restricts the output layer to the
    target-side SentencePiece vocabulary: faster, and in principle able to
    change an output (see the README's performance section). ``cache_size``
    keeps that many sentence translations across calls (an LRU cache).
    """

    def __init__(
        self,
        model: str = DEFAULT_TRANSLATION_MODEL,
        revision: str | None = None,
        *,
        backend: str = "auto",
        compute_type: str = "auto",
        device: str = "auto",
        beams: int | None = None,
        batch_size: int = 16,
        max_batch_tokens: int = 8192,
        threads: int | None = None,
        summarizer: str | Summarizer = "auto",
        summarizer_model: str | None = None,
        summarizer_revision: str | None = None,
        summary_sentences: int | None = None,
        summary_ratio: float | None = None,
        summary_from: str = "translation",
        splitter: Splitter | None = None,
        target_vocab_only: bool = False,
        cache_size: int = 0,
        generation: GenerationOptions | None = None,
        progress: bool = True,
        quiet: bool = False,
    ) -> None:
        if summary_from not in SUMMARY_SOURCES:
            raise ValueError(f"summary_from must be 'translation' or 'source', not {summary_from!r}")
        if beams is not None and beams < 1:
            raise ValueError("beams must be at least 1")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if backend not in BACKEND_CHOICES:
            raise ValueError(f"unknown backend {backend!r}; choose one of: {', '.join(BACKEND_CHOICES)}")
        self.model = model
        self.revision = revision
        self.backend_name = backend
        self.compute_type = compute_type
        self.device = device
        if generation is not None and beams is not None and generation.beams != beams:
            raise ValueError("give the beam size in beams or in generation, not both")
        self.options = generation or GenerationOptions(beams=beams)
        self.target_vocab_only = target_vocab_only
        if cache_size < 0:
            raise ValueError("cache_size must be 0 (no cache) or more")
        self.cache_size = cache_size
        self.batch_size = batch_size
        self.max_batch_tokens = max_batch_tokens
        self.threads = threads
        self.summarizer_spec = summarizer
        self.summarizer_model = summarizer_model
        self.summarizer_revision = summarizer_revision
        self.summary_sentences = summary_sentences
        self.summary_ratio = summary_ratio
        self.summary_from = summary_from
        self.splitter = splitter
        self.progress = progress
        self.quiet = quiet
        self._translator: Translator | None = None
        self._backend_note: dict[str, Any] = {}
        self._summarizer: Summarizer | None = None
        self._summarizer_note: dict[str, Any] = {}
        self._source_picker: ExtractiveSummarizer | None = None
        self._load_seconds = {"translation": 0.0, "summarizer": 0.0}
        self._lock = threading.Lock()

    # -- loading -------------------------------------------------------------
    @property
    def translator(self) -> Translator:
        with self._lock:
            if self._translator is None:
                t0 = time.perf_counter()
                resolved = resolve_model(self.model, self.revision)
                name, device, compute = choose_backend(self.backend_name, self.device, self.compute_type)
                if self.target_vocab_only and name != "ctranslate2":
                    raise ValueError("target_vocab_only needs the ctranslate2 backend")
                extra = {"target_vocab_only": True} if self.target_vocab_only else {}
                fallback = None
                try:
                    backend: TranslationBackend = load_backend(
                        name, resolved, device=device, options=self.options,
                        compute_type=compute, threads=self.threads, **extra,
                    )
                except BackendUnavailableError as exc:
                    if self.backend_name != "auto" or name != "ctranslate2" or device != "cuda":
                        raise
                    # auto on a GPU that CTranslate2's build cannot use: transformers runs the same
                    # model there; say so rather than fail or hide it.
                    fallback = str(exc)
                    if not self.quiet:
                        print(f"bilingua: {exc}; using the transformers backend on the GPU", file=sys.stderr)
                    backend = load_backend("transformers", resolved, device=device, options=self.options,
                                           compute_type="float32", threads=self.threads)
                self._backend_note = {"requested_backend": self.backend_name,
                                      **({"fallback_reason": fallback} if fallback else {})}
                if self.cache_size:
                    backend = CachedBackend(backend, self.cache_size)
                self._translator = Translator(
                    backend, splitter=self.splitter, batch_size=self.batch_size,
                    max_batch_tokens=self.max_batch_tokens, progress=self.progress and not self.quiet,
                )
                self._load_seconds["translation"] = time.perf_counter() - t0
            return self._translator

    @property
    def summarizer(self) -> Summarizer:
        with self._lock:
            if self._summarizer is None:
                t0 = time.perf_counter()
                if isinstance(self.summarizer_spec, Summarizer):
                    self._summarizer, self._summarizer_note = self.summarizer_spec, {"requested": "custom"}
                else:
                    self._summarizer, self._summarizer_note = make_summarizer(
                        self.summarizer_spec, self.summarizer_model, self.summarizer_revision,
                        device=self.device, num_sentences=self.summary_sentences,
                        ratio=self.summary_ratio, quiet=self.quiet,
                    )
                self._load_seconds["summarizer"] = time.perf_counter() - t0
            return self._summarizer

    @property
    def source_picker(self) -> ExtractiveSummarizer:
        if self._source_picker is None:
            self._source_picker = ExtractiveSummarizer(
                self.summary_sentences, self.summary_ratio or 0.2, language="fr"
            )
        return self._source_picker

    def models_info(self) -> dict[str, Any]:
        info: dict[str, Any] = {}
        if self._translator is not None:
            info["translation"] = {**self._translator.backend.info(), **self._backend_note}
        if self._summarizer is not None:
            info["summarizer"] = {**self._summarizer.info(), **self._summarizer_note}
        return info

    # -- work ----------------------------------------------------------------
    @overload
    def translate(self, text: str) -> str: ...
    @overload
    def translate(self, text: list[str]) -> list[str]: ...

    def translate(self, text: str | list[str]) -> str | list[str]:
        """Translate a document (keeping its layout), or each document of a list.

        The documents of a list are translated in one pass, so their sentences share batches.
        """
        docs = text if isinstance(text, list) else [text]
        for doc in docs:
            _check_text(doc, "translate")
        if not any(d.strip() for d in docs):  # nothing to translate: load no model
            return text
        out = [d.text for d in self.translator.translate_documents(docs)]
        return out if isinstance(text, list) else out[0]

    def summarize(self, text: str, *, summary_from: str | None = None) -> str:
        """English summary of a French document."""
        _check_text(text, "summarize")
        return self.process(text, summary_from=summary_from, translate_all=False).summary

    def process(
        self, text: str, *, summarize: bool = True, summary_from: str | None = None, translate_all: bool = True
    ) -> Result:
        """Translate and summarise ``text``; see :class:`Result`.

        With ``summary_from="source"`` and ``translate_all=False`` only the
        French sentences picked for the summary are translated (the fast path
        :meth:`summarize` takes); ``translation`` and ``segments`` stay empty.
        """
        return self._process(text, summarize, summary_from, translate_all, None)

    def _process(
        self, text: str, summarize: bool, summary_from: str | None, translate_all: bool,
        translated: DocumentTranslation | None,
    ) -> Result:
        _check_text(text, "process")
        summary_from = summary_from or self.summary_from
        if summary_from not in SUMMARY_SOURCES:
            raise ValueError(f"summary_from must be 'translation' or 'source', not {summary_from!r}")
        t_start = time.perf_counter()
        timings = {"load": 0.0, "segment": 0.0, "translate": 0.0, "summarize": 0.0}
        result = Result(source=text, translation="", summary="")
        if not text.strip():
            result.translation = text
            timings["total"] = time.perf_counter() - t_start
            result.timings = timings
            return result

        translator = self.translator
        timings["load"] += self._load_seconds["translation"]
        self._load_seconds["translation"] = 0.0  # charge a load to the first call only

        fast_summary = summarize and summary_from == "source" and not translate_all
        if fast_summary:
            # Pick French sentences first; translate only those.
            t0 = time.perf_counter()
            document = parse_document(text, translator.splitter)
            placed = document.sentences()
            timings["segment"] = time.perf_counter() - t0
            chosen = self.source_picker.select([s for _, _, s in placed])
            t1 = time.perf_counter()
            hyps = translator.translate_sentences([placed[i][2] for i in chosen])
            timings["translate"] = time.perf_counter() - t1
            result.summary_segments = [
                Segment(placed[i][2], h.text, placed[i][1], placed[i][0], h.score) for i, h in zip(chosen, hyps)
            ]
        else:
            done = translated or translator.translate_document(text)
            timings["segment"] = done.segment_seconds
            timings["translate"] = done.translate_seconds
            result.translation = done.text
            result.segments = [
                Segment(src, h.text, paragraph, line, h.score)
                for (line, paragraph, src), h in zip(done.document.sentences(), done.hypotheses)
            ]
            if summarize:
                t2 = time.perf_counter()
                if summary_from == "source":
                    chosen = self.source_picker.select([s.source for s in result.segments])
                    result.summary_segments = [result.segments[i] for i in chosen]
                else:
                    summarizer = self.summarizer
                    timings["load"] += self._load_seconds["summarizer"]
                    self._load_seconds["summarizer"] = 0.0
                    t2 = time.perf_counter()
                    result.summary = summarizer.summarize(result.translation)
                timings["summarize"] = time.perf_counter() - t2
        if result.summary_segments:
            result.summary = " ".join(s.translation for s in result.summary_segments if s.translation)
        timings["total"] = time.perf_counter() - t_start
        result.timings = timings
        models = self.models_info()
        if summarize and summary_from == "source":
            models["summarizer"] = {**self.source_picker.info(), "summary_from": "source"}
        result.models = models
        return result

    def process_many(self, texts: Iterable[str], *, summarize: bool = True, group: int = 32) -> Iterator[Result]:
        """Process documents in order, yielding results as they are ready.

        Up to ``group`` documents are translated in one pass (their sentences
        share batches), so many short documents cost few engine calls; the
        translate timing of each result is that of its group.
        """
        if group < 1:
            raise ValueError("group must be at least 1")
        bar = None
        if self.progress and not self.quiet and sys.stderr.isatty():
            from tqdm import tqdm

            total = len(texts) if hasattr(texts, "__len__") else None  # type: ignore[arg-type]
            bar = tqdm(total=total, unit="doc", desc="processing")
        try:
            for chunk in _chunks(texts, group):
                for text in chunk:
                    _check_text(text, "process_many")
                done = self.translator.translate_documents(chunk) if any(t.strip() for t in chunk) else [None] * len(chunk)
                for text, translated in zip(chunk, done):
                    yield self._process(text, summarize, None, True, translated)
                    if bar is not None:
                        bar.update(1)
        finally:
            if bar is not None:
                bar.close()


def _chunks(items: Iterable[str], size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


_PIPELINES: dict[tuple[tuple[str, Any], ...], Pipeline] = {}
_PIPELINES_LOCK = threading.Lock()


def get_pipeline(**options: Any) -> Pipeline:
    """The shared pipeline for these options (created on first use, then reused)."""
    key = tuple(sorted(options.items()))
    with _PIPELINES_LOCK:
        if key not in _PIPELINES:
            _PIPELINES[key] = Pipeline(**options)
        return _PIPELINES[key]


_CALL_OPTIONS = {"summarize", "summary_from"}


def process(text: str, **options: Any) -> Result:
    """Translate and summarise a French document with a shared, lazily loaded pipeline."""
    _check_text(text, "process")
    call = {k: options.pop(k) for k in list(options) if k in _CALL_OPTIONS}
    return get_pipeline(**options).process(text, **call)


def translate(text: str | list[str], **options: Any) -> str | list[str]:
    """Translate a French document (or a list of them) to English."""
    if not isinstance(text, list):
        _check_text(text, "translate")
    return get_pipeline(**options).translate(text)


def summarize(text: str, **options: Any) -> str:
    """English summary of a French document."""
    _check_text(text, "summarize")
    summary_from = options.pop("summary_from", None)
    return get_pipeline(**options).summarize(text, summary_from=summary_from)
