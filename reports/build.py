"""``pumpsafe report`` as a library call: verify, analyse, render, write every file at once.

Steps: load the device and check every input (register, trees, fault data) before any proof;
verify it (:func:`pumpsafe.proofs.verify.verify`); build the risk file with
:func:`pumpsafe.pipeline.risk_file` (register, evidence, model-derived cut sets, disagreements);
analyse every fault tree; build the ``pumpsafe.report/1`` document; render the
formats asked for; write them, plus ``timings.json`` (the one file with wall-clock times), with
:func:`pumpsafe.reports.output.write_report`.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pumpsafe.hazards import read_mef
from pumpsafe.model.device import Device, load_device
from pumpsafe.model.errors import InputError
from pumpsafe.proofs.cutsets import CutSetOptions
from pumpsafe.proofs.verify import Options, Report, Verdict, verify
from pumpsafe.reports.document import ReportInputs, build_document, exit_code
from pumpsafe.reports.fault_trees import AnalyzedTree, analyze_file, tree_files
from pumpsafe.reports.html import render_html
from pumpsafe.reports.markdown import render_summary
from pumpsafe.reports.mef_out import model_xml
from pumpsafe.reports.output import Content, check_out_dir, write_report
from pumpsafe.reports.pdf import render_pdf
from pumpsafe.reports.verify_output import report_junit

from pumpsafe.pipeline import RiskInputs, prepare, risk_file

FILES = {"html": "report.html", "pdf": "report.pdf", "md": "summary.md", "json": "report.json",
         "junit": "junit.xml", "mef": "model.xml"}
FORMATS = tuple(FILES)
Progress = Callable[[Verdict, int, int], None]


@dataclass(frozen=True)
class ReportRequest:
    """What to report on and where."""

    out_dir: str = "pumpsafe-report"
    device_path: str | None = None
    formats: tuple[str, ...] = FORMATS
    register: str | None = None
    trees_dir: str | None = None
    verify_options: Options = field(default_factory=Options)


@dataclass(frozen=True)
class ReportRun:
    """What a run wrote, its exit code (as ``verify``) and its timings."""

    written: list[Path]
    exit_code: int
    timings: Mapping[str, Any]


def parse_formats(text: str) -> tuple[str, ...]:
    """``"html,pdf"`` → ``("html", "pdf")``; an unknown format is an input error."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [n for n in names if n not in FILES]
    if unknown or not names:
        raise InputError("--format", "", f"unknown format {', '.join(unknown) or '(none)'}",
                         f"choose from {','.join(FORMATS)}")
    return tuple(dict.fromkeys(names))


def source_date_epoch() -> int | None:
    """``SOURCE_DATE_EPOCH`` as an int, None when unset; a malformed value is an input error."""
    raw = os.environ.get("SOURCE_DATE_EPOCH")
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        raise InputError("SOURCE_DATE_EPOCH", "", f"is {raw!r}", "set it to seconds since 1970")
    return int(raw)


def risk_document(device: Device, report: Report, register: str | None, trees_dir: str | None,
                  workers: int = 2, inputs: RiskInputs | None = None
                  ) -> tuple[Mapping[str, Any] | None, str]:
    """The risk file (:func:`pumpsafe.pipeline.risk_file`, from ``inputs`` when
    :func:`check_inputs` prepared them) and a note (empty: nothing left out); a device file
    without fault data (``[fault_tree]``) gets the report without hazard sections and a note
    saying why."""
    if "fault_tree" not in device.document:
        return None, ("This device file has no [fault_tree] table (the basic event of every "
                      "model fault), so the hazard analysis, risk matrices and traceability are "
                      "left out; copy the table from the reference device and adapt it.")
    risk: Mapping[str, Any] = risk_file(device, report, register_path=register,
                                        trees_dir=trees_dir,
                                        cutsets=CutSetOptions(workers=max(1, workers)),
                                        inputs=inputs)
    return risk, ""


def check_inputs(request: ReportRequest, device: Device) -> RiskInputs | None:
    """Refuse bad paths and trees before the (long) verification starts; the risk file's
    inputs, loaded and validated (None for a device without fault data)."""
    check_out_dir(Path(request.out_dir))
    if request.register is not None and not Path(request.register).is_file():
        raise InputError(request.register, "--register", "file not found",
                         "give the path of a hazard register file")
    for tree_file in tree_files(request.trees_dir):
        read_mef([tree_file.path])
    if "fault_tree" not in device.document:
        return None
    return prepare(device, request.register, request.trees_dir)


