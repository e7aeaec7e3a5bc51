"""The Hypothesis settings profiles, registered in one place for the tests and ``pumpsafe fuzz``.

Every field is set explicitly, so a Hypothesis upgrade cannot change what a profile means:

* ``dev`` — local runs: random, with the local example database;
* ``ci`` — loaded when ``CI`` is set: derandomized, bounded, no database, no deadline;
* ``nightly`` — long runs with the database;
* ``replay`` — only re-runs what the example database holds (no generation, no shrinking).
"""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, settings
from hypothesis.database import DirectoryBasedExampleDatabase

DEFAULT_DB_DIR = ".hypothesis/examples"
PROFILES = ("dev", "ci", "nightly", "replay")
# A machine step is cheap but a test case runs many of them; Hypothesis' timing checks measure
# the whole case, so they would only flake on a loaded CI machine.
SUPPRESSED = (HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much)
# Every phase but ``explain``: it traces every executed line of every replay, which makes
# shrinking a state machine's failure take minutes instead of seconds.
PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink)


def _common() -> dict[str, Any]:
    return {"verbosity": Verbosity.normal, "report_multiple_bugs": False, "deadline": None,
            "print_blob": True, "backend": "hypothesis",
            "suppress_health_check": list(SUPPRESSED)}


def register_profiles(database_dir: str = DEFAULT_DB_DIR) -> None:
    """Register ``dev``, ``ci``, ``nightly`` and ``replay`` (idempotent)."""
    db = DirectoryBasedExampleDatabase(database_dir)
    settings.register_profile("dev", max_examples=60, derandomize=False, database=db,
                              phases=PHASES, stateful_step_count=50, **_common())
    settings.register_profile("ci", max_examples=60, derandomize=True, database=None,
                              phases=PHASES, stateful_step_count=50, **_common())
    settings.register_profile("nightly", max_examples=2_000, derandomize=False, database=db,
                              phases=PHASES, stateful_step_count=100, **_common())
    settings.register_profile("replay", max_examples=1, derandomize=False, database=db,
                              phases=(Phase.explicit, Phase.reuse), stateful_step_count=100,
                              **_common())


def default_profile_name() -> str:
    """``$HYPOTHESIS_PROFILE`` if set, else ``ci`` when ``$CI`` is set, else ``dev``."""
    return os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")


def load_default_profile() -> str:
    """Register the profiles, load :func:`default_profile_name` and return its name."""
    register_profiles()
    name = default_profile_name()
    settings.load_profile(name)
    return name
