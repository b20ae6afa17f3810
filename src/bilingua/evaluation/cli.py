"""``bilingua eval``: score outputs, or translate and score, against references."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import BilinguaError, InputError
from ..flags import UsageError, add_flags, options_from, whole
from ..io import check_output, write_output
from ..languages import SOURCE
from ..options import COMPUTE_TYPE_CHOICES, TranslationOptions


def add_eval_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "eval", parents=[common], help="score translations or summaries (BLEU, chrF, TER, ROUGE...)",
        description="Score system outputs against references, or translate a source and score it. "
        "Several systems are compared with paired significance tests against the first.",
    )
    g = p.add_argument_group("what to score")
    g.add_argument("--hyp", action="append", default=[], metavar="FILE",
                   help="system output, one segment per line (FILE#column for .tsv/.jsonl); repeat for several systems")
    g.add_argument("--name", action="append", default=[], help="names for the --hyp systems, in order")
    g.add_argument("--ref", action="append", default=[], metavar="FILE", help="reference(s); repeat for several")
    g.add_argument("--src", metavar="FILE", help="source to translate with the pipeline (and to give COMET)")
    g.add_argument("--suite", help="a named suite from eval/suites (e.g. flores200-devtest, newstest2014, tatoeba, orangesum)")
    g.add_argument("--list-suites", action="store_true", help="list the suites and exit")
    g.add_argument("--suites-dir", metavar="DIR", help="folder of suite definitions (default: $BILINGUA_SUITES or eval/suites)")
    g.add_argument("--data-dir", metavar="DIR", help="evaluation data folder (default: $BILINGUA_DATA or ../shared/evaldata)")
    g.add_argument("-t", "--test-set", help="a sacrebleu test set (downloaded by sacrebleu; needs the network)")
    g.add_argument("-l", "--langpair", default="fr-en", help="language pair for -t (default fr-en)")
    g.add_argument("--offset", type=whole(0), default=0, metavar="N", help="skip the first N segments")
    g.add_argument("--limit", type=whole(1), metavar="N", help="only the first N segments (after --offset)")
    g.add_argument("--summary-sentences", type=whole(1), metavar="N", help="summarisation suites: at most N sentences")
    g.add_argument("--summary-words", type=whole(1), metavar="N", help="summarisation suites: at most N words")
    g = p.add_argument_group("systems to run")
    g.add_argument("--model", action="append", default=[], metavar="ID_OR_PATH",
                   help="translate --src/--suite with this model; repeat to compare models")
    g.add_argument("--compute-type", default="auto", type=_compute_types,
                   help="compute type; a comma-separated list runs each model once per type (e.g. float32,int8)")
    add_flags(g, TranslationOptions, skip=("model", "compute_type"))
    p.set_defaults(source=None)  # unset: a suite's own pair, else the default pair (see _direction)
    g = p.add_argument_group("metrics and report")
    g.add_argument("--metrics", help="comma-separated: bleu,chrf,chrf++,ter,len_ratio,rouge,comet "
                   "(default: the suite's, else bleu,chrf,ter)")
    g.add_argument("--significance", choices=("bs", "ar", "both", "none"), default="bs",
                   help="paired test against the first system (default bs: bootstrap with 95%% CI)")
    g.add_argument("--n-samples", type=whole(0), default=0, help="bootstrap resamples / AR trials (default 1000 / 10000)")
    g.add_argument("--rouge-stem", action="store_true", help="stemming in ROUGE: rouge-score's Porter for English, Snowball for French")
    g.add_argument("--rouge-tokenizer", choices=("default", "unicode"), default="default",
                   help="rouge-score's tokenizer (default; drops accented letters) or one that keeps them")
    g.add_argument("--worst", type=whole(0), default=10, help="worst segments to list per system")
    g.add_argument("--jobs", type=whole(1), default=1, help="score systems in parallel processes")
    g.add_argument("--json", action="store_true", help="print the JSON report on stdout")
    g.add_argument("--report", metavar="PREFIX", help="also write PREFIX.json and PREFIX.md (atomically)")


def _compute_types(value: str) -> list[str]:
    names = [c.strip() for c in value.split(",") if c.strip()] or ["auto"]
    for name in names:
        if name not in COMPUTE_TYPE_CHOICES:
            raise argparse.ArgumentTypeError(f"unknown compute type {name!r}; choose from {', '.join(COMPUTE_TYPE_CHOICES)}")
    return names


def _unique_names(names: list[str]) -> list[str]:
    out: list[str] = []
    for n in names:
        candidate, k = n, 2
        while candidate in out:
            candidate, k = f"{n}-{k}", k + 1
        out.append(candidate)
    return out


@dataclass
class _Data:
    """What a run scores against: references, the source if any, and where they came from."""

    refs: list[list[str]] = field(default_factory=list)
    sources: list[str] | None = None
    info: dict[str, Any] = field(default_factory=dict)
    suite: Any = None
    metrics: str | None = None
    task: str = "translation"


def run_eval(args: argparse.Namespace) -> int:
    from .runner import evaluate
    from .suites import list_suites, load_suite

    if args.list_suites:
        for name in list_suites(args.suites_dir):
            s = load_suite(name, args.suites_dir)
            print(f"{name}\t{s.task}\t{s.langpair}\t{s.size} segments\t{s.description}")
        return 0
    if args.report:  # before any work: a long run must not end on an unwritable report
        check_output(f"{args.report}.json")
        check_output(f"{args.report}.md")
    suite = load_suite(args.suite, args.suites_dir) if args.suite else None
    if suite is not None and suite.task == "segmentation":
        return _run_segmentation(args, suite)
    if suite is not None and suite.task == "review":
        return _run_review(args, suite)
    direction = _direction(args, suite)
    _translation_options(args, None, "auto", direction)  # bad values and combinations fail now, whether used or not
    data = _gather_data(args, suite)
    systems = _hypothesis_systems(args)
    if args.model or (not args.hyp and data.sources is not None):
        if data.sources is None:
            raise InputError("--model needs a source to translate: give --src FILE or --suite NAME")
        systems.extend(_run_models(args, data.sources, data.task, direction, data.suite))
    tests = {"bs": ("bs",), "ar": ("ar",), "both": ("bs", "ar"), "none": ()}[args.significance]
    language = data.suite.target_language if data.suite else (args.target or args.langpair.split("-")[-1])
    report = evaluate(
        systems, data.refs, data.metrics or "bleu,chrf,ter", sources=data.sources, significance=tests,
        n_samples=args.n_samples, worst=args.worst, jobs=args.jobs, rouge_stem=args.rouge_stem,
        rouge_tokenizer=args.rouge_tokenizer, language=language, data=data.info,
        suite=data.suite.to_dict() if data.suite else None,
    )
    if args.report:
        write_output(f"{args.report}.json", report.to_json() + "\n")
        write_output(f"{args.report}.md", report.to_markdown())
    sys.stdout.write(report.to_json() + "\n" if args.json else report.to_markdown())
    return 0


def _run_segmentation(args: argparse.Namespace, suite: Any) -> int:
    import json

    from .report import environment
    from .segmentation import evaluate_segmentation, segmentation_markdown
    from .suites import data_dir

    if args.hyp or args.model or args.ref or args.src:
        raise InputError("the segmentation suite scores bilingua's sentence splitter; it takes no --hyp, --ref, --src or --model")
    root = data_dir(args.data_dir)
    for part in suite.parts:
        for key in ("text", "ids"):
            if not (root / part[key]).is_file():
                raise InputError(f"suite {suite.name}: data file '{root / part[key]}' not found; pass --data-dir or set BILINGUA_DATA")
    marks = Path(suite.marks) if suite.marks else None
    if marks is not None and not marks.is_file():
        raise InputError(f"suite {suite.name}: marks file '{marks}' not found")
    report = {"suite": suite.to_dict(), **evaluate_segmentation(suite.parts, root, limit=args.limit, max_errors=args.worst,
                                                                marks=marks),
              "environment": environment()}
    text = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    markdown = f"# Sentence segmentation: {suite.description}\n\n" + segmentation_markdown(report)
    if args.report:
        write_output(f"{args.report}.json", text)
        write_output(f"{args.report}.md", markdown)
    sys.stdout.write(text if args.json else markdown)
    return 0


def _run_review(args: argparse.Namespace, suite: Any) -> int:
    import json

    from .report import environment
    from .review import build_cases, review_markdown, score_review
    from .suites import data_dir

    if args.hyp or args.model or args.ref or args.src:
        raise InputError("the review suite scores bilingua's review flags on human translations; "
                         "it takes no --hyp, --ref, --src or --model")
    cases = build_cases(data_dir(args.data_dir), limit=args.limit)
    report = {"suite": suite.to_dict(), **score_review(cases, resamples=args.n_samples or 1000, examples=args.worst),
              "environment": environment()}
    text = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    markdown = f"# Review flags: {suite.description}\n\n" + review_markdown(report)
    if args.report:
        write_output(f"{args.report}.json", text)
        write_output(f"{args.report}.md", markdown)
    sys.stdout.write(text if args.json else markdown)
    return 0


def _gather_data(args: argparse.Namespace, suite: Any = None) -> _Data:
    from .data import read_segments

    data = _suite_data(args, suite) if suite is not None else _Data(metrics=args.metrics)
    if args.test_set:
        if data.suite:
            raise InputError("give --suite or -t, not both")
        data.sources, data.refs, data.info = _sacrebleu_test_set(args.test_set, args.langpair)
    if args.ref:
        if data.refs:
            raise InputError("--ref cannot be combined with --suite or -t (they bring their references)")
        ref_segs = [read_segments(r, ("ref", "reference", "references", "target", "tgt")) for r in args.ref]
        data.refs = [r.lines for r in ref_segs]
        data.info["references"] = [r.describe() for r in ref_segs]
    if args.src:
        if data.sources is not None:
            raise InputError("--src cannot be combined with --suite or -t (they bring their source)")
        src = read_segments(args.src, ("src", "source"))
        data.sources = src.lines
        data.info["source"] = src.describe()
    if not data.refs:
        raise InputError("no references: give --ref FILE, --suite NAME or -t TESTSET")
    if args.offset or args.limit:
        end = args.offset + args.limit if args.limit else None
        data.refs = [r[args.offset:end] for r in data.refs]
        data.sources = data.sources[args.offset:end] if data.sources is not None else None
        data.info.update(offset=args.offset, limit=args.limit)
    return data


def _suite_data(args: argparse.Namespace, suite: Any) -> _Data:
    from .data import read_segments
    from .suites import data_dir

    root = data_dir(args.data_dir)
    for rel in [suite.source, *suite.references]:
        if not (root / rel).is_file():
            raise InputError(f"suite {suite.name}: data file '{root / rel}' not found; pass --data-dir or set BILINGUA_DATA")
    src = read_segments(str(root / suite.source))
    ref_segs = [read_segments(str(root / r)) for r in suite.references]
    data = _Data(
        refs=[r.lines for r in ref_segs], sources=src.lines, suite=suite, task=suite.task,
        info={"source": src.describe(), "references": [r.describe() for r in ref_segs]},
        metrics=args.metrics or ",".join(suite.metrics),
    )
    if suite.select:
        _select(data, root, suite)
    return data


def _select(data: _Data, root: Path, suite: Any) -> None:
    """Keep the suite's subset: the segments whose line of ``select.file`` is ``select.equals``."""
    from .data import read_segments

    labels = read_segments(str(root / suite.select["file"]))
    if len(labels.lines) != len(data.refs[0]):
        raise InputError(f"suite {suite.name}: '{labels.path}' has {len(labels.lines)} lines, the references {len(data.refs[0])}")
    keep = [i for i, label in enumerate(labels.lines) if label.strip() == suite.select["equals"]]
    data.refs = [[r[i] for i in keep] for r in data.refs]
    data.sources = [data.sources[i] for i in keep] if data.sources is not None else None
    data.info["selected"] = {**labels.describe(), "equals": suite.select["equals"], "segments": len(keep)}


