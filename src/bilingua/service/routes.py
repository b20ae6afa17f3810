"""The service's routes and its error answers (``{"error": ...}``, as LibreTranslate gives them)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect

from .. import progress
from ..cancel import CancelToken, cancellable
from ..formats import formats
from ..languages import LANGUAGES, TARGET
from ..errors import BilinguaError, InputError, first_line
from .limits import Refused, drain

from .core import STATIC, Service, client_of, read_params

logger = logging.getLogger("bilingua.service")

_LT_BODY = {
    "requestBody": {
        "description": "JSON, or a form (application/x-www-form-urlencoded or multipart/form-data).",
        "content": {
            "application/json": {"schema": {"type": "object", "properties": {
                "q": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
                "source": {"type": "string", "enum": [*LANGUAGES, "auto"], "default": "auto"},
                "target": {"type": "string", "enum": [TARGET], "default": TARGET},
                "format": {"type": "string", "enum": list(formats(binary=False)), "default": "text"},
                "api_key": {"type": "string"},
            }, "required": ["q"]}},
        },
    }
}


_FILE_BODY = {
    "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary"},
        "source": {"type": "string", "enum": [*LANGUAGES, "auto"], "default": "auto"},
        "target": {"type": "string", "enum": [TARGET], "default": TARGET},
        "api_key": {"type": "string"},
    }, "required": ["file"]}}}},
}


class ProcessRequest(BaseModel):
    text: str = Field(description="French text; its lines, paragraphs and lists are kept")
    summarize: bool = Field(True, description="also summarise it")
    stream: bool = Field(False, description="answer with Server-Sent Events: each sentence as it is translated, "
                                            "then the summary, then the end (also ?stream=true)")
    api_key: str | None = None


class SummarizeRequest(BaseModel):
    text: str = Field(description="French text (or English/French, as the service was started)")
    api_key: str | None = None


def add_routes(app: FastAPI, service: Service) -> None:
    max_bytes = service.max_bytes

    async def admitted(request: Request) -> dict[str, Any]:
        """The request's parameters, once its key and limits let it in. A key in the query string (or an
        ``Authorization: Bearer`` header) is checked, and a full window refused, before the body is read."""
        early = request.query_params.get("api_key") or _bearer(request)
        service.gate.precheck(early, client_of(request))
        params = await read_params(request, max_bytes)
        key = params.get("api_key") or early
        service.gate.check_key(key if isinstance(key, str) else None)  # a 403 before anything else is said
        texts = params.get("q")
        cost = len(texts) if isinstance(texts, list) else 1
        limit = service.options.batch_limit
        if limit is not None and cost > limit:
            raise Refused(400, f"Invalid request: {cost} texts, above the limit of {limit} per request")
        service.gate.admit(key if isinstance(key, str) else None, client_of(request), cost, _chars(params))
        return {**params, "api_key": key}

    async def admitted_as(request: Request, model: type[BaseModel]) -> Any:
        """bilingua's own JSON body, read as /translate's is (bounded, nesting-limited), as ``model``."""
        params = await admitted(request)
        try:
            return model.model_validate(params)
        except ValidationError as exc:
            raise RequestValidationError(exc.errors()) from None

    async def answered(request: Request, work: Callable[..., Any], *args: Any) -> Any:
        """``work(*args)`` in a thread, given up when the client hangs up (its queued sentences dropped,
        nothing sent) or when the request timeout passes (a 503)."""
        token = CancelToken()

        def run() -> Any:
            with cancellable(token):
                return work(*args)

        task = asyncio.ensure_future(run_in_threadpool(run))
        gone = asyncio.ensure_future(_hung_up(request))
        try:
            done, _ = await asyncio.wait({task, gone}, timeout=service.options.request_timeout,
                                         return_when=asyncio.FIRST_COMPLETED)
        finally:
            gone.cancel()
        if task in done:
            return task.result()
        task.add_done_callback(_unread)  # it ends soon, its queued sentences dropped; nobody reads it
        if gone in done:
            token.cancel("the client hung up")
            raise ClientDisconnect()
        token.cancel(f"no answer within {service.options.request_timeout:g} s")
        raise Refused(503, f"Timeout: no answer within {service.options.request_timeout:g} s; try a shorter text")

    @app.post("/translate", openapi_extra=_LT_BODY, summary="Translate (LibreTranslate)")
    async def translate(request: Request) -> Any:
        params = await admitted(request)
        return await answered(request, service.translate, params)

    @app.post("/detect", summary="Detect the language (LibreTranslate)")
    async def detect(request: Request) -> Any:
        params = await admitted(request)
        return await answered(request, service.detect, params)

    @app.post("/translate_file", summary="Translate a file in its own format (LibreTranslate)",
              openapi_extra=_FILE_BODY)
    async def translate_file(request: Request) -> Any:
        name, data, params, _ = await uploaded(request)
        return await answered(request, service.translate_file, name, data, params, str(request.base_url))

    async def uploaded(request: Request) -> tuple[str, bytes, dict[str, str], str | None]:
        """A multipart upload's file (name, bytes), its other fields and its key, once admitted."""
        early = request.query_params.get("api_key") or _bearer(request)
        service.gate.precheck(early, client_of(request))
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise Refused(400, "Invalid request: missing file parameter (a multipart file upload)")
        params = {k: v for k, v in form.items() if isinstance(v, str)}
        key = params.get("api_key") or early
        service.gate.admit(key, client_of(request))
        return upload.filename or "file", await upload.read(), params, key

    def owner(request: Request) -> str | None:
        """The key a request without a body gives (query or Bearer), checked when keys are required."""
        key = request.query_params.get("api_key") or _bearer(request)
        service.gate.check_key(key)
        return key

    @app.post("/v1/documents", summary="Queue a file for translation in its own format; answered at once",
              openapi_extra=_FILE_BODY)
    async def submit_document(request: Request) -> Any:
        name, data, _, key = await uploaded(request)
        await run_in_threadpool(lambda: service.document(name, data, bounded=False))  # refused now, not queued
        job = await run_in_threadpool(service.jobs.submit, key, name, data)
        return JSONResponse({"id": job, "status": "queued"}, status_code=202)

    @app.get("/v1/documents/{job}", summary="A document job's status, progress and estimated time left")
    async def document_status(job: str, request: Request) -> Any:
        found = await run_in_threadpool(service.jobs.status, job, owner(request))
        if found is None:
            raise Refused(404, "Invalid request: no such document job")
        return found

    @app.get("/v1/documents/{job}/result", summary="A finished document job's file, in its own format")
    async def document_result(job: str, request: Request) -> Any:
        found = await run_in_threadpool(service.jobs.result, job, owner(request))
        if found is None:
            raise Refused(404, "Invalid request: no such document job")
        status, name, data = found
        if status != "done" or data is None:
            raise Refused(409, f"Invalid request: the job is {status}, not done")
        return Response(data, media_type="application/octet-stream",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @app.get("/v1/documents/{job}/events", summary="A document job's progress as Server-Sent Events")
    async def document_events(job: str, request: Request) -> Any:
        key = owner(request)
        if await run_in_threadpool(service.jobs.status, job, key) is None:
            raise Refused(404, "Invalid request: no such document job")

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

    @app.delete("/v1/documents/{job}", summary="Remove a document job and its file")
    async def delete_document(job: str, request: Request) -> Any:
        if not await run_in_threadpool(service.jobs.delete, job, owner(request)):
            raise Refused(404, "Invalid request: no such document job")
        return {"id": job, "deleted": True}

    @app.get("/download_file/{name}", summary="A translated file (LibreTranslate)")
    async def download_file(name: str) -> Any:
        path = service.files.get(name)
        if path is None:
            raise Refused(404, "Invalid request: no such file (or it was kept past its time)")
        return FileResponse(path, filename=name.split(".", 1)[1])

    @app.post("/suggest", summary="Suggest a better translation (LibreTranslate)")
    async def suggest(request: Request) -> Any:
        params = await admitted(request)
        return await run_in_threadpool(service.suggest, params, client_of(request))

    @app.api_route("/languages", methods=["GET", "POST"], summary="Languages (LibreTranslate)")
    async def languages() -> Any:
        return service.languages()

    @app.get("/frontend/settings", summary="Settings of the web page (LibreTranslate)")
    async def settings() -> Any:
        return service.settings()

    @app.post("/v1/process", summary="Translation, summary and aligned segments (bilingua's Result)",
              openapi_extra=_body_of(ProcessRequest))
    async def process(request: Request) -> Any:
        body = await admitted_as(request, ProcessRequest)
        if body.stream or request.query_params.get("stream", "").lower() in ("1", "true", "yes"):
            return _stream(service, body.text, body.summarize)
        return await answered(request, service.process, body.text, body.summarize)

    @app.post("/v1/summarize", summary="A summary", openapi_extra=_body_of(SummarizeRequest))
    async def summarize(request: Request) -> Any:
        body = await admitted_as(request, SummarizeRequest)
        return await answered(request, service.summarize, body.text)

    @app.get("/health", summary="Ready, with the models loaded")
    async def health() -> Any:
        return service.health()

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        if service.gate.key_required and not service.options.public_metrics:  # its counts are the operator's
            service.gate.check_key(request.query_params.get("api_key") or _bearer(request))
        body, kind = service.metrics.render()
        return Response(body, media_type=kind)

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _add_error_handlers(app)


#: A stream must reach the client as it is written: no proxy buffering (nginx reads this header).
_NO_BUFFERING = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def _event(kind: str, data: Any) -> str:
    """One Server-Sent Event."""
    return f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _stream(service: Service, text: str, summarize: bool) -> StreamingResponse:
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
                result = service.process(text, summarize)
            ends = [("summary", {"summary": result["summary"]}),
                    ("end", {"sentences": len(result["segments"]), "result": result})]  # the whole Result, to keep
        except Exception as exc:  # the stream's own error event: its status line is long gone
            ends = [("error", {"error": str(exc) if isinstance(exc, (Refused, BilinguaError)) else "Internal error"})]
        for end in ends:
            loop.call_soon_threadsafe(queue.put_nowait, end)

    async def events() -> AsyncIterator[str]:
        task = asyncio.ensure_future(run_in_threadpool(work))
        deadline = loop.time() + service.options.request_timeout
        try:
            while True:
                kind, data = await asyncio.wait_for(queue.get(), max(0.0, deadline - loop.time()))
                yield _event(kind, data)
                if kind in ("end", "error"):
                    return
        except asyncio.TimeoutError:
            token.cancel(f"no answer within {service.options.request_timeout:g} s")
            yield _event("error", {"error": f"Timeout: no answer within {service.options.request_timeout:g} s"})
        finally:
            token.cancel("the client hung up")  # a no-op once the work is done
            task.add_done_callback(_unread)

    return StreamingResponse(events(), media_type="text/event-stream", headers=_NO_BUFFERING)


def _chars(params: dict[str, Any]) -> int:
    """The characters a request asks to be worked on (``q``'s texts, or ``text``), as the limits count them."""
    texts = params.get("q", params.get("text"))
    texts = texts if isinstance(texts, list) else [texts]
    return sum(len(t) for t in texts if isinstance(t, str))


def _bearer(request: Request) -> str | None:
    value = request.headers.get("authorization", "")
    return value[7:].strip() or None if value.lower().startswith("bearer ") else None


def _body_of(model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI description of a JSON body read by hand (as ``model``)."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": model.model_json_schema()}}}}


