"""Hypothesis strategies that compose each format's constructs into documents.

:data:`DOCUMENTS` maps a registered format's name to a strategy of its
documents (text, or bytes for DOCX). Words are French (accents, elisions),
sometimes Japanese/Chinese without spaces; each format adds its markup
around them: see each ``*_documents`` strategy.
"""

from __future__ import annotations

import io
from typing import Any

from hypothesis import strategies as st

__all__ = ["DOCUMENTS", "Plan", "Broken", "document", "words", "sentence", "build_docx", "docx_plans", "mutations"]

FRENCH = ("le", "conseil", "municipal", "s'est", "réuni", "mardi", "élève", "où", "déjà", "Noël", "garçon",
          "cœur", "naïf", "être", "à", "été", "fenêtre", "Île", "ça", "aujourd'hui", "très", "PyPI", "l'Union",
          "européenne", "2024", "12,5", "Québec", "pip", "Ça")
CJK = ("日本語", "東京都", "テスト", "中文", "を使います", "です")
END = (".", "!", "?", " :", " !", "…", ";", ",", "")

word = st.sampled_from(FRENCH)
words = st.lists(word, min_size=1, max_size=5).map(" ".join)
sentence = st.builds(lambda w, e: w + e, words, st.sampled_from(END))
cjk = st.lists(st.sampled_from(CJK), min_size=1, max_size=4).map("".join)


# -- Markdown ------------------------------------------------------------------------------------------------

CODE = ("x", "pip", "pip3", "-", ":", "*", "_", "a b", "Configuration", "number_threads", "`", "y")
code_span = st.sampled_from(CODE).map(lambda c: f"`` {c} ``" if "`" in c else f"`{c}`")
GLUED_CODE = ("(`x`)", "`a`.`b`", "(`-`)", "`*`'s", "`_`'s", "(`:`)", "`Configuration`.`number_threads`",
              "`x`,", "`pip`」")
link = st.builds(lambda t, u, title: f"[{t}]({u}{title})", words,
                 st.sampled_from(("/doc", "https://ex.fr/a?b=1", "</a b>", "#ancre")),
                 st.sampled_from(("", ' "Le titre"', " 'titre'")))


def _inline_piece(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        words, cjk, code_span, st.sampled_from(GLUED_CODE), link,
        inner.map(lambda s: f"*{s}*"), inner.map(lambda s: f"**{s}**"), inner.map(lambda s: f"_{s}_"),
        words.map(lambda s: f"[{s}][ref]"), st.just("<https://ex.fr/page>"),
        words.map(lambda s: f"![{s}](/image.png)"), words.map(lambda s: f"<span>{s}</span>"),
        st.sampled_from(("&amp;", "&eacute;", "&#233;", "&nbsp;", "\\*", "\\_", "\\#", "\\[", "\\`")),
        st.sampled_from(("  \n", "\\\n")),
    )


inline_md = st.recursive(words, lambda inner: st.lists(_inline_piece(inner), min_size=1, max_size=6).flatmap(
    lambda parts: st.lists(st.sampled_from((" ", "", " ", "\n")), min_size=len(parts), max_size=len(parts)).map(
        lambda glue: "".join(p + g for p, g in zip(parts, glue)).strip(" \n\\"))), max_leaves=8)
inline_md = inline_md.filter(lambda s: s.strip() != "")


def _md_block() -> st.SearchStrategy[str]:
    return st.one_of(
        inline_md.map(lambda s: s + "\n"),
        st.builds(lambda k, s: "#" * k + " " + s.replace("\n", " ") + "\n", st.integers(1, 3), inline_md),
        st.lists(inline_md, min_size=1, max_size=3).map(lambda xs: "".join(f"- {x}\n" for x in xs)),
        st.lists(inline_md, min_size=1, max_size=3).map(lambda xs: "".join(f"{k}. {x}\n" for k, x in enumerate(xs, 1))),
        inline_md.map(lambda s: "> " + s.replace("\n", "\n> ") + "\n"),
        st.builds(lambda a, b: f"```python\n{a}\n  {b}\n```\n", words, words),
        st.builds(lambda a, b: f"| {a} | b |\n|---|---|\n| `c` | {b} |\n", words, words),
    )


@st.composite
def markdown_documents(draw: Any) -> str:
    """Paragraphs, headings, lists, quotes, fences and tables of inline Markdown (code spans glued to
    punctuation and CJK, nested emphasis, inline/reference/auto links, images, raw HTML, entities,
    escapes, hard breaks); a reference definition when a reference link is used."""
    doc = "\n".join(draw(st.lists(_md_block(), min_size=1, max_size=4)))
    return doc + ("\n[ref]: https://ex.fr/ref\n" if "][ref]" in doc else "")


# -- HTML ----------------------------------------------------------------------------------------------------

_WS = st.sampled_from(("", " ", "\n  ", " "))


