"""Shared fixtures and the Hypothesis settings profiles (registered in one place)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, Verbosity, settings
from hypothesis.database import DirectoryBasedExampleDatabase
from pumpsafe.model.device import Device, load_device, parse_device
from pumpsafe.model.rules import PumpModel, build_model

_DB = DirectoryBasedExampleDatabase(".hypothesis/examples")
# Every field set explicitly, so a Hypothesis upgrade cannot change what a profile means.
_COMMON = {
    "verbosity": Verbosity.normal,
    "report_multiple_bugs": False,
    "suppress_health_check": [
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
}
settings.register_profile(
    "dev",
    max_examples=60,
    deadline=None,
    derandomize=False,
    database=_DB,
    print_blob=True,
    phases=tuple(Phase),
    **_COMMON,
)
settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    phases=tuple(Phase),
    **_COMMON,
)
settings.register_profile(
    "nightly",
    max_examples=2_000,
    deadline=None,
    derandomize=False,
    database=_DB,
    print_blob=True,
    phases=tuple(Phase),
    **_COMMON,
)
settings.register_profile(
    "replay",
    max_examples=1,
    deadline=None,
    derandomize=False,
    database=_DB,
    print_blob=True,
    phases=(Phase.explicit, Phase.reuse),
    **_COMMON,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

TESTS = Path(__file__).parent
DEVICES = TESTS / "devices"


@pytest.fixture(scope="session")
def reference() -> Device:
    return load_device()


@pytest.fixture(scope="session")
def reference_model(reference: Device) -> PumpModel:
    return build_model(reference)


def all_faults_device() -> Device:
    """The reference device with every fault permitted and the CAP interlock off, so that every
    rule can fire."""
    ref = load_device()
    doc = {k: dict(v) if isinstance(v, dict) else v for k, v in ref.document.items()}
    doc["faults"] = {k: True for k in ref.faults}
    doc["programming"]["cap_needle_interlock"] = {"value": False, "source": "test"}
    return parse_device(doc, "reference (all faults)")
