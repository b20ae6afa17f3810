"""The ``bilingua`` command line.

Exit status: 0 on success, 2 on a usage error, 1 on any other failure, with a
one-line ``error: ...`` on stderr (``--debug`` shows the traceback instead).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from typing import Any

from .version import __version__
from .encoding import Decoded, encode_text
from .errors import BilinguaError
from .evaluation.cli import add_eval_parser, run_eval
from .flags import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError, add_flags, options_from, text_encoding, whole
from .io import check_output, read_bytes, read_decoded, read_text, same_file, stdin_is, write_output
from .options import (
    ReviewOptions,
    SummaryOptions,
    TranslationOptions,
    field_names,
)
from .formats import format_of, formats, get_format, plain_text
from .text import data_lines, split_lines

def error_line(message: object) -> None:
    """The command line's one error format: ``bilingua: error: ...`` on one line of stderr."""
    print(f"bilingua: error: {message}", file=sys.stderr)


def _io_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("text", nargs="*", help="French text (several words are joined by spaces); omit to use -i or stdin")
    p.add_argument("-i", "--input", metavar="FILE", help="read the text from FILE ('-' for stdin)")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="write to FILE instead of stdout ('-': stdout; a file is replaced atomically, a device or FIFO "
                        "written to)")
    p.add_argument("--force", action="store_true", help="replace a read-only -o file")
    p.add_argument("--input-format", choices=formats(),
                   help="the input's format (default: from the -i file's extension, else text); the output is in the same format")
    p.add_argument("--encoding", type=text_encoding, metavar="NAME",
                   help="the input's encoding (default: from its byte-order mark, its declared charset or its bytes)")
    p.add_argument(
        "--format", choices=("text", "json", "jsonl"), default="text",
        help="text; json (one Result); jsonl (each non-empty input line is a document, one JSON result per line)",
    )


