"""The pump's rules, written once as data: guarded commands over model terms.

A :class:`Rule` has parameters with ranges (terms over the state and earlier parameters), named
intermediate values (``lets``, evaluated in order), a guard and updates; a field a rule does not
update keeps its value. :func:`build_model` instantiates the rules for one device: fixed device
numbers become constants, ranged ones symbolic variables. Both semantics read these objects:
:mod:`pumpsafe.model.interpreter` evaluates them, :mod:`pumpsafe.model.encoding` gives them to Z3.

Time advances by the ``infuse`` rule in steps drawn from the device's finite set of step lengths
(so rate x step stays linear), and a step may not jump over an event: a due bolus, the
reservoir running out, a flex segment boundary. Long steps (a day or more) carry a constant rate,
so the day and hour windows hold that step's per-day and per-hour average.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from pumpsafe.model.device import Device
from pumpsafe.model.errors import InputError, TermError
from pumpsafe.model.state import (
    BOLUS_BRIDGE,
    BOLUS_NONE,
    BOLUS_PRIMING,
    BOLUS_SINGLE,
    CATHETER_DISLODGED,
    CATHETER_LEAKING,
    CATHETER_OCCLUDED,
    CATHETER_OK,
    FIELD_NAMES,
    FIELD_SORTS,
    FROZEN_FIELDS,
    MODE_FLEX,
    MODE_PERIODIC,
    MODE_STOPPED,
    MODES,
    StateVars,
)
from pumpsafe.model.terms import (
    Sort,
    Term,
    all_of,
    any_of,
    building,
    by_choice,
    ceil_div,
    lit,
    max_of,
    min_of,
    one_of,
    times_choice,
    var,
    when,
)

Actor = Literal["clinician", "environment"]
DAY_MIN, HOUR_MIN, FLEX_SEGMENT_MIN = 1440, 60, 720


@dataclass(frozen=True)
class RuleParam:
    """A rule parameter: a bool, an int in ``[lo, hi]``, or an int from ``choices``."""

    name: str
    sort: Sort
    doc: str
    lo: Term | None = None
    hi: Term | None = None
    choices: tuple[int, ...] = ()
    after_lets: int = 0  # how many of the rule's lets its range may read

    def term(self) -> Term:
        return var(self.name, self.sort)

    def constraint(self) -> Term:
        """The parameter's range as a term (true for a bool)."""
        v = self.term()
        if self.sort == "bool":
            return lit(True)
        if self.choices:
            return one_of(v, self.choices)
        assert self.lo is not None and self.hi is not None
        return all_of(self.lo <= v, v <= self.hi)


@dataclass(frozen=True)
class Rule:
    """A guarded command of the pump, the clinician or the environment."""

    name: str
    actor: Actor
    doc: str
    params: tuple[RuleParam, ...]
    lets: tuple[tuple[str, Term], ...]
    guard: Term
    updates: Mapping[str, Term]
    fault: str | None = None  # the fault permission this move needs, if any


@dataclass(frozen=True)
class PumpModel:
    """The rules, initial state and symbolic device parameters of one device."""

    device: Device
    rules: tuple[Rule, ...]
    init: Mapping[str, Term]
    device_ranges: Mapping[str, tuple[int, int]] = field(default_factory=dict)

    def rule(self, name: str) -> Rule:
        for r in self.rules:
            if r.name == name:
                return r
        raise KeyError(f"no rule named {name!r}; rules: {', '.join(r.name for r in self.rules)}")


class _Builder:
    """Collects one rule's parameters, lets, guard conjuncts and updates."""

    def __init__(self, name: str, actor: Actor, doc: str, fault: str | None = None) -> None:
        self.name, self.actor, self.doc, self.fault = name, actor, doc, fault
        self.params: list[RuleParam] = []
        self.lets: list[tuple[str, Term]] = []
        self.guards: list[Term] = []
        self.updates: dict[str, Term] = {}

    def int_param(self, name: str, lo: Term | int, hi: Term | int, doc: str) -> Term:
        p = RuleParam(name, "int", doc, lo=_t(lo), hi=_t(hi), after_lets=len(self.lets))
        self.params.append(p)
        return p.term()

    def choice_param(self, name: str, choices: Sequence[int], doc: str) -> Term:
        p = RuleParam(name, "int", doc, choices=tuple(choices), after_lets=len(self.lets))
        self.params.append(p)
        return p.term()

    def bool_param(self, name: str, doc: str) -> Term:
        p = RuleParam(name, "bool", doc, after_lets=len(self.lets))
        self.params.append(p)
        return p.term()

    def let(self, name: str, value: Term) -> Term:
        self.lets.append((name, value))
        return var(name, value.sort)

    def require(self, *conds: Term) -> None:
        self.guards.extend(conds)

    def set(self, **updates: Term | int | bool) -> None:
        for k, v in updates.items():
            if k not in FIELD_SORTS or k in FROZEN_FIELDS:
                raise TermError(f"rule {self.name!r} updates {k!r}, which is not a mutable field")
            self.updates[k] = _t(v)

    def build(self) -> Rule:
        return Rule(self.name, self.actor, self.doc, tuple(self.params), tuple(self.lets),
                    all_of(*self.guards), dict(self.updates), self.fault)


