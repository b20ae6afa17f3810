"""The rules that check a value, written once: the option dataclasses and every class a user may build
directly (the extractive summariser, the translator, the engines) call these, so a bad value gets the
same one-line :class:`~bilingua.errors.InputError` wherever it is given."""

from __future__ import annotations

from .errors import InputError

__all__ = ["one_of", "at_least", "within"]


def one_of(name: str, value: object, choices: tuple[str, ...]) -> None:
    """``value`` is one of ``choices``."""
    if value not in choices:
        raise InputError(f"{name} must be one of {', '.join(choices)}; got {value!r}")


def at_least(name: str, value: int | None, low: int, high: int | None = None) -> None:
    """``value`` (unless None) is a whole number from ``low`` (to ``high``)."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{name} must be a whole number, not {value!r}")
    if value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise InputError(f"{name} must be {bound}; got {value}")


def within(name: str, value: float | None, low: float, high: float, *, open_low: bool = False) -> None:
    """``value`` (unless None) is a number in ``[low, high]`` (``(low, high]`` with ``open_low``)."""
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"{name} must be a number, not {value!r}")
    if value > high or value < low or (open_low and value == low):
        raise InputError(f"{name} must be in {'(' if open_low else '['}{low}, {high}]; got {value}")