def _model_options(p: argparse.ArgumentParser, summarizer: bool) -> None:
    g = p.add_argument_group("model options")
    add_flags(g, TranslationOptions)
    if summarizer:
        add_flags(g, SummaryOptions)


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-q", "--quiet", action="store_true", help="errors only on stderr: no notices, no progress bars")
    common.add_argument("--debug", action="store_true", help="debug messages and tracebacks")

    parser = argparse.ArgumentParser(
        prog="bilingua", description="French to English translation and summaries of whole documents.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"bilingua {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    _add_translate_parser(sub, common)

    p = sub.add_parser("summarize", parents=[common], help="English summary of a French text")
    _io_options(p)
    _model_options(p, summarizer=True)

    p = sub.add_parser("process", parents=[common], help="translation and summary together")
    _io_options(p)
    p.add_argument("--json", action="store_const", const="json", dest="format", help="same as --format json")
    _model_options(p, summarizer=True)

    _add_batch_parser(sub, common)
    _add_serve_parser(sub, common)
    _add_review_parser(sub, common)

    p = sub.add_parser("models", parents=[common], help="download, list and inspect models")
    msub = p.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    d = msub.add_parser("download", parents=[common], help="fetch models into the Hugging Face cache for offline use")
    d.add_argument("ids", nargs="*", metavar="ID", help="model ids (default: the default translation and summarisation models)")
    d.add_argument("--revision")
    msub.add_parser("list", parents=[common], help="default models and what the cache holds")
    i = msub.add_parser("info", parents=[common], help="where a model is and what it is (no download)")
    i.add_argument("id", nargs="?", metavar="ID_OR_PATH")
    i.add_argument("--revision")
    s = msub.add_parser(
        "shortlist", parents=[common], help="a vocabulary shortlist for faster decoding (--shortlist), from French text",
        description="Translate CORPUS (French, plain text) with the model and write, for each source piece, the "
        "target pieces its translations use: CTranslate2's vocabulary map, for --shortlist. Opt-in: it may change "
        "outputs; build it from text like what you will translate and score it with bilingua eval.",
    )
    s.add_argument("corpus", metavar="CORPUS", help="French text, one or more sentences per line")
    s.add_argument("-o", "--output", required=True, metavar="FILE", help="the shortlist to write (replaced atomically)")
    s.add_argument("--force", action="store_true", help="replace a read-only FILE")
    s.add_argument("--frequent", type=whole(1), default=300, help="commonest target pieces, always allowed (default 300)")
    s.add_argument("--per-piece", type=whole(1), default=30, help="target pieces each source piece adds (default 30)")
    _model_options(s, summarizer=False)

    add_eval_parser(sub, common)
    return parser


def _add_batch_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    from .corpus import BatchOptions

    p = sub.add_parser(
        "batch", parents=[common], help="translate and summarise a corpus; resumable, local or on Ray",
        description="Add the translation (and summary, segments) to every record of INPUT and write them to "
        "OUTPUT in its format (.jsonl, .csv, .parquet), in input order. Run the same command again to resume.",
    )
    p.add_argument("input", metavar="INPUT", help="a .jsonl, .csv or .parquet file, or a folder of text documents (.txt, .md, .html, .srt, .vtt)")
    p.add_argument("-o", "--output", required=True, metavar="OUTPUT")
    g = p.add_argument_group("batch options")
    add_flags(g, BatchOptions)
    g.add_argument("--no-summary", action="store_true", help="no summary field")
    p.add_argument("--overwrite", action="store_true", help="start again from nothing, replacing the output and any finished chunks")
    p.add_argument("--report", metavar="FILE", help="write a JSON report of the run")
    _model_options(p, summarizer=True)


def _add_serve_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    from .options import ServiceOptions

    p = sub.add_parser(
        "serve", parents=[common], help="a LibreTranslate-compatible HTTP service with a web page",
        description="Serve /translate, /detect and /languages as LibreTranslate does, bilingua's /v1/process and "
        "/v1/summarize, a web page at /, OpenAPI docs at /docs and Prometheus metrics at /metrics. "
        "Needs: pip install 'bilingua[serve]'.",
    )
    add_flags(p.add_argument_group("service options"), ServiceOptions)
    _model_options(p, summarizer=True)


def _add_translate_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("translate", parents=[common], help="translate text (French to English unless --from/--to say)")
    _io_options(p)
    p.add_argument("--extract", action="store_true",
                   help="a web page: write only its main article (no menus or footers), translated, as Markdown")
    p.add_argument("--review", action="store_true",
                   help="also write to stderr each sentence a person should check, and why (plain text)")
    p.add_argument("--comment-flags", action="store_true",
                   help="a .docx: put a Word comment on each paragraph a person should check, saying why")
    p.add_argument("--keep-encoding", action="store_true", help="write the translation in the input's encoding, not UTF-8")
    _model_options(p, summarizer=False)
    add_flags(p.add_argument_group("review options"), ReviewOptions)


def _add_review_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "review", parents=[common], help="flag the lines of any translation a person should check",
        description="Review a translation, line by line against its source, without a reference or a model: "
        "each flag says what to check (a changed number, a lost negation, a swapped name, a left-out clause...). "
        "Exit status 0 whatever the flags say; 1 when the files cannot be read or paired.")
    p.add_argument("--src", required=True, metavar="FILE", help="the source text, one sentence or paragraph per line")
    p.add_argument("--hyp", required=True, metavar="FILE", help="its translation, line for line")
    p.add_argument("--format", choices=("text", "json", "jsonl"), default="text",
                   help="text (the flagged lines, then a count); json (one object); jsonl (one object per line)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout (replaced atomically)")
    p.add_argument("--force", action="store_true", help="replace a read-only -o file")
    languages = ("source", "target", "glossary")
    add_flags(p, TranslationOptions, skip=tuple(n for n in field_names(TranslationOptions) if n not in languages))
    add_flags(p, ReviewOptions)


def _run_review(args: argparse.Namespace) -> int:
    from .detection import LanguageDetector
    from .languages import AUTO, LANGUAGES
    from .protect import read_glossary
    from .review import Reviewer

    translation, options = options_from(TranslationOptions, args), options_from(ReviewOptions, args)
    if args.output:
        check_output(args.output, force=args.force)
    sources, hyps = data_lines(read_text(args.src)), data_lines(read_text(args.hyp))
    if len(sources) != len(hyps):
        raise BilinguaError(f"{args.src} has {len(sources)} lines but {args.hyp} has {len(hyps)} lines: "
                            "a review pairs each line with its translation")
    source = translation.source
    if source == AUTO:
        source = LanguageDetector(list(LANGUAGES)).best(" ".join(sources)[:20000]).language
    chosen = translation.pair_of(source)
    glossary = read_glossary(translation.glossary) if translation.glossary else None
    reviewer = Reviewer(chosen.source, chosen.target, min_score=options.min_score, checks=options.checks,
                        glossary=glossary)
    reviews = reviewer.review_all(sources, hyps)
    rows = [{"line": i, "source": s, "translation": t, "ok": r.ok, "flags": [dataclasses.asdict(f) for f in r.flags]}
            for i, (s, t, r) in enumerate(zip(sources, hyps, reviews), 1)]
    _emit(args, _review_report(rows, chosen.name, args.format))
    return EXIT_OK


def _review_report(rows: list[dict[str, Any]], pair: str, form: str) -> str:
    flagged = [r for r in rows if not r["ok"]]
    if form == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if form == "json":
        counts: dict[str, int] = {}
        for r in flagged:
            for kind in dict.fromkeys(f["kind"] for f in r["flags"]):
                counts[kind] = counts.get(kind, 0) + 1
        return json.dumps({"pair": pair, "lines": len(rows), "flagged": len(flagged), "kinds": counts,
                           "reviews": rows}, ensure_ascii=False, indent=2) + "\n"
    out = [f"line {r['line']}: {f['kind']}: {f['message']}" for r in flagged for f in r["flags"]]
    return "".join(line + "\n" for line in out) + f"{len(flagged)} of {len(rows)} lines to check ({pair})\n"


def _run_serve(args: argparse.Namespace) -> int:
    from .options import ServiceOptions
    from .pipeline import Pipeline
    from .service import serve

    translation, summary = _options(args)
    options = options_from(ServiceOptions, args)
    ours = logging.getLogger("bilingua")
    for handler in ours.handlers:  # a server's log wants times
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    uvicorn_log = logging.getLogger("uvicorn")
    uvicorn_log.handlers = list(ours.handlers)
    uvicorn_log.setLevel(ours.level)
    uvicorn_log.propagate = False
    review = ReviewOptions(min_score=options.low_confidence)  # the page marks and flags the same sentences
    serve(Pipeline(translation=translation, summary=summary, review=review, progress=False), options)
    return EXIT_OK


def _run_batch(args: argparse.Namespace) -> int:
    from .corpus import BatchOptions, run_batch

    translation, summary = _options(args)
    fields = args.fields if args.fields is not None else BatchOptions().fields
    options = options_from(BatchOptions, args, fields=tuple(f for f in fields if not (args.no_summary and f == "summary")))
    if args.report:
        check_output(args.report)
    assert summary is not None
    report = run_batch(args.input, args.output, translation=translation, summary=summary, options=options,
                       overwrite=args.overwrite, progress=not args.quiet)
    if args.report:
        write_output(args.report, report.to_json() + "\n")
    if report.failed:
        error_line(f"{report.failed} of {report.records} records failed (see their \"error\" field)")
        return EXIT_FAILURE
    return EXIT_OK


def _read_input(args: argparse.Namespace) -> tuple[str, Decoded | None]:
    """The input text, and how it was read from -i FILE or stdin (``None``: given as arguments)."""
    if args.text and args.input:
        raise UsageError("give the text as arguments or with -i, not both")
    if args.text:
        if args.encoding:
            raise UsageError("--encoding names the encoding of -i FILE or stdin, not of arguments")
        return " ".join(args.text), None
    if not args.input and (sys.stdin is None or sys.stdin.isatty()):
        raise UsageError("no input: give TEXT, -i FILE, or pipe text on stdin")
    read = read_decoded(args.input or "-", args.encoding)
    return read.text, read


def _options(args: argparse.Namespace) -> tuple[TranslationOptions, SummaryOptions | None]:
    """The option groups of a text command; a bad combination is a usage error, found before any work."""
    for name in ("glossary", "shortlist"):  # worker processes and Ray actors may start elsewhere
        if getattr(args, name, None):
            setattr(args, name, os.path.abspath(getattr(args, name)))
    translation = options_from(TranslationOptions, args)
    summary = options_from(SummaryOptions, args) if hasattr(args, "summarizer") else None
    return translation, summary


def _check_paths(args: argparse.Namespace) -> None:
    if not args.output:
        return
    if args.input and args.input != "-" and same_file(args.input, args.output):
        raise UsageError(f"-o {args.output} is the input file; bilingua never overwrites its input")
    if not args.text and (not args.input or args.input == "-") and stdin_is(args.output):
        raise UsageError(f"-o {args.output} is the file on standard input; bilingua never overwrites its input")
    check_output(args.output, force=args.force)


def _emit(args: argparse.Namespace, text: str, read: Decoded | None = None) -> None:
    """Write the output; a translated document (``read``: how its input was read) in UTF-8, or with
    --keep-encoding its input's encoding, with its input's byte-order mark (encoded before anything is written)."""
    data = None if read is None else encode_text(text, read, keep_encoding=getattr(args, "keep_encoding", False))
    if args.output:
        write_output(args.output, text if data is None else data, force=args.force)
    elif data is None or data == text.encode("utf-8"):
        sys.stdout.write(text)
        sys.stdout.flush()
    else:  # other bytes than the terminal's text: written as they are
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()


def _json(result: Any, read: Decoded | None, indent: int | None = 2) -> str:
    """A Result as JSON, with the ``encoding`` its input was read in (``null`` for arguments)."""
    return json.dumps({**result.to_dict(), "encoding": read and read.encoding}, ensure_ascii=False, indent=indent)


def _run_text_command(args: argparse.Namespace) -> int:
    translation, summary = _options(args)
    _check_paths(args)
    form = format_of(args.input if args.input and args.input != "-" else None, args.input_format)
    as_document = args.command == "translate" and args.format == "text"  # the output in the input's format
    _check_form(args, form, as_document)
    document, read = (_read_binary(args, form), None) if get_format(form).binary else _read_input(args)
    from .pipeline import Pipeline

    review = options_from(ReviewOptions, args) if hasattr(args, "min_score") else None
    pipeline = Pipeline(translation=translation, summary=summary, review=review, progress=not args.quiet)
    summarize = args.command != "translate"
    if form != "text" and as_document:
        translated = pipeline.translate_document(document, form, extract=getattr(args, "extract", False),
                                                 comment_flags=getattr(args, "comment_flags", False))
        if isinstance(translated, bytes):
            write_output(args.output, translated, force=args.force)
        else:
            _emit(args, translated + ("\n" if args.extract else ""), read)
        return EXIT_OK
    text = plain_text(document, form)  # a summary (or a Result) is of the document's text
    if args.format == "jsonl":
        docs = [line for line in split_lines(text) if line.strip()]
        chunks = []
        for result in pipeline.process_many(docs, summarize=summarize):
            chunks.append(_json(result, read, None) + "\n")
            if not args.output:  # stream to stdout as results come
                sys.stdout.write(chunks[-1])
                sys.stdout.flush()
        if args.output:
            _emit(args, "".join(chunks))
        return EXIT_OK
    in_own_language = pipeline.summary.summary_lang == pipeline.options.source  # nothing to translate
    if args.command == "summarize" and (args.format == "text" or in_own_language):
        _emit(args, _summaries(pipeline, text, args.format))
        return EXIT_OK
    result = pipeline.process(text, summarize=summarize)
    if args.format == "json":
        _emit(args, _json(result, read) + "\n")
    elif args.command == "translate":
        _emit(args, result.translation + ("" if result.translation.endswith(("\n", "\r")) else _eol(text)), read)
        if args.review:
            _print_flags(result)
    else:
        _emit(args, f"{result.translation.rstrip()}\n\nSummary:\n{result.summary}\n")
    return EXIT_OK


def _check_form(args: argparse.Namespace, form: str, as_document: bool) -> None:
    """What a text command's input format allows, checked before anything is read."""
    if form != "text" and args.format == "jsonl":
        raise UsageError(f"--format jsonl reads one plain-text document per line, not {form}")
    if getattr(args, "extract", False) and (form != "html" or args.format != "text"):
        raise UsageError("--extract takes a web page (.html, or --input-format html) and writes Markdown")
    if getattr(args, "review", False) and (form != "text" or args.format != "text"):
        raise UsageError("--review reviews a plain-text translation; for a document's flags use "
                         "bilingua process --format json")
    if getattr(args, "comment_flags", False) and not (get_format(form).comments and as_document):
        raise UsageError(f"--comment-flags writes comments into a {', '.join(formats(comments=True))} document, "
                         f"not into {form if as_document else '--format ' + args.format}")
    if get_format(form).binary and (args.encoding or getattr(args, "keep_encoding", False)):
        raise UsageError(f"--encoding and --keep-encoding are for text files; a {form} file has its own")
    if getattr(args, "keep_encoding", False) and not as_document:
        raise UsageError(f"--keep-encoding writes a translated document, not --format {args.format} (UTF-8)")
    if get_format(form).binary and as_document and not args.output:
        raise UsageError(f"a translated {form} document is written with -o FILE, not to the terminal")


def _print_flags(result: Any) -> None:
    """``translate --review``: each flagged sentence, with its line and why, on stderr (the translation
    itself went to stdout or -o, unchanged)."""
    flagged = [s for s in result.segments if s.flags]
    for seg in flagged:
        for flag in seg.flags:
            print(f"bilingua: check line {seg.line + 1}: {flag.kind}: {flag.message} | {seg.source}", file=sys.stderr)
    if flagged:
        print(f"bilingua: {len(flagged)} of {len(result.segments)} sentences to check", file=sys.stderr)


def _read_binary(args: argparse.Namespace, form: str) -> bytes:
    """A binary document (a .docx) from -i FILE or stdin."""
    if args.text:
        raise UsageError(f"a {form} document comes from -i FILE or stdin, not from arguments")
    return sys.stdin.buffer.read() if not args.input or args.input == "-" else read_bytes(args.input)


def _summaries(pipeline: Any, text: str, form: str) -> str:
    """The summary alone: as text, as one JSON object, or one JSON line per input line."""
    import json

    if form == "text":
        return pipeline.summarize(text) + "\n"
    if form == "json":
        return json.dumps({"summary": pipeline.summarize(text)}, ensure_ascii=False) + "\n"
    docs = [line for line in split_lines(text) if line.strip()]
    return "".join(json.dumps({"summary": pipeline.summarize(d)}, ensure_ascii=False) + "\n" for d in docs)


def _eol(text: str) -> str:
    """The input's own line ending, for the one a terminal-friendly output adds."""
    return "\r\n" if "\r\n" in text else "\n"


@contextlib.contextmanager
def _logging(args: argparse.Namespace) -> Iterator[None]:
    """Library messages to stderr as ``bilingua: ...``: errors only with --quiet, everything with --debug."""
    logger = logging.getLogger("bilingua")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("bilingua: %(message)s"))
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if args.debug else logging.ERROR if args.quiet else logging.INFO)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
        logger.propagate = True


