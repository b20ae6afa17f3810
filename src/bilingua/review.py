"""Review flags: which translated sentences a person should check, and why, without a reference.

Each check is a small function registered under the kind of flag it raises
(``@check("number")``), as sacrebleu registers its metrics: it reads one
:class:`Pairing` — a source sentence and its translation, each tokenised
once — and yields :class:`~bilingua.result.Flag` objects. The language rules
(how numbers are written, what makes a clause negative, the calendar's names)
come from :mod:`bilingua.languages`; the lengths a human translation has are
the pair's, measured on FLORES-200 devtest (``scripts/build_review_data.py``).

The checks read any pair of texts, bilingua's translations or anyone's, and
need no model; ``low_confidence`` reads the engine's own score when there is one.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources

from .detection import LanguageDetector
from .errors import InputError
from .languages import LANGUAGES, SOURCE, TARGET, Language, Pair, pair as find_pair
from .protect import PROTECTED, Protector
from .result import FLAG_KINDS, Flag, Review
from .text import SENTENCE_END, SENTENCE_END_INSIDE

__all__ = ["review", "Reviewer", "Pairing", "CHECKS", "check", "DEFAULT_MIN_SCORE"]

#: A sentence whose translation the engine scores below this mean log-probability per token is flagged
#: ``low_confidence`` (about one token in four it was unsure of; see docs/review.md).
DEFAULT_MIN_SCORE = -1.5

Check = Callable[["Pairing"], Iterator[Flag]]
#: The checks, by the kind of flag each raises, in the order they run.
CHECKS: dict[str, Check] = {}


def check(kind: str) -> Callable[[Check], Check]:
    """Register a check under ``kind`` (one of :data:`~bilingua.result.FLAG_KINDS`)."""
    if kind not in FLAG_KINDS:
        raise ValueError(f"unknown flag kind {kind!r}")

    def register(fn: Check) -> Check:
        CHECKS[kind] = fn
        return fn
    return register


# Dotted acronyms (U.S., U.K.) are one word; a word may hold hyphens and apostrophes (d'Orléans).
_WORD = re.compile(r"(?:[^\W\d_]\.){2,}|[^\W\d_]+(?:[-'’][^\W\d_]+)*|\d+")


@dataclass(frozen=True)
class Word:
    start: int
    end: int
    text: str
    #: Case-folded, without accents: what two spellings of a name are compared as.
    key: str


def _key(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).replace("’", "'")
    return plain.replace(".", "")


class Side:
    """One side of a pairing: its text, language and words, found once."""

    def __init__(self, text: str, language: Language) -> None:
        self.text, self.language = text, language
        self.words = [Word(m.start(), m.end(), m.group(0), _key(m.group(0))) for m in _WORD.finditer(text)]
        self.lower = text.lower()

    @functools.cached_property
    def keys(self) -> frozenset[str]:
        parts = {p for w in self.words for p in re.split(r"[-']", w.key)}
        return frozenset({w.key for w in self.words} | parts)

    @functools.cached_property
    def initials(self) -> frozenset[str]:
        """The initials, letters sorted, of each run of two to six capitalised words ("Parti socialiste"
        has none, "Socialist Party" gives "ps"): what an acronym of the other language may stand for."""
        out, run = set(), []
        for w in [*self.words, None]:
            if w is not None and w.text[0].isupper():
                run.append(w.key[0])
                continue
            if w is not None and len(w.text) <= 3 and w.text.islower() and run:  # "of", "de", "du"
                continue
            out |= {"".join(sorted(run[i:j])) for i in range(len(run)) for j in range(i + 2, min(len(run), i + 6) + 1)}
            run = []
        return frozenset(out)

    @functools.cached_property
    def acronyms(self) -> tuple[str, ...]:
        """The keys of the words written as acronyms (OPCW, MDGs)."""
        return tuple(self.bare(w.key) for w in self.words if _acronym(w.text) and len(w.key) >= 2)

    def bare(self, key: str) -> str:
        """A word's key without its possessive ending ("opcw's" is "opcw")."""
        return re.sub(self.language.possessive, "", key) if self.language.possessive else key

    @functools.cached_property
    def not_negations(self) -> tuple[tuple[int, int], ...]:
        """Where the language's phrases that hold a negation's word but say none are (found once: both
        the plain and the weak negations of a side are looked for)."""
        return tuple(m.span() for pattern in self.language.not_negations for m in re.finditer(pattern, self.lower))

    @functools.cached_property
    def headline(self) -> bool:
        """Whether the text is in title case ("Wrong Way Driver on Brussels Ring Road"): its capitals say
        nothing of its names."""
        long = [w for w in self.words if len(w.text) >= 4 and not w.text.isdigit()]
        capitalised = [w for w in long if w.text[0].isupper()]
        # Names alone may fill a short sentence ("Dupont a rencontré Obama à Genève"): title case also
        # capitalises common words ("Seriously Injured in Accident").
        common = sum(w.key in _common(self.language.code) for w in capitalised[1:])
        return len(long) >= 4 and len(capitalised) >= 0.7 * len(long) and common >= 2

    @functools.cached_property
    def letters(self) -> int:
        """The letters and digits of the text, its contractions spelled out ("don't" counts as "do not")."""
        extra = 0
        if self.language.contractions:
            pattern, added = _contractions(self.language.code)
            extra = sum(added[m.lastindex - 1] for m in pattern.finditer(self.lower) if m.lastindex)
        return sum(c.isalnum() for c in self.text) + extra


