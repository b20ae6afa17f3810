"""Build ``tests/realfiles/``: documents from other projects' own test suites, for the round-trip tests.

Each project's source distribution is downloaded from PyPI at a pinned
version, and the files its tests read (Word files, subtitles, Markdown, web
pages) are copied with the project's licence beside them. ``SOURCES.md``
lists where every file came from. Run it again to rebuild the folder the same way::

    python scripts/build_realfiles.py

Nothing here is used at run time; the tests read the folder as it is committed.
"""

from __future__ import annotations

import fnmatch
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "realfiles"
#: Files larger than this are left out: a few MB in all.
MAX_BYTES = 160_000

#: (distribution==version, SPDX licence, the licence file in the sdist, the globs of files to take).
PROJECTS = [
    ("python-docx==1.2.0", "MIT", "LICENSE", ["*/features/steps/test_files/*.docx", "*/tests/test_files/*.docx",
                                              "*/src/docx/templates/default.docx"]),
    ("pysrt==1.1.2", "GPL-3.0", None, ["*/tests/static/*.srt"]),
    ("srt==3.5.3", "MIT", "LICENSE", ["*/srt_tools/tests/files/*.srt"]),
    ("webvtt-py==0.6.0", "MIT", "LICENSE", ["*/tests/samples/*.vtt", "*/tests/samples/*.srt"]),
    ("markdown-it-py==4.3.0", "MIT", "LICENSE", ["*/tests/test_port/fixtures/*.md", "*/tests/test_cmark_spec/commonmark.json"]),
    ("html2text==2025.4.15", "GPL-3.0-or-later", "COPYING", ["*/test/*.html", "*/test/*.md"]),
    ("inscriptis==2.7.6", "Apache-2.0", "LICENSE", ["*/tests/html/*.html", "*/tests/html/real-world/*.html"]),
    ("trafilatura==2.3.1", "Apache-2.0", "LICENSE", ["*/tests/resources/*.html"]),
    ("newspaper4k==0.9.6", "MIT", "LICENSE", ["*/tests/data/html/*.html"]),
    # Python-Markdown's own documentation (real Markdown, written by people) and its tests' HTML.
    ("markdown==3.11.4", "BSD-3-Clause", "LICENSE.md", ["*/docs/*.md", "*/docs/*/*.md", "*/tests/basic/*.html"]),
    # charset-normalizer's samples (Wikipedia, CC-BY-SA, or public domain): French in a legacy encoding, and
    # English subtitles with a UTF-8 byte-order mark.
    ("charset-normalizer==3.5.3", "MIT (samples: CC-BY-SA-3.0 or public domain)", "LICENSE",
     ["*/data/sample-french.txt", "*/data/sample-french-1.txt", "*/data/sample-english.bom.txt", "*/data/NOTICE.md"]),
]


def download(requirement: str, into: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                    "--dest", str(into), requirement], check=True)
    name = requirement.split("==")[0].replace("-", "_").lower()
    return next(p for p in into.iterdir() if p.name.lower().replace("-", "_").startswith(name))


def take(archive: Path, globs: list[str], licence: str | None, dest: Path, gpl_text: Path | None) -> list[str]:
    taken = []
    with tarfile.open(archive) as tar:
        members = {m.name: m for m in tar.getmembers() if m.isfile()}
        for name, member in sorted(members.items()):
            if any(fnmatch.fnmatch(name, g) for g in globs) and 0 < member.size <= MAX_BYTES or (
                    any(fnmatch.fnmatch(name, g) for g in globs) and member.size == 0):
                target = dest / name.split("/", 1)[1].replace("/", "__")
                target.write_bytes(tar.extractfile(member).read())  # type: ignore[union-attr]
                taken.append(name.split("/", 1)[1])
        if licence is not None:
            (dest / "LICENSE").write_bytes(tar.extractfile(members[f"{archive.name[:-7]}/{licence}"]).read())  # type: ignore[union-attr]
        elif gpl_text is not None:  # pysrt ships no licence file: the GPL's own text
            shutil.copy(gpl_text, dest / "LICENSE")
    return taken


def main() -> int:
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    lines = ["# Where these files come from", "",
             "Copied by `scripts/build_realfiles.py` from each project's source distribution on PyPI, with the",
             "project's licence in `LICENSE` beside its files. A file's name is its path in the sdist, `/` written",
             "`__`. They are test inputs only: bilingua's round-trip tests translate them with the identity engine.", ""]
    with tempfile.TemporaryDirectory() as tmp:
        archives = {req: download(req, Path(tmp)) for req, *_ in PROJECTS}
        gpl = Path(tmp) / "gpl"
        with tarfile.open(archives["html2text==2025.4.15"]) as tar:
            gpl.write_bytes(tar.extractfile("html2text-2025.4.15/COPYING").read())  # type: ignore[union-attr]
        for requirement, spdx, licence, globs in PROJECTS:
            archive = archives[requirement]
            dest = OUT / requirement.replace("==", "-")
            dest.mkdir()
            taken = take(archive, globs, licence, dest, gpl)
            lines += [f"## {requirement}", "", f"- sdist: `{archive.name}` (PyPI)", f"- licence: {spdx}",
                      f"- files: {len(taken)}", ""]
    (OUT / "SOURCES.md").write_text("\n".join(lines), encoding="utf-8")
    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"{sum(1 for _ in OUT.rglob('*') if _.is_file())} files, {total / 1e6:.1f} MB in {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
