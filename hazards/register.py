"""The hazard register (ISO 14971): a TOML file the user edits, validated with clear errors.

hazard → sequence of events → hazardous situation → harm; severity and probability before and
after risk control on the scales of a configurable risk matrix; risk controls that point at
requirement IDs of the catalogue (``kind = "pump"``: proved by ``pumpsafe verify``) or describe a
procedure or labelling control (not proved, shown as such); the authored fault tree of each
top-level harm. Schema ``pumpsafe.register/1``; see ``hazards/data/register.toml``.

This module knows nothing of the proofs: :func:`check_references` takes the catalogue's IDs.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pumpsafe.model.device import read_toml
from pumpsafe.model.errors import InputError

SCHEMA = "pumpsafe.register/1"
CONTROL_KINDS = ("pump", "procedure", "labelling")
RISK_CLASSES = ("acceptable", "alarp", "unacceptable")


@dataclass(frozen=True)
class RiskPolicy:
    """Severity and probability scales, the risk class of every cell, what is acceptable."""

    severity: tuple[str, ...]
    probability: tuple[str, ...]
    matrix: Mapping[str, tuple[str, ...]]  # severity -> class per probability
    acceptable: tuple[str, ...]

    def risk(self, severity: str, probability: str) -> str:
        return self.matrix[severity][self.probability.index(probability)]


@dataclass(frozen=True)
class Control:
    """A risk control: pump-enforced (with requirement IDs) or a procedure/labelling control."""

    id: str
    kind: str
    text: str
    requirements: tuple[str, ...]


@dataclass(frozen=True)
class Hazard:
    """One row of the register."""

    id: str
    title: str
    sequence: tuple[str, ...]
    situation: str
    harm: str
    sources: tuple[str, ...]
    severity: str
    probability_before: str
    probability_after: str
    controls: tuple[Control, ...]


@dataclass(frozen=True)
class TreeRef:
    """An authored fault tree: the MEF file (relative to the register), its top gate, its hazard."""

    name: str
    hazard: str
    file: str
    top: str


@dataclass(frozen=True)
class Register:
    """A validated register."""

    name: str
    path: str
    sha256: str
    directory: Path
    policy: RiskPolicy
    hazards: tuple[Hazard, ...]
    fault_trees: tuple[TreeRef, ...]

    def tree_path(self, tree: TreeRef) -> Path:
        return self.directory / tree.file


def builtin_register_path() -> Path:
    """The register of the reference device (package data)."""
    return Path(str(resources.files("pumpsafe.hazards").joinpath("data/register.toml")))


def load_register(path: str | Path | None = None) -> Register:
    """Read and validate a register file (the built-in one when ``path`` is None)."""
    p = Path(path) if path is not None else builtin_register_path()
    shown = str(path) if path is not None else "register.toml (built-in)"
    doc, sha256 = read_toml(p, shown, "register")
    return parse_register(doc, shown, sha256, p.parent)


def _str(table: Mapping[str, Any], key: str, where: str, source: str) -> str:
    v = table.get(key)
    if not isinstance(v, str) or not v.strip():
        raise InputError(source, f"{where}.{key}", "missing or empty", f"add {key} = \"...\"")
    return v


def _strs(table: Mapping[str, Any], key: str, where: str, source: str,
          required: bool = True) -> tuple[str, ...]:
    v = table.get(key, None if required else [])
    if not isinstance(v, list) or not all(isinstance(x, str) and x for x in v) \
            or (required and not v):
        raise InputError(source, f"{where}.{key}", f"is {v!r}",
                         f'write {key} = ["...", ...] (a list of non-empty strings)')
    return tuple(v)


def _keys(table: Mapping[str, Any], allowed: Collection[str], where: str, source: str) -> None:
    for key in table:
        if key not in allowed:
            raise InputError(source, f"{where}.{key}", "unknown key",
                             f"allowed: {', '.join(sorted(allowed))}")


def _policy(table: Any, source: str) -> RiskPolicy:
    if not isinstance(table, dict):
        raise InputError(source, "policy", "missing table",
                         "add [policy] with severity, probability, acceptable and [policy.matrix]")
    _keys(table, {"severity", "probability", "matrix", "acceptable"}, "policy", source)
    sev, prob = _strs(table, "severity", "policy", source), _strs(table, "probability",
                                                                  "policy", source)
    acceptable = _strs(table, "acceptable", "policy", source)
    for c in acceptable:
        if c not in RISK_CLASSES:
            raise InputError(source, "policy.acceptable", f"{c!r} is not a risk class",
                             f"use {', '.join(RISK_CLASSES)}")
    matrix = table.get("matrix")
    if not isinstance(matrix, dict):
        raise InputError(source, "policy.matrix", "missing table",
                         "add [policy.matrix] with one row per severity")
    _keys(matrix, sev, "policy.matrix", source)
    rows: dict[str, tuple[str, ...]] = {}
    for s in sev:
        row = matrix.get(s)
        if not isinstance(row, list) or len(row) != len(prob) \
                or any(c not in RISK_CLASSES for c in row):
            raise InputError(source, f"policy.matrix.{s}", f"is {row!r}",
                             f"give {len(prob)} classes, one per probability ({', '.join(prob)}),"
                             f" each one of {', '.join(RISK_CLASSES)}")
        rows[s] = tuple(row)
    return RiskPolicy(sev, prob, rows, acceptable)


def _control(table: Any, where: str, source: str) -> Control:
    if not isinstance(table, dict):
        raise InputError(source, where, "not a table", "use [[hazards.controls]]")
    _keys(table, {"id", "kind", "text", "requirements"}, where, source)
    kind = _str(table, "kind", where, source)
    if kind not in CONTROL_KINDS:
        raise InputError(source, f"{where}.kind", f"is {kind!r}",
                         f"use {', '.join(CONTROL_KINDS)}")
    reqs = _strs(table, "requirements", where, source, required=kind == "pump")
    if kind != "pump" and reqs:
        raise InputError(source, f"{where}.requirements", f"a {kind} control lists requirements",
                         'make it kind = "pump" or move the requirements to a pump control')
    return Control(_str(table, "id", where, source), kind, _str(table, "text", where, source),
                   reqs)


def _hazard(table: Any, index: int, policy: RiskPolicy, source: str) -> Hazard:
    where = f"hazards[{index}]"
    if not isinstance(table, dict):
        raise InputError(source, where, "not a table", "use [[hazards]]")
    _keys(table, {"id", "title", "sequence", "situation", "harm", "sources", "severity",
                  "probability_before", "probability_after", "controls"}, where, source)
    hid = _str(table, "id", where, source)
    where = f"hazards[{hid}]"
    sev = _str(table, "severity", where, source)
    if sev not in policy.severity:
        raise InputError(source, f"{where}.severity", f"{sev!r} is not on the scale",
                         f"use one of {', '.join(policy.severity)}")
    probs = []
    for key in ("probability_before", "probability_after"):
        p = _str(table, key, where, source)
        if p not in policy.probability:
            raise InputError(source, f"{where}.{key}", f"{p!r} is not on the scale",
                             f"use one of {', '.join(policy.probability)}")
        probs.append(p)
    controls = table.get("controls")
    if not isinstance(controls, list) or not controls:
        raise InputError(source, f"{where}.controls", "missing",
                         "add at least one [[hazards.controls]] (pump, procedure or labelling)")
    return Hazard(hid, _str(table, "title", where, source),
                  _strs(table, "sequence", where, source),
                  _str(table, "situation", where, source), _str(table, "harm", where, source),
                  _strs(table, "sources", where, source), sev, probs[0], probs[1],
                  tuple(_control(c, f"{where}.controls[{i}]", source)
                        for i, c in enumerate(controls)))


def _tree(table: Any, index: int, hazards: Sequence[str], source: str) -> TreeRef:
    where = f"fault_trees[{index}]"
    if not isinstance(table, dict):
        raise InputError(source, where, "not a table", "use [[fault_trees]]")
    _keys(table, {"name", "hazard", "file", "top"}, where, source)
    ref = TreeRef(*(_str(table, k, where, source) for k in ("name", "hazard", "file", "top")))
    if ref.hazard not in hazards:
        raise InputError(source, f"{where}.hazard", f"{ref.hazard!r} is not in the register",
                         f"use one of {', '.join(hazards)}")
    if Path(ref.file).is_absolute() or ".." in Path(ref.file).parts:
        raise InputError(source, f"{where}.file", f"{ref.file!r} leaves the register's folder",
                         "give a path relative to the register file, inside its folder")
    return ref


def _unique(ids: Sequence[str], what: str, source: str) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise InputError(source, what, f"{i} appears twice", "give every entry its own ID")
        seen.add(i)


def parse_register(doc: Mapping[str, Any], source: str, sha256: str = "",
                   directory: Path = Path(".")) -> Register:
    """Validate a parsed register; every problem becomes an :class:`InputError`."""
    if doc.get("schema") != SCHEMA:
        raise InputError(source, "schema", f"is {doc.get('schema')!r}",
                         f'the first line must be schema = "{SCHEMA}"')
    _keys(doc, {"schema", "name", "policy", "hazards", "fault_trees"}, "register", source)
    policy = _policy(doc.get("policy"), source)
    rows = doc.get("hazards")
    if not isinstance(rows, list) or not rows:
        raise InputError(source, "hazards", "missing", "add at least one [[hazards]] table")
    hazards = tuple(_hazard(t, i, policy, source) for i, t in enumerate(rows))
    _unique([h.id for h in hazards], "hazards", source)
    _unique([c.id for h in hazards for c in h.controls], "hazards.controls", source)
    trees = doc.get("fault_trees", [])
    if not isinstance(trees, list):
        raise InputError(source, "fault_trees", "not a list", "use [[fault_trees]] tables")
    refs = tuple(_tree(t, i, [h.id for h in hazards], source) for i, t in enumerate(trees))
    _unique([t.name for t in refs], "fault_trees", source)
    return Register(_str(doc, "name", "register", source), source, sha256, directory, policy,
                    hazards, refs)


def check_references(register: Register, requirement_ids: Sequence[str]) -> None:
    """Every requirement a control names exists, and every requirement controls some hazard."""
    known = set(requirement_ids)
    used: set[str] = set()
    for h in register.hazards:
        for c in h.controls:
            for r in c.requirements:
                if r not in known:
                    raise InputError(register.path, f"hazards[{h.id}].controls[{c.id}]"
                                     ".requirements", f"{r} is not in the catalogue",
                                     "use an ID that `pumpsafe verify` lists")
                used.add(r)
    orphans = [r for r in requirement_ids if r not in used]
    if orphans:
        raise InputError(register.path, "hazards", f"{orphans[0]} controls no hazard"
                         + (f" (and {len(orphans) - 1} more)" if len(orphans) > 1 else ""),
                         "name it in the requirements of a pump control of the hazard it "
                         "controls")
