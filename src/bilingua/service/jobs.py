"""Document jobs: a file sent now, translated in the background, fetched later; they survive a restart.

Each job is a row of a SQLite file in the service's data folder: the file as sent, its status (queued,
translating, done, error), its progress (sentences done of those found so far) and, once done, the
translation. A worker thread takes the oldest queued job. A server stopped, even by SIGKILL, leaves its
unfinished jobs in the file; started again on the same folder, it queues them again, and nothing
finished is lost. Finished jobs are removed after ``keep_seconds``. A job belongs to the key that sent
it (a digest of it): another key sees nothing of it.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..errors import first_line
from ..languages import SOURCE, TARGET

__all__ = ["DocumentJobs", "Translate"]

logger = logging.getLogger("bilingua.service")

#: Translates a file (its name, its bytes) from a language (or auto) into another, reporting progress
#: as (done, total) sentences; gives the translated file's name and bytes.
Translate = Callable[[str, bytes, str, str, Callable[[int, int], None]], tuple[str, bytes]]

# Each job's pair; a data folder from before pairs gains these columns, its jobs the default pair's.
_PAIR_COLUMNS = (f"source_lang TEXT NOT NULL DEFAULT '{SOURCE}'", f"target_lang TEXT NOT NULL DEFAULT '{TARGET}'")
_SCHEMA = f"""CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, name TEXT NOT NULL, status TEXT NOT NULL,
    done INTEGER NOT NULL DEFAULT 0, total INTEGER NOT NULL DEFAULT 0, error TEXT,
    created REAL NOT NULL, started REAL, finished REAL, result_name TEXT, source BLOB NOT NULL, result BLOB,
    {", ".join(_PAIR_COLUMNS)})"""


def owner_of(api_key: str | None) -> str:
    """Who a job belongs to: a digest of its key (keys are not stored), or everyone without keys."""
    return hashlib.sha256(api_key.encode()).hexdigest() if api_key else ""


class DocumentJobs:
    """The jobs of one data folder, and the worker thread that translates them."""

    def __init__(self, folder: Path, translate: Translate, keep_seconds: float) -> None:
        self.path = folder / "jobs.sqlite3"
        self.translate = translate
        self.keep = keep_seconds
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = False
        with self._db() as db:
            db.execute(_SCHEMA)
            columns = {row[1] for row in db.execute("PRAGMA table_info(jobs)")}
            for column in _PAIR_COLUMNS:
                if column.split()[0] not in columns:
                    db.execute(f"ALTER TABLE jobs ADD COLUMN {column}")
            # What a stopped server was translating starts again from the beginning.
            db.execute("UPDATE jobs SET status = 'queued', done = 0, total = 0, started = NULL "
                       "WHERE status = 'translating'")
            waiting = db.execute("SELECT COUNT(*) FROM jobs WHERE status = 'queued'").fetchone()[0]
        if waiting:
            logger.info("%d unfinished document job(s) queued", waiting)
        self._worker = threading.Thread(target=self._work, name="bilingua-documents", daemon=True)
        self._worker.start()

    @contextlib.contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """One connection per use, one writer at a time, committed at the end."""
        with self._lock, contextlib.closing(sqlite3.connect(self.path, timeout=30)) as db, db:
            yield db

    def submit(self, api_key: str | None, name: str, data: bytes, source: str = SOURCE, target: str = TARGET) -> str:
        """Queue ``data`` to be translated from ``source`` (or auto) into ``target``; its job's id."""
        job = secrets.token_hex(12)
        with self._db() as db:
            db.execute("INSERT INTO jobs (id, owner, name, status, created, source, source_lang, target_lang) "
                       "VALUES (?, ?, ?, 'queued', ?, ?, ?, ?)",
                       (job, owner_of(api_key), name, time.time(), data, source, target))
        self._wake.set()
        return job

    def status(self, job: str, api_key: str | None) -> dict[str, Any] | None:
        """The job's status, progress and estimated seconds left; ``None`` when it is not this key's."""
        with self._db() as db:
            row = db.execute("SELECT status, done, total, started, error, name FROM jobs WHERE id = ? AND owner = ?",
                             (job, owner_of(api_key))).fetchone()
        if row is None:
            return None
        status, done, total, started, error, name = row
        left = None
        if status == "translating" and started and done and total >= done:
            left = round((time.time() - started) / done * (total - done), 1)
        answer: dict[str, Any] = {"id": job, "name": name, "status": status, "progress": {"done": done, "total": total},
                                  "seconds_remaining": 0 if status == "done" else left}
        if error:
            answer["error"] = error
        return answer

    def result(self, job: str, api_key: str | None) -> tuple[str, str, bytes | None] | None:
        """(status, file name, bytes once done) of the key's job; ``None`` when it has no such job."""
        with self._db() as db:
            row = db.execute("SELECT status, result_name, result FROM jobs WHERE id = ? AND owner = ?",
                             (job, owner_of(api_key))).fetchone()
        return None if row is None else (row[0], row[1] or "", row[2])

    def delete(self, job: str, api_key: str | None) -> bool:
        with self._db() as db:
            return db.execute("DELETE FROM jobs WHERE id = ? AND owner = ?", (job, owner_of(api_key))).rowcount > 0

    def close(self) -> None:
        """Stop taking jobs; one being translated stays unfinished in the file, queued again at the next start."""
        self._stop = True
        self._wake.set()

    # -- the worker ---------------------------------------------------------------
    def _work(self) -> None:
        while not self._stop:
            job = self._next()
            if job is None:
                self._wake.wait(timeout=60)  # a minute at most: finished jobs past their time go meanwhile
                self._wake.clear()
                continue
            self._run(*job)

    def _next(self) -> tuple[str, str, bytes, str, str] | None:
        with self._db() as db:
            db.execute("DELETE FROM jobs WHERE finished IS NOT NULL AND finished < ?", (time.time() - self.keep,))
            row = db.execute("SELECT id, name, source, source_lang, target_lang FROM jobs WHERE status = 'queued' "
                             "ORDER BY created LIMIT 1").fetchone()
            if row is not None:
                db.execute("UPDATE jobs SET status = 'translating', started = ? WHERE id = ?", (time.time(), row[0]))
        return None if row is None else (row[0], row[1], row[2], row[3], row[4])

    def _run(self, job: str, name: str, data: bytes, source: str, target: str) -> None:
        last = [0.0]

        def progress(done: int, total: int) -> None:
            if time.monotonic() - last[0] >= 0.25:  # the file is written a few times a second at most
                last[0] = time.monotonic()
                with self._db() as db:
                    db.execute("UPDATE jobs SET done = ?, total = ? WHERE id = ?", (done, total, job))

        try:
            result_name, result = self.translate(name, data, source, target, progress)
        except Exception as exc:  # the job failed, not the server: its error is the job's answer
            logger.warning("document job %s failed: %s", job, first_line(exc))
            with self._db() as db:
                db.execute("UPDATE jobs SET status = 'error', error = ?, finished = ? WHERE id = ?",
                           (first_line(exc), time.time(), job))
            return
        with self._db() as db:
            db.execute("UPDATE jobs SET status = 'done', done = total, result_name = ?, result = ?, finished = ? "
                       "WHERE id = ?", (result_name, result, time.time(), job))
