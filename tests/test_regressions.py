"""Every trace under tests/regressions/ replays and reproduces its recorded violation."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TESTS
from pumpsafe.model.trace import load_json, trace_from_json

from pumpsafe.fuzzing.replaying import check_violation

TRACES = sorted((TESTS / "regressions").glob("*.json"))


def test_there_is_a_regression_trace() -> None:
    assert TRACES


@pytest.mark.parametrize("path", TRACES, ids=[p.stem for p in TRACES])
def test_trace_reproduces_its_violation(path: Path) -> None:
    trace = trace_from_json(load_json(str(path)), str(path))
    assert trace.violation is not None
    assert check_violation(trace) is None


@pytest.mark.parametrize("path", TRACES[:1], ids=[p.stem for p in TRACES[:1]])
def test_pumpsafe_replay_accepts_it(path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "pumpsafe", "replay", str(path)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr


def test_a_tampered_violation_is_not_reproduced(tmp_path: Path) -> None:
    trace = trace_from_json(load_json(str(TRACES[0])), str(TRACES[0]))
    assert trace.violation is not None
    moved = dataclasses.replace(trace, violation={**trace.violation, "step": 0})
    assert "the trace says step 0" in (check_violation(moved) or "")
