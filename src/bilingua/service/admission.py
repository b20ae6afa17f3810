"""Letting a request in, and getting its work done: its key, limits and body, then the work in a thread,
given up when its client hangs up or its deadline passes. Every route goes through one :class:`Door`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from ..cancel import CancelToken, cancellable
from .core import Service, client_of, read_params
from .limits import Refused

__all__ = ["Door", "unread"]


class Door:
    """The admission checks of one service, as LibreTranslate's decorators are: each route asks here."""

    def __init__(self, service: Service) -> None:
        self.service = service

    async def params(self, request: Request) -> dict[str, Any]:
        """The request's parameters, once its key and limits let it in. A key in the query string (or an
        ``Authorization: Bearer`` header) is checked, and a full window refused, before the body is read."""
        gate, client = self.service.gate, client_of(request)
        early = request.query_params.get("api_key") or bearer(request)
        gate.precheck(early, client)
        params = await read_params(request, self.service.max_bytes)
        key = params.get("api_key") or early
        gate.check_key(key if isinstance(key, str) else None)  # a 403 before anything else is said
        texts = params.get("q")
        cost = len(texts) if isinstance(texts, list) else 1
        limit = self.service.options.batch_limit
        if limit is not None and cost > limit:
            raise Refused(400, f"Invalid request: {cost} texts, above the limit of {limit} per request")
        gate.admit(key if isinstance(key, str) else None, client, cost, chars_of(params))
        return {**params, "api_key": key}

    async def body(self, request: Request, model: type[BaseModel]) -> Any:
        """bilingua's own JSON body, read as /translate's is (bounded, nesting-limited), as ``model``."""
        params = await self.params(request)
        try:
            return model.model_validate(params)
        except ValidationError as exc:
            raise RequestValidationError(exc.errors()) from None

    async def upload(self, request: Request) -> tuple[str, bytes, dict[str, str], str | None]:
        """A multipart upload's file (name, bytes), its other fields and its key, once admitted."""
        early = request.query_params.get("api_key") or bearer(request)
        self.service.gate.precheck(early, client_of(request))
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise Refused(400, "Invalid request: missing file parameter (a multipart file upload)")
        params = {k: v for k, v in form.items() if isinstance(v, str)}
        key = params.get("api_key") or early
        self.service.gate.admit(key, client_of(request))
        return upload.filename or "file", await upload.read(), params, key

    def owner(self, request: Request) -> str | None:
        """The key a request without a body gives (query or Bearer), checked when keys are required."""
        key = request.query_params.get("api_key") or bearer(request)
        self.service.gate.check_key(key)
        return key

    async def answered(self, request: Request, work: Callable[..., Any], *args: Any) -> Any:
        """``work(*args)`` in a thread, given up when the client hangs up (its queued sentences dropped,
        nothing sent) or when the request timeout passes (a 503)."""
        timeout = self.service.options.request_timeout
        token = CancelToken()

        def run() -> Any:
            with cancellable(token):
                return work(*args)

        task = asyncio.ensure_future(run_in_threadpool(run))
        gone = asyncio.ensure_future(_hung_up(request))
        try:
            done, _ = await asyncio.wait({task, gone}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            gone.cancel()
        if task in done:
            return task.result()
        task.add_done_callback(unread)  # it ends soon, its queued sentences dropped; nobody reads it
        if gone in done:
            token.cancel("the client hung up")
            raise ClientDisconnect()
        token.cancel(f"no answer within {timeout:g} s")
        raise Refused(503, f"Timeout: no answer within {timeout:g} s; try a shorter text")


def chars_of(params: dict[str, Any]) -> int:
    """The characters a request asks to be worked on (``q``'s texts, or ``text``), as the limits count them."""
    texts = params.get("q", params.get("text"))
    texts = texts if isinstance(texts, list) else [texts]
    return sum(len(t) for t in texts if isinstance(t, str))


def bearer(request: Request) -> str | None:
    """The key of an ``Authorization: Bearer KEY`` header."""
    value = request.headers.get("authorization", "")
    return value[7:].strip() or None if value.lower().startswith("bearer ") else None


async def _hung_up(request: Request, every: float = 0.1) -> None:
    """Return once the client has closed the connection."""
    while not await request.is_disconnected():
        await asyncio.sleep(every)


def unread(task: asyncio.Future[Any]) -> None:
    """Collect a given-up task's outcome (its Cancelled, most likely), so that it is not logged as lost."""
    if not task.cancelled():
        task.exception()