@functools.cache
def _contractions(code: str) -> tuple[re.Pattern[str], tuple[int, ...]]:
    """One pattern of a language's contractions, a group each, tried in order, and what each adds."""
    rules = LANGUAGES[code].contractions
    return re.compile("|".join(f"({pattern})" for pattern, _ in rules)), tuple(n for _, n in rules)


@dataclass
class Pairing:
    """A source sentence and its translation as the checks read them, with what the reviewer knows."""

    source: Side
    translation: Side
    pair: Pair
    reviewer: Reviewer
    score: float | None = None

    @functools.cached_property
    def lost_names(self) -> list[Word]:
        """The source's names the translation lacks (in none of their spellings)."""
        return [w for w in names(self.source) if not _found(w, self.translation, self.reviewer.names)]

    @functools.cached_property
    def lost_numbers(self) -> list[Number]:
        """The source's numbers the translation lacks (as values, quantities or hints)."""
        return _unmatched(self.source_numbers, self.translation_numbers, self.translation)

    @functools.cached_property
    def source_numbers(self) -> list[Number]:
        """The source's numbers, found once for every check that reads them."""
        return numbers(self.source)

    @functools.cached_property
    def translation_numbers(self) -> list[Number]:
        """The translation's numbers, found once for every check that reads them."""
        return numbers(self.translation)


class Reviewer:
    """Reviews translations from ``source`` to ``target``; may be used from many threads at once.

    ``glossary`` maps source terms to the terms their translation must use
    (as :class:`~bilingua.translator.Translator` applies them); ``min_score``
    is the engine score under which a sentence is ``low_confidence``;
    ``checks`` picks kinds of flags (default: all).
    """

    def __init__(self, source: str = SOURCE, target: str = TARGET, *, glossary: Mapping[str, str] | None = None,
                 min_score: float = DEFAULT_MIN_SCORE, checks: Sequence[str] | None = None) -> None:
        self.pair = find_pair(source, target)
        self.protector = Protector(glossary, spans=True)
        self.min_score = min_score
        unknown = [k for k in checks or () if k not in CHECKS]
        if unknown:
            raise InputError(f"checks must be among {', '.join(CHECKS)}; got {', '.join(unknown)}")
        self.checks = tuple(checks) if checks is not None else tuple(CHECKS)
        self.names = _exonyms(self.pair.source, self.pair.target)
        self.back_names = _exonyms(self.pair.target, self.pair.source)

    def review(self, source: str, translation: str, score: float | None = None) -> Review:
        """The flags of one translated sentence (``score``: the engine's mean log-probability per token)."""
        if not source.strip() and not translation.strip():
            return Review()
        p = self.pair
        pairing = Pairing(Side(source, LANGUAGES[p.source]), Side(translation, LANGUAGES[p.target]), p, self, score)
        return Review(tuple(flag for kind in self.checks for flag in CHECKS[kind](pairing)))

    def review_all(self, sources: Sequence[str], translations: Sequence[str],
                   scores: Sequence[float | None] | None = None) -> list[Review]:
        """Each source's translation reviewed, in order."""
        if len(sources) != len(translations):
            raise InputError(f"{len(sources)} sources but {len(translations)} translations: each needs its own")
        if scores is not None and len(scores) != len(sources):
            raise InputError(f"{len(sources)} sources but {len(scores)} scores")
        marks = scores if scores is not None else [None] * len(sources)
        return [self.review(s, t, m) for s, t, m in zip(sources, translations, marks)]


