"""The one-call helpers: a process-wide cache of pipelines, and ``process``/``translate``/``summarize``/``translate_file``."""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

from .errors import InputError
from .formats import format_of, get_format
from .io import check_output, check_text, read_bytes, read_text, same_file, write_binary, write_output
from .options import SummaryOptions, TranslationOptions, call_options
from .pipeline import Pipeline
from .result import Result
from .summarizers import Summarizer

__all__ = ["get_pipeline", "process", "translate", "translate_file", "summarize"]


_PIPELINES: dict[tuple[Any, ...], Pipeline] = {}
_PIPELINES_LOCK = threading.Lock()


def get_pipeline(**options: Any) -> Pipeline:
    """The shared pipeline for these options (created on first use, then reused).

    Options are keyed by their option groups, so ``beams=4`` and
    ``translation=TranslationOptions(beams=4)`` share one pipeline.
    """
    probe = Pipeline(**options)  # validates and normalises; loads nothing
    rest = {k: v for k, v in options.items() if k not in _GROUPED or isinstance(v, Summarizer)}
    key = (probe.options, probe.summary, probe.generation, tuple(sorted(rest.items(), key=lambda kv: kv[0])))
    with _PIPELINES_LOCK:
        return _PIPELINES.setdefault(key, probe)


_GROUPED = {f.name for cls in (TranslationOptions, SummaryOptions) for f in dataclasses.fields(cls)} | {
    "translation", "summary", "generation"
}


def process(text: str, **options: Any) -> Result:
    """Translate and summarise a French document with a shared, lazily loaded pipeline.

    Options are :class:`Pipeline`'s and :meth:`Pipeline.process`'s, by name.
    """
    check_text(text, "process")
    call = call_options(Pipeline.process, options)
    return get_pipeline(**options).process(text, **call)


def translate(text: str | list[str], **options: Any) -> str | list[str]:
    """Translate a French document (or a list of them) to English; ``format="markdown"|"html"|"srt"|"vtt"`` keeps its structure."""
    if not isinstance(text, list):
        check_text(text, "translate")
    call = call_options(Pipeline.translate, options)
    return get_pipeline(**options).translate(text, **call)


def translate_file(
    path: str, out_path: str | None = None, *, format: str | None = None, extract: bool = False, **options: Any
) -> str | bytes:
    """Translate a file in its own format (from its extension, or ``format``) and return the translation.

    The translation is text, or bytes for a binary format (``.docx``). With
    ``out_path`` it is also written there, atomically, in the same format;
    the input file is never overwritten. ``extract=True`` takes a web page's
    main article only (no menus or footers) and gives it as Markdown.
    """
    form = format_of(path, format)
    if extract and form != "html":  # before any work (translate_document checks it too)
        raise InputError("extract=True takes a web page (html)")
    if out_path is not None:
        if same_file(path, out_path):
            raise InputError(f"{out_path} is the input file; bilingua never overwrites its input")
        check_output(out_path)  # before any work
    document = read_bytes(path) if get_format(form).binary else read_text(path)
    out = get_pipeline(**options).translate_document(document, form, extract=extract)
    if out_path is not None:
        if isinstance(out, bytes):
            write_binary(out_path, out)
        else:
            write_output(out_path, out)
    return out


def summarize(text: str, **options: Any) -> str:
    """Summary of a document: English of French by default; ``source_lang="en"`` or ``summary_lang="fr"`` translate nothing."""
    check_text(text, "summarize")
    call = call_options(Pipeline.summarize, options)
    return get_pipeline(**options).summarize(text, **call)
