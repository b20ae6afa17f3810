"""What every request shares: the loaded pipeline, the gate, the detectors, the metrics, and reading a request."""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from .. import progress
from ..version import __version__
from ..formats import FORMATS, formats, plain_text
from ..encoding import Decoded, encode_text
from ..io import check_text, decoded
from ..detection import Detection, LanguageDetector
from ..errors import ModelNotFoundError
from ..languages import AUTO, LANGUAGES, PAIRS, SOURCE, TARGET, Pair, other
from ..backends.microbatch import MicroBatcher
from ..options import ServiceOptions
from ..pipeline import Pipeline
from .limits import Gate, Refused, read_keys
from .metrics import ServiceMetrics
from .jobs import DocumentJobs
from .store import FileStore, Suggestions

__all__ = ["Service", "read_params", "client_of", "STATIC", "ENDPOINTS"]

logger = logging.getLogger("bilingua.service")
STATIC = Path(__file__).parent / "static"
ENDPOINTS = {"/", "/health", "/languages", "/translate", "/detect", "/frontend/settings", "/translate_file",
             "/suggest", "/v1/process", "/v1/summarize", "/v1/documents", "/metrics", "/docs", "/openapi.json"}


class Service:
    """The loaded pipeline and what every request shares: the gate, the detectors, the metrics."""

    def __init__(self, pipeline: Pipeline, options: ServiceOptions) -> None:
        self.pipeline = pipeline
        self.options = options
        keys = read_keys(options.api_keys) if options.api_keys else None
        self.gate = Gate(keys, options.req_limit, options.chars_per_minute)
        #: The most bytes a request body may hold, on every route: a form may spell a character in 12.
        self.max_bytes = 12 * options.max_chars + 65536
        #: A file sent to /translate_file may be larger (a .docx holds pictures): its text is bounded after.
        self.max_file_bytes = int(options.max_file_mb * 2**20) + 65536
        self.files = FileStore(options.data_dir, options.keep_results * 3600)
        self.jobs = DocumentJobs(self.files.folder, self._job, options.keep_results * 3600)
        self.suggestions = Suggestions(options.suggestions) if options.suggestions else None
        self.metrics = ServiceMetrics()
        self.detector = LanguageDetector()
        self.pair_detector = LanguageDetector(list(LANGUAGES))
        pipeline.use_micro_batching(options.micro_batch_ms)
        # Models load now: a missing model stops start-up with its one-line error, not the first request.
        translator, _ = pipeline.load_translator()
        # The other pairs now too with --preload, else each on its first request.
        loaded = [translator] + [pipeline.load_translator(p)[0] for p in PAIRS.values()
                                 if options.preload and p != pipeline.options.named_pair]
        # One small document through every stage, so the first user does not pay for lazy imports.
        pipeline.process("Le service démarre. Il est prêt.")
        self.pair_detector.best("Bonjour")
        self.batcher = _find(translator.backend, MicroBatcher)
        for engine in loaded:
            if (batcher := _find(engine.backend, MicroBatcher)) is not None:
                batcher.add_observer(self.metrics.observe_batch)
        logger.info("models loaded: %s", json.dumps(pipeline.models_info(), ensure_ascii=False, default=str))

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Any) -> AsyncIterator[None]:
        yield
        # uvicorn has answered every request in flight by now: the engine workers may stop.
        self.jobs.close()
        self.pipeline.close()
        self.files.close()
        logger.info("stopped")

    # -- LibreTranslate ----------------------------------------------------------
    def translate(self, params: dict[str, Any]) -> dict[str, Any]:
        texts, single = _q(params)
        source, target = _pair(params)
        form = str(params.get("format") or "text").lower()
        if form not in formats(binary=False):
            raise Refused(400, f"Invalid request: format must be one of {', '.join(formats(binary=False))}, not {form!r}")
        self._check_size(texts)
        detected = [self.pair_detector.best(t) for t in texts] if source == AUTO else None
        languages = [d.language for d in detected] if detected else [source] * len(texts)
        by_source: dict[str, list[int]] = {}
        for i, lang in enumerate(languages):  # a text already in the target language comes back as it is
            if lang != target and texts[i].strip():
                by_source.setdefault(lang, []).append(i)
        out = list(texts)
        wanted = _alternatives(params, form)
        others: list[list[str]] = [[] for _ in texts]
        with _released(sum(len(texts[i]) for todo in by_source.values() for i in todo)):
            for lang, todo in by_source.items():
                view = self.view(lang, target)
                if wanted:
                    for i in todo:
                        out[i], others[i] = view.translate_alternatives(texts[i], wanted)
                else:
                    for i, text in zip(todo, view.translate([texts[i] for i in todo], format=form)):
                        out[i] = text
        answer: dict[str, Any] = {"translatedText": out[0] if single else out}
        if "alternatives" in params:
            answer["alternatives"] = others[0] if single else others
        if detected is not None:
            found = [_detection(d) for d in detected]
            answer["detectedLanguage"] = found[0] if single else found
        return answer

    def view(self, source: str, target: str) -> Pipeline:
        """The pipeline of the pair ``source``-``target``, its model loaded; a 503 when this server cannot
        load it (the log says why: the message may name the server's folders)."""
        view = self.pipeline.with_pair(source, target)
        chosen = view.options.named_pair if source != AUTO else None
        if chosen is not None:
            self._load(chosen)
        return view

    def _load(self, chosen: Pair) -> None:
        try:
            translator, seconds = self.pipeline.load_translator(chosen)
        except ModelNotFoundError as exc:
            logger.error("%s cannot be served: %s", chosen.name, exc)
            raise Refused(503, f"{chosen.name} is not available on this server: its model is not installed") from None
        if seconds and (batcher := _find(translator.backend, MicroBatcher)) is not None:
            batcher.add_observer(self.metrics.observe_batch)  # loaded now, on a request: counted from now

    def translate_file(self, name: str, data: bytes, params: dict[str, Any], base_url: str) -> dict[str, Any]:
        """LibreTranslate's ``/translate_file``: the file translated in its own format, stored for
        ``/download_file``; its format from its extension, its text bounded by ``--max-chars``."""
        source, target = _pair(params)
        english, done = self.translated(name, data, source=source, target=target)
        stored = self.files.put(english, done)
        return {"translatedFileUrl": f"{base_url.rstrip('/')}/download_file/{stored}"}

    def document(self, name: str, data: bytes, *, bounded: bool = True) -> tuple[str, str | bytes]:
        """A file's format and document (text, or bytes for a binary format), once it is one bilingua takes
        and (``bounded``) its text is within ``--max-chars``; a 400 or 413 otherwise. A document job's
        text is bounded by ``--max-file-mb`` alone: nobody waits on the connection for it."""
        form, document, _ = self._document(name, data, bounded=bounded)
        return form, document

    def _document(self, name: str, data: bytes, *, bounded: bool) -> tuple[str, str | bytes, Decoded | None]:
        """:meth:`document`, and how a text file was read (its encoding found as the library finds it)."""
        form = next((f for f in FORMATS.values() if Path(name).suffix.lower() in f.extensions), None)
        if form is None:
            raise Refused(400, f"Invalid request: {Path(name).suffix or 'a file without an extension'} is not "
                               f"supported; send one of {', '.join(_file_types())}")
        read = None if form.binary else decoded(data, f"'{Path(name).name}'")
        document: str | bytes = data if read is None else read.text
        if bounded:
            self._check_size([plain_text(document, form.name)])
        else:
            plain_text(document, form.name)  # it is read now: a broken file is refused, not queued
        return form.name, document, read

    def translated(self, name: str, data: bytes, *, bounded: bool = True, source: str = SOURCE,
                   target: str = TARGET) -> tuple[str, bytes]:
        """A file translated in its own format: its name in the target language (``rapport.en.docx``) and its
        bytes; ``source`` may be ``auto`` (the language of its text)."""
        form, document, read = self._document(name, data, bounded=bounded)
        if source == AUTO:  # the pipeline's own choice, as for a text (None: already in the target language)
            chosen = self.pipeline.with_pair(AUTO, target).pair_of(plain_text(document, form))
            source = chosen.source if chosen is not None else target
        done = self.view(source, target).translate_document(document, form) if source != target else document
        english = f"{Path(name).stem}.{target}{Path(name).suffix}"
        # UTF-8, as the library writes it: a byte-order mark kept, a charset declaration saying so
        return english, done if isinstance(done, bytes) else encode_text(done, read)

    def _job(self, name: str, data: bytes, source: str, target: str,
             report: Callable[[int, int], None]) -> tuple[str, bytes]:
        with progress.reporting(report):
            return self.translated(name, data, bounded=False, source=source, target=target)

    def document_pair(self, params: dict[str, Any]) -> tuple[str, str]:
        """A document job's ``source`` and ``target``, read as /translate_file reads them (``auto`` when not
        given); a pair this server cannot translate is refused now (400, or 503 when its model is missing),
        not queued."""
        source, target = _pair(params)
        if source != AUTO:
            self.view(source, target)
        return source, target

    def suggest(self, params: dict[str, Any], client: str) -> dict[str, Any]:
        """LibreTranslate's ``/suggest``: a better translation, kept when the server stores suggestions."""
        if self.suggestions is None:
            raise Refused(403, "Suggestions are disabled on this server.")
        q, s = params.get("q"), params.get("s")
        if not isinstance(q, str) or not isinstance(s, str) or not q.strip() or not s.strip():
            raise Refused(400, "Invalid request: q (the source text) and s (the suggestion) are required")
        for text in (q, s):
            check_text(text, "q")
        self._check_size([q, s])
        source, target = _pair(params)
        self.suggestions.add(q, s, source, target, client)
        return {"success": True}

    def detect(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        texts, _ = _q(params)
        self._check_size(texts)
        return [_detection(d) for d in self.detector.detect(" ".join(texts))]

    def languages(self) -> list[dict[str, Any]]:
        return [
            {"code": code, "name": lang.name, "targets": [p.target for p in PAIRS.values() if p.source == code]}
            for code, lang in LANGUAGES.items()
        ]

    def settings(self) -> dict[str, Any]:
        """LibreTranslate's ``/frontend/settings``, every field its clients read, and bilingua's ``lowConfidence``."""
        return {
            "charLimit": self.options.max_chars,
            "frontendTimeout": _FRONTEND_TIMEOUT_MS,
            "apiKeys": self.gate.key_required,
            "keyRequired": self.gate.key_required,
            "lowConfidence": self.options.low_confidence,
            "language": {
                "source": {"code": SOURCE, "name": LANGUAGES[SOURCE].name},
                "target": {"code": TARGET, "name": LANGUAGES[TARGET].name},
            },
            "filesTranslation": True,
            "supportedFilesFormat": _file_types(),
            "suggestions": self.suggestions is not None,
        }

    # -- bilingua's own ----------------------------------------------------------
    def process(self, text: str, summarize: bool, source: str | None = None, target: str | None = None) -> dict[str, Any]:
        """bilingua's Result of ``text``, from ``source`` (the server's default pair's when not given; ``auto``
        too) to ``target`` (the other language when not given)."""
        self._check_size([text])
        if source == AUTO and not target:  # each text into the other language
            view = self.pipeline.with_pair(AUTO)
        else:
            view = self.view(*_pair({"source": source or SOURCE, "target": target}))
        if view.options.source == AUTO:
            chosen = view.pair_of(text)
            if chosen is None:
                raise Refused(400, f"Invalid request: the text is already in {LANGUAGES[str(target)].name}")
            view = self.view(chosen.source, chosen.target)
        with _released(len(text)):
            return without_paths(view.process(text, summarize=summarize).to_dict())

    def summarize(self, text: str) -> dict[str, Any]:
        self._check_size([text])
        return {"summary": self.pipeline.summarize(text)}

    def health(self) -> dict[str, Any]:
        """LibreTranslate's ``{"status": "ok"}``, with the version and the models (no server path in them)."""
        return {"status": "ok", "version": __version__, "models": without_paths(self.pipeline.models_info())}

    def _check_size(self, texts: list[str]) -> None:
        size = sum(len(t) for t in texts)
        if size > self.options.max_chars:
            raise Refused(413, f"Invalid request: the text is {size} characters, above the limit of {self.options.max_chars}")


#: Characters past which a request's memory is given back to the system once it is answered.
_LARGE = 20_000


@contextlib.contextmanager
def _released(chars: int) -> Iterator[None]:
    """After a large request, give the heap it freed back to the system: glibc keeps freed memory for
    reuse: a server measured 298 MB fresh and 467 MB after four 190,000-character requests; 387 MB with
    this (the rest is Python's own arenas and the engine's caches)."""
    try:
        yield
    finally:
        if chars > _LARGE:
            _trim()


def _trim() -> None:
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


#: How long the web page of a LibreTranslate client waits after typing before it translates (its default).
_FRONTEND_TIMEOUT_MS = 500
#: Keys of the models' descriptions that name places on the server: never sent to a client.
_PATH_KEYS = frozenset({"path", "converted_path", "shortlist", "cuda_libraries"})


def without_paths(value: Any) -> Any:
    """``value`` (JSON-like) without what names places on the server's disk: those keys dropped, and a
    model given as a folder named by the folder's name alone (a hub id, ``org/name``, is kept)."""
    if isinstance(value, dict):
        return {k: Path(v).name if k == "id" and isinstance(v, str) and _is_path(v) else without_paths(v)
                for k, v in value.items() if k not in _PATH_KEYS}
    if isinstance(value, list):
        return [without_paths(v) for v in value]
    return value


def _is_path(text: str) -> bool:
    return text.startswith(("/", "~", ".")) or "\\" in text or (len(text) > 1 and text[1] == ":")


def _find(backend: Any, kind: type) -> Any:
    """The backend of type ``kind`` in a chain of wrappers (a cache around a batcher around an engine)."""
    while backend is not None and not isinstance(backend, kind):
        backend = getattr(backend, "inner", None)
    return backend


def client_of(request: Any) -> str:
    """The client's address (the proxy's X-Forwarded-For where uvicorn trusts it), or ``-``; escaped, since a
    proxy passes on whatever a client wrote there and it goes into the log."""
    host = request.client.host if request.client else "-"
    return host if host.isprintable() and " " not in host else host.encode("unicode_escape").decode("ascii").replace(" ", "\\x20")


def _pair(params: dict[str, Any]) -> tuple[str, str]:
    """The request's source (``auto`` allowed) and target languages, once they are a supported pair: the
    target defaults to the source's other language (the default pair's target under auto)."""
    source = str(params.get("source") or AUTO).lower()
    given = params.get("target")
    target = str(given).lower() if given else (TARGET if source == AUTO else None)
    for code in (source, target):
        if code is not None and code != AUTO and code not in LANGUAGES:
            raise Refused(400, f"{code} is not supported: bilingua translates {_PAIRS}")
    if target is None:
        target = other(source)
    if target == AUTO or (source != AUTO and f"{source}-{target}" not in PAIRS):
        raise Refused(400, f"{source} to {target} is not supported: bilingua translates {_PAIRS}")
    return source, target


#: What a refused pair's answer says bilingua translates.
_PAIRS = ", ".join(f"{LANGUAGES[p.source].name} ({p.source}) to {LANGUAGES[p.target].name} ({p.target})"
                   for p in PAIRS.values())


#: The most alternatives a request may ask for (each is a hypothesis of a wider beam).
MAX_ALTERNATIVES = 10


def _alternatives(params: dict[str, Any], form: str) -> int:
    """How many alternatives a request asks for (LibreTranslate's ``alternatives``): 0 to 10, plain text only."""
    value = params.get("alternatives", 0)
    try:
        wanted = int(value)
    except (TypeError, ValueError):
        raise Refused(400, f"Invalid request: alternatives must be a whole number, not {value!r}") from None
    if not 0 <= wanted <= MAX_ALTERNATIVES:
        raise Refused(400, f"Invalid request: alternatives must be from 0 to {MAX_ALTERNATIVES}")
    if wanted and form != "text":
        raise Refused(400, "Invalid request: alternatives are given for format=text only")
    return wanted


def _file_types() -> list[str]:
    """The extensions ``/translate_file`` takes: every registered format's."""
    return [e for f in FORMATS.values() for e in f.extensions]


def _detection(d: Detection) -> dict[str, Any]:
    return {"language": d.language, "confidence": round(100 * d.confidence, 1)}


def _q(params: dict[str, Any]) -> tuple[list[str], bool]:
    """The texts of ``q`` (a string or a list of strings), and whether it was a single string."""
    q = params.get("q")
    if q is None or q == "" or q == []:
        raise Refused(400, "Invalid request: missing q parameter")
    single = isinstance(q, str)
    texts = [q] if single else q
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        raise Refused(400, "Invalid request: q must be a string or a list of strings")
    for text in texts:
        check_text(text, "q")
    return texts, single


async def read_params(request: Any, max_bytes: int) -> dict[str, Any]:
    """A request's parameters from its query string and its JSON or form body (a repeated field is a list)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise Refused(413, f"Invalid request: the body is {declared} bytes, above the limit of {max_bytes}")
    params: dict[str, Any] = dict(request.query_params)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "multipart/form-data":
        form = await request.form()
        for key in form:
            values = [v for v in form.getlist(key) if isinstance(v, str)]
            params[key] = values[0] if len(values) == 1 else values
        return params
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise Refused(413, f"Invalid request: the body is above the limit of {max_bytes} bytes")
    if not body.strip():
        return params
    if kind == "application/json":
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise Refused(400, f"Invalid request: the body is not valid JSON ({exc})") from None
        except RecursionError:
            raise Refused(400, "Invalid request: the JSON body is nested too deeply") from None
        if not isinstance(data, dict):
            raise Refused(400, "Invalid request: the JSON body must be an object")
        return {**params, **data}
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except UnicodeDecodeError:
        raise Refused(400, "Invalid request: the form body is not UTF-8") from None
    form_params: dict[str, Any] = {}
    for key, value in pairs:
        form_params.setdefault(key, []).append(value)
    return {**params, **{k: v[0] if len(v) == 1 else v for k, v in form_params.items()}}
