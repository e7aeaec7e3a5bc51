"""``pumpsafe report``: every file, byte-identical reruns, atomic writes, escaping, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from click.testing import CliRunner
from pumpsafe.hazards import read_mef, top_gates
from pumpsafe.reports import build
from pumpsafe.reports.build import FILES
from report_support import DEVICE, build_small, hazards_fixture, small_trees

from pumpsafe.cli_report import report_command

EVIL = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, int]:
    """The small report built twice into two folders (same inputs)."""
    base = tmp_path_factory.mktemp("report")
    trees = small_trees(base / "trees")
    with pytest.MonkeyPatch.context() as mp:
        first = build_small(base / "one", trees, mp)
        second = build_small(base / "two", trees, mp)
    assert first.exit_code == second.exit_code
    return base / "one", base / "two", first.exit_code


def test_every_file_is_written(reports: tuple[Path, Path, int]) -> None:
    one, _, code = reports
    assert code == 1  # SR-FL-05 is violated on the pocket-fill device
    assert sorted(p.name for p in one.iterdir()) == sorted([*FILES.values(), "timings.json"])


def test_same_inputs_give_byte_identical_files(reports: tuple[Path, Path, int]) -> None:
    one, two, _ = reports
    for name in FILES.values():
        assert (one / name).read_bytes() == (two / name).read_bytes(), name
    timings = json.loads((one / "timings.json").read_text())
    assert set(timings["requirements_s"]) == {"SR-OD-01", "SR-WD-01", "SR-FL-05"}


def test_report_files_hold_no_time_and_no_absolute_path(reports: tuple[Path, Path, int]
                                                        ) -> None:
    one, _, _ = reports
    for name in ("report.html", "report.json", "summary.md", "junit.xml", "model.xml"):
        text = (one / name).read_text(encoding="utf-8")
        assert str(one.parent) not in text and str(DEVICE.parent) not in text, name
        assert '"time_s"' not in text, name
    junit = ET.parse(one / "junit.xml").getroot()
    assert {c.get("time") for c in junit.iter("testcase")} == {"0.000"}


def test_json_schema_fields(reports: tuple[Path, Path, int]) -> None:
    doc = json.loads((reports[0] / "report.json").read_text(encoding="utf-8"))
    assert doc["schema"] == "pumpsafe.report/1" and doc["exit_code"] == 1
    assert doc["generated"] == {"by": "pumpsafe report", "date": None}
    assert set(doc) >= {"inputs", "tools", "device", "verification", "fault_trees", "hazards"}
    assert doc["inputs"]["device"]["path"] == DEVICE.name
    assert len(doc["inputs"]["device"]["sha256"]) == 64
    assert [t["path"] for t in doc["inputs"]["trees"]] == ["chinese.xml", "evil.xml"]
    assert set(doc["tools"]) >= {"pumpsafe", "z3", "dd", "networkx", "hypothesis", "python"}
    verdicts = {r["id"]: r["verdict"] for r in doc["verification"]["requirements"]}
    assert verdicts == {"SR-OD-01": "proved", "SR-WD-01": "proved", "SR-FL-05": "violated"}
    assert doc["verification"]["summary"]["violated"] == 1
    tree = doc["fault_trees"][0]
    assert tree["top"] == "r1" and tree["analysis"]["schema"] == "pumpsafe.fta/1"
    assert abs(tree["analysis"]["probability"] - 0.00117058181) < 1e-9
    ranked = [s["probability"] for s in tree["cut_sets_ranked"]]
    assert ranked == sorted(ranked, reverse=True) and len(ranked) == 100
    assert doc["hazards"]["schema"] == "pumpsafe.hazards/1"
    params = {p["key"]: p for p in doc["device"]["parameters"]}
    assert params["reservoir.low_alarm_ul"]["source"] == "A-02"
    assert "A-02" in doc["device"]["assumptions"]


def test_html_is_self_contained_and_has_every_section(reports: tuple[Path, Path, int]) -> None:
    html = (reports[0] / "report.html").read_text(encoding="utf-8")
    for needle in ('id="verification"', 'id="counterexamples"', 'id="fault-trees"',
                   'id="hazards"', 'id="device"', 'id="provenance"', 'class="timeline"',
                   'class="importance"', 'class="fault-tree"', "Risk before control",
                   "Traceability", "Disagreement", "RC-OD-01", "A-02"):
        assert needle in html, needle
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html and "<script" not in html and "<link" not in html


def test_user_text_is_escaped_in_html_and_markdown(reports: tuple[Path, Path, int]) -> None:
    html = (reports[0] / "report.html").read_text(encoding="utf-8")
    # a hazard title (HTML text) and a gate name and labels (HTML text and SVG labels)
    assert EVIL not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>bold?</b>" not in html and "Label <i>it</i>" not in html
    assert "<img" not in html and "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "<b>event</b>" not in html
    svgs = html.split('<svg xmlns="http://www.w3.org/2000/svg" class="fault-tree"')
    assert any(">&lt;script&gt;alert(1)&lt;/script&gt;</text>" in s for s in svgs[1:])
    md = (reports[0] / "summary.md").read_text(encoding="utf-8")
    assert "<script>" not in md and "&lt;script&gt;" in md


def test_model_xml_reads_back(reports: tuple[Path, Path, int]) -> None:
    tree = read_mef([reports[0] / "model.xml"])
    originals = read_mef([Path(__file__).parent / "data" / "openpsa" / "chinese.xml"]), \
        read_mef([Path(__file__).parent / "data" / "report" / "evil.xml"])
    assert set(tree.nodes) == set(originals[0].nodes) | set(originals[1].nodes)
    assert set(top_gates(tree)) == {"r1", EVIL}


def test_summary_is_short_and_names_the_violation(reports: tuple[Path, Path, int]) -> None:
    md = (reports[0] / "summary.md").read_text(encoding="utf-8")
    assert len(md.splitlines()) < 40
    assert "SR-FL-05" in md and "pocket fill" in md and "1.17e-03" in md
    assert "HZ-OD" in md


def test_a_failing_format_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    def broken(_html: str) -> bytes:
        raise RuntimeError("PDF renderer crashed")

    monkeypatch.setattr(build, "render_pdf", broken)
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").write_text("previous report")
    with pytest.raises(RuntimeError):
        build_small(out, small_trees(tmp_path / "trees"), monkeypatch, ("html", "md", "pdf"))
    assert [p.name for p in out.iterdir()] == ["report.html"]
    assert (out / "report.html").read_text() == "previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "trees"]  # no staging left


def test_source_date_epoch_sets_the_date(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.setattr(build, "risk_document", lambda *_a: (None, "no hazards <here>"))
    build_small(tmp_path / "out", small_trees(tmp_path / "trees"), monkeypatch, ("json", "html"),
                with_hazards=False)
    doc = json.loads((tmp_path / "out" / "report.json").read_text())
    assert doc["generated"]["date"] == "2023-11-14T22:13:20Z"
    assert doc["hazards"] is None and doc["notes"] == ["no hazards <here>"]
    html = (tmp_path / "out" / "report.html").read_text()
    assert "2023-11-14T22:13:20Z" in html and "no hazards &lt;here&gt;" in html


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": ""}
    return subprocess.run([sys.executable, "-m", "pumpsafe", "report", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300, env=env)


def test_cli_exit_code_and_where_the_report_is(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build, "risk_document", lambda *_a: (hazards_fixture(), ""))
    monkeypatch.setattr(build, "prepare", lambda *_a: None)
    monkeypatch.chdir(tmp_path)
    done = CliRunner().invoke(report_command, [
        "--only", "SR-WD-01", "--no-sanity", "--format", "json,md", "--trees",
        str(small_trees(tmp_path / "trees")), "--out", "rep"])
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith("report written to rep/")
    assert sorted(p.name for p in (tmp_path / "rep").iterdir()) == [
        "report.json", "summary.md", "timings.json"]


@pytest.mark.parametrize(("args", "needle"), [
    (("--device", "missing.toml"), "missing.toml"),
    (("--format", "html,docx"), "docx"),
    (("--trees", "no-such-folder"), "no-such-folder"),
    (("--only", "SR-NOPE-99"), "SR-NOPE-99"),
])
def test_cli_bad_input_is_one_clear_line_and_exit_2(tmp_path: Path, args: tuple[str, ...],
                                                   needle: str) -> None:
    done = _cli(*args, "--no-sanity", "--out", "rep", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and needle in done.stderr
    assert done.stderr.startswith("pumpsafe report: error:")
    assert not (tmp_path / "rep").exists() or not any((tmp_path / "rep").iterdir())


def test_the_real_risk_file_renders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pipeline's own document (not the fixture) goes through every format; the cut-set
    search is skipped here for time (tests/test_cutsets.py covers it)."""
    from pumpsafe.pipeline import risk_file

    monkeypatch.setattr(build, "risk_document", lambda device, report, *_a: (
        risk_file(device, report, derive=False), ""))
    monkeypatch.chdir(tmp_path)
    done = CliRunner().invoke(report_command, [
        "--only", "SR-WD-01", "--no-sanity", "--format", "html,json,md", "--out", "rep"])
    assert done.exit_code == 0, done.output
    html = (tmp_path / "rep" / "report.html").read_text(encoding="utf-8")
    assert "RC-OD-01" in html and "HZ-INF" in html and "not proved: procedure control" in html
    doc = json.loads((tmp_path / "rep" / "report.json").read_text(encoding="utf-8"))
    assert doc["hazards"] is not None
