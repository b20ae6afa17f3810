"""Errors raised by bilingua.

Every error a user can cause or fix derives from :class:`BilinguaError`; its
message is one sentence that names the cause and the fix, so the command line
can print it as ``error: ...`` without a traceback.
"""

from __future__ import annotations


class BilinguaError(Exception):
    """Base class for errors with a user-facing, one-line message."""


class ModelNotFoundError(BilinguaError):
    """A model could not be found locally nor downloaded."""


class BackendUnavailableError(BilinguaError):
    """A translation backend was asked for but its package is not installed."""


class InputError(BilinguaError):
    """Input text or files that cannot be processed (wrong type, bad encoding...)."""


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type name when it has none)."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
