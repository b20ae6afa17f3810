"""What ``pip install -e ".[dev]"`` promises can be imported: dependency drift fails here, loudly."""

from __future__ import annotations

import importlib
import importlib.metadata as metadata
import logging
import re
import warnings

import pytest


def _promised() -> list[str]:
    """bilingua's own requirements and its ``dev`` extra, as distribution names."""
    names = []
    for req in metadata.requires("bilingua") or []:
        name, _, marker = req.partition(";")
        if marker and "extra == \"dev\"" not in marker.replace("'", '"'):
            continue
        names.append(re.split(r"[\s<>=!~\[(]", name.strip(), maxsplit=1)[0])
    return sorted(set(names))


def _modules(distribution: str) -> list[str]:
    by_module = metadata.packages_distributions()
    wanted = re.sub(r"[-_.]+", "-", distribution).lower()
    return sorted(m for m, dists in by_module.items()
                  if any(re.sub(r"[-_.]+", "-", d).lower() == wanted for d in dists) and m.isidentifier() and not m.startswith("_"))


@pytest.mark.parametrize("distribution", _promised())
def test_every_promised_package_imports(distribution: str) -> None:
    modules = _modules(distribution)
    assert modules, f"{distribution} is promised but not installed"
    for module in modules:
        if module in {"tests", "test", "docs", "examples", "benchmarks"}:
            continue
        with warnings.catch_warnings():  # a legacy alias (multipart for python_multipart) may warn; it must import
            warnings.simplefilter("ignore")
            importlib.import_module(module)


def test_the_web_page_extractor_really_loads() -> None:
    # trafilatura 2.x imports lxml.html.clean, a separate package since lxml 5.2: an install that lacked it
    # reported "needs trafilatura" while trafilatura was installed.
    from bilingua.formats.extract import main_article

    page = "<html><body><article><p>" + "Le conseil municipal s'est réuni mardi soir. " * 20 + "</p></article></body></html>"
    assert "conseil municipal" in (main_article(page) or "")


def test_a_broken_optional_package_is_named_as_broken_not_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    from bilingua.errors import BackendUnavailableError, optional_import

    real = importlib.import_module

    def failing(name: str, *args: object) -> object:
        if name == "trafilatura":
            raise ImportError("lxml.html.clean module is now a separate project lxml_html_clean")
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", failing)
    with pytest.raises(BackendUnavailableError, match="installed but fails to import .*lxml_html_clean"):
        optional_import("trafilatura", "extracting a web page's article")
    with pytest.raises(BackendUnavailableError, match=r"needs surely_absent_pkg: pip install 'bilingua\[serve\]'"):
        optional_import("surely_absent_pkg", "a test", extra="serve")


def test_the_library_logs_nothing_unless_asked() -> None:
    import bilingua  # noqa: F401

    handlers = logging.getLogger("bilingua").handlers
    assert any(isinstance(h, logging.NullHandler) for h in handlers)
