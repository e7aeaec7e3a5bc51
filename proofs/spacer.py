"""Unbounded proofs with Spacer (``z3.SolverFor("HORN")``), and the re-check of certificates.

The system becomes constrained Horn clauses over one predicate ``Inv(state, device)``:
initial states satisfy it, every rule preserves it, and it excludes every violation. When
Spacer answers ``sat`` the interpretation of ``Inv`` is an inductive invariant: the
certificate. It is written as SMT-LIB text and re-checked by :func:`recheck` with plain
quantifier-free queries in a fresh solver (init ⇒ inv, inv ∧ T ⇒ inv', inv ⇒ property); a
certificate that fails there is an error, never a pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import z3
from pumpsafe.model.encoding import device_constraint
from pumpsafe.model.state import FIELD_NAMES
from pumpsafe.model.terms import Term
from pumpsafe.proofs.requirements import Requirement
from pumpsafe.proofs.system import System, fresh_args, fresh_state


class CertificateError(Exception):
    """A certificate from Spacer does not re-check: the proof is not accepted."""


@dataclass(frozen=True)
class SpacerResult:
    """``safe`` with the invariant's text, ``unsafe``, or ``unknown`` with Z3's reason."""

    answer: str
    certificate: str = ""
    reason: str = ""


def _bad(system: System, req: Requirement, pre: dict[str, Any], post: dict[str, Any],
         rule_name: str) -> Any:
    """The violation reached by one rule's step (for a step predicate) or in its post state."""
    assert req.predicate is not None
    if req.kind == "step":
        return z3.Not(system.holds_in_step(req.predicate, pre, post, rule_name))
    return z3.Not(system.holds_in_state(req.predicate, post))


def prove(system: System, req: Requirement, timeout_s: float, lemma: Term | None = None
          ) -> SpacerResult:
    """Run Spacer on the requirement (an invariant or step predicate). ``lemma`` is a proved
    invariant assumed in every pre-state; the certificate then includes it."""
    pre, post = fresh_state("s."), fresh_state("t.")
    known = system.holds_in_state(lemma, pre) if lemma is not None else z3.BoolVal(True)
    dev = list(system.dev.values())
    sig = [pre[n].sort() for n in FIELD_NAMES] + [d.sort() for d in dev] + [z3.BoolSort()]
    inv = z3.Function("Inv", *sig)

    def app(state: dict[str, Any]) -> Any:
        return inv(*[state[n] for n in FIELD_NAMES], *dev)

    solver = z3.SolverFor("HORN")
    solver.set("timeout", max(1, int(timeout_s * 1000)))
    pre_vars = [pre[n] for n in FIELD_NAMES] + dev
    both = pre_vars + [post[n] for n in FIELD_NAMES]
    solver.add(z3.ForAll(pre_vars, z3.Implies(system.init(pre), app(pre))))
    assert req.predicate is not None
    if req.kind == "invariant":  # the initial states must satisfy it too
        solver.add(z3.ForAll(pre_vars, z3.Implies(
            z3.And(system.init(pre), z3.Not(system.holds_in_state(req.predicate, pre))),
            z3.BoolVal(False))))
    for rule in system.rules:
        args = fresh_args(rule, "")
        step = system.step(rule, pre, post, args)
        qvars = both + list(args.values())
        solver.add(z3.ForAll(qvars, z3.Implies(z3.And(app(pre), known, step), app(post))))
        solver.add(z3.ForAll(qvars, z3.Implies(
            z3.And(app(pre), known, step, _bad(system, req, pre, post, rule.name)),
            z3.BoolVal(False))))
    answer = solver.check()
    if answer == z3.sat:
        certificate = z3.And(solver.model().eval(app(pre)), known)
        if _has_quantifier(certificate):
            certificate = _eliminate_quantifiers(certificate, timeout_s)
        return SpacerResult("safe", certificate=certificate.sexpr())
    if answer == z3.unsat:
        return SpacerResult("unsafe")
    return SpacerResult("unknown", reason=f"Spacer: {solver.reason_unknown()}")


def _has_quantifier(expr: Any) -> bool:
    todo, seen = [expr], set()
    while todo:
        e = todo.pop()
        if e.get_id() in seen:
            continue
        seen.add(e.get_id())
        if z3.is_quantifier(e):
            return True
        todo.extend(e.children())
    return False


def _eliminate_quantifiers(expr: Any, timeout_s: float) -> Any:
    """Spacer sometimes answers with an existential image; linear QE removes it."""
    goal = z3.Goal()
    goal.add(expr)
    tactic = z3.TryFor(z3.Then("simplify", "qe2", "simplify"), max(1, int(timeout_s * 1000)))
    try:
        result = tactic(goal)
    except z3.Z3Exception:
        return expr
    return z3.And(*[z3.And(*g) for g in result])


def candidate_certificate(system: System, req: Requirement, candidate: Term, timeout_s: float
                          ) -> str | None:
    """The candidate's text when it is an inductive certificate for the requirement, else None
    (cheap: one query per rule; used before Spacer)."""
    text = str(z3.simplify(system.holds_in_state(candidate, fresh_state("s."))).sexpr())
    try:
        recheck(system, req, text, timeout_s)
    except CertificateError:
        return None
    return text


def parse_certificate(text: str, state: dict[str, Any], system: System) -> Any:
    """The certificate's formula over ``state`` (its free names are ``s.<field>``)."""
    decls = {f"s.{n}": state[n] for n in FIELD_NAMES}
    decls.update(system.dev)
    try:
        parsed = z3.parse_smt2_string(f"(assert {text})", decls=decls)
    except z3.Z3Exception as e:
        raise CertificateError(f"the certificate does not parse: {e}") from None
    return z3.And(*parsed)


def recheck(system: System, req: Requirement, text: str, timeout_s: float) -> None:
    """Re-check a certificate with plain queries in a fresh solver; raise if any fails."""
    pre, post = fresh_state("p."), fresh_state("q.")
    inv_pre, inv_post = parse_certificate(text, pre, system), parse_certificate(text, post, system)
    ranges = device_constraint(system.model, system.dev)
    assert req.predicate is not None

    def must_be_unsat(what: str, *facts: Any) -> None:
        solver = z3.Solver()
        solver.set("timeout", max(1, int(timeout_s * 1000)))
        solver.add(*facts)
        answer = solver.check()
        if answer == z3.sat:
            raise CertificateError(f"the certificate fails: {what}")
        if answer != z3.unsat:
            raise CertificateError(f"the certificate check is unknown: {what} "
                                   f"({solver.reason_unknown()})")

    must_be_unsat("init => inv", system.init(pre), z3.Not(inv_pre))
    if req.kind == "invariant":
        must_be_unsat("inv => property", ranges, inv_pre,
                      z3.Not(system.holds_in_state(req.predicate, pre)))
    for rule in system.rules:
        args = fresh_args(rule, ".chk")
        step = system.step(rule, pre, post, args)
        must_be_unsat(f"inv and {rule.name} => inv'", ranges, inv_pre, step, z3.Not(inv_post))
        if req.kind == "step":
            must_be_unsat(f"inv and {rule.name} => property", ranges, inv_pre, step,
                          z3.Not(system.holds_in_step(req.predicate, pre, post, rule.name)))