def review(sources: str | Sequence[str], translations: str | Sequence[str], source: str = SOURCE,
           target: str = TARGET, *, scores: Sequence[float | None] | None = None,
           glossary: Mapping[str, str] | None = None) -> list[Review]:
    """Review each translation of each source sentence: a :class:`~bilingua.result.Review` per pair.

    Works on any translations, bilingua's or anyone's; ``scores`` (the engine's
    mean log-probabilities) add ``low_confidence`` flags. Each source should be
    one sentence, or a short paragraph, aligned with its translation.
    """
    if isinstance(sources, str) != isinstance(translations, str):
        raise InputError("sources and translations must both be one text or both be lists")
    if isinstance(sources, str):
        sources, translations = [sources], [str(translations)]
    return Reviewer(source, target, glossary=glossary).review_all(sources, list(translations), scores)


# -- numbers ------------------------------------------------------------------

@dataclass(frozen=True)
class Number:
    start: int
    end: int
    #: The values it may stand for: 1,000 is 1000 in English and 1.0 in French; "3 millions" is 3 and 3e6.
    values: frozenset[float]
    #: Written in words ("three"): words may be dropped in a free translation, figures may not.
    word: bool
    #: With a unit after it: its dimension, its size in the dimension's base unit, and the unit's ("130 mph").
    quantity: tuple[str, float, float] | None = None


@functools.lru_cache(maxsize=None)
def _number_pattern(language: Language) -> re.Pattern[str]:
    groups = "".join(re.escape(c) for c in language.thousands)
    words = "|".join(re.escape(w) for w, _ in sorted(language.number_words, key=lambda x: -len(x[0])))
    roman = r"|(?-i:(?P<roman>\b[IVX]{1,5})(?:e|er|ème)\b)" if language.decimal == "," else ""
    return re.compile(
        r"(?<![\d.,:])(?P<hour>\d{1,2})\s?(?:h(?![a-z])|:|\.(?=\d\d\s?[ap]\.?m))\s?(?P<minute>\d\d)?(?![\d])|"
        rf"(?<![\d.,])(?P<figure>\d{{1,3}}(?:[{groups}]\d{{3}})+(?![\d])(?:[.,]\d+)?|\d+(?:[.,]\d+)?)"
        rf"|(?<!\w)(?P<word>{words})(?!\w)(?!-(?:{words})\b){roman}", re.IGNORECASE)


_ROMAN = {"I": 1, "V": 5, "X": 10}
_HOUR = re.compile(r"\s?(?:h\b|h\d|:\d|heures?\b|p\.?\s?m\b|a\.?\s?m\b|o'clock)", re.IGNORECASE)


def _roman(letters: str) -> float:
    values = [_ROMAN[c] for c in letters]
    return float(sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values)))


def _figure(written: str, language: Language) -> set[float]:
    """The values a figure may have: read with the language's marks, and with the other convention's."""
    out = set()
    for decimal in (language.decimal, "," if language.decimal == "." else "."):
        digits = "".join(c for c in written if c.isdigit() or c == decimal).replace(decimal, ".")
        try:
            out.add(float(digits))
        except ValueError:
            continue
    return out


