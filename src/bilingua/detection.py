"""Language identification, with py3langid (a naive Bayes model of 97 languages that ships in its wheel).

Nothing is downloaded: the model is read from the installed package the
first time a detector is used. A detector may be used from many threads.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, NamedTuple


__all__ = ["Detection", "LanguageDetector"]


class Detection(NamedTuple):
    language: str
    #: Probability in [0, 1] among the languages the detector considers.
    confidence: float


class LanguageDetector:
    """Identifies the language of a text, among all of py3langid's languages or only ``languages``."""

    def __init__(self, languages: Sequence[str] | None = None) -> None:
        self.languages = tuple(languages) if languages else None
        self._identifier: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._identifier is None:
                import py3langid.langid as langid  # here: reading its model waits for the first text

                MODEL_FILE, LanguageIdentifier = langid.MODEL_FILE, langid.LanguageIdentifier
                identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
                if self.languages:
                    identifier.set_languages(list(self.languages))
                self._identifier = identifier  # read-only from here on, so threads may share it
            return self._identifier

    def detect(self, text: str, top: int = 3) -> list[Detection]:
        """The ``top`` most likely languages of ``text``, most likely first."""
        ranked = self._load().rank(text)
        return [Detection(language, float(p)) for language, p in ranked[:top]]

    def best(self, text: str) -> Detection:
        return self.detect(text, 1)[0]
