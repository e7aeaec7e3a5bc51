"""Fuzzing and proofs agree: a failure the fuzzer found is a violation verify finds too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pumpsafe.model.trace import trace_from_json
from pumpsafe.proofs.verify import Options, verify

REGRESSIONS = sorted((Path(__file__).parent / "regressions").glob("*.json"))


def test_there_are_fuzz_regressions_to_compare() -> None:
    assert REGRESSIONS


@pytest.mark.parametrize("path", REGRESSIONS, ids=[p.stem for p in REGRESSIONS])
def test_verify_violates_what_the_fuzzer_found(path: Path) -> None:
    trace = trace_from_json(json.loads(path.read_text()), str(path))
    assert trace.violation is not None
    ident = str(trace.violation["requirement"])
    if trace.generator.get("assumptions_dropped"):
        pytest.skip("verify proves each requirement under its own assumptions only")
    report = verify(trace.device, Options(timeout_s=30, only=(ident,), sanity=False))
    (verdict,) = report.verdicts
    assert verdict.verdict == "violated", verdict.reason
