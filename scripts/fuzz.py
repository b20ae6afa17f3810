"""Run the format laws (tests/laws) on generated documents for as long as asked, and print minimal failures.

    python scripts/fuzz.py --minutes 30               # every law, every format, in turns
    python scripts/fuzz.py --minutes 5 --format markdown --law conservation

The laws are the tests' own (``tests/laws/laws.py``), under the Hypothesis
profile ``fuzz`` with its example database in ``.hypothesis/`` (so a failure
found once is tried first next time). Each round gives every (law, format,
engine) a slice of the time; a failure is shrunk to a minimal document and
printed once, with its law, format and engine. Exit status 1 when any law failed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.database import DirectoryBasedExampleDatabase  # noqa: E402
from hypothesis.reporting import with_reporter  # noqa: E402

from bilingua.formats import FORMATS  # noqa: E402
from laws import laws  # noqa: E402
from laws.strategies import DOCUMENTS, mutations  # noqa: E402


def checks(formats: list[str], wanted: str | None) -> list[tuple[str, str, str, object]]:
    """(law, format, engine, strategy and call) for every law over the formats asked."""
    out: list[tuple[str, str, str, object]] = []
    for form in formats:
        docs = DOCUMENTS[form]
        out.append(("identity", form, "identity", (docs, lambda d, f=form: laws.identity(f, d))))
        for engine in laws.REORDERING:
            out.append(("conservation", form, engine, (docs, lambda d, f=form, e=engine: laws.conservation(f, d, e))))
        for engine in laws.RESIZING:
            out.append(("structure", form, engine, (docs, lambda d, f=form, e=engine: laws.structure_kept(f, d, e))))
        out.append(("no_new_markup", form, "markup", (docs, lambda d, f=form: laws.no_new_markup(f, d))))
        out.append(("never_crashes", form, "identity", (st.binary(max_size=2000), lambda d, f=form: laws.never_crashes(f, d))))
        out.append(("never_crashes", form, "reverse", (mutations(form), lambda d, f=form: laws.never_crashes(f, d, "reverse"))))
    return [c for c in out if wanted is None or c[0] == wanted]


def run_one(strategy: object, call: object, seconds: float, database: DirectoryBasedExampleDatabase) -> str | None:
    """Run one law for about ``seconds``; the shrunk failure's report, or None."""
    examples = max(20, int(seconds * 15))  # about 15 documents a second on one core

    @settings(settings.get_profile("fuzz"), max_examples=examples, database=database, print_blob=True)
    @given(strategy)  # type: ignore[arg-type]
    def law(document: object) -> None:
        call(document)  # type: ignore[operator]

    report: list[str] = []
    try:
        with with_reporter(lambda text: report.append(str(text))):
            law()
    except Exception as exc:  # noqa: BLE001  (a law's failure, reported with Hypothesis's minimal example)
        causes = exc.exceptions if isinstance(exc, BaseExceptionGroup) else [exc]
        return "\n".join(report + [f"{type(c).__name__}: {c}\n" + "\n".join(getattr(c, "__notes__", []))
                                    for c in causes])
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0, help="how long to run, in all (default 5)")
    parser.add_argument("--format", action="append", choices=list(FORMATS), help="only this format (repeatable)")
    parser.add_argument("--law", choices=["identity", "conservation", "structure", "no_new_markup", "never_crashes"])
    args = parser.parse_args()
    todo = checks(args.format or [f for f in FORMATS if f in DOCUMENTS], args.law)
    database = DirectoryBasedExampleDatabase(str(ROOT / ".hypothesis" / "examples"))
    deadline = time.monotonic() + 60 * args.minutes
    failed: dict[tuple[str, str, str], str] = {}
    while time.monotonic() < deadline:
        left = [c for c in todo if c[:3] not in failed]
        if not left:
            break
        for law_name, form, engine, (strategy, call) in left:
            if time.monotonic() >= deadline:
                break
            found = run_one(strategy, call, max(2.0, 60 * args.minutes / len(todo) / 4), database)
            if found:
                failed[(law_name, form, engine)] = found
                print(f"\n=== {law_name} / {form} / {engine}\n{found}", flush=True)
    print(f"\n{len(failed)} of {len(todo)} (law, format, engine) checks failed; "
          f"{sum(laws.EXAMPLES.values())} documents checked", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
