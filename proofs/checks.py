"""What one child process does for one requirement: prove it, refute it, find a witness.

Engines:

* ``spacer`` (default): the requirement itself with the model's lemmas is tried as an inductive
  certificate first (cheap), then Spacer; a certificate is accepted only after it re-checks.
  When Spacer refutes, BMC finds the shortest counterexample trace.
* ``kind``: k-induction (with the lemmas) up to a depth; BMC for the base case.
* ``bmc``: bounded search for a counterexample only; it can refute but never prove.

Every answer the engines cannot give becomes ``unknown`` with the reason.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import z3
from pumpsafe.model.encoding import device_constraint
from pumpsafe.model.rules import PumpModel
from pumpsafe.model.state import ALARMS, FAULTS
from pumpsafe.model.terms import Term, all_of
from pumpsafe.model.trace import Trace
from pumpsafe.proofs import bmc, spacer
from pumpsafe.proofs.lemmas import applicable
from pumpsafe.proofs.requirements import Requirement
from pumpsafe.proofs.system import System, fresh_args, fresh_state

ENGINES = ("spacer", "bmc", "kind")
QUICK_DEPTH = 5


@dataclass
class CheckResult:
    """The raw verdict of one requirement, before replay and vacuity are settled."""

    verdict: str  # proved | violated | unknown
    engine: str
    certificate: str = ""
    trace: Trace | None = None
    reason: str = ""
    witnesses: dict[str, int] = field(default_factory=dict)  # reachability: target -> depth
    premise: str = "unchecked"  # reached | unreachable | unknown | none
    premise_depth: int = -1


def _bad_goal(system: System, req: Requirement) -> bmc.Goal:
    assert req.predicate is not None
    pred = req.predicate

    def goal(u: bmc.Unrolling, k: int) -> Any:
        if req.kind == "invariant":
            return z3.Not(system.holds_in_state(pred, u.states[k]))
        if k == 0:
            return None
        return z3.Not(system.holds_in_step(pred, u.states[k - 1], u.states[k],
                                           u.selectors[k - 1]))

    return goal


def _state_goal(system: System, cond: Term) -> bmc.Goal:
    return lambda u, k: system.holds_in_state(cond, u.states[k])


def _counterexample(system: System, req: Requirement, depth: int, timeout_s: float
                    ) -> CheckResult:
    try:
        hit = bmc.search(system, _bad_goal(system, req), depth, timeout_s)
    except TimeoutError as e:
        return CheckResult("unknown", "bmc", reason=f"no counterexample found: {e}")
    if hit is None:
        return CheckResult("unknown", "bmc", reason=f"no counterexample up to depth {depth}")
    return CheckResult("violated", "bmc", trace=hit.trace)


def _k_induction(system: System, req: Requirement, lemma: Term, depth: int,
                 timeout_s: float) -> CheckResult:
    assert req.predicate is not None
    deadline = time.monotonic() + timeout_s
    for k in range(1, depth + 1):
        base = _counterexample(system, req, k, max(0.1, deadline - time.monotonic()))
        if base.verdict == "violated":
            return base
        states = [fresh_state(f"i{j}.") for j in range(k + 1)]
        solver = z3.Solver()
        solver.set("timeout", max(1, int((deadline - time.monotonic()) * 1000)))
        sels = []
        for j in range(k):
            sel = z3.Int(f"sel@{j}")
            sels.append(sel)
            solver.add(system.holds_in_state(lemma, states[j]))
            solver.add(z3.Or([z3.And(sel == i, system.step(r, states[j], states[j + 1],
                                                            fresh_args(r, f"@i{j}")))
                              for i, r in enumerate(system.rules)]))
            if req.kind == "invariant":
                solver.add(system.holds_in_state(req.predicate, states[j]))
            elif j < k - 1:
                solver.add(system.holds_in_step(req.predicate, states[j], states[j + 1], sel))
        if req.kind == "invariant":
            solver.add(z3.Not(system.holds_in_state(req.predicate, states[k])))
        else:
            solver.add(z3.Not(system.holds_in_step(req.predicate, states[k - 1], states[k],
                                                   sels[k - 1])))
        answer = solver.check()
        if answer == z3.unsat:
            return CheckResult("proved", "kind", certificate=f"{k}-inductive (with the model's "
                               "well-formedness lemmas)")
        if time.monotonic() >= deadline:
            break
    return CheckResult("unknown", "kind", reason=f"not k-inductive up to k={depth}")


def check_requirement(model: PumpModel, req: Requirement, engine: str, timeout_s: float,
                      depth: int, permissions: dict[str, bool] | None = None,
                      quick_timeout_s: float | None = None) -> CheckResult:
    """Prove or refute an invariant or step requirement with the chosen engine, under the
    requirement's fault permissions or the given ones. ``quick_timeout_s`` bounds the short
    bounded search before Spacer (default: a quarter of the time, at most 10 s; 0 skips it, for
    a caller that has searched already under Z3's rlimit, so that load cannot change answers)."""
    system = System(model, permissions or req.fault_permissions(model.device))
    lemma = applicable(model.device, dict(system.permissions))
    assert req.predicate is not None
    if engine == "bmc":
        return _counterexample(system, req, depth, timeout_s)
    if engine == "kind":
        return _k_induction(system, req, lemma, depth, timeout_s)
    start = time.monotonic()
    extra = [t for _, t in req.strengthening]
    candidate = all_of(req.predicate, lemma, *extra) if req.kind == "invariant" \
        else all_of(lemma, *extra)
    text = spacer.candidate_certificate(system, req, candidate, timeout_s)
    if text is not None:
        return CheckResult("proved", "induction", certificate=text)
    # not inductive as it stands: a short bounded search next, since shallow counterexamples
    # come quickly and with a trace; then Spacer
    if quick_timeout_s != 0:  # 0: the caller has already searched
        quick = _counterexample(system, req, min(depth, QUICK_DEPTH),
                                quick_timeout_s or min(timeout_s / 4, 10.0))
        if quick.verdict == "violated":
            return quick
    left = timeout_s - (time.monotonic() - start)
    result = spacer.prove(system, req, max(1.0, left), lemma)
    if result.answer == "safe":
        try:
            spacer.recheck(system, req, result.certificate, timeout_s)
        except spacer.CertificateError as e:
            return CheckResult("unknown", "spacer", reason=f"certificate rejected: {e}")
        return CheckResult("proved", "spacer", certificate=result.certificate)
    if result.answer == "unsafe":
        found = _counterexample(system, req, depth, timeout_s)
        if found.verdict == "violated":
            found.engine = "spacer+bmc"
            return found
        return CheckResult("unknown", "spacer", reason="Spacer refuted it but BMC found no "
                           f"trace within depth {depth}")
    return CheckResult("unknown", "spacer", reason=result.reason)


def premise_reachable(model: PumpModel, req: Requirement, depth: int, timeout_s: float
                      ) -> tuple[str, int, Trace | None]:
    """Whether the requirement's premise is reachable: ``reached`` (with the witness depth),
    ``unreachable`` (Spacer proves it never holds) or ``unknown``."""
    if req.premise is None:
        return "none", -1, None
    system = System(model, req.fault_permissions(model.device))
    try:
        hit = bmc.search(system, _state_goal(system, req.premise), depth, timeout_s / 2)
    except TimeoutError:
        hit = None
    if hit is not None:
        return "reached", hit.depth, hit.trace
    never = Requirement(req.id + "/premise", req.hazards, "premise never holds", "invariant",
                        ~req.premise, assumes_absent=req.assumes_absent, survives=req.survives)
    result = spacer.prove(system, never, timeout_s / 2,
                          applicable(model.device, dict(system.permissions)))
    if result.answer == "safe":
        try:
            spacer.recheck(system, never, result.certificate, timeout_s / 2)
            return "unreachable", -1, None
        except spacer.CertificateError:
            pass
    return "unknown", -1, None


def check_reachability(model: PumpModel, req: Requirement, depth: int, timeout_s: float
                       ) -> CheckResult:
    """A witness run for every target of a reachability requirement."""
    system = System(model, req.fault_permissions(model.device))
    deadline = time.monotonic() + timeout_s
    witnesses: dict[str, int] = {}
    missing: list[str] = []
    trace: Trace | None = None
    for name, cond in req.targets:
        try:
            hit = bmc.search(system, _state_goal(system, cond), depth,
                             max(0.1, deadline - time.monotonic()))
        except TimeoutError:
            hit = None
        if hit is None:
            missing.append(name)
        else:
            witnesses[name] = hit.depth
            trace = trace or hit.trace
    if missing:
        return CheckResult("unknown", "bmc", witnesses=witnesses,
                           reason=f"no witness within depth {depth} for: {', '.join(missing)}")
    return CheckResult("proved", "bmc", witnesses=witnesses, trace=trace,
                       certificate="witness runs: " + ", ".join(
                           f"{n} in {k} steps" for n, k in witnesses.items()))


def sanity(model: PumpModel, depth: int, timeout_s: float, skip: Sequence[str] = ()
           ) -> dict[str, int | None]:
    """Shortest witness depth for every rule firing and every alarm (None: not found within
    the depth), with every fault permitted; the names in ``skip`` (rules that
    :func:`disabled_rules` rules out) are not searched for and stay None."""
    system = System(model, {f: True for f in FAULTS})
    u = bmc.Unrolling(system)
    deadline = time.monotonic() + timeout_s
    found: dict[str, int | None] = dict.fromkeys(skip)
    names = [f"rule {r.name}" for r in model.rules] + [f"alarm {a}" for a in ALARMS]
    for k in range(depth + 1):
        while u.depth < k:
            u.extend()
        for name in names:
            if name in found:
                continue
            if name.startswith("rule "):
                if k == 0:
                    continue
                index = [r.name for r in model.rules].index(name[5:])
                cond = u.selectors[k - 1] == index
            else:
                cond = u.states[k][name[6:]]
            lit = z3.Bool(f"sanity:{name}@{k}")
            u.solver.add(z3.Implies(lit, cond))
            left = deadline - time.monotonic()
            if left <= 0:
                break
            u.solver.set("timeout", max(1, int(left * 1000)))
            if u.solver.check(lit) == z3.sat:
                found[name] = k
    return {n: found.get(n) for n in names}


def disabled_rules(model: PumpModel) -> list[str]:
    """The rules whose step cannot be taken from any state on this device, whatever the
    faults (a control rules them out: e.g. the CAP needle interlock, D-15), as ``rule NAME``.
    Sanity reports them apart from rules merely not reached within the depth."""
    system = System(model, {f: True for f in FAULTS})
    ranges = device_constraint(model, system.dev)
    out = []
    for rule in model.rules:
        solver = z3.Solver()
        solver.set("timeout", 5000)
        solver.add(ranges, system.step(rule, fresh_state("d."), fresh_state("e."),
                                       fresh_args(rule, "@d")))
        if solver.check() == z3.unsat:
            out.append(f"rule {rule.name}")
    return out
