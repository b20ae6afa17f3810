"""Answers as Server-Sent Events: ``/v1/process`` a sentence at a time, a document job's progress."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from .. import progress
from ..cancel import CancelToken, cancellable
from ..errors import BilinguaError
from .admission import unread
from .core import Service
from .limits import Refused

__all__ = ["process_events", "job_events"]

#: A stream must reach the client as it is written: no proxy buffering (nginx reads this header).
_NO_BUFFERING = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def _event(kind: str, data: Any) -> str:
    """One Server-Sent Event."""
    return f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def process_events(service: Service, text: str, summarize: bool, source: str | None = None,
                   target: str | None = None) -> StreamingResponse:
    """``/v1/process`` as Server-Sent Events: ``sentence`` (index, source, translation, score) as each is
    translated, in any order; then ``summary``; then ``end`` (the whole Result), or ``error``. A client
    that hangs up (the stream is then cancelled) or the request timeout stops the work as for any request."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
    token = CancelToken()
    given: set[int] = set()

    def heard(place: int, source: str, hyp: Any) -> None:
        if place not in given:  # a later pass (a summary's) may give a sentence again
            given.add(place)
            sentence = {"index": place, "source": source, "translation": hyp.text, "score": round(hyp.score, 4)}
            loop.call_soon_threadsafe(queue.put_nowait, ("sentence", sentence))

    def work() -> None:
        try:
            with cancellable(token), progress.listening(heard):
                result = service.process(text, summarize, source, target)
            ends = [("summary", {"summary": result["summary"]}),
                    ("end", {"sentences": len(result["segments"]), "result": result})]  # the whole Result, to keep
        except Exception as exc:  # the stream's own error event: its status line is long gone
            ends = [("error", {"error": str(exc) if isinstance(exc, (Refused, BilinguaError)) else "Internal error"})]
        for end in ends:
            loop.call_soon_threadsafe(queue.put_nowait, end)

    async def events() -> AsyncIterator[str]:
        task = asyncio.ensure_future(run_in_threadpool(work))
        timeout = service.options.request_timeout
        deadline = loop.time() + timeout
        try:
            while True:
                kind, data = await asyncio.wait_for(queue.get(), max(0.0, deadline - loop.time()))
                yield _event(kind, data)
                if kind in ("end", "error"):
                    return
        except asyncio.TimeoutError:
            token.cancel(f"no answer within {timeout:g} s")
            yield _event("error", {"error": f"Timeout: no answer within {timeout:g} s"})
        finally:
            token.cancel("the client hung up")  # a no-op once the work is done
            task.add_done_callback(unread)

    return StreamingResponse(events(), media_type="text/event-stream", headers=_NO_BUFFERING)


def job_events(service: Service, job: str, key: str | None) -> StreamingResponse:
    """A document job's ``progress`` each time it changes, then ``end`` with its status."""

    async def events() -> AsyncIterator[str]:
        last = None
        while True:
            found = await run_in_threadpool(service.jobs.status, job, key)
            if found is None:
                yield _event("error", {"error": "the job was removed"})
                return
            if found != last:
                yield _event("progress", found)
                last = found
            if found["status"] in ("done", "error"):
                yield _event("end", {"status": found["status"]})
                return
            await asyncio.sleep(0.5)

    return StreamingResponse(events(), media_type="text/event-stream", headers=_NO_BUFFERING)
