"""``Pipeline``: the options, the models loaded once behind them, and the calls a user makes on a document."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence, Sized
from dataclasses import replace
from typing import Any, overload

from . import progress
from .backends import GenerationOptions, needs_model, open_stack
from .checks import at_least
from .formats import format_of, plain_text, translate_document
from .hub import resolve_model
from .io import check_text
from .languages import SOURCE, TARGET
from .lazy import Lazy
from .options import SummaryOptions, TranslationOptions, generation_of, option_groups
from .protect import Protector
from .result import Result
from .segmentation import Splitter
from .summarizers import ExtractiveSummarizer, Summarizer, make_summarizer
from .summarizers.strategies import make_result
from .translator import DocumentTranslation, Translator

__all__ = ["Pipeline"]


class Pipeline:
    """Reusable FR->EN translation and summarisation with loaded models.

    Options come as :class:`~bilingua.options.TranslationOptions` and
    :class:`~bilingua.options.SummaryOptions`, or as their fields by name
    (``Pipeline("folder", backend="ctranslate2", beams=1, summarizer="extractive")``).
    ``model`` is a hub id or a local folder; the default is
    ``Helsinki-NLP/opus-mt-fr-en`` at a pinned revision. ``summarizer`` may
    also be a :class:`Summarizer` object. Models load lazily on first use and
    stay loaded; one pipeline may be used from many threads at once.
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
        self.source_picker = ExtractiveSummarizer(s.summary_sentences, s.summary_ratio, words=s.summary_words,
                                                  language=s.source_lang)
        self._backend_note: dict[str, Any] = {}
        self._summarizer_note: dict[str, Any] = {}
        # Each loads once, under its own lock: loading the summariser never holds up translation.
        self._translator = Lazy(self._open_translator)
        self._summarizer = Lazy(self._open_summarizer)

    def load_translator(self) -> tuple[Translator, float]:
        """The translator, and the seconds this call spent loading it (0 once loaded)."""
        return self._translator.get()

    def load_summarizer(self) -> tuple[Summarizer, float]:
        """The summariser of translations, and the seconds this call spent loading it."""
        return self._summarizer.get()

    def _open_translator(self) -> Translator:
        o = self.options
        model = resolve_model(o.model, o.revision) if needs_model(o.backend) else None
        backend, self._backend_note = open_stack(
            model, backend=o.backend, device=o.device, compute_type=o.compute_type,
            options=self.generation, threads=o.threads, inter_threads=o.inter_threads,
            target_vocab_only=o.target_vocab_only, shortlist=o.shortlist, micro_batch_ms=o.micro_batch_ms,
            batch_size=o.batch_size, max_batch_tokens=o.max_batch_tokens, cache_size=o.cache_size,
        )
        return Translator(backend, splitter=self.splitter, batch_size=o.batch_size,
                          max_batch_tokens=o.max_batch_tokens, progress=self.progress, reflow=not o.keep_lines,
                          protector=self.protector)

    def _open_summarizer(self) -> Summarizer:
        if self._custom_summarizer is not None:
            self._summarizer_note = {"requested": "custom"}
            return self._custom_summarizer
        s = self.summary
        summarizer, self._summarizer_note = make_summarizer(
            s.summarizer, s.summarizer_model, s.summarizer_revision, device=self.options.device,
            num_sentences=s.summary_sentences, ratio=s.summary_ratio, words=s.summary_words, language=s.summary_lang,
        )
        return summarizer

    def use_micro_batching(self, wait_ms: float | None) -> None:
        """Let the sentences of concurrent calls share engine batches, waiting up to ``wait_ms`` (a service's choice).

        Nothing changes when ``wait_ms`` is ``None`` or the pipeline already micro-batches; a translator
        loaded without it is loaded again with it.
        """
        if wait_ms is not None and self.options.micro_batch_ms is None:
            old = self._translator.reset(lambda: setattr(self, "options", replace(self.options, micro_batch_ms=wait_ms)))
            if old is not None:
                old.backend.close()

    def close(self) -> None:
        """Stop the engine's worker threads (micro-batching) once their work is done; models stay loaded."""
        if self._translator.value is not None:
            self._translator.value.backend.close()

    @property
    def translator(self) -> Translator:
        return self.load_translator()[0]

    @property
    def summarizer(self) -> Summarizer:
        return self.load_summarizer()[0]

    def models_info(self) -> dict[str, Any]:
        """What each loaded model is: id, revision, engine, device, and how it was chosen."""
        info: dict[str, Any] = {}
        if (translator := self._translator.value) is not None:
            info["translation"] = {**translator.backend.info(), **self._backend_note}
        if (summarizer := self._summarizer.value) is not None:
            info["summarizer"] = {**summarizer.info(), **self._summarizer_note}
        return info

    # -- work ----------------------------------------------------------------
    @overload
    def translate(self, text: str, *, format: str = "text") -> str: ...
    @overload
    def translate(self, text: list[str], *, format: str = "text") -> list[str]: ...

    def translate(self, text: str | list[str], *, format: str = "text") -> str | list[str]:
        """Translate a document (keeping its layout), or each document of a list.

        The documents of a list are translated in one pass, so their sentences
        share batches. ``format`` (``text``, ``markdown``, ``html``, ``srt``,
        ``vtt``) keeps a document's markup or cue structure and translates its
        text; a ``.docx`` file goes through :func:`translate_file`.
        """
        docs = text if isinstance(text, list) else [text]
        for doc in docs:
            check_text(doc, "translate")
        if not any(d.strip() for d in docs):  # nothing to translate: load no model
            return text
        if format_of(None, format) != "text":
            out = [str(translate_document(d, format, self._translate_texts, self.translate_aligned)) for d in docs]
        else:
            out = [d.text for d in self.translator.translate_documents(docs)]
        return out if isinstance(text, list) else out[0]

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
        translator = self.translator
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

    def _translate_texts(self, texts: Sequence[str]) -> list[str]:
        """The texts of a document's blocks, translated in one pass (what the format modules call)."""
        if not any(t.strip() for t in texts):  # nothing to translate: load no model
            return list(texts)
        return [d.text for d in self.translator.translate_blocks(texts)]

    def translate_document(self, document: str | bytes, format: str, *, extract: bool = False) -> str | bytes:
        """A document in its own format translated: text, or bytes for a binary format (``docx``).

        ``extract=True`` takes a web page's main article only (no menus or
        footers) and gives it, translated, as Markdown.
        """
        if isinstance(document, str):
            check_text(document, "translate_document")
        if format_of(None, format) == "text" and not extract:
            return self.translate(str(document))
        return translate_document(document, format, self._translate_texts, self.translate_aligned, extract=extract)

    def translate_aligned(self, texts: list[str]) -> list[list[tuple[str, int]]]:
        """Each text translated in whole sentences, its words each with its source word (see :meth:`Translator.translate_aligned`)."""
        for text in texts:
            check_text(text, "translate_aligned")
        if not any(t.strip() for t in texts):
            return [[] for _ in texts]
        return self.translator.translate_aligned(texts)

    def summarize(self, text: str, *, summary_from: str | None = None, format: str = "text") -> str:
        """Summary of a document: English of French by default (see ``source_lang``/``summary_lang``).

        An English text (``source_lang="en"``) or a French summary of French
        (``summary_lang="fr"``) is summarised as it is, with no translation
        model. A document in another ``format`` is summarised from its text
        (a web page from its main article).
        """
        check_text(text, "summarize")
        text = plain_text(text, format) if format != "text" else text
        if (self.summary.source_lang, self.summary.summary_lang) != (SOURCE, TARGET):
            summarizer, _ = self.load_summarizer()
            return summarizer.summarize(text) if text.strip() else ""
        return self._process(text, True, summary_from, False, None).summary

    def process(
        self, text: str, *, summarize: bool = True, summary_from: str | None = None, translate_all: bool = True,
        format: str = "text",
    ) -> Result:
        """Translate and summarise ``text``; see :class:`Result`.

        With ``summary_from="source"`` and ``translate_all=False`` only the
        French sentences picked for the summary are translated (the fast path
        :meth:`summarize` takes); ``translation`` and ``segments`` stay empty.
        A document in another ``format`` (``markdown``, ``html``, ``srt``,
        ``vtt``) is processed as its text (a web page as its main article).
        """
        check_text(text, "process")
        text = plain_text(text, format) if format != "text" else text
        return self._process(text, summarize, summary_from, translate_all, None)

    def _process(
        self, text: str, summarize: bool, summary_from: str | None, translate_all: bool,
        translated: DocumentTranslation | None,
    ) -> Result:
        s = self.summary
        return make_result(self, text, source_lang=s.source_lang, summary_lang=s.summary_lang,
                           summary_from=summary_from or s.summary_from, summarize=summarize,
                           translate_all=translate_all, translated=translated)

    def process_many(self, texts: Iterable[str], *, summarize: bool = True, group: int = 32) -> Iterator[Result]:
        """Process documents in order, yielding results as they are ready.

        Up to ``group`` documents are translated in one pass (their sentences
        share batches), so many short documents cost few engine calls; the
        translate timing of each result is that of its group.
        """
        if isinstance(texts, (str, bytes)):
            raise TypeError("process_many() expects an iterable of documents, not one str; use process() for one")
        at_least("group", group, 1)
        with progress.bar(self.progress, len(texts) if isinstance(texts, Sized) else None, "doc", "processing") as bar:
            for chunk in _chunks(texts, group):
                for text in chunk:
                    check_text(text, "process_many")
                done = self.translator.translate_documents(chunk) if any(t.strip() for t in chunk) else [None] * len(chunk)
                for text, translated in zip(chunk, done):
                    yield self._process(text, summarize, None, True, translated)
                    bar.update(1)


def _chunks(items: Iterable[str], size: int) -> Iterator[list[str]]:
    chunk: list[str] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