def _run_models(args: argparse.Namespace) -> int:
    from .hub import DEFAULT_SUMMARIZER_MODEL, DEFAULT_TRANSLATION_MODEL, resolve_model

    if args.models_command == "download":
        ids = args.ids or [DEFAULT_TRANSLATION_MODEL, DEFAULT_SUMMARIZER_MODEL]
        for model_id in ids:
            resolved = resolve_model(model_id, args.revision)
            print(f"{resolved.id}\t{resolved.revision}\t{resolved.path}")
        return EXIT_OK
    if args.models_command == "shortlist":
        return _run_shortlist(args)
    if args.models_command == "info":
        resolved = resolve_model(args.id or DEFAULT_TRANSLATION_MODEL, args.revision, allow_download=False)
        files = sorted(p for p in resolved.path.rglob("*") if p.is_file())
        info: dict[str, Any] = {**resolved.info(), "files": [p.name for p in files],
                                "bytes": sum(p.stat().st_size for p in files)}
        config = resolved.path / "config.json"
        if config.is_file():
            cfg = json.loads(config.read_text(encoding="utf-8"))
            info["config"] = {k: cfg[k] for k in ("model_type", "d_model", "encoder_layers", "decoder_layers",
                                                  "vocab_size", "max_position_embeddings") if k in cfg}
        print(json.dumps(info, indent=2, ensure_ascii=False))
        return EXIT_OK
    # list
    from huggingface_hub import scan_cache_dir

    print("defaults:")
    for model_id in (DEFAULT_TRANSLATION_MODEL, DEFAULT_SUMMARIZER_MODEL):
        try:
            where = str(resolve_model(model_id, allow_download=False).path)
        except BilinguaError:
            where = "not downloaded (bilingua models download)"
        print(f"  {model_id}: {where}")
    try:
        repos = sorted(scan_cache_dir().repos, key=lambda r: r.repo_id)
    except Exception:  # no cache folder yet
        repos = []
    print("Hugging Face cache:")
    for repo in repos:
        if repo.repo_type == "model":
            revs = ", ".join(sorted(r.commit_hash[:12] for r in repo.revisions))
            print(f"  {repo.repo_id}\t{repo.size_on_disk / 1e6:.1f} MB\t{revs}")
    if not repos:
        print("  (empty)")
    from .backends.ct2 import cache_root

    converted = sorted((cache_root() / "ct2").glob("*/bilingua.json"))
    print(f"CTranslate2 conversions ({cache_root() / 'ct2'}):")
    for meta_file in converted:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        print(f"  {meta.get('id')}\t{meta.get('revision')}\t{meta.get('compute_type')}\t{meta_file.parent.name}")
    if not converted:
        print("  (none)")
    return EXIT_OK


