"""API keys and per-minute request limits (sliding window), shared by every request thread."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException

from ..errors import InputError
from ..text import data_lines

__all__ = ["Gate", "Refused", "read_keys", "BodyLimit", "BodyTooLarge", "drain"]


class Refused(Exception):
    """A request the service answers with ``status``, ``{"error": message}`` and any ``headers``."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def read_keys(path: str | Path) -> dict[str, int | None]:
    """Keys from a file: one per line, optionally followed by that key's requests per minute; ``#`` comments."""
    try:
        lines = data_lines(Path(path).read_text(encoding="utf-8-sig"))  # a byte-order mark is not a key
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the API keys file {path}: {exc}") from None
    keys: dict[str, int | None] = {}
    for number, line in enumerate(lines, 1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        if len(fields) > 2 or (len(fields) == 2 and not fields[1].isdigit()):
            raise InputError(f"{path}, line {number}: expected 'KEY' or 'KEY REQUESTS_PER_MINUTE'")
        keys[fields[0]] = int(fields[1]) if len(fields) == 2 else None
    if not keys:
        raise InputError(f"the API keys file {path} holds no key")
    return keys


class Gate:
    """Checks a request's key and counts it against its key's (or its address's) limit."""

    WINDOW = 60.0

    def __init__(self, keys: dict[str, int | None] | None = None, req_limit: int | None = None,
                 chars_per_minute: int | None = None) -> None:
        self.keys = keys
        self.req_limit = req_limit
        self.chars_per_minute = chars_per_minute
        self._seen: dict[str, deque[float]] = {}
        self._chars: dict[str, deque[tuple[float, int]]] = {}
        self._lock = threading.Lock()
        self._last_sweep = time.monotonic()

    @property
    def key_required(self) -> bool:
        return self.keys is not None

    def check_key(self, api_key: str | None) -> None:
        """Raise :class:`Refused` (403) unless ``api_key`` is one of the keys (when keys are required)."""
        if self.keys is not None and (not api_key or api_key not in self.keys):
            raise Refused(403, "Invalid API key" if api_key else "An API key is required: give api_key")

    def precheck(self, api_key: str | None, client: str) -> None:
        """What can be refused before a request's body is read: a bad or blocked key (403), a client whose
        window is already full (429). Nothing is counted. Without a key where keys are required, nothing
        can be said yet: the key may be in the body."""
        if self.keys is not None and not api_key:
            return
        who, limit = self._limit(api_key, client)
        if limit is None:
            return
        with self._lock:
            self._window(who, limit, 1, time.monotonic(), count=False)

    def _limit(self, api_key: str | None, client: str) -> tuple[str, int | None]:
        """Who a request counts for, and their per-minute limit; a bad or blocked key is refused (403)."""
        if self.keys is None:
            return f"ip:{client}", self.req_limit
        self.check_key(api_key)
        own = self.keys[str(api_key)]
        if own == 0:
            raise Refused(403, "This API key is blocked (its limit is 0 requests per minute)")
        return f"key:{api_key}", own if own is not None else self.req_limit

    def admit(self, api_key: str | None, client: str, cost: int = 1, chars: int = 0) -> None:
        """Raise :class:`Refused` (403 or 429) unless the request may go ahead; count it if so.

        ``cost`` is what the request counts for against the per-minute limit: its number of texts, as
        LibreTranslate charges, so a list of a thousand texts is not one request. ``chars`` are its
        characters, counted against ``chars_per_minute`` for the same key (or address).
        """
        who, limit = self._limit(api_key, client)
        now = time.monotonic()
        with self._lock:
            self._sweep(now)
            self._count_chars(who, chars, now)
            if limit is not None:
                self._window(who, limit, cost, now, count=True)

    def _window(self, who: str, limit: int, cost: int, now: float, *, count: bool) -> None:
        """Refuse (429) ``cost`` more requests past ``who``'s limit in the sliding minute; count them if
        ``count``. The lock is held."""
        times = self._seen.setdefault(who, deque())
        while times and now - times[0] >= self.WINDOW:
            times.popleft()
        if cost > limit:
            raise Refused(429, f"Too many texts: this request has {cost}, and the limit is {limit} per minute")
        if len(times) + cost > limit:  # the client may ask again once its oldest requests leave the window
            wait = max(1, math.ceil(self.WINDOW - (now - times[len(times) + cost - limit - 1])))
            raise Refused(429, f"Too many requests: the limit is {limit} per minute", {"Retry-After": str(wait)})
        if count:
            times.extend([now] * cost)

    def _count_chars(self, who: str, chars: int, now: float) -> None:
        """Refuse (429) a request whose characters would pass ``chars_per_minute``; count them otherwise."""
        limit = self.chars_per_minute
        if limit is None or not chars:
            return
        seen = self._chars.setdefault(who, deque())
        while seen and now - seen[0][0] >= self.WINDOW:
            seen.popleft()
        if chars > limit:
            raise Refused(429, f"Too many characters: this request has {chars:,}, and the limit is {limit:,} per minute")
        used = sum(n for _, n in seen)
        if used + chars > limit:
            wait, freed = 1, 0
            for at, n in seen:  # once enough of the oldest requests leave the window
                freed += n
                if used - freed + chars <= limit:
                    wait = max(1, math.ceil(self.WINDOW - (now - at)))
                    break
            raise Refused(429, f"Too many characters: the limit is {limit:,} per minute", {"Retry-After": str(wait)})
        seen.append((now, chars))

    def _sweep(self, now: float) -> None:
        """Forget clients idle for a whole window, so the table stays as small as the active clients."""
        if now - self._last_sweep < self.WINDOW:
            return
        self._last_sweep = now
        for who in [w for w, t in self._seen.items() if not t or now - t[-1] >= self.WINDOW]:
            del self._seen[who]
        for who in [w for w, c in self._chars.items() if not c or now - c[-1][0] >= self.WINDOW]:
            del self._chars[who]


class BodyTooLarge(HTTPException):
    """A body past the limit, found while it streams in: answered 413 by the app's HTTP error handler
    (FastAPI passes an ``HTTPException`` raised while it reads a body on as it is)."""


class BodyLimit:
    """Bounds every request body while it is read, chunked or not, multipart or not.

    A declared ``Content-Length`` past ``max_bytes`` is refused before a byte is read; an undeclared one
    stops the read the moment it passes the limit (a 413 from the app's handler). Either way up to
    ``drain_bytes`` more are read and thrown away before the answer, so that a client still sending
    (``urllib``, ``requests``) reads the 413 instead of a reset connection; memory stays flat.
    """

    def __init__(self, app: Any, max_bytes: int, drain_bytes: int = 32 * 2**20,
                 routes: dict[str, int] | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.drain_bytes = drain_bytes
        self.routes = routes or {}  # paths with limits of their own (a file upload)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.routes.get(scope.get("path", ""), self.max_bytes)
        declared = dict(scope.get("headers") or []).get(b"content-length", b"").decode("latin-1").strip()
        if declared.isdigit() and int(declared) > limit:
            await drain(receive, self.drain_bytes)
            await _refuse(scope, receive, send, f"Invalid request: the body is {declared} bytes, above the limit "
                                                f"of {limit}")
            return
        seen, over = 0, False

        async def counted() -> dict[str, Any]:
            nonlocal seen, over
            message: dict[str, Any] = await receive()
            if message["type"] == "http.request" and not over:
                seen += len(message.get("body", b""))
                if seen > limit:
                    over = True  # raised once: the handler then reads (and drops) the rest through here
                    raise BodyTooLarge(413, f"Invalid request: the body is above the limit of {limit} bytes")
            return message

        await self.app(scope, counted, send)


async def drain(receive: Any, budget: int) -> None:
    """Read and drop up to ``budget`` bytes of what is left of a request body (its client may then read the
    answer), never waiting more than a few seconds for them."""
    import anyio

    with anyio.move_on_after(5):
        while budget > 0:
            message = await receive()
            if message["type"] != "http.request":
                return
            budget -= len(message.get("body", b""))
            if not message.get("more_body"):
                return


async def _refuse(scope: dict[str, Any], receive: Any, send: Any, message: str) -> None:
    from starlette.responses import JSONResponse

    await JSONResponse({"error": message}, status_code=413, headers={"Connection": "close"})(scope, receive, send)
