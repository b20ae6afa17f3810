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
    #: Abbreviations (of pysbd's lists) that are also everyday words and abbreviate only when capitalised:
    #: "Me." is Maine, "with me." ends a sentence.
    capital_abbreviations: frozenset[str] = frozenset()
    #: Abbreviations pysbd's list lacks, after which a full stop ends no sentence ("approx. the").
    abbreviations: frozenset[str] = frozenset()
    #: Words that make a short sentence after a quotation its attribution ('"Now!" De Bock concludes.'),
    #: part of the quotation's sentence, as a pattern.
    speech_verbs: str = ""
    summary_model: bool = False
    #: Snowball's name for the language (ROUGE's stemmer), and whether rouge-score's own Porter stemmer is for it.
    snowball: str = ""
    porter: bool = False
    #: How numbers are written: the decimal mark, and what may group the thousands.
    decimal: str = "."
    thousands: str = ","
    #: Numbers written as words (the review compares them as values); words that are also something
    #: else ("un" an article, "neuf" new) are left out.
    number_words: tuple[tuple[str, int], ...] = ()
    #: Words that multiply the number before them ("3 millions"), and what may join them to a unit
    #: after them, as a pattern ("3 millions de tonnes").
    scales: tuple[tuple[str, int], ...] = ()
    scale_joiner: str = ""
    #: Words that may stand for a number without being one ("decade", "premier", "une", "twins"), as a
    #: pattern over lower-cased text and the values it may have: they may match the other side's
    #: number, and are never missed themselves.
    number_hints: tuple[tuple[str, tuple[float, ...]], ...] = ()
    #: What, after a number and perhaps one word, adds a half to it ("12 ans et demi", "eight and a half").
    half: str = ""
    #: Units written after a number, as words or symbols, each with its dimension and its size in that
    #: dimension's base unit (metres, kilograms, metres per second): "18 pouces" is 0.457 m. A symbol
    #: that is also something else in the language is left out (English "m" is often a million).
    units: tuple[tuple[str, str, float], ...] = ()
    #: What makes a clause negative, as regular expressions over lower-cased text (one match per negation).
    negations: tuple[str, ...] = ()
    #: What may render a negation less plainly ("failed to" for "n'a pas réussi"): a side that has one
    #: of these is not said to have lost the other side's negation.
    weak_negations: tuple[str, ...] = ()
    #: Phrases that hold a negation's word but say no negation ("plus que jamais", more than ever; "not
    #: only"; "or not", whether or not): a negation found inside one of them is none.
    not_negations: tuple[str, ...] = ()
    #: Months then weekdays, in calendar order: the same index in two languages is the same name.
    calendar: tuple[str, ...] = ()
    #: How to take a negation out of a sentence, as (pattern, replacement) over text, tried in order:
    #: how the review's challenge suite makes a translation lose its negation.
    unnegations: tuple[tuple[str, str], ...] = ()
    #: Contractions, as a pattern over lower-cased text (with no capturing group of its own) and the
    #: letters their full form adds ("don't" is "do not", one more): the review measures a sentence's
    #: length with them spelled out, since whether a translator contracts says nothing of what the
    #: translation leaves out.
    contractions: tuple[tuple[str, int], ...] = ()
    #: The possessive ending of a word, as a pattern over its lower-cased key: an acronym without it is
    #: the acronym ("the OPCW's inspectors").
    possessive: str = ""


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
    #: The log of a human translation's length over its source's (letters and digits), as mean and
    #: standard deviation, measured on FLORES-200 devtest by scripts/build_review_data.py: what the
    #: review's omission and addition checks call too short or too long.
    length_ratio: tuple[float, float] = (0.0, 0.15)

    @property
    def name(self) -> str:
        return f"{self.source}-{self.target}"

    def model(self, tier: str = DEFAULT_TIER) -> Model:
        """The default model of ``tier``."""
        for name, model in self.tiers:
            if name == tier:
                return model
        raise InputError(f"tier must be one of {', '.join(TIERS)}; got {tier!r}")


def _words(names: str, first: int) -> tuple[tuple[str, int], ...]:
    """Words for the numbers from ``first`` on, in order; a ``-`` skips a number whose word is ambiguous."""
    return tuple((word, value) for value, word in enumerate(names.split(), first) if word != "-")


