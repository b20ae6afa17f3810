#!/usr/bin/env python
"""Does each document format cost what its size does? A real file at 1x and at 16x, side by side.

For every registered format (``bilingua.formats.FORMATS``), the real file of
``tests/realfiles`` with the most text (at most ``--max-kb`` on disk, and one
the library accepts) is the 1x input; the 16x input is its body repeated 16
times the way the format allows (SRT: its cues; WebVTT: its blocks after the
header; HTML: what ``<body>`` holds; DOCX: the body's paragraphs and tables,
copied with python-docx; Markdown and plain text: the whole text). Both are
translated with the identity engine (no model: what is timed is bilingua's
own reading and writing), best of ``--runs``. Linear code gives a ratio near
16; the goal is at most 20. Sizes are in UTF-8 bytes (a DOCX's: its parts unzipped).

    python scripts/bench_formats.py                 # a Markdown table
    python scripts/bench_formats.py --json          # the same rows as JSON
    python scripts/bench_formats.py --formats srt,vtt --runs 2
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import logging
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
REAL = ROOT / "tests" / "realfiles"
GOAL = 20.0


def scaled(document: str | bytes, form: str, times: int) -> str | bytes:
    """``document`` with its body repeated ``times`` times, still one valid document of format ``form``."""
    if form == "docx":
        return _scaled_docx(document, times)  # type: ignore[arg-type]
    text = str(document)
    if form == "vtt":  # the header block once, then the cues and notes
        head, _, body = text.partition("\n\n")
        return head + "\n\n" + _repeated(body, times)
    if form == "html":
        found = re.search(r"(<body[^>]*>)(.*)(</body>)", text, re.S | re.I)
        if found:
            return text[: found.start(2)] + found.group(2) * times + text[found.end(2):]
    return _repeated(text, times)


def _repeated(text: str, times: int) -> str:
    """``text`` ``times`` times, a blank line between copies (subtitle blocks and paragraphs stay apart)."""
    body = text.rstrip("\r\n") + "\n"
    return "\n".join([body] * times)


def _scaled_docx(data: bytes, times: int) -> bytes:
    import docx
    from docx.oxml.ns import qn

    document = docx.Document(io.BytesIO(data))
    body = document.element.body
    section = body.find(qn("w:sectPr"))  # the last section's settings stay last
    children = [child for child in body if child is not section]
    for _ in range(times - 1):
        for child in children:
            double = copy.deepcopy(child)
            if section is not None:
                section.addprevious(double)
            else:
                body.append(double)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def read(path: Path, form: str) -> str | bytes | None:
    """A real file as the library takes it; None for one that is not UTF-8 (the library refuses those)."""
    data = path.read_bytes()
    if form == "docx":
        return data
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def pick(form: str, pipeline: object, max_kb: int) -> tuple[Path, str | bytes] | None:
    """The real file of ``form`` with the most text that the library accepts, and its content."""
    import bilingua
    from bilingua.formats import format_of, plain_text

    found = []
    for path in sorted(p for p in REAL.rglob("*") if p.is_file() and p.name not in ("LICENSE", "SOURCES.md")):
        if format_of(path) != form or path.stat().st_size > max_kb * 1024:
            continue
        document = read(path, form)
        if document is None:
            continue
        try:
            found.append((len(plain_text(document, form)), path, document))
        except bilingua.InputError:
            continue
    for _, path, document in sorted(found, key=lambda f: (-f[0], str(f[1]))):
        try:
            pipeline.translate_document(document, form)  # type: ignore[attr-defined]
        except bilingua.InputError as refused:
            print(f"{form}: {path.relative_to(REAL)} refused ({refused}); the next", file=sys.stderr)
            continue
        return path, document
    return None


def best(pipeline: object, document: str | bytes, form: str, runs: int) -> float:
    """The fastest of ``runs`` translations of ``document``, in seconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        pipeline.translate_document(document, form)  # type: ignore[attr-defined]
        times.append(time.perf_counter() - start)
    return min(times)


def measure(forms: list[str], scale: int, runs: int, max_kb: int) -> list[dict[str, object]]:
    """One row a format: its file, the two sizes and times, and their ratio."""
    import bilingua

    pipeline = bilingua.Pipeline(backend="identity", progress=False)
    rows: list[dict[str, object]] = []
    for form in forms:
        chosen = pick(form, pipeline, max_kb)
        if chosen is None:
            rows.append({"format": form, "file": None})
            continue
        path, document = chosen
        big = scaled(document, form, scale)
        once, many = best(pipeline, document, form, runs), best(pipeline, big, form, runs)
        rows.append({"format": form, "file": str(path.relative_to(REAL)), "scale": scale,
                     "bytes_1x": _size(document), "bytes_nx": _size(big), "seconds_1x": round(once, 4),
                     "seconds_nx": round(many, 4), "ratio": round(many / once, 1) if once else None})
    return rows


def _size(document: str | bytes) -> int:
    """Bytes of text; a DOCX's unzipped (deflate squeezes 16 copies of a body into little more than one)."""
    if isinstance(document, bytes):
        import zipfile

        with zipfile.ZipFile(io.BytesIO(document)) as z:
            return sum(info.file_size for info in z.infolist())
    return len(document.encode("utf-8"))


def table(rows: list[dict[str, object]]) -> str:
    """The rows as a Markdown table."""
    scale = next((r["scale"] for r in rows if r.get("file")), 16)
    out = [f"| format | file | 1x | {scale}x | 1x time (s) | {scale}x time (s) | {scale}x / 1x |",
           "|---|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        if not r.get("file"):
            out.append(f"| {r['format']} | (no real file accepted) | | | | | |")
            continue
        ratio = r["ratio"]
        mark = "" if ratio is not None and ratio <= GOAL else " (over the goal)"  # type: ignore[operator]
        out.append(f"| {r['format']} | `{r['file']}` | {_kb(r['bytes_1x'])} | {_kb(r['bytes_nx'])} | "
                   f"{r['seconds_1x']:.3f} | {r['seconds_nx']:.3f} | {ratio}{mark} |")
    return "\n".join(out)


def _kb(size: object) -> str:
    return f"{int(size) / 1024:,.0f} KB" if int(size) >= 1024 else f"{size} B"  # type: ignore[call-overload]


def main(argv: list[str] | None = None) -> int:
    from bilingua.formats import FORMATS

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--formats", default=",".join(FORMATS), help="comma-separated (default: every registered)")
    parser.add_argument("--scale", type=int, default=16, help="how many copies the large input holds (16)")
    parser.add_argument("--runs", type=int, default=3, help="runs per input, the fastest kept (3)")
    parser.add_argument("--max-kb", type=int, default=160, help="largest real file to pick, on disk (160)")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON, not a table")
    args = parser.parse_args(argv)
    unknown = [f for f in args.formats.split(",") if f not in FORMATS]
    if unknown:
        parser.error(f"unknown format(s) {', '.join(unknown)}; registered: {', '.join(FORMATS)}")
    # The library's warnings (a real file's oddities, repeated 16 times) would bury the table.
    logging.getLogger("bilingua").setLevel(logging.ERROR)
    rows = measure(args.formats.split(","), args.scale, args.runs, args.max_kb)
    print(json.dumps(rows, indent=2) if args.json else table(rows))
    over = [r["format"] for r in rows if r.get("ratio") is not None and r["ratio"] > GOAL]  # type: ignore[operator]
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