def _html_piece(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        sentence, cjk, inner.map(lambda s: f"<b>{s}</b>"), inner.map(lambda s: f"<i>{s}</i>"),
        st.builds(lambda s, t: f'<a href="/doc?a=1&amp;b=2" title="{t}">{s}</a>', inner, words),
        inner.map(lambda s: f'<span class="c">{s}</span>'), st.sampled_from(CODE).map(lambda c: f"<code>{c}</code>"),
        words.map(lambda w: f'<img src="/i.png" alt="{w}">'), st.just("<br>"),
        st.sampled_from(("&amp;", "&eacute;", "&nbsp;", "&#233;", "&lt;b&gt;", "<!-- note -->")),
    )


inline_html = st.recursive(sentence, lambda inner: st.lists(
    st.tuples(_html_piece(inner), _WS), min_size=1, max_size=5).map(
        lambda xs: "".join(p + w for p, w in xs)), max_leaves=8)


@st.composite
def html_documents(draw: Any) -> str:
    """Blocks (p, div, li, h1, a titled p) of nested inline tags with whitespace between them, entities,
    comments, attributes; pre, script and style blocks; sometimes a whole page with a doctype and lang."""
    block = st.one_of(
        inline_html.map(lambda s: f"<p>{s}</p>"), inline_html.map(lambda s: f"<div>\n  <p>{s}</p>\n</div>"),
        st.lists(inline_html, min_size=1, max_size=3).map(lambda xs: "<ul>" + "".join(f"<li>{x}</li>" for x in xs) + "</ul>"),
        inline_html.map(lambda s: f"<h1>{s}</h1>"), st.builds(lambda t, s: f'<p title="{t}">{s}</p>', words, inline_html),
        words.map(lambda w: f"<pre>  {w}\n    <b>{w}</b></pre>"), st.just('<script>var a = "<b>x</b>";</script>'),
        st.just("<style>p > b { color: red }</style>"), words.map(lambda w: f'<input placeholder="{w}">'),
    )
    body = "\n".join(draw(st.lists(block, min_size=1, max_size=4)))
    if draw(st.booleans()):
        return f'<!DOCTYPE html>\n<html lang="fr">\n<body>\n{body}\n</body>\n</html>\n'
    return body


# -- DOCX ----------------------------------------------------------------------------------------------------

run_spec = st.one_of(
    st.tuples(st.just("text"), sentence, st.booleans(), st.booleans()),
    st.tuples(st.just("tab")), st.tuples(st.just("break")),
    st.tuples(st.just("link"), words, st.sampled_from(("https://ex.fr/a", "https://ex.fr/b#c"))),
    st.tuples(st.just("blank"), st.integers(1, 12)),
    st.tuples(st.just("field"), st.sampled_from((" PAGE ", " DATE ")), st.sampled_from(("1", "12/05/2024"))),
    st.tuples(st.just("sdt"), words), st.tuples(st.just("ins"), words),
)
docx_plans = st.lists(st.lists(run_spec, min_size=1, max_size=6), min_size=1, max_size=4)


def _run(text: str) -> Any:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    r, t = OxmlElement("w:r"), OxmlElement("w:t")
    t.text = text
    t.set(qn("xml:space"), "preserve")
    r.append(t)
    return r


def _wrapped(p: Any, tag: str, text: str, **attrs: str) -> Any:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    el = OxmlElement(tag)
    for name, value in attrs.items():
        el.set(qn(name), value)
    el.append(_run(text))
    p._p.append(el)
    return el


