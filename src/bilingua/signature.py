"""One configuration signature for every cache and fingerprint, as sacrebleu's ``Signature`` names a score's settings.

A :class:`Signature` is a set of named, JSON-ready fields with a stable
digest. The CTranslate2 conversion cache, the batch manifest and the pipeline
cache are all keyed by one; a file an option names counts by its content
(:func:`file_digest`), not its name.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["Signature", "file_digest"]


class Signature:
    """Named settings that decide a result; equal signatures mean the same configuration."""

    def __init__(self, **fields: Any) -> None:
        self.fields: dict[str, Any] = json.loads(json.dumps(_plain(fields), sort_keys=True, default=str))

    def to_dict(self) -> dict[str, Any]:
        """The fields, as a manifest stores them (tuples as lists)."""
        return json.loads(json.dumps(self.fields))  # type: ignore[no-any-return]

    def digest(self, length: int = 16) -> str:
        """A stable hex digest of every field."""
        canonical = json.dumps(self.fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:length]

    def __str__(self) -> str:
        return "|".join(f"{k}:{v}" for k, v in sorted(self.fields.items()) if v not in (None, {}, []))

    def __repr__(self) -> str:
        return f"Signature({self.digest()}: {self})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Signature) and self.fields == other.fields

    def __hash__(self) -> int:
        return hash(self.digest())


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Path):
        return str(value)
    return value


_DIGESTS: dict[tuple[str, int, int, int, int], str] = {}
_DIGESTS_LOCK = threading.Lock()


def file_digest(path: str | os.PathLike[str]) -> str:
    """The SHA-256 of a file's content, read again whenever the file may have changed.

    The key is the file's inode, size, modification time and change time: a rewrite that restores the
    modification time (``touch -d``, ``os.utime``) still moves the change time, which no call can set.
    """
    resolved = os.path.realpath(path)
    st = os.stat(resolved)
    key = (resolved, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    with _DIGESTS_LOCK:
        known = _DIGESTS.get(key)
    if known is None:
        h = hashlib.sha256()
        with open(resolved, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        known = h.hexdigest()
        with _DIGESTS_LOCK:
            _DIGESTS[key] = known
    return known