#: The determiners, pronouns and negative words after which French "sans" negates a verb or a noun phrase
#: ("sans le savoir", "sans un mot", "sans jamais").
_FR_AFTER_SANS = ("le|la|les|l['’]|un|une|des|du|de|d['’]|ce|cet|cette|ces|mon|ma|mes|ton|ta|tes|son|sa|ses|notre|nos|"
                   "votre|vos|leur|leurs|aucune?|même|tout|toute|tous|toutes|me|m['’]|te|t['’]|se|s['’]|nous|vous|lui|"
                   "y|en|jamais|rien|personne|plus|ni")

#: A word after French "non" that makes it a prefix of an adjective ("non urgent"), not a word of its own.
_FR_NON_ADJECTIVE = r"(?!(?:pas|plus|à|au|aux|de|du|des|en|par|pour|sur|dans|avec|sans|que|qu|seulement|loin)\b)[a-zà-ÿœ]"


LANGUAGES: dict[str, Language] = {
    "fr": Language(
        "fr", "French",
        titles=frozenset("dr pr me mgr mme mmes mlle mlles st ste av apr sen gen gén".split()),
        starters=frozenset("le la les l un une des ce cet cette ces il elle ils elles on nous vous je mais et en "
                           "dans selon pour par au aux du de d si quand alors cependant depuis après avant".split()),
        clause_words=("et", "ou", "mais", "donc", "car", "puis", "qui", "que", "dont", "où"),
        abbreviations=frozenset("approx max min vol ch inc corp".split()),
        snowball="french",
        decimal=",",
        thousands=" \u00a0\u202f\u2009.",
        number_words=_words("deux trois quatre cinq six sept huit - dix onze douze treize quatorze quinze seize "
                            "dix-sept dix-huit dix-neuf vingt", 2) + (("trente", 30), ("quarante", 40),
                           ("cinquante", 50), ("soixante", 60), ("soixante-dix", 70), ("quatre-vingts", 80),
                           ("quatre-vingt", 80), ("quatre-vingt-dix", 90), ("cent", 100), ("mille", 1000),
                           ("zéro", 0), ("millième", 1000))
        + _words("- troisième quatrième cinquième sixième septième huitième neuvième dixième onzième douzième "
                 "treizième quatorzième quinzième seizième dix-septième dix-huitième dix-neuvième vingtième", 2),
        units=(("mètres", "length", 1.0), ("mètre", "length", 1.0), ("kilomètres", "length", 1000.0),
               ("kilomètre", "length", 1000.0), ("centimètres", "length", 0.01), ("pouces", "length", 0.0254),
               ("pouce", "length", 0.0254), ("pieds", "length", 0.3048), ("milles", "length", 1609.344),
               ("kilos", "mass", 1.0), ("kilogrammes", "mass", 1.0), ("tonnes", "mass", 1000.0),
               ("tonne", "mass", 1000.0), ("livres", "mass", 0.4536), ("km/h", "speed", 1 / 3.6),
               ("km", "length", 1000.0), ("cm", "length", 0.01), ("mm", "length", 0.001), ("m", "length", 1.0),
               ("kg", "mass", 1.0), ("mètres cubes", "volume", 1.0), ("m3", "volume", 1.0), ("m³", "volume", 1.0),
               ("litres", "volume", 0.001), ("litre", "volume", 0.001)),
        scales=(("mille", 10**3), ("million", 10**6), ("millions", 10**6), ("milliard", 10**9), ("milliards", 10**9),
                ("md", 10**9), ("billion", 10**12), ("billions", 10**12)),
        scale_joiner=r"de\s+|d['’]\s*",
        number_hints=((r"\bpremi(?:er|ère)s?\b", (1,)), (r"\b(?:seconde?|deuxième)s?\b", (2,)),
                      (r"\b(?:double|jumea(?:u|ux)|jumelles?|paire|couple|deux fois)\b", (2,)),
                      (r"\bmoitié\b|\bdemie?\b|\bmi-", (0.5,)), (r"\bdécennies?\b", (10,)),
                      (r"\bdouzaines?\b", (12,)), (r"\bquinzaines?\b", (14, 15)), (r"\bvingtaines?\b", (20,)),
                      (r"\btrentaines?\b", (30,)), (r"\bquarantaines?\b", (40,)), (r"\bcinquantaines?\b", (50,)),
                      (r"\bsoixantaines?\b", (60,)), (r"\bcentaines?\b", (100,)), (r"\bmilliers?\b", (1000,)),
                      (r"\bsiècles?\b", (100,)), (r"\bmillénaires?\b", (1000,))),
        half=r"^(?:\s+\w+)?\s+et\s+demie?\b",
        # "ne" with its partner (pas, plus, jamais...) in the clause, not "ne ... que" (only) nor the
        # expletive "ne" of "avant qu'il ne parte".
        # "N'oubliez pas" (remember) and "ne manquez pas de" (be sure to) say yes.
        # "ne pas arrêter de" and "ne manquer pas de" say yes ("keep doing").
        negations=(r"\b(?:ne\b|n['’])(?!\s*(?:oubli|manqu|hésit|arrêt\w*\s+pas\s+d|cess\w*\s+pas\s+d))"
                   r"(?=[^,;.!?]*?\b(?:pas|plus|jamais|rien|personne|aucune?|aucunement|guère|point|ni|nulle?)\b)",
                   # The written language's "ne" alone with pouvoir, savoir and oser: "ne peut être prédit".
                   r"\b(?:ne\b|n['’])(?=\s*(?:peu[tv]|pouv|pourr|sai[st]|sav|saur|os)\w*\b)(?![^,;.!?]*\bqu(?:e\b|['’]))",
                   # "sans" before a verb, a determiner or a pronoun; "sans gravité" is "minor" (a weak one).
                   r"\bsans\b(?=\s+(?:(?:toutefois|pourtant|même|\w+ment)\s+)?(?:que\b|qu['’]|(?:" + _FR_AFTER_SANS
                   + r")\b|\w+(?:er|ir|re|oir)\b))"
                   r"(?! (?:doute|cesse|danger|risque)\b)",
                   r"(?<!\bn['’])\bjamais\b(?![^,;.!?]*\bne\b)", r"\bnulle part\b",
                   r"\brien\b(?<!\bde rien)", r"\baucune?\b", r"\bpersonne ne\b",
                   # "non" alone ("Non !", "moi non plus") or in a contrast ("et non à l'hôtel"); before an
                   # adjective ("procédures non urgentes": "elective") it is a weak one.
                   r"\bnon\b(?![-‑])(?!\s+(?:seulement|loin)\b)(?:(?<=\bet non)|(?<=\bmais non)|(?<=, non)|(?!\s+" + _FR_NON_ADJECTIVE + "))"),
        # "jamais" without "ne" after a comparison, "que" or "si" is "ever" (le pire jamais vu, plus que
        # jamais, si jamais); "rien que" is "only"; "ou non" asks (whether or not).
        # As English "not ... until" and "not impossible": "ne ... pas avant" and "tant que ... ne ... pas" are
        # "until", "pas impossible" says yes.
        not_negations=(r"\b(?:plus|moins|pire|meilleure?s?|premi(?:er|ère)s?|seule?s?)\b[^,;.!?]{0,40}?\bjamais\b",
                       r"\b(?:que|si|à) jamais\b", r"\brien qu", r"\bou non\b",
                       r"\b(?:ne\b|n['’])[^,;.!?]{0,60}\b(?:avant (?:que|qu['’]|d['’]|de)|jusqu['’]à|tant que?)\b",
                       r"\btant que?\b[^,;.!?]{0,40}(?:\bne\b|n['’])",
                       r"\b(?:ne\b|n['’])[^,;.!?]{0,30}\bpas (?:impossible|improbable|exclu|négligeable|rare|inhabituel)"),
        #: Words that say no less plainly (échouer, "l'absence de"): a translation may render a negation with them.
        weak_negations=(r"\b(?:ne\b|n['’])(?![^,;.!?]*\bqu)", r"\béchou", r"\bpeu\b", r"\binutile", r"\bincapable", r"\babsen", r"\bmanqu", r"\bfaute de\b",
                        r"\bévit", r"\bempêch", r"\bau lieu\b", r"\bplutôt que\b", r"\bprivée?s?\b", r"\brefus",
                        r"\bnon-", r"\bni\b", r"\bpas\b", r"\bjamais\b", r"\bin(?:connu|capable|suffisant)",
                        r"\bimpossib", r"\binterdi", r"\b(?:in|im|ir|il)\w+(?:ible|able)s?\b", r"\bfau(?:x|sses?)\b",
                        r"\bgratuit", r"\bà peine\b", r"\bsans\b", r"\bnon\s+(?=" + _FR_NON_ADJECTIVE + ")", r"\bà défaut d", r"\bindemnes?\b",
                        # "ignorer" is "not to know", "dépourvu de" "without", "dans l'incapacité de" "unable to"
                        r"\bignor", r"\bdépourvue?s?\b", r"\bincapacit"),
        calendar=tuple("janvier février mars avril mai juin juillet août septembre octobre novembre décembre "
                       "lundi mardi mercredi jeudi vendredi samedi dimanche".split()),
        unnegations=((r"\b(?:ne\s+|n['’])(\w+)\s+(?:pas|point)\b", r"\1"),
                     (r"\b(?:ne\s+|n['’])(\w+)\s+jamais\b", r"\1 toujours"),
                     (r"\b(?:ne\s+|n['’])(\w+)\s+plus\b", r"\1 encore"),
                     (r"\b(?:ne\s+|n['’])(\w+)\s+rien\b", r"\1 tout"), (r"\bsans\b", "avec"),
                     (r"\b(?:ne\s+|n['’])(\w+)\s+(?:pas|plus|jamais|rien)\b", r"\1"),
                     (r"\bjamais\b", "toujours"), (r"\brien\b", "tout"), (r"\bnon\b", "oui")),
    ),
    "en": Language(
        "en", "English",
        # Figures grouped by spaces ("£4 500 million") are rarer in English, but a French writer's English has them.
        thousands=", \u00a0\u202f\u2009",
        titles=frozenset("dr mr mrs ms prof sen rep gov gen st rev capt lt col sgt".split()),
        starters=frozenset("the a an it he she they we i you this that these those but and in on at for according "
                           "after before when if there his her their its as so".split()),
        clause_words=("and", "or", "but", "so", "because", "then", "which", "who", "that", "where"),
        # US states and months that are words, and "Ph." (a doctorate; "pH." is the unit).
        capital_abbreviations=frozenset("is me miss ill mass wash man may mar ken ida ph".split()),
        abbreviations=frozenset("approx incl excl hrs mins yr yrs wk govt resp tel cf vol ch".split()),
        speech_verbs=r"(?:say|said|says|tell|told|tells|ask|asked|asks|add|added|adds|explain|explained|explains|"
                     r"conclude|concluded|concludes|note|noted|notes|recall|recalled|recalls|insist|insisted|insists|"
                     r"continue|continued|continues|reply|replied|replies|write|wrote|writes|warn|warned|warns|"
                     r"argue|argued|argues|admit|admitted|admits|stress|stressed|stresses|laments|lamented)",
        summary_model=True,
        snowball="english",
        porter=True,
        number_words=_words("two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
                            "sixteen seventeen eighteen nineteen twenty", 2) + (("thirty", 30), ("forty", 40),
                           ("fifty", 50), ("sixty", 60), ("seventy", 70), ("eighty", 80), ("ninety", 90),
                           ("hundred", 100), ("thousand", 1000), ("zero", 0), ("dozen", 12), ("one", 1),
                           ("thousandth", 1000))
        + _words("- third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth fourteenth "
                 "fifteenth sixteenth seventeenth eighteenth nineteenth twentieth", 2),
        scales=(("thousand", 10**3), ("million", 10**6), ("millions", 10**6), ("billion", 10**9), ("billions", 10**9),
                ("trillion", 10**12), ("trillions", 10**12)),
        scale_joiner=r"of\s+",
        number_hints=((r"\b(?:first|single|once)\b", (1,)), (r"\b(?:second|twice|both|twins?|pair|couple|double)\b", (2,)),
                      (r"\bhalf\b", (0.5,)), (r"\bdecades?\b", (10,)), (r"\bdozens?\b", (12,)),
                      (r"\bfortnight\b", (14, 15)), (r"\bcentur(?:y|ies)\b", (100,)), (r"\bmillenni(?:um|a)\b", (1000,))),
        half=r"^(?:\s+\w+)?[\s-]+and[\s-]+a[\s-]+half\b",
        units=(("metres", "length", 1.0), ("meters", "length", 1.0), ("metre", "length", 1.0), ("meter", "length", 1.0),
               ("kilometres", "length", 1000.0), ("kilometers", "length", 1000.0), ("inches", "length", 0.0254),
               ("inch", "length", 0.0254), ("feet", "length", 0.3048), ("foot", "length", 0.3048),
               ("miles", "length", 1609.344), ("mile", "length", 1609.344), ("yards", "length", 0.9144),
               ("pounds", "mass", 0.4536), ("pound", "mass", 0.4536), ("tons", "mass", 1000.0),
               ("tonnes", "mass", 1000.0), ("kilos", "mass", 1.0), ("km/h", "speed", 1 / 3.6),
               ("mph", "speed", 0.44704), ("km", "length", 1000.0), ("cm", "length", 0.01), ("mm", "length", 0.001),
               ("ft", "length", 0.3048), ("kg", "mass", 1.0), ("lbs", "mass", 0.4536), ("lb", "mass", 0.4536),
               ("cubic metres", "volume", 1.0), ("cubic meters", "volume", 1.0), ("cubic feet", "volume", 0.0283168),
               ("gallons", "volume", 0.0037854), ("litres", "volume", 0.001), ("liters", "volume", 0.001)),
        # "not uncommon" and "no matter how" say yes.
        negations=(r"\bnot\b(?! (?:un(?!der|til|ited|ion|ique|iversit|less)\w+|impossible|insignificant|inconsiderable|infrequent)\b)", r"n['’]t\b", r"\bcannot\b", r"\bnever\b",
                   r"\bno\b(?!\.\s*\d)(?!-)(?! matter\b)",
                   r"\bnothing\b", r"\bnobody\b", r"\bno[ -]one\b", r"\bnone\b", r"\bnowhere\b", r"\bneither\b",
                   r"\bnor\b", r"\bwithout\b"),
        # "not only" adds (but "do not only want" says no); "or not" asks (whether or not); "not ... until"
        # is "only then", as "ne ... que" is; "not long ago" is "recently".
        not_negations=(r"(?<!\bdo )(?<!\bdoes )(?<!\bdid )\bnot only\b", r"\bor not\b",
                       r"(?:\bnot\b|n['’]t\b)[^,;.!?]{0,60}\buntil\b", r"\bnot long (?:ago|after|before)\b",
                       # "nothing less than", "no less than" and "none the less" say yes; "nothing but" is "only"
                       r"\b(?:nothing|no) (?:less|short) (?:than|of)\b", r"\bnone the less\b", r"\bnothing (?:else )?but\b"),
        weak_negations=(r"\bnon-(?=\w)", r"\bfail", r"\bunable\b", r"\black", r"\binstead\b", r"\babsen",
                        r"\brefus", r"\bden(?:y|ied|ies)\b", r"\bavoid", r"\bprevent", r"\brather than\b",
                        r"-free\b", r"\bun(?!ited|til|der|ion|ique|iversit)\w+(?:ed|able|ible|ful|known|ly)\b",
                        r"\bimpossib", r"\bban(?:s|ned)?\b", r"\bforbid", r"\bin(?:complete|capable|sufficient)",
                        r"\b(?:in|im|ir|il|dis)\w+(?:ible|able)\b", r"\w+less(?:ly|ness)?\b", r"\bshort of\b",
                        r"\bhard to\b", r"\bfalse\b", r"\bfree\b", r"\bhardly\b", r"\bbarely\b",
                        r"\bas opposed to\b", r"\blimited\b", r"\bfew\b", r"\blittle\b", r"\byet to\b", r"\bwrong\b",
                        r"\bun(?:clear|aware|happy|sure|fair|fit|well|true|safe|easy|wise|real|willing)\b"),
        calendar=tuple("january february march april may june july august september october november december "
                       "monday tuesday wednesday thursday friday saturday sunday".split()),
        unnegations=((r"\bcannot\b", "can"), (r"\bcan['’]t\b", "can"), (r"\bwon['’]t\b", "will"),
                     (r"\b(do|does|did|is|are|was|were|has|have|had|could|would|should|must)n['’]t\b", r"\1"),
                     (r"\bnot\s+", ""), (r"\bnever\b", "always"), (r"\bnothing\b", "something"),
                     (r"\bnobody\b", "somebody"), (r"\bno one\b", "someone"), (r"\bwithout\b", "with"),
                     (r"\bnone\b", "all"), (r"\bno\b", "some")),
        possessive=r"'s$|(?<=s)'$",
        contractions=((r"\bwon['’]t\b", 3), (r"\bcan['’]t\b", 2), (r"n['’]t\b", 1), (r"\w['’](?:m|re)\b", 1),
                      (r"\w['’](?:ve|ll)\b", 2), (r"\w['’]d\b", 3), (r"\blet['’]s\b", 1)),
    ),
}

PAIRS: dict[str, Pair] = {
    "fr-en": Pair("fr", "en", (
        ("fast", Model("Helsinki-NLP/opus-mt-fr-en", "b4a9a384c2ec68a224bbd2ee3fd5df0c71ca5b1b")),
        ("quality", Model("Helsinki-NLP/opus-mt-tc-big-fr-en", None)),
    ), length_ratio=(-0.170, 0.126)),
    "en-fr": Pair("en", "fr", (
        ("fast", Model("Helsinki-NLP/opus-mt-en-fr", None)),
        ("quality", Model("Helsinki-NLP/opus-mt-tc-big-en-fr", None)),
    ), length_ratio=(0.170, 0.126)),
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
