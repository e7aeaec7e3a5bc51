"""Re-check a failure trace: it replays on the concrete model and its recorded requirement is
first violated at its recorded step (what a regression test and ``pumpsafe fuzz`` rely on)."""

from __future__ import annotations

from pumpsafe.fuzzing.permsets import drop_assumptions
from pumpsafe.model.rules import build_model
from pumpsafe.model.trace import Trace, replay, resolved_by_var
from pumpsafe.proofs.monitor import Monitor
from pumpsafe.proofs.requirements import Requirement, catalogue


def first_violation(trace: Trace, requirement: Requirement) -> int | None:
    """The first step (0 = initial state) at which ``requirement`` is false, or None."""
    names = tuple(r.name for r in build_model(trace.device).rules)
    monitor = Monitor([requirement], names, resolved_by_var(trace.device, trace.resolved))
    if monitor.violated_in_state(trace.initial):
        return 0
    pre = trace.initial
    for k, step in enumerate(trace.steps, start=1):
        if monitor.violated_in_step(pre, step.rule, step.state):
            return k
        pre = step.state
    return None


def check_violation(trace: Trace) -> str | None:
    """None when ``trace`` replays and reproduces its recorded violation, else why not.

    The requirement is read from the trace's device with the assumptions the trace's generator
    dropped (``generator.assumptions_dropped``), as the machine that wrote it checked it."""
    if trace.violation is None:
        return "the trace records no violation"
    divergence = replay(trace)
    if divergence is not None:
        return divergence.message
    ident, step = trace.violation.get("requirement"), trace.violation.get("step")
    dropped = trace.generator.get("assumptions_dropped") or ()
    reqs = {r.id: r for r in drop_assumptions(catalogue(trace.device), dropped)}
    if ident not in reqs:
        return f"no requirement {ident!r} in the catalogue"
    found = first_violation(trace, reqs[str(ident)])
    if found != step:
        where = "never" if found is None else f"first at step {found}"
        return f"{ident} is violated {where}; the trace says step {step}"
    return None
