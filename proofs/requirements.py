"""The safety requirements: each written once, as a model term, for proofs, tests and reports.

Kinds:

* ``invariant`` — a predicate over the state that must hold in every reachable state;
* ``step`` — a predicate over a state, the next state (fields prefixed ``next_``) and which rule
  fired (``fired_<rule>`` booleans), that must hold for every reachable transition;
* ``reachability`` — a condition some run must reach (a witness trace proves it);
* ``structural`` — a property of the rules themselves (e.g. no alarm reads catheter state).

Each requirement names the faults it assumes absent (their permission is off while proving it)
and the faults it must survive (their permission is on); every other fault keeps the device's
setting. Its ``premise`` is the situation it speaks about: if no run reaches the premise, a proof
says nothing, and the requirement is reported ``vacuous``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from pumpsafe.model.device import Device
from pumpsafe.model.rules import PumpModel, delivering
from pumpsafe.model.state import (
    ALARMS,
    BOLUS_BRIDGE,
    BOLUS_PRIMING,
    CATHETER_OCCLUDED,
    CRITICAL_ALARMS,
    FAULTS,
    MODE_FLEX,
    MODE_PERIODIC,
    MODE_STOPPED,
    NON_CRITICAL_ALARMS,
    StateVars,
)
from pumpsafe.model.terms import Term, all_of, any_of, by_choice, implies, var
from pumpsafe.proofs import limits as L
from pumpsafe.proofs.slicing import rule_reads

Kind = Literal["invariant", "step", "reachability", "structural"]
FAMILIES = ("SR-OD", "SR-WD", "SR-CF", "SR-BE", "SR-FL", "SR-PG", "SR-AL")
CATHETER_FAULTS = ("catheter_occlusion", "catheter_kink", "catheter_leak",
                   "catheter_dislodgement", "catheter_disconnection")
PUMP_FAULTS = ("motor_stall", "overinfusion", "battery_film", "memory_error")
HUMAN_ERRORS = ("pocket_fill", "conc_entry_error", "missed_aspiration", "cap_injection")


@dataclass(frozen=True)
class Requirement:
    """One safety requirement of the catalogue."""

    id: str
    hazards: tuple[str, ...]
    statement: str
    kind: Kind
    predicate: Term | None  # None for structural and reachability requirements
    premise: Term | None = None
    assumes_absent: tuple[str, ...] = ()
    survives: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    note: str = ""
    structural_check: Callable[[PumpModel], str | None] | None = field(default=None, repr=False)
    targets: tuple[tuple[str, Term], ...] = ()  # reachability: (name, condition) each reachable
    # invariants proved together with the predicate (a stronger candidate certificate; its
    # re-check proves them too): the reasoning a proof of this requirement rests on
    strengthening: tuple[tuple[str, Term], ...] = ()

    @property
    def family(self) -> str:
        return self.id[:5]

    def fault_permissions(self, device: Device) -> dict[str, bool]:
        """The fault permissions this requirement is proved under."""
        perms = dict(device.faults)
        perms.update({f: False for f in self.assumes_absent})
        perms.update({f: True for f in self.survives})
        return perms


# -- the variables a requirement may read ---------------------------------------------------------
S = StateVars()
N = StateVars("next_")


def fired(rule: str) -> Term:
    """True in a ``step`` predicate when ``rule`` made the step."""
    return var("fired_" + rule, "bool")


def _total2(s: StateVars) -> Term:
    return s.daily_dose_ug + s.flex_night_dose_ug


def _any_critical(s: StateVars) -> Term:
    return any_of(*(getattr(s, a) for a in CRITICAL_ALARMS))


# -- structural checks -----------------------------------------------------------------------------
def no_alarm_reads_catheter(model: PumpModel) -> str | None:
    """SR-CF-01: no alarm update and no pump-logic guard depends on the catheter status."""
    for rule in model.rules:
        for name, term in rule.updates.items():
            if name.startswith(("alarm_", "finding_")) and "catheter" in rule_reads(rule, [term]):
                return f"rule {rule.name}: {name} depends on the catheter status"
    return None


def alarm_classes_fixed(model: PumpModel) -> str | None:
    """SR-AL-01: the critical and non-critical alarm sets are those of D-09/D-10."""
    critical = {"alarm_empty", "alarm_eos", "alarm_motor_stall", "alarm_low_battery_reset",
                "alarm_memory_error"}
    non_critical = {"alarm_low_reservoir", "alarm_eri"}
    if set(CRITICAL_ALARMS) != critical or set(NON_CRITICAL_ALARMS) != non_critical:
        return "alarm classes differ from D-09/D-10"
    if set(ALARMS) != critical | non_critical:
        return f"unclassified alarms: {sorted(set(ALARMS) - critical - non_critical)}"
    return None


def daily_limit_invariants(device: Device) -> tuple[tuple[str, Term], ...]:
    """What the daily limiter keeps true (SR-OD-02), whatever the faults: without an override,
    each segment's dose and motor rate are within the hard maximum, and a day window's commanded
    drug is within the maximum's share of the minutes elapsed, give or take the carried
    remainder (under 1 uL). Nothing on a device without the limiter, or whose implant dose
    already exceeds the maximum."""
    concs = tuple(device.value("drug.concentrations_ug_per_ml"))
    h, first = device.params["programming.hard_max_daily_dose_ug"], \
        device.params["initial.daily_dose_ug"]
    if not device.value("programming.daily_limiter") or h.is_range \
            or (first.hi if first.is_range else first.value) > h.value:
        return ()
    max_ug: int = h.value
    return (
        ("an override in force is logged in its window",
         implies(S.override_active, S.override_in_window)),
        ("without an override each segment's dose is within the maximum",
         S.override_active | all_of(S.daily_dose_ug <= max_ug, S.flex_night_dose_ug <= max_ug)),
        ("without an override each segment's motor rate is within the maximum",
         S.override_active | all_of(*(implies(
             S.programmed_conc_ug_per_ml == c,
             all_of(S.rate_ul_per_day * c <= max_ug * 1000,
                    S.night_rate_ul_per_day * c <= max_ug * 1000)) for c in concs))),
        ("without an override the window's commanded drug is within the maximum's share",
         S.override_in_window | all_of(*(implies(
             S.programmed_conc_ug_per_ml == c,
             S.commanded_day_ng * 1440 + S.rate_frac * c
             <= S.day_window_min * max_ug * 1000 + 1439 * max(concs)) for c in concs))),
    )


# -- the catalogue ---------------------------------------------------------------------------------
def catalogue(device: Device) -> tuple[Requirement, ...]:
    """Every requirement, instantiated for the device (device-specific numbers only where the
    requirement is about the device itself)."""
    concs = tuple(device.value("drug.concentrations_ug_per_ml"))
    catheter_ul = device.term("catheter.catheter_volume_ul")
    hold_max = device.term("catheter.occlusion_hold_max_ul")
    acc = 145  # D-03
    max_ng = L.HARD_MAX_DAILY_DOSE_UG * 1000
    on, on_next = delivering(S), delivering(N)
    within_commanded = S.delivered_day_ng * 1000 <= S.commanded_day_ng * (1000 + acc) + 1000 + acc
    reqs = [
        # -- overdose ------------------------------------------------------------------------
        Requirement(
            "SR-OD-01", ("HZ-OD",), "With no pump fault active, drug delivered into the CSF in "
            "a day window shall not exceed the drug the pump commanded for it x 1145/1000 (D-03).",
            "invariant",
            within_commanded,
            premise=S.delivered_day_ng > 0,
            assumes_absent=("overinfusion", "catheter_occlusion", "catheter_kink", "cap_injection",
                            "conc_entry_error"),
            survives=("catheter_leak", "catheter_dislodgement", "motor_stall"),
            sources=("D-03",), note="Day windows are step-aligned (<= 1440 min); the property "
            "tests check the exact sliding 1440-min window on concrete traces as an oracle."),
        Requirement(
            "SR-OD-02", ("HZ-OD",), "Drug delivered into the CSF in a day window shall not exceed "
            "the hard maximum (A-05) x 1145/1000, boluses and flex steps included, unless a "
            "clinician override is logged.", "invariant",
            S.override_in_window
            | (S.delivered_day_ng * 1000 <= max_ng * (1000 + acc) + 2000 * 1145),
            premise=S.delivered_day_ng > 0,
            assumes_absent=("overinfusion", "catheter_occlusion", "catheter_kink", "cap_injection",
                            "conc_entry_error"),
            sources=("A-05", "D-03"), note="The daily limiter keeps the drug commanded in a "
            "window within the maximum (each flex segment's rate within it; a bolus only if the "
            "rest of the window at the maximum rate still fits), and SR-OD-01 bounds delivery by "
            "what was commanded. Allows one unit of rounding (1 uL at the highest "
            "concentration). Before this control, a flex schedule moved between segments inside "
            "one day window delivered up to twice the maximum (scenario flex-reprogramming).",
            strengthening=(("SR-OD-01: delivered within commanded x 1145/1000",
                            within_commanded), *daily_limit_invariants(device))),
        Requirement(
            "SR-OD-03", ("HZ-OD", "HZ-CONC"), "The motor rate shall be the prescribed dose "
            "converted with the concentration actually in the reservoir: drug in the reservoir "
            "is always the concentration last confirmed.", "invariant",
            implies(S.reservoir_ul > 0, S.reservoir_conc_ug_per_ml == S.programmed_conc_ug_per_ml),
            premise=S.t_since_fill_min < S.t_min, assumes_absent=("conc_entry_error",),
            survives=("missed_aspiration",), sources=("P-06",)),
        Requirement(
            "SR-OD-04", ("HZ-OD",), "A priming bolus shall not exceed the pump tubing volume "
            "(D-14) plus the catheter volume (A-04).", "invariant",
            implies(S.pending_bolus_kind == BOLUS_PRIMING,
                    S.pending_bolus_ul <= L.PUMP_TUBING_UL + catheter_ul),
            premise=S.pending_bolus_kind == BOLUS_PRIMING, sources=("D-14", "A-04", "I-09")),
        Requirement(
            "SR-OD-05", ("HZ-OD",), "After a stall longer than 2880 min, delivery shall not "
            "resume at the programmed rate without a recorded clinician action (D-18).", "step",
            implies(all_of(fired("motor_recovers"),
                           S.t_not_delivering_min >= L.LONG_STOP_MIN), ~on_next),
            premise=all_of(S.motor_stalled, S.t_not_delivering_min >= L.LONG_STOP_MIN),
            survives=("motor_stall",), sources=("D-18", "I-10")),
        Requirement(
            "SR-OD-06", ("HZ-OD",), "While an over-delivery finding (possible pocket fill or "
            "overinfusion) is open, dose increases shall be refused.", "step",
            implies(fired("program") & S.finding_over_delivery, _total2(N) <= _total2(S)),
            premise=S.finding_over_delivery, survives=("overinfusion",), sources=("I-05", "I-10")),
        Requirement(
            "SR-OD-07", ("HZ-OD",), "A bridge bolus shall not exceed the catheter volume (A-04).",
            "invariant", implies(S.pending_bolus_kind == BOLUS_BRIDGE,
                                 S.pending_bolus_ul <= catheter_ul),
            premise=S.pending_bolus_kind == BOLUS_BRIDGE, sources=("A-04", "D-12")),
        Requirement(
            "SR-OD-08", ("HZ-OD",), "Reservoir drug shall never reach the CSF through the "
            "catheter access port (CAP needle interlock, D-15).", "step",
            ~fired("cap_injection"), premise=S.perm_cap_injection, survives=("cap_injection",),
            sources=("D-15", "I-02")),
        # -- withdrawal ------------------------------------------------------------------------
        Requirement(
            "SR-WD-01", ("HZ-WD",), "Every transition into a non-delivering state raises a "
            "critical alarm in the same step, unless it is a confirmed stop with a withdrawal "
            "warning (D-10).", "step",
            implies(on & ~on_next, any_of(_any_critical(N), N.withdrawal_warning_logged
                                          & (N.mode == MODE_STOPPED))),
            premise=on, survives=("motor_stall", "memory_error", "battery_film"),
            sources=("D-10",)),
        Requirement(
            "SR-WD-02", ("HZ-WD", "HZ-ALM"), "An alarm stays latched until a clinician action "
            "clears it; none clears itself.", "step",
            implies(any_of(*(getattr(S, a) & ~getattr(N, a) for a in ALARMS)),
                    fired("clinician_review") | fired("refill")),
            premise=any_of(*(getattr(S, a) for a in ALARMS)),
            survives=("motor_stall", "memory_error"), sources=("D-09", "D-10")),
        Requirement(
            "SR-WD-03", ("HZ-WD",), "With no pump fault active, the motor never moves less than "
            "the volume due x 855/1000 in a step, unless the reservoir runs out and the empty "
            "alarm is raised in that step.", "step",
            implies(fired("infuse"), (N.last_step_pumped_ul * 1000 >= N.last_step_due_ul
                                      * (1000 - acc)) | N.alarm_empty
                    | (S.catheter == CATHETER_OCCLUDED)),
            premise=delivering(S) & (S.catheter != CATHETER_OCCLUDED),
            assumes_absent=("overinfusion",),
            survives=("catheter_leak",), sources=("D-03",),
            note="At the motor: catheter faults are HZ-CF (SR-CF-*); an occluded catheter "
            "stops the flow and is excluded here."),
        Requirement(
            "SR-WD-04", ("HZ-WD",), "Programming a stop or a zero dose shall require explicit "
            "confirmation and record a withdrawal warning.", "step",
            implies(fired("program") & ((N.mode == MODE_STOPPED) | (_total2(N) == 0)),
                    N.withdrawal_warning_logged),
            premise=S.mode != MODE_STOPPED, sources=("R-04",)),
        Requirement(
            "SR-WD-05", ("HZ-WD",), "A dose decrease of more than 20 % (A-07) shall require "
            "explicit confirmation and record a withdrawal warning.", "step",
            implies(fired("program") & (_total2(N) * 1000
                                        < _total2(S) * (1000 - L.DECREASE_CONFIRM_PERMILLE)),
                    N.withdrawal_warning_logged),
            premise=_total2(S) > 0, sources=("A-07",)),
        # -- catheter fault ------------------------------------------------------------------
        Requirement(
            "SR-CF-01", ("HZ-CF",), "No alarm or refill finding depends on the catheter status: "
            "catheter faults are silent to the pump (D-16), so no report may claim an alarm "
            "covers them.", "structural", None, structural_check=no_alarm_reads_catheter,
            sources=("D-16",)),
        Requirement(
            "SR-CF-02", ("HZ-CF", "HZ-WD"), "At a refill, an aspirated residual larger than "
            "expected beyond the accuracy band raises an under-delivery finding.", "step",
            implies(all_of(fired("refill"), N.aspirated_ul == S.reservoir_ul, S.reservoir_ul > 0,
                           (S.fill_volume_ul - S.reservoir_ul) * 1000
                           < S.nominal_since_fill_ul * (1000 - acc)),
                    N.finding_under_delivery),
            premise=S.catheter == CATHETER_OCCLUDED, survives=CATHETER_FAULTS,
            sources=("P-03", "D-03")),
        Requirement(
            "SR-CF-03", ("HZ-CF",), "A catheter occlusion that withholds drug is detectable: an "
            "under-delivery finding is reachable with only catheter occlusion possible.",
            "reachability", None,
            targets=(("under-delivery finding with an occluded catheter",
                      S.finding_under_delivery & (S.catheter == CATHETER_OCCLUDED)),),
            assumes_absent=tuple(f for f in FAULTS if f != "catheter_occlusion"),
            survives=("catheter_occlusion",), sources=("P-03", "D-16")),
        Requirement(
            "SR-CF-04", ("HZ-CF", "HZ-OD"), "The drug released when an occlusion clears is "
            "bounded by the volume the catheter can hold back.", "invariant",
            S.held_ul <= hold_max, premise=S.held_ul > 0,
            survives=("catheter_occlusion", "catheter_kink"), sources=("HZ-CF",)),
        # -- battery end ---------------------------------------------------------------------
        Requirement(
            "SR-BE-01", ("HZ-BE",), "ERI shall be raised no later than the step in which the "
            "service left at the worst-case consumption falls to 129 600 min (D-06).", "invariant",
            implies(S.battery_min_left <= L.ERI_LEAD_MIN, S.alarm_eri),
            premise=S.battery_min_left <= L.ERI_LEAD_MIN + 43_200, survives=("battery_film",),
            sources=("D-06",), note="Long steps stop at the threshold, so ERI comes within one "
            "minute of it."),
        Requirement(
            "SR-BE-02", ("HZ-BE", "HZ-WD"), "At end of service the pump stops delivering and a "
            "critical alarm is latched.", "invariant",
            implies(S.battery_min_left == 0, S.alarm_eos & ~on),
            premise=S.battery_min_left <= L.ERI_LEAD_MIN, survives=("battery_film",),
            sources=("D-05", "D-10")),
        Requirement(
            "SR-BE-03", ("HZ-BE", "HZ-WD"), "A premature depletion or a low-battery reset (I-04) "
            "leads to a critical alarm in the same step.", "step",
            implies(fired("battery_film_fault") & ~N.alarm_eri,
                    N.alarm_low_battery_reset | N.alarm_eos | (N.battery_min_left
                                                               > L.ERI_LEAD_MIN)),
            premise=S.perm_battery_film, survives=("battery_film",), sources=("I-04",)),
        Requirement(
            "SR-BE-04", ("HZ-BE",), "Service life never exceeds 84 months (D-05): end of "
            "service is reached by then at the latest.", "invariant",
            implies(S.t_min >= L.MAX_SERVICE_LIFE_MIN, S.alarm_eos),
            premise=S.t_min >= 43_200, survives=("battery_film",), sources=("D-05", "A-08")),
        # -- refill ---------------------------------------------------------------------------
        Requirement(
            "SR-FL-01", ("HZ-CONC",), "A refill either aspirates the residual first or adds the "
            "same product: concentrations never mix.", "step",
            implies(fired("refill") & (S.reservoir_ul > 0),
                    (N.aspirated_ul == S.reservoir_ul)
                    | (N.reservoir_conc_ug_per_ml == S.reservoir_conc_ug_per_ml)),
            premise=S.reservoir_ul > 0, survives=("missed_aspiration",), sources=("P-03",)),
        Requirement(
            "SR-FL-02", ("HZ-OD",), "A refill never puts more drug in than the reservoir holds: "
            "nothing overflows into the pocket (D-01).", "invariant", S.pocket_depot_ng == 0,
            premise=S.t_since_fill_min < S.t_min,
            assumes_absent=("pocket_fill", "missed_aspiration"), sources=("D-01",)),
        Requirement(
            "SR-FL-03", ("HZ-CONC",), "The drug in the reservoir is one of the configured "
            "products (R-01).", "invariant",
            any_of(*(S.reservoir_conc_ug_per_ml == c for c in (0, *concs))),
            premise=S.t_since_fill_min < S.t_min, survives=HUMAN_ERRORS, sources=("R-01",)),
        Requirement(
            "SR-FL-04", ("HZ-OD", "HZ-CONC"), "After a refill, the pump runs on the "
            "concentration re-entered at that refill, and that is the concentration filled.",
            "step", implies(fired("refill") & (N.reservoir_ul > 0),
                            N.programmed_conc_ug_per_ml == N.reservoir_conc_ug_per_ml),
            premise=S.reservoir_ul >= 0, assumes_absent=("conc_entry_error",),
            sources=("P-06",)),
        Requirement(
            "SR-FL-05", ("HZ-OD", "HZ-WD"), "At a refill, an aspirated residual smaller than "
            "expected beyond the accuracy band (pocket fill, overinfusion) raises an "
            "over-delivery finding (P-04).", "step",
            implies(all_of(fired("refill"), N.aspirated_ul == S.reservoir_ul,
                           (S.fill_volume_ul - S.reservoir_ul) * 1000
                           > S.nominal_since_fill_ul * (1000 + acc)),
                    N.finding_over_delivery),
            premise=S.pocket_depot_ng > 0, survives=("pocket_fill", "overinfusion"),
            assumes_absent=("missed_aspiration",),  # reconciliation needs an aspiration
            sources=("P-04", "I-05")),
        Requirement(
            "SR-FL-06", ("HZ-ALM", "HZ-WD"), "The reservoir volume the pump computes never "
            "exceeds the volume actually there, so every reservoir alarm comes early (D-07).",
            "invariant", S.believed_reservoir_ul <= S.reservoir_ul,
            premise=S.believed_reservoir_ul < S.fill_volume_ul,
            assumes_absent=("overinfusion", "pocket_fill", "missed_aspiration"),
            survives=CATHETER_FAULTS, sources=("D-07", "D-03")),
        # -- programming ----------------------------------------------------------------------
        Requirement(
            "SR-PG-01", ("HZ-OD",), "A daily dose above the hard maximum (A-05) is in force only "
            "with a logged clinician override.", "invariant",
            S.override_active | (_total2(S) <= 2 * L.HARD_MAX_DAILY_DOSE_UG),
            premise=_total2(S) > 0, sources=("A-05",)),
        Requirement(
            "SR-PG-02", ("HZ-OD",), "An increase above the titration step (A-06) is refused.",
            "step", implies(fired("program") & (_total2(N) > _total2(S)),
                            _total2(N) * 1000 <= _total2(S) * (1000 + L.TITRATION_STEP_PERMILLE)),
            premise=S.t_min >= L.FIRST_INCREASE_AFTER_MIN, sources=("A-06", "R-11")),
        Requirement(
            "SR-PG-03", ("HZ-OD",), "At most one increase per 1440 min, none in the first "
            "1440 min of therapy (R-10, R-11).", "step",
            implies(fired("program") & (_total2(N) > _total2(S)) & (N.mode != MODE_STOPPED),
                    (S.t_since_increase_min >= L.INCREASE_INTERVAL_MIN)
                    & (S.t_min >= L.FIRST_INCREASE_AFTER_MIN)),
            premise=S.t_min >= 0, sources=("R-10", "R-11")),
        Requirement(
            "SR-PG-04", ("HZ-OD",), "A periodic-bolus interval below 60 min (A-03) is never in "
            "force: intervals are entered with their unit and range-checked (I-01).", "invariant",
            implies(S.mode == MODE_PERIODIC, S.bolus_interval_min >= L.MIN_BOLUS_INTERVAL_MIN),
            premise=S.mode == MODE_PERIODIC, sources=("A-03", "I-01")),
        Requirement(
            "SR-PG-05", ("HZ-OD", "HZ-WD"), "A flex schedule keeps both segment rates within the "
            "programmable flow range (A-01) and its daily total within the hard maximum.",
            "invariant",
            implies(S.mode == MODE_FLEX, all_of(
                S.rate_ul_per_day >= L.FLOW_MIN_UL_PER_DAY,
                S.rate_ul_per_day <= L.FLOW_MAX_UL_PER_DAY,
                S.night_rate_ul_per_day >= L.FLOW_MIN_UL_PER_DAY,
                S.night_rate_ul_per_day <= L.FLOW_MAX_UL_PER_DAY,
                S.override_active | (_total2(S) <= 2 * L.HARD_MAX_DAILY_DOSE_UG))),
            premise=S.mode == MODE_FLEX, sources=("A-01", "A-05", "D-13"),
            note="The model's flex schedule has two 720-min segments, not D-13's 13 steps."),
        Requirement(
            "SR-PG-06", ("HZ-OD",), "Unit conversions round so the motor volume never exceeds "
            "the prescribed volume.", "invariant",
            by_choice(S.programmed_conc_ug_per_ml, concs,
                      lambda c: all_of(S.rate_ul_per_day * c <= S.daily_dose_ug * 1000,
                                       S.night_rate_ul_per_day * c
                                       <= S.flex_night_dose_ug * 1000)),
            premise=S.daily_dose_ug > 0, sources=("SR-PG-07",)),
        # -- alarms ---------------------------------------------------------------------------
        Requirement(
            "SR-AL-01", ("HZ-ALM",), "Alarm classes are fixed: critical = {empty, EOS, motor "
            "stall, critical memory error, low-battery reset}; non-critical = {low reservoir, "
            "ERI} (D-09, D-10).", "structural", None, structural_check=alarm_classes_fixed,
            sources=("D-09", "D-10")),
        Requirement(
            "SR-AL-02", ("HZ-ALM", "HZ-WD"), "The low-reservoir alarm fires while the computed "
            "volume still lasts the lead time (>= 3 days, P-02) at the worst-case in-spec rate "
            "(programmed x 1145/1000).", "invariant",
            S.alarm_low_reservoir | (S.believed_reservoir_ul * 1440 * 1000 > L.LOW_ALARM_LEAD_MIN
                                     * (1000 + acc) * S.rate_ul_per_day)
            & (S.believed_reservoir_ul * 1440 * 1000 > L.LOW_ALARM_LEAD_MIN * (1000 + acc)
               * S.night_rate_ul_per_day),
            premise=S.believed_reservoir_ul < 10_000, sources=("P-02", "D-03")),
        Requirement(
            "SR-AL-03", ("HZ-ALM", "HZ-WD"), "For every actual rate within +/-14.5 % of the "
            "programmed rate, the low-reservoir alarm comes no later than actual depletion "
            "(an out-of-spec overinfusion, I-10, must appear as a cut set).", "invariant",
            implies(S.reservoir_ul == 0, S.alarm_low_reservoir | (S.t_since_fill_min == 0)),
            premise=S.reservoir_ul < 2000,
            assumes_absent=("overinfusion", "pocket_fill", "missed_aspiration"),
            sources=("D-03", "D-07", "I-10")),
        Requirement(
            "SR-AL-04", ("HZ-ALM", "HZ-WD"), "The empty-reservoir alarm is latched in the step "
            "in which the actual reservoir runs empty.", "invariant",
            implies(S.reservoir_ul == 0, S.alarm_empty | (S.t_since_fill_min == 0)),
            premise=S.reservoir_ul < 2000,
            assumes_absent=("overinfusion", "pocket_fill", "missed_aspiration"),
            sources=("D-07", "D-10")),
        Requirement(
            "SR-AL-05", ("HZ-ALM",), "Every alarm is reachable on the device (a witness trace), "
            "so no alarm requirement holds vacuously.", "reachability", None,
            targets=tuple((a, getattr(S, a)) for a in ALARMS),
            survives=("motor_stall", "battery_film", "memory_error"), sources=("SR-AL-05",),
            note="Checked alarm by alarm in the sanity phase; this requirement is proved when "
            "every alarm has a witness."),
    ]
    return tuple(reqs)


def by_id(reqs: tuple[Requirement, ...], ident: str) -> Requirement:
    """The requirement with this ID."""
    for r in reqs:
        if r.id == ident:
            return r
    raise KeyError(ident)
