"""Finding models: a local folder, or a Hugging Face hub id at a pinned revision.

Resolution never guesses silently: a model is either found (in a folder, in the
HF cache, or downloaded into it) or a :class:`ModelNotFoundError` says which
model was missing and how to get it.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from .errors import BilinguaError, ModelNotFoundError, first_line
from .languages import DEFAULT_PAIR, PAIRS

#: The default pair's model and the hub commit it is pinned to (see :mod:`bilingua.languages`).
DEFAULT_TRANSLATION_MODEL = DEFAULT_PAIR.model().id
DEFAULT_TRANSLATION_REVISION = DEFAULT_PAIR.model().revision
#: Default abstractive summariser (English, CNN/DailyMail-trained distilled BART).
DEFAULT_SUMMARIZER_MODEL = "sshleifer/distilbart-cnn-6-6"
DEFAULT_SUMMARIZER_REVISION = "main"

#: Every default model's pinned commit; a pair's model without one takes "main" at its first download.
DEFAULT_REVISIONS = {
    **{m.id: m.revision for p in PAIRS.values() for _, m in p.tiers if m.revision},
    DEFAULT_SUMMARIZER_MODEL: DEFAULT_SUMMARIZER_REVISION,
}

# Only what inference needs: TF/Flax/Rust weights in the same repos are skipped.
_ALLOW_PATTERNS = [
    "*.json",
    "*.spm",
    "*.model",
    "*.txt",
    "*.safetensors",
    "pytorch_model.bin",
]

_HUB_ID = re.compile(r"^[\w.\-]+(/[\w.\-]+)?$")


@dataclass(frozen=True)
class ResolvedModel:
    """Where a model's files are, and what they are."""

    id: str
    revision: str | None
    path: Path
    local: bool  # given as a folder by the user, not through the hub

    @property
    def commit(self) -> str | None:
        """The hub commit of a cached snapshot (its folder's name): the pin of a model asked for at ``main``."""
        name = self.path.name
        return name if not self.local and re.fullmatch(r"[0-9a-f]{40}", name) else None

    def info(self) -> dict[str, object]:
        return {"id": self.id, "revision": self.revision, "commit": self.commit, "path": str(self.path)}


def offline() -> bool:
    """True when the user asked for no network (``HF_HUB_OFFLINE``/``TRANSFORMERS_OFFLINE``)."""
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        if os.environ.get(var, "").strip().lower() in {"1", "true", "yes", "on"}:
            return True
    return False


def _hub_reachable(timeout: float = 2.0) -> bool:
    # huggingface_hub retries a dead network for ~25 s before giving up; one
    # quick TCP connect tells us first whether trying is worth it.
    endpoint = os.environ.get("HF_ENDPOINT", "https://huggingface.co")
    url = urlparse(endpoint)
    host = url.hostname or "huggingface.co"
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _looks_like_path(name: str) -> bool:
    return (
        name.startswith((".", "/", "~"))
        or os.sep in name.strip("/").replace("/", "", 1)
        or not _HUB_ID.match(name)
    )


def _fix(model_id: str, revision: str | None) -> str:
    rev = f" --revision {revision}" if revision and revision != "main" else ""
    return (
        f"run `bilingua models download {model_id}{rev}` where the network is available "
        "(it fills the Hugging Face cache for offline use), or pass a local model folder with --model"
    )


