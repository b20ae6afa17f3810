"""Cross-call micro-batching: the sentences of concurrent calls share engine batches.

A service answering many small requests wastes most of an engine's capacity
when each request runs its own batch of one or two sentences. The
:class:`MicroBatcher` wraps a backend (by composition, like
:class:`~bilingua.translator.CachedBackend`): every call puts its sentences on
one queue and waits; a worker thread per engine replica takes them off in
batches bounded by a sentence count and a padded-token budget, waiting at most
a few milliseconds for batch-mates when the engine is idle. Calls are served
round-robin, one sentence each in turn, so a long document cannot starve a
short request that arrives after it. Where the engine keeps express replicas
(:attr:`TranslationBackend.express_lanes`), their workers take only calls
that one batch answers, whole, so a one-sentence request neither waits for a
running batch of a long document nor rides in one.

Each sentence is still cut to its own length bound and scored on its own
tokens (see :meth:`TranslationBackend._cut_to_own_bound`), so under greedy
float32 decoding an answer does not depend on what else was in its batch.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .. import cancel
from ..errors import BilinguaError
from .base import Hypothesis, TranslationBackend, WrappingBackend

__all__ = ["MicroBatcher", "BatchStats"]

logger = logging.getLogger("bilingua")


@dataclass(frozen=True)
class BatchStats:
    """What one engine batch held and cost, for metrics."""

    sentences: int
    calls: int
    source_tokens: int
    target_tokens: int
    queue_waits: tuple[float, ...]
    seconds: float


class _Call:
    """One caller's sentences, longest first, and the hypotheses filled in as batches finish."""

    def __init__(self, texts: Sequence[str], tokens: Sequence[Sequence[Any]]) -> None:
        self.texts = list(texts)
        self.tokens = [list(t) for t in tokens]
        self.order = deque(sorted(range(len(texts)), key=lambda i: -len(self.tokens[i])))
        self.results: list[Hypothesis | None] = [None] * len(texts)
        self.left = len(texts)
        self.error: BaseException | None = None
        self.done = threading.Event()
        self.arrived = time.monotonic()
        self.express = False  # one batch answers it whole: the express lane may take it


