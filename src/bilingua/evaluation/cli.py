"""``bilingua eval`` (filled in by the evaluation harness)."""

from __future__ import annotations

import argparse
from typing import Any


def add_eval_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    sub.add_parser("eval", parents=[common], help="score translations and summaries")


def run_eval(args: argparse.Namespace) -> int:
    raise NotImplementedError
