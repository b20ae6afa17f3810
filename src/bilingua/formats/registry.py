"""The registry of document formats: each format module registers itself here, and every caller reads it.

A format has a name, the file extensions that mean it, whether its files are
bytes, a function that translates a document keeping its structure, and one
that gives the text it holds (what a summary is made from). The command line,
:func:`bilingua.translate_file`, the service (its check and its OpenAPI
enum) and the batch folder reader all ask the registry, so ``.md`` is
Markdown everywhere. Modelled on CTranslate2's ``register_loader``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError

__all__ = ["Format", "register_format", "get_format", "format_of", "formats", "FORMATS"]


@dataclass(frozen=True)
class Format:
    """One registered format.

    ``translate(source, translate, aligned)`` gives the translated document
    (``translate`` translates a list of texts in one pass, ``aligned`` gives
    word alignments for inline markup); ``text(source)`` the text it holds.
    A format with ``comments`` also takes ``notes=`` (see :data:`~.base.Notes`)
    and writes them as comments on their paragraphs.
    """

    name: str
    extensions: tuple[str, ...]
    translate: Callable[..., Any]
    text: Callable[[Any], str]
    binary: bool = False
    comments: bool = False

    def check(self, document: object) -> None:
        """A binary format's document is bytes, any other's text: a ``TypeError`` otherwise."""
        if isinstance(document, bytes) != self.binary:
            raise TypeError(f"a {self.name} document is {'bytes' if self.binary else 'text'}, "
                            f"not {type(document).__name__}")


#: Every registered format by name, in the order registered.
FORMATS: dict[str, Format] = {}


def register_format(name: str, *, extensions: tuple[str, ...], translate: Callable[..., Any],
                    text: Callable[[Any], str], binary: bool = False, comments: bool = False) -> Format:
    """Register a format (a format module calls this once, at import)."""
    taken = {e: f.name for f in FORMATS.values() for e in f.extensions if f.name != name}
    clash = [e for e in extensions if e in taken]
    if clash:
        raise ValueError(f"extension {clash[0]} is already the {taken[clash[0]]} format's")
    FORMATS[name] = Format(name, tuple(e.lower() for e in extensions), translate, text, binary, comments)
    return FORMATS[name]


def formats(*, binary: bool | None = None, comments: bool | None = None) -> tuple[str, ...]:
    """The names of the registered formats (only the binary or only the text ones, or only those that
    carry comments, when asked)."""
    return tuple(n for n, f in FORMATS.items()
                 if (binary is None or f.binary == binary) and (comments is None or f.comments == comments))


def get_format(name: str) -> Format:
    """The format called ``name``; an unknown name is an :class:`InputError` that lists the known ones."""
    try:
        return FORMATS[name]
    except KeyError:
        raise InputError(f"format must be one of {', '.join(FORMATS)}; got {name!r}") from None


def format_of(path: str | Path | None, forced: str | None = None) -> str:
    """The format given, or the one a file's extension names; plain text otherwise."""
    if forced is not None:
        return get_format(forced).name
    if path:
        suffix = Path(path).suffix.lower()
        for f in FORMATS.values():
            if suffix in f.extensions:
                return f.name
    return "text"
