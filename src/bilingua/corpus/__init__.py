"""Corpus jobs: ``bilingua batch`` on the command line, :func:`bilingua.batch` in Python.

Read JSONL, CSV, Parquet or a folder of ``.txt``/``.md`` files; add the
translation, summary and segments to every record; write the records back
in the output's format, in input order. Work is committed chunk by chunk, so
a killed job resumes where it stopped; it runs in one process, in several
local processes, or on a Ray cluster.
"""

from __future__ import annotations

import os
from typing import Any

from ..options import SummaryOptions, TranslationOptions, split_options
from .job import BatchReport, run_batch
from .work import ENGINES, FIELDS, BatchOptions, annotate
from .records import INPUT_FORMATS, OUTPUT_FORMATS

__all__ = ["batch", "BatchOptions", "BatchReport", "FIELDS", "ENGINES", "INPUT_FORMATS", "OUTPUT_FORMATS", "annotate"]


def batch(
    source: str | os.PathLike[str],
    output: str | os.PathLike[str],
    /,
    *,
    overwrite: bool = False,
    progress: bool = False,
    **options: Any,
) -> BatchReport:
    """Translate (and summarise) every record of ``source`` into ``output``; resume if it was interrupted.

    ``options`` are the fields of :class:`~bilingua.options.TranslationOptions`,
    :class:`~bilingua.options.SummaryOptions` and :class:`BatchOptions` by name,
    or whole groups as ``translation=``, ``summary=``, ``batch=``.

    >>> bilingua.batch("articles.jsonl", "articles.en.jsonl", workers=2)  # doctest: +SKIP
    """
    groups = {k: options.pop(k) for k in ("translation", "summary", "batch") if k in options}
    (t, s, b), unknown = split_options(options, TranslationOptions, SummaryOptions, BatchOptions)
    if unknown:
        raise TypeError(f"batch() got unknown options: {', '.join(sorted(unknown))}")
    return run_batch(
        source, output, translation=groups.get("translation", t), summary=groups.get("summary", s),
        options=groups.get("batch", b), overwrite=overwrite, progress=progress,
    )
