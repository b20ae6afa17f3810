"""The ASGI app: LibreTranslate's endpoints, bilingua's own, the web page and the metrics."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from ..version import __version__
from ..errors import first_line
from ..options import ServiceOptions
from ..pipeline import Pipeline
from .core import ENDPOINTS, Service, client_of
from .routes import add_routes

__all__ = ["create_app"]

logger = logging.getLogger("bilingua.service")


def create_app(pipeline: Pipeline, options: ServiceOptions | None = None) -> Any:
    """The service as an ASGI app (FastAPI). The pipeline's models load now."""
    from fastapi import FastAPI

    service = Service(pipeline, options or ServiceOptions())
    app = FastAPI(
        title="bilingua", version=__version__, lifespan=service.lifespan,
        description="French to English translation and summaries. LibreTranslate-compatible: "
        "/translate, /detect, /languages; bilingua's own: /v1/process, /v1/summarize.",
    )
    app.state.service = service
    add_routes(app, service)
    _add_middleware(app, service)
    origins = [o.strip() for o in service.options.cors_origins.split(",") if o.strip()]
    if origins:  # outermost: a browser's preflight is answered before anything else runs
        from starlette.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=origins, allow_methods=["GET", "POST"], allow_headers=["*"])
    return app


#: nginx's status for a request whose client closed the connection before the answer: logged, never sent.
CLIENT_CLOSED = 499


def _add_middleware(app: Any, service: Service) -> None:
    from fastapi.responses import JSONResponse, Response
    from starlette.requests import ClientDisconnect

    @app.middleware("http")
    async def account(request: Any, call_next: Callable[[Any], Awaitable[Any]]) -> Any:
        started = time.perf_counter()
        service.metrics.in_flight.inc()
        status = 500
        try:
            response = await call_next(request)
        except ClientDisconnect:  # the client hung up while sending: nobody to answer, and not our failure
            response = Response(status_code=CLIENT_CLOSED)
        except Exception as exc:  # a bug in bilingua, not the client's fault: one log line, no internals sent
            logger.error("%s %s failed: %s: %s", request.method, request.url.path, type(exc).__name__, first_line(exc))
            response = JSONResponse({"error": "Internal error"}, status_code=500)
        try:
            status = response.status_code
            return response
        finally:
            service.metrics.in_flight.dec()
            seconds = time.perf_counter() - started
            path = request.url.path
            endpoint = path if path in ENDPOINTS else "/static" if path.startswith("/static/") else "other"
            service.metrics.request(endpoint, status, seconds)
            logger.info('%s "%s %s" %d %.1f ms', client_of(request), request.method, path, status, 1000 * seconds)

