"""The ``bilingua`` command line.

Exit status: 0 on success, 2 on a usage error, 1 on any other failure, with a
one-line ``error: ...`` on stderr (``--debug`` shows the traceback instead).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from . import __version__
from .errors import BilinguaError
from .io import read_text, same_file, write_atomic

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    pass


def _positive(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {n}")
    return n


def _ratio(value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {value!r}") from None
    if not 0 < x <= 1:
        raise argparse.ArgumentTypeError(f"expected a ratio in (0, 1], got {x}")
    return x


def _io_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("text", nargs="*", help="French text (several words are joined by spaces); omit to use -i or stdin")
    p.add_argument("-i", "--input", metavar="FILE", help="read the text from FILE ('-' for stdin)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (atomically) instead of stdout")
    p.add_argument(
        "--format", choices=("text", "json", "jsonl"), default="text",
        help="text; json (one Result); jsonl (each non-empty input line is a document, one JSON result per line)",
    )


def _model_options(p: argparse.ArgumentParser, summarizer: bool) -> None:
    g = p.add_argument_group("model options")
    g.add_argument("--model", metavar="ID_OR_PATH", help="Marian model: hub id or local folder (default: Helsinki-NLP/opus-mt-fr-en)")
    g.add_argument("--revision", help="hub revision of --model (default: the pinned one)")
    g.add_argument("--backend", choices=("auto", "transformers", "ctranslate2"), default="auto")
    g.add_argument(
        "--compute-type", default="auto",
        choices=("auto", "int8", "int8_float32", "float32", "float16", "int8_float16", "bfloat16"),
    )
    g.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    g.add_argument("--beams", type=_positive, help="beam size (default: the model's, 4 for opus-mt)")
    g.add_argument("--batch-size", type=_positive, default=16)
    g.add_argument("--threads", type=_positive, help="CPU threads for the engine (default: all cores)")
    g.add_argument(
        "--target-vocab-only", action="store_true",
        help="CTranslate2: restrict the output layer to the target-side vocabulary (faster; see README)",
    )
    if summarizer:
        g.add_argument("--summarizer", choices=("auto", "extractive", "abstractive"), default="auto")
        g.add_argument("--summarizer-model", metavar="ID_OR_PATH")
        g.add_argument("--summary-sentences", type=_positive, help="extractive summary length in sentences")
        g.add_argument("--summary-ratio", type=_ratio, help="summary length as a fraction of the input")
        g.add_argument(
            "--summary-from", choices=("translation", "source"), default="translation",
            help="summarise the English translation (default) or pick French source sentences and translate those",
        )


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-q", "--quiet", action="store_true", help="no notices or progress bars on stderr")
    common.add_argument("--debug", action="store_true", help="show tracebacks")

    parser = argparse.ArgumentParser(
        prog="bilingua", description="French to English translation and summaries of whole documents.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"bilingua {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("translate", parents=[common], help="translate French text to English")
    _io_options(p)
    _model_options(p, summarizer=False)

    p = sub.add_parser("summarize", parents=[common], help="English summary of a French text")
    _io_options(p)
    _model_options(p, summarizer=True)

    p = sub.add_parser("process", parents=[common], help="translation and summary together")
    _io_options(p)
    p.add_argument("--json", action="store_const", const="json", dest="format", help="same as --format json")
    _model_options(p, summarizer=True)

    p = sub.add_parser("models", parents=[common], help="download, list and inspect models")
    msub = p.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    d = msub.add_parser("download", parents=[common], help="fetch models into the Hugging Face cache for offline use")
    d.add_argument("ids", nargs="*", metavar="ID", help="model ids (default: the default translation and summarisation models)")
    d.add_argument("--revision")
    msub.add_parser("list", parents=[common], help="default models and what the cache holds")
    i = msub.add_parser("info", parents=[common], help="where a model is and what it is (no download)")
    i.add_argument("id", nargs="?", metavar="ID_OR_PATH")
    i.add_argument("--revision")

    from .evaluation.cli import add_eval_parser

    add_eval_parser(sub, common)
    return parser


def _read_input(args: argparse.Namespace) -> str:
    if args.text and args.input:
        raise UsageError("give the text as arguments or with -i, not both")
    if args.text:
        return " ".join(args.text)
    if args.input:
        return read_text(args.input)
    if sys.stdin is None or sys.stdin.isatty():
        raise UsageError("no input: give TEXT, -i FILE, or pipe text on stdin")
    return read_text("-")


def _pipeline_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    kw: dict[str, Any] = dict(
        backend=args.backend, compute_type=args.compute_type, device=args.device, beams=args.beams,
        batch_size=args.batch_size, threads=args.threads, quiet=args.quiet,
        target_vocab_only=args.target_vocab_only,
    )
    if args.model:
        kw["model"] = args.model
    if args.revision:
        kw["revision"] = args.revision
    for name in ("summarizer", "summarizer_model", "summary_sentences", "summary_ratio", "summary_from"):
        if getattr(args, name, None) is not None:
            kw[name] = getattr(args, name)
    return kw


def _emit(args: argparse.Namespace, text: str) -> None:
    if args.output:
        write_atomic(args.output, text)
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def _run_text_command(args: argparse.Namespace) -> int:
    if args.output and args.input and args.input != "-" and same_file(args.input, args.output):
        raise UsageError(f"-o {args.output} is the input file; bilingua never overwrites its input")
    text = _read_input(args)
    from .pipeline import Pipeline

    pipeline = Pipeline(**_pipeline_kwargs(args))
    summarize = args.command != "translate"

    if args.format == "jsonl":
        docs = [line for line in text.split("\n") if line.strip()]
        chunks = []
        for result in pipeline.process_many(docs, summarize=summarize):
            chunks.append(result.to_json(indent=None) + "\n")
            if not args.output:  # stream to stdout as results come
                sys.stdout.write(chunks[-1])
                sys.stdout.flush()
        if args.output:
            write_atomic(args.output, "".join(chunks))
        return EXIT_OK

    if args.command == "summarize" and args.format == "text":
        out = pipeline.summarize(text)
        _emit(args, out + "\n")
        return EXIT_OK
    result = pipeline.process(text, summarize=summarize)
    if args.format == "json":
        _emit(args, result.to_json() + "\n")
    elif args.command == "translate":
        _emit(args, result.translation + ("" if result.translation.endswith("\n") else "\n"))
    else:
        _emit(args, f"{result.translation.rstrip()}\n\nSummary:\n{result.summary}\n")
    return EXIT_OK


def _run_models(args: argparse.Namespace) -> int:
    from .hub import DEFAULT_SUMMARIZER_MODEL, DEFAULT_TRANSLATION_MODEL, resolve_model

    if args.models_command == "download":
        ids = args.ids or [DEFAULT_TRANSLATION_MODEL, DEFAULT_SUMMARIZER_MODEL]
        for model_id in ids:
            resolved = resolve_model(model_id, args.revision)
            print(f"{resolved.id}\t{resolved.revision}\t{resolved.path}")
        return EXIT_OK
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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: usage errors exit 2, --help/--version 0
        return int(exc.code or 0)
    try:
        if args.command in {"translate", "summarize", "process"}:
            return _run_text_command(args)
        if args.command == "models":
            return _run_models(args)
        if args.command == "eval":
            from .evaluation.cli import run_eval

            return run_eval(args)
        parser.error(f"unknown command {args.command}")
    except UsageError as exc:
        if args.debug:
            raise
        parser.print_usage(sys.stderr)
        print(f"bilingua: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_FAILURE
    except (BilinguaError, ValueError, TypeError, OSError) as exc:
        if args.debug:
            raise
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except Exception as exc:  # an unexpected failure still gets one line, not a traceback
        if args.debug:
            raise
        print(f"error: unexpected {type(exc).__name__}: {exc} (run with --debug for details)", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
