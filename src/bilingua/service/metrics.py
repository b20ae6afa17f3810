"""Prometheus metrics of one service: requests, engine batches, queue wait and throughput."""

from __future__ import annotations

from typing import Any

from ..backends.microbatch import BatchStats

__all__ = ["ServiceMetrics"]


class ServiceMetrics:
    """The service's metrics, in a registry of their own (two apps in one process do not mix)."""

    def __init__(self) -> None:
        from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("bilingua_requests", "HTTP requests answered", ["endpoint", "status"], registry=r)
        self.latency = Histogram("bilingua_request_seconds", "Time to answer a request", ["endpoint"], registry=r)
        self.in_flight = Gauge("bilingua_requests_in_flight", "Requests being answered", registry=r)
        sizes = (1, 2, 4, 8, 16, 32, 64, 128)
        self.batch_sentences = Histogram("bilingua_batch_sentences", "Sentences per engine batch", buckets=sizes, registry=r)
        self.batch_requests = Histogram("bilingua_batch_requests", "Requests sharing an engine batch", buckets=sizes, registry=r)
        self.queue_wait = Histogram(
            "bilingua_queue_wait_seconds", "Wait from a request's arrival in the queue to its batch",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5), registry=r,
        )
        self.engine_seconds = Counter("bilingua_engine_seconds", "Time spent in engine batches", registry=r)
        self.source_tokens = Counter("bilingua_source_tokens", "Source tokens translated", registry=r)
        self.target_tokens = Counter("bilingua_target_tokens", "Target tokens generated", registry=r)
        self.tokens_per_second = Gauge(
            "bilingua_tokens_per_second", "Target tokens per second of the last engine batch", registry=r
        )

    def observe_batch(self, stats: BatchStats) -> None:
        self.batch_sentences.observe(stats.sentences)
        self.batch_requests.observe(stats.calls)
        for wait in stats.queue_waits:
            self.queue_wait.observe(wait)
        self.engine_seconds.inc(stats.seconds)
        self.source_tokens.inc(stats.source_tokens)
        self.target_tokens.inc(stats.target_tokens)
        if stats.seconds > 0:
            self.tokens_per_second.set(stats.target_tokens / stats.seconds)

    def render(self) -> tuple[bytes, str]:
        from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

        return generate_latest(self.registry), CONTENT_TYPE_LATEST

    def request(self, endpoint: str, status: int, seconds: float) -> Any:
        self.requests.labels(endpoint, str(status)).inc()
        self.latency.labels(endpoint).observe(seconds)
