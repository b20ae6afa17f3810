"""Build the review's word data from data the review suite does not score (FLORES-200 devtest, the
Tatoeba pairs outside the suite's sample, OrangeSum's French articles) and from public gazetteers:
``python scripts/build_review_data.py [DATA_DIR] [--cldr-subdivisions DIR]``.

Writes, under src/bilingua/data/:

- ``common.fr.txt`` / ``common.en.txt``: the words written in lower case somewhere in that side of
  FLORES or of the Tatoeba pairs outside the suite, and, for French, at least twice in OrangeSum's
  test articles (web text, where a stray lower-case name is less rare): a capitalised word among
  them ("Terre", "South") is a common word in a name, which a translation may translate, not a name
  it must keep;
- ``exonyms.fr-en.tsv``: a French name and its English form (Suède / Sweden, français / French):
  the names of countries, regions, languages and time-zone cities in the Unicode CLDR (read through
  Babel; an English name of several words also gives its initials, United Kingdom / UK, and a country
  its ISO 3166 three-letter code, États-Unis / USA, read through pycountry); the
  subdivisions (Californie / California) and former countries (Tchécoslovaquie / Czechoslovakia) of
  ISO 3166-2 and 3166-3 in Debian's iso-codes (read through pycountry); the CLDR's subdivision names
  (Écosse / Scotland), which Babel lacks, from the ``cldr-subdivisions-full`` package when
  ``--cldr-subdivisions`` names its folder (``npm pack cldr-subdivisions-full@48.2.0``, unpacked);
  then from FLORES and the Tatoeba pairs outside the suite: where a sentence pair leaves exactly one
  unexplained name on each side, or where a name comes with one word of the other language in at
  least half the pairs that hold either (Dice coefficient).

It also prints the pair's length ratio (mean and standard deviation of the log of the translation's
letters over the source's, as ``Side.letters`` counts them), for ``Pair.length_ratio`` in bilingua/languages.py.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
from collections import Counter
from pathlib import Path

from bilingua.languages import LANGUAGES
from bilingua.review import Side, _common, _key, names
from bilingua.evaluation.review import tatoeba_sample

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", nargs="?", type=Path, default=ROOT.parent / "shared" / "evaldata")
    parser.add_argument("--cldr-subdivisions", type=Path, help="the unpacked cldr-subdivisions-full package")
    args = parser.parse_args()
    data = args.data
    fr = (data / "flores200_devtest/fra_Latn.devtest").read_text(encoding="utf-8").splitlines()
    en = (data / "flores200_devtest/eng_Latn.devtest").read_text(encoding="utf-8").splitlines()
    out = ROOT / "src" / "bilingua" / "data"
    # Tatoeba's pairs besides the review suite's sample, to find more words and names than FLORES has.
    tfr = (data / "tatoeba_fra_eng/tatoeba-test-v2021-08-07.fra").read_text(encoding="utf-8").splitlines()
    ten = (data / "tatoeba_fra_eng/tatoeba-test-v2021-08-07.eng").read_text(encoding="utf-8").splitlines()
    spare = sorted(set(range(len(tfr))) - set(tatoeba_sample(len(tfr))))
    articles = (data / "summarization/orangesum/summaries/abstracts/source_documents.txt").read_text(encoding="utf-8")
    extra = {"fr": {w for w, n in _lower_words(articles.splitlines(), "fr").items() if n >= 2}, "en": set()}
    fr_all, en_all = fr + [tfr[i] for i in spare], en + [ten[i] for i in spare]
    for code, lines in (("fr", fr_all), ("en", en_all)):
        words = sorted(set(_lower_words(lines, code)) | extra[code])
        also = ", and of OrangeSum's articles" if extra[code] else ""
        (out / f"common.{code}.txt").write_text(f"# lower-case words of FLORES-200 devtest {code} and of the Tatoeba pairs "
                                              f"outside the review suite{also}\n" + "\n".join(words) + "\n", encoding="utf-8")
    gazetteers = _from_cldr() | _from_iso_codes() | _from_cldr_subdivisions(args.cldr_subdivisions)
    rows = sorted(gazetteers | _by_elimination(fr_all, en_all) | _by_association(fr_all, en_all, "fr", "en")
                  | {(a, b) for b, a in _by_association(en_all, fr_all, "en", "fr")})
    rows = [(a, b) for a, b in rows if _key(a) != _key(b)]
    (out / "exonyms.fr-en.tsv").write_text("# French name<TAB>English name, from the Unicode CLDR (via Babel and "
                                           "cldr-subdivisions-full), ISO 3166-2/-3 (via pycountry), FLORES-200 "
                                           "devtest and Tatoeba outside the review suite (scripts/build_review_data.py)\n"
                                           + "".join(f"{a}\t{b}\n" for a, b in rows), encoding="utf-8")
    for source, target, a, b in (("fr", "en", fr, en), ("en", "fr", en, fr)):
        sides = [(Side(x, LANGUAGES[source]).letters, Side(y, LANGUAGES[target]).letters) for x, y in zip(a, b)]
        logs = [math.log(max(y, 1) / max(x, 1)) for x, y in sides]
        print(f"{source}-{target}: length_ratio=({statistics.mean(logs):.3f}, {statistics.stdev(logs):.3f})")
    print(f"{len(rows)} exonyms")


def _from_cldr() -> set[tuple[str, str]]:
    """The countries, regions, languages and time-zone cities as CLDR names them in French and in English."""
    from babel import Locale

    fr, en = Locale("fr"), Locale("en")
    rows = set()
    for table in ("territories", "languages"):
        theirs = getattr(en, table)
        for code, name in getattr(fr, table).items():
            english = theirs.get(code)
            if not english or "(" in name or "(" in english:
                continue
            rows.add((_key(name), _key(english)))
            words = english.split()
            if table == "territories" and len(words) > 1 and all(w[0].isupper() for w in words):
                rows.add((_key(name), "".join(w[0] for w in words).lower()))  # United Kingdom: UK
            if table == "territories":
                rows |= _alpha3(code, name)
    # The cities that name time zones ("Europe/Brussels": Bruxelles, Brussels).
    import zoneinfo

    from babel.dates import get_timezone_location

    for zone in sorted(zoneinfo.available_timezones()):
        if "/" not in zone or zone.startswith(("Etc/", "SystemV/", "US/")):
            continue
        try:
            cities = [get_timezone_location(zone, locale=code, return_city=True) for code in ("fr", "en")]
        except (LookupError, ValueError):
            continue
        if all(cities):
            rows.add((_key(cities[0]), _key(cities[1])))
    return rows


def _alpha3(code: str, name: str) -> set[tuple[str, str]]:
    """A country's ISO 3166 three-letter code, which writers use as its acronym (États-Unis / USA), unless it
    is a common word of either language (CAN, MAR): then it is no name."""
    import pycountry

    country = pycountry.countries.get(alpha_2=code) if len(code) == 2 else None
    alpha3 = country.alpha_3.lower() if country else ""
    if not alpha3 or alpha3 in _common("en") or alpha3 in _common("fr"):
        return set()
    return {(_key(name), alpha3)}


def _from_iso_codes() -> set[tuple[str, str]]:
    """The subdivisions and former countries of ISO 3166 whose French name differs from the English one
    (Debian's iso-codes, read through pycountry): Californie / California, Tchécoslovaquie / Czechoslovakia.
    A name that is a common word of either language ("Est" / "Eastern") is left out: it is no name."""
    import gettext

    import pycountry

    rows = set()
    for domain, items in (("iso3166-2", pycountry.subdivisions), ("iso3166-3", pycountry.historic_countries)):
        french = gettext.translation(domain, pycountry.LOCALES_DIR, languages=["fr"])
        for item in items:
            # "Wales [Cymru GB-CYM]": the bracket holds another name; "Edinburgh, City of" is a description.
            en, fr = (re.sub(r"\s*\[.*?\]", "", name).strip() for name in (item.name, french.gettext(item.name)))
            if not {",", "("} & set(en + fr) and _key(fr) not in _common("fr") and _key(en) not in _common("en"):
                rows.add((_key(fr), _key(en)))
    return rows


def _from_cldr_subdivisions(folder: Path | None) -> set[tuple[str, str]]:
    """The CLDR's French and English names of subdivisions (Écosse / Scotland), from cldr-subdivisions-full."""
    if folder is None:
        return set()

    def read(code: str) -> dict[str, str]:
        tree = json.loads((folder / "subdivisions" / code / f"{code}.json").read_text(encoding="utf-8"))
        return tree["subdivisions"]["localeDisplayNames"]["subdivisions"]

    english = read("en")
    return {(_key(name), _key(english[code])) for code, name in read("fr").items() if code in english}


def _lower_words(lines: list[str], code: str) -> Counter[str]:
    """How often each word of two letters or more is written in lower case in ``lines``."""
    return Counter(w.key for line in lines for w in Side(line, LANGUAGES[code]).words if w.text.islower() and len(w.text) > 1)


def _by_elimination(fr: list[str], en: list[str]) -> set[tuple[str, str]]:
    """Where a sentence pair leaves exactly one French name and one English name unexplained, they are one name."""
    common_en = _common("en")
    found = set()
    for f, e in zip(fr, en):
        fs, es = Side(f, LANGUAGES["fr"]), Side(e, LANGUAGES["en"])
        lost = [w for w in names(fs) if w.key not in es.keys]
        unexplained = [w for w in names(es) if w.key not in fs.keys]
        # A common English word ("Governor") is a title beside the name, not the name's English form.
        if len(lost) == 1 and len(unexplained) == 1 and unexplained[0].key not in common_en:
            found.add((lost[0].key, unexplained[0].key))
    return found


def _by_association(src: list[str], tgt: list[str], s: str, t: str, least: int = 3) -> set[tuple[str, str]]:
    """A name of ``s`` and the ``t`` word that comes with it most often (Dice coefficient 0.5 or more,
    together at least ``least`` times): Allemagne / Germany, French / français."""
    alone: Counter[str] = Counter()
    both: Counter[tuple[str, str]] = Counter()
    for a, b in zip(src, tgt):
        keys = set(Side(b, LANGUAGES[t]).keys)
        alone.update(keys)
        for w in {w.key for w in names(Side(a, LANGUAGES[s]))}:
            alone[f"{s}:{w}"] += 1
            both.update((w, k) for k in keys)
    best: dict[str, tuple[float, str]] = {}
    for (w, k), n in both.items():
        dice = 2 * n / (alone[f"{s}:{w}"] + alone[k])
        # Ties go to the word that sorts last, whatever the order the counts were made in.
        if n >= least and dice >= 0.5 and (dice, k) > best.get(w, (0.0, "")):
            best[w] = (dice, k)
    return {(w, k) for w, (_, k) in best.items()}


if __name__ == "__main__":
    main()