def _hypothesis_systems(args: argparse.Namespace) -> list[Any]:
    from .data import read_segments
    from .runner import System

    names = _unique_names(args.name + [Path(h.split("#")[0]).stem for h in args.hyp[len(args.name):]])
    systems = []
    for spec, name in zip(args.hyp, names):
        seg = read_segments(spec, ("hyp", "hypothesis", "translation", "output", "mt"))
        lines = seg.lines[args.offset:][: args.limit] if args.limit else seg.lines[args.offset:]
        systems.append(System(name, lines, origin={"file": seg.describe()}))
    return systems


def _run_models(args: argparse.Namespace, sources: list[str], task: str,
                direction: tuple[str, str | None], suite: Any = None) -> list[Any]:
    from ..pipeline import Pipeline
    from .runner import System, translate_lines

    systems = []
    if task == "summarization":
        return _summary_systems(args, sources, suite)
    compute_types = args.compute_type
    runs = [(m, c) for m in (args.model or [None]) for c in compute_types]
    names = _unique_names([
        (Path(m).name if m else "bilingua") + (f"-{c}" if len(compute_types) > 1 else "") for m, c in runs
    ])
    for (model, compute), name in zip(runs, names):
        pipeline = Pipeline(translation=_translation_options(args, model, compute, direction), progress=not args.quiet)
        hyps, speed = translate_lines(sources, pipeline)
        systems.append(System(name, hyps, origin={"model": pipeline.models_info().get("translation", {})}, speed=speed))
    return systems