def numbers(side: Side) -> list[Number]:
    """The numbers of a text, in figures, words and (French centuries) Roman numerals."""
    lang, found = side.language, []
    words = dict(lang.number_words)
    for m in _number_pattern(lang).finditer(side.text):
        if m.group("hour"):  # a time: 21h30 = 9.30 pm = 21:30
            hour, minute = int(m.group("hour")), int(m.group("minute") or 0)
            values = {h + minute / 100 for h in (hour, hour - 12 if hour > 12 else hour + 12)}
            values |= {float(hour)} if not minute else set()
        elif m.group("figure"):
            values = _figure(m.group("figure"), lang)
            if len(m.group("figure")) == 2:  # les années 80, the 1980s
                values |= {1900 + v for v in values if v.is_integer()}
        elif m.group("word"):
            values = {float(words[m.group("word").lower()])}
        else:
            values = {_roman(m.group("roman"))}
        after = side.text[m.end():m.end() + 24]
        if lang.half and re.match(lang.half, after, re.IGNORECASE):
            values |= {v + 0.5 for v in values}
        scale = _scale(m, side)
        if scale:
            values |= {v * scale[1] for v in values}
        values |= {v / s for v in list(values) for s in (1e3, 1e6, 1e9) if v >= s}
        if _HOUR.match(after):  # 15 h = 3 p.m.
            values |= {v - 12 for v in values if 12 < v <= 24} | {v + 12 for v in values if v <= 12}
        found.append(Number(m.start(), m.end(), frozenset(values), bool(m.group("word")), _quantity(m, side, scale)))
    return found


@functools.lru_cache(maxsize=None)
def _unit_pattern(language: Language) -> re.Pattern[str]:
    names = sorted((u for u, _, _ in language.units), key=len, reverse=True)
    return re.compile(r"\s?(%s)(?![\w/])" % "|".join(map(re.escape, names)), re.IGNORECASE)


@functools.lru_cache(maxsize=None)
def _scale_pattern(language: Language) -> re.Pattern[str] | None:
    if not language.scales:
        return None
    names = sorted((w for w, _ in language.scales), key=len, reverse=True)
    joiner = f"(?:{language.scale_joiner})?" if language.scale_joiner else ""
    return re.compile(r"\s*(%s)\b\s*%s" % ("|".join(map(re.escape, names)), joiner), re.IGNORECASE)


def _scale(m: re.Match[str], side: Side) -> tuple[int, int] | None:
    """Where the scale word after a number ("3 millions de") ends, and what it multiplies by."""
    pattern = _scale_pattern(side.language)
    scaled = pattern.match(side.text, m.end()) if pattern else None
    return (scaled.end(), dict(side.language.scales)[scaled.group(1).lower()]) if scaled else None


def _quantity(m: re.Match[str], side: Side, scale: tuple[int, int] | None) -> tuple[str, float, float] | None:
    """The dimension, amount and unit size of a figure with a unit after it, perhaps past its scale
    (``scale``, from :func:`_scale`: "16 millions de kg")."""
    lang = side.language
    if not lang.units or not m.group("figure"):
        return None
    unit = _unit_pattern(lang).match(side.text, scale[0] if scale else m.end())
    if unit is None:
        return None
    dimension, size = next((d, f) for u, d, f in lang.units if u.lower() == unit.group(1).lower())
    written = "".join(c for c in m.group("figure") if c.isdigit() or c == lang.decimal)  # the language's own reading
    return dimension, float(written.replace(lang.decimal, ".")) * size * (scale[1] if scale else 1), size


def number_hints(side: Side) -> frozenset[float]:
    """The values the side's words that may stand for a number have ("a decade", "une trentaine"), and
    the numbers of the months it names ("le 11 septembre", "9/11")."""
    months = side.language.calendar[:12]
    found = {float(i) for i, month in enumerate(months, 1) if _key(month) in side.keys}
    return frozenset(found | {v for pattern, values in side.language.number_hints if re.search(pattern, side.lower)
                              for v in values})


