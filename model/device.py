"""Device configuration: a TOML file, validated at load, every clinical number with its source.

A numeric parameter is ``{ value = 2000, source = "A-02" }`` or, where it may vary across a
family of devices, ``{ min = 0, max = 200, source = "A-04" }``: the proofs cover every value of a
range symbolically, and a concrete run resolves it to one value (recorded in the trace). Only
parameters that enter the rules linearly may be ranges; :func:`pumpsafe.model.rules.build_model`
refuses the others with an error naming the parameter.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pumpsafe.model.errors import InputError
from pumpsafe.model.fault_data import parse_fault_tree
from pumpsafe.model.state import FAULTS, MODES
from pumpsafe.model.terms import Term, lit, var

DEVICE_SCHEMA = "pumpsafe.device/1"
Kind = Literal["int", "bool", "enum", "int_list"]


@dataclass(frozen=True)
class Spec:
    """What one device parameter may hold."""

    kind: Kind
    lo: int = 0
    hi: int = 0
    choices: tuple[str, ...] = ()
    doc: str = ""


_LIFE = 84 * 43_830  # 84 months of 30.44 days, in minutes (D-05)

SPECS: dict[str, dict[str, Spec]] = {
    "reservoir": {
        "capacity_ul": Spec("int", 1_000, 100_000, doc="reservoir capacity"),
        "low_alarm_ul": Spec("int", 0, 100_000, doc="low-reservoir alarm volume"),
        "low_alarm_lead_min": Spec("int", 0, 43_200, doc="lead time the low alarm must give"),
        "low_alarm_tracks_rate": Spec("bool", doc="raise the low alarm early enough for the lead "
                                      "time at the worst-case in-spec rate (SR-AL-02)"),
        "believed_volume_basis": Spec("enum", choices=("worst_case", "programmed"),
                                      doc="rate the computed reservoir volume is drained at"),
        "fill_volume_check": Spec("bool", doc="refuse a fill volume above the free capacity"),
        "refill_reconciliation": Spec("bool", doc="compare the aspirated residual with the "
                                      "expected one at every refill (P-03, SR-CF-02)"),
    },
    "drug": {
        "concentrations_ug_per_ml": Spec("int_list", 1, 10_000, doc="products that may be filled"),
    },
    "flow": {
        "accuracy_permille": Spec("int", 0, 500, doc="flow accuracy band, +/- per mille"),
        "overinfusion_permille": Spec("int", 0, 2_000, doc="excess flow of an overinfusing pump"),
        "min_ul_per_day": Spec("int", 0, 100_000, doc="lowest programmable motor rate"),
        "max_ul_per_day": Spec("int", 1, 100_000, doc="highest programmable motor rate"),
    },
    "programming": {
        "hard_max_daily_dose_ug": Spec("int", 1, 100_000, doc="hard maximum daily dose"),
        "override_allowed": Spec("bool", doc="a logged override may exceed the hard maximum"),
        "titration_step_permille": Spec("int", 0, 100_000, doc="largest increase per step"),
        "increase_interval_min": Spec("int", 0, 43_200, doc="least time between increases"),
        "first_increase_after_min": Spec("int", 0, 43_200, doc="no increase before this time"),
        "decrease_confirm_permille": Spec("int", 0, 1_000,
                                          doc="decreases above this need confirmation"),
        "min_bolus_interval_min": Spec("int", 1, 1_440, doc="shortest periodic-bolus interval"),
        "bolus_interval_entry": Spec("enum", choices=("explicit_unit", "minutes_field_only"),
                                     doc="how the programmer takes the bolus interval (I-01)"),
        "max_single_bolus_ug": Spec("int", 0, 100_000, doc="largest single bolus"),
        "programmer_tubing_ul": Spec("int", 0, 1_000, doc="tubing volume the programmer assumes "
                                     "for the priming bolus"),
        "bridge_bolus_limit": Spec("bool", doc="a bridge bolus may not exceed the catheter volume"),
        "cap_needle_interlock": Spec("bool", doc="the access port admits only the CAP needle"),
        "conc_reentry_at_refill": Spec("bool", doc="the concentration is re-entered at every "
                                       "refill (P-06); else the old one stays programmed"),
        "daily_limiter": Spec("bool", doc="keep each day window within the hard maximum: "
                              "each flex segment's rate within it, and a bolus let through only "
                              "if the rest of the window at the maximum rate still fits"),
    },
    "catheter": {
        "pump_tubing_ul": Spec("int", 0, 1_000, doc="actual pump tubing volume"),
        "catheter_volume_ul": Spec("int", 0, 1_000, doc="catheter internal volume"),
        "leak_permille": Spec("int", 0, 1_000, doc="share of the flow a leaking catheter loses"),
        "occlusion_hold_max_ul": Spec("int", 0, 10_000, doc="volume an occlusion can hold back"),
    },
    "battery": {
        "service_life_worst_case_min": Spec("int", 1, _LIFE, doc="life at worst-case drain"),
        "idle_drain_permille": Spec("int", 1, 1_000, doc="share of the worst-case drain spent "
                                    "with the motor idle"),
        "eri_lead_min": Spec("int", 0, _LIFE, doc="ERI raised this long before EOS"),
        "stall_restart_hold": Spec("bool", doc="hold delivery after a long stop (SR-OD-05)"),
        "stall_restart_hold_after_min": Spec("int", 0, 43_200, doc="what counts as a long stop"),
    },
    "model": {
        "step_choices_min": Spec("int_list", 1, 43_200, doc="lengths an infusion step may take"),
    },
    "initial": {
        "daily_dose_ug": Spec("int", 0, 100_000, doc="daily dose programmed at implant"),
        "fill_ul": Spec("int", 0, 100_000, doc="volume filled before implant"),
        "conc_ug_per_ml": Spec("int", 1, 10_000, doc="concentration filled before implant"),
        "mode": Spec("enum", choices=tuple(MODES), doc="infusion mode at implant"),
    },
}


@dataclass(frozen=True)
class Param:
    """One resolved device parameter: a value or a range, with its source."""

    key: str
    kind: Kind
    value: Any
    lo: int | None
    hi: int | None
    source: str

    @property
    def is_range(self) -> bool:
        return self.lo is not None


@dataclass(frozen=True)
class Device:
    """A validated device configuration."""

    name: str
    description: str
    path: str
    sha256: str
    params: Mapping[str, Param]
    faults: Mapping[str, bool]
    document: Mapping[str, Any]  # the parsed file, so a trace can carry the whole device

    def term(self, key: str) -> Term:
        """The parameter as a model term: a constant, or a symbolic variable for a range."""
        p = self._get(key)
        if p.is_range:
            return var(range_var(key), "int")
        if p.kind == "int":
            return lit(int(p.value))
        if p.kind == "bool":
            return lit(bool(p.value))
        raise KeyError(f"{key} is a {p.kind}; read it with value()")

    def value(self, key: str) -> Any:
        """The parameter's fixed value (an int, bool, str or tuple of ints); ranges refuse."""
        p = self._get(key)
        if p.is_range:
            raise KeyError(f"{key} is a range; use term() or resolve it")
        return p.value

    def ranged_keys(self) -> dict[str, str]:
        """Dotted key of every ranged parameter, by its symbolic variable name."""
        return {range_var(k): k for k, p in self.params.items() if p.is_range}

    def ranges(self) -> dict[str, tuple[int, int]]:
        """Every ranged parameter, by its symbolic variable name."""
        return {range_var(k): (int(p.lo), int(p.hi)) for k, p in self.params.items()  # type: ignore[arg-type]
                if p.is_range}

    def _get(self, key: str) -> Param:
        try:
            return self.params[key]
        except KeyError:
            raise KeyError(f"unknown device parameter {key!r}") from None


