"""Languages and pairs, in one place: the codes, their names, the pairs bilingua translates with
their default models, and every rule that depends on the language.

Segmentation, summaries, the formats, the service and the options read these;
no other module spells a language code's rules. A new pair is a new entry here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from .errors import InputError

__all__ = ["Language", "Model", "Pair", "LANGUAGES", "PAIRS", "DEFAULT_PAIR", "SOURCE", "TARGET", "TIERS", "DEFAULT_TIER",
           "AUTO", "language", "pair", "other", "translating", "current_pair"]


@dataclass(frozen=True)
class Language:
    """A language and the rules bilingua applies to text in it.

    ``titles`` are words written before a name, after which a full stop ends
    no sentence (``Dr.``); ``starters`` are words that start sentences (after
    ``U.S.`` any other capitalised word continues a name); ``clause_words``
    are where an over-long sentence may be cut when no punctuation will do.
    ``summary_model`` says whether the default abstractive summariser writes it.
    """

    code: str
    name: str
    titles: frozenset[str]
    starters: frozenset[str]
    clause_words: tuple[str, ...] = ()
    summary_model: bool = False
    #: Snowball's name for the language (ROUGE's stemmer), and whether rouge-score's own Porter stemmer is for it.
    snowball: str = ""
    porter: bool = False


#: Model tiers: ``fast`` (opus-mt: 6+6 layers at width 512) and ``quality`` (opus-mt-tc-big: transformer-big,
#: 6+6 layers at width 1024; about twice the time on a CPU, see scripts/bench_tiers.py).
TIERS = ("fast", "quality")
DEFAULT_TIER = "fast"
#: A source language to be detected per document (per record in a batch).
AUTO = "auto"


@dataclass(frozen=True)
class Model:
    """A model on the hub, pinned to a commit; ``revision=None`` where no commit was found published:
    the first download pins it (the Hugging Face cache keeps that snapshot) and ``Result.models`` says which."""

    id: str
    revision: str | None


@dataclass(frozen=True)
class Pair:
    """A translation direction and the model of each tier that translates it by default."""

    source: str
    target: str
    tiers: tuple[tuple[str, Model], ...]

    @property
    def name(self) -> str:
        return f"{self.source}-{self.target}"

    def model(self, tier: str = DEFAULT_TIER) -> Model:
        """The default model of ``tier``."""
        for name, model in self.tiers:
            if name == tier:
                return model
        raise InputError(f"tier must be one of {', '.join(TIERS)}; got {tier!r}")


LANGUAGES: dict[str, Language] = {
    "fr": Language(
        "fr", "French",
        titles=frozenset("dr pr me mgr mme mmes mlle mlles st ste av apr sen gen gén".split()),
        starters=frozenset("le la les l un une des ce cet cette ces il elle ils elles on nous vous je mais et en "
                           "dans selon pour par au aux du de d si quand alors cependant depuis après avant".split()),
        clause_words=("et", "ou", "mais", "donc", "car", "puis", "qui", "que", "dont", "où"),
        snowball="french",
    ),
    "en": Language(
        "en", "English",
        titles=frozenset("dr mr mrs ms prof sen rep gov gen st rev capt lt col sgt".split()),
        starters=frozenset("the a an it he she they we i you this that these those but and in on at for according "
                           "after before when if there his her their its as so".split()),
        clause_words=("and", "or", "but", "so", "because", "then", "which", "who", "that", "where"),
        summary_model=True,
        snowball="english",
        porter=True,
    ),
}

PAIRS: dict[str, Pair] = {
    "fr-en": Pair("fr", "en", (
        ("fast", Model("Helsinki-NLP/opus-mt-fr-en", "b4a9a384c2ec68a224bbd2ee3fd5df0c71ca5b1b")),
        ("quality", Model("Helsinki-NLP/opus-mt-tc-big-fr-en", None)),
    )),
    "en-fr": Pair("en", "fr", (
        ("fast", Model("Helsinki-NLP/opus-mt-en-fr", None)),
        ("quality", Model("Helsinki-NLP/opus-mt-tc-big-en-fr", None)),
    )),
}
#: The pair bilingua translates unless told otherwise.
DEFAULT_PAIR = PAIRS["fr-en"]
SOURCE, TARGET = DEFAULT_PAIR.source, DEFAULT_PAIR.target


def language(code: str) -> Language:
    """The language ``code`` names; an unknown code is an :class:`InputError` listing the known ones."""
    try:
        return LANGUAGES[code]
    except KeyError:
        raise InputError(f"language must be one of {', '.join(LANGUAGES)}; got {code!r}") from None


def other(code: str) -> str:
    """The language bilingua translates ``code`` into (each language has one partner)."""
    language(code)
    return next(p.target for p in PAIRS.values() if p.source == code)


def pair(source: str = SOURCE, target: str | None = None) -> Pair:
    """The pair from ``source`` to ``target`` (default: the other language); one bilingua does not
    translate is an :class:`InputError`."""
    found = PAIRS.get(f"{source}-{target or other(source)}")
    if found is None:
        raise InputError(f"bilingua translates {', '.join(PAIRS)}; not {source}-{target}")
    return found


_CURRENT: ContextVar[Pair] = ContextVar("bilingua_pair", default=DEFAULT_PAIR)


@contextlib.contextmanager
def translating(chosen: Pair) -> Iterator[None]:
    """The pair a document is being translated in, for what marks a document's language (HTML's ``lang``)."""
    token = _CURRENT.set(chosen)
    try:
        yield
    finally:
        _CURRENT.reset(token)


def current_pair() -> Pair:
    """The pair of the document being translated (see :func:`translating`); the default pair outside one."""
    return _CURRENT.get()
