"""Languages and pairs, in one place: the codes, their names, the pairs bilingua translates with
their default models, and every rule that depends on the language.

Segmentation, summaries, the formats, the service and the options read these;
no other module spells a language code's rules. A new pair is a new entry here.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import InputError

__all__ = ["Language", "Pair", "LANGUAGES", "PAIRS", "DEFAULT_PAIR", "SOURCE", "TARGET", "language", "pair"]


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


@dataclass(frozen=True)
class Pair:
    """A translation direction and the model that translates it by default, pinned to a hub commit."""

    source: str
    target: str
    model: str
    revision: str

    @property
    def name(self) -> str:
        return f"{self.source}-{self.target}"


LANGUAGES: dict[str, Language] = {
    "fr": Language(
        "fr", "French",
        titles=frozenset("dr pr me mgr mme mmes mlle mlles st ste av apr sen gen gén".split()),
        starters=frozenset("le la les l un une des ce cet cette ces il elle ils elles on nous vous je mais et en "
                           "dans selon pour par au aux du de d si quand alors cependant depuis après avant".split()),
        clause_words=("et", "ou", "mais", "donc", "car", "puis", "qui", "que", "dont", "où"),
    ),
    "en": Language(
        "en", "English",
        titles=frozenset("dr mr mrs ms prof sen rep gov gen st rev capt lt col sgt".split()),
        starters=frozenset("the a an it he she they we i you this that these those but and in on at for according "
                           "after before when if there his her their its as so".split()),
        clause_words=("and", "or", "but", "so", "because", "then", "which", "who", "that", "where"),
        summary_model=True,
    ),
}

PAIRS: dict[str, Pair] = {
    "fr-en": Pair("fr", "en", "Helsinki-NLP/opus-mt-fr-en", "b4a9a384c2ec68a224bbd2ee3fd5df0c71ca5b1b"),
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


def pair(source: str = SOURCE, target: str = TARGET) -> Pair:
    """The pair from ``source`` to ``target``; one bilingua does not translate is an :class:`InputError`."""
    found = PAIRS.get(f"{source}-{target}")
    if found is None:
        raise InputError(f"bilingua translates {', '.join(PAIRS)}; not {source}-{target}")
    return found
