"""The format laws, checked on every registered format: generated documents, real files, named cases.

The laws and what they compare are in ``tests/laws`` (``laws.py`` says what
each law is, ``views.py`` what a document's text and structure are,
``strategies.py`` how documents are generated). The format list is the
registry's (:data:`bilingua.formats.FORMATS`): a new format gets every law,
and fails until it has a view and a strategy. Generated examples run under
the Hypothesis profile ``ci`` (bounded, derandomized; ``BILINGUA_LAWS_PROFILE``
picks another); ``scripts/fuzz.py`` runs the same laws for longer. The
number of documents each law checked is written to
``.hypothesis/laws-examples.json`` after the module.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bilingua.formats import FORMATS
from laws import laws
from laws.strategies import DOCUMENTS, build_docx, mutations
from laws.limits import LIMITS, limit_of
from test_roundtrip import FILES, ROOT, documented

PROFILE = settings.get_profile(os.environ.get("BILINGUA_LAWS_PROFILE", "ci"))
NAMES = list(FORMATS)


@pytest.fixture(scope="module", autouse=True)
def _count_examples() -> object:
    """Writes how many documents each law checked (the examples the run made) once the module is done."""
    laws.EXAMPLES.clear()
    yield
    out = Path(__file__).parents[1] / ".hypothesis" / "laws-examples.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"total": sum(laws.EXAMPLES.values()), **laws.EXAMPLES}, indent=1))


def documents(form: str) -> st.SearchStrategy[object]:
    if form not in DOCUMENTS:
        pytest.fail(f"the {form} format has no strategy: add one to tests/laws/strategies.py")
    return DOCUMENTS[form]


# -- generated documents -------------------------------------------------------------------------------------

@pytest.mark.parametrize("form", NAMES)
def test_identity_gives_every_document_back_unchanged(form: str) -> None:
    @settings(PROFILE)
    @given(documents(form))
    def law(document: object) -> None:
        laws.identity(form, document)  # type: ignore[arg-type]
    law()


@pytest.mark.parametrize("engine", laws.REORDERING)
@pytest.mark.parametrize("form", NAMES)
def test_reordered_words_keep_every_character_and_element(form: str, engine: str) -> None:
    @settings(PROFILE)
    @given(documents(form))
    def law(document: object) -> None:
        assume(limit_of(form, document) is None)  # a known limit: its own named test below
        laws.conservation(form, document, engine)  # type: ignore[arg-type]
    law()


@pytest.mark.parametrize("engine", laws.RESIZING)
@pytest.mark.parametrize("form", NAMES)
def test_dropped_or_repeated_words_keep_every_element(form: str, engine: str) -> None:
    @settings(PROFILE)
    @given(documents(form))
    def law(document: object) -> None:
        assume(limit_of(form, document) is None)  # a known limit: its own named test below
        laws.structure_kept(form, document, engine)  # type: ignore[arg-type]
    law()


@pytest.mark.parametrize("form", NAMES)
def test_text_that_looks_like_markup_stays_text(form: str) -> None:
    @settings(PROFILE)
    @given(documents(form))
    def law(document: object) -> None:
        assume(limit_of(form, document) is None)  # a known limit: its own named test below
        laws.no_new_markup(form, document)  # type: ignore[arg-type]
    law()


@pytest.mark.parametrize("form", NAMES)
def test_any_bytes_give_a_translation_or_an_input_error(form: str) -> None:
    @settings(PROFILE)
    @given(st.binary(max_size=300))
    def law(data: bytes) -> None:
        laws.never_crashes(form, data)
    law()


@pytest.mark.parametrize("form", NAMES)
def test_a_broken_document_gives_a_translation_or_an_input_error(form: str) -> None:
    documents(form)

    @settings(PROFILE)
    @given(mutations(form))
    def law(data: bytes) -> None:
        laws.never_crashes(form, data, "reverse")
    law()


# -- real files ----------------------------------------------------------------------------------------------

#: Real files that fall under a known limit (tests/laws/limits.py), with it.
REAL_LIMITS = {"markdown-it-py-4.3.0/tests__test_port__fixtures__commonmark_extras.md": "markdown-literal-delimiters"}


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(ROOT)) for p in FILES])
def test_a_real_file_keeps_its_characters_and_elements_when_reversed(path: Path) -> None:
    from bilingua.formats import format_of
    from bilingua.io import read_bytes, read_text

    name = str(path.relative_to(ROOT))
    if documented().get(name, ("",))[0] == "refused":
        pytest.skip(f"refused, as docs/documents.md says: {documented()[name][1]}")
    if name in REAL_LIMITS:  # strict: the day the limit is lifted, this says so
        pytest.xfail(f"a known limit, {REAL_LIMITS[name]}: {LIMITS[REAL_LIMITS[name]]}")
    form = format_of(path)
    laws.EXAMPLES["real files"] += 1
    laws.conservation(form, read_bytes(str(path)) if FORMATS[form].binary else read_text(str(path)), "reverse")


# -- named examples: cases from real files -------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Installez-le avec `pip` (`pip3` si besoin) depuis PyPI.\n",
    "Voir `Configuration`.`number_threads` ici.\n",
    "Voir (`x`) puis `y` aussi.\n",
    "un tiret (`-`) plutôt qu'un deux-points (`:`)\n",
    "double `*`'s ou `_`'s\n",
    "このツールは`pip`を使います。\n",
])
def test_markdown_code_spans_beside_punctuation_come_back_unchanged(text: str) -> None:
    laws.identity("markdown", text)


@pytest.mark.parametrize(("words", "prefix"), [(5, "1995."), (1, "-"), (2, "+"), (3, "#"), (4, ">")])
def test_a_translation_that_starts_like_a_block_marker_stays_a_paragraph(words: int, prefix: str) -> None:
    from bilingua.backends.scramble import PREFIXES

    assert PREFIXES[words % len(PREFIXES)] == prefix  # the markup engine starts this sentence with it
    laws.no_new_markup("markdown", " ".join(["Bonjour", "le", "monde", "entier", "ici"][:words]) + "\n")


@pytest.mark.parametrize("tag", ["<RIRES & APPLAUDISSEMENTS>", "<i></i>"])
def test_a_tag_only_cue_takes_no_word_from_the_next(tag: str) -> None:
    srt = (f"1\n00:00:01,000 --> 00:00:02,000\n{tag}\n\n"
           "2\n00:00:02,000 --> 00:00:04,000\nLe conseil s'est réuni mardi.\n")
    laws.identity("srt", srt)
    laws.conservation("srt", srt, "reverse")


def test_a_docx_form_line_keeps_its_tabs_and_blanks() -> None:
    line = [("plain", "Nom du signataire :"), *[("tab",)] * 17, ("blank", 24), ("plain", " (à remplir).")]
    laws.identity("docx", build_docx([line]))
    laws.conservation("docx", build_docx([line]), "reverse")


# -- named examples: minimal failures the laws found (shrunk by Hypothesis, or cut down from a real file) ------

@pytest.mark.parametrize(("form", "document", "engine"), [
    # The image's stand-in for the model ("`image`") comes out as text; the emphasis wraps the image instead.
    ("markdown", "*le* le ![le](/image.png)\n", "punct_front"),
    # Parentheses glued to a code span are dropped when their punctuation moves.
    ("markdown", "(`x`)\n", "punct_front"),
    # An emphasis glued to a code span, or to another emphasis, is lost when the words move.
    ("markdown", "le le `x`*le*\n", "rotate"),
    ("markdown", "le\n\nle le &amp; le *le&amp;*_le le_\n", "reverse"),
    # A bold word is emptied: its text goes out of the element.
    ("html", "<p>le le.<b>le.</b></p>", "reverse"),
    # A cue line's tags are dropped when the cue's two lines are translated as one sentence.
    ("srt", "1\n00:00:00,000 --> 00:00:02,000\n<i>le!</i>\nle le.\n", "reverse"),
    ("vtt", "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nle!\n<i>le.</i>\n", "reverse"),
    # Protection reads "2024 l" (litres), "26,8 kB" and "`` x ``"'s inner "` x `" as spans, and puts each back
    # in place of the whole words aligned with it: "'Union", "/seconde." and the quotes and backticks are lost.
    ("text", "2024 l'Union\n", "reverse"),
    ("html", "<p>Débit : 26,8 kB/seconde.</p>", "reverse"),
    ("text", 'a "`` x ``" b\n', "reverse"),
])
def test_a_minimal_reordering_failure_keeps_characters_and_elements(form: str, document: str, engine: str) -> None:
    laws.conservation(form, document, engine)


@pytest.mark.parametrize(("form", "document", "engine"), [
    ("markdown", "le\n\nle le *le <span>le</span>*\n", "fewer"),  # the emphasis is written twice
    ("html", "<p>le.<b>le.</b></p>", "more"),  # the bold element is emptied
    ("srt", "1\n00:00:00,000 --> 00:00:02,000\nle.\n<i>conseil le le municipal.</i>\n", "more"),  # tags dropped
])
def test_a_minimal_resizing_failure_keeps_every_element(form: str, document: str, engine: str) -> None:
    laws.structure_kept(form, document, engine)


@pytest.mark.parametrize(("form", "document"), [
    ("markdown", "le *<https://ex.fr/page>*\n"),  # the emphasis around an autolink is lost
    ("srt", "1\n00:00:00,000 --> 00:00:02,000\nle.\n"),  # "- " written first reads as a dialogue dash
])
def test_a_minimal_markup_failure_adds_no_markup(form: str, document: str) -> None:
    laws.no_new_markup(form, document)


def test_docx_a_tab_between_two_runs_is_kept() -> None:
    laws.identity("docx", build_docx([[("text", "le.", False, False), ("tab",), ("text", "le.", False, False)]]))


def test_docx_a_field_keeps_its_result_and_a_blank_run_is_kept() -> None:
    # The underlined blank run is dropped and the field's result "1" is moved out of the field.
    laws.identity("docx", build_docx([[("text", "le.", False, False), ("blank", 1), ("field", " PAGE ", "1")]]))


def test_markdown_a_backtick_inside_emphasis_comes_back_unchanged() -> None:
    laws.identity("markdown", "le\n\nle _` le le_\n`_`\n")  # came back with its words written twice


def test_docx_a_content_control_keeps_its_text_when_words_move() -> None:
    laws.conservation("docx", build_docx([[("tab",), ("sdt", "le conseil")]]), "reverse")


def test_docx_a_hyperlink_is_not_split_in_two_when_words_move() -> None:
    line = [("plain", "Un "), ("link", "lien utile", "https://ex.fr/a"), ("plain", ".")]
    laws.conservation("docx", build_docx([line]), "reverse")


def test_markdown_a_bare_carriage_return_is_translated_or_refused() -> None:
    laws.never_crashes("markdown", b"a\rb\nc d\n", "reverse")  # IndexError in translate_markdown


def test_docx_a_corrupt_compressed_part_is_refused() -> None:
    import io
    import zipfile

    from laws.strategies import Broken, Plan

    plan = Plan([[("text", "le.", False, False)]])
    with zipfile.ZipFile(io.BytesIO(build_docx(list(plan)))) as z:
        part = z.getinfo("word/document.xml")
    start = part.header_offset + 30 + len(part.filename) + len(part.extra)  # its first compressed byte
    laws.never_crashes("docx", Broken((plan, None, start, 0x41)))  # zlib.error, not an InputError


# -- known limits: each must fail until it is lifted (tests/laws/limits.py) --------------------------------------

@pytest.mark.parametrize(("limit", "document", "engine"), [
    ("markdown-emphasis-across-a-break", "le\n\n*le le le <span>le</span> le* *le   \n le*\n", "reverse"),
    ("markdown-emphasis-across-a-break", "le\n\n*le   \n le* *le <span>le</span>*\n", "reverse"),
    ("markdown-literal-delimiters", "Issue commonmark/cmark#383:\n*****Hello*world****\n", "reverse"),
])
def test_a_known_limit_still_breaks_its_minimal_case(limit: str, document: str, engine: str) -> None:
    assert limit_of("markdown", document) == limit
    try:
        laws.conservation("markdown", document, engine)
    except AssertionError:
        pytest.xfail(LIMITS[limit])
    pytest.fail(f"{limit} holds now: remove it from tests/laws/limits.py and docs/documents.md")
