"""Safety margins that guide the search (``hypothesis.target``): how far a run is from a
violation, smallest over the run.

Each margin is a model term over the state (compiled once), in the units of the requirement it
watches; a smaller margin is closer to a violation, negative means past the limit. One margin is
not a state predicate: the minutes the reservoir has been actually empty without the empty
alarm, accumulated over the run. Margins only steer generation; verdicts come from the monitor.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from hypothesis import target

from pumpsafe.fuzzing.fastterms import compile_fast
from pumpsafe.model.device import Device
from pumpsafe.model.rules import PumpModel, delivering
from pumpsafe.model.state import BOLUS_PRIMING, MODE_PERIODIC, State, StateVars
from pumpsafe.model.terms import Compiled, Term, Value, all_of, when
from pumpsafe.proofs import limits as L

_FAR = 10**9  # margin of a check whose situation does not arise in this state
SILENT_EMPTY = "silent_empty_min"


def margin_terms(device: Device) -> tuple[tuple[str, tuple[str, ...], Term], ...]:
    """``(label, requirements watched, term)`` for every state margin, for this device."""
    s = StateVars()
    catheter = device.term("catheter.catheter_volume_ul")
    total2 = s.daily_dose_ug + s.flex_night_dose_ug
    day_room_ng = L.HARD_MAX_DAILY_DOSE_UG * 1145 - s.delivered_day_ng
    # the next periodic bolus would take the window past the limit, and the pump will give it
    bolus_room_ng = day_room_ng - s.bolus_dose_ug * 1000
    # SR-OD-02 holds in a day window with a logged override whatever is delivered: a run in
    # one is no closer to a violation
    excused = s.override_in_window | s.override_active
    bolus_coming = all_of(s.mode == MODE_PERIODIC, delivering(s), ~excused)
    return (
        # SR-OD-02: drug into the CSF in the day window vs the hard maximum x 1.145
        ("day_dose_vs_hard_max_ng", ("SR-OD-02",),
         when(excused, _FAR, day_room_ng)),
        # SR-OD-02: the same after the programmed periodic bolus (a bolus is one step's
        # delivery: a run gets there by programming a large one, then letting time pass)
        ("day_dose_after_periodic_bolus_ng", ("SR-OD-02",),
         when(bolus_coming, bolus_room_ng, _FAR)),
        # SR-OD-02: minutes until a periodic bolus that would pass the limit
        ("min_to_overdosing_bolus", ("SR-OD-02",),
         when(bolus_coming & (bolus_room_ng < 0), s.next_bolus_in_min, _FAR)),
        # SR-OD-01: delivered vs commanded x 1.145
        ("day_dose_vs_commanded_ng", ("SR-OD-01",),
         (s.commanded_day_ng * 1145) // 1000 - s.delivered_day_ng),
        # SR-FL-06: the computed reservoir volume vs the actual one
        ("reservoir_actual_minus_computed_ul", ("SR-FL-06",),
         s.reservoir_ul - s.believed_reservoir_ul),
        # SR-PG-01: prescription (twice the daily total) vs the hard maximum
        ("prescription_vs_hard_max_ug", ("SR-PG-01",),
         when(s.override_active, _FAR, 2 * L.HARD_MAX_DAILY_DOSE_UG - total2)),
        # SR-PG-04: periodic-bolus interval vs 60 min
        ("bolus_interval_vs_min_min", ("SR-PG-04",),
         when(s.mode == MODE_PERIODIC, s.bolus_interval_min - L.MIN_BOLUS_INTERVAL_MIN, _FAR)),
        # SR-OD-04: priming bolus vs tubing + catheter volume
        ("priming_bolus_vs_volume_ul", ("SR-OD-04",),
         when(s.pending_bolus_kind == BOLUS_PRIMING,
              L.PUMP_TUBING_UL + catheter - s.pending_bolus_ul, _FAR)),
    )


SILENT_EMPTY_WATCHES = ("SR-AL-03", "SR-AL-04")


@dataclass(frozen=True)
class Margins:
    """The compiled margins of one model (those that watch a requirement the run checks)."""

    compiled: tuple[tuple[str, Compiled], ...]
    silent_empty: bool = True

    @staticmethod
    def of(model: PumpModel, checked: Collection[str] | None = None) -> Margins:
        """The margins watching a requirement in ``checked`` (every margin when None): a
        margin no requirement of the run reads would only pull the search elsewhere."""
        def wanted(watches: tuple[str, ...]) -> bool:
            return checked is None or any(r in checked for r in watches)

        return Margins(tuple((label, compile_fast(t)) for label, watches, t
                             in margin_terms(model.device) if wanted(watches)),
                       wanted(SILENT_EMPTY_WATCHES))

    def labels(self) -> tuple[str, ...]:
        return (*(label for label, _ in self.compiled),
                *((SILENT_EMPTY,) if self.silent_empty else ()))


class MarginTracker:
    """Smallest value of every margin over one run; :meth:`report` calls ``target`` once per
    label (Hypothesis allows one call per label per test case)."""

    def __init__(self, margins: Margins) -> None:
        self._margins = margins
        self.smallest: dict[str, int] = {}
        self._silent_min = 0

    def observe(self, env: Mapping[str, Value], pre: State | None, post: State) -> None:
        """Account for ``post`` (``env`` is its state environment) reached from ``pre``."""
        for label, f in self._margins.compiled:
            v = int(f(env))
            if v < self.smallest.get(label, _FAR + 1):
                self.smallest[label] = v
        if self._margins.silent_empty:
            if pre is not None and post.reservoir_ul == 0 and not post.alarm_empty:
                self._silent_min += post.t_min - pre.t_min
            self.smallest[SILENT_EMPTY] = -self._silent_min

    def report(self) -> None:
        """Ask Hypothesis to drive every margin down (it maximises, so the negation)."""
        for label, v in self.smallest.items():
            target(float(-v), label=label)
