"""Reading segment files (plain text, TSV, JSONL) for evaluation, with clear errors."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..io import decode, read_bytes
from ..text import data_lines

__all__ = ["Segments", "read_segments"]


@dataclass(frozen=True)
class Segments:
    """Lines read from one file (or one column of it), with where they came from."""

    lines: list[str]
    path: str
    field: str | None
    sha256: str

    def describe(self) -> dict[str, object]:
        return {"path": self.path, "field": self.field, "lines": len(self.lines), "sha256": self.sha256}


def _split_spec(spec: str) -> tuple[Path, str | None]:
    # "file.tsv#column" picks a named column; a '#' inside a real file name still works.
    if "#" in spec and not Path(spec).exists():
        path, field = spec.rsplit("#", 1)
        return Path(path), field
    return Path(spec), None


def _lines(text: str) -> list[str]:
    return data_lines(text)


def read_segments(spec: str, default_fields: tuple[str, ...] = ()) -> Segments:
    """Read one segment per line from ``spec``.

    ``spec`` is a path, or ``path#field`` for a column of a ``.tsv`` file
    (first row = column names) or a key of a ``.jsonl`` file. Without
    ``#field`` a TSV/JSONL file uses the first of ``default_fields`` it has.
    """
    path, field = _split_spec(spec)
    data = read_bytes(path)
    # A BOM stays: it is part of the first segment, as sacrebleu reads it.
    text = decode(data, f"'{path}'", strip_bom=False)
    if not text:  # an all-blank file is N empty segments and is scored; a 0-byte one has none
        raise InputError(f"'{path}' is empty")
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        rows = []
        for n, line in enumerate(_lines(text), 1):
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise InputError(f"'{path}' line {n} is not valid JSON ({exc.msg})") from None
        field = _pick_field(path, field, rows[0].keys() if rows and isinstance(rows[0], dict) else [], default_fields)
        try:
            lines = [str(row[field]) for row in rows]
        except (KeyError, TypeError):
            raise InputError(f"'{path}': not every line has the key '{field}'") from None
    elif suffix == ".tsv":
        reader = csv.reader(io.StringIO(text.replace("\r\n", "\n")), delimiter="\t", quoting=csv.QUOTE_NONE)
        rows = list(reader)
        header = rows[0]
        field = _pick_field(path, field, header, default_fields)
        col = header.index(field)
        try:
            lines = [row[col] for row in rows[1:]]
        except IndexError:
            raise InputError(f"'{path}': a row has fewer columns than the header") from None
    else:
        if field is not None:
            raise InputError(f"'{path}' is plain text: '#{field}' works only for .tsv and .jsonl files")
        lines = _lines(text)
    return Segments(lines=lines, path=str(path), field=field, sha256=hashlib.sha256(data).hexdigest())


def _pick_field(path: Path, field: str | None, available: object, defaults: tuple[str, ...]) -> str:
    names = list(available)  # type: ignore[call-overload]
    if field is not None:
        if field not in names:
            raise InputError(f"'{path}' has no column '{field}' (it has: {', '.join(map(str, names))})")
        return field
    for name in defaults:
        if name in names:
            return name
    raise InputError(
        f"'{path}': say which column to use, e.g. '{path}#{names[0] if names else 'text'}' "
        f"(it has: {', '.join(map(str, names))})"
    )
