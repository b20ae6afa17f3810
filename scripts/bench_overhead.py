#!/usr/bin/env python
"""The pipeline's own ceiling: the whole pipeline on one core with an engine that costs nothing.

The identity engine (``backend="identity"``, no model) returns each
sentence's own words at once, as word tokens. So the time measured is
bilingua's: splitting, deduplication and batching, encoding, decoding,
protection and alignment, reassembly. (A model's SentencePiece tokenizer is
the engine's cost, not measured here.)

Two workloads, each run with ``Pipeline.translate`` (protection on, re-flow
on, the defaults):

- FLORES-200 devtest (French), 1,012 lines, translated 20 times over: 20,240
  sentences in 20 calls (each call deduplicates its own sentences only);
- one article of 1,000,000 characters: newstest2014, Tatoeba and FLORES
  French sentences as paragraphs of eight, in one call.

Each stage's share is its CPU time (``time.thread_time``, its own time, nested
stages subtracted) over the process's CPU time for the workload. The process
is pinned to one core. Goal: at least 10,000 sentences per second.

    python scripts/bench_overhead.py [--repeat 20] [--article-chars 1000000]
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
DATA = ROOT.parent / "shared" / "evaldata"

#: (stage, object, attribute) wrapped to time that stage; a stage nested in another is subtracted from it.
STAGES = [
    ("splitting", "bilingua.segmentation", "_read_line"),
    ("splitting", "bilingua.segmentation", "parse_block"),
    ("dedupe+batching", "bilingua.translator", "_Schedule.add"),
    ("dedupe+batching", "bilingua.translator", "_Schedule._flush"),
    ("encoding", "bilingua.backends.identity", "IdentityBackend.encode"),
    ("engine boundary", "bilingua.backends.base", "TranslationBackend.translate_batch"),
    ("decoding", "bilingua.backends.identity", "IdentityBackend._detokenize"),
    ("protection+alignment", "bilingua.protect", "Protector.repair"),
    ("reassembly", "bilingua.translator", "_Schedule.hypotheses"),
    ("reassembly", "bilingua.segmentation", "Document.render"),
]


class StageClock:
    """Per-thread CPU time by stage, each stage's own (its nested stages' time taken out)."""

    def __init__(self) -> None:
        self.own: dict[str, float] = defaultdict(float)
        self._lock = threading.Lock()
        self._local = threading.local()

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        stack = self._local.__dict__.setdefault("stack", [])
        stack.append(0.0)  # time spent in stages nested in this one
        t0 = time.thread_time()
        try:
            yield
        finally:
            spent = time.thread_time() - t0
            nested = stack.pop()
            if stack:
                stack[-1] += spent
            with self._lock:
                self.own[name] += spent - nested

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.stage(name):
                return fn(*args, **kwargs)

        return timed

    def install(self) -> None:
        import importlib

        for name, module_name, attr in STAGES:
            owner: Any = importlib.import_module(module_name)
            *path, last = attr.split(".")
            for part in path:
                owner = getattr(owner, part)
            setattr(owner, last, self.wrap(name, getattr(owner, last)))


def article(chars: int) -> str:
    """French news, Tatoeba and FLORES sentences as paragraphs of eight, cut to ``chars`` characters."""
    lines = (DATA / "wmt14_newstest2014_fren" / "text" / "newstest2014.fr-en.fr").read_text(encoding="utf-8").splitlines()
    lines += (DATA / "tatoeba_fra_eng" / "tatoeba-test-v2021-08-07.fra").read_text(encoding="utf-8").splitlines()
    lines += (DATA / "flores200_devtest" / "fra_Latn.devtest").read_text(encoding="utf-8").splitlines()
    paragraphs, size = [], 0
    for k in range(0, len(lines), 8):
        paragraph = " ".join(line.strip() for line in lines[k:k + 8] if line.strip())
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
        if size >= chars:
            break
    return "\n\n".join(paragraphs)[:chars]


def run(name: str, documents: list[str], pipeline: Any, clock: StageClock) -> None:
    clock.own.clear()
    sentences = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for document in documents:
        done = pipeline.translator.translate_documents([document])[0]
        sentences += len(done.sentences())
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    print(f"\n{name}: {sentences:,} sentences in {len(documents)} call(s), {sum(map(len, documents)):,} characters")
    print(f"  {sentences / wall:,.0f} sentences/s ({wall:.2f} s wall, {cpu:.2f} s CPU on one core)")
    print(f"  {'stage':<22} {'CPU s':>7} {'share':>7}")
    for stage, seconds in sorted(clock.own.items(), key=lambda kv: -kv[1]):
        print(f"  {stage:<22} {seconds:7.2f} {seconds / cpu:7.1%}")
    rest = cpu - sum(clock.own.values())
    print(f"  {'the rest':<22} {rest:7.2f} {rest / cpu:7.1%}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20, help="FLORES devtest passes (default 20: 20,240 sentences)")
    parser.add_argument("--article-chars", type=int, default=1_000_000, help="size of the one article (default 1 MB)")
    parser.add_argument("--core", type=int, default=None, help="the core to pin to (default: the first allowed)")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        core = args.core if args.core is not None else min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})

    from bilingua import Pipeline
    import bilingua

    pipeline = Pipeline(backend="identity")
    pipeline.translate("Le conseil municipal s'est réuni mardi.")  # load, and warm pysbd's caches
    clock = StageClock()
    clock.install()
    print(f"bilingua {bilingua.__version__}, Python {sys.version.split()[0]}, one core "
          f"({os.sched_getaffinity(0) if hasattr(os, 'sched_getaffinity') else 'unpinned'})")
    flores = (DATA / "flores200_devtest" / "fra_Latn.devtest").read_text(encoding="utf-8").rstrip("\n")
    run("FLORES-200 devtest x%d" % args.repeat, [flores] * args.repeat, pipeline, clock)
    run("one article", [article(args.article_chars)], pipeline, clock)
    return 0


if __name__ == "__main__":
    sys.exit(main())