def _unmatched(mine: list[Number], theirs: list[Number], other: Side) -> list[Number]:
    """The numbers of ``mine`` that ``theirs`` (the numbers of ``other``) lack: not the same value, nor
    the same quantity within 8% in another unit ("130 mph", "210 km/h"; in the same unit a number must
    be the same), nor a value of the other side's :func:`number_hints` ("10 ans", "a decade")."""
    pool = frozenset().union(*(n.values for n in theirs))
    sizes = [n.quantity for n in theirs if n.quantity]

    def converted(q: tuple[str, float, float]) -> bool:
        return any(d == q[0] and unit != q[2] and abs(v - q[1]) <= 0.08 * max(v, q[1]) for d, v, unit in sizes)

    left = [n for n in mine if not n.values & pool and not (n.quantity and converted(n.quantity))]
    if not left:  # the hints are looked for only where a number is still unmatched
        return left
    hints = number_hints(other)
    return [n for n in left if not n.values & hints]


def _aside(side: Side, n: Number, other: Side) -> bool:
    """Whether a number is in brackets, where the other side has none."""
    before = side.text[:n.start]
    return before.count("(") > before.count(")") and "(" not in other.text


@check("number")
def _numbers(p: Pairing) -> Iterator[Flag]:
    lost, new = p.lost_numbers, _unmatched(p.translation_numbers, p.source_numbers, p.source)
    # A number in words may be rendered freely ("deux" as "both"), and one in brackets the other side
    # lacks may be a conversion ("250 meters (820 feet)"); one in figures may not, nor a changed one.
    soft = [n.word or _aside(side, n, other) for ns, side, other in ((lost, p.source, p.translation),
                                                                      (new, p.translation, p.source)) for n in ns]
    if all(soft) and not (lost and new):
        return
    if lost:
        n = lost[0]
        said = p.source.text[n.start:n.end]
        message = f"The source's number {said!r} is not in the translation"
        if new:
            message += f", which has {p.translation.text[new[0].start:new[0].end]!r} instead"
        yield Flag("number", message + ".", (n.start, n.end), (new[0].start, new[0].end) if new else None)
    else:
        n = new[0]
        yield Flag("number", f"The translation's number {p.translation.text[n.start:n.end]!r} is not in the source.",
                   None, (n.start, n.end))


# -- negation -----------------------------------------------------------------

def negations(side: Side, *, weak: bool = False) -> list[tuple[int, int]]:
    """Where the text says no: one span per negation the language's rules find (``weak``: and where it
    may say so less plainly)."""
    patterns = side.language.negations + (side.language.weak_negations if weak else ())
    found = {m.span() for pattern in patterns for m in re.finditer(pattern, side.lower)
             if not any(a <= m.start() < b for a, b in side.not_negations)}
    # A capitalised word inside a sentence is part of a name: "Médecins Sans Frontières", "Did Not Finish".
    return sorted((a, b) for a, b in found if not (side.text[a].isupper() and not _OPENERS.search(side.text[:a])))


def _loose(side: Side, strong: list[tuple[int, int]]) -> int:
    """How many of a side's weak negations stand apart from its plain ones (each plain one reaches to the
    end of its clause: "n'était toujours pas" is one negation, not a plain one and a weak one)."""
    reach = []
    for start, _ in strong:
        end = _CLAUSE_END.search(side.lower, start)
        reach.append((start, end.start() if end else len(side.lower)))
    return sum(not any(a <= start <= b for a, b in reach) for start, _ in negations(side, weak=True))


_CLAUSE_END = re.compile(r"[,;.!?:]")


@check("negation")
def _negation(p: Pairing) -> Iterator[Flag]:
    # Plainly negative on one side, not on the other, and no word there that may say no unless the first
    # side has one like it ("empêché" / "prevented"): a negation is lost or added.
    s, t = negations(p.source), negations(p.translation)
    if s and not t and _loose(p.translation, t) <= _loose(p.source, s):
        yield Flag("negation", "The source says no here, but the translation has no negation.", s[0], None)
    elif t and not s and _loose(p.source, s) <= _loose(p.translation, t):
        yield Flag("negation", "The translation says no, but the source has no negation.", None, t[0])


# -- names --------------------------------------------------------------------

_OPENERS = re.compile(r"(?:^|[.!?:;…«“\"(\[—–-])\s*$")


