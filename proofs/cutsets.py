"""Model-derived minimal cut sets: the smallest sets of faults under which a hazard's
requirements can be violated on the device (what xSAP derives from a nuXmv model).

A fault is *permitted* by a frozen bit of the state (``perm_<fault>``); permitting a fault only
adds transitions, so "a violation is reachable with these faults permitted" is monotone in the
set: every subset of a safe set is safe, every superset of an unsafe set unsafe. The cut sets are
the minimal unsafe sets. For each requirement we alternate between the two sides (the
dualisation of Fredman and Khachiyan, as in MARCO-style enumerators):

* the sets that contain no cut set found so far are covered by the complements of the minimal
  transversals (hitting sets) of the found family; each complement ``M`` is one query to the
  verify engine (1-induction candidate, short BMC, Spacer, BMC for the trace) with exactly the
  faults of ``M`` permitted;
* a proof that ``M`` is safe covers every subset of ``M``;
* a violation gives a run whose permitted faults ``P ⊆ M`` are unsafe; ``P`` is shrunk by
  deletion to a minimal unsafe set, a new cut set with its witness run: first the faults the run
  does without (it replays on the concrete model with the permission off, still violating: no
  query), then one query per fault left (a violation gives a smaller unsafe set, a proof keeps
  the fault);
* when every complement is proved safe the family is complete for every order. An ``unknown``
  (time-out, solver failure) leaves a complement uncovered: the result says up to which order
  every set is settled (*partial: complete up to order k*).

The hazard's cut sets are the minimal sets among its requirements' cut sets. Each keeps its
witness trace, which the concrete interpreter replays (:func:`pumpsafe.proofs.verify
.confirm_trace`, with the requirement's fault assumption dropped, as the search drops it).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import z3
from pumpsafe.model.device import Device, with_faults
from pumpsafe.model.rules import PumpModel, build_model
from pumpsafe.model.state import FAULTS
from pumpsafe.model.trace import Trace
from pumpsafe.proofs.checks import CheckResult, check_requirement
from pumpsafe.proofs.children import Job, run_all, run_one
from pumpsafe.proofs.requirements import Requirement, catalogue
from pumpsafe.proofs.scenarios import Scenario, builtin_scenarios, known_violation
from pumpsafe.proofs.verify import EncodingMismatch, confirm_trace

FaultSet = frozenset[str]


@dataclass(frozen=True)
class CutSet:
    """A minimal set of faults under which ``requirement`` is violated, with a witness run."""

    faults: tuple[str, ...]
    requirement: str
    trace: Trace = field(repr=False)
    minimal: bool = True  # False when a deletion query was unknown (the set may not be minimal)


@dataclass(frozen=True)
class RequirementCutSets:
    """One requirement's cut sets, the safe sets proved, and what stayed unknown."""

    requirement: str
    cut_sets: tuple[CutSet, ...]
    safe: tuple[FaultSet, ...]
    unknown: tuple[FaultSet, ...]
    notes: tuple[str, ...] = ()
    queries: int = 0


@dataclass(frozen=True)
class HazardCutSets:
    """The model-derived cut sets of one hazard.

    ``complete_up_to`` is the largest order k such that every fault set of size ≤ k is settled
    (contains a cut set found, or is proved safe); ``complete`` says every order is settled."""

    hazard: str
    requirements: tuple[str, ...]
    candidates: tuple[str, ...]
    max_order: int
    cut_sets: tuple[CutSet, ...]
    complete_up_to: int
    complete: bool
    notes: tuple[str, ...] = ()
    queries: int = 0
    time_s: float = 0.0
    safe: Mapping[str, tuple[FaultSet, ...]] = field(default_factory=dict, repr=False)
    fault_free_violations: tuple[CutSet, ...] = ()  # requirements broken with no fault at all

    def safe_for(self, faults: FaultSet) -> bool:
        """True when every requirement (but those broken with no fault) is proved with (a
        superset of) ``faults`` permitted."""
        broken = {c.requirement for c in self.fault_free_violations}
        return all(any(faults <= m for m in self.safe.get(r, ()))
                   for r in self.requirements if r not in broken)

    @property
    def status(self) -> str:
        """One line for people: how far the family is known to be complete."""
        if self.complete:
            return "complete: no cut set of any order is missing"
        if self.complete_up_to >= self.max_order:
            return f"complete up to order {self.complete_up_to}"
        return f"partial: complete up to order {self.complete_up_to}"


