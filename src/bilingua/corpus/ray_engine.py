"""The Ray engine: the same job on a pool of Ray actors, one loaded model per actor, each chunk committed as
it comes back.

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
import os
from collections.abc import Callable, Iterable
from typing import Any

from ..backends import ThreadPlan, thread_plan
from ..errors import optional_import
from ..options import SummaryOptions, TranslationOptions
from . import reaper, values
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
    """One Ray actor: loads the pipeline once, then annotates chunks of records (tagged JSON lines).

    A pipeline that cannot load is kept as its exception and given back by the first call: the driver
    raises it, so the job fails at once, as a local one does, with the same one-line error.
    """

    def __init__(self, translation: TranslationOptions, summary: SummaryOptions, options: BatchOptions) -> None:
        from ..pipeline import Pipeline

        self.options = options
        self.failure: BaseException | None = None
        try:
            self.pipeline = Pipeline(translation=translation, summary=summary, progress=False)
            prepare(self.pipeline, options)
        except Exception as exc:  # given back to the driver, which raises it
            self.failure = exc

    def annotate(self, lines: list[str]) -> tuple[list[str], str] | BaseException:
        if self.failure is not None:
            return self.failure
        done = annotate(self.pipeline, [values.loads(line) for line in lines], self.options)
        return [values.dumps(r) for r in done], json.dumps(self.pipeline.models_info())


def _start(address: str | None) -> Any:
    ray = optional_import("ray", "--engine ray", extra="ray")
    if not ray.is_initialized():
        before = reaper.descendants(os.getpid())
        ray.init(address=address, include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
        if address is None:  # a local instance of this process's own: ended with it, even by kill -9
            reaper.watch_instance(before)
    return ray


def run_on_ray(chunks: Iterable[Chunk], commit: Callable[[int, list[dict[str, Any]]], None],
               translation: TranslationOptions, summary: SummaryOptions, options: BatchOptions) -> dict[str, Any]:
    """Process the chunks on a pool of Ray actors and commit each one as soon as it is back.

    The driver reads the input a chunk at a time, as an actor comes free: at most one chunk per actor
    is in flight, so the driver's memory does not grow with the corpus.
    """
    ray = _start(options.ray_address)
    plan = actor_plan(translation, options.worker_count)
    remote = ray.remote(num_cpus=1, num_gpus=plan.gpus_per_worker)(_Actor)
    idle = [remote.remote(actor_options(translation), summary, options) for _ in range(options.worker_count)]
    flying: dict[Any, tuple[int, Any]] = {}
    models: dict[str, Any] = {}
    todo = iter(chunks)
    try:
        while True:
            while idle and (chunk := next(todo, None)) is not None:
                k, records = chunk
                actor = idle.pop()
                flying[actor.annotate.remote([values.dumps(r) for r in records])] = (k, actor)
            if not flying:
                return models
            [ready], _ = ray.wait(list(flying), num_returns=1)
            k, actor = flying.pop(ready)
            answer = ray.get(ready)
            if isinstance(answer, BaseException):
                raise answer
            lines, found = answer
            commit(k, [values.loads(line) for line in lines])
            models = json.loads(found)
            idle.append(actor)
    finally:
        for actor in [*idle, *(a for _, a in flying.values())]:
            ray.kill(actor)