def _summary_systems(args: argparse.Namespace, sources: list[str], suite: Any = None) -> list[Any]:
    """bilingua's extractive summary (picked French sentences, no translation), Lead-1..3, and the suite's published outputs."""
    from ..summarizers import ExtractiveSummarizer
    from .data import read_segments
    from .runner import System, summarize_lines

    summarizer = ExtractiveSummarizer(args.summary_sentences, None, words=args.summary_words, language=SOURCE)
    docs = [summarizer.sentences(line) for line in sources]
    hyps, speed = summarize_lines(docs, summarizer)
    systems = [System("bilingua-extractive", hyps, origin={"summarizer": summarizer.info()}, speed=speed)]
    systems += [System(f"lead-{k}", [" ".join(d[:k]) for d in docs], origin={"baseline": f"first {k} sentences"})
                for k in (1, 2, 3)]
    if suite is not None:
        from .suites import data_dir

        root = data_dir(args.data_dir)
        for name, rel in suite.outputs.items():
            seg = read_segments(str(root / rel))
            lines = seg.lines[args.offset:][: len(sources)]
            systems.append(System(name, lines, origin={"file": seg.describe(), "published": True}))
    return systems


def _translation_options(args: argparse.Namespace, model: str | None, compute_type: str,
                         direction: tuple[str, str | None]) -> Any:
    # --model and --compute-type are lists here: one run per pair.
    source, target = direction
    # model=None: the pair's model of --tier.
    overrides: dict[str, Any] = {"compute_type": compute_type, "model": model, "source": source, "target": target}
    return options_from(TranslationOptions, args, **overrides)