def resolve_model(
    name: str | os.PathLike[str],
    revision: str | None = None,
    *,
    allow_download: bool = True,
) -> ResolvedModel:
    """Find a model by local folder or hub id.

    A hub id is looked up in the Hugging Face cache first; it is downloaded
    only when it is missing there, downloads are allowed and the hub is not
    switched off with ``HF_HUB_OFFLINE=1``. The default models use their pinned
    revision unless ``revision`` says otherwise.
    """
    text = os.fspath(name)
    folder = Path(text).expanduser()
    if folder.is_dir():
        check_model_folder(folder)
        return ResolvedModel(id=str(folder), revision=None, path=folder.resolve(), local=True)
    if folder.exists():
        raise ModelNotFoundError(f"'{text}' is a file, not a model folder; pass the folder that holds config.json")
    if _looks_like_path(text):
        raise ModelNotFoundError(
            f"model folder '{text}' does not exist; pass an existing folder or a Hugging Face model id"
        )

    if revision is None:
        revision = DEFAULT_REVISIONS.get(text, "main")
    cached = _from_cache(text, revision)
    if cached is not None:
        check_model_folder(cached.path)
        return cached

    if not allow_download or offline():
        why = "offline mode is on (HF_HUB_OFFLINE)" if offline() else "downloads are disabled"
        raise ModelNotFoundError(
            f"model '{text}' (revision {revision}) is not in the Hugging Face cache and {why}; {_fix(text, revision)}"
        )
    if not _hub_reachable():
        raise ModelNotFoundError(
            f"model '{text}' (revision {revision}) is not in the Hugging Face cache and the hub cannot be reached; "
            f"{_fix(text, revision)}"
        )
    from huggingface_hub import snapshot_download

    try:
        path = snapshot_download(text, revision=revision, allow_patterns=_ALLOW_PATTERNS)
    except Exception as exc:  # network, auth, unknown repo or revision: all said in one line
        raise ModelNotFoundError(
            f"model '{text}' (revision {revision}) could not be downloaded ({first_line(exc)}); {_fix(text, revision)}"
        ) from exc
    return ResolvedModel(id=text, revision=revision, path=Path(path), local=False)


def _from_cache(model_id: str, revision: str) -> ResolvedModel | None:
    """The cached snapshot, or ``None`` when it is not cached; an unreadable cache is an error, not a miss."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        path = snapshot_download(model_id, revision=revision, allow_patterns=_ALLOW_PATTERNS, local_files_only=True)
    except LocalEntryNotFoundError:
        return None
    except OSError as exc:
        raise ModelNotFoundError(
            f"the Hugging Face cache could not be read for '{model_id}' ({exc.strerror or exc}); "
            "check the permissions of HF_HOME / HF_HUB_CACHE"
        ) from None
    return ResolvedModel(id=model_id, revision=revision, path=Path(path), local=False)


_WEIGHTS = ("model.safetensors", "pytorch_model.bin", "model.safetensors.index.json", "pytorch_model.bin.index.json")


#: The files a Marian model's tokenizer reads (opus-mt layout).
MARIAN_FILES = ("source.spm", "target.spm", "vocab.json")


def require_files(folder: Path, names: tuple[str, ...]) -> None:
    """Refuse, naming the file, a model folder without one of the files an engine reads."""
    for name in names:
        if not (folder / name).is_file():
            raise ModelNotFoundError(f"model folder '{folder}' has no {name}; re-save or re-download the model")


def check_model_folder(folder: Path) -> None:
    """Refuse, naming the file, a model folder whose config, JSON files or weights are missing or broken.

    :func:`resolve_model` runs it on every folder it finds on disk (given, or in
    the Hugging Face cache), once per load.
    """
    config = folder / "config.json"
    if not config.is_file():
        raise ModelNotFoundError(f"model folder '{folder}' has no config.json; pass a folder saved with save_pretrained()")
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, OSError) as exc:
            raise ModelNotFoundError(f"model file '{path}' is not valid JSON ({exc}); re-save or re-download the model") from None
        if path == config and not isinstance(data, dict):
            raise ModelNotFoundError(f"model file '{path}' is not a JSON object; re-save or re-download the model")
    if not any((folder / w).is_file() for w in _WEIGHTS):
        raise ModelNotFoundError(
            f"model folder '{folder}' has no weights ({' or '.join(_WEIGHTS[:2])}); re-save or re-download the model"
        )


@contextlib.contextmanager
def loading(folder: Path) -> Iterator[None]:
    """Turn a library's failure to load the model in ``folder`` into one line that names the folder."""
    try:
        yield
    except BilinguaError:
        raise
    except Exception as exc:  # each library fails in its own way (OSError, SafetensorError, KeyError...)
        raise ModelNotFoundError(
            f"model folder '{folder}' could not be loaded ({type(exc).__name__}: {first_line(exc)}); "
            "re-save or re-download the model"
        ) from exc
