"""Shared by the report tests: one small, quick report (three requirements, one small tree).

The device is the pocket-fill incident (I-05), so SR-FL-05 is violated and a timeline is drawn;
SR-OD-01 and SR-WD-01 are proved. The hazard sections come from a fixture risk document in the
``pumpsafe.hazards/1`` shape (tests/data/report/hazards.json) until the pipeline provides one.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from pumpsafe.proofs.verify import Options
from pumpsafe.reports import build
from pumpsafe.reports.build import ReportRequest, ReportRun, run_report

TESTS = Path(__file__).parent
DEVICE = TESTS / "devices" / "unsafe_i05_pocket_fill.toml"
ONLY = ("SR-OD-01", "SR-WD-01", "SR-FL-05")
HAZARDS = TESTS / "data" / "report" / "hazards.json"


def small_trees(folder: Path) -> Path:
    """A trees folder holding the Aralia ``chinese`` tree (61 nodes) and ``evil.xml``, a small
    tree whose gate names and labels hold HTML (``<script>alert(1)</script>``)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(TESTS / "data" / "openpsa" / "chinese.xml", folder / "chinese.xml")
    shutil.copy(TESTS / "data" / "report" / "evil.xml", folder / "evil.xml")
    return folder


def hazards_fixture() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(HAZARDS.read_text(encoding="utf-8"))
    return data


def build_small(out: Path, trees: Path, monkeypatch: pytest.MonkeyPatch,
                formats: tuple[str, ...] = build.FORMATS, with_hazards: bool = True) -> ReportRun:
    """Run the report on the small inputs into ``out``."""
    if with_hazards:
        monkeypatch.setattr(build, "risk_document", lambda *_a: (hazards_fixture(), ""))
    request = ReportRequest(str(out), str(DEVICE), formats, None, str(trees),
                            Options(timeout_s=30.0, only=ONLY, sanity=False))
    return run_report(request)
