"""The service's routes and its error answers (``{"error": ...}``, as LibreTranslate gives them)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from ..errors import BilinguaError, InputError, InputTooLarge, first_line
from ..formats import formats
from ..languages import AUTO, LANGUAGES, TARGET
from .admission import Door, bearer
from .core import STATIC, Service, client_of
from .limits import Refused, drain
from .streams import job_events, process_events

logger = logging.getLogger("bilingua.service")

_LT_BODY = {
    "requestBody": {
        "description": "JSON, or a form (application/x-www-form-urlencoded or multipart/form-data).",
        "content": {
            "application/json": {"schema": {"type": "object", "properties": {
                "q": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
                "source": {"type": "string", "enum": [*LANGUAGES, AUTO], "default": AUTO},
                "target": {"type": "string", "enum": list(LANGUAGES), "default": TARGET},
                "format": {"type": "string", "enum": list(formats(binary=False)), "default": "text"},
                "api_key": {"type": "string"},
            }, "required": ["q"]}},
        },
    }
}


_FILE_BODY = {
    "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary"},
        "source": {"type": "string", "enum": [*LANGUAGES, AUTO], "default": AUTO},
        "target": {"type": "string", "enum": list(LANGUAGES), "default": TARGET},
        "api_key": {"type": "string"},
    }, "required": ["file"]}}}},
}


class ProcessRequest(BaseModel):
    text: str = Field(description="the text; its lines, paragraphs and lists are kept")
    summarize: bool = Field(True, description="also summarise it")
    source: str | None = Field(None, description="its language, or auto (default: the server's default pair's)")
    target: str | None = Field(None, description="the translation's language (default: the other one)")
    stream: bool = Field(False, description="answer with Server-Sent Events: each sentence as it is translated, "
                                            "then the summary, then the end (also ?stream=true)")
    api_key: str | None = None


class SummarizeRequest(BaseModel):
    text: str = Field(description="French text (or English/French, as the service was started)")
    api_key: str | None = None


def add_routes(app: FastAPI, service: Service) -> None:
    door = Door(service)
    _libretranslate(app, service, door)
    _files(app, service, door)
    _documents(app, service, door)
    _own(app, service, door)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _add_error_handlers(app)


def _libretranslate(app: FastAPI, service: Service, door: Door) -> None:
    """LibreTranslate's text routes: translate, detect, languages, settings, suggest."""

    @app.post("/translate", openapi_extra=_LT_BODY, summary="Translate (LibreTranslate)")
    async def translate(request: Request) -> Any:
        return await door.answered(request, service.translate, await door.params(request))

    @app.post("/detect", summary="Detect the language (LibreTranslate)")
    async def detect(request: Request) -> Any:
        return await door.answered(request, service.detect, await door.params(request))

    @app.api_route("/languages", methods=["GET", "POST"], summary="Languages (LibreTranslate)")
    async def languages() -> Any:
        return service.languages()

    @app.get("/frontend/settings", summary="Settings of the web page (LibreTranslate)")
    async def settings() -> Any:
        return service.settings()

    @app.post("/suggest", summary="Suggest a better translation (LibreTranslate)")
    async def suggest(request: Request) -> Any:
        params = await door.params(request)
        return await run_in_threadpool(service.suggest, params, client_of(request))


def _files(app: FastAPI, service: Service, door: Door) -> None:
    """LibreTranslate's file routes: a file translated now, then downloaded."""

    @app.post("/translate_file", summary="Translate a file in its own format (LibreTranslate)",
              openapi_extra=_FILE_BODY)
    async def translate_file(request: Request) -> Any:
        name, data, params, _ = await door.upload(request)
        return await door.answered(request, service.translate_file, name, data, params, str(request.base_url))

    @app.get("/download_file/{name}", summary="A translated file (LibreTranslate)")
    async def download_file(name: str) -> Any:
        path = service.files.get(name)
        if path is None:
            raise Refused(404, "Invalid request: no such file (or it was kept past its time)")
        return FileResponse(path, filename=name.split(".", 1)[1])


