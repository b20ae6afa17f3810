"""``Pipeline``: the options, the models loaded once behind them, and the calls a user makes on a document."""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Iterable, Iterator, Sequence, Sized
from dataclasses import replace
from functools import partial
from typing import Any, overload

from . import progress
from .backends import GenerationOptions, needs_model, open_stack
from .checks import at_least
from .errors import InputError
from .formats import format_of, formats, get_format, plain_text, translate_document
from .hub import resolve_model
from .io import check_text
from .detection import LanguageDetector
from .languages import AUTO, LANGUAGES, PAIRS, Pair, translating
from .lazy import Lazy
from .options import (ReviewOptions, SummaryOptions, TranslationOptions, agreed, generation_of, option_groups,
                      summary_language)
from .protect import Protector
from .result import Flag, Result
from .review import Reviewer
from .segmentation import PysbdSplitter, Splitter
from .summarizers import ExtractiveSummarizer, Summarizer, make_summarizer
from .summarizers.strategies import make_result
from .translator import DocumentTranslation, Translator

__all__ = ["Pipeline"]


class Pipeline:
    """Reusable translation and summarisation, French to English or English to French, with loaded models.

    Options come as :class:`~bilingua.options.TranslationOptions` and
    :class:`~bilingua.options.SummaryOptions`, or as their fields by name
    (``Pipeline("folder", backend="ctranslate2", beams=1, summarizer="extractive")``).
    ``source`` and ``target`` name the pair (``fr`` to ``en`` by default; ``source="auto"`` detects each
    document's language and picks its pair), ``tier`` its models (``fast`` or ``quality``). ``model`` is a
    hub id or a local folder of the named pair; the default is the pair's model of its tier at a pinned
    revision. ``summarizer`` may also be a :class:`Summarizer` object. ``review`` (a
    :class:`~bilingua.options.ReviewOptions`) picks the flags that :meth:`process` sets on each segment.
    Models load lazily on first use,
    each pair's and each summary language's apart, and stay loaded; one pipeline may be used from many
    threads at once.
    """

    def __init__(
        self,
        model: str | None = None,
        revision: str | None = None,
        *,
        translation: TranslationOptions | None = None,
        summary: SummaryOptions | None = None,
        splitter: Splitter | None = None,
        generation: GenerationOptions | None = None,
        review: ReviewOptions | None = None,
        progress: bool = False,
        **options: Any,
    ) -> None:
        self._custom_summarizer = options.pop("summarizer") if isinstance(options.get("summarizer"), Summarizer) else None
        options.update({k: v for k, v in (("model", model), ("revision", revision)) if v is not None})
        self.options, self.summary = option_groups(options, translation, summary)
        self.generation = generation_of(self.options, generation)
        self.splitter, self.progress = splitter, progress
        self.protector = Protector.of(self.options.glossary, self.options.protect)  # a bad glossary fails now
        s = self.summary
        self._pickers = {code: ExtractiveSummarizer(s.summary_sentences, s.summary_ratio, words=s.summary_words,
                                                    language=code) for code in LANGUAGES}
        self._notes: dict[str, dict[str, Any]] = {}
        # Each loads once, under its own lock: loading a summariser never holds up translation.
        self._translators = {name: Lazy(partial(self._open_translator, p)) for name, p in PAIRS.items()}
        self._summarizers = {code: Lazy(partial(self._open_summarizer, code)) for code in LANGUAGES}
        self._detector = LanguageDetector(list(LANGUAGES))
        # Each pair's reviewer flags the segments of process(); the glossary's terms are the named pair's.
        glossary = self.protector.glossary if self.protector is not None else None
        self.review_options = review or ReviewOptions()
        r = self.review_options
        self._reviewers = {name: Lazy(partial(Reviewer, p.source, p.target, min_score=r.min_score, checks=r.checks,
                                               glossary=glossary if p == self.options.named_pair else None))
                           for name, p in PAIRS.items()}
        self._views: dict[tuple[str, str | None], Pipeline] = {}
        self._views_lock = threading.Lock()

    @property
    def source_picker(self) -> ExtractiveSummarizer:
        """Picks the source sentences of a summary made from the source (the named pair's language)."""
        return self._pickers[self.options.named_pair.source]

    def load_translator(self, pair: Pair | None = None) -> tuple[Translator, float]:
        """The translator of ``pair`` (default: the named pair), and the seconds this call spent loading it."""
        return self._translators[(pair or self.options.named_pair).name].get()

    def load_summarizer(self, language: str | None = None) -> tuple[Summarizer, float]:
        """The summariser that writes ``language`` (default: the named pair's summaries'), and the seconds
        this call spent loading it."""
        return self._summarizers[language or self._summary_lang(self.options.named_pair.source)].get()

    def _summary_lang(self, source: str) -> str:
        return summary_language(self.options, self.summary, source)

    def _open_translator(self, pair: Pair) -> Translator:
        o = self.options
        name, revision = o.model_of(pair)
        model = resolve_model(name, revision) if needs_model(o.backend) else None
        backend, self._notes[pair.name] = open_stack(
            model, backend=o.backend, device=o.device, compute_type=o.compute_type,
            options=self.generation, threads=o.threads, inter_threads=o.inter_threads,
            target_vocab_only=o.target_vocab_only, shortlist=o.shortlist, micro_batch_ms=o.micro_batch_ms,
            batch_size=o.batch_size, max_batch_tokens=o.max_batch_tokens, cache_size=o.cache_size,
        )
        self._notes[pair.name].update(pair=pair.name, tier=o.tier if (name, revision) == _default(pair, o) else None)
        # The glossary's terms are the named pair's: another pair keeps only the protected spans.
        protector = self.protector if pair == o.named_pair else Protector.of(None, o.protect)
        return Translator(backend, splitter=self.splitter or PysbdSplitter(pair.source), batch_size=o.batch_size,
                          max_batch_tokens=o.max_batch_tokens, progress=self.progress, reflow=not o.keep_lines,
                          protector=protector)

    def _open_summarizer(self, language: str) -> Summarizer:
        if self._custom_summarizer is not None:
            self._notes[f"summarizer-{language}"] = {"requested": "custom"}
            return self._custom_summarizer
        s = self.summary
        summarizer, self._notes[f"summarizer-{language}"] = make_summarizer(
            s.summarizer, s.summarizer_model, s.summarizer_revision, device=self.options.device,
            num_sentences=s.summary_sentences, ratio=s.summary_ratio, words=s.summary_words, language=language,
        )
        return summarizer

    def use_micro_batching(self, wait_ms: float | None) -> None:
        """Let the sentences of concurrent calls share engine batches, waiting up to ``wait_ms`` (a service's choice).

        Nothing changes when ``wait_ms`` is ``None`` or the pipeline already micro-batches; a translator
        loaded without it is loaded again with it.
        """
        if wait_ms is not None and self.options.micro_batch_ms is None:
            self.options = replace(self.options, micro_batch_ms=wait_ms)
            for lazy in self._translators.values():
                old = lazy.reset()
                if old is not None:
                    old.backend.close()

    def close(self) -> None:
        """Stop the engines' worker threads (micro-batching) once their work is done; models stay loaded."""
        for lazy in self._translators.values():
            if lazy.value is not None:
                lazy.value.backend.close()

    @property
    def translator(self) -> Translator:
        """The named pair's translator (loaded on first use)."""
        return self.load_translator()[0]

    @property
    def summarizer(self) -> Summarizer:
        return self.load_summarizer()[0]

    def models_info(self, pair: Pair | None = None) -> dict[str, Any]:
        """What each loaded model is: id, revision, engine, device, and how it was chosen; the translation's
        of ``pair`` (default: the named pair), the summariser's of its summaries."""
        pair = pair or self.options.named_pair
        info: dict[str, Any] = {}
        if (translator := self._translators[pair.name].value) is not None:
            info["translation"] = {**translator.backend.info(), **self._notes.get(pair.name, {})}
        language = self._summary_lang(pair.source)
        if (summarizer := self._summarizers[language].value) is not None:
            info["summarizer"] = {**summarizer.info(), **self._notes.get(f"summarizer-{language}", {})}
        return info

    def with_pair(self, source: str, target: str | None = None) -> Pipeline:
        """This pipeline translating from ``source`` (``auto`` too) to ``target``: the same loaded models,
        shared, and the same options otherwise (what a service asks of each request's pair)."""
        key = (source, target)
        with self._views_lock:
            view = self._views.get(key)
            if view is None:
                view = copy.copy(self)
                view.options = replace(self.options, source=source, target=target)
                view.summary = agreed(view.options, replace(self.summary, source_lang=None))[1]
                self._views[key] = view
            return view

    def pair_of(self, text: str) -> Pair | None:
        """The pair that translates ``text``: the named one, or under ``source="auto"`` the one from the
        language detected in it; ``None`` for a text already in the ``target`` asked for."""
        o = self.options
        if o.source != AUTO:
            return o.named_pair
        found = self._detector.best(text[:_DETECT_CHARS]).language if text.strip() else o.named_pair.source
        return None if found == o.target else o.pair_of(found)

    def _pair_to_translate(self, text: str) -> Pair:
        chosen = self.pair_of(text)
        if chosen is None:
            raise InputError(f"the text is already in {LANGUAGES[str(self.options.target)].name}: nothing to translate")
        return chosen

    # -- work ----------------------------------------------------------------
    @overload
    def translate(self, text: str, *, format: str = "text") -> str: ...
    @overload
    def translate(self, text: list[str], *, format: str = "text") -> list[str]: ...

    def translate(self, text: str | list[str], *, format: str = "text") -> str | list[str]:
        """Translate a document (keeping its layout), or each document of a list.

        The documents of a list are translated in one pass per pair, so their
        sentences share batches. ``format`` (``text``, ``markdown``, ``html``,
        ``srt``, ``vtt``) keeps a document's markup or cue structure and
        translates its text; a ``.docx`` file goes through :func:`translate_file`.
        """
        docs = text if isinstance(text, list) else [text]
        for doc in docs:
            check_text(doc, "translate")
        if not any(d.strip() for d in docs):  # nothing to translate: load no model
            return text
        if format_of(None, format) != "text":
            out = [str(self.translate_document(d, format)) for d in docs]
        else:
            out = list(docs)
            for chosen, indices in self._by_pair(docs).items():
                done = self.load_translator(chosen)[0].translate_documents([docs[i] for i in indices])
                for i, d in zip(indices, done):
                    out[i] = d.text
        return out if isinstance(text, list) else out[0]

    def _by_pair(self, docs: Sequence[str], *, strict: bool = False) -> dict[Pair, list[int]]:
        """The documents that hold text, by the pair that translates each; one already in the target
        language is left out (``strict``: refused, as :meth:`process` refuses it)."""
        groups: dict[Pair, list[int]] = {}
        for i, doc in enumerate(docs):
            if not doc.strip():
                continue
            chosen = self._pair_to_translate(doc) if strict else self.pair_of(doc)
            if chosen is not None:
                groups.setdefault(chosen, []).append(i)
        return groups

    def translate_alternatives(self, text: str, alternatives: int) -> tuple[str, list[str]]:
        """The translation of a plain-text document and up to ``alternatives`` others (LibreTranslate's
        ``alternatives``): the k-th puts each sentence's k-th next best hypothesis of one beam search in
        place of its best, the layout kept; those equal to the translation or to each other are left out.
        Alternatives come from the engine as they are: protected spans and glossary terms are put into
        the translation only. A sentence too long for the model in one piece keeps its translation.
        """
        check_text(text, "translate")
        at_least("alternatives", alternatives, 0)
        if not text.strip():
            return text, []
        chosen = self.pair_of(text)
        if chosen is None:
            return text, []
        translator = self.load_translator(chosen)[0]
        done = translator.translate_documents([text])[0]
        best = [h.text for h in done.hypotheses]
        sources = [s.text for s in done.sentences()]
        # The sentences the engine read whole, with the tokens it read (a sentence split in pieces has none).
        whole = {i: t for i, t in enumerate(done.tokens) if t is not None}
        found = translator.backend.nbest([sources[i] for i in whole], alternatives + 1,
                                         list(whole.values())) if whole and alternatives else []
        ranked = dict(zip(whole, found))
        out: list[str] = []
        for k in range(1, alternatives + 1):
            texts = [ranked[i][k] if len(ranked.get(i, [])) > k else best[i] for i in range(len(best))]
            other = done.document.render(texts)
            if other != done.text and other not in out:
                out.append(other)
        return done.text, out

    def _translate_texts(self, texts: Sequence[str], *, pair: Pair | None = None) -> list[str]:
        """The texts of a document's blocks, translated in one pass (what the format modules call)."""
        if not any(t.strip() for t in texts):  # nothing to translate: load no model
            return list(texts)
        return [d.text for d in self.load_translator(pair)[0].translate_blocks(texts)]

    def translate_document(self, document: str | bytes, format: str, *, extract: bool = False,
                           comment_flags: bool = False) -> str | bytes:
        """A document in its own format translated: text, or bytes for a binary format (``docx``).

        ``extract=True`` takes a web page's main article only (no menus or
        footers) and gives it, translated, as Markdown. Under ``source="auto"``
        the pair is the one of the document's text. ``comment_flags=True``
        (``docx``) puts a Word comment on each paragraph the review flags,
        with its reasons (see :func:`bilingua.review`).
        """
        if isinstance(document, str):
            check_text(document, "translate_document")
        if comment_flags and not get_format(format_of(None, format)).comments:
            raise InputError(f"comment_flags needs a format with comments ({', '.join(formats(comments=True))}), "
                             f"not {format}")
        if format_of(None, format) == "text" and not extract:
            return self.translate(str(document))
        # Only auto reads the text to choose: parsing a document costs what translating its markup does.
        chosen = self.pair_of(plain_text(document, format)) if self.options.source == AUTO else self.options.named_pair
        if chosen is None:
            return document
        notes = partial(self._flag_notes, chosen) if comment_flags else None
        with translating(chosen):
            return translate_document(document, format, partial(self._translate_texts, pair=chosen),
                                      partial(self._aligned, chosen), extract=extract, notes=notes)

    def _flag_notes(self, chosen: Pair, sources: list[str], translations: list[str]) -> list[list[str]]:
        """What a reader should check in each translated paragraph: its review's messages."""
        reviewer = self._reviewers[chosen.name].get()[0]
        return [[f.message for f in r.flags] for r in reviewer.review_all(sources, translations)]

    def translate_aligned(self, texts: list[str]) -> list[list[tuple[str, int]]]:
        """Each text translated in whole sentences, its words each with its source word (see :meth:`Translator.translate_aligned`)."""
        return self._aligned(self.options.named_pair, texts)

    def _aligned(self, pair: Pair, texts: list[str]) -> list[list[tuple[str, int]]]:
        for text in texts:
            check_text(text, "translate_aligned")
        if not any(t.strip() for t in texts):
            return [[] for _ in texts]
        return self.load_translator(pair)[0].translate_aligned(texts)

    def summarize(self, text: str, *, summary_from: str | None = None, format: str = "text") -> str:
        """Summary of a document, in the translation's language by default (``summary_lang`` otherwise).

        A summary in the document's own language (``summary_lang`` equal to
        ``source``) is made from the text as it is, with no translation
        model. A document in another ``format`` is summarised from its text
        (a web page from its main article).
        """
        check_text(text, "summarize")
        text = plain_text(text, format) if format != "text" else text
        chosen = self._pair_to_translate(text)
        if self._summary_lang(chosen.source) == chosen.source:
            summarizer, _ = self.load_summarizer(chosen.source)
            return summarizer.summarize(text) if text.strip() else ""
        return self._process(text, True, summary_from, False, None, chosen).summary

    def process(
        self, text: str, *, summarize: bool = True, summary_from: str | None = None, translate_all: bool = True,
        format: str = "text",
    ) -> Result:
        """Translate and summarise ``text``; see :class:`Result`.

        With ``summary_from="source"`` and ``translate_all=False`` only the
        source sentences picked for the summary are translated (the fast path
        :meth:`summarize` takes); ``translation`` and ``segments`` stay empty.
        A document in another ``format`` (``markdown``, ``html``, ``srt``,
        ``vtt``) is processed as its text (a web page as its main article).
        """
        check_text(text, "process")
        text = plain_text(text, format) if format != "text" else text
        return self._process(text, summarize, summary_from, translate_all, None, self._pair_to_translate(text))

    def _process(
        self, text: str, summarize: bool, summary_from: str | None, translate_all: bool,
        translated: DocumentTranslation | None, chosen: Pair,
    ) -> Result:
        result = make_result(_Route(self, chosen), text, source_lang=chosen.source,
                             summary_lang=self._summary_lang(chosen.source),
                             summary_from=summary_from or self.summary.summary_from, summarize=summarize,
                             translate_all=translate_all, translated=translated)
        self._review(result, chosen)
        return result

    def _review(self, result: Result, chosen: Pair) -> None:
        """Each segment with the flags that say why a person should check it (see :func:`bilingua.review`)."""
        reviewer = self._reviewers[chosen.name].get()[0]
        started = time.perf_counter()
        done: dict[tuple[str, str, float], tuple[Flag, ...]] = {}  # a summary's sentences are segments too
        for name in ("segments", "summary_segments"):
            flagged = []
            for s in getattr(result, name):
                key = (s.source, s.translation, s.score)
                if key not in done:
                    done[key] = reviewer.review(s.source, s.translation, s.score).flags
                flagged.append(replace(s, flags=done[key]))
            setattr(result, name, flagged)
        result.timings["review"] = time.perf_counter() - started

    def process_many(self, texts: Iterable[str], *, summarize: bool = True, group: int = 32) -> Iterator[Result]:
        """Process documents in order, yielding results as they are ready.

        Up to ``group`` documents are translated in one pass per pair (their
        sentences share batches), so many short documents cost few engine
        calls; the translate timing of each result is that of its group.
        """
        if isinstance(texts, (str, bytes)):
            raise TypeError("process_many() expects an iterable of documents, not one str; use process() for one")
        at_least("group", group, 1)
        with progress.bar(self.progress, len(texts) if isinstance(texts, Sized) else None, "doc", "processing") as bar:
            for chunk in _chunks(texts, group):
                for text in chunk:
                    check_text(text, "process_many")
                done: list[DocumentTranslation | None] = [None] * len(chunk)
                pairs = [self.options.named_pair] * len(chunk)
                for chosen, indices in self._by_pair(chunk, strict=True).items():
                    found = self.load_translator(chosen)[0].translate_documents([chunk[i] for i in indices])
                    for i, d in zip(indices, found):
                        done[i], pairs[i] = d, chosen
                for text, translated, chosen in zip(chunk, done, pairs):
                    yield self._process(text, summarize, None, True, translated, chosen)
                    bar.update(1)


class _Route:
    """The stages of one pair (what a :mod:`~bilingua.summarizers.strategies` strategy reads): its translator,
    the summariser of its summaries' language, and the picker of its source sentences."""

    def __init__(self, pipeline: Pipeline, pair: Pair) -> None:
        self.pipeline, self.pair = pipeline, pair
        self.source_picker = pipeline._pickers[pair.source]

    def load_translator(self) -> tuple[Translator, float]:
        return self.pipeline.load_translator(self.pair)

    def load_summarizer(self) -> tuple[Summarizer, float]:
        return self.pipeline.load_summarizer(self.pipeline._summary_lang(self.pair.source))

    def models_info(self) -> dict[str, Any]:
        return self.pipeline.models_info(self.pair)


def _chunks(items: Iterable[str], size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


#: Characters of a document read to detect its language: enough for py3langid, bounded for a long one.
_DETECT_CHARS = 2000


def _default(pair: Pair, options: TranslationOptions) -> tuple[str, str | None]:
    model = pair.model(options.tier)
    return model.id, model.revision
