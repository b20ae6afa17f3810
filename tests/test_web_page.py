"""The web page at /, in a real headless Chromium (Debian's, driven by Playwright)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import Server

from bilingua import Pipeline

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium here: apt-get install -y chromium (.ci/run does) to run the browser test"
)

TEXT = (
    "Le conseil municipal s'est réuni mardi soir. Les travaux commenceront au printemps.\n\n"
    "Le maire a présenté le budget. Les habitants ont posé des questions. La séance a duré trois heures."
)


@pytest.fixture(scope="module")
def page(server: Server):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(accept_downloads=True)
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
        page = context.new_page()
        page.requested = []  # type: ignore[attr-defined]
        page.on("request", lambda r: page.requested.append(r.url))  # type: ignore[attr-defined]
        page.goto(server.url + "/")
        yield page
        browser.close()


def test_the_page_translates_side_by_side_with_the_summary(page, server: Server, marian_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    alone = Pipeline(str(marian_dir), backend="ctranslate2", compute_type="float32", beams=1, summarizer="extractive")
    expected = alone.process(TEXT)
    page.fill("#source", TEXT)
    page.click("#translate")
    page.wait_for_selector("#status:has-text('sentences translated')", timeout=60_000)
    rows = page.locator("#segments tbody tr")
    assert rows.count() == len(expected.segments) == 5
    for k, seg in enumerate(expected.segments):
        cells = rows.nth(k).locator("td")
        assert cells.nth(0).inner_text() == seg.source
        assert cells.nth(1).inner_text() == seg.translation
        assert ("low" in (rows.nth(k).get_attribute("class") or "")) == (seg.score < -1.5)
        # a flagged row says why in its tooltip (a random model's sentences all have flags)
        assert seg.flags and "flagged" in (rows.nth(k).get_attribute("class") or "")
        assert rows.nth(k).get_attribute("title") == "\n".join(f.message for f in seg.flags)
        assert rows.nth(k).get_attribute("data-flags") == " ".join(f.kind for f in seg.flags)
    assert "paragraph-start" in (rows.nth(2).get_attribute("class") or "")  # the second paragraph starts there
    assert page.inner_text("#summary") == expected.summary

    with page.expect_download() as download:
        page.click("#download")
    saved = tmp_path / "translation.en.txt"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "translation.en.txt"
    assert saved.read_text(encoding="utf-8") == expected.translation

    page.click("#copy")
    page.wait_for_selector("#copied:has-text('Copied')")
    assert page.evaluate("navigator.clipboard.readText()") == expected.translation
    # Everything came from bilingua itself: no CDN, nothing from the internet.
    assert page.requested and all(url.startswith(server.url + "/") for url in page.requested)


def test_a_file_is_loaded_and_an_empty_text_is_refused_on_the_page(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "article.txt"
    source.write_text("Bonjour à tous.\nLe chat dort.\n", encoding="utf-8")
    page.set_input_files("#file", str(source))
    page.wait_for_selector("#status:has-text('Loaded article.txt')")
    assert page.input_value("#source") == "Bonjour à tous.\nLe chat dort.\n"
    page.fill("#source", "   ")
    page.click("#translate")
    assert "Paste some French text" in page.inner_text("#status")


def test_a_dropped_docx_is_translated_in_its_own_format_and_downloaded(page, marian_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import base64
    import io

    import docx

    source = docx.Document()
    source.add_paragraph("Le conseil municipal s'est réuni mardi soir.")
    data = io.BytesIO()
    source.save(data)
    alone = Pipeline(str(marian_dir), backend="ctranslate2", compute_type="float32", beams=1, summarizer="extractive")
    expected = docx.Document(io.BytesIO(alone.translate_document(data.getvalue(), "docx"))).paragraphs[0].text  # type: ignore[arg-type]
    # Files could not be dropped onto the page before; a .docx could not be sent at all.
    transfer = page.evaluate_handle(
        """(b64) => { const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
                      const t = new DataTransfer(); t.items.add(new File([bytes], "rapport.docx")); return t; }""",
        base64.b64encode(data.getvalue()).decode())
    page.dispatch_event("#source", "drop", {"dataTransfer": transfer})
    page.wait_for_selector("#status:has-text('Translated rapport.docx')", timeout=60_000)
    with page.expect_download() as download:
        page.click("#file-link")
    assert download.value.suggested_filename == "rapport.en.docx"
    saved = tmp_path / "rapport.en.docx"
    download.value.save_as(saved)
    assert docx.Document(str(saved)).paragraphs[0].text == expected


def test_the_page_counts_code_points_reads_error_pages_and_says_one_sentence(page, server: Server) -> None:  # type: ignore[no-untyped-def]
    assert page.get_attribute("#source", "lang") == "fr"
    page.fill("#source", "😀" * 3)
    assert page.inner_text("#count").startswith("3 / ")  # 6 before: UTF-16 units
    page.fill("#source", "Le chat dort.")
    page.click("#translate")
    page.wait_for_selector("#status:has-text('translated')", timeout=60_000)
    assert page.inner_text("#status").startswith("1 sentence translated")  # "1 sentences" before
    first = page.locator("#segments tbody tr").first.locator("td")
    assert (first.nth(0).get_attribute("lang"), first.nth(1).get_attribute("lang")) == ("fr", "en")
    # A proxy's HTML error page is read as a message, not as "Unexpected token '<'".
    page.route("**/v1/process", lambda route: route.fulfill(
        status=502, content_type="text/html", body="<html><body><h1>502 Bad Gateway</h1></body></html>"))
    page.click("#translate")
    page.wait_for_selector("#status.error", timeout=30_000)
    status = page.inner_text("#status")
    assert "HTTP 502: 502 Bad Gateway" in status and "Unexpected token" not in status
    page.unroute("**/v1/process")


def test_without_javascript_the_page_says_so(page, server: Server) -> None:  # type: ignore[no-untyped-def]
    context = page.context.browser.new_context(java_script_enabled=False)
    try:
        plain = context.new_page()
        plain.goto(server.url + "/")
        assert "needs JavaScript" in plain.inner_text("body")  # a blank page before
    finally:
        context.close()


@pytest.fixture(scope="module")
def both_pairs(marian_dir: Path, en_fr_dir: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from conftest import SERVE_MODEL_OPTIONS

    log = tmp_path_factory.mktemp("serve-pairs") / "serve.log"
    s = Server("--model", str(marian_dir), "--pair-model", f"en-fr={en_fr_dir}", *SERVE_MODEL_OPTIONS, log=log)
    yield s
    s.stop()


def test_the_swap_button_turns_the_page_to_english_to_french(page, both_pairs: Server, en_fr_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    to_french = Pipeline(str(en_fr_dir), source="en", target="fr", backend="ctranslate2", compute_type="float32",
                         beams=1, summarizer="extractive")
    english = (Path(__file__).parent / "data" / "corpus.en.txt").read_text(encoding="utf-8").splitlines()[0]
    context = page.context.browser.new_context(accept_downloads=True)  # the module's browser, a page of its own
    try:
        _swap_and_translate(context.new_page(), both_pairs.url, english, to_french, tmp_path)
    finally:
        context.close()


def _swap_and_translate(page, url: str, english: str, to_french: Pipeline, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto(url + "/")
    page.wait_for_selector("#swap:enabled")
    page.fill("#source", "Le chat dort.")
    page.click("#translate")
    page.wait_for_selector("#status:has-text('translated')", timeout=60_000)
    translated = page.locator("#segments tbody td").nth(1).inner_text()
    page.click("#swap")
    # The translation becomes the text, and everything that names a language follows.
    assert page.input_value("#source") == translated
    assert page.get_attribute("#source", "lang") == "en"
    assert page.inner_text("#source-label") == "English text"
    assert (page.inner_text("#source-head"), page.inner_text("#target-head")) == ("English", "French")
    assert page.is_hidden("#output")
    page.fill("#source", english)
    page.click("#translate")
    page.wait_for_selector("#status:has-text('translated')", timeout=60_000)
    cells = page.locator("#segments tbody tr").first.locator("td")
    assert (cells.nth(0).get_attribute("lang"), cells.nth(1).get_attribute("lang")) == ("en", "fr")
    assert cells.nth(1).inner_text() == to_french.process(english).segments[0].translation
    # A file goes the same way, and comes back named in French.
    notes = tmp_path / "notes.md"
    notes.write_text(f"# {english}\n", encoding="utf-8")
    page.set_input_files("#file", str(notes))
    page.wait_for_selector("#status:has-text('Translated notes.md')", timeout=60_000)
    with page.expect_download() as download:
        page.click("#file-link")
    assert download.value.suggested_filename == "notes.fr.md"
    saved = tmp_path / "notes.fr.md"
    download.value.save_as(saved)
    assert saved.read_text(encoding="utf-8") == to_french.translate(f"# {english}\n", format="markdown")
    page.click("#swap")
    assert page.get_attribute("#source", "lang") == "fr" and page.inner_text("#to-name") == "English"
