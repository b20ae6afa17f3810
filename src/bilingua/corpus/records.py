"""Reading corpus records (JSONL, CSV, Parquet, a folder of .txt/.md/.html/.srt/.vtt files, each with the
``encoding`` it was read in) and writing them back in kind."""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ..errors import InputError, optional_import
from ..formats import FORMATS
from ..io import replacing
from .values import to_json

#: The field bilingua writes a record's problem into: a record's own ``error`` field is the user's and is kept.
ERROR_FIELD = "bilingua_error"

__all__ = ["INPUT_FORMATS", "OUTPUT_FORMATS", "input_format", "read_records", "write_records", "write_parts",
           "input_schema"]

INPUT_FORMATS = ("jsonl", "csv", "parquet", "folder")
OUTPUT_FORMATS = ("jsonl", "csv", "parquet")
_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}


def input_format(path: str | os.PathLike[str], forced: str | None = None) -> str:
    """The format of ``path``: ``forced``, ``folder`` for a directory, else from the extension."""
    if forced:
        if forced not in INPUT_FORMATS:
            raise InputError(f"unknown input format {forced!r}; choose one of {', '.join(INPUT_FORMATS)}")
        return forced
    p = Path(path)
    if p.is_dir():
        return "folder"
    try:
        return _SUFFIXES[p.suffix.lower()]
    except KeyError:
        raise InputError(
            f"cannot tell the format of '{p}' from its extension; name it .jsonl, .csv or .parquet, "
            "or pass --input-format"
        ) from None


def read_records(path: str | os.PathLike[str], fmt: str) -> Iterator[dict[str, Any]]:
    """Records one by one; a line that is not a JSON object becomes a record with an ``error``."""
    p = Path(path)
    if fmt != "folder" and not p.is_file():
        raise InputError(f"input '{p}' does not exist or is not a file")
    if fmt == "jsonl":
        yield from _jsonl(p)
    elif fmt == "csv":
        with open(p, encoding="utf-8-sig", newline="") as fh:  # a byte-order mark is not part of the first header
            yield from csv.DictReader(fh)
    elif fmt == "parquet":
        yield from _parquet(p)
    else:
        yield from _folder(p)


def count_records(path: str | os.PathLike[str], fmt: str) -> int | None:
    """How many records ``path`` holds, cheaply (for a progress bar's ETA); ``None`` when unknown."""
    p = Path(path)
    try:
        if fmt == "jsonl":
            with open(p, "rb") as fh:
                return sum(1 for line in fh if line.strip())
        if fmt == "parquet":
            return int(_pyarrow().parquet.ParquetFile(p).metadata.num_rows)
        if fmt == "folder":
            return sum(1 for f in p.rglob("*") if f.is_file() and f.suffix.lower() in _readable())
    except Exception:  # a progress bar is not worth failing for; reading will say what is wrong
        return None
    return None  # CSV: a quoted field may hold line breaks, so only reading it counts it


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """One record per line (LF or CRLF); a line that is not UTF-8 or not a JSON object is a record with an
    ``error`` naming the line, and the lines after it are read on."""
    with open(path, "rb") as fh:
        for n, raw in enumerate(fh, 1):
            try:
                line = raw.decode("utf-8-sig" if n == 1 else "utf-8")  # a byte-order mark is not JSON
            except UnicodeDecodeError as exc:
                yield {ERROR_FIELD: f"line {n} is not valid UTF-8 (byte {exc.start + 1} of the line)"}
                continue
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield {ERROR_FIELD: f"line {n} is not valid JSON ({exc.msg})"}
                continue
            yield record if isinstance(record, dict) else {ERROR_FIELD: f"line {n} is not a JSON object"}


def _pyarrow() -> Any:
    pyarrow = optional_import("pyarrow", "reading and writing Parquet files", extra="parquet")
    optional_import("pyarrow.parquet", "reading and writing Parquet files", extra="parquet")
    return pyarrow


def _parquet(path: Path) -> Iterator[dict[str, Any]]:
    pq = _pyarrow().parquet
    try:
        table = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow's own error types
        raise InputError(f"'{path}' is not a readable Parquet file ({exc})") from None
    for batch in table.iter_batches(batch_size=1024):
        yield from batch.to_pylist()


def _readable() -> dict[str, str]:
    """The extensions a folder's files are read by, with their format: the registry's, as for
    `bilingua translate` (a .md file is Markdown); binary formats are not records of text."""
    return {e: f.name for f in FORMATS.values() if not f.binary for e in f.extensions}


def _folder(path: Path) -> Iterator[dict[str, Any]]:
    if not path.is_dir():
        raise InputError(f"input folder '{path}' does not exist")
    from ..io import read_decoded

    readable = _readable()
    for file in sorted(f for f in path.rglob("*") if f.is_file() and f.suffix.lower() in readable):
        try:  # each file in the encoding it is found to be in, which its record says
            read = read_decoded(file)
            yield {"id": file.relative_to(path).as_posix(), "text": read.text, "format": readable[file.suffix.lower()],
                   "encoding": read.encoding}
        except InputError as exc:
            yield {"id": file.relative_to(path).as_posix(), ERROR_FIELD: str(exc)}


#: A source of records, part by part, that can be read more than once (each call starts again).
Parts = Callable[[], Iterator[Sequence[dict[str, Any]]]]