def names(side: Side) -> list[Word]:
    """Capitalised words not at a sentence's start (and acronyms anywhere): the names a translation keeps."""
    lang, out = side.language, []
    common, scales = _common(lang.code), dict(lang.scales)
    for w in map(_unelided, side.words):
        if not w.text[0].isupper() or len(w.text) < 2 or _CENTURY.fullmatch(w.text) or w.key in scales:
            continue
        if re.match(r"i'", w.key):  # I'm, I've
            continue
        acronym = _acronym(w.text)
        if not acronym and (side.headline or _OPENERS.search(side.text[:w.start]) or w.key in lang.titles
                            or w.key in common or w.key.split("'")[-1] in common):
            continue
        out.append(w)
    return out


_CENTURY = re.compile(r"[IVX]+(?:e|er|ème)")
_ELIDED = re.compile(r"[^\W\d_]{1,2}['’](?=[^\W\d_])")


def _unelided(w: Word) -> Word:
    """A word without the elided article or preposition before it: "l'Iran" is the name "Iran"."""
    m = _ELIDED.match(w.text)
    if not m or not w.text[m.end()].isupper():
        return w
    return Word(w.start + m.end(), w.end, w.text[m.end():], _key(w.text[m.end():]))


def _acronym(text: str) -> bool:
    """Whether a word is written as an acronym: two capitals or more (UE, OPCW, MDGs)."""
    return sum(c.isupper() for c in text) >= 2


