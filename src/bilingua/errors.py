"""Errors raised by bilingua.

Every error a user can cause or fix derives from :class:`BilinguaError`; its
message is one sentence that names the cause and the fix, so the command line
can print it as ``error: ...`` without a traceback.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any


class BilinguaError(Exception):
    """Base class for errors with a user-facing, one-line message."""


class ModelNotFoundError(BilinguaError):
    """A model could not be found locally nor downloaded."""


class BackendUnavailableError(BilinguaError):
    """A translation backend was asked for but its package is not installed."""


class InputError(BilinguaError, ValueError):
    """Input text, files or options that cannot be processed (wrong type, bad encoding, a value out of range).

    It is a ``ValueError`` too, so code that checks arguments the usual way catches it; the service
    answers 400 for it and for nothing else.
    """


class InputTooLarge(InputError):
    """Input over a size bound (a document that unzips past its limits, a zip bomb): the service answers 413."""


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type name when it has none)."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def install_hint(extra: str | None = None, package: str | None = None) -> str:
    """The one way bilingua says what to install: ``pip install 'bilingua[EXTRA]'`` (or a bare package)."""
    return f"pip install 'bilingua[{extra}]'" if extra else f"pip install {package}"


def optional_import(module: str, what: str, *, extra: str | None = None, package: str | None = None,
                    error: type[BilinguaError] = BackendUnavailableError) -> Any:
    """Import an optional dependency, or raise ``error`` saying what needs it and what to install.

    A package that is installed but fails to import (a dependency of its own
    missing, as trafilatura without ``lxml_html_clean``) is named as such,
    with the import's own message, rather than reported as absent.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        hint = install_hint(extra, package or top)
        if importlib.util.find_spec(top) is not None:
            raise error(f"{what} needs {top}, which is installed but fails to import ({first_line(exc)}); "
                        f"reinstall with: {hint}") from None
        raise error(f"{what} needs {top}: {hint}") from None
