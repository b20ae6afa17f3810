"""The ASGI app: LibreTranslate's endpoints, bilingua's own, the web page and the metrics."""

from __future__ import annotations

import logging
import time
from typing import Any

from ..version import __version__
from ..errors import first_line
from ..options import ServiceOptions
from ..pipeline import Pipeline
from .core import ENDPOINTS, Service, client_of
from .limits import BodyLimit
from .routes import add_routes

__all__ = ["create_app"]

logger = logging.getLogger("bilingua.service")


def create_app(pipeline: Pipeline, options: ServiceOptions | None = None) -> Any:
    """The service as an ASGI app (FastAPI). The pipeline's models load now."""
    from fastapi_offline import FastAPIOffline  # /docs from the package's Swagger UI, not a CDN

    service = Service(pipeline, options or ServiceOptions())
    app = FastAPIOffline(
        redoc_url=None, static_url="/static/docs",
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
    # Inner first: the body limit runs inside the accounting, so its 413 is counted and logged.
    uploads = {path: service.max_file_bytes for path in ("/translate_file", "/v1/documents")}
    app.add_middleware(BodyLimit, max_bytes=service.max_bytes, routes=uploads)
    app.add_middleware(_Accounting, service=service)


class _Accounting:
    """Counts, times and logs every request, answers a bilingua bug with a JSON 500, and logs a client that
    hung up as 499. A plain ASGI middleware: the endpoint reads the client's own ``receive``, so it sees
    the client hang up (Starlette's ``BaseHTTPMiddleware`` hid that)."""

    def __init__(self, app: Any, service: Service) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from starlette.requests import ClientDisconnect, Request
        from starlette.responses import JSONResponse

        started, metrics = time.perf_counter(), self.service.metrics
        status, answered = [500], [False]

        async def sending(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status[0], answered[0] = message["status"], True
            await send(message)

        metrics.in_flight.inc()
        request = Request(scope)
        try:
            await self.app(scope, receive, sending)
        except ClientDisconnect:  # the client hung up: nobody to answer, and not our failure
            status[0] = CLIENT_CLOSED
        except Exception as exc:  # a bug in bilingua, not the client's fault: one log line, no internals sent
            logger.error("%s %s failed: %s: %s", request.method, request.url.path, type(exc).__name__, first_line(exc))
            if not answered[0]:
                await JSONResponse({"error": "Internal error"}, status_code=500)(scope, receive, send)
            status[0] = 500
        finally:
            metrics.in_flight.dec()
            seconds = time.perf_counter() - started
            path = request.url.path
            endpoint = path if path in ENDPOINTS else next(
                (p for p in ("/static", "/download_file", "/v1/documents") if path.startswith(p + "/")), "other")
            metrics.request(endpoint, status[0], seconds)
            logger.info('%s "%s %s" %d %.1f ms', client_of(request), request.method, path, status[0], 1000 * seconds)