async def _hung_up(request: Request, every: float = 0.1) -> None:
    """Return once the client has closed the connection."""
    while not await request.is_disconnected():
        await asyncio.sleep(every)


def _unread(task: asyncio.Future[Any]) -> None:
    """Collect a given-up task's outcome (its Cancelled, most likely), so that it is not logged as lost."""
    if not task.cancelled():
        task.exception()


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused) -> JSONResponse:
        answer = _error(exc.status, exc.message)
        answer.headers.update(exc.headers)
        return answer

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors())
        return _error(400, f"Invalid request: {problems}")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 413:  # a body stopped past the limit: let a client still sending read this
            await drain(request.receive, 32 * 2**20)
            answer = _error(413, str(exc.detail))
            answer.headers["Connection"] = "close"
            return answer
        return _error(exc.status_code, str(exc.detail))

    @app.exception_handler(InputError)
    async def bad_input(request: Request, exc: InputError) -> JSONResponse:
        return _error(400, f"Invalid request: {exc}")

    # Only bilingua's own input errors are the client's (400, above); a ValueError from anywhere else is a bug.
    @app.exception_handler(BilinguaError)
    async def failed(request: Request, exc: BilinguaError) -> JSONResponse:
        logger.error("%s %s failed: %s", request.method, request.url.path, first_line(exc))
        return _error(500, "The translation failed; the server's log says why")