def write_records(path: str | os.PathLike[str], records: Sequence[dict[str, Any]], fmt: str) -> None:
    """Write ``records`` to ``path`` atomically, in ``fmt`` (jsonl, csv or parquet)."""
    write_parts(path, lambda: iter([records]), fmt)


def write_parts(path: str | os.PathLike[str], parts: Parts, fmt: str, schema: Any = None) -> tuple[int, int]:
    """Write the records of ``parts`` to ``path`` atomically, in ``fmt``; return (records, records with an error).

    One part is held in memory at a time. CSV and Parquet read the parts twice: the columns (and
    Parquet's column types) first, then the rows. ``schema`` is the Parquet input's (``pyarrow.Schema``):
    its columns keep their exact types in a Parquet output.
    """
    counts = [0, 0]

    def counted() -> Iterator[Sequence[dict[str, Any]]]:  # the last pass over the parts counts them
        for part in parts():
            counts[0] += len(part)
            counts[1] += sum(1 for r in part if r.get(ERROR_FIELD))
            yield part

    with replacing(os.path.realpath(path)) as tmp:  # a link to the output: the file it names is replaced
        if fmt == "parquet":
            _write_parquet(tmp, _parquet_schema(parts(), schema), counted())
        else:
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                if fmt == "jsonl":
                    _write_jsonl(fh, counted())
                else:
                    _write_csv(fh, parts(), counted())
    return counts[0], counts[1]


def _write_jsonl(fh: Any, parts: Iterator[Sequence[dict[str, Any]]]) -> None:
    for part in parts:
        fh.write("".join(json.dumps(r, ensure_ascii=False, default=to_json) + "\n" for r in part))


def _cell(value: Any) -> Any:
    """A CSV cell: text and numbers as they are, anything else as JSON (dates in ISO 8601, see values)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    text = json.dumps(value, ensure_ascii=False, default=to_json)
    return text[1:-1] if text.startswith('"') else text  # a date is its ISO text, not a JSON string


def _write_csv(fh: Any, first: Iterator[Sequence[dict[str, Any]]], second: Iterator[Sequence[dict[str, Any]]]) -> None:
    """The columns from a first pass over the parts, the rows from a second."""
    columns = list(dict.fromkeys(k for part in first for r in part for k in r))
    writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
    # csv quotes a field holding the line terminator (LF), not one holding a lone CR, which readers then
    # take for a row end: such rows are written with every field quoted.
    quoted = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writeheader()
    for part in second:
        for r in part:
            row = {k: _cell(v) for k, v in r.items()}
            (quoted if any(isinstance(v, str) and "\r" in v for v in row.values()) else writer).writerow(row)


#: A column whose values have more than one type: written as text (see _as_text).
_MIXED = "mixed"


def _parquet_schema(parts: Iterator[Sequence[dict[str, Any]]], hint: Any) -> tuple[Any, set[str]]:
    """The output's schema, one Arrow type per column from every part (the input's where it has the
    column and its values still fit, the values' own otherwise), and the columns of several types,
    written as text."""
    pa = _pyarrow()
    types: dict[str, Any] = {}
    for part in parts:
        for column in dict.fromkeys(k for r in part for k in r):
            current = types.get(column, hint.field(column).type if hint is not None and column in hint.names else None)
            if current is _MIXED:
                continue
            try:
                found = pa.array([r.get(column) for r in part],
                                 type=None if current is None or pa.types.is_null(current) else current).type
            except (pa.ArrowException, TypeError, ValueError, OverflowError):
                types[column] = _MIXED
                continue
            if current is None or pa.types.is_null(current):
                types[column] = found
            else:
                types[column] = current if pa.types.is_null(found) or found == current else _MIXED
    return pa.schema([(c, pa.string() if t is _MIXED else t) for c, t in types.items()]), set(
        c for c, t in types.items() if t is _MIXED)


def _as_text(value: Any) -> Any:
    """A value of a column of several types: text as it is, anything else as its JSON."""
    return value if value is None or isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=to_json)


#: Rows per Parquet row group: parts are gathered up to this many (a row group per 64-record part made a
#: footer that grew with the corpus, 277 MB at a million records, and files slow to read).
ROW_GROUP = 16_384


def _write_parquet(path: Path, schema_and_mixed: tuple[Any, set[str]], parts: Iterator[Sequence[dict[str, Any]]]) -> None:
    pa = _pyarrow()
    schema, mixed = schema_and_mixed

    def write(rows: list[dict[str, Any]]) -> None:
        arrays = [pa.array([_as_text(r.get(f.name)) if f.name in mixed else r.get(f.name) for r in rows], type=f.type)
                  for f in schema]
        writer.write_table(pa.Table.from_arrays(arrays, schema=schema))

    with pa.parquet.ParquetWriter(path, schema) as writer:
        rows: list[dict[str, Any]] = []
        for part in parts:
            rows.extend(part)
            if len(rows) >= ROW_GROUP:
                write(rows)
                rows = []
        if rows or not schema:
            write(rows)


def input_schema(path: str | os.PathLike[str], fmt: str) -> Any:
    """A Parquet input's Arrow schema (its columns' exact types); ``None`` for any other input."""
    return _pyarrow().parquet.ParquetFile(path).schema_arrow if fmt == "parquet" else None


def output_format(path: str | os.PathLike[str]) -> str:
    fmt = _SUFFIXES.get(Path(path).suffix.lower())
    if fmt is None:
        raise InputError(f"cannot tell the output format of '{path}'; name it .jsonl, .csv or .parquet")
    return fmt
