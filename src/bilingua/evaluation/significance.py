"""Paired significance tests between systems.

sacrebleu metrics (BLEU, chrF, TER) go through ``sacrebleu.significance``
(paired bootstrap resampling and paired approximate randomisation on the
metrics' sufficient statistics). Metrics that are means of segment scores
(ROUGE, COMET, length ratio) use the same two tests on segment scores here.
Seeds are fixed (sacrebleu's 12345 unless ``SACREBLEU_SEED`` says
otherwise), so reports are reproducible.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np

from .metrics import Metric, MetricScore

TESTS = {"bs": "paired bootstrap resampling", "ar": "paired approximate randomization"}


def _seed() -> int | None:
    seed = os.environ.get("SACREBLEU_SEED", "12345")
    return None if seed.lower() == "none" else int(seed)


def _sacrebleu_tests(
    metric: Metric, systems: Sequence[tuple[str, Sequence[str]]], refs: Sequence[Sequence[str]], test: str, n: int
) -> list[dict[str, Any]]:
    from sacrebleu.significance import PairedTest

    # PairedTest mutates its metric objects (reference caches): give it its own.
    sacre: Any = metric.sacrebleu_metric()
    paired = PairedTest([(name, list(h)) for name, h in systems], {metric.name: sacre},
                        [list(r) for r in refs], test_type=test, n_samples=n,
                        n_ar_confidence=0 if test == "ar" else -1)
    _, scores = paired()
    # Keyed by sacrebleu's display name ("BLEU", "chrF2", ...): the one key besides "System".
    results: list[Any] = next(v for k, v in scores.items() if k != "System")
    base = results[0]
    out = []
    for (name, _), res in zip(systems[1:], results[1:]):
        out.append({
            "score": float(res.score), "p_value": float(res.p_value),
            "mean": None if res.mean is None else float(res.mean),
            "ci95": None if res.ci is None else float(res.ci),
            "baseline_score": float(base.score),
            "baseline_mean": None if base.mean is None else float(base.mean),
            "baseline_ci95": None if base.ci is None else float(base.ci),
        })
    return out


def _segment_tests(base: np.ndarray, other: np.ndarray, test: str, n: int, higher: bool) -> dict[str, Any]:
    rng = np.random.default_rng(_seed())
    size = len(base)
    observed = abs(other.mean() - base.mean())
    if test == "bs":
        idx = rng.integers(0, size, size=(n, size))
        b, o = base[idx].mean(axis=1), other[idx].mean(axis=1)
        # sacrebleu's definition: how often the resampled difference is not in the system's favour.
        better = (o > b) if higher else (o < b)
        p = (np.sum(~better) + 1) / (n + 1)
        return {
            "score": float(other.mean()), "p_value": float(p),
            "mean": float(o.mean()), "ci95": float(1.96 * o.std(ddof=0)),
            "baseline_score": float(base.mean()), "baseline_mean": float(b.mean()),
            "baseline_ci95": float(1.96 * b.std(ddof=0)),
        }
    swaps = rng.random((n, size)) < 0.5
    a = np.where(swaps, other, base).mean(axis=1)
    c = np.where(swaps, base, other).mean(axis=1)
    p = (np.sum(np.abs(c - a) >= observed) + 1) / (n + 1)
    return {"score": float(other.mean()), "p_value": float(p), "mean": None, "ci95": None,
            "baseline_score": float(base.mean()), "baseline_mean": None, "baseline_ci95": None}


def compare(
    metrics: Sequence[Metric],
    systems: Sequence[tuple[str, Sequence[str]]],
    refs: Sequence[Sequence[str]],
    scores: dict[str, dict[str, MetricScore]],
    tests: Sequence[str] = ("bs",),
    n_samples: int = 0,
) -> list[dict[str, Any]]:
    """Compare every system with the first one (the baseline), per metric and test."""
    if len(systems) < 2:
        return []
    out: list[dict[str, Any]] = []
    baseline = systems[0][0]
    for test in tests:
        if test not in TESTS:
            raise ValueError(f"unknown significance test {test!r}; use bs or ar")
        n = n_samples or (1000 if test == "bs" else 10000)
        for metric in metrics:
            if metric.sacrebleu_metric() is not None:
                rows = _sacrebleu_tests(metric, systems, refs, test, n)
            else:
                base = np.asarray(scores[baseline][metric.name].segments, dtype=float)
                rows = [
                    _segment_tests(base, np.asarray(scores[name][metric.name].segments, dtype=float),
                                   test, n, metric.higher_is_better)
                    for name, _ in systems[1:]
                ]
            for (name, _), row in zip(systems[1:], rows):
                out.append({
                    "baseline": baseline, "system": name, "metric": metric.name, "test": test,
                    "test_name": TESTS[test], "n_samples": n, **row,
                    "significant": row["p_value"] < 0.05,
                })
    return out