@dataclass(frozen=True)
class CutSetOptions:
    """Search limits. ``rlimit`` is Z3's deterministic resource budget per solver call (so a
    result cannot change with the machine's load, and reports stay byte-identical);
    ``timeout_s`` (per engine query) and ``budget_s`` (per requirement; what was found is kept
    when it runs out) are wall-clock safety nets only. ``depth`` bounds BMC; ``max_order`` is the
    order the result is judged complete to; ``workers`` child processes."""

    max_order: int = 3
    timeout_s: float = 120.0
    depth: int = 12
    budget_s: float = 900.0
    workers: int = 2
    rlimit: int = 15_000_000


def minimal_transversals(family: Iterable[FaultSet]) -> list[FaultSet]:
    """The minimal sets meeting every set of ``family`` (Berge's algorithm), sorted."""
    hitting: set[FaultSet] = {frozenset()}
    for cut in sorted(family, key=sorted):
        grown = {t for t in hitting if t & cut}
        grown |= {t | {f} for t in hitting if not t & cut for f in cut}
        hitting = {t for t in grown if not any(u < t for u in grown)}
    return sorted(hitting, key=lambda t: (len(t), sorted(t)))


def hazard_requirements(device: Device, hazard: str) -> list[Requirement]:
    """The requirements of the catalogue that control ``hazard`` and have a state predicate."""
    return [r for r in catalogue(device)
            if hazard in r.hazards and r.kind in ("invariant", "step")]


