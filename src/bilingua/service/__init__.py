"""``bilingua serve``: a LibreTranslate-compatible HTTP service, with bilingua's own API and a web page.

Needs the ``serve`` extra (``pip install 'bilingua[serve]'``): FastAPI,
uvicorn, prometheus-client and py3langid.
"""

from __future__ import annotations

import logging
from typing import Any

from ..errors import optional_import
from ..options import ServiceOptions
from ..pipeline import Pipeline

__all__ = ["create_app", "serve", "ServiceOptions"]

logger = logging.getLogger("bilingua.service")


def create_app(pipeline: Pipeline, options: ServiceOptions | None = None) -> Any:
    """The service as an ASGI app; the pipeline's models load now."""
    _require()
    from .app import create_app as make

    return make(pipeline, options)


def serve(pipeline: Pipeline, options: ServiceOptions | None = None) -> None:
    """Load the models, then serve until SIGTERM or Ctrl-C; requests in flight are answered first."""
    options = options or ServiceOptions()
    app = create_app(pipeline, options)
    import uvicorn

    config = uvicorn.Config(
        app, host=options.host, port=options.port, log_config=None, access_log=False,
        timeout_graceful_shutdown=options.graceful_seconds, forwarded_allow_ips=options.forwarded_allow_ips,
    )
    uvicorn.Server(config).run()


#: What ``bilingua serve`` imports (the ``serve`` extra); each is checked before the app is built.
SERVE_MODULES = ("fastapi", "uvicorn", "prometheus_client", "py3langid", "python_multipart")


def _require() -> None:
    for module in SERVE_MODULES:
        optional_import(module, "bilingua serve", extra="serve")
