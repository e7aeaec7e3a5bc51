"""Hazard register, fault trees, fault-tree analysis and Open-PSA exchange.

Main API::

    from pumpsafe.hazards import read_mef, analyze, FtaOptions, to_json
    tree = read_mef(["model.xml"])
    result = analyze(tree, FtaOptions(importance=True))
"""

from pumpsafe.hazards.analysis import (
    CutSetFamily,
    FtaOptions,
    FtaResult,
    Truncation,
    analyze,
    choose_top,
)
from pumpsafe.hazards.fta_json import SCHEMA, result_document, summary, to_json
from pumpsafe.hazards.importance import Importance
from pumpsafe.hazards.mef_reader import read_mef
from pumpsafe.hazards.mef_writer import mef_text, write_mef
from pumpsafe.hazards.tree import (
    GATE_OPS,
    Constant,
    Exponential,
    ProbabilityModel,
    add_basic_event,
    add_gate,
    add_house_event,
    basic_events,
    event_probability,
    new_tree,
    top_gates,
)
from pumpsafe.hazards.validate import validate_tree

__all__ = [
    "GATE_OPS",
    "SCHEMA",
    "Constant",
    "CutSetFamily",
    "Exponential",
    "FtaOptions",
    "FtaResult",
    "Importance",
    "ProbabilityModel",
    "Truncation",
    "add_basic_event",
    "add_gate",
    "add_house_event",
    "analyze",
    "basic_events",
    "choose_top",
    "event_probability",
    "mef_text",
    "new_tree",
    "read_mef",
    "result_document",
    "summary",
    "to_json",
    "top_gates",
    "validate_tree",
    "write_mef",
]
