"""How one document becomes a :class:`~bilingua.result.Result`: translated whole and summarised, or only
the source sentences a summary picks translated (the fast path of ``summary_from="source"``).

These strategies compose a translator and a summariser; :class:`~bilingua.pipeline.Pipeline`
holds them loaded and passes itself in as the :class:`Stages`.
"""

from __future__ import annotations

from typing import Any, Protocol

from ..checks import one_of
from ..result import Result, Segment, Stopwatch
from ..segmentation import Sentence, parse_document
from ..translator import DocumentTranslation, Translator
from .base import Summarizer
from .extractive import ExtractiveSummarizer

__all__ = ["Stages", "make_result", "segments_of", "SUMMARY_SOURCES"]


class Stages(Protocol):
    """What a strategy needs: the loaded translator and summariser, and the picker of source sentences."""

    source_picker: ExtractiveSummarizer

    def load_translator(self) -> tuple[Translator, float]: ...
    def load_summarizer(self) -> tuple[Summarizer, float]: ...
    def models_info(self) -> dict[str, Any]: ...


#: Where a summary is made from: the translation, or the source sentences picked (then translated).
SUMMARY_SOURCES = ("translation", "source")


def make_result(
    stages: Stages, text: str, *, source_lang: str, summary_lang: str, summary_from: str, summarize: bool = True,
    translate_all: bool = True, translated: DocumentTranslation | None = None,
) -> Result:
    """Translate and (optionally) summarise ``text``; ``translated`` is its translation when already made."""
    if summary_lang == source_lang:
        summary_from = "source"  # a summary in the source's language is its sentences picked, untranslated
    one_of("summary_from", summary_from, SUMMARY_SOURCES)
    watch = Stopwatch()
    result = Result(source=text, translation="", summary="")
    if not text.strip():
        result.translation, result.timings = text, watch.done()
        return result
    translator, seconds = stages.load_translator()
    watch.add("load", seconds)
    summarizer = None
    if summarize and summary_from == "translation":
        # Loaded before translating: a missing summary model fails now, not after the translation.
        summarizer, seconds = stages.load_summarizer()
        watch.add("load", seconds)
    if summarize and summary_from == "source" and not translate_all:
        _translate_picked(result, translator, stages.source_picker, watch)
    else:
        _translate_all(result, translator, translated, watch)
        if summarize:
            _summarise(result, summarizer, stages.source_picker, summary_lang == source_lang, watch)
    result.timings = watch.done()
    result.models = stages.models_info()
    if summarize and summary_from == "source":
        result.models["summarizer"] = {**stages.source_picker.info(), "summary_from": "source"}
    return result


def segments_of(done: DocumentTranslation) -> list[Segment]:
    """The segments of a translated document: each source sentence, verbatim, with its translation and score."""
    return [_segment(done.document.source, s, h.text, h.score) for s, h in zip(done.sentences(), done.hypotheses)]


def _segment(source: str, sentence: Sentence, translation: str, score: float) -> Segment:
    return Segment(source[sentence.start:sentence.end], translation, sentence.paragraph, sentence.line, score,
                   sentence.start, sentence.end)


def _translate_all(result: Result, translator: Translator, translated: DocumentTranslation | None,
                   watch: Stopwatch) -> None:
    done = translated or translator.translate_document(result.source)
    watch.add("segment", done.segment_seconds)
    watch.add("translate", done.translate_seconds)
    result.translation = done.text
    result.segments = segments_of(done)


def _summarise(result: Result, summarizer: Summarizer | None, picker: ExtractiveSummarizer, in_source: bool,
               watch: Stopwatch) -> None:
    with watch("summarize"):
        if summarizer is None:  # summary_from="source": source sentences picked from the segments
            chosen = picker.select([s.source for s in result.segments])
            result.summary_segments = [result.segments[i] for i in chosen]
            result.summary = _joined(result.summary_segments, in_source)
        else:  # the translated segments, not the translation split again
            result.summary = summarizer.summarize_sentences([s.translation for s in result.segments if s.translation])


def _translate_picked(result: Result, translator: Translator, picker: ExtractiveSummarizer, watch: Stopwatch) -> None:
    with watch("segment"):
        placed = parse_document(result.source, translator.splitter, reflow=translator.reflow).sentences()
    chosen = picker.select([s.text for s in placed])
    with watch("translate"):
        hyps = translator.translate_sentences([placed[i].text for i in chosen])
    result.summary_segments = [_segment(result.source, placed[i], h.text, h.score) for i, h in zip(chosen, hyps)]
    result.summary = _joined(result.summary_segments, False)


def _joined(segments: list[Segment], in_source: bool) -> str:
    """A summary made of picked source sentences: their translations, or themselves for a summary in their language."""
    if in_source:
        return " ".join(s.source for s in segments)
    return " ".join(s.translation for s in segments if s.translation)