def analyze_trees(trees_dir: str | None, risk: Mapping[str, Any] | None
                  ) -> list[AnalyzedTree]:
    """Every tree of the folder, at the risk file's mission time for it when it gives one."""
    mission: dict[str, float] = {}
    for entry in (risk or {}).get("fault_trees", []):
        if entry.get("mission_time_h") is not None:
            mission[str(entry.get("file", "")).split("/")[-1]] = float(entry["mission_time_h"])
    out: list[AnalyzedTree] = []
    for tree_file in tree_files(trees_dir):
        hours = mission.get(tree_file.path.name)
        out.extend(analyze_file(tree_file) if hours is None else
                   analyze_file(tree_file, hours))
    return out


def _junit(report: Report) -> str:
    # times are zeroed so that junit.xml is as reproducible as the rest (timings.json has them)
    untimed = [dataclasses.replace(v, time_s=0.0) for v in report.verdicts]
    return report_junit(Report(report.device, untimed, report.sanity, report.sanity_status,
                               report.sanity_disabled))


class _Clock:
    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self.start = time.perf_counter()

    def timed(self, name: str, produce: Callable[[], Content]) -> Callable[[], Content]:
        def run() -> Content:
            started = time.perf_counter()
            content = produce()
            self.laps[name] = round(time.perf_counter() - started, 3)
            return content
        return run


def run_report(request: ReportRequest, progress: Progress | None = None) -> ReportRun:
    """Verify, analyse and write the report (see the module docstring)."""
    clock = _Clock()
    epoch = source_date_epoch()
    device = load_device(request.device_path)
    inputs = check_inputs(request, device)
    verification = _verify(device, request.verify_options, progress, clock)
    started = time.perf_counter()
    risk, note = risk_document(device, verification, request.register, request.trees_dir,
                               request.verify_options.workers, inputs)
    clock.laps["hazards"] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    trees = analyze_trees(request.trees_dir, risk)
    clock.laps["fault_trees"] = round(time.perf_counter() - started, 3)
    doc = build_document(ReportInputs(device, verification, request.verify_options, trees,
                                      risk, note, epoch))
    producers = _producers(doc, trees, verification, request.formats, clock)
    timings = _timings(clock, verification, trees)
    producers["timings.json"] = lambda: json.dumps(
        {**timings, "formats": {k: v for k, v in clock.laps.items() if "." in k},
         "total_s": round(time.perf_counter() - clock.start, 3)},
        indent=1, sort_keys=True) + "\n"
    written = write_report(request.out_dir, producers)
    return ReportRun(written, exit_code(verification), timings)


def _verify(device: Device, options: Options, progress: Progress | None, clock: _Clock
            ) -> Report:
    started = time.perf_counter()
    try:
        report = verify(device, options, progress)
    except KeyError as e:
        raise InputError("--only", "", f"unknown requirement ID {e.args[0]}",
                         "see the catalogue in proofs/requirements.py") from None
    clock.laps["verify"] = round(time.perf_counter() - started, 3)
    return report


def _producers(doc: Mapping[str, Any], trees: list[AnalyzedTree], verification: Report,
               formats: tuple[str, ...], clock: _Clock) -> dict[str, Callable[[], Content]]:
    html_cache: list[str] = []

    def html() -> str:
        if not html_cache:
            html_cache.append(render_html(doc, trees))
        return html_cache[0]

    makers: dict[str, Callable[[], Content]] = {
        "html": html,
        "pdf": lambda: render_pdf(html()),
        "md": lambda: render_summary(doc),
        "json": lambda: json.dumps(doc, indent=1, sort_keys=True, allow_nan=False,
                                   ensure_ascii=False) + "\n",
        "junit": lambda: _junit(verification),
        "mef": lambda: model_xml(trees),
    }
    return {FILES[f]: clock.timed(FILES[f], makers[f]) for f in formats}


def _timings(clock: _Clock, verification: Report, trees: list[AnalyzedTree]) -> dict[str, Any]:
    return {
        "schema": "pumpsafe.timings/1",
        "verify_s": clock.laps.get("verify"),
        "hazards_s": clock.laps.get("hazards"),
        "fault_trees_s": clock.laps.get("fault_trees"),
        "requirements_s": {v.requirement.id: round(v.time_s, 3) for v in verification.verdicts},
        "trees_s": {t.name: round(t.time_s, 3) for t in trees},
    }
