"""Well-formedness lemmas of the model: ranges of every field, proved once for all faults.

They hold in every reachable state whatever the fault permissions, so every check may assume
them in the pre-state of a transition (they strengthen 1-induction and help Spacer); the
certificate of a proof is then ``inv ∧ lemmas``, and its re-check proves both together.
"""

from __future__ import annotations

from dataclasses import dataclass

from pumpsafe.model.device import Device
from pumpsafe.model.state import (
    FIELD_NAMES,
    FIELD_SORTS,
    StateVars,
)
from pumpsafe.model.terms import Term, all_of, implies, one_of

S = StateVars()


def lemmas(device: Device) -> tuple[tuple[str, Term], ...]:
    """Named lemmas over the state, for the device."""
    concs = tuple(device.value("drug.concentrations_ug_per_ml"))
    cap = device.term("reservoir.capacity_ul")
    out: list[tuple[str, Term]] = []
    for n in FIELD_NAMES:
        if FIELD_SORTS[n] == "int":
            out.append((f"{n} >= 0", getattr(S, n) >= 0))
    out += [
        ("mode in 0..3", S.mode <= 3),
        ("catheter in 0..3", S.catheter <= 3),
        ("bolus kind in 0..3", S.pending_bolus_kind <= 3),
        ("no bolus volume without a kind", implies(S.pending_bolus_kind == 0,
                                                   S.pending_bolus_ul == 0)),
        ("reservoir concentration is a product or 0",
         one_of(S.reservoir_conc_ug_per_ml, (0, *concs))),
        ("programmed concentration is a product", one_of(S.programmed_conc_ug_per_ml, concs)),
        ("rate remainder below a day", S.rate_frac < 1440),
        ("day window at most a day", S.day_window_min <= 1440),
        ("hour window at most an hour", S.hour_window_min <= 60),
        ("reservoir within capacity", S.reservoir_ul <= cap),
        ("computed volume within capacity", S.believed_reservoir_ul <= cap),
        ("held volume within the hold limit",
         S.held_ul <= device.term("catheter.occlusion_hold_max_ul")),
        ("dead space within tubing and catheter",
         S.dead_space_ul <= device.term("catheter.pump_tubing_ul")
         + device.term("catheter.catheter_volume_ul")),
        ("battery within its life",
         S.battery_min_left <= device.term("battery.service_life_worst_case_min")),
        ("bolus interval within a day", all_of(S.bolus_interval_min >= 1,
                                               S.bolus_interval_min <= 1440)),
        ("next bolus within the interval", all_of(S.next_bolus_in_min >= 1,
                                                  S.next_bolus_in_min <= 1440)),
        # a fault is active only where it is permitted
        ("overinfusing needs its permission", implies(S.overinfusing, S.perm_overinfusion)),
        ("a stall needs its permission", implies(S.motor_stalled, S.perm_motor_stall)),
        ("an occlusion needs its permission", implies(
            S.catheter == 1, S.perm_catheter_occlusion | S.perm_catheter_kink)),
        ("a leak needs its permission", implies(S.catheter == 2, S.perm_catheter_leak)),
        ("a dislodgement needs its permission", implies(
            S.catheter == 3, S.perm_catheter_dislodgement | S.perm_catheter_disconnection)),
        ("a memory error needs its permission", implies(S.alarm_memory_error,
                                                        S.perm_memory_error)),
        ("a reset needs the battery fault", implies(S.alarm_low_battery_reset,
                                                    S.perm_battery_film)),
        ("drug is held back only by an occlusion", implies(S.held_ul > 0, S.perm_catheter_occlusion
                                                           | S.perm_catheter_kink)),
    ]
    if device.value("reservoir.fill_volume_check"):
        out.append(("the pocket gets drug only by a fault", implies(
            S.pocket_depot_ng > 0, S.perm_pocket_fill | S.perm_missed_aspiration)))
    return tuple(out)


@dataclass(frozen=True)
class Lemma:
    """A lemma that holds where the listed faults are forbidden."""

    name: str
    term: Term
    needs_absent: frozenset[str]


def conditional_lemmas(device: Device) -> tuple[Lemma, ...]:
    """Lemmas of the physics that hold only without some faults."""
    idle = device.term("battery.idle_drain_permille")
    life = device.term("battery.service_life_worst_case_min")
    out = [Lemma("the battery drains at least at the idle rate",
                 S.alarm_eos | (S.battery_min_left * 1000 + S.t_min * idle <= life * 1000),
                 frozenset())]
    # these hold only where the device has the control they rest on
    if device.value("reservoir.believed_volume_basis") == "worst_case":
        out.append(Lemma("computed volume within the actual volume",
                         S.believed_reservoir_ul <= S.reservoir_ul,
                         frozenset({"overinfusion", "pocket_fill"})))
        acc = device.term("flow.accuracy_permille")
        out.append(Lemma("the reservoir has not lost more than the band allows since the fill",
                         (S.fill_volume_ul - S.reservoir_ul) * 1000
                         <= S.nominal_since_fill_ul * (acc + 1000),
                         frozenset({"overinfusion", "pocket_fill"})))
    if device.value("programming.conc_reentry_at_refill"):
        out.append(Lemma("the reservoir holds the confirmed concentration",
                         implies(S.reservoir_ul > 0,
                                 S.reservoir_conc_ug_per_ml == S.programmed_conc_ug_per_ml),
                         frozenset({"conc_entry_error"})))
    return tuple(out)


def applicable(device: Device, permissions: dict[str, bool]) -> Term:
    """Every lemma that holds under these permissions, as one term (the forbidden faults'
    permissions being off is one of them: they are frozen)."""
    absent = sorted(f for f, allowed in permissions.items() if not allowed)
    extra = [lem.term for lem in conditional_lemmas(device) if lem.needs_absent <= set(absent)]
    off = [~getattr(S, "perm_" + f) for f in absent]
    return all_of(conjunction(device), *extra, *off)


def conjunction(device: Device) -> Term:
    """All lemmas as one term."""
    return all_of(*(t for _, t in lemmas(device)))
