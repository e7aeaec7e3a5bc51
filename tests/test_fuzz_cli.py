"""``pumpsafe fuzz``: result schema, exit codes, traces that replay, one-line input errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DEVICES, TESTS
from pumpsafe.model.trace import load_json, trace_from_json

from pumpsafe.fuzzing.replaying import check_violation

ROOT = TESTS.parent


def _fuzz(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "pumpsafe", "fuzz", "--db", str(tmp / "db"),
           "--out", str(tmp / "out"), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False,
                          cwd=ROOT)


def test_reference_run_writes_the_result(tmp_path: Path) -> None:
    done = _fuzz(tmp_path, "--examples", "60", "--workers", "2", "--seed", "1",
                 "--only", "SR-PG-04", "--json", "-")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["schema"] == "pumpsafe.fuzz/1"
    assert doc["failures"] == [] and doc["examples"] >= 60 and doc["steps"] > 0
    assert set(doc["coverage"]["rules"]) >= {"infuse", "refill", "program"}
    assert doc["permission_sets"][0]["requirements"] == ["SR-PG-04"]
    assert "pumpsafe fuzz:" in done.stderr  # progress and summary on stderr


def test_unsafe_device_fails_and_its_trace_replays(tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    done = _fuzz(tmp_path, "--device", str(DEVICES / "unsafe_i02_no_cap_interlock.toml"),
                 "--minutes", "0.5", "--workers", "2", "--only", "SR-OD-08", "--json", str(out))
    assert done.returncode == 1, done.stderr
    (failure,) = json.loads(out.read_text())["failures"]
    assert failure["requirement"] == "SR-OD-08" and failure["shrunk"]
    trace = trace_from_json(load_json(failure["trace"]), failure["trace"])
    assert check_violation(trace) is None
    replayed = subprocess.run([sys.executable, "-m", "pumpsafe", "replay", failure["trace"]],
                              capture_output=True, text=True, timeout=120, check=False)
    assert replayed.returncode == 0, replayed.stderr


@pytest.mark.parametrize(("args", "says"), [
    (["--device", "no/such/device.toml"], "file not found"),
    (["--only", "SR-XX-99"], "no requirement has this ID"),
    (["--only", "SR-CF-01"], "cannot be fuzzed"),
    (["--drop-assumption", "gremlins"], "not a fault of the model"),
    (["--db", "redis://localhost:6379/0"], "redis"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], says: str) -> None:
    if "redis://localhost:6379/0" in args and _has_redis():
        pytest.skip("the redis package is installed here")
    done = _fuzz(tmp_path, "--examples", "1", *args)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pumpsafe fuzz: error: ")
    assert says in lines[0]


def test_minutes_and_examples_exclude_each_other(tmp_path: Path) -> None:
    done = _fuzz(tmp_path, "--minutes", "1", "--examples", "5")
    assert done.returncode == 2 and "not both" in done.stderr


def _has_redis() -> bool:
    import importlib.util

    return importlib.util.find_spec("redis") is not None