def _run_shortlist(args: argparse.Namespace) -> int:
    from .models import make_shortlist

    if same_file(args.corpus, args.output):
        raise UsageError(f"-o {args.output} is the corpus; bilingua never overwrites its input")
    check_output(args.output, force=args.force)
    if args.shortlist or args.target_vocab_only:
        raise UsageError("a shortlist is learnt from the full vocabulary: drop --shortlist and --target-vocab-only")
    translation, _ = _options(args)
    report = make_shortlist(args.corpus, args.output, translation, frequent=args.frequent, per_piece=args.per_piece)
    if not args.quiet:
        print(f"bilingua: {args.output}: {report['sentences']} sentences, {report['source_pieces']} source pieces, "
              f"{report['always']} pieces always allowed; {report['mean_candidates']:.0f} candidates per sentence "
              f"on average, of {report['vocabulary']}", file=sys.stderr)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: usage errors exit 2, --help/--version 0
        return int(exc.code or 0)
    with _logging(args):
        return _dispatch(parser, args)


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    try:
        if args.command in {"translate", "summarize", "process"}:
            args.output = None if args.output == "-" else args.output  # "-" is standard output, as -i - is input
            return _run_text_command(args)
        if args.command == "batch":
            return _run_batch(args)
        if args.command == "serve":
            return _run_serve(args)
        if args.command == "models":
            return _run_models(args)
        if args.command == "eval":
            return run_eval(args)
        if args.command == "review":
            return _run_review(args)
        parser.error(f"unknown command {args.command}")
    except UsageError as exc:
        if args.debug:
            raise
        parser.print_usage(sys.stderr)
        error_line(exc)
        return EXIT_USAGE
    except KeyboardInterrupt:
        error_line("interrupted")
        return 130
    except BrokenPipeError:
        return EXIT_FAILURE
    except (BilinguaError, ValueError, TypeError, OSError) as exc:
        if args.debug:
            raise
        error_line(exc)
        return EXIT_FAILURE
    except Exception as exc:  # an unexpected failure still gets one line, not a traceback
        if args.debug:
            raise
        error_line(f"unexpected {type(exc).__name__}: {exc} (run with --debug for details)")
        return EXIT_FAILURE
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