class _Search:
    """The queries of one requirement, within its budget."""

    def __init__(self, model: PumpModel, req: Requirement, candidates: Sequence[str],
                 opts: CutSetOptions, scenarios: Sequence[Scenario]) -> None:
        self.model, self.candidates, self.opts = model, tuple(candidates), opts
        # the requirement's fault assumption is dropped: the search varies the faults itself
        self.req = replace(req, assumes_absent=(), survives=())
        self.scenarios = scenarios
        self.deadline = time.monotonic() + opts.budget_s
        self.queries = 0
        self.safe: list[FaultSet] = []

    def ask(self, allowed: FaultSet) -> tuple[str, Trace | None, str]:
        """``safe``, ``unsafe`` (with a run) or ``unknown`` (with the reason) for exactly the
        faults of ``allowed`` permitted. A subset of a set proved safe is safe (monotonicity),
        without a query."""
        if any(allowed <= m for m in self.safe):
            return "safe", None, ""
        left = self.deadline - time.monotonic()
        if left <= 1:
            return "unknown", None, f"budget of {self.opts.budget_s:g} s spent"
        self.queries += 1
        perms = {f: f in allowed for f in FAULTS}
        known = known_violation(self.model, self.req, perms, self.scenarios)
        if known is not None:  # a known counterexample scenario replays: no solver needed
            return "unsafe", known[0], ""
        # a bounded search on a small budget first: the violations here are mostly shallow,
        # and Spacer may spend its whole budget before it refutes
        quick = self._check("bmc", perms, max(1.0, min(self.opts.timeout_s, left)),
                            self.opts.rlimit // 8)
        if quick.verdict == "violated" and quick.trace is not None:
            return "unsafe", quick.trace, ""
        left = self.deadline - time.monotonic()
        r = self._check("spacer", perms, max(1.0, min(self.opts.timeout_s, left)))
        if r.verdict == "unknown":  # Spacer gave up: a deeper bounded search may still refute
            left = self.deadline - time.monotonic()
            if left > 1:
                deeper = self._check("bmc", perms, min(self.opts.timeout_s, left))
                if deeper.verdict == "violated":
                    r = deeper
        if r.verdict == "proved":
            self.safe.append(allowed)
            return "safe", None, ""
        if r.verdict == "violated" and r.trace is not None:
            return "unsafe", r.trace, ""
        return "unknown", None, r.reason or r.verdict

    def _check(self, engine: str, perms: dict[str, bool], timeout_s: float,
               rlimit: int | None = None) -> CheckResult:
        """One engine query in its own process: Z3 can crash or hang, and that must cost one
        query (``unknown``), not the search."""
        def run() -> CheckResult:
            # this process only (it is a fork); Z3 counts the budget per solver call
            z3.set_param("rlimit", rlimit or self.opts.rlimit)
            return check_requirement(self.model, self.req, engine, timeout_s, self.opts.depth,
                                     perms, quick_timeout_s=0)

        outcome = run_one(Job(self.req.id, run, timeout_s * 3 + 5))
        if outcome.status == "ok":
            result: CheckResult = outcome.value
            return result
        return CheckResult("unknown", engine, reason=f"{outcome.status}: {outcome.detail}")

    def replays(self, trace: Trace) -> bool:
        """The run replays on the concrete model and violates the requirement at its end."""
        try:
            confirm_trace(self.model, self.req, trace)
        except EncodingMismatch:
            return False
        return True

    def permitted(self, trace: Trace) -> FaultSet:
        return frozenset(f for f in self.candidates if getattr(trace.initial, "perm_" + f))

    def shrink(self, trace: Trace) -> CutSet:
        """A minimal unsafe subset of the run's permitted faults, by deletion: first, without a
        query, every permission the run itself does without (it replays with the permission
        off and still violates), then a query per fault left."""
        for f in sorted(self.permitted(trace)):
            lighter = with_permission(trace, f, False)
            if self.replays(lighter):
                trace = lighter
        unsafe, minimal = self.permitted(trace), True
        for f in sorted(unsafe):
            if f not in unsafe:
                continue
            answer, smaller, _ = self.ask(unsafe - {f})
            if answer == "unsafe" and smaller is not None:
                unsafe, trace = self.permitted(smaller), smaller
            elif answer == "unknown":
                minimal = False
        return CutSet(tuple(sorted(unsafe)), self.req.id, trace, minimal)

    def run(self) -> RequirementCutSets:
        cuts: list[CutSet] = []
        unknown: list[FaultSet] = []
        notes: list[str] = []
        universe = frozenset(self.candidates)
        while True:
            todo = [universe - t for t in minimal_transversals(frozenset(c.faults) for c in cuts)]
            todo = [m for m in todo if not any(m <= s for s in [*self.safe, *unknown])]
            if not todo:
                break
            answer, trace, reason = self.ask(todo[0])
            if answer == "unknown":
                unknown.append(todo[0])
                notes.append(f"{self.req.id} with {_names(todo[0])} permitted: {reason}")
            elif answer == "unsafe":
                assert trace is not None
                cuts.append(self.shrink(trace))
        return RequirementCutSets(self.req.id, tuple(cuts), tuple(self.safe), tuple(unknown),
                                  tuple(notes), self.queries)


def with_permission(trace: Trace, fault: str, allowed: bool) -> Trace:
    """The same run with ``fault`` permitted or not: its frozen bit set in the device and in
    every state (whether the run is still a run is for a replay to say)."""
    perm = "perm_" + fault
    generator = dict(trace.generator)
    if isinstance(generator.get("permissions"), dict):
        generator["permissions"] = {**generator["permissions"], fault: allowed}
    return replace(
        trace,
        device=with_faults(trace.device, {fault: allowed}),
        initial=replace(trace.initial, **{perm: allowed}),
        steps=tuple(replace(st, state=replace(st.state, **{perm: allowed}))
                    for st in trace.steps),
        generator=generator,
    )


def _names(faults: FaultSet) -> str:
    return "{" + ", ".join(sorted(faults)) + "}" if faults else "no fault"


def requirement_cut_sets(model: PumpModel, req: Requirement, candidates: Sequence[str],
                         opts: CutSetOptions, scenarios: Sequence[Scenario] = ()
                         ) -> RequirementCutSets:
    """The cut sets of one requirement (see the module docstring); the known counterexample
    ``scenarios`` are replayed before the solvers at every query."""
    return _Search(model, req, candidates, opts, scenarios).run()


def settled_up_to(candidates: Sequence[str], cuts: Sequence[FaultSet],
                  safe: Sequence[FaultSet], limit: int) -> int:
    """The largest k ≤ ``limit`` such that every fault set of size ≤ k contains a cut set or lies
    within a safe set (-1 when not even the empty set is settled)."""
    for k in range(limit + 1):
        for combo in itertools.combinations(sorted(candidates), k):
            s = frozenset(combo)
            if not any(c <= s for c in cuts) and not any(s <= m for m in safe):
                return k - 1
    return limit


def _witness(model: PumpModel, req: Requirement, cut: CutSet) -> CutSet:
    """The cut set with its run naming the requirement, once the concrete model agrees."""
    named = cut.trace.violating(req.id)
    confirm_trace(model, replace(req, assumes_absent=()), named)
    return replace(cut, trace=named)


def minimal_cut_sets(device: Device, hazard: str, opts: CutSetOptions | None = None,
                     candidates: Sequence[str] = FAULTS,
                     progress: Callable[[str], None] | None = None) -> HazardCutSets:
    """The minimal fault sets under which some requirement of ``hazard`` is violated."""
    opts = opts or CutSetOptions()
    start = time.monotonic()
    model = build_model(device)
    reqs = hazard_requirements(device, hazard)
    by_id = {r.id: r for r in reqs}
    scenarios = builtin_scenarios()

    def job(req: Requirement) -> Callable[[], RequirementCutSets]:
        return lambda: requirement_cut_sets(model, req, candidates, opts, scenarios)

    jobs = [Job(r.id, job(r), opts.budget_s + opts.timeout_s * 4 + 10) for r in reqs]
    results: dict[str, RequirementCutSets] = {}
    for outcome in run_all(jobs, opts.workers):
        if outcome.status == "ok":
            results[outcome.key] = outcome.value
        else:
            results[outcome.key] = RequirementCutSets(
                outcome.key, (), (), (frozenset(candidates),),
                (f"{outcome.key}: {outcome.status}: {outcome.detail}".strip(),))
        if progress:
            r = results[outcome.key]
            progress(f"{hazard} {outcome.key}: {len(r.cut_sets)} cut sets, {r.queries} queries, "
                     f"{outcome.time_s:.1f} s")
    return _combine(model, hazard, reqs, by_id, results, candidates, opts,
                    time.monotonic() - start)


def _combine(model: PumpModel, hazard: str, reqs: Sequence[Requirement],
             by_id: dict[str, Requirement], results: dict[str, RequirementCutSets],
             candidates: Sequence[str], opts: CutSetOptions, time_s: float) -> HazardCutSets:
    """The hazard's family: minimal sets over its requirements (first in catalogue order kept).

    A requirement violated with no fault at all is a design defect, not a fault path: it is
    reported apart (``fault_free_violations``, with its run) and left out of the family, whose
    every set it would otherwise absorb."""
    defects = [c for r in reqs for c in results[r.id].cut_sets if not c.faults]
    broken = {c.requirement for c in defects}
    rest = [r for r in reqs if r.id not in broken]
    every = [c for r in rest for c in results[r.id].cut_sets]
    kept: list[CutSet] = []
    for c in sorted(every, key=lambda c: len(c.faults)):
        s = frozenset(c.faults)
        if not any(frozenset(k.faults) <= s for k in kept):
            kept.append(_witness(model, by_id[c.requirement], c))
    orders = [settled_up_to(candidates, [frozenset(c.faults) for c in results[r.id].cut_sets],
                            results[r.id].safe, len(candidates)) for r in rest]
    settled = min(orders, default=len(candidates))
    notes = [n for r in rest for n in results[r.id].notes]
    notes += [f"{c.requirement}: {_names(frozenset(c.faults))} may not be minimal (a deletion "
              "query was unknown)" for c in kept if not c.minimal]
    complete = settled >= len(candidates) and all(c.minimal for c in kept)
    return HazardCutSets(hazard, tuple(r.id for r in reqs), tuple(candidates), opts.max_order,
                         tuple(sorted(kept, key=lambda c: (len(c.faults), c.faults))),
                         min(settled, len(candidates)), complete, tuple(notes),
                         sum(r.queries for r in results.values()), time_s,
                         {r.id: results[r.id].safe for r in rest},
                         tuple(_witness(model, by_id[c.requirement], c) for c in defects))