def _add(p: Any, spec: tuple[Any, ...]) -> None:
    """One run (or raw element) of a plan, added to paragraph ``p``."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    kind = spec[0]
    if kind == "text":
        run = p.add_run(spec[1] + " ")
        run.bold, run.italic = spec[2], spec[3]
    elif kind == "plain":
        p.add_run(spec[1])
    elif kind == "tab":
        p.add_run().add_tab()
    elif kind == "break":
        p.add_run().add_break()
    elif kind == "blank":
        p.add_run(" " * spec[1]).underline = True
    elif kind == "link":
        _wrapped(p, "w:hyperlink", spec[1], **{"r:id": p.part.relate_to(spec[2], RT.HYPERLINK, is_external=True)})
    elif kind == "field":
        _wrapped(p, "w:fldSimple", spec[2], **{"w:instr": spec[1]})
    elif kind == "ins":
        _wrapped(p, "w:ins", spec[1], **{"w:id": "1", "w:author": "Relecteur", "w:date": "2024-01-01T00:00:00Z"})
    elif kind == "sdt":
        sdt, pr, content, tag = (OxmlElement(t) for t in ("w:sdt", "w:sdtPr", "w:sdtContent", "w:tag"))
        tag.set(qn("w:val"), "nom")
        pr.append(tag)
        content.append(_run(spec[1]))
        sdt.extend([pr, content])
        p._p.append(sdt)


def build_docx(plan: list[list[tuple[Any, ...]]]) -> bytes:
    """A Word document of one paragraph per item of ``plan``, each of the runs its specs describe."""
    import docx

    document = docx.Document()
    for specs in plan:
        p = document.add_paragraph()
        for spec in specs:
            _add(p, spec)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


class Plan(tuple):  # type: ignore[type-arg]
    """A DOCX document as its plan (shown as such in a failing example); :func:`document` builds it."""

    def __repr__(self) -> str:
        return f"Plan({list(self)!r})"


def document(drawn: Any) -> Any:
    """The document a strategy drew: a :class:`Plan` built into bytes, anything else as it is."""
    return build_docx(list(drawn)) if isinstance(drawn, Plan) else drawn


#: DOCX: runs of different formatting, tabs, breaks, hyperlinks, underlined blanks, fields, content
#: controls and tracked insertions (no footnotes: python-docx cannot add them). Drawn as a :class:`Plan`.
docx_documents = docx_plans.map(Plan)


# -- Subtitles -----------------------------------------------------------------------------------------------

def _cue_lines(vtt: bool) -> st.SearchStrategy[list[str]]:
    line = st.one_of(sentence, sentence.map(lambda s: f"<i>{s}</i>"), st.builds(lambda a, b: f"<b>{a}</b> {b}", words, sentence),
                     cjk)
    if vtt:
        line = st.one_of(line, sentence.map(lambda s: f"<v Marie>{s}"), sentence.map(lambda s: f"<c.yellow>{s}</c>"),
                         st.just("&amp; &lt;rires&gt;"))
    return st.one_of(
        st.lists(line, min_size=1, max_size=3),
        st.builds(lambda a, b: [f"- {a}", f"- {b}"], sentence, sentence),
        st.sampled_from(([], ["<i></i>"], ["<RIRES & APPLAUDISSEMENTS>"] if not vtt else ["<i> </i>"])),
    )


@st.composite
def subtitle_documents(draw: Any, vtt: bool) -> str:
    """Cues (tags, tag-only and empty cues, multi-line and dialogue cues; WebVTT: voices, classes, cue
    settings, identifiers, NOTE/STYLE/REGION blocks) with LF or CRLF line ends, sometimes a BOM."""
    blocks = ["WEBVTT"] if vtt else []
    if vtt and draw(st.booleans()):
        blocks.append(draw(st.sampled_from(("STYLE\n::cue { color: yellow }", "REGION\nid:r width:40%",
                                            "NOTE une note\nsur deux lignes"))))
    for k, lines in enumerate(draw(st.lists(_cue_lines(vtt), min_size=1, max_size=5))):
        start, stop = (f"00:00:{s:02d}{'.' if vtt else ','}000" for s in (2 * k, 2 * k + 2))
        settings = draw(st.sampled_from(("", " align:start line:90%"))) if vtt else ""
        head = draw(st.sampled_from(("", f"c{k}\n"))) if vtt else f"{k + 1}\n"
        blocks.append(f"{head}{start} --> {stop}{settings}" + "".join("\n" + x for x in lines))
    doc = "\n\n".join(blocks) + "\n"
    if draw(st.booleans()):
        doc = doc.replace("\n", "\r\n")
    return ("\ufeff" if draw(st.booleans()) else "") + doc


# -- Plain text ----------------------------------------------------------------------------------------------

text_documents = st.lists(st.one_of(
    st.lists(sentence, min_size=1, max_size=3).map(" ".join),
    st.lists(sentence, min_size=2, max_size=3).map("\n".join),
    st.lists(sentence, min_size=1, max_size=3).map(lambda xs: "".join(f"- {x}\n" for x in xs).rstrip("\n")),
    cjk,
), min_size=1, max_size=4).map(lambda ps: "\n\n".join(ps) + "\n")


#: Every format's documents, by the registry's name (a format missing here fails a law test that says so).
DOCUMENTS: dict[str, st.SearchStrategy[Any]] = {
    "text": text_documents,
    "markdown": markdown_documents(),
    "html": html_documents(),
    "docx": docx_documents,
    "srt": subtitle_documents(vtt=False),
    "vtt": subtitle_documents(vtt=True),
}


class Broken(tuple):  # type: ignore[type-arg]
    """A valid document broken: ``(drawn, cut, at, xor)`` is ``drawn`` built, cut to ``cut`` bytes (None: not
    cut), then its byte ``at`` XORed with ``xor`` (None: none flipped). Shown as such in a failing example."""

    def __bytes__(self) -> bytes:
        drawn, cut, at, xor = self
        built = document(drawn)
        data = built if isinstance(built, bytes) else built.encode("utf-8")
        data = data[:cut] if cut is not None else data
        if at is not None and data:
            at %= len(data)
            data = data[:at] + bytes([data[at] ^ xor]) + data[at + 1:]
        return data

    def __repr__(self) -> str:
        return f"Broken({tuple(self)!r})"


def mutations(form: str) -> st.SearchStrategy[Broken]:
    """A valid document of ``form`` broken: truncated, or with one byte flipped, or both."""
    return st.builds(lambda *parts: Broken(parts), DOCUMENTS[form], st.none() | st.integers(0, 40_000),
                     st.none() | st.integers(0, 40_000), st.integers(1, 255))
