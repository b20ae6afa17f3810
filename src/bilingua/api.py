"""The one-call helpers: a process-wide cache of pipelines, and ``process``/``translate``/``summarize``/``translate_file``."""

from __future__ import annotations

import threading
from typing import Any

from .encoding import codec_name, encode_text
from .errors import InputError
from .formats import format_of, get_format
from .io import check_output, check_text, read_bytes, read_decoded, same_file, write_output
from .options import call_options, option_groups, signature
from .pipeline import Pipeline
from .result import Result
from .summarizers import Summarizer

__all__ = ["get_pipeline", "process", "translate", "translate_file", "summarize"]


_PIPELINES: dict[tuple[Any, ...], Pipeline] = {}
_PIPELINES_LOCK = threading.Lock()
#: What a pipeline takes besides its option groups: these key the cache by identity or value.
_OWN = ("splitter", "progress")


def get_pipeline(**options: Any) -> Pipeline:
    """The shared pipeline for these options (created on first use, then reused).

    Pipelines are keyed by the configuration signature of their option groups
    (:func:`bilingua.options.signature`), so ``beams=4`` and
    ``translation=TranslationOptions(beams=4)`` share one, and a glossary file
    whose content changed gets a new one. A call that finds its pipeline
    builds nothing and reads no file.
    """
    given = dict(options)
    translation, summary, generation = (given.pop(k, None) for k in ("translation", "summary", "generation"))
    rest = {k: given.pop(k) for k in _OWN if k in given}
    if isinstance(given.get("summarizer"), Summarizer):
        rest["summarizer"] = given.pop("summarizer")
    groups = option_groups(given, translation, summary)  # validates; loads nothing
    key = (signature(*groups, generation=generation).digest(), tuple(sorted(rest.items(), key=lambda kv: kv[0])))
    with _PIPELINES_LOCK:
        found = _PIPELINES.get(key)
        if found is None:
            found = _PIPELINES[key] = Pipeline(translation=groups[0], summary=groups[1], generation=generation, **rest)
        return found


def process(text: str, **options: Any) -> Result:
    """Translate and summarise a document (French by default; ``source="en"``, ``target="fr"`` the other way)
    with a shared, lazily loaded pipeline.

    Options are :class:`Pipeline`'s and :meth:`Pipeline.process`'s, by name.
    """
    check_text(text, "process")
    call = call_options(Pipeline.process, options)
    return get_pipeline(**options).process(text, **call)


def translate(text: str | list[str], **options: Any) -> str | list[str]:
    """Translate a document (or a list of them), French to English by default (``source``, ``target``, ``tier``
    choose: ``translate(text, source="en", target="fr")``); ``format="markdown"|"html"|"srt"|"vtt"`` keeps its
    structure."""
    if not isinstance(text, list):
        check_text(text, "translate")
    call = call_options(Pipeline.translate, options)
    return get_pipeline(**options).translate(text, **call)


def translate_file(
    path: str, out_path: str | None = None, *, format: str | None = None, extract: bool = False,
    comment_flags: bool = False, encoding: str | None = None, keep_encoding: bool = False, **options: Any
) -> str | bytes:
    """Translate a file in its own format (from its extension, or ``format``) and return the translation.

    The translation is text, or bytes for a binary format (``.docx``). With
    ``out_path`` it is also written there, atomically, in the same format;
    the input file is never overwritten. ``extract=True`` takes a web page's
    main article only (no menus or footers) and gives it as Markdown.
    ``comment_flags=True`` (``.docx``) comments each paragraph the review flags with its reasons.

    A text file is read in the encoding it is found to be in (see :mod:`bilingua.encoding`; the log
    says which), or in ``encoding`` when given. It is written in UTF-8, or with ``keep_encoding=True``
    in the encoding it was read in; a byte-order mark it had is kept.
    """
    form = format_of(path, format)
    if extract and form != "html":  # before any work (translate_document checks it too)
        raise InputError("extract=True takes a web page (html)")
    if comment_flags and not get_format(form).comments:
        raise InputError(f"comment_flags=True takes a format with comments, not {form}")
    binary = get_format(form).binary
    if binary and (encoding is not None or keep_encoding):
        raise InputError(f"encoding= and keep_encoding= are for text files; a {form} file has its own")
    if encoding is not None:
        codec_name(encoding)  # an unknown name, before any work
    if out_path is not None:
        if same_file(path, out_path):
            raise InputError(f"{out_path} is the input file; bilingua never overwrites its input")
        check_output(out_path)  # before any work
    read = None if binary else read_decoded(path, encoding)
    document = read_bytes(path) if read is None else read.text
    out = get_pipeline(**options).translate_document(document, form, extract=extract, comment_flags=comment_flags)
    if out_path is not None:
        if isinstance(out, bytes):
            write_output(out_path, out)
        else:  # encoded first: a character the kept encoding cannot hold stops it before anything is written
            write_output(out_path, encode_text(out, read, keep_encoding=keep_encoding, name=f"'{out_path}'"))
    return out


def summarize(text: str, **options: Any) -> str:
    """Summary of a document, in the translation's language by default; a ``summary_lang`` equal to ``source``
    summarises the text as it is, translating nothing."""
    check_text(text, "summarize")
    call = call_options(Pipeline.summarize, options)
    return get_pipeline(**options).summarize(text, **call)
