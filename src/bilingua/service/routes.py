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

from ..formats import formats
from ..languages import LANGUAGES, TARGET
from ..errors import BilinguaError, InputError, first_line
from .limits import Refused

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


class ProcessRequest(BaseModel):
    text: str = Field(description="French text; its lines, paragraphs and lists are kept")
    summarize: bool = Field(True, description="also summarise it")
    api_key: str | None = None


class SummarizeRequest(BaseModel):
    text: str = Field(description="French text (or English/French, as the service was started)")
    api_key: str | None = None


def add_routes(app: FastAPI, service: Service) -> None:
    max_bytes = 12 * service.options.max_chars + 65536  # a form may spell each character in up to 12 bytes

    def admit(request: Request, api_key: object) -> None:
        service.gate.admit(api_key if isinstance(api_key, str) else None, client_of(request))

    async def admitted(request: Request) -> dict[str, Any]:
        params = await read_params(request, max_bytes)
        key = params.get("api_key")
        service.gate.check_key(key if isinstance(key, str) else None)  # a 403 before anything else is said
        texts = params.get("q")
        cost = len(texts) if isinstance(texts, list) else 1
        limit = service.options.batch_limit
        if limit is not None and cost > limit:
            raise Refused(400, f"Invalid request: {cost} texts, above the limit of {limit} per request")
        service.gate.admit(key if isinstance(key, str) else None, client_of(request), cost)
        return params

    @app.post("/translate", openapi_extra=_LT_BODY, summary="Translate (LibreTranslate)")
    async def translate(request: Request) -> Any:
        params = await admitted(request)
        return await run_in_threadpool(service.translate, params)

    @app.post("/detect", summary="Detect the language (LibreTranslate)")
    async def detect(request: Request) -> Any:
        params = await admitted(request)
        return await run_in_threadpool(service.detect, params)

    @app.api_route("/languages", methods=["GET", "POST"], summary="Languages (LibreTranslate)")
    async def languages() -> Any:
        return service.languages()

    @app.get("/frontend/settings", summary="Settings of the web page (LibreTranslate)")
    async def settings() -> Any:
        return service.settings()

    @app.post("/v1/process", summary="Translation, summary and aligned segments (bilingua's Result)")
    async def process(body: ProcessRequest, request: Request) -> Any:
        admit(request, body.api_key)
        return await run_in_threadpool(service.process, body.text, body.summarize)

    @app.post("/v1/summarize", summary="A summary")
    async def summarize(body: SummarizeRequest, request: Request) -> Any:
        admit(request, body.api_key)
        return await run_in_threadpool(service.summarize, body.text)

    @app.get("/health", summary="Ready, with the models loaded")
    async def health() -> Any:
        return service.health()

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        if service.gate.key_required and not service.options.public_metrics:  # its counts are the operator's
            bearer = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
            service.gate.check_key(request.query_params.get("api_key") or bearer or None)
        body, kind = service.metrics.render()
        return Response(body, media_type=kind)

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _add_error_handlers(app)


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
        return _error(exc.status_code, str(exc.detail))

    @app.exception_handler(InputError)
    async def bad_input(request: Request, exc: InputError) -> JSONResponse:
        return _error(400, f"Invalid request: {exc}")

    # Only bilingua's own input errors are the client's (400, above); a ValueError from anywhere else is a bug.
    @app.exception_handler(BilinguaError)
    async def failed(request: Request, exc: BilinguaError) -> JSONResponse:
        logger.error("%s %s failed: %s", request.method, request.url.path, first_line(exc))
        return _error(500, "The translation failed; the server's log says why")
