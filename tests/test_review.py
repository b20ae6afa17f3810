"""Review flags: each check on sentences a user would write, both directions, and where the flags go."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import bilingua
from bilingua import Flag, Review, Reviewer
from bilingua.errors import InputError


def kinds(text: str, translation: str, **kw) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    return bilingua.review([text], [translation], **kw)[0].kinds()


@pytest.mark.parametrize("source, translation", [
    ("Le taux est de 3,5 % en 2024.", "The rate is 3.5% in 2024."),
    ("Il a payé 1 000 euros pour deux billets.", "He paid 1,000 euros for two tickets."),
    ("La séance commence à 21h30.", "The session starts at 9.30pm."),
    ("Il a perdu 3 millions d'euros.", "He lost 3 million euros."),
    ("Au XIXe siècle, la ville comptait 12 000 habitants.", "In the 19th century, the town had 12,000 inhabitants."),
    ("Un conducteur roulant à 210 km/h a été arrêté.", "A driver doing 130mph was stopped."),  # another unit
    ("Elle était à 15 m du sommet.", "She was 50ft from the top."),
    # A number in words may be part of a compound adjective, and one with a scale may have a unit.
    ("Il faut 10 ans de service et 6 mois de stage.", "It takes a ten-year service and a six-month internship."),
    ("Ils ont vendu 16 millions de kg de bonbons.", "They sold 35 million pounds of sweets."),
    ("Sa capacité est de 63 milliards de mètres cubes.", "Its capacity is 2.2 trillion cubic feet."),
    ("L'âge moyen est de 12 ans et demi.", "The average age is 12.5 years."),
    # Words that may stand for a number: a decade, about thirty, the month in a date, "No. 1".
    ("Il y a près de 10 ans, il est parti.", "Almost a decade ago, he left."),
    ("Ils étaient une trentaine.", "There were up to 30 of them."),
    ("Puis, bien sûr, le 11 septembre.", "And then, of course, 9/11."),
    ("Il a débuté à la première place.", "It debuted at No. 1."),
    ("La banque libère 4,5 milliards de livres.", "The bank frees £4 500 million."),  # grouped by a space
])
def test_numbers_are_compared_as_values(source: str, translation: str) -> None:
    assert "number" not in kinds(source, translation)


def test_a_changed_number_is_flagged_with_both_spans() -> None:
    source, translation = "Le taux est de 3,5 % en 2024.", "The rate is 4.5% in 2024."
    (r,) = bilingua.review([source], [translation])
    (flag,) = [f for f in r.flags if f.kind == "number"]
    assert not r.ok
    assert source[slice(*flag.source_span)] == "3,5" and translation[slice(*flag.translation_span)] == "4.5"
    assert "3,5" in flag.message and "4.5" in flag.message


def test_a_number_added_or_lost_is_flagged() -> None:
    assert "number" in kinds("Il est venu en 1998.", "He came in 1989.")
    assert "number" in kinds("Il a 40 ans.", "He is old.")
    assert "number" in kinds("La route fait 150 km.", "The road is 151 km long.")  # the same unit: the same number
    assert "number" in kinds("Elle était à 15 m du sommet.", "She was 80ft from the top.")
    assert "number" in kinds("The report has 12 pages.", "Le rapport a 21 pages.", source="en", target="fr")
    # What may stand for a number matches only its own value.
    assert "number" in kinds("Il y a 20 ans, il est parti.", "A decade ago, he left.")
    assert "number" in kinds("Il a 9 ans.", "He is an eight-year-old.")
    assert "number" in kinds("Ils ont vendu 16 millions de kg.", "They sold 90 million pounds.")


def test_a_lost_negation_is_flagged_both_ways() -> None:
    assert "negation" in kinds("Il ne viendra pas demain.", "He will come tomorrow.")
    assert "negation" not in kinds("Il ne viendra pas demain.", "He will not come tomorrow.")
    assert "negation" not in kinds("Il n'a jamais menti.", "He has never lied.")
    assert "negation" in kinds("The meeting is not on Monday.", "La réunion est lundi.", source="en", target="fr")
    assert "negation" not in kinds("I can't come.", "Je ne peux pas venir.", source="en", target="fr")
    assert "negation" in kinds("Il viendra demain.", "He will not come tomorrow.")
    # a litotes says yes, a name is no negation, and a weaker negation answers one like it
    assert "negation" not in kinds("C'est courant ici.", "It is not uncommon here.")
    assert "negation" not in kinds("Selon Médecins Sans Frontières, l'épidémie grandit.",
                                   "According to Doctors Without Borders, the outbreak is growing.")
    assert "negation" not in kinds("Aucun dommage n'a été signalé, mais la panne a empêché l'alerte.",
                                   "No damage was reported, but the outage prevented the warning.")
    assert "negation" in kinds("Aucun dommage n'a été signalé, mais la panne a empêché l'alerte.",
                               "Some damage was reported, but the outage prevented the warning.")


def test_negation_words_that_say_no_negation() -> None:
    # "plus que jamais" (more than ever), "non seulement" / "not only", "ou non" / "or not"
    assert "negation" not in kinds("La crise est plus grave que jamais.", "The crisis is worse than ever.")
    assert "negation" not in kinds("C'est la mission la plus difficile jamais entreprise.",
                                   "It is the hardest mission ever undertaken.")
    assert "negation" not in kinds("Il vend non seulement des livres, mais aussi des disques.",
                                   "He sells not only books but also records.")
    assert "negation" not in kinds("Il faut savoir si c'est sûr ou non.", "We must know whether or not it is safe.")
    # "ne ... que" and "not ... until" both say "only then"; "ne peut être" says no without "pas"
    assert "negation" not in kinds("Le pont n'a ouvert qu'en 2017.", "The bridge did not open until 2017.")
    assert "negation" not in kinds("Cela ne peut être prédit.", "This cannot be predicted.")
    assert "negation" in kinds("Cela ne peut être prédit.", "This can be predicted.")
    # a bare "jamais" still says never; the prefix "non-" is no plain negation
    assert "negation" in kinds("Un film jamais vu en France.", "A film seen in France.")
    assert "negation" not in kinds("Ils ont signé un pacte de non-agression.", "They signed a pact.")


def test_negations_said_as_adjectives_or_idioms() -> None:
    # "sans" before a noun and "non" before an adjective make adjectives ("minor", "elective"): weak ones
    assert "negation" not in kinds("Il a eu un accident sans gravité.", "He had a minor accident.")
    assert "negation" not in kinds("Les procédures non urgentes reprendront.", "Elective procedures will resume.")
    # before a verb or in a contrast they say no
    assert "negation" in kinds("Il est parti sans le dire.", "He left and said it.")
    assert "negation" in kinds("Le pays appartient au peuple et non à un seul dirigeant.",
                               "The country belongs to the people and to one sole ruler.")
    # "ne ... pas ... avant que" and "tant que ... ne" are "until", as "not ... until" is
    assert "negation" not in kinds("Ils ne doivent pas les rallumer avant que l'avion atterrisse.",
                                   "They must restart them only once the plane lands.")
    assert "negation" not in kinds("Le Fonds refuse de payer tant que le pays n'aura pas agi.",
                                   "The Fund refuses to pay until the country has acted.")
    # "ne pas arrêter de" is "keep doing"; "pas impossible" is "possible"
    assert "negation" not in kinds("Ce sont deux hommes qui n'arrêtent pas de se disputer.", "It is two men butting heads.")
    assert "negation" not in kinds("Il n'est pas impossible que cela change.", "It is possible that this will change.")
    # words that say no on both sides: "nulle part" / "nowhere", "aucunement", "no-one", "have yet to", "unclear"
    assert "negation" not in kinds("Le parti est arrivé de nulle part.", "The party came from nowhere.")
    assert "negation" not in kinds("Il n'a aucunement manifesté cette intention.", "He did not show that intention.")
    assert "negation" not in kinds("Il veut que personne ne se sente trompé.", "He wants to make sure no-one feels misled.")
    assert "negation" not in kinds("C'est un mystère que je ne suis pas encore arrivé à élucider.",
                                   "It's a mystery I have yet to solve.")
    assert "negation" not in kinds("On ne sait pas si Obama savait.", "It is unclear whether Obama knew.")
    # "not long ago" is "recently"
    assert "negation" not in kinds("Les voitures ont été équipées récemment.", "The cars were equipped not long ago.")
    # Tatoeba's: "ignorer" is "not to know", "dépourvu de" "has no"; "nothing less than" says yes; "ne ... pas
    # ... tant que" is "not ... until"; "ne sais quoi" says no without "pas"; "not understand" says no
    assert "negation" not in kinds("J'ignore comment conduire une voiture.", "I do not know how to drive a car.")
    assert "negation" not in kinds("Il est dépourvu de défauts.", "He has no faults.")
    assert "negation" not in kinds("C'était un vrai miracle.", "It was nothing less than a miracle.")
    assert "negation" not in kinds("Tu ne peux pas partir tant que tu n'as pas dit au revoir.",
                                   "You can't leave until you've said goodbye.")
    assert "negation" not in kinds("Je ne sais quoi ajouter.", "I don't know what more I can say.")
    assert "negation" not in kinds("Je n'ai pas compris de quoi il retournait.", "I did not understand what it was about.")
    assert "negation" in kinds("Je n'ai pas compris de quoi il retournait.", "I did understand what it was about.")


def test_names_allow_exonyms_and_catch_a_swap() -> None:
    assert "name" not in kinds("Il habite à Londres depuis 2010.", "He has lived in London since 2010.")
    assert "name" not in kinds("L'Allemagne et la Suède ont signé.", "Germany and Sweden signed.")
    assert "name" not in kinds("Selon l'ONU, la crise dure.", "According to the UN, the crisis goes on.")
    assert "name" in kinds("M. Dupont a rencontré Obama à Genève.", "Mr. Dupont met Merkel in Geneva.")
    # a name after an elided article is a name; an acronym may stand for the other side's words
    assert "name" in kinds("Le mois dernier, l'Iran a connu sa pire catastrophe aérienne.",
                           "Last month Africa saw its worst air disaster.")
    assert "name" not in kinds("Cela gêne la campagne du PS à Paris.", "This hinders the Socialist Party's campaign "
                                                                        "in Paris.")
    # a translated acronym shares half its letters (OIAC / OPCW); an unrelated one is a swap
    assert "name" not in kinds("Le directeur de l'OIAC l'a annoncé.", "The director of the OPCW announced it.")
    assert "name" in kinds("Le directeur de l'OIAC l'a annoncé.", "The director of the NASA announced it.")
    # the places of ISO 3166 and the CLDR's subdivisions are in the table
    assert "name" not in kinds("Il vit en Écosse, pas en Californie.", "He lives in Scotland, not in California.")
    # a headline's capitals are not names
    assert "name" not in kinds("Un blessé grave dans un accident sur le ring de Bruxelles", source="fr",
                               translation="One Seriously Injured in Accident on Brussels Ring Road")


def test_omission_and_addition_follow_the_pairs_lengths() -> None:
    long_fr = ("Le gouvernement a annoncé hier une réforme des retraites, qui sera présentée au Parlement "
               "en mars prochain après une longue concertation avec les syndicats.")
    assert "omission" in kinds(long_fr, "The government announced a reform yesterday.")
    assert "addition" in kinds("Il pleut.", "It is raining. The weather service said the storm will last for "
                                            "three more days across the whole region.")
    faithful = ("The government announced yesterday a pension reform, which will be presented to Parliament "
                "next March after a long consultation with the unions.")
    assert bilingua.review([long_fr], [faithful])[0].ok


def test_contractions_are_measured_spelled_out() -> None:
    # "We're not old" is as whole as "We are not old": whether a translator contracts is no omission.
    assert "omission" not in kinds("Nous ne sommes pas vieux.", "We're not old.")
    assert "omission" not in kinds("Je pensais que vous seriez parties et m'auriez quittée.", "I thought you'd gone and left me.")
    assert "omission" in kinds("Je pensais que vous seriez parties et m'auriez quittée.", "I thought you'd gone.")


def test_a_shorter_translation_without_a_name_of_its_source_is_an_omission() -> None:
    source = "Le ministre Dupont a annoncé jeudi à Lyon une réforme des retraites attendue depuis longtemps par les syndicats."
    short = bilingua.review([source], ["Minister Dupont announced on Thursday a reform long awaited by unions."])[0]
    assert short.kinds() == ("omission",) and "'Lyon'" in short.flags[0].message
    assert short.flags[0].source_span == (source.index("Lyon"), source.index("Lyon") + 4)
    # as short, but with every name: the length alone does not say so much
    assert "omission" not in kinds(source, "Minister Dupont announced in Lyon on Thursday a reform awaited by unions.")


def test_a_translation_cut_off_mid_sentence_is_flagged_length() -> None:
    source = ("Le gouvernement a annoncé hier une réforme des retraites, qui sera présentée au Parlement "
              "en mars prochain après une longue concertation.")
    assert "length" in kinds(source, "The government announced yesterday a pension reform, which will")


def test_untranslated_and_repetition() -> None:
    source = "Le chat dort sur le canapé du salon."
    (flag,) = [f for f in bilingua.review([source], [source])[0].flags if f.kind == "untranslated"]
    assert "French" in flag.message
    looped = "The cat is sleeping on the sofa on the sofa on the sofa on the sofa on the sofa."
    (r,) = bilingua.review([source], [looped])
    rep = [f for f in r.flags if f.kind == "repetition"]
    assert rep and "on the sofa" in looped[slice(*rep[0].translation_span)]


def test_protected_spans_and_glossary_terms_must_come_through() -> None:
    source = "Voir https://example.org/doc ou écrire à aide@example.org pour les détails."
    (r,) = bilingua.review([source], ["See the website or write to us for details."])
    lost = [f for f in r.flags if f.kind == "protected"]
    assert [source[slice(*f.source_span)] for f in lost] == ["https://example.org/doc", "aide@example.org"]
    assert "protected" not in kinds(source, "See https://example.org/doc or write to aide@example.org for details.")
    glossary = {"tableau de bord": "Dashboard"}
    assert "protected" in kinds("Ouvrez le tableau de bord.", "Open the board.", glossary=glossary)
    assert "protected" not in kinds("Ouvrez le tableau de bord.", "Open the Dashboard.", glossary=glossary)


def test_low_confidence_reads_the_engines_score() -> None:
    assert kinds("Il dort.", "He sleeps.", scores=[-3.0]) == ("low_confidence",)
    assert kinds("Il dort.", "He sleeps.", scores=[-0.2]) == ()
    assert Reviewer(min_score=-0.1).review("Il dort.", "He sleeps.", -0.2).kinds() == ("low_confidence",)


def test_review_refuses_what_it_cannot_pair() -> None:
    with pytest.raises(InputError, match="2 sources but 1 translations"):
        bilingua.review(["Un.", "Deux."], ["One."])
    with pytest.raises(InputError, match="checks must be among"):
        Reviewer(checks=["spelling"])
    with pytest.raises(InputError):
        bilingua.review(["Un."], ["Eins."], source="fr", target="de")
    assert bilingua.review([""], [""]) == [Review()]
    assert Reviewer(checks=["number"]).review("Il ne vient pas.", "He comes.").ok


def test_flags_are_plain_values() -> None:
    flag = Flag("number", "m.", (1, 2), None)
    assert Review((flag,)).ok is False and Review().ok is True
    from bilingua.review import check

    with pytest.raises(ValueError, match="unknown flag kind"):
        check("spelling")
    with pytest.raises(AttributeError):
        flag.kind = "name"  # type: ignore[misc]


def test_one_reviewer_serves_many_threads() -> None:
    reviewer = Reviewer()
    pairs = [("Le taux est de 3,5 %.", "The rate is 4.5%."), ("Il ne vient pas.", "He comes."),
             ("Il habite à Londres.", "He lives in London."), ("Le chat dort.", "Le chat dort.")] * 50
    alone = [reviewer.review(s, t) for s, t in pairs]
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(lambda p: Reviewer.review(reviewer, *p), pairs))
    assert together == alone
    assert [r.kinds() for r in alone[:4]] == [("number",), ("negation",), (), ("untranslated",)]


def test_process_flags_every_segment(marian_dir: Path) -> None:
    pipe = bilingua.Pipeline(model=str(marian_dir), summarizer="extractive")
    result = pipe.process("Le taux est de 3,5 % en 2024. Il ne viendra pas demain.\n\nLe chat dort.")
    assert "review" in result.timings and len(result.segments) == 3
    reviewer = Reviewer()
    for seg in result.segments:
        assert seg.flags == reviewer.review(seg.source, seg.translation, seg.score).flags
    as_dict = result.to_dict()
    assert all("flags" in s for s in as_dict["segments"])
    json.dumps(as_dict)
    # a summary made from the source: its sentences carry their flags too
    picked = pipe.process("Le taux est de 3,5 % en 2024. Il ne viendra pas demain. Le chat dort. Il pleut.",
                          summary_from="source")
    assert picked.summary_segments
    for seg in picked.summary_segments:
        assert seg.flags == reviewer.review(seg.source, seg.translation, seg.score).flags


def run_cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bilingua", *args], capture_output=True, text=True, input=stdin,
                          timeout=300)


def test_cli_review_reads_two_files(tmp_path: Path) -> None:
    src, hyp = tmp_path / "fr.txt", tmp_path / "en.txt"
    src.write_text("Le taux est de 3,5 %.\nIl habite à Londres.\n", encoding="utf-8")
    hyp.write_text("The rate is 4.5%.\nHe lives in London.\n", encoding="utf-8")
    done = run_cli("review", "--src", str(src), "--hyp", str(hyp), "--format", "jsonl")
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["ok"] for r in rows] == [False, True] and rows[0]["line"] == 1
    assert rows[0]["flags"][0]["kind"] == "number" and rows[0]["flags"][0]["source_span"] == [15, 18]
    whole = json.loads(run_cli("review", "--src", str(src), "--hyp", str(hyp), "--format", "json").stdout)
    assert (whole["pair"], whole["lines"], whole["flagged"], whole["kinds"]) == ("fr-en", 2, 1, {"number": 1})
    text = run_cli("review", "--src", str(src), "--hyp", str(hyp), "--checks", "name,negation")
    assert text.returncode == 0 and text.stdout == "0 of 2 lines to check (fr-en)\n"
    out = tmp_path / "report.txt"
    assert run_cli("review", "--src", str(src), "--hyp", str(hyp), "-o", str(out)).returncode == 0
    assert out.read_text(encoding="utf-8").startswith("line 1: number: ")
    # the other direction, told or detected
    back = run_cli("review", "--src", str(hyp), "--hyp", str(src), "--from", "auto", "--format", "json")
    assert json.loads(back.stdout)["pair"] == "en-fr", back.stderr
    hyp.write_text("The rate is 4.5%.\n", encoding="utf-8")
    short = run_cli("review", "--src", str(src), "--hyp", str(hyp))
    assert short.returncode == 1 and "2 lines but" in short.stderr and short.stdout == ""
    bad = run_cli("review", "--src", str(src), "--hyp", str(hyp), "--checks", "spelling")
    assert bad.returncode == 2 and "checks must be among" in bad.stderr


def test_cli_translate_review_prints_flags_to_stderr(marian_dir: Path) -> None:
    text = "Le chat dort. Il a 40 ans.\n"
    # --min-score 0: every sentence the engine was not certain of is flagged, so each has a flag to print
    done = run_cli("translate", "--model", str(marian_dir), "--review", "--min-score", "0", stdin=text)
    assert done.returncode == 0, done.stderr
    plain = run_cli("translate", "--model", str(marian_dir), stdin=text)
    assert done.stdout == plain.stdout and "check" not in plain.stderr  # stdout holds the translation alone
    pipe = bilingua.Pipeline(model=str(marian_dir), summarizer="extractive", review=bilingua.ReviewOptions(min_score=0))
    segments = pipe.process(text, summarize=False).segments
    assert all(s.flags for s in segments)
    for seg in segments:
        for flag in seg.flags:
            assert f"check line 1: {flag.kind}: {flag.message} | {seg.source}" in done.stderr
    assert "2 of 2 sentences to check" in done.stderr
    refused = run_cli("translate", "--model", str(marian_dir), "--review", "--format", "json", stdin=text)
    assert refused.returncode == 2 and "--review" in refused.stderr


def test_names_written_as_acronyms_in_the_other_language() -> None:
    # a name's initials (NSW, USA), an acronym-word with its letters reordered (Otan / NATO), a possessive acronym
    assert "name" not in kinds("Le premier ministre de la Nouvelle-Galles du Sud a parlé.", "The NSW premier spoke.")
    assert "name" not in kinds("The NSW premier spoke.", "Le premier ministre de la Nouvelle-Galles du Sud a parlé.",
                               source="en", target="fr")
    assert "name" not in kinds("Les États-Unis ont répondu à Paris.", "The USA replied to Paris.")
    assert "name" not in kinds("Le sommet de l'Otan s'ouvre à Berlin.", "The NATO summit opens in Berlin.")
    assert "name" not in kinds("Les inspecteurs de l'OIAC ont confirmé.", "The OPCW's inspectors confirmed.")
    # a name swapped beside them is still one
    assert "name" in kinds("Le sommet de l'Otan s'ouvre à Berlin.", "The NATO summit opens in Madrid.")
    assert "name" in kinds("Les États-Unis ont répondu à Paris.", "The USA replied to Rome.")
