"""Command-line flags generated from the option dataclasses, and the command line's exit statuses.

Every flag of an option group is made from its field: the name (``beams`` ->
``--beams``), the help and choices in the field's metadata, the type from its
annotation. Flags default to ``None`` so the dataclass's own default applies,
and the dataclass's own validation runs when the group is made: a bad value
is a usage error (exit 2) with the same message Python callers get.
"""

from __future__ import annotations

import argparse
import dataclasses
from typing import Any

from .encoding import codec_name
from .errors import InputError

__all__ = ["UsageError", "whole", "text_encoding", "add_flags", "options_from", "EXIT_OK", "EXIT_FAILURE", "EXIT_USAGE"]

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """A command line that cannot be carried out as given (exit status 2)."""


def whole(low: int, high: int | None = None) -> Any:
    """An argparse type: a whole number from ``low`` (to ``high``), for flags that belong to no option group."""

    read = _number(int)

    def parse(value: str) -> int:
        n: int = read(value)
        if n < low or (high is not None and n > high):
            bound = f"from {low} to {high}" if high is not None else f"of at least {low}"
            raise argparse.ArgumentTypeError(f"expected a number {bound}, got {n}")
        return n

    return parse


def text_encoding(value: str) -> str:
    """An argparse type: a text encoding Python knows, by Python's name for it (``windows-1252`` -> ``cp1252``);
    any other name is a usage error."""
    try:
        return codec_name(value)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _number(kind: type) -> Any:
    def parse(value: str) -> Any:
        try:
            return kind(value)
        except ValueError:
            what = "a whole number" if kind is int else "a number"
            raise argparse.ArgumentTypeError(f"expected {what}, got {value!r}") from None

    parse.__name__ = kind.__name__
    return parse


def _parsed(parse: Any) -> Any:
    def read(value: str) -> Any:
        try:
            return parse(value)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return read


def _help(f: dataclasses.Field, default: Any) -> str:  # type: ignore[type-arg]
    text = f.metadata.get("help", "")
    if default not in (None, False, True, dataclasses.MISSING) and "default" not in text:
        shown = ",".join(default) if isinstance(default, tuple) else default
        text = f"{text} (default {shown})" if text else f"default {shown}"
    return text.replace("%", "%%")


def add_flags(group: Any, cls: type, *, skip: tuple[str, ...] = ()) -> None:
    """Add one flag per field of the option dataclass ``cls`` to an argparse parser or group."""
    for f in dataclasses.fields(cls):
        meta = f.metadata
        if f.name in skip or meta.get("cli") is False:
            continue
        default = f.default
        kind = str(f.type)
        on_by_default = kind == "bool" and default is True  # its flag turns it off: --no-NAME
        flag = meta.get("flag", ("--no-" if on_by_default else "--") + f.name.replace("_", "-"))
        if kind == "bool":
            action = "store_false" if default else "store_true"
            group.add_argument(flag, dest=f.name, action=action, default=None, help=_help(f, None))
            continue
        extra: dict[str, Any] = {}
        if "parse" in meta:
            extra["type"] = _parsed(meta["parse"])
        elif "choices" in meta:
            extra["choices"] = meta["choices"]
        elif kind.startswith("int"):
            extra["type"] = _number(int)
        elif kind.startswith("float"):
            extra["type"] = _number(float)
        if "metavar" in meta:
            extra["metavar"] = meta["metavar"]
        if meta.get("many"):  # a tuple: the flag is given once per value
            extra["action"] = "append"
        group.add_argument(flag, dest=f.name, default=None, help=_help(f, default), **extra)
        if "off_flag" in meta:  # an optional setting that is on by default: a flag turns it off (None)
            group.add_argument(meta["off_flag"], dest=f.name, action="store_const", const=_OFF, help=meta.get("off_help"))


#: What an ``off_flag`` stores: the field becomes ``None``.
_OFF = "__off__"


def options_from(cls: type, args: argparse.Namespace, **overrides: Any) -> Any:
    """The option group ``cls`` from parsed flags; the dataclass validates, a bad value is a :class:`UsageError`."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        given = getattr(args, f.name, None)
        if f.metadata.get("cli") is not False and given is not None:  # None: the flag was not given
            values[f.name] = None if given == _OFF else tuple(given) if isinstance(given, list) else given
    try:
        return cls(**{**values, **overrides})
    except (InputError, ValueError) as exc:
        raise UsageError(str(exc)) from None
