"""A corpus job: records in, records with their translation and summary out, committed chunk by chunk.

Records are numbered in input order and cut into chunks of ``chunk_size``.
Each finished chunk is written atomically as one part file in a hidden
folder beside the output, next to a manifest that fingerprints the job
(input, options, models). A job started again with the same command skips
the chunks that are there, so a killed run (SIGKILL included) loses at most
the chunks in flight and never duplicates one; the output is assembled from
the parts, in input order, when every chunk is done.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # Windows: jobs are not locked
    fcntl = None  # type: ignore[assignment]

from .. import progress
from ..progress import skip
from ..errors import InputError
from ..io import check_output, write_atomic
from ..languages import AUTO
from ..options import SummaryOptions, TranslationOptions, signature
from ..signature import file_digest
from .local import run_local
from .ray_engine import run_on_ray
from .work import ENGINES, FIELDS, BatchOptions, annotate
from . import values
from .records import ERROR_FIELD, count_records, input_format, input_schema, output_format, read_records, write_parts

__all__ = ["BatchOptions", "BatchReport", "FIELDS", "ENGINES", "annotate", "run_batch"]

logger = logging.getLogger("bilingua")

@dataclass
class BatchReport:
    """What a job did: counts, time, throughput and the models used."""

    output: str
    records: int = 0
    failed: int = 0
    resumed_chunks: int = 0
    processed_records: int = 0
    wall_seconds: float = 0.0
    docs_per_second: float = 0.0
    target_words_per_second: float = 0.0
    engine: str = "local"
    workers: int = 1
    #: This run's records translated, by the pair that translated them (``--from auto`` chooses per record).
    records_by_pair: dict[str, int] = field(default_factory=dict)
    models: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2)


#: The file a running job holds its folder by.
_LOCK = "lock"


class ChunkStore:
    """Part files and the manifest of one job, in a hidden folder beside the output."""

    def __init__(self, output: Path, fingerprint: dict[str, Any]) -> None:
        self.output = output
        self.folder = output.parent / f".{output.name}.bilingua-batch"
        self.manifest = self.folder / "job.json"
        self.fingerprint = fingerprint

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the job's folder while this process works in it: a second job on the same output is refused.

        An ``fcntl`` lock on a file in the folder, released by the system when the process ends, however
        it ends; where there is no ``fcntl`` (Windows) nothing is locked.
        """
        self.folder.mkdir(exist_ok=True)
        with open(self.folder / _LOCK, "a") as handle:
            if fcntl is not None:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    raise InputError(f"'{self.output}' is being written by another bilingua batch job; "
                                     "wait for it to finish, or write to another output") from None
            yield

    def open(self, overwrite: bool) -> bool:
        """Prepare the folder; ``True`` when an earlier run with the same job already finished."""
        stored = json.loads(self.manifest.read_text(encoding="utf-8")) if self.manifest.is_file() else None
        if overwrite and self.folder.exists():  # start again from nothing (the lock stays: it is held)
            for entry in self.folder.iterdir():
                if entry.is_dir():
                    shutil.rmtree(entry)
                elif entry.name != _LOCK:
                    entry.unlink()
            stored = None
        if stored is not None and stored.get("fingerprint") != self.fingerprint:
            raise InputError(
                f"'{self.output}' belongs to a job with other input, model or options "
                f"(see {self.manifest}); use --overwrite to start again"
            )
        if stored is None and self.output.exists() and not overwrite:
            raise InputError(f"output '{self.output}' exists and was not made by this job; use --overwrite to replace it")
        if stored is not None and stored.get("complete") and self.output.exists():
            return True
        self.folder.mkdir(exist_ok=True)
        write_atomic(self.manifest, json.dumps({"fingerprint": self.fingerprint, "complete": False}, indent=2))
        return False

    def part(self, k: int) -> Path:
        return self.folder / f"part-{k:08d}.jsonl"

    def commit(self, k: int, records: list[dict[str, Any]]) -> None:
        write_atomic(self.part(k), "".join(values.dumps(r) + "\n" for r in records))

    def load(self, k: int) -> list[dict[str, Any]]:
        # "\n" only: json.dumps leaves U+2028 and U+0085 unescaped, and str.splitlines splits on them.
        return [values.loads(line) for line in self.part(k).read_text(encoding="utf-8").split("\n") if line]

    def finish(self, chunks: list[int], fmt: str, schema: Any = None) -> tuple[int, int]:
        """Assemble the output from the part files, in order, a part at a time; (records, failed records).
        ``schema``: the Parquet input's, whose column types a Parquet output keeps."""
        counts = write_parts(self.output, lambda: (self.load(k) for k in chunks), fmt, schema)
        write_atomic(self.manifest, json.dumps({"fingerprint": self.fingerprint, "complete": True}, indent=2))
        for part in self.folder.glob("part-*.jsonl"):
            part.unlink()
        return counts


