"""Named benchmark suites, defined as JSON files in the repository's ``eval/suites/``."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import BilinguaError

__all__ = ["Suite", "load_suite", "list_suites", "suites_dir", "data_dir"]


class SuiteError(BilinguaError):
    pass


@dataclass(frozen=True)
class Suite:
    name: str
    task: str  # "translation" | "summarization" | "segmentation"
    source: str
    references: list[str]
    metrics: list[str]
    langpair: str = "fr-en"
    description: str = ""
    size: int | None = None
    license: str = ""
    provenance: str = ""
    published: list[dict[str, Any]] = field(default_factory=list)
    outputs: dict[str, str] = field(default_factory=dict)
    parts: list[dict[str, str]] = field(default_factory=list)  # segmentation: text and document-id files
    # A subset: the segments whose line in ``select["file"]`` equals ``select["equals"]`` (newstest's origlang).
    select: dict[str, str] = field(default_factory=dict)
    #: Segmentation: a file beside the suite that says where sentences start inside test-set lines
    #: (its full path once loaded).
    marks: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}

    @property
    def source_language(self) -> str:
        return self.langpair.split("-")[0]

    @property
    def target_language(self) -> str:
        return self.langpair.split("-")[-1]


def _repo_root() -> Path:
    return Path(__file__).resolve().parents[3]


def suites_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """``explicit``, else ``$BILINGUA_SUITES``, else ``eval/suites`` of the source checkout."""
    if explicit is not None:  # an explicit choice is never silently replaced
        if not Path(explicit).is_dir():
            raise SuiteError(f"suite folder '{explicit}' not found")
        return Path(explicit)
    for c in (os.environ.get("BILINGUA_SUITES"), _repo_root() / "eval" / "suites"):
        if c and Path(c).is_dir():
            return Path(c)
    raise SuiteError(
        "suite definitions not found; pass --suites-dir DIR or set BILINGUA_SUITES to a folder like the repository's eval/suites"
    )


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """``explicit``, else ``$BILINGUA_DATA``, else ``../shared/evaldata`` beside the checkout."""
    if explicit is not None:  # an explicit choice is never silently replaced
        if not Path(explicit).is_dir():
            raise SuiteError(f"evaluation data folder not found (looked in: {explicit}); check --data-dir")
        return Path(explicit)
    tried = []
    for c in (os.environ.get("BILINGUA_DATA"), _repo_root().parent / "shared" / "evaldata"):
        if c:
            tried.append(str(c))
            if Path(c).is_dir():
                return Path(c)
    raise SuiteError(
        f"evaluation data folder not found (looked in: {', '.join(tried)}); pass --data-dir DIR or set BILINGUA_DATA"
    )


def list_suites(directory: str | os.PathLike[str] | None = None) -> list[str]:
    return sorted(p.stem for p in suites_dir(directory).glob("*.json"))


def load_suite(name: str, directory: str | os.PathLike[str] | None = None) -> Suite:
    folder = suites_dir(directory)
    path = folder / f"{name}.json"
    if not path.is_file():
        raise SuiteError(f"unknown suite {name!r}; known suites: {', '.join(list_suites(folder))}")
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("marks"):
        data["marks"] = str(folder / data["marks"])
    return Suite(**data)
