"""Where the service keeps what outlives a request: translated files waiting to be downloaded, and
LibreTranslate's suggestions (SQLite)."""

from __future__ import annotations

import contextlib
import re
import secrets
import shutil
import sqlite3
import tempfile
import threading
import time
from pathlib import Path

__all__ = ["FileStore", "Suggestions"]

#: What a stored file's name may hold (a random prefix, then the upload's name made safe).
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")
_STORED = re.compile(r"^[0-9a-f]{32}\.[A-Za-z0-9._-]{1,200}$")


class FileStore:
    """Translated files, each under a random name, kept ``keep_seconds`` and then removed.

    ``folder`` ``None``: a temporary folder, removed by :meth:`close`.
    """

    def __init__(self, folder: str | None, keep_seconds: float) -> None:
        self.temporary = folder is None
        self.folder = Path(tempfile.mkdtemp(prefix="bilingua-files-") if folder is None else folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.keep = keep_seconds
        self._lock = threading.Lock()

    def put(self, upload_name: str, data: bytes) -> str:
        """Store ``data``; return the name it is downloaded by (random, so names cannot be guessed)."""
        self.sweep()
        safe = _SAFE.sub("_", Path(upload_name).name).strip("._")[-150:] or "file"
        name = f"{secrets.token_hex(16)}.{safe}"
        tmp = self.folder / f".{name}.part"
        tmp.write_bytes(data)
        tmp.replace(self.folder / name)
        return name

    def get(self, name: str) -> Path | None:
        """The stored file called ``name``, if it is there and still kept; no other path is ever given."""
        if not _STORED.match(name):
            return None
        path = self.folder / name
        if not path.is_file() or time.time() - path.stat().st_mtime > self.keep:
            return None
        return path

    def sweep(self) -> None:
        """Remove the files kept past their time."""
        now = time.time()
        with self._lock:
            for path in self.folder.iterdir():
                if _STORED.match(path.name) and now - path.stat().st_mtime > self.keep:
                    path.unlink(missing_ok=True)

    def close(self) -> None:
        if self.temporary:
            shutil.rmtree(self.folder, ignore_errors=True)


class Suggestions:
    """LibreTranslate's suggestions (a source text, a better translation), in a SQLite file."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._run("CREATE TABLE IF NOT EXISTS suggestions (q TEXT NOT NULL, s TEXT NOT NULL, source TEXT NOT NULL, "
                  "target TEXT NOT NULL, client TEXT NOT NULL, created REAL NOT NULL)")

    def _run(self, sql: str, args: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        """One statement in its own connection and transaction, one writer at a time."""
        with self._lock, contextlib.closing(sqlite3.connect(self.path, timeout=30)) as db, db:
            return db.execute(sql, args).fetchall()

    def add(self, q: str, s: str, source: str, target: str, client: str) -> None:
        self._run("INSERT INTO suggestions VALUES (?, ?, ?, ?, ?, ?)", (q, s, source, target, client, time.time()))

    def count(self) -> int:
        return int(self._run("SELECT COUNT(*) FROM suggestions")[0][0])  # type: ignore[call-overload]