@functools.lru_cache(maxsize=None)
def _common(code: str) -> frozenset[str]:
    """The words of ``code`` seen in lower case in text outside the review suite (data/common.CODE.txt):
    capitalised, they are common words in a name ("la Terre", "South Africa"), which a translation translates."""
    lines = resources.files("bilingua").joinpath("data", f"common.{code}.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(w for w in lines if w and not w.startswith("#"))


def _near(key: str, keys: frozenset[str]) -> bool:
    if len(key) < 4:
        return False
    # A shared beginning of five letters or more ("Australie", "Australian"); "Singh" is not "singing".
    stem = key[:max(5, len(key) - 3)]
    for other in keys:
        if other.startswith(stem) or (len(other) >= 5 and key.startswith(other[:max(5, len(other) - 3)])):
            return True
        if abs(len(other) - len(key)) <= 3 and difflib.SequenceMatcher(None, key, other).ratio() >= 0.8:
            return True
    return False


def _found(word: Word, other: Side, table: Mapping[str, tuple[str, ...]]) -> bool:
    """Whether a name is in the ``other`` text: as it is, in another spelling of ``table``, spelt nearly
    the same, or as an acronym with its letters in the other language's order (ONU / UNO, FMI / IMF) or
    standing for the other side's words (PS / Socialist Party)."""
    keys = other.keys
    if word.text.isupper() and len(word.key) >= 2 and "".join(sorted(word.key)) in other.initials:
        return True
    parts = [word.key, *(p for p in re.split(r"[-']", word.key) if len(p) >= 3)]  # not the "s" of "Muhammad's"
    if any(k in keys for k in parts):
        return True
    others = [k for part in parts for k in table.get(part, ())]
    if any(k in keys or _near(k, keys) for k in others):
        return True
    # A name of several words, written on the other side as its acronym (Nouvelle-Galles du Sud / NSW).
    if any(len(i) >= 2 and i in other.acronyms for i in map(_initials, others)):
        return True
    # A name written as a word that is an acronym on the other side, its letters reordered (Otan / NATO).
    if 3 <= len(word.key) <= 5 and not word.text.isupper() and any(
            sorted(word.key) == sorted(a) for a in other.acronyms):
        return True
    if word.text.isupper() and any(_translated_acronym(word.key, a) for a in other.acronyms):
        return True
    return _near(word.key, keys)


def _translated_acronym(mine: str, theirs: str) -> bool:
    """Whether two acronyms may stand for one name in two languages: about as long, and at least half of
    the letters shared, as the words they stand for share their initials (OIAC / OPCW, ASFC / CBSA)."""
    theirs = theirs[:-1] if len(theirs) > 2 and theirs.endswith("s") else theirs  # the MDGs
    shared = sum((Counter(mine) & Counter(theirs)).values())
    return abs(len(mine) - len(theirs)) <= 1 and 2 * shared >= max(len(mine), len(theirs))


def _initials(name: str) -> str:
    """The initials of a name's words, short ones ("of", "du") left out: "united states of america" gives "usa"."""
    words = [w for w in re.split(r"[ -]", name) if len(w) >= 3]
    return "".join(w[0] for w in words) if len(words) >= 2 else ""


@check("name")
def _names(p: Pairing) -> Iterator[Flag]:
    # A name of the source missing from the translation, where the translation has a name of its own that
    # the source lacks: a name swapped. A name rendered as common words ("la Bourse", "the stock
    # exchange") leaves no stray name behind.
    lost = p.lost_names
    if not lost:
        return
    stray = [w for w in names(p.translation) if not _found(w, p.source, p.reviewer.back_names)]
    if stray:
        w = lost[0]
        yield Flag("name", f"The name {w.text!r} is not in the translation, which has {stray[0].text!r} instead.",
                   (w.start, w.end), (stray[0].start, stray[0].end))


@functools.lru_cache(maxsize=None)
def _exonyms(source: str, target: str) -> dict[str, tuple[str, ...]]:
    """A name's other spellings in ``target``: the calendar's names, and the pair's table built from the
    CLDR, ISO 3166, FLORES-200 devtest and Tatoeba (``exonyms.A-B.tsv``: a name in A, a tab, its form in
    B; see scripts/build_review_data.py), read whichever way round it was written."""
    rows = [(_key(a), _key(b)) for a, b in zip(LANGUAGES[source].calendar, LANGUAGES[target].calendar)]
    data = resources.files("bilingua").joinpath("data")
    for first, second, flip in ((source, target, False), (target, source, True)):
        table = data.joinpath(f"exonyms.{first}-{second}.tsv")
        if not table.is_file():
            continue
        for line in table.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                a, b = (_key(w) for w in line.split("\t"))
                rows.append((b, a) if flip else (a, b))
    out: dict[str, list[str]] = {}
    common = _common(target)
    for mine, theirs in rows:
        out.setdefault(mine, []).append(theirs)
        # A word of a name of several ("Zélande" of "Nouvelle-Zélande") may be any word of the other's
        # ("New Zealand"): word orders differ (Amérique latine, Latin America); short words ("du") are none.
        words = [w for w in re.split(r"[ -]", theirs) if len(w) >= 4 and w not in common]
        for part in re.split(r"[ -]", mine):
            if len(part) >= 4 and part != mine:
                out.setdefault(part, []).extend(words)
        # Its first words may stand for it ("Nouvelle-Galles" of "Nouvelle-Galles du Sud"), and so may its
        # initials ("NSW", "USA"), written as an acronym.
        for cut in [m.start() for m in re.finditer(r"[ -]", mine)][1:]:  # two words at least
            out.setdefault(mine[:cut], []).append(theirs)
        initials = _initials(mine)
        if len(initials) >= 3:
            out.setdefault(initials, []).extend([theirs, *words])
    return {k: tuple(v) for k, v in out.items()}


# -- length: omission, addition, truncation -------------------------------------

def _stretch(p: Pairing) -> float:
    """How much longer (>0) or shorter (<0) the translation is than a human one would be, in standard
    deviations of the pair's log length ratio."""
    mean, spread = p.pair.length_ratio
    # Short sentences vary more: the spread grows as a sentence gets shorter than 60 characters.
    letters = max(p.source.letters, 1)
    spread *= math.sqrt(1 + 60 / letters)
    ratio = math.log(max(p.translation.letters, 1) / letters)
    return (ratio - mean) / spread


def _sentences(side: Side) -> int:
    return len(SENTENCE_END_INSIDE.findall(side.text.strip())) or 1


#: Beyond these many standard deviations a translation is too short or too long to be whole.
OMISSION_Z, ADDITION_Z, LENGTH_Z = -2.0, 2.8, -1.5
#: A translation this short that also lacks a name or a number of its source has left part of it out.
#: (Both thresholds were chosen on FLORES-200 devtest: the fewest false alarms at the omission recall of
#: the length alone, -1.9.)
OMISSION_LOST_Z = -1.6


@check("length")
def _length(p: Pairing) -> Iterator[Flag]:
    t = p.translation.text.strip()
    if not t or p.source.letters < 20:
        return
    cut = SENTENCE_END.search(p.source.text) and not SENTENCE_END.search(t) and not t.endswith((":", ";"))
    if cut and _stretch(p) < LENGTH_Z:
        yield Flag("length", "The translation stops short: it is shorter than its source and ends mid-sentence.",
                   None, (len(t), len(t)))


@check("omission")
def _omission(p: Pairing) -> Iterator[Flag]:
    if p.source.letters < 20 or not p.translation.text.strip():
        return
    z = _stretch(p)
    if z < OMISSION_Z:
        yield Flag("omission", "The translation is much shorter than its source: part of it may be left out.")
    elif z < OMISSION_LOST_Z and (p.lost_names or p.lost_numbers):
        lost = (p.lost_names or p.lost_numbers)[0]
        said = p.source.text[lost.start:lost.end]
        yield Flag("omission", f"The translation is shorter than its source and lacks its {said!r}: part of it "
                               "may be left out.", (lost.start, lost.end))


@check("addition")
def _addition(p: Pairing) -> Iterator[Flag]:
    if not p.translation.text.strip():
        return
    z = _stretch(p)
    more = _sentences(p.translation) > _sentences(p.source)
    if z > ADDITION_Z or (more and z > ADDITION_Z / 2):
        yield Flag("addition", "The translation is much longer than its source: it may add what the source does not say.")


# -- untranslated, repetition, protected, confidence -------------------------------

_DETECTOR = LanguageDetector(list(LANGUAGES))


@check("untranslated")
def _untranslated(p: Pairing) -> Iterator[Flag]:
    t, s = p.translation, p.source
    plain = [w.key for w in t.words if not w.text[0].isupper() and not w.text.isdigit()]
    if len(plain) < 2:
        return
    shared = sum(k in s.keys for k in plain) / len(plain)
    if shared < 0.5:
        return
    if shared >= 0.9 or _DETECTOR.best(t.text).language == p.pair.source:
        yield Flag("untranslated", f"The translation is still in {s.language.name}: the source came through untranslated.",
                   None, (0, len(t.text)))


def _loops(text: str) -> Iterator[re.Match[str]]:
    for m in re.finditer(r"(?<!\w)((?:\w+\W+?){1,6}?)\1{1,}", text + " "):
        unit = m.group(1).strip()
        times = len(m.group(0)) // max(len(m.group(1)), 1)
        if unit and (len(unit.split()) >= 2 or times >= 3) and not unit.isdigit():
            yield m


@check("repetition")
def _repetition(p: Pairing) -> Iterator[Flag]:
    source = p.source.lower
    for m in _loops(p.translation.text):
        unit = m.group(1).strip().lower()
        if re.search(rf"(?:{re.escape(unit)}\W+){{2,}}", source + " ") is None:
            yield Flag("repetition", f"The translation repeats {m.group(1).strip()!r}: the engine may have looped.",
                       None, (m.start(), min(m.end(), len(p.translation.text))))
            return


_KEPT = tuple(k for k in PROTECTED if k != "number")  # numbers are compared as values by the number check


@check("protected")
def _protected(p: Pairing) -> Iterator[Flag]:
    protector = p.reviewer.protector
    text = p.translation.text
    folded = text.casefold()
    for span in protector.find(p.source.text):
        written = p.source.text[span.start:span.end]
        glossary = span.text != written
        if not glossary and not any(re.fullmatch(PROTECTED[k], written) for k in _KEPT):
            continue
        if (span.text.casefold() not in folded) if glossary else (span.text not in text):
            what = f"the glossary's term {span.text!r}" if glossary else repr(written)
            yield Flag("protected", f"The translation lost {what}, which must come through as it is.",
                       (span.start, span.end), None)


@check("low_confidence")
def _confidence(p: Pairing) -> Iterator[Flag]:
    if p.score is not None and p.score < p.reviewer.min_score:
        yield Flag("low_confidence", f"The engine was unsure of this translation (score {p.score:.2f} < "
                   f"{p.reviewer.min_score:g}).")
