"""``verify``: every requirement of the catalogue on one device, with honest verdicts.

Verdicts are ``proved`` (a re-checked certificate, or witnesses for reachability), ``violated``
(a trace that the concrete interpreter replays to the same violation), ``vacuous`` (the
requirement's premise is unreachable, so its proof says nothing) and ``unknown`` (time-out,
crash, solver ``unknown``, no trace). Nothing turns ``unknown`` into a pass. A counterexample the
concrete model does not reproduce is an :class:`EncodingMismatch`: the two semantics disagree,
and the run stops loudly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from pumpsafe.model.device import Device
from pumpsafe.model.errors import PumpsafeError
from pumpsafe.model.rules import PumpModel, build_model
from pumpsafe.model.trace import Trace, replay, resolved_by_var
from pumpsafe.proofs.checks import (
    CheckResult,
    check_reachability,
    check_requirement,
    disabled_rules,
    premise_reachable,
)
from pumpsafe.proofs.checks import sanity as run_sanity
from pumpsafe.proofs.children import Job, Outcome, run_all
from pumpsafe.proofs.monitor import Monitor
from pumpsafe.proofs.requirements import Requirement, catalogue
from pumpsafe.proofs.scenarios import Scenario, builtin_scenarios, known_violation

VERDICTS = ("proved", "violated", "vacuous", "unknown")


class EncodingMismatch(PumpsafeError):
    """A Z3 counterexample that the concrete interpreter does not reproduce."""


@dataclass
class Verdict:
    """The final verdict of one requirement."""

    requirement: Requirement
    verdict: str
    engine: str
    time_s: float
    certificate: str = ""
    trace: Trace | None = None
    reason: str = ""
    premise: str = "none"
    witnesses: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Options:
    """How to verify."""

    engine: str = "spacer"
    timeout_s: float = 60.0
    depth: int = 12
    workers: int = 1
    only: tuple[str, ...] = ()
    sanity: bool = True
    scenarios: bool = True  # replay the known counterexample scenarios first


@dataclass
class Report:
    """Everything one ``verify`` run found."""

    device: Device
    verdicts: list[Verdict]
    sanity: dict[str, int | None]
    sanity_status: str
    # rules no state of this device can take (a control rules them out), never "unreached"
    sanity_disabled: tuple[str, ...] = ()

    def unreached(self) -> list[str]:
        """Rules and alarms with no witness within the depth, the disabled rules aside."""
        return [n for n, k in self.sanity.items() if k is None and n not in self.sanity_disabled]

    def counts(self) -> dict[str, int]:
        return {v: sum(1 for x in self.verdicts if x.verdict == v) for v in VERDICTS}

    def exit_code(self) -> int:
        c = self.counts()
        if c["violated"] or c["vacuous"]:
            return 1
        if c["unknown"]:
            return 3
        return 0


def select(reqs: Sequence[Requirement], only: Sequence[str]) -> list[Requirement]:
    """The requirements named by ``only`` (all when empty); unknown IDs raise KeyError."""
    if not only:
        return list(reqs)
    known = {r.id for r in reqs}
    missing = [i for i in only if i not in known]
    if missing:
        raise KeyError(", ".join(missing))
    return [r for r in reqs if r.id in only]


def _job(model: PumpModel, req: Requirement, opts: Options,
         scenarios: Sequence[Scenario] = ()) -> Callable[[], object]:
    def run() -> object:
        known = known_violation(model, req, req.fault_permissions(model.device), scenarios)
        if known is not None:
            trace, scenario = known
            return CheckResult("violated", "scenario", trace=trace,
                               reason=f"known scenario {scenario.name!r}: {scenario.note}")
        if req.kind == "structural":
            assert req.structural_check is not None
            problem = req.structural_check(model)
            return CheckResult("violated" if problem else "proved", "structural",
                               certificate="" if problem else "checked on the rules",
                               reason=problem or "")
        if req.kind == "reachability":
            return check_reachability(model, req, opts.depth, opts.timeout_s)
        result = check_requirement(model, req, opts.engine, opts.timeout_s, opts.depth)
        if result.verdict == "proved":
            status, depth, _ = premise_reachable(model, req, opts.depth, opts.timeout_s / 2)
            result.premise, result.premise_depth = status, depth
        return result

    return run


def _from_outcome(req: Requirement, outcome: Outcome, engine: str) -> Verdict:
    if outcome.status != "ok":
        return Verdict(req, "unknown", engine, outcome.time_s,
                       reason=f"{outcome.status}: {outcome.detail}".strip())
    r: CheckResult = outcome.value
    verdict = r.verdict
    reason = r.reason
    if verdict == "proved" and r.premise == "unreachable":
        verdict, reason = "vacuous", "its premise is unreachable: the proof says nothing"
    elif verdict == "proved" and r.premise == "unknown":
        verdict = "unknown"
        reason = "proved, but its premise was not shown reachable (possibly vacuous)"
    return Verdict(req, verdict, r.engine, outcome.time_s, r.certificate, r.trace, reason,
                   r.premise, dict(r.witnesses))


def confirm_trace(model: PumpModel, req: Requirement, trace: Trace) -> None:
    """Replay a counterexample on the concrete model; it must reach the same violation."""
    divergence = replay(trace)
    if divergence is not None:
        raise EncodingMismatch(f"{req.id}: the Z3 counterexample does not replay on the "
                               f"concrete model: {divergence.message}")
    if not trace.steps:
        raise EncodingMismatch(f"{req.id}: empty counterexample")
    resolved = resolved_by_var(trace.device, trace.resolved)
    monitor = Monitor([req], [r.name for r in model.rules], resolved)
    last = trace.steps[-1]
    pre = trace.steps[-2].state if len(trace.steps) > 1 else trace.initial
    if req.id not in monitor.violated_in_step(pre, last.rule, last.state):
        raise EncodingMismatch(f"{req.id}: the counterexample replays, but the concrete "
                               "model does not see the requirement violated at its end")


def verify(device: Device, opts: Options,
           progress: Callable[[Verdict, int, int], None] | None = None) -> Report:
    """Check the selected requirements of the catalogue on the device."""
    model = build_model(device)
    reqs = select(catalogue(device), opts.only)
    # the whole job (quick search, proof, re-check, premise) may take a few queries' time
    scenarios = builtin_scenarios() if opts.scenarios else []
    jobs = [Job(r.id, _job(model, r, opts, scenarios), opts.timeout_s * 3 + 2) for r in reqs]
    sanity: dict[str, int | None] = {}
    if opts.sanity:
        def sanity_job() -> tuple[dict[str, int | None], list[str]]:
            disabled = disabled_rules(model)
            return run_sanity(model, opts.depth, opts.timeout_s, disabled), disabled

        jobs.append(Job("sanity", sanity_job, opts.timeout_s + 15))
    disabled: list[str] = []
    by_id = {r.id: r for r in reqs}
    verdicts: dict[str, Verdict] = {}
    sanity_status = "skipped"
    for outcome in run_all(jobs, opts.workers):
        if outcome.key == "sanity":
            if outcome.status == "ok":
                (sanity, disabled), sanity_status = outcome.value, "done"
            else:
                sanity_status = f"{outcome.status}: {outcome.detail}"
            continue
        req = by_id[outcome.key]
        v = _from_outcome(req, outcome, opts.engine)
        if v.verdict == "violated" and v.trace is not None:
            v.trace = v.trace.violating(req.id)
            confirm_trace(model, req, v.trace)
        verdicts[req.id] = v
        if progress:
            progress(v, len(verdicts), len(reqs))
    return Report(device, [verdicts[r.id] for r in reqs], sanity, sanity_status,
                  tuple(disabled))
