"""Score systems against references; translate or summarise sources first when asked."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError
from ..languages import TARGET
from .metrics import Metric, MetricScore, MetricUnavailable, make_metrics
from .report import Report
from .significance import compare

__all__ = ["System", "evaluate", "translate_lines", "summarize_lines", "peak_rss_mb"]

logger = logging.getLogger("bilingua")


@dataclass
class System:
    """One system's outputs, with where they came from and how fast they were made."""

    name: str
    hypotheses: list[str]
    origin: dict[str, Any] = field(default_factory=dict)
    speed: dict[str, float] | None = None


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB."""
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux
    except ImportError:  # pragma: no cover - Windows has no getrusage
        return float("nan")


def translate_lines(lines: Sequence[str], pipeline: Any) -> tuple[list[str], dict[str, float]]:
    """Translate each line (one output line per source line), measuring speed."""
    t0 = time.perf_counter()
    translator = pipeline.translator
    t1 = time.perf_counter()
    done = translator.translate_document("\n".join(lines))
    t2 = time.perf_counter()
    out = done.text.split("\n")
    if len(out) != len(lines):  # the layout contract; never score misaligned output
        raise RuntimeError(f"{len(lines)} source lines gave {len(out)} output lines")
    sentences = len(done.hypotheses)
    tokens = sum(h.num_tokens for h in done.hypotheses)
    translate_s = done.segment_seconds + done.translate_seconds
    speed = {
        "load_seconds": t1 - t0, "wall_seconds": t2 - t0, "translate_seconds": translate_s,
        "sentences": sentences, "target_tokens": tokens,
        "sentences_per_second": sentences / translate_s if translate_s else 0.0,
        "target_tokens_per_second": tokens / translate_s if translate_s else 0.0,
        "peak_rss_mb": peak_rss_mb(),
    }
    return out, speed


def summarize_lines(lines: Sequence[str] | Sequence[Sequence[str]], summarizer: Any) -> tuple[list[str], dict[str, float]]:
    """Summarise each line as a document (or each document given as its sentences), measuring speed."""
    t0 = time.perf_counter()
    out = [summarizer.summarize(d) if isinstance(d, str) else summarizer.summarize_sentences(d) for d in lines]
    wall = time.perf_counter() - t0
    return out, {
        "load_seconds": 0.0, "wall_seconds": wall, "translate_seconds": wall, "sentences": len(lines),
        "target_tokens": sum(len(s.split()) for s in out),
        "sentences_per_second": len(lines) / wall if wall else 0.0,
        "target_tokens_per_second": sum(len(s.split()) for s in out) / wall if wall else 0.0,
        "peak_rss_mb": peak_rss_mb(),
    }


def _score_system(args: tuple[list[Metric], list[str], list[list[str]], list[str] | None]) -> tuple[dict[str, MetricScore], list[str]]:
    metrics, hyps, refs, sources = args
    out: dict[str, MetricScore] = {}
    notices = []
    for metric in metrics:
        try:
            out[metric.name] = metric.compute(hyps, refs, sources)
        except MetricUnavailable as exc:
            notices.append(str(exc))
    return out, notices


def evaluate(
    systems: Sequence[System],
    references: Sequence[Sequence[str]],
    metrics: Sequence[str] | str = ("bleu", "chrf", "ter"),
    *,
    sources: Sequence[str] | None = None,
    significance: Sequence[str] = ("bs",),
    n_samples: int = 0,
    worst: int = 10,
    jobs: int = 1,
    rouge_stem: bool = False,
    rouge_tokenizer: str = "default",
    language: str = TARGET,
    data: dict[str, Any] | None = None,
    suite: dict[str, Any] | None = None,
) -> Report:
    """Score every system against the references; compare all with the first.

    ``references`` is a list of reference streams (several references per
    segment are allowed). Line counts must agree everywhere.
    """
    if not systems:
        raise InputError("nothing to score: give at least one hypothesis file or model")
    for name, value, low in (("jobs", jobs, 1), ("n_samples", n_samples, 0), ("worst", worst, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"{name} must be a whole number of at least {low}, not {value!r}")
    refs = [list(r) for r in references]
    if not refs:
        raise InputError("no reference given")
    n = len(refs[0])
    for r in refs[1:]:
        if len(r) != n:
            raise InputError(f"references differ in length ({n} and {len(r)} lines)")
    for s in systems:
        if len(s.hypotheses) != n:
            raise InputError(f"system '{s.name}' has {len(s.hypotheses)} lines but the references have {n}")
    if sources is not None and len(sources) != n:
        raise InputError(f"the source has {len(sources)} lines but the references have {n}")
    names = [s.name for s in systems]
    if len(set(names)) != len(names):
        raise InputError(f"system names must be unique, got {names}")

    metric_objs = make_metrics(metrics if not isinstance(metrics, str) else metrics.split(","),
                               rouge_stem=rouge_stem, rouge_tokenizer=rouge_tokenizer, language=language)
    src = list(sources) if sources is not None else None
    tasks = [(metric_objs, list(s.hypotheses), refs, src) for s in systems]
    if jobs > 1 and len(systems) > 1:
        import multiprocessing as mp

        # spawn, not fork: a process forked while another of its threads holds a lock (the import lock, a
        # progress bar's monitor) can hang forever in the child; the tasks are plain data and metric objects.
        with ProcessPoolExecutor(max_workers=jobs, mp_context=mp.get_context("spawn")) as pool:
            results = list(pool.map(_score_system, tasks))
    else:
        results = [_score_system(t) for t in tasks]
    notices = sorted({msg for _, ns in results for msg in ns})
    for msg in notices:
        logger.warning("%s", msg)
    scores = {s.name: r for s, (r, _) in zip(systems, results)}
    scored = [m for m in metric_objs if all(m.name in scores[s.name] for s in systems)]

    comparisons = compare(scored, [(s.name, s.hypotheses) for s in systems], refs, scores,
                          tests=significance, n_samples=n_samples)
    report_systems = []
    worst_segments: dict[str, list[dict[str, Any]]] = {}
    for s in systems:
        ms = scores[s.name]
        report_systems.append({
            "name": s.name,
            "metrics": {m.name: {"score": ms[m.name].score, "signature": ms[m.name].signature, **ms[m.name].details}
                        for m in scored},
            "segments": [{m.name: ms[m.name].segments[i] for m in scored} for i in range(n)],
            "origin": s.origin,
            "speed": s.speed,
        })
        if scored and worst > 0:
            key = scored[0]
            seg = ms[key.name].segments
            order = sorted(range(n), key=lambda i: (seg[i] if key.higher_is_better else -seg[i], i))[:worst]
            worst_segments[s.name] = [
                {"index": i, "metric": key.name, "score": seg[i], "hypothesis": s.hypotheses[i],
                 "references": [r[i] for r in refs], **({"source": src[i]} if src else {})}
                for i in order
            ]
    return Report(
        systems=report_systems, comparisons=comparisons, data={**(data or {}), "segments": n}, suite=suite,
        worst_segments=worst_segments, notices=notices,
    )
