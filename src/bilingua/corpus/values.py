"""Record values JSON has no type for (a Parquet file's timestamps, dates, decimals, bytes): how they travel
between a job's stages, and how they are written to JSON.

Inside a job (part files, Ray), such a value is a tagged JSON object that is read back as the very same
Python value, so a Parquet output gets its column back with its type. In a JSONL or CSV output it is
written as text, the one documented way (:func:`to_json`): dates and times in ISO 8601, a decimal as its
digits, bytes in base64, a duration in seconds.
"""

from __future__ import annotations

import base64
import datetime as dt
import decimal
import json
from collections.abc import Callable
from typing import Any

__all__ = ["dumps", "loads", "to_json"]

#: The key of a tagged value; no record of a user's is expected to hold it.
_TAG = "$bilingua.value"

_ENCODE: list[tuple[type, str, Callable[[Any], Any]]] = [
    (dt.datetime, "datetime", lambda v: v.isoformat()),  # before date: a datetime is a date
    (dt.date, "date", lambda v: v.isoformat()),
    (dt.time, "time", lambda v: v.isoformat()),
    (dt.timedelta, "timedelta", lambda v: [v.days, v.seconds, v.microseconds]),
    (decimal.Decimal, "decimal", str),
    (bytes, "bytes", lambda v: base64.b64encode(v).decode("ascii")),
]
_DECODE: dict[str, Callable[[Any], Any]] = {
    "datetime": dt.datetime.fromisoformat,
    "date": dt.date.fromisoformat,
    "time": dt.time.fromisoformat,
    "timedelta": lambda v: dt.timedelta(days=v[0], seconds=v[1], microseconds=v[2]),
    "decimal": decimal.Decimal,
    "bytes": base64.b64decode,
}


def _tagged(value: Any) -> Any:
    for kind, name, encode in _ENCODE:
        if isinstance(value, kind):
            return {_TAG: name, "v": encode(value)}
    raise TypeError(f"a record value of type {type(value).__name__} cannot be stored")


def _untagged(obj: dict[str, Any]) -> Any:
    if _TAG in obj and len(obj) == 2 and "v" in obj:
        return _DECODE[obj[_TAG]](obj["v"])
    return obj


def dumps(record: dict[str, Any]) -> str:
    """One record as one line of JSON that :func:`loads` reads back to equal values, types included."""
    return json.dumps(record, ensure_ascii=False, default=_tagged)


def loads(line: str) -> dict[str, Any]:
    """A record written by :func:`dumps`."""
    out: dict[str, Any] = json.loads(line, object_hook=_untagged)
    return out


def to_json(value: Any) -> Any:
    """``json.dumps``'s ``default`` for outputs: ISO 8601 dates and times, decimal digits, base64 bytes,
    seconds for a duration."""
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"a record value of type {type(value).__name__} cannot be written as JSON")