def _documents(app: FastAPI, service: Service, door: Door) -> None:
    """bilingua's document jobs: a file queued now, its progress followed, its result fetched later."""

    @app.post("/v1/documents", summary="Queue a file for translation in its own format; answered at once",
              openapi_extra=_FILE_BODY)
    async def submit_document(request: Request) -> Any:
        name, data, params, key = await door.upload(request)
        await run_in_threadpool(lambda: service.document(name, data, bounded=False))  # refused now, not queued
        source, target = await run_in_threadpool(service.document_pair, params)
        job = await run_in_threadpool(service.jobs.submit, key, name, data, source, target)
        return JSONResponse({"id": job, "status": "queued"}, status_code=202)

    async def found(job: str, key: str | None) -> dict[str, Any]:
        status = await run_in_threadpool(service.jobs.status, job, key)
        if status is None:
            raise Refused(404, "Invalid request: no such document job")
        return status

    @app.get("/v1/documents/{job}", summary="A document job's status, progress and estimated time left")
    async def document_status(job: str, request: Request) -> Any:
        return await found(job, door.owner(request))

    @app.get("/v1/documents/{job}/result", summary="A finished document job's file, in its own format")
    async def document_result(job: str, request: Request) -> Any:
        kept = await run_in_threadpool(service.jobs.result, job, door.owner(request))
        if kept is None:
            raise Refused(404, "Invalid request: no such document job")
        status, name, data = kept
        if status != "done" or data is None:
            raise Refused(409, f"Invalid request: the job is {status}, not done")
        return Response(data, media_type="application/octet-stream",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @app.get("/v1/documents/{job}/events", summary="A document job's progress as Server-Sent Events")
    async def document_events(job: str, request: Request) -> Any:
        key = door.owner(request)
        await found(job, key)
        return job_events(service, job, key)

    @app.delete("/v1/documents/{job}", summary="Remove a document job and its file")
    async def delete_document(job: str, request: Request) -> Any:
        if not await run_in_threadpool(service.jobs.delete, job, door.owner(request)):
            raise Refused(404, "Invalid request: no such document job")
        return {"id": job, "deleted": True}


def _own(app: FastAPI, service: Service, door: Door) -> None:
    """bilingua's own routes: process (or its stream), summarize, health, metrics, the page."""

    @app.post("/v1/process", summary="Translation, summary and aligned segments (bilingua's Result)",
              openapi_extra=_body_of(ProcessRequest))
    async def process(request: Request) -> Any:
        body = await door.body(request, ProcessRequest)
        if body.stream or request.query_params.get("stream", "").lower() in ("1", "true", "yes"):
            return process_events(service, body.text, body.summarize, body.source, body.target)
        return await door.answered(request, service.process, body.text, body.summarize, body.source, body.target)

    @app.post("/v1/summarize", summary="A summary", openapi_extra=_body_of(SummarizeRequest))
    async def summarize(request: Request) -> Any:
        body = await door.body(request, SummarizeRequest)
        return await door.answered(request, service.summarize, body.text)

    @app.get("/health", summary="Ready, with the models loaded")
    async def health() -> Any:
        return service.health()

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        if service.gate.key_required and not service.options.public_metrics:  # its counts are the operator's
            service.gate.check_key(request.query_params.get("api_key") or bearer(request))
        body, kind = service.metrics.render()
        return Response(body, media_type=kind)

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html")


def _body_of(model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI description of a JSON body read by hand (as ``model``)."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": model.model_json_schema()}}}}


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
        return _error(413 if isinstance(exc, InputTooLarge) else 400, f"Invalid request: {exc}")

    # Only bilingua's own input errors are the client's (400, above); a ValueError from anywhere else is a bug.
    @app.exception_handler(BilinguaError)
    async def failed(request: Request, exc: BilinguaError) -> JSONResponse:
        logger.error("%s %s failed: %s", request.method, request.url.path, first_line(exc))
        return _error(500, "The translation failed; the server's log says why")