def with_faults(device: Device, permissions: Mapping[str, bool]) -> Device:
    """The same device with other fault permissions (its document says so too, so a trace
    that carries it replays from the same initial state)."""
    faults = dict(device.faults)
    faults.update(permissions)
    document = dict(device.document)
    document["faults"] = dict(sorted(faults.items(), key=lambda kv: list(faults).index(kv[0])))
    return Device(device.name, device.description, device.path, device.sha256, device.params,
                  faults, document)


def range_var(key: str) -> str:
    """Name of the symbolic variable standing for a ranged device parameter."""
    return "dev_" + key.replace(".", "_")


def reference_device_path() -> Path:
    """Path of the built-in reference device file (package data)."""
    return Path(str(resources.files("pumpsafe.model.devices").joinpath("reference.toml")))


def read_toml(path: Path, shown: str, kind: str) -> tuple[dict[str, Any], str]:
    """A TOML file the user edits (a ``kind`` file: device, register) and the sha256 of its
    bytes; unreadable or malformed files are an :class:`InputError` naming ``shown``."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(shown, "", "file not found",
                         f"give the path of a {kind} TOML file") from None
    except OSError as e:
        raise InputError(shown, "", f"cannot read the file: {e.strerror}",
                         f"give the path of a {kind} TOML file") from None
    try:
        doc = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise InputError(shown, "", f"not valid TOML: {e}", "fix the syntax at that line") from None
    return doc, hashlib.sha256(raw).hexdigest()


def assumption_ids(sources: Iterable[str]) -> list[str]:
    """The ``A-`` rows of the domain brief that these source texts cite, sorted."""
    found = set()
    for text in sources:
        for word in text.replace(",", " ").replace(";", " ").replace(":", " ").split():
            if word.startswith("A-") and word[2:4].isdigit():
                found.add(word[:4])
    return sorted(found)


def load_device(path: str | Path | None = None) -> Device:
    """Load and validate a device file (the built-in reference device when ``path`` is None)."""
    p = Path(path) if path is not None else reference_device_path()
    shown = str(path) if path is not None else "reference.toml (built-in)"
    doc, sha256 = read_toml(p, shown, "device")
    return parse_device(doc, shown, sha256)


def parse_device(doc: Mapping[str, Any], source: str, sha256: str = "") -> Device:
    """Validate a parsed device document; every problem becomes an :class:`InputError`."""
    if doc.get("schema") != DEVICE_SCHEMA:
        raise InputError(source, "schema", f"is {doc.get('schema')!r}",
                         f'the first line must be schema = "{DEVICE_SCHEMA}"')
    allowed = {"schema", "name", "description", "faults", "fault_tree", *SPECS}
    for key in doc:
        if key not in allowed:
            raise InputError(source, key, "unknown key", f"allowed: {', '.join(sorted(allowed))}")
    name = _text(doc, "name", source)
    description = str(doc.get("description", ""))
    params: dict[str, Param] = {}
    for section, specs in SPECS.items():
        table = doc.get(section)
        if not isinstance(table, dict):
            raise InputError(source, section, "missing table", f"add a [{section}] table")
        for key in table:
            if key not in specs:
                raise InputError(source, f"{section}.{key}", "unknown parameter",
                                 f"allowed in [{section}]: {', '.join(specs)}")
        for key, spec in specs.items():
            full = f"{section}.{key}"
            if key not in table:
                raise InputError(source, full, "missing", f"add {key} = {{ value = ..., "
                                 "source = \"D-xx\" }} (" + spec.doc + ")")
            params[full] = _param(full, spec, table[key], source)
    faults = _faults(doc.get("faults"), source)
    if "fault_tree" in doc:  # optional, but when present it must be right
        parse_fault_tree(doc["fault_tree"], source)
    device = Device(name, description, source, sha256, params, faults, dict(doc))
    _cross_checks(device, source)
    return device


def _text(doc: Mapping[str, Any], key: str, source: str) -> str:
    v = doc.get(key)
    if not isinstance(v, str) or not v:
        raise InputError(source, key, "missing or not a string", f'add {key} = "..."')
    return v


def _param(full: str, spec: Spec, entry: Any, source: str) -> Param:
    if not isinstance(entry, dict):
        raise InputError(source, full, f"is {entry!r}",
                         'write it as { value = ..., source = "D-xx" }')
    extra = set(entry) - {"value", "min", "max", "source", "note"}
    if extra:
        raise InputError(source, f"{full}.{sorted(extra)[0]}", "unknown key",
                         "allowed: value, min, max, source, note")
    src = entry.get("source")
    if not isinstance(src, str) or not src.strip():
        raise InputError(source, f"{full}.source", "missing",
                         "every parameter names its source: a row of shared/domain (D-01, A-02) "
                         'or "model: <why>" for a modelling choice')
    has_range = "min" in entry or "max" in entry
    if has_range == ("value" in entry):
        raise InputError(source, full, "needs either value or both min and max",
                         "write value = N, or min = A, max = B for a family of devices")
    if has_range:
        if spec.kind != "int":
            raise InputError(source, full, f"a {spec.kind} parameter cannot be a range",
                             "give a single value")
        lo = _int(entry.get("min"), spec, f"{full}.min", source)
        hi = _int(entry.get("max"), spec, f"{full}.max", source)
        if lo > hi:
            raise InputError(source, full, f"min {lo} is above max {hi}", "swap them")
        return Param(full, spec.kind, None, lo, hi, src)
    return Param(full, spec.kind, _value(entry["value"], spec, full, source), None, None, src)


def _int(v: Any, spec: Spec, field: str, source: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise InputError(source, field, f"is {v!r}", f"use a whole number in [{spec.lo}, "
                         f"{spec.hi}] (integers in base units; no floats in the model)")
    if not spec.lo <= v <= spec.hi:
        raise InputError(source, field, f"{v} is out of range", f"allowed: {spec.lo} to {spec.hi}")
    return v


def _value(v: Any, spec: Spec, full: str, source: str) -> Any:
    if spec.kind == "int":
        return _int(v, spec, f"{full}.value", source)
    if spec.kind == "bool":
        if not isinstance(v, bool):
            raise InputError(source, f"{full}.value", f"is {v!r}", "use true or false")
        return v
    if spec.kind == "enum":
        if v not in spec.choices:
            raise InputError(source, f"{full}.value", f"is {v!r}",
                             f"allowed: {', '.join(repr(c) for c in spec.choices)}")
        return v
    if not isinstance(v, list) or not v:
        raise InputError(source, f"{full}.value", f"is {v!r}", "use a non-empty list of integers")
    items = tuple(_int(x, spec, f"{full}.value[{i}]", source) for i, x in enumerate(v))
    if list(items) != sorted(set(items)):
        raise InputError(source, f"{full}.value", "not strictly increasing",
                         "list each value once, smallest first")
    return items


def _faults(table: Any, source: str) -> dict[str, bool]:
    if not isinstance(table, dict):
        raise InputError(source, "faults", "missing table",
                         "add a [faults] table saying which faults may occur: "
                         + ", ".join(f"{f} = true" for f in FAULTS[:2]) + ", ...")
    for key, v in table.items():
        if key not in FAULTS:
            raise InputError(source, f"faults.{key}", "unknown fault",
                             f"allowed: {', '.join(FAULTS)}")
        if not isinstance(v, bool):
            raise InputError(source, f"faults.{key}", f"is {v!r}", "use true or false")
    missing = [f for f in FAULTS if f not in table]
    if missing:
        raise InputError(source, f"faults.{missing[0]}", "missing",
                         "say for every fault whether it may occur (true/false)")
    return {f: bool(table[f]) for f in FAULTS}


def _bound(device: Device, key: str, upper: bool) -> int:
    p = device.params[key]
    if p.is_range:
        return int(p.hi if upper else p.lo)  # type: ignore[arg-type]
    return int(p.value)


def _cross_checks(d: Device, source: str) -> None:
    concs = d.value("drug.concentrations_ug_per_ml")
    if d.value("initial.conc_ug_per_ml") not in concs:
        raise InputError(source, "initial.conc_ug_per_ml", "is not one of the configured products",
                         f"use one of drug.concentrations_ug_per_ml: {list(concs)}")
    cap = _bound(d, "reservoir.capacity_ul", upper=False)
    if _bound(d, "initial.fill_ul", upper=True) > cap:
        raise InputError(source, "initial.fill_ul", "can exceed the reservoir capacity",
                         f"keep it at or below reservoir.capacity_ul ({cap})")
    if _bound(d, "reservoir.low_alarm_ul", upper=True) >= cap:
        raise InputError(source, "reservoir.low_alarm_ul", "is not below the capacity",
                         f"use less than {cap}")
    if _bound(d, "flow.min_ul_per_day", True) > _bound(d, "flow.max_ul_per_day", False):
        raise InputError(source, "flow.min_ul_per_day", "is above flow.max_ul_per_day",
                         "make the flow range non-empty")
    if _bound(d, "battery.eri_lead_min", True) >= _bound(d, "battery.service_life_worst_case_min",
                                                          False):
        raise InputError(source, "battery.eri_lead_min", "is not below the service life",
                         "ERI must come before end of service")
    for c in d.value("model.step_choices_min"):
        ok = (c < 60 and 60 % c == 0) or (60 <= c < 1440 and 720 % c == 0 and c % 60 == 0) \
            or (c >= 1440 and c % 1440 == 0)
        if not ok:
            raise InputError(source, "model.step_choices_min", f"{c} does not align with the "
                             "hour, the 720-min flex segment and the day",
                             "use divisors of 60, multiples of 60 dividing 720, or whole days")
    if 1 not in d.value("model.step_choices_min"):
        raise InputError(source, "model.step_choices_min", "has no 1-minute step",
                         "include 1: the pump must be able to stop exactly at an event")
