"""The format laws (the oracle): views of documents, strategies that generate them, and the laws themselves.

Shared by ``tests/test_laws.py`` (a bounded run in CI) and ``scripts/fuzz.py``
(a long run). Importing this package registers the test engines of
:mod:`bilingua.backends.scramble` and the Hypothesis profiles ``ci`` and ``fuzz``.
"""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, settings

from bilingua.backends import register_backend
from bilingua.backends.scramble import ENGINES

for _name, _target in ENGINES.items():
    register_backend(_name, _target, requires=None)

_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]

#: CI: few examples, the same ones every run (derandomized), no example database, no deadline, and no
#: shrinking (a failing law shows the first failing document; ``shrink`` or ``fuzz`` shrink it).
settings.register_profile("ci", max_examples=50, deadline=None, derandomize=True, database=None,
                          suppress_health_check=_QUIET, print_blob=False,
                          phases=(Phase.explicit, Phase.reuse, Phase.generate))
#: The CI examples, each failure shrunk to a minimal one (what the named examples were taken from).
settings.register_profile("shrink", parent=settings.get_profile("ci"), phases=tuple(Phase))
#: Long runs (scripts/fuzz.py): many examples, random, with the database in .hypothesis/.
settings.register_profile("fuzz", max_examples=100_000, deadline=None, suppress_health_check=_QUIET)
