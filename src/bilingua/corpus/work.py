"""One record's work: the batch options, the checks a record must pass, and the fields added to it.

The local processes and the Ray actors both call :func:`annotate`; :mod:`.job` plans and commits.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, replace
from typing import Any

from ..errors import BilinguaError, InputError
from ..io import check_text
from ..languages import AUTO
from ..checks import at_least, one_of
from ..options import option
from .records import ERROR_FIELD, INPUT_FORMATS

__all__ = ["BatchOptions", "FIELDS", "ENGINES", "annotate", "prepare"]

logger = logging.getLogger("bilingua")

#: Fields a job may add; ``pair`` (the pair that translated the record, ``fr-en``) is added under ``--from auto``;
#: ``flags``: the review's flags of the record's sentences (see :func:`flags_of`).
FIELDS = ("translation", "summary", "segments", "pair", "flags")
ENGINES = ("local", "ray")


@dataclass(frozen=True)
class BatchOptions:
    """How a corpus is read, what is added to each record, and where the work runs."""

    text_field: str = option("text", "the field to translate")
    id_field: str = option("id", "the id field (the record number when missing)")
    fields: tuple[str, ...] = option(("translation", "summary"), f"fields to add, from {','.join(FIELDS)}",
                                     parse=lambda value: tuple(f.strip() for f in value.split(",") if f.strip()),
                                     metavar="FIELD,...")
    max_chars: int = option(100_000, "longer texts are flagged, not translated")
    chunk_size: int = option(64, "records committed together")
    #: Processes (local) or actors (Ray); ``None``: two where there are two cores or more, which measured
    #: 1.22-1.26x one process on 2 cores (scripts/bench_batch.py, docs: Performance).
    workers: int | None = option(None, "processes (local) or actors (ray); default 2 where there are 2 cores or more")
    engine: str = option("local", "where the work runs", choices=ENGINES)
    ray_address: str | None = option(None, "auto, or ray://HOST:PORT (default: start a local Ray instance)")
    input_format: str | None = option(None, "instead of the extension", choices=INPUT_FORMATS)

    def __post_init__(self) -> None:
        unknown = [f for f in self.fields if f not in FIELDS]
        if unknown or not self.fields:
            raise InputError(f"fields must be some of {', '.join(FIELDS)}; got {', '.join(self.fields) or 'none'}")
        if self.input_format is not None:
            one_of("input_format", self.input_format, INPUT_FORMATS)
        one_of("engine", self.engine, ENGINES)
        for name in ("max_chars", "chunk_size", "workers"):
            at_least(name, getattr(self, name), 1)

    @property
    def worker_count(self) -> int:
        from ..cpu import cpu_facts

        return self.workers if self.workers is not None else min(2, cpu_facts().cores)


def _problem(record: dict[str, Any], opts: BatchOptions) -> str | None:
    if record.get(ERROR_FIELD):  # the reader's (an undecodable line); a record's own "error" is its data
        return str(record[ERROR_FIELD])
    text = record.get(opts.text_field)
    if text is None:
        return f"no text: field '{opts.text_field}' is missing or null"
    if not isinstance(text, str):
        return f"field '{opts.text_field}' is a {type(text).__name__}, not text"
    if len(text) > opts.max_chars:
        return f"text of {len(text)} characters is over --max-chars {opts.max_chars}"
    try:
        check_text(text, "batch")
    except InputError as exc:
        return str(exc)
    return None


def _added(result: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "pair" in fields:
        out["pair"] = result.models.get("translation", {}).get("pair")
    if "translation" in fields:
        out["translation"] = result.translation
    if "summary" in fields:
        out["summary"] = result.summary
    if "segments" in fields:
        out["segments"] = [asdict(s) for s in result.segments]
    if "flags" in fields:
        out["flags"] = flags_of(result)
    return out


def flags_of(result: Any) -> list[dict[str, Any]]:
    """Every flag of a result's sentences, in order, as a flat list a table can hold: the flag's fields
    (its spans into its sentence and translation) with its sentence's number and its place in the text."""
    return [{"sentence": i, "start": seg.start, "end": seg.end, **asdict(flag)}
            for i, seg in enumerate(result.segments) for flag in seg.flags]


def prepare(pipeline: Any, opts: BatchOptions) -> None:
    """Load what the records will need, so that a model that cannot load fails the job before any chunk is
    committed (one bad model would otherwise become an ``error`` on every record, and be resumed as done)."""
    pipeline.load_translator()
    if "summary" in opts.fields and pipeline.summary.summary_from == "translation":
        pipeline.load_summarizer()


def annotate(pipeline: Any, records: list[dict[str, Any]], opts: BatchOptions) -> list[dict[str, Any]]:
    """Each record with the new fields, or with a ``bilingua_error`` field; one bad record never stops the others."""
    out = [dict(r) for r in records]
    good = []
    for r in out:
        problem = _problem(r, opts)
        if problem:
            r[ERROR_FIELD] = problem
        else:
            good.append(r)
    summarize = "summary" in opts.fields
    if pipeline.options.source == AUTO and "pair" not in opts.fields:  # each record's own pair: say which
        opts = replace(opts, fields=(*opts.fields, "pair"))
    plain = [r for r in good if r.get("format", "text") == "text"]
    try:
        results = list(pipeline.process_many([r[opts.text_field] for r in plain], summarize=summarize))
    except (BilinguaError, ValueError) as exc:  # find which record it was: one at a time
        logger.debug("a chunk failed (%s); processing its records one by one", exc)
        for r in plain:
            _one(pipeline, r, opts, summarize)
    else:
        for r, result in zip(plain, results):
            r.update(_added(result, opts.fields))
    for r in good:
        if r.get("format", "text") != "text":  # a Markdown, HTML or subtitle file of a folder: its structure kept
            _one(pipeline, r, opts, summarize)
    return out


def _one(pipeline: Any, record: dict[str, Any], opts: BatchOptions, summarize: bool) -> None:
    """One record done alone: its fields added, or its ``bilingua_error``."""
    text, form = record[opts.text_field], record.get("format", "text")
    try:
        result = pipeline.process(text, summarize=summarize, format=form)
        record.update(_added(result, opts.fields))
        if form != "text" and "translation" in opts.fields:
            record["translation"] = pipeline.translate(text, format=form)
    except (BilinguaError, ValueError) as exc:
        record[ERROR_FIELD] = str(exc)
