"""The laws every registered format obeys, as functions that raise ``AssertionError`` with what broke.

- :func:`identity`: under the identity engine a document comes back unchanged
  (text byte for byte; DOCX every part equal once parsed and canonicalised).
- :func:`conservation`: under a reordering engine (reverse, rotate, swap,
  punct_front) the output parses, its visible characters are the input's
  (as a multiset) and its structure is the input's (see :mod:`.views`).
- :func:`structure_kept`: under ``fewer``/``more`` the output parses and its
  structure is the input's (its characters may differ).
- :func:`no_new_markup`: under ``markup`` (which writes ``# ``, ``*x*``,
  ``<x>``, ``&eacute;``...) the output's structure is the input's, and no
  character reference appears that the input did not have.
- :func:`never_crashes`: any bytes, read as a file of any format, give a
  translation or a :class:`bilingua.InputError`, never another exception.

:data:`EXAMPLES` counts the documents each law has been checked on.
"""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import bilingua
from bilingua.formats import FORMATS

from .strategies import document as built
from .views import Unparsable, view

__all__ = ["translate", "identity", "conservation", "structure_kept", "no_new_markup", "never_crashes",
           "REORDERING", "RESIZING", "EXAMPLES"]

REORDERING = ("reverse", "rotate", "swap", "punct_front")
RESIZING = ("fewer", "more")
#: law name -> documents checked (the number of generated examples a run made).
EXAMPLES: Counter[str] = Counter()
_PIPELINES: dict[str, bilingua.Pipeline] = {}


def translate(engine: str, form: str, document: str | bytes) -> str | bytes:
    """``document`` (format ``form``) translated by ``engine`` through the public pipeline."""
    if engine not in _PIPELINES:
        _PIPELINES[engine] = bilingua.Pipeline(backend=engine, device="cpu")
    return _PIPELINES[engine].translate_document(document, form)


def _package_changes(a: bytes, b: bytes) -> list[str]:
    """The parts of package ``a`` that ``b`` lacks, adds or changes (equal once parsed and canonicalised:
    the round-trip law's own comparison), each with the first text that differs."""
    from test_roundtrip import _parts, _same_xml

    before, after = _parts(a), _parts(b)
    changes = [f"{n}: missing" for n in before.keys() - after.keys()]
    changes += [f"{n}: added" for n in after.keys() - before.keys()]
    for n in sorted(before.keys() & after.keys()):
        if not _same_xml(before[n], after[n]):
            x, y = before[n].decode("utf-8", "replace"), after[n].decode("utf-8", "replace")
            at = next((k for k, (p, q) in enumerate(zip(x, y)) if p != q), min(len(x), len(y)))
            changes.append(f"{n}: {x[max(0, at - 150):at + 150]!r}\n  became {y[max(0, at - 150):at + 150]!r}")
    return changes


#: An HTML lang attribute's value (bilingua sets a source-language one to the target's, on purpose).
_LANG = re.compile(r"""(\s(?:xml:)?lang\s*=\s*)("[^"]*"|'[^']*'|[^\s"'>]+)""", re.I)


def identity(form: str, document: str | bytes) -> None:
    """Identity law: the identity engine gives the document back unchanged (HTML: ``lang`` values aside,
    which docs/documents.md says change on purpose)."""
    document = built(document)
    EXAMPLES["identity"] += 1
    out = translate("identity", form, document)
    if FORMATS[form].binary:
        changes = _package_changes(document, out)  # type: ignore[arg-type]
        assert not changes, "the package changed: " + "\n".join(changes)
    elif form == "html":
        assert _LANG.sub(r"\1", out) == _LANG.sub(r"\1", document), f"changed:\n  in:  {document!r}\n  out: {out!r}"
    else:
        assert out == document, f"changed:\n  in:  {document!r}\n  out: {out!r}"


def _views(engine: str, form: str, document: str | bytes) -> tuple[Any, Any, str | bytes]:
    before = view(form, document)
    out = translate(engine, form, document)
    try:
        after = view(form, out)
    except Unparsable as exc:
        raise AssertionError(f"the {engine} output does not parse as {form}: {exc}\n  out: {out!r}") from None
    return before, after, out


def _diff(name: str, before: Counter[Any], after: Counter[Any], out: str | bytes) -> str:
    lost, added = before - after, after - before
    shown = out if isinstance(out, str) else f"<{len(out)} bytes>"
    return f"{name} differs: lost {dict(lost)}, added {dict(added)}\n  out: {shown!r}"


def conservation(form: str, document: str | bytes, engine: str) -> None:
    """Conservation law: reordered words keep every character and every structural element exactly once."""
    document = built(document)
    EXAMPLES[f"conservation/{engine}"] += 1
    before, after, out = _views(engine, form, document)
    assert after.structure == before.structure, _diff("structure", before.structure, after.structure, out)
    assert after.text == before.text, _diff("visible characters", before.text, after.text, out)


def structure_kept(form: str, document: str | bytes, engine: str) -> None:
    """Under an engine that drops or repeats words, the output is well-formed and keeps its structure."""
    document = built(document)
    EXAMPLES[f"structure/{engine}"] += 1
    before, after, out = _views(engine, form, document)
    assert after.structure == before.structure, _diff("structure", before.structure, after.structure, out)


def no_new_markup(form: str, document: str | bytes) -> None:
    """No new markup: text that looks like markup comes out as text (the structure is the input's)."""
    document = built(document)
    EXAMPLES["no_new_markup"] += 1
    before, after, out = _views("markup", form, document)
    assert after.structure == before.structure, _diff("structure", before.structure, after.structure, out)
    new = after.entities - before.entities
    assert not new, f"new character references {dict(new)}\n  out: {out!r}"


def never_crashes(form: str, data: Any, engine: str = "identity") -> None:
    """Any bytes as a file of format ``form`` give a translation or an InputError, never another exception.
    (``data``: bytes, or a :class:`~.strategies.Broken` document.)"""
    EXAMPLES["never_crashes"] += 1
    data = bytes(data)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"doc{FORMATS[form].extensions[0]}"
        path.write_bytes(data)
        try:
            bilingua.translate_file(str(path), format=form, backend=engine, device="cpu")
        except bilingua.InputError:
            pass
        except Exception as exc:  # the law: nothing else may come out
            raise AssertionError(f"{type(exc).__name__}: {exc} (from {data[:200]!r})") from exc
