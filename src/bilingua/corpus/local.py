"""The local engine: one process, or ``workers`` processes that share the cores with the engine's threads."""

from __future__ import annotations

import multiprocessing as mp
import os
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from ..backends import thread_plan
from ..options import SummaryOptions, TranslationOptions
from .work import BatchOptions, annotate, prepare

Chunk = tuple[int, list[dict[str, Any]]]
Commit = Callable[[int, list[dict[str, Any]]], None]


def worker_options(translation: TranslationOptions, workers: int) -> TranslationOptions:
    """Each of ``workers`` processes gets an equal share of the cores (unless threads were set)."""
    import dataclasses

    if translation.threads is not None or workers == 1:
        return translation
    return dataclasses.replace(translation, threads=thread_plan(translation.device, workers).threads)


def _pipeline(translation: TranslationOptions, summary: SummaryOptions) -> Any:
    from ..pipeline import Pipeline

    return Pipeline(translation=translation, summary=summary, progress=False)


def run_local(chunks: Iterable[Chunk], commit: Commit, translation: TranslationOptions, summary: SummaryOptions,
              options: BatchOptions) -> dict[str, Any]:
    """Process and commit every chunk; return the models used."""
    if options.worker_count == 1:
        pipeline = _pipeline(translation, summary)
        prepare(pipeline, options)
        for k, records in chunks:
            commit(k, annotate(pipeline, records, options))
        return pipeline.models_info()
    return _run_pool(chunks, commit, worker_options(translation, options.worker_count), summary, options)


_WORKER: Any = None


def _init(translation: TranslationOptions, summary: SummaryOptions) -> None:
    global _WORKER
    _watch_parent(os.getppid())
    _WORKER = _pipeline(translation, summary)


def _watch_parent(parent: int, every: float = 0.5) -> None:
    """End this worker when the job that started it is gone (``kill -9`` included), instead of working on
    and then sleeping forever: an orphan is adopted by another process, so its parent id changes."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os._exit(1)

    threading.Thread(target=watch, name="bilingua-parent-watch", daemon=True).start()


def _work(records: list[dict[str, Any]], options: BatchOptions) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    prepare(_WORKER, options)  # loaded once; a model that cannot load fails here, and the job with it
    return annotate(_WORKER, records, options), _WORKER.models_info()


def _run_pool(chunks: Iterable[Chunk], commit: Commit, translation: TranslationOptions, summary: SummaryOptions,
              options: BatchOptions) -> dict[str, Any]:
    # spawn, not fork: a forked child would inherit engine threads and locks in whatever state they were.
    models: dict[str, Any] = {}
    with ProcessPoolExecutor(options.worker_count, mp_context=mp.get_context("spawn"), initializer=_init,
                             initargs=(translation, summary)) as pool:
        running: dict[Future[Any], int] = {}
        for k, records in chunks:
            running[pool.submit(_work, records, options)] = k
            if len(running) >= 2 * options.worker_count:  # read ahead a little, never the whole corpus
                models = _drain(running, commit) or models
        while running:
            models = _drain(running, commit) or models
    return models


def _drain(running: dict[Future[Any], int], commit: Commit) -> dict[str, Any]:
    """Commit the chunks that have finished (at least one); return the models a worker reported."""
    done, _ = wait(running, return_when=FIRST_COMPLETED)
    models: dict[str, Any] = {}
    for future in done:
        records, models = future.result()
        commit(running.pop(future), records)
    return models
