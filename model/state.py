"""The pump's state: one frozen dataclass, every field an int or a bool in base units.

Enumerations are small ints (named constants below) so every field is a plain integer for Z3.
Fields fall in groups: clock; the drug actually in the reservoir and what the pump *believes*
is there (the pump measures neither reservoir nor catheter flow, D-07, D-16); the prescription
in force; monitors over bounded windows; device status; latched alarms and refill findings;
latched fault activations; and frozen fault permissions (``perm_*``: a fault *may* occur).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from pumpsafe.model.terms import Sort, Term, Value, var

# Infusion modes (D-12). Single, priming and bridge boluses are one-shot deliveries, not modes.
MODE_STOPPED, MODE_CONTINUOUS, MODE_FLEX, MODE_PERIODIC = 0, 1, 2, 3
MODES = {"stopped": 0, "continuous": 1, "flex": 2, "periodic": 3}

# Catheter status (S-07, F-11..F-15). Kink behaves as an occlusion; disconnection and fracture
# as a dislodgement (nothing reaches the CSF). Catheter status is silent to the pump (D-16).
CATHETER_OK, CATHETER_OCCLUDED, CATHETER_LEAKING, CATHETER_DISLODGED = 0, 1, 2, 3

# One-shot bolus kinds.
BOLUS_NONE, BOLUS_SINGLE, BOLUS_PRIMING, BOLUS_BRIDGE = 0, 1, 2, 3


def _f(doc: str, frozen: bool = False) -> Any:
    return field(metadata={"doc": doc, "frozen": frozen})


@dataclass(frozen=True)
class State:
    """One reachable configuration of pump, catheter, battery and the monitors over them."""

    # -- clock ---------------------------------------------------------------------------------
    t_min: int = _f("minutes since implant")
    t_since_fill_min: int = _f("minutes since the last refill")
    t_since_increase_min: int = _f("minutes since the last dose increase")
    # -- drug: physics ---------------------------------------------------------------------------
    reservoir_ul: int = _f("drug volume actually in the reservoir")
    reservoir_conc_ug_per_ml: int = _f("concentration actually in the reservoir (0: none)")
    dead_space_ul: int = _f("tubing and catheter volume not yet filled with drug (priming)")
    held_ul: int = _f("drug held back in an occluded catheter; released when it clears")
    pocket_depot_ng: int = _f("drug injected into the subcutaneous pocket at the last fill")
    rate_frac: int = _f("remainder of rate x minutes not yet moved (exact integer flow)")
    # -- drug: what the pump believes (D-07) -----------------------------------------------------
    believed_reservoir_ul: int = _f("reservoir volume the pump computes (alarm basis)")
    fill_volume_ul: int = _f("volume entered at the last refill")
    nominal_since_fill_ul: int = _f("volume due at the programmed rate since the last refill")
    aspirated_ul: int = _f("residual volume aspirated at the last refill")
    # -- prescription in force ------------------------------------------------------------------
    mode: int = _f("infusion mode: 0 stopped, 1 continuous, 2 flex, 3 periodic bolus")
    programmed_conc_ug_per_ml: int = _f("concentration entered at the last refill")
    daily_dose_ug: int = _f("prescribed daily dose (flex: day-segment daily rate)")
    flex_night_dose_ug: int = _f("flex: night-segment daily rate (= daily dose otherwise)")
    rate_ul_per_day: int = _f("motor rate, day segment")
    night_rate_ul_per_day: int = _f("motor rate, night segment (flex)")
    bolus_dose_ug: int = _f("periodic bolus dose")
    bolus_ul: int = _f("periodic bolus volume")
    bolus_interval_min: int = _f("periodic bolus interval")
    next_bolus_in_min: int = _f("minutes until the next periodic bolus")
    pending_bolus_ul: int = _f("one-shot bolus volume queued for the next infusion step")
    pending_bolus_kind: int = _f("kind of the queued bolus: 0 none, 1 single, 2 priming, 3 bridge")
    override_active: bool = _f("a logged clinician override of the hard daily maximum")
    override_in_window: bool = _f("an override was in force at some time in this day window")
    withdrawal_warning_logged: bool = _f("the last program was a stop or large decrease, "
                                         "confirmed with a withdrawal warning")
    # -- monitors over bounded windows ----------------------------------------------------------
    delivered_day_ng: int = _f("drug into the CSF in the current day window (1 ng = 1 uL x ug/mL)")
    day_window_min: int = _f("length of the current day window (<= 1440)")
    delivered_hour_ng: int = _f("drug into the CSF in the current hour window")
    hour_window_min: int = _f("length of the current hour window (<= 60)")
    commanded_day_ng: int = _f("drug the pump commanded in the current day window (limiter)")
    last_step_csf_ng: int = _f("drug into the CSF in the last step")
    last_step_pumped_ul: int = _f("volume the motor moved in the last step")
    last_step_due_ul: int = _f("volume due in the last step at the programmed rate")
    t_not_delivering_min: int = _f("minutes since the pump last delivered")
    # -- device status ----------------------------------------------------------------------------
    catheter: int = _f("catheter: 0 ok, 1 occluded, 2 leaking, 3 dislodged")
    motor_stalled: bool = _f("motor stalled (D-18)")
    restart_hold: bool = _f("delivery held after a long stop until a clinician acts (D-18)")
    battery_min_left: int = _f("service minutes left at the worst-case consumption")
    # -- latched alarms (D-09, D-10) ------------------------------------------------------------
    alarm_low_reservoir: bool = _f("non-critical: low reservoir")
    alarm_eri: bool = _f("non-critical: elective replacement indicator")
    alarm_empty: bool = _f("critical: empty reservoir")
    alarm_eos: bool = _f("critical: end of service")
    alarm_motor_stall: bool = _f("critical: motor stall")
    alarm_low_battery_reset: bool = _f("critical: low-battery reset")
    alarm_memory_error: bool = _f("critical: critical memory error")
    # -- refill findings (P-03, P-04) -------------------------------------------------------------
    finding_under_delivery: bool = _f("aspirated residual above expected beyond the band")
    finding_over_delivery: bool = _f("aspirated residual below expected beyond the band")
    # -- latched fault activations ----------------------------------------------------------------
    overinfusing: bool = _f("the pump runs above the accuracy band (I-10)")
    # -- frozen fault permissions -----------------------------------------------------------------
    perm_catheter_occlusion: bool = _f("catheter occlusion may occur", frozen=True)
    perm_catheter_kink: bool = _f("catheter kink may occur", frozen=True)
    perm_catheter_leak: bool = _f("catheter leak may occur", frozen=True)
    perm_catheter_dislodgement: bool = _f("catheter dislodgement may occur", frozen=True)
    perm_catheter_disconnection: bool = _f("catheter disconnection may occur", frozen=True)
    perm_motor_stall: bool = _f("motor stall may occur", frozen=True)
    perm_overinfusion: bool = _f("overinfusion malfunction may occur", frozen=True)
    perm_battery_film: bool = _f("battery resistive-film failure may occur", frozen=True)
    perm_memory_error: bool = _f("critical memory error may occur", frozen=True)
    perm_pocket_fill: bool = _f("a refill may go into the pocket", frozen=True)
    perm_conc_entry_error: bool = _f("the entered concentration may differ from the filled one",
                                     frozen=True)
    perm_missed_aspiration: bool = _f("a refill may skip aspiration", frozen=True)
    perm_cap_injection: bool = _f("reservoir drug may be injected into the access port",
                                  frozen=True)


FIELDS: tuple[dataclasses.Field[Any], ...] = dataclasses.fields(State)
FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS)
FIELD_SORTS: dict[str, Sort] = {f.name: ("bool" if f.type in ("bool", bool) else "int")
                                for f in FIELDS}
FROZEN_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.metadata["frozen"])
FAULTS: tuple[str, ...] = tuple(n.removeprefix("perm_") for n in FROZEN_FIELDS)
ALARMS: tuple[str, ...] = tuple(n for n in FIELD_NAMES if n.startswith("alarm_"))
CRITICAL_ALARMS: tuple[str, ...] = ("alarm_empty", "alarm_eos", "alarm_motor_stall",
                                    "alarm_low_battery_reset", "alarm_memory_error")
NON_CRITICAL_ALARMS: tuple[str, ...] = ("alarm_low_reservoir", "alarm_eri")


def field_doc(name: str) -> str:
    """The one-line description of a state field."""
    return str(next(f.metadata["doc"] for f in FIELDS if f.name == name))


class StateVars:
    """The state fields as term variables: ``s.reservoir_ul`` is ``var("reservoir_ul")``."""

    def __init__(self, prefix: str = "") -> None:
        self._prefix = prefix
        for name in FIELD_NAMES:
            setattr(self, name, var(prefix + name, FIELD_SORTS[name]))

    def __getattr__(self, name: str) -> Term:  # only reached for unknown names
        raise AttributeError(f"the pump state has no field {name!r}")


def state_to_dict(state: State) -> dict[str, Value]:
    """The state as a plain dict in field order."""
    return {n: getattr(state, n) for n in FIELD_NAMES}


def state_from_dict(values: dict[str, Value]) -> State:
    """Build a state from a dict holding exactly the state's fields, with the right sorts."""
    missing = [n for n in FIELD_NAMES if n not in values]
    extra = [n for n in values if n not in FIELD_SORTS]
    if missing or extra:
        raise KeyError(f"missing fields {missing}, unknown fields {extra}")
    for n in FIELD_NAMES:
        v = values[n]
        want_bool = FIELD_SORTS[n] == "bool"
        if isinstance(v, bool) != want_bool or not isinstance(v, int):
            raise TypeError(f"field {n} must be {'a bool' if want_bool else 'an int'}, got {v!r}")
    return State(**values)  # type: ignore[arg-type]
