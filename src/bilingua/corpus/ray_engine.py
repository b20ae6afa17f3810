"""The Ray engine: the same job on Ray Data, one loaded model per actor, chunks committed as they stream back.

``ray`` is an optional extra (``pip install "bilingua[ray]"``). Without an
address a local Ray instance is started; ``auto`` joins the cluster this
machine belongs to, ``ray://HOST:PORT`` a remote one. The model must be
reachable from every node: a hub id (each node fills its own cache) or a
folder on shared storage. With ``--device cuda`` each actor asks Ray for one
GPU, so actors land on GPU nodes, one model per GPU.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from ..backends import ThreadPlan, thread_plan
from ..errors import optional_import
from ..options import SummaryOptions, TranslationOptions
from . import values
from .work import BatchOptions, annotate, prepare

Chunk = tuple[int, list[dict[str, Any]]]


def actor_plan(translation: TranslationOptions, workers: int) -> ThreadPlan:
    """Each actor reserves one CPU (its engine runs one thread unless --threads says otherwise) and, when the
    plan's device is a GPU (``--device auto`` on a GPU machine included), one GPU."""
    return thread_plan(translation.device, workers, translation.threads, cores=workers)


def actor_options(translation: TranslationOptions) -> TranslationOptions:
    """An actor reserves one CPU, so its engine runs one thread (unless --threads says otherwise).

    One-thread engines in separate processes scaled best locally (scripts/bench_batch.py), and the
    driver cannot see how many cores the nodes have.
    """
    import dataclasses

    return dataclasses.replace(translation, threads=actor_plan(translation, 1).threads)


class _Actor:
    """One Ray actor: loads the pipeline once, then annotates batches of records (JSON strings)."""

    def __init__(self, translation: TranslationOptions, summary: SummaryOptions, options: BatchOptions) -> None:
        from ..pipeline import Pipeline

        self.pipeline = Pipeline(translation=translation, summary=summary, progress=False)
        self.options = options
        prepare(self.pipeline, options)

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        import numpy as np

        records = [values.loads(s) for s in batch["record"]]
        done = annotate(self.pipeline, records, self.options)
        models = json.dumps(self.pipeline.models_info())
        return {
            "chunk": batch["chunk"], "position": batch["position"],
            "record": np.array([values.dumps(r) for r in done], dtype=object),
            "models": np.array([models] * len(done), dtype=object),
        }


def _start(address: str | None) -> Any:
    ray = optional_import("ray", "--engine ray", extra="ray")
    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
    return ray


def run_on_ray(chunks: Iterable[Chunk], commit: Callable[[int, list[dict[str, Any]]], None],
               translation: TranslationOptions, summary: SummaryOptions, options: BatchOptions) -> dict[str, Any]:
    """Process the chunks on Ray Data and commit each one as soon as all its records are back."""
    ray = _start(options.ray_address)
    sizes: dict[int, int] = {}
    items = []
    for k, records in chunks:
        sizes[k] = len(records)
        items += [{"chunk": k, "position": i, "record": values.dumps(r)} for i, r in enumerate(records)]
    if not items:
        return {}
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = options.ordered
    context.enable_progress_bars = False
    plan = actor_plan(translation, options.worker_count)
    results = ray.data.from_items(items).map_batches(
        _Actor, fn_constructor_kwargs={"translation": actor_options(translation), "summary": summary,
                                       "options": options},
        batch_size=options.chunk_size, concurrency=options.worker_count, num_cpus=1,
        num_gpus=plan.gpus_per_worker, batch_format="numpy",
    )
    waiting: dict[int, dict[int, dict[str, Any]]] = {}
    models: dict[str, Any] = {}
    for row in results.iter_rows():
        k = int(row["chunk"])
        waiting.setdefault(k, {})[int(row["position"])] = values.loads(row["record"])
        models = json.loads(row["models"])
        if len(waiting[k]) == sizes[k]:
            done = waiting.pop(k)
            commit(k, [done[i] for i in range(sizes[k])])
    return models