class MicroBatcher(WrappingBackend):
    """A backend whose concurrent callers share engine batches.

    ``wait_ms`` is how long an idle engine waits for more sentences after the
    first arrives (while it is busy, sentences gather anyway), and
    ``linger_ms`` how long after a round it waits for the callers it has
    just answered to come back (see :meth:`_deadline`); ``batch_size``
    and ``max_batch_tokens`` bound each engine call. A translator hands it
    all of a call's sentences at once (``plans_batches``). ``close()`` stops
    the workers once the queue is empty.
    """

    def __init__(
        self, inner: TranslationBackend, *, wait_ms: float = 5.0, batch_size: int = 32, max_batch_tokens: int = 8192,
        linger_ms: float = 50.0,
    ) -> None:
        if wait_ms < 0:
            raise ValueError("wait_ms must be at least 0")
        super().__init__(inner, "microbatch")
        self.plans_batches = True
        self.wait = wait_ms / 1000
        self.linger = linger_ms / 1000
        self.batch_size = batch_size
        self.max_batch_tokens = max(max_batch_tokens, inner.max_input_tokens)
        self._queue: deque[_Call] = deque()
        self._cond = threading.Condition()
        self._closed = False
        self._idle_since = 0.0
        self._expected = 0  # short callers of the last engine round: those in its batch and those left waiting
        self._observers: list[Callable[[BatchStats], None]] = []
        self._express_idle = 0  # express workers waiting for a call: bulk batches leave such calls to them
        self._long_batches = 0  # batches in the engine that hold a long call's sentences
        bulk = max(1, inner.parallel_batches)
        self._workers = [
            threading.Thread(target=self._work, args=(i >= bulk,), daemon=True,
                             name=f"bilingua-microbatch-{'express-' if i >= bulk else ''}{i}")
            for i in range(bulk + inner.express_lanes)
        ]
        for worker in self._workers:
            worker.start()

    def add_observer(self, observer: Callable[[BatchStats], None]) -> None:
        """Call ``observer(stats)`` after every engine batch (from the worker thread)."""
        self._observers.append(observer)

    def info(self) -> dict[str, Any]:
        return {**self.inner.info(), "micro_batch_ms": self.wait * 1000}

    def translate_batch(
        self, sources: Sequence[str], tokens: Sequence[Sequence[Any]] | None = None
    ) -> list[Hypothesis]:
        """Queue the sentences, wait for the batches that carry them, and return them in order."""
        if not sources:
            return []
        tokens = list(tokens) if tokens is not None else self.inner.encode(sources)
        self._check_lengths(max(len(t) for t in tokens))
        call = _Call(sources, tokens)
        # Decided as it comes: the tail of a long call that one batch would now finish stays in the bulk lane.
        call.express = self._fits(call)
        token = cancel.current()
        with self._cond:
            if self._closed:
                raise BilinguaError("the translator is shutting down and takes no new sentences")
            self._queue.append(call)
            self._cond.notify_all()
        # A caller that gives up (a client gone, a deadline passed): its sentences still queued are dropped.
        forget = token.on_cancel(lambda: self._drop(call, str(token.reason))) if token is not None else None
        try:
            call.done.wait()
        finally:
            if forget is not None:
                forget()
        if call.error is not None:
            raise call.error
        return [h for h in call.results if h is not None]

    def _drop(self, call: _Call, reason: str) -> None:
        """Take a cancelled call's queued sentences off the queue and wake it with :class:`Cancelled`."""
        with self._cond:
            if call.done.is_set():
                return
            if call in self._queue:
                self._queue.remove(call)
            call.order.clear()
            call.error = cancel.Cancelled(reason)
            call.done.set()

    def close(self) -> None:
        """Finish what is queued, then stop the workers."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        for worker in self._workers:
            if worker is not threading.current_thread():
                worker.join()
        self.inner.close()

    # -- the worker side ---------------------------------------------------------
    def _work(self, express: bool) -> None:
        while True:
            with self._cond:
                batch = self._next(express)
            if batch is None:
                return  # closed, and nothing left that this worker takes
            self._run(batch)

    def _next(self, express: bool) -> list[tuple[_Call, int]] | None:
        """Wait (holding the lock) for this worker's next batch: a full one, or the first past its deadline."""
        self._express_idle += express
        try:
            while True:
                calls = self._eligible(express)
                if not calls:
                    if self._closed and (express or not self._queue):
                        return None
                    self._cond.wait()
                    continue
                left = self._deadline(calls[0], express) - time.monotonic()
                if self._closed or left <= 0 or sum(len(c.order) for c in calls) >= self.batch_size:
                    return self._take_whole(calls) if express else self._take(calls)
                self._cond.wait(left)  # another worker may take them meanwhile: look again
        finally:
            self._express_idle -= express

    def _fits(self, call: _Call) -> bool:
        """Whether one batch answers all of ``call``."""
        return len(call.order) <= self.batch_size and \
            len(call.order) * max(len(call.tokens[i]) for i in call.order) <= self.max_batch_tokens

    def _eligible(self, express: bool) -> list[_Call]:
        """The waiting calls this worker serves, in turn.

        While a long call is served (queued, or in an engine batch), an express worker serves the calls
        that one batch answers, and bulk workers leave those to it while it is free. Otherwise the express
        lane stays idle: splitting many small calls three ways made smaller batches (16 clients of one
        sentence each, tiny model: 105 requests/s instead of 141).
        """
        short = [c for c in self._queue if c.express]
        long_served = self._long_batches > 0 or len(short) < len(self._queue)
        if express:
            return short if long_served else []
        if long_served and self._express_idle:
            return [c for c in self._queue if not c.express]
        return list(self._queue)

    def _deadline(self, first: _Call, express: bool) -> float:
        """When the next batch goes, full or not.

        Callers just answered tend to send again at once (a client with
        several texts, a busy page). Going without them splits the load into
        two half-size groups that take turns on the engine for good; so while
        fewer callers wait than took part in the engine's last round, a bulk
        worker gives them ``linger_ms`` from the end of that round to come back.
        Only calls that one batch answers count: a long call fills batches
        alone, and a short one must not wait for a document's next chunk.
        """
        deadline = first.arrived + self.wait
        if not express and sum(c.express for c in self._queue) < self._expected:
            deadline = max(deadline, self._idle_since + self.linger)
        return deadline

    def _take(self, calls: list[_Call]) -> list[tuple[_Call, int]]:
        """A bulk batch: one sentence from each of ``calls`` in turn, within the size and token budget."""
        batch: list[tuple[_Call, int]] = []
        width = 0
        turn = deque(calls)
        while turn and len(batch) < self.batch_size:
            call = turn[0]
            i = call.order[0]
            new_width = max(width, len(call.tokens[i]))
            if batch and new_width * (len(batch) + 1) > self.max_batch_tokens:
                break
            turn.popleft()
            call.order.popleft()
            if call.order:
                turn.append(call)  # round-robin: its next sentence waits its turn
            batch.append((call, i))
            width = new_width
        # Calls this worker passed over keep their place ahead; those it served follow in their turn.
        served = {id(c) for c in calls}
        self._queue = deque([c for c in self._queue if id(c) not in served] + list(turn))
        self._long_batches += _holds_long(batch)
        return batch

    def _take_whole(self, calls: list[_Call]) -> list[tuple[_Call, int]]:
        """An express batch: all the sentences of each of ``calls`` in turn (each fits one batch alone),
        as many calls as the size and token budget hold."""
        batch: list[tuple[_Call, int]] = []
        width = 0
        taken = set()
        for call in calls:
            new_width = max(width, *(len(call.tokens[i]) for i in call.order))
            size = len(batch) + len(call.order)
            if batch and (size > self.batch_size or new_width * size > self.max_batch_tokens):
                break
            batch += [(call, i) for i in call.order]
            call.order.clear()
            taken.add(id(call))
            width = new_width
        self._queue = deque(c for c in self._queue if id(c) not in taken)
        return batch

    def _run(self, batch: list[tuple[_Call, int]]) -> None:
        started = time.monotonic()
        try:
            hyps = self.inner.translate_batch([c.texts[i] for c, i in batch], [c.tokens[i] for c, i in batch])
        except BaseException as exc:  # the callers of this batch get the error; the worker goes on
            logger.debug("an engine batch failed: %s", exc)
            with self._cond:
                self._long_batches -= _holds_long(batch)
                for call, _ in batch:
                    call.error = exc
                    call.done.set()
                    if call in self._queue:  # its other sentences are not worth translating now
                        self._queue.remove(call)
            return
        seconds = time.monotonic() - started
        with self._cond:
            self._long_batches -= _holds_long(batch)
            self._idle_since = time.monotonic()
            self._expected = len({id(c) for c, _ in batch if c.express}) + sum(c.express for c in self._queue)
            for (call, i), hyp in zip(batch, hyps):
                call.results[i] = hyp
                call.left -= 1
                if call.left == 0:
                    call.done.set()
        stats = BatchStats(
            sentences=len(batch), calls=len({id(c) for c, _ in batch}),
            source_tokens=sum(len(c.tokens[i]) for c, i in batch), target_tokens=sum(h.num_tokens for h in hyps),
            queue_waits=tuple(started - c.arrived for c, _ in batch), seconds=seconds,
        )
        for observer in self._observers:
            try:
                observer(stats)
            except Exception:  # a metrics failure must not stop translation
                logger.exception("a micro-batch observer failed")


def _holds_long(batch: list[tuple[_Call, int]]) -> bool:
    """Whether a batch holds sentences of a call that one batch does not answer."""
    return any(not call.express for call, _ in batch)
