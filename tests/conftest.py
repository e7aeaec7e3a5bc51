"""Shared fixtures and the Hypothesis settings profiles (registered in one place)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pumpsafe.model.device import Device, load_device, parse_device
from pumpsafe.model.rules import PumpModel, build_model

from pumpsafe.fuzzing.profiles import load_default_profile

# The profiles (dev, ci, nightly, replay) live in pumpsafe.fuzzing.profiles, shared with
# `pumpsafe fuzz`; `ci` is loaded when CI is set, HYPOTHESIS_PROFILE picks another.
load_default_profile()

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