def _direction(args: argparse.Namespace, suite: Any) -> tuple[str, str | None]:
    """The pair to translate in: a translation suite's own, else --from/--to (default: the default pair).

    --from/--to that contradict the suite are refused: the references are in the suite's target language.
    """
    if suite is None or suite.task != "translation":
        return args.source or SOURCE, args.target
    for flag, given, wanted in (("--from", args.source, suite.source_language),
                                ("--to", args.target, suite.target_language)):
        if given is not None and given != wanted:
            raise UsageError(f"suite {suite.name} translates {suite.langpair}; {flag} {given} does not match it")
    return suite.source_language, suite.target_language


def _sacrebleu_test_set(test_set: str, langpair: str) -> tuple[list[str], list[list[str]], dict[str, Any]]:
    import contextlib
    import io

    from sacrebleu.utils import get_reference_files, get_source_file

    chatter = io.StringIO()  # sacrebleu prints progress and its own errors; we say one line instead
    try:
        with contextlib.redirect_stdout(chatter), contextlib.redirect_stderr(chatter):
            src_file = get_source_file(test_set, langpair)
            ref_files = get_reference_files(test_set, langpair)
    except (Exception, SystemExit) as exc:
        raise BilinguaError(
            f"sacrebleu could not provide test set {test_set} {langpair} ({exc}); it downloads test sets on first use, "
            "so run once with network access, or use --suite with a local data folder"
        ) from None
    from .data import read_segments

    src = read_segments(src_file)
    refs = [read_segments(r) for r in ref_files]
    return src.lines, [r.lines for r in refs], {
        "test_set": test_set, "langpair": langpair, "source": src.describe(),
        "references": [r.describe() for r in refs],
    }