def _chunks(records: Iterable[dict[str, Any]], opts: BatchOptions) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    chunk: list[dict[str, Any]] = []
    k = n = 0
    for record in records:
        record.setdefault(opts.id_field, n)  # no id field: the record number
        n += 1
        chunk.append(record)
        if len(chunk) == opts.chunk_size:
            yield k, chunk
            k, chunk = k + 1, []
    if chunk:
        yield k, chunk


def _stamp(source: Path) -> dict[str, Any]:
    """What identifies the input: its content (SHA-256 of the file, or of every file of a folder with its name).

    Size and modification time are not enough: a file rewritten within the same second at the same size
    would resume with the other file's chunks. Each digest is read again only when its file changed.
    """
    if not source.exists():
        raise InputError(f"input '{source}' does not exist")
    if source.is_dir():
        h = hashlib.sha256()
        for f in sorted(source.rglob("*")):
            if f.is_file():
                h.update(f"{f.relative_to(source).as_posix()}:{file_digest(f)};".encode())
        return {"path": str(source.resolve()), "files": h.hexdigest()}
    return {"path": str(source.resolve()), "sha256": file_digest(source)}


def fingerprint(source: Path, translation: TranslationOptions, summary: SummaryOptions, opts: BatchOptions) -> dict[str, Any]:
    """What the output depends on: the input, the models and every option that changes results (the option
    groups' configuration signature, with the glossary's and shortlist's content)."""
    from importlib.metadata import version

    same = {k: v for k, v in asdict(opts).items() if k not in ("workers", "engine", "ray_address")}
    return signature(translation, summary, input=_stamp(source), batch=same, bilingua=version("bilingua")).to_dict()


def run_batch(
    source: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    translation: TranslationOptions,
    summary: SummaryOptions,
    options: BatchOptions,
    overwrite: bool = False,
    progress: bool = True,
) -> BatchReport:
    """Run (or resume) a corpus job; see :func:`bilingua.batch`."""
    src, out = Path(source), Path(output)
    fmt_in, fmt_out = input_format(src, options.input_format), output_format(out)
    check_output(out)
    store = ChunkStore(out, fingerprint(src, translation, summary, options))
    with store.locked():
        return _run(store, src, fmt_in, fmt_out, translation, summary, options, overwrite, progress)


def _run(store: ChunkStore, src: Path, fmt_in: str, fmt_out: str, translation: TranslationOptions,
         summary: SummaryOptions, options: BatchOptions, overwrite: bool, progress: bool) -> BatchReport:
    out = store.output
    report = BatchReport(output=str(out), engine=options.engine, workers=options.worker_count)
    t0 = time.perf_counter()
    if store.open(overwrite):
        logger.info("%s is already complete", out)
        return _finish_report(report, store, None, None, t0)
    chunk_ids: list[int] = []
    pending_counts: list[int] = []

    def pending() -> Iterator[tuple[int, list[dict[str, Any]]]]:
        for k, chunk in _chunks(read_records(src, fmt_in), options):
            chunk_ids.append(k)
            if store.part(k).is_file():
                report.resumed_chunks += 1
                skip(bar, len(chunk))  # the rate is this run's: 26 docs/s showed as 73
                continue
            pending_counts.append(len(chunk))
            yield k, chunk

    bar = _bar(progress, src, fmt_in)
    words = 0

    def commit(k: int, records: list[dict[str, Any]]) -> None:
        nonlocal words
        store.commit(k, records)
        words += sum(len(str(r.get("translation", "")).split()) for r in records)
        for r in records:
            if not r.get(ERROR_FIELD):
                name = (r.get("pair") if translation.source == AUTO else None) or translation.named_pair.name
                report.records_by_pair[name] = report.records_by_pair.get(name, 0) + 1
        bar.update(len(records))

    with bar:
        report.models = _runner(options)(pending(), commit, translation, summary, options)
    report.processed_records = sum(pending_counts)
    report = _finish_report(report, store, chunk_ids, fmt_out, t0, input_schema(src, fmt_in))
    if report.wall_seconds:
        report.target_words_per_second = words / report.wall_seconds
    return report


def _finish_report(report: BatchReport, store: ChunkStore, chunk_ids: list[int] | None, fmt: str | None,
                   t0: float, schema: Any = None) -> BatchReport:
    if chunk_ids is None or fmt is None:  # finished earlier: count what is there, a record at a time
        report.records = report.failed = 0
        for r in read_records(store.output, output_format(store.output)):
            report.records += 1
            report.failed += bool(r.get(ERROR_FIELD))
    else:
        report.records, report.failed = store.finish(chunk_ids, fmt, schema)
    report.wall_seconds = time.perf_counter() - t0
    if report.processed_records and report.wall_seconds:
        report.docs_per_second = report.processed_records / report.wall_seconds
    return report


def _runner(options: BatchOptions) -> Any:
    return run_on_ray if options.engine == "ray" else run_local


def _bar(enabled: bool, source: Path, fmt: str) -> Any:
    # docs/s and, with a total, the ETA, both of this run's records (resumed ones leave the total).
    # Counting reads the input: only for a bar.
    enabled = enabled and sys.stderr.isatty()
    return progress.bar(enabled, count_records(source, fmt) if enabled else None, "doc", "batch", smoothing=0.1)