def _t(v: Term | int | bool) -> Term:
    return v if isinstance(v, Term) else lit(v)


# -- derived quantities shared by rules and requirements ------------------------------------------
def halted(s: StateVars) -> Term:
    """The pump stopped itself on a critical condition (empty, EOS, reset, memory error)."""
    return any_of(s.alarm_empty, s.alarm_eos, s.alarm_low_battery_reset, s.alarm_memory_error)


def delivering(s: StateVars) -> Term:
    """The pump means to deliver: a running mode, motor turning, nothing halting or holding it."""
    return all_of(s.mode != MODE_STOPPED, ~s.motor_stalled, ~s.restart_hold, ~halted(s))


def to_volume_ul(dose_ug: Term, conc: Term, concs: Sequence[int]) -> Term:
    """µL/day (or µL) for a dose in µg at a concentration from the product set, rounded down
    so the delivered volume never exceeds the prescribed one (SR-PG-07)."""
    return by_choice(conc, concs, lambda c: (dose_ug * 1000) // c)


def low_threshold_ul(d: Device, s: StateVars, rates: tuple[Term, Term] | None = None) -> Term:
    """Computed volume at or below which the low-reservoir alarm fires (for the rates in force,
    or for ``rates`` = (day, night) about to be)."""
    setting = d.term("reservoir.low_alarm_ul")
    if not d.value("reservoir.low_alarm_tracks_rate"):
        return setting
    acc = d.term("flow.accuracy_permille")
    day, night = rates or (s.rate_ul_per_day, s.night_rate_ul_per_day)
    fastest = max_of(day, night)
    lead = d.term("reservoir.low_alarm_lead_min")
    # volume the worst-case in-spec rate moves in the lead time, rounded up
    return max_of(setting, ceil_div(lead * ((1000 + acc) * fastest), DAY_MIN * 1000))


# -- the rules ------------------------------------------------------------------------------------
def _refill(d: Device, s: StateVars) -> Rule:
    b = _Builder("refill", "clinician", "Aspirate the residual, inject new drug, re-enter the "
                 "concentration (P-03, SR-FL-01/04); pocket fill, missed aspiration and a wrong "
                 "concentration entry are faults the clinician may commit (I-05, P-06).")
    concs = d.value("drug.concentrations_ug_per_ml")
    cap = d.term("reservoir.capacity_ul")
    acc = d.term("flow.accuracy_permille")
    aspirate = b.bool_param("aspirate", "the residual is aspirated first")
    volume = b.int_param("volume_ul", 1, cap * 2, "volume injected")
    filled = b.choice_param("filled_conc_ug_per_ml", concs, "concentration of the drug injected")
    entered = b.choice_param("entered_conc_ug_per_ml", concs, "concentration entered")
    pocket = b.bool_param("into_pocket", "the needle missed the reservoir (pocket fill)")
    if not d.value("programming.conc_reentry_at_refill"):
        entered = s.programmed_conc_ug_per_ml  # P-06: the old concentration stays programmed
    b.require(
        aspirate | s.perm_missed_aspiration,
        ~pocket | s.perm_pocket_fill,
        (entered == filled) | s.perm_conc_entry_error
        | lit(not d.value("programming.conc_reentry_at_refill")),
        # the model has no mixed concentrations: topping up is only with the same product
        aspirate | (s.reservoir_ul == 0) | (filled == s.reservoir_conc_ug_per_ml),
    )
    if d.value("reservoir.fill_volume_check"):
        b.require(volume <= cap)
    new_day = b.let("new_rate_ul_per_day", to_volume_ul(s.daily_dose_ug, entered, concs))
    new_night = b.let("new_night_rate_ul_per_day",
                      to_volume_ul(s.flex_night_dose_ug, entered, concs))
    fmin, fmax = d.term("flow.min_ul_per_day"), d.term("flow.max_ul_per_day")
    # a new concentration must keep the prescription's motor rates programmable
    b.require((s.mode == MODE_STOPPED) | all_of(fmin <= new_day, new_day <= fmax,
                                                fmin <= new_night, new_night <= fmax))
    base = b.let("base_ul", when(aspirate, 0, s.reservoir_ul))
    into_res = b.let("into_reservoir_ul", when(pocket, 0, min_of(volume, cap - base)))
    believed = b.let("entered_volume_ul", min_of(cap, when(aspirate, volume,
                                                          s.believed_reservoir_ul + volume)))
    # reconciliation (P-03, SR-CF-02): the pump moved fill - residual; due was N; the band is
    # exact because every step's actual flow lies in [N(1-acc), N(1+acc)]
    moved = b.let("moved_ul", s.fill_volume_ul - s.reservoir_ul)
    due = s.nominal_since_fill_ul
    check = lit(bool(d.value("reservoir.refill_reconciliation"))) & aspirate
    under = all_of(check, moved * 1000 < due * (1000 - acc))
    over = all_of(check, moved * 1000 > due * (1000 + acc))
    b.set(
        aspirated_ul=when(aspirate, s.reservoir_ul, 0),
        reservoir_ul=base + into_res,
        reservoir_conc_ug_per_ml=when(into_res > 0, filled,
                                      when(base > 0, s.reservoir_conc_ug_per_ml, 0)),
        pocket_depot_ng=times_choice(volume - into_res, filled, concs),
        believed_reservoir_ul=believed,
        fill_volume_ul=believed,
        nominal_since_fill_ul=0,
        t_since_fill_min=0,
        # the remainder owed was in units of the old drug: dropped (under 1 uL, never extra)
        rate_frac=0,
        programmed_conc_ug_per_ml=entered,
        rate_ul_per_day=new_day,
        night_rate_ul_per_day=new_night,
        bolus_ul=to_volume_ul(s.bolus_dose_ug, entered, concs),
        finding_under_delivery=s.finding_under_delivery | under,
        finding_over_delivery=s.finding_over_delivery | over,
        # the clinician is there: the reservoir alarms are re-evaluated for the new volume
        alarm_low_reservoir=believed <= low_threshold_ul(d, s, (new_day, new_night)),
        alarm_empty=believed == 0,
    )
    return b.build()


def _program(d: Device, s: StateVars) -> Rule:
    b = _Builder("program", "clinician", "Enter and confirm a prescription on the finish screen "
                 "(D-17): mode, daily dose, flex night dose, periodic bolus; the programmer's "
                 "limits (SR-PG-01..06, SR-WD-04/05) refuse what they are configured to refuse.")
    concs = d.value("drug.concentrations_ug_per_ml")
    hard_max = d.term("programming.hard_max_daily_dose_ug")
    dose_hi = 4 * int(d.value("programming.hard_max_daily_dose_ug")) \
        if not d.params["programming.hard_max_daily_dose_ug"].is_range else 400_000
    new_mode = b.choice_param("new_mode", sorted(MODES.values()), "infusion mode")
    dose = b.int_param("dose_ug_per_day", 0, dose_hi, "daily dose (flex: day segment)")
    night_in = b.int_param("night_dose_ug_per_day", 0, dose_hi, "flex night-segment daily rate")
    bolus_dose = b.int_param("new_bolus_dose_ug", 0, dose_hi, "periodic bolus dose")
    entry = b.int_param("interval_entry", 1, DAY_MIN, "periodic bolus interval as typed")
    in_hours = b.bool_param("interval_in_hours", "the clinician means hours")
    override = b.bool_param("override", "a logged override of the hard maximum")
    confirm = b.bool_param("confirm_decrease", "explicit confirmation of a stop or large decrease")
    flex = new_mode == MODE_FLEX
    night = b.let("night_ug_per_day", when(flex, night_in, dose))
    conc = s.programmed_conc_ug_per_ml
    rate = b.let("new_rate_ul_per_day", to_volume_ul(dose, conc, concs))
    night_rate = b.let("new_night_rate_ul_per_day", to_volume_ul(night, conc, concs))
    if d.value("programming.bolus_interval_entry") == "explicit_unit":
        interval = b.let("interval_min", when(in_hours, entry * 60, entry))
    else:  # I-01: an hours value typed into a minutes-only field lands as minutes
        interval = b.let("interval_min", entry)
    total2 = b.let("new_total2_ug", dose + night)  # twice the daily total, no division
    old2 = s.daily_dose_ug + s.flex_night_dose_ug
    # a stop keeps the prescription (resuming it later is not an increase); a running mode
    # with a zero dose is refused by the flow range
    stopping = new_mode == MODE_STOPPED
    keep = b.let("keep_prescription", stopping)
    increase = b.let("increase", all_of(~stopping, total2 > old2))
    step = d.term("programming.titration_step_permille")
    big_decrease = total2 * 1000 < old2 * (1000 - d.term("programming.decrease_confirm_permille"))
    if d.value("programming.daily_limiter"):
        # SR-OD-02: each flex segment's daily rate is checked, not only their average; a
        # schedule weighted to one segment and then moved to the other delivered up to twice
        # the maximum in one day window (scenario flex-reprogramming)
        over_max = (dose > hard_max) | (night > hard_max)
    else:
        over_max = total2 > hard_max * 2
    within_max = ~over_max
    if d.value("programming.override_allowed"):
        within_max = within_max | override
    fmin, fmax = d.term("flow.min_ul_per_day"), d.term("flow.max_ul_per_day")
    b.require(
        conc > 0,
        within_max,
        stopping | all_of(fmin <= rate, rate <= fmax, fmin <= night_rate, night_rate <= fmax),
        ~increase | all_of(
            s.t_since_increase_min >= d.term("programming.increase_interval_min"),
            s.t_min >= d.term("programming.first_increase_after_min"),
            total2 * 1000 <= old2 * (1000 + step),
            ~s.finding_over_delivery,  # SR-OD-06
        ),
        ~(stopping | big_decrease) | confirm,
        (new_mode != MODE_PERIODIC) | all_of(
            interval >= d.term("programming.min_bolus_interval_min"), bolus_dose >= 1,
            interval <= DAY_MIN),
    )
    periodic = new_mode == MODE_PERIODIC
    b.set(
        mode=new_mode, daily_dose_ug=when(keep, s.daily_dose_ug, dose),
        flex_night_dose_ug=when(keep, s.flex_night_dose_ug, night),
        rate_ul_per_day=when(keep, s.rate_ul_per_day, rate),
        night_rate_ul_per_day=when(keep, s.night_rate_ul_per_day, night_rate),
        bolus_dose_ug=when(periodic, bolus_dose, 0),
        bolus_ul=when(periodic, to_volume_ul(bolus_dose, conc, concs), 0),
        bolus_interval_min=when(periodic, interval, DAY_MIN),
        next_bolus_in_min=when(periodic, interval, DAY_MIN),
        override_active=when(keep, s.override_active, override & over_max),
        override_in_window=s.override_in_window | override,
        t_since_increase_min=when(increase, 0, s.t_since_increase_min),
        withdrawal_warning_logged=stopping | big_decrease,
        restart_hold=False,
        alarm_low_reservoir=s.alarm_low_reservoir | (s.believed_reservoir_ul <= low_threshold_ul(
            d, s, (when(keep, s.rate_ul_per_day, rate), when(keep, s.night_rate_ul_per_day,
                                                             night_rate)))),
    )
    return b.build()


def _bolus(d: Device, s: StateVars) -> Rule:
    b = _Builder("bolus", "clinician", "Queue a one-shot bolus: single (a dose), priming (the "
                 "programmer's tubing volume + the catheter volume, I-09) or bridge (a volume, "
                 "SR-OD-04); it is delivered in the next infusion step.")
    concs = d.value("drug.concentrations_ug_per_ml")
    kind = b.choice_param("kind", (BOLUS_SINGLE, BOLUS_PRIMING, BOLUS_BRIDGE),
                          "1 single, 2 priming, 3 bridge")
    dose = b.int_param("dose_ug", 1, max(1, int(d.value("programming.max_single_bolus_ug"))) * 2,
                       "single bolus dose")
    volume = b.int_param("volume_ul", 1, 1000, "bridge bolus volume")
    catheter = d.term("catheter.catheter_volume_ul")
    priming = d.term("programming.programmer_tubing_ul") + catheter
    b.require(s.pending_bolus_kind == BOLUS_NONE, s.programmed_conc_ug_per_ml > 0,
              (kind != BOLUS_SINGLE) | (dose <= d.term("programming.max_single_bolus_ug")),
              (kind != BOLUS_PRIMING) | (s.dead_space_ul > 0))
    if d.value("programming.bridge_bolus_limit"):
        b.require((kind != BOLUS_BRIDGE) | (volume <= catheter))
    single_ul = to_volume_ul(dose, s.programmed_conc_ug_per_ml, concs)
    b.set(pending_bolus_kind=kind,
          pending_bolus_ul=by_choice(kind, (BOLUS_SINGLE, BOLUS_PRIMING, BOLUS_BRIDGE),
                                     lambda k: {BOLUS_SINGLE: single_ul, BOLUS_PRIMING: priming,
                                                BOLUS_BRIDGE: volume}[k]))
    return b.build()


def _infuse(d: Device, s: StateVars) -> Rule:
    b = _Builder("infuse", "environment", "Time advances by one step: the motor moves the "
                 "programmed volume within the accuracy band (above it when overinfusing), the "
                 "catheter delivers it (or not), windows, battery and alarms update.")
    steps = d.value("model.step_choices_min")
    concs = d.value("drug.concentrations_ug_per_ml")
    acc = d.term("flow.accuracy_permille")
    limit_ng = d.term("programming.hard_max_daily_dose_ug") * 1000
    dt = b.choice_param("dt_min", steps, "step length")
    on = b.let("delivering", delivering(s))
    flex = s.mode == MODE_FLEX
    periodic = s.mode == MODE_PERIODIC
    day_segment = s.t_min % DAY_MIN < FLEX_SEGMENT_MIN
    seg_rate = when(day_segment, s.rate_ul_per_day, s.night_rate_ul_per_day)

    def due_x1440(c: int) -> Term:  # volume due in c minutes, times 1440, plus the remainder
        basal = (s.rate_ul_per_day + s.night_rate_ul_per_day) * (c // 2) if c >= DAY_MIN \
            else seg_rate * c
        return basal + s.rate_frac

    acc1440 = b.let("due_x1440", by_choice(dt, steps, due_x1440))
    conc_prog = s.programmed_conc_ug_per_ml
    limited = lit(bool(d.value("programming.daily_limiter"))) & ~s.override_active
    # The daily limiter (SR-OD-02) lets a bolus (periodic, single, priming or bridge) through
    # only if the drug commanded in the day window, the bolus included, leaves room for the rest
    # of the window at the hard-maximum rate: 1440 x commanded <= minutes elapsed x maximum.
    # Reserving at the maximum rather than at the programmed rate keeps the window within the
    # maximum whatever is programmed later in it, and keeps the rule linear (provable): the
    # programmed rate x the minutes left would be a product of two state variables. The price
    # is that early in a window a bolus may be refused although the day's total would fit.
    starts_window = b.let("starts_window", by_choice(
        dt, steps, lambda c: lit(True) if c >= DAY_MIN else s.day_window_min + c > DAY_MIN))
    window_after = by_choice(dt, steps, lambda c: lit(DAY_MIN) if c >= DAY_MIN else
                             when(starts_window, c, s.day_window_min + c))
    basal = b.let("basal_ul", when(on, acc1440 // DAY_MIN, 0))
    bolus_due = b.let("bolus_due", all_of(on, periodic, s.next_bolus_in_min == dt))
    oneshot = b.let("oneshot", all_of(on, s.pending_bolus_kind != BOLUS_NONE))
    basal_ng = times_choice(basal, conc_prog, concs)
    per_bolus_ng = times_choice(s.bolus_ul, conc_prog, concs)
    shot_ng = times_choice(s.pending_bolus_ul, conc_prog, concs)
    room = b.let("room_x1440_ng", window_after * limit_ng - DAY_MIN * (
        when(starts_window, 0, s.commanded_day_ng) + basal_ng))
    give_bolus = b.let("give_bolus", bolus_due & (~limited | (per_bolus_ng * DAY_MIN <= room)))
    give_shot = b.let("give_shot", oneshot & (~limited | (
        (shot_ng + when(give_bolus, per_bolus_ng, 0)) * DAY_MIN <= room)))
    total = b.let("due_ul", basal + when(give_bolus, s.bolus_ul, 0)
                  + when(give_shot, s.pending_bolus_ul, 0))
    hi_band = when(s.overinfusing, (total * (1000 + d.term("flow.overinfusion_permille"))) // 1000,
                   (total * (1000 + acc)) // 1000)
    flow = b.int_param("flow_ul", ceil_div(total * (1000 - acc), 1000), hi_band,
                       "volume the motor actually moves (accuracy band, D-03)")
    held_room = max_of(0, d.term("catheter.occlusion_hold_max_ul") - s.held_ul)
    pumped = b.let("pumped_ul", min_of(flow, s.reservoir_ul,
                                       when(s.catheter == CATHETER_OCCLUDED, held_room, flow)))
    to_dead = b.let("to_dead_space_ul", min_of(pumped, s.dead_space_ul))
    out = b.let("drug_out_ul", pumped - to_dead)
    leak_keep = 1000 - d.term("catheter.leak_permille")
    csf_ul = b.let("csf_ul", by_choice(s.catheter, (CATHETER_OK, CATHETER_OCCLUDED,
                                                    CATHETER_LEAKING, CATHETER_DISLODGED),
                                       lambda k: {CATHETER_OK: out, CATHETER_OCCLUDED: lit(0),
                                                  CATHETER_LEAKING: (out * leak_keep) // 1000,
                                                  CATHETER_DISLODGED: lit(0)}[k]))
    csf_ng = b.let("csf_ng", times_choice(csf_ul, s.reservoir_conc_ug_per_ml, (0, *concs)))
    cmd_ng = b.let("commanded_ng", basal_ng + when(give_bolus, per_bolus_ng, 0)
                   + when(give_shot, shot_ng, 0))
    b.require(
        # no step jumps over an event
        ~(on & periodic) | (dt <= s.next_bolus_in_min),
        ~bolus_due | (dt <= HOUR_MIN),
        ~oneshot | (dt == steps[0]),
        ~(on & flex) | (dt >= DAY_MIN) | (s.t_min % FLEX_SEGMENT_MIN + dt <= FLEX_SEGMENT_MIN),
        (dt == steps[0]) | (flow <= s.reservoir_ul),
    )

    def window(length: int, amount: Term, acc_field: Term, win_field: Term) -> tuple[Term, Term]:
        def amount_for(c: int) -> Term:
            if c >= length:  # a long step has a constant rate: keep its average per window
                return (amount * length) // c
            return when(win_field + c > length, amount, acc_field + amount)

        def length_for(c: int) -> Term:
            return lit(length) if c >= length else when(win_field + c > length, c, win_field + c)

        return by_choice(dt, steps, amount_for), by_choice(dt, steps, length_for)

    day_ng, day_win = window(DAY_MIN, csf_ng, s.delivered_day_ng, s.day_window_min)
    cmd_day, _ = window(DAY_MIN, cmd_ng, s.commanded_day_ng, s.day_window_min)
    hour_ng, hour_win = window(HOUR_MIN, csf_ng, s.delivered_hour_ng, s.hour_window_min)
    idle = d.term("battery.idle_drain_permille")
    per_ul = ceil_div((1000 - idle) * DAY_MIN, int(d.value("flow.max_ul_per_day"))) \
        if not d.params["battery.idle_drain_permille"].is_range else None
    if per_ul is None:
        raise TermError("rule 'infuse': battery.idle_drain_permille enters the drain nonlinearly")
    # the motor turns for the commanded flow whether or not the catheter lets it through, so
    # the drain (and the ERI/EOS alarms) cannot depend on catheter state (D-16)
    drain = ceil_div(dt * idle + flow * per_ul, 1000)
    battery = b.let("battery_after", max_of(0, s.battery_min_left - drain))
    use = total if d.value("reservoir.believed_volume_basis") == "programmed" \
        else ceil_div(total * (1000 + acc), 1000)
    believed = b.let("believed_after", max_of(0, s.believed_reservoir_ul - use))
    thr = low_threshold_ul(d, s)
    eri = d.term("battery.eri_lead_min")
    small = dt == steps[0]
    b.require(  # a long step stops short of every alarm threshold (event-driven time)
        small | (believed > thr) | (s.believed_reservoir_ul <= thr),
        small | (believed > 0),
        small | (battery > eri) | (s.battery_min_left <= eri),
        small | (battery > 0),
    )
    b.set(
        t_min=s.t_min + dt, t_since_fill_min=s.t_since_fill_min + dt,
        t_since_increase_min=s.t_since_increase_min + dt,
        rate_frac=when(on, acc1440 % DAY_MIN, s.rate_frac),
        reservoir_ul=s.reservoir_ul - pumped,
        dead_space_ul=s.dead_space_ul - to_dead,
        held_ul=when(s.catheter == CATHETER_OCCLUDED, s.held_ul + out, s.held_ul),
        believed_reservoir_ul=believed,
        nominal_since_fill_ul=s.nominal_since_fill_ul + total,
        next_bolus_in_min=when(on & periodic, when(bolus_due, s.bolus_interval_min,
                                                   s.next_bolus_in_min - dt), s.next_bolus_in_min),
        pending_bolus_ul=when(oneshot, 0, s.pending_bolus_ul),
        pending_bolus_kind=when(oneshot, BOLUS_NONE, s.pending_bolus_kind),
        delivered_day_ng=day_ng, day_window_min=day_win, commanded_day_ng=cmd_day,
        override_in_window=when(starts_window, s.override_active,
                                s.override_in_window | s.override_active),
        delivered_hour_ng=hour_ng, hour_window_min=hour_win,
        last_step_csf_ng=csf_ng, last_step_pumped_ul=pumped, last_step_due_ul=total,
        t_not_delivering_min=when(on, 0, s.t_not_delivering_min + dt),
        battery_min_left=battery,
        alarm_low_reservoir=s.alarm_low_reservoir | (believed <= thr),
        alarm_empty=s.alarm_empty | (believed == 0),
        alarm_eri=s.alarm_eri | (battery <= eri),
        alarm_eos=s.alarm_eos | (battery == 0),
    )
    return b.build()


def _instant_release(s: StateVars, ng: Term) -> dict[str, Term]:
    """Window updates for drug reaching the CSF at once (no time passes)."""
    return {"delivered_day_ng": s.delivered_day_ng + ng, "delivered_hour_ng":
            s.delivered_hour_ng + ng, "last_step_csf_ng": ng, "last_step_pumped_ul": lit(0),
            "last_step_due_ul": lit(0)}


def _catheter_fault(d: Device, s: StateVars) -> Rule:
    b = _Builder("catheter_fault", "environment", "A catheter fault begins (S-07, F-11..F-15): "
                 "occlusion or kink hold drug back; a leak loses part of it; dislodgement or "
                 "disconnection lose all of it. The pump cannot sense any of them (D-16).")
    kinds = {1: ("perm_catheter_occlusion", CATHETER_OCCLUDED),
             2: ("perm_catheter_kink", CATHETER_OCCLUDED),
             3: ("perm_catheter_leak", CATHETER_LEAKING),
             4: ("perm_catheter_dislodgement", CATHETER_DISLODGED),
             5: ("perm_catheter_disconnection", CATHETER_DISLODGED)}
    kind = b.choice_param("fault_kind", tuple(kinds), "1 occlusion, 2 kink, 3 leak, "
                          "4 dislodgement, 5 disconnection")
    b.require(s.catheter == CATHETER_OK,
              any_of(*(all_of(kind == k, getattr(s, perm)) for k, (perm, _) in kinds.items())))
    b.set(catheter=by_choice(kind, tuple(kinds), lambda k: lit(kinds[k][1])))
    return b.build()


def _occlusion_clears(d: Device, s: StateVars) -> Rule:
    b = _Builder("occlusion_clears", "environment", "An intermittent occlusion or kink clears "
                 "and releases the drug held back as a bolus (HZ-CF).")
    concs = d.value("drug.concentrations_ug_per_ml")
    b.require(s.catheter == CATHETER_OCCLUDED, s.perm_catheter_occlusion | s.perm_catheter_kink)
    released = b.let("released_ng", times_choice(s.held_ul, s.reservoir_conc_ug_per_ml,
                                                 (0, *concs)))
    b.set(catheter=CATHETER_OK, held_ul=0, **_instant_release(s, released))
    return b.build()


def _motor_stall(d: Device, s: StateVars) -> Rule:
    b = _Builder("motor_stall", "environment", "The motor stalls (D-18, I-07, I-08, I-12): a "
                 "critical alarm in the same step.", fault="motor_stall")
    b.require(s.perm_motor_stall, ~s.motor_stalled)
    b.set(motor_stalled=True, alarm_motor_stall=True)
    return b.build()


def _motor_recovers(d: Device, s: StateVars) -> Rule:
    b = _Builder("motor_recovers", "environment", "An intermittent stall ends; after a stop "
                 "longer than the hold time delivery waits for a clinician (SR-OD-05).",
                 fault="motor_stall")
    b.require(s.motor_stalled)
    hold = lit(bool(d.value("battery.stall_restart_hold")))
    long_stop = s.t_not_delivering_min >= d.term("battery.stall_restart_hold_after_min")
    b.set(motor_stalled=False, restart_hold=s.restart_hold | (hold & long_stop))
    return b.build()


def _overinfusion(d: Device, s: StateVars) -> Rule:
    b = _Builder("overinfusion_starts", "environment", "The pump begins to run above the "
                 "accuracy band (I-10); the pump does not know.", fault="overinfusion")
    b.require(s.perm_overinfusion, ~s.overinfusing)
    b.set(overinfusing=True)
    return b.build()


def _battery_film(d: Device, s: StateVars) -> Rule:
    b = _Builder("battery_film_fault", "environment", "The battery's resistive film (I-04) "
                 "drains it early and may reset the pump (critical alarm).", fault="battery_film")
    drop = b.int_param("drop_min", 0, d.term("battery.service_life_worst_case_min"),
                       "service minutes lost at once")
    reset = b.bool_param("reset", "a low-battery reset happens")
    b.require(s.perm_battery_film, (drop > 0) | reset)
    left = b.let("battery_after", max_of(0, s.battery_min_left - drop))
    b.set(battery_min_left=left,
          alarm_low_battery_reset=s.alarm_low_battery_reset | reset,
          alarm_eri=s.alarm_eri | (left <= d.term("battery.eri_lead_min")),
          alarm_eos=s.alarm_eos | (left == 0))
    return b.build()


def _memory_error(d: Device, s: StateVars) -> Rule:
    b = _Builder("memory_error", "environment", "A critical memory error stops the pump with a "
                 "critical alarm (D-10).", fault="memory_error")
    b.require(s.perm_memory_error, ~s.alarm_memory_error)
    b.set(alarm_memory_error=True)
    return b.build()


def _cap_injection(d: Device, s: StateVars) -> Rule:
    b = _Builder("cap_injection", "clinician", "Reservoir drug injected through the catheter "
                 "access port goes straight to the CSF (I-02); the CAP needle interlock (D-15) "
                 "prevents it.", fault="cap_injection")
    concs = d.value("drug.concentrations_ug_per_ml")
    volume = b.int_param("cap_volume_ul", 1, d.term("reservoir.capacity_ul"), "volume injected")
    conc = b.choice_param("cap_conc_ug_per_ml", concs, "concentration injected")
    b.require(s.perm_cap_injection, lit(not d.value("programming.cap_needle_interlock")))
    into_csf = when(s.catheter == CATHETER_DISLODGED, 0, times_choice(volume, conc, concs))
    b.set(**_instant_release(s, b.let("cap_ng", into_csf)))
    return b.build()


def _clinician_review(d: Device, s: StateVars) -> Rule:
    b = _Builder("clinician_review", "clinician", "A clinician reviews the pump: alarms whose "
                 "cause is gone are cleared (none clears itself, SR-WD-02), findings are closed, "
                 "a held restart is released.")
    b.set(alarm_low_reservoir=s.alarm_low_reservoir & (s.believed_reservoir_ul
                                                       <= low_threshold_ul(d, s)),
          alarm_empty=s.alarm_empty & (s.believed_reservoir_ul == 0),
          alarm_motor_stall=s.motor_stalled,
          alarm_low_battery_reset=False, alarm_memory_error=False,
          finding_under_delivery=False, finding_over_delivery=False, restart_hold=False)
    return b.build()


RULE_BUILDERS: tuple[Callable[[Device, StateVars], Rule], ...] = (
    _refill, _program, _bolus, _cap_injection, _clinician_review, _infuse, _catheter_fault,
    _occlusion_clears, _motor_stall, _motor_recovers, _overinfusion, _battery_film, _memory_error,
)


def _initial(d: Device) -> dict[str, Term]:
    concs = d.value("drug.concentrations_ug_per_ml")
    conc = lit(int(d.value("initial.conc_ug_per_ml")))
    dose = d.term("initial.daily_dose_ug")
    fill = d.term("initial.fill_ul")
    mode = MODES[d.value("initial.mode")]
    rate = to_volume_ul(dose, conc, concs)
    init: dict[str, Term] = {n: lit(False) if FIELD_SORTS[n] == "bool" else lit(0)
                             for n in FIELD_NAMES}
    init.update(
        reservoir_ul=fill, reservoir_conc_ug_per_ml=conc, believed_reservoir_ul=fill,
        fill_volume_ul=fill, programmed_conc_ug_per_ml=conc,
        dead_space_ul=d.term("catheter.pump_tubing_ul") + d.term("catheter.catheter_volume_ul"),
        mode=lit(mode), daily_dose_ug=dose, flex_night_dose_ug=dose,
        rate_ul_per_day=rate, night_rate_ul_per_day=rate,
        bolus_interval_min=lit(DAY_MIN), next_bolus_in_min=lit(DAY_MIN),
        battery_min_left=d.term("battery.service_life_worst_case_min"),
    )
    for fault, allowed in d.faults.items():
        init["perm_" + fault] = lit(allowed)
    return init


def build_model(device: Device) -> PumpModel:
    """Instantiate every rule for the device; a ranged parameter that enters a rule nonlinearly
    is refused with an :class:`InputError` naming it."""
    if MODES[device.value("initial.mode")] not in (MODE_STOPPED, 1):
        raise InputError(device.path, "initial.mode", "must be stopped or continuous at implant",
                         'use "continuous" (program other modes with the program rule)')
    s = StateVars()
    rules: list[Rule] = []
    try:
        for make in RULE_BUILDERS:
            name = make.__name__.lstrip("_")
            with building(name):
                rules.append(make(device, s))
        with building("initial state"):
            init = _initial(device)
    except TermError as e:
        ranged = sorted(k for k, p in device.params.items() if p.is_range)
        raise InputError(device.path, ", ".join(ranged) or "(parameters)",
                         f"a ranged parameter enters the rules nonlinearly: {e}",
                         "give that parameter a single value") from None
    _check_names(rules)
    return PumpModel(device, tuple(rules), init, device.ranges())


def _check_names(rules: Sequence[Rule]) -> None:
    for r in rules:
        names = [p.name for p in r.params] + [n for n, _ in r.lets]
        clash = [n for n in names if n in FIELD_SORTS or names.count(n) > 1]
        if clash:
            raise TermError(f"rule {r.name!r}: names {clash} clash with state fields or repeat")
