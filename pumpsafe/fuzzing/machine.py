"""The Hypothesis state machine, generated from the model's rules.

:func:`build_machine` makes a :class:`~hypothesis.stateful.RuleBasedStateMachine` subclass with
one Hypothesis rule per model rule (operations and environment moves alike). A rule draws its
parameters in order from their declared ranges (a range may read the state and earlier
parameters), then the concrete interpreter takes the step; a step whose guard is false is
skipped, so the machine never restates the pump's logic. The guard conjuncts that read only the
state are the rule's precondition. Ranged device parameters are drawn at implant (the
``implant`` initialize rule), so they shrink like everything else.

After the initial state and after every step the monitor checks every requirement of the spec
that applies under the run's fault permissions (:mod:`pumpsafe.proofs.monitor`); the first one
false raises :class:`RequirementViolated`, which carries the run as a ``pumpsafe.trace/1``
trace with its ``violation`` set. Each requirement raises its own subclass, so Hypothesis shrinks
each requirement's failure on its own and never trades one requirement's counterexample for
another's.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import hypothesis
from hypothesis import settings as Settings
from hypothesis import strategies as st
from hypothesis.internal.conjecture.data import ConjectureData
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)

from pumpsafe import __version__
from pumpsafe.fuzzing.fastterms import StepPredicate, compile_fast, compile_step
from pumpsafe.fuzzing.margins import Margins, MarginTracker
from pumpsafe.fuzzing.permsets import PermissionSet, permission_sets
from pumpsafe.fuzzing.plans import (
    INT_TRIES,
    PIN_FIRST,
    PIN_LAST,
    ParamPlan,
    RulePlan,
    draw_choice,
    draw_pin,
    int_strategy,
    plan_rule,
)
from pumpsafe.fuzzing.stats import Stats
from pumpsafe.model.device import Device, with_faults
from pumpsafe.model.interpreter import Interpreter
from pumpsafe.model.rules import PumpModel, Rule, build_model
from pumpsafe.model.state import FIELD_NAMES
from pumpsafe.model.terms import Value
from pumpsafe.model.trace import Step, Trace
from pumpsafe.proofs.monitor import Monitor
from pumpsafe.proofs.requirements import Requirement

DRAW_ATTEMPTS = 3  # draws of a rule's parameters before its step is skipped
# a test case lets time pass after every other move with odds 1 in THEN_TIME_ODDS + 1
THEN_TIME_ODDS = 1
# how many times a test case repeats each move in one rule call (drawn once, shrinks to once):
# see _Run._repeats
REPEATS = (1, 1, 3, 10)
# Hypothesis picks a step's rule uniformly among the enabled ones. A move that needs no fault
# permission (the clinician's operations, time passing) is registered this many times, a fault
# move once: faults are rare in reality, and one that stops the pump (a memory error) fired
# as often as the clinician programs cut short most runs before a programmed bolus was due.
ORDINARY_WEIGHT = 2


class RequirementViolated(AssertionError):
    """A requirement is false on a run of the machine; ``trace`` is that run."""

    def __init__(self, requirement: str, step: int, trace: Trace) -> None:
        super().__init__(f"{requirement} is violated at step {step} of the run "
                         f"({len(trace.steps)} steps)")
        self.requirement = requirement
        self.step = step
        self.trace = trace


class Interrupted(KeyboardInterrupt):
    """Raised by an :class:`Observer` to stop a run at once (a campaign's time-out or Ctrl-C).

    A ``KeyboardInterrupt``, because that is the one exception Hypothesis passes straight
    through without recording the test case (any other would be saved to the example database
    as a failure, or reported as flaky data generation)."""


class Observer:
    """Hooks a campaign attaches to a machine; the defaults do nothing."""

    def step(self) -> None:
        """Called before every rule; may raise :class:`Interrupted`."""

    def violation(self, error: RequirementViolated) -> None:
        """Called with every violation the machine raises, shrunk or not."""


_VIOLATION_TYPES: dict[str, type[RequirementViolated]] = {}


def violation_type(requirement: str) -> type[RequirementViolated]:
    """The exception class of one requirement (Hypothesis tells bugs apart by type)."""
    cls = _VIOLATION_TYPES.get(requirement)
    if cls is None:
        name = "Violated_" + requirement.replace("-", "_")
        cls = _VIOLATION_TYPES[requirement] = type(name, (RequirementViolated,), {})
    return cls


@dataclass(frozen=True)
class MachineSpec:
    """What one machine runs: a device, its fault permissions and the requirements checked.

    ``dropped`` lists the faults removed from the requirements' assumptions (recorded in the
    traces, so a replay checks the same requirements)."""

    device: Device
    permissions: PermissionSet
    requirements: tuple[Requirement, ...]
    dropped: tuple[str, ...] = ()

    def digest(self) -> str:
        """Stable across processes and campaigns: names the machine in the example database."""
        doc = {"device": self.device.document, "permissions": self.permissions.permissions,
               "requirements": [r.id for r in self.requirements], "dropped": self.dropped}
        text = json.dumps(doc, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


class _Context:
    """Everything a machine class shares across its runs, built once."""

    def __init__(self, spec: MachineSpec, observer: Observer) -> None:
        self.spec, self.observer = spec, observer
        self.device = with_faults(spec.device, spec.permissions.as_dict())
        self.model: PumpModel = build_model(self.device)
        self.rule_names = tuple(r.name for r in self.model.rules)
        self.ranged = tuple(sorted(self.device.ranged_keys().items()))  # (variable, dotted key)
        visible = frozenset(FIELD_NAMES) | frozenset(self.model.device_ranges)
        self.plans: dict[str, RulePlan] = {r.name: plan_rule(r, visible)
                                           for r in self.model.rules}
        self.enabled = {name: plan.enabled for name, plan in self.plans.items()}
        # the move that lets time pass (None if the model has none): see _Run.fire
        self.time_rule = next((r.name for r in self.model.rules if is_time_move(r)), None)
        self.margins = Margins.of(self.model, {r.id for r in spec.requirements})
        self._engines: dict[tuple[int, ...], tuple[Interpreter, Monitor]] = {}
        self._predicates: dict[str, StepPredicate] = {}

    def predicate(self, req: Requirement) -> StepPredicate:
        """The monitor's predicate of ``req`` as a function of the step (pre and post state
        environments, rule), compiled by :func:`compile_step` (cached)."""
        hit = self._predicates.get(req.id)
        if hit is None:
            assert req.predicate is not None
            hit = self._predicates[req.id] = compile_step(
                req.predicate, FIELD_NAMES, self.rule_names, req.kind == "invariant")
        return hit

    def engines(self, by_var: Mapping[str, int]) -> tuple[Interpreter, Monitor]:
        """Interpreter and monitor for one resolution of the device ranges (cached)."""
        key = tuple(by_var[v] for v, _ in self.ranged)
        hit = self._engines.get(key)
        if hit is None:
            if not self._engines:
                # the same interpreter code on terms compiled to one expression each
                # (about twice as fast); replays use the interpreter as built by default
                interp = Interpreter(self.model, by_var, compiler=compile_fast)
                monitor = Monitor(self.spec.requirements, self.rule_names, interp.resolved)
            else:  # the compiled terms read device values from the environment: share them
                for var, (lo, hi) in self.model.device_ranges.items():
                    if not lo <= by_var[var] <= hi:
                        raise ValueError(f"{var}={by_var[var]} is outside [{lo}, {hi}]")
                first_interp, first_monitor = next(iter(self._engines.values()))
                interp, monitor = copy.copy(first_interp), copy.copy(first_monitor)
                interp.resolved = {k: int(by_var[k]) for k in sorted(self.model.device_ranges)}
                monitor.resolved = dict(interp.resolved)
            hit = self._engines[key] = (interp, monitor)
        return hit

    def generator(self) -> dict[str, Any]:
        return {"tool": "pumpsafe fuzz", "version": __version__,
                "hypothesis": hypothesis.__version__,
                "assumptions_dropped": list(self.spec.dropped)}


class _Run:
    """One test case: the state, the steps taken and the margins seen so far."""

    def __init__(self, ctx: _Context, resolved: Mapping[str, int], stats: Stats) -> None:
        self.ctx, self.resolved, self.stats = ctx, dict(resolved), stats
        self.interp, self.monitor = ctx.engines({v: resolved[k] for v, k in ctx.ranged})
        self.initial = self.state = self.interp.initial_state()
        self.env = self.monitor.state_env(self.state)
        self._may_fire: dict[str, bool] = {}
        # the monitor's checks that apply under this run's (frozen) permissions (the same
        # terms compiled by compile_step, once per machine class)
        self.checks = tuple((c.req.id, ctx.predicate(c.req)) for c in self.monitor.checks
                            if Monitor.applies(c.req, self.state))
        self.steps: list[Step] = []
        self.pins: dict[int, int] = {}  # parameter (span label) -> its pin
        self.then_time: bool | None = None  # see _then_time
        self.repeats: int | None = None  # see _repeats
        self.margins = MarginTracker(ctx.margins)
        stats.examples += 1
        self.margins.observe(self.env, None, self.state)
        self._raise_if(self.monitor.violated_in_state(self.state))

    def may_fire(self, rule_name: str) -> bool:
        # Hypothesis may ask a rule's precondition more than once per step: once per state
        hit = self._may_fire.get(rule_name)
        if hit is None:
            hit = self._may_fire[rule_name] = bool(self.ctx.enabled[rule_name](self.env))
        return hit

    def fire(self, rule_name: str, data: ConjectureData) -> None:
        """Take a step of ``rule_name`` (skipped when no drawn parameters pass), as many times
        as the test case repeats moves (:meth:`_repeats`); in a test case that drew it
        (:meth:`_then_time`), any other move that was taken is followed by a step of the time
        move."""
        time_rule = self.ctx.time_rule
        for _ in range(self._repeats(data)):
            took = self._fire(rule_name, data)
            if (took and time_rule is not None and rule_name != time_rule
                    and self._then_time(data) and self.may_fire(time_rule)):
                self._fire(time_rule, data)
            if not took or not self.may_fire(rule_name):
                break

    def _repeats(self, data: ConjectureData) -> int:
        """How many times this test case takes each move in one rule call (drawn once, at its
        first rule call; shrinks to once): a hazard that builds up (a day's boluses past the
        daily maximum, a battery drained to its end) needs one move many times in a row, more
        often than 50 rule calls chosen among ten rules give. A repeat stops early when the
        move is skipped or no longer enabled. Measured on single permission sets (2 000-3 000
        test cases, docs/fuzzing.md): failures per second x3.2 on the no-daily-limiter config
        and x3.3 on d06, /2.6 on i09 (a one-step failure, whose test cases get longer)."""
        if self.repeats is None:
            self.repeats = REPEATS[data.draw_integer(0, len(REPEATS) - 1)]
        return self.repeats

    def _then_time(self, data: ConjectureData) -> bool:
        """Whether this test case lets time pass after every other move (drawn once, at its
        first such move; shrinks to no). A clinician's operation (a program, a refill) or a
        fault takes effect as time passes; left to Hypothesis' choice of rule, the next time
        step is often several moves away, and one of them (another program, a one-shot bolus
        that forces a one-minute step, a memory error) has undone the state it needed."""
        if self.then_time is None:
            self.then_time = bool(data.draw_integer(0, THEN_TIME_ODDS) == THEN_TIME_ODDS)
        return self.then_time

    def _fire(self, rule_name: str, data: ConjectureData) -> bool:
        """One step; false when it was skipped."""
        # a draw that ends with no allowed value (a later parameter's interval is empty after
        # the earlier ones) is tried again: cheaper than a step Hypothesis counts and skips
        for _ in range(DRAW_ATTEMPTS):
            args = self._draw(rule_name, data)
            if args is not None:
                break
        # self.env is the interpreter's base_env of the state: a copy saves rebuilding it
        post = (None if args is None
                else self.interp.step_in(rule_name, self.state, dict(self.env), args))
        if args is None or post is None:
            self.stats.skipped[rule_name] += 1
            return False
        pre, pre_env, self.state = self.state, self.env, post
        self.steps.append(Step(rule_name, args, post))
        self.env = {**post.__dict__, **self.interp.resolved}  # Monitor.state_env, faster
        self._may_fire = {}
        self.stats.count_step(rule_name, pre, post)
        self.margins.observe(self.env, pre, post)
        self._raise_if(self._violated(pre_env, rule_name))
        return True

    def _violated(self, pre_env: dict[str, Value], rule_name: str) -> list[str]:
        """What :meth:`Monitor.violated_in_step` returns for the step just taken (the same
        predicates, in the same order), on the state environments the run already has."""
        post_env = self.env
        return [ident for ident, predicate in self.checks
                if not predicate(pre_env, post_env, rule_name)]

    def _draw(self, rule_name: str, data: ConjectureData) -> dict[str, Value] | None:
        """Every parameter in declaration order, or None when no value passes the guard
        conjuncts decidable so far."""
        plan = self.ctx.plans[rule_name]
        env = dict(self.env)
        if not plan.before.passes(env):
            return None
        args: dict[str, Value] = {}
        for p in plan.params:
            if not p.constrained() and (p.domain is not None or p.const_range is not None):
                # nothing to check, a constant range
                if p.domain is not None:
                    v = draw_choice(data, p.domain, p.label, self._pin(p.label, data))
                else:
                    assert p.const_range is not None
                    lo, hi = p.const_range
                    if hi < lo:
                        return None
                    v = self._draw_int(p, lo, hi, env, data)
                env[p.name] = v
                p.stage.passes(env)  # its lets, for the stages after it
            else:
                drawn = self._draw_one(p, env, data)
                if drawn is None:
                    return None
                v = drawn
            args[p.name] = v
        return args

    def _pin(self, label: int, data: ConjectureData) -> int:
        """The pin of a parameter (by span label) in this test case, drawn at its first draw."""
        pin = self.pins.get(label)
        if pin is None:
            pin = self.pins[label] = draw_pin(data)
        return pin

    def _draw_one(self, p: ParamPlan, env: dict[str, Value],
                  data: ConjectureData) -> Value | None:
        """Draw ``p``; ``env`` gets its value and the lets of its stage."""
        p.prepare(env)
        allowed = p.allowed(env)
        if allowed is None:
            return None
        if p.domain is not None:
            v: Value = draw_choice(data, allowed, p.label, self._pin(p.label, data))
            env[p.name] = v
            p.lets(env)  # it passes (it is allowed): only its lets, for the stages after it
            return v
        lo, hi = allowed
        assert isinstance(lo, int) and isinstance(hi, int)
        for k in range(INT_TRIES):
            env[p.name] = v = (self._draw_int(p, lo, hi, env, data) if k == 0
                               else p.draw(data, lo, hi, env))
            if p.admits(env):
                return v
        return None

    def _draw_int(self, p: ParamPlan, lo: int, hi: int, env: dict[str, Value],
                  data: ConjectureData) -> int:
        """An int in ``[lo, hi]``: the end the test case pins it to, else
        :meth:`ParamPlan.draw`."""
        pin = self._pin(p.label, data)
        if pin == PIN_FIRST:
            return lo
        if pin == PIN_LAST:
            return hi
        return p.draw(data, lo, hi, env)

    def _raise_if(self, violated: list[str]) -> None:
        if violated:
            req = violated[0]
            error = violation_type(req)(req, len(self.steps), self.trace(req))
            self.ctx.observer.violation(error)
            raise error

    def trace(self, requirement: str | None = None) -> Trace:
        violation = None if requirement is None else {"requirement": requirement,
                                                      "step": len(self.steps)}
        return Trace(self.ctx.device, self.resolved, self.initial, tuple(self.steps),
                     self.ctx.generator(), violation)


class ModelMachine(RuleBasedStateMachine):
    """Base of the generated machines; :func:`build_machine` adds the model's rules."""

    contexts: ClassVar[tuple[_Context, ...]]
    stats: ClassVar[Stats]
    observer: ClassVar[Observer]

    def __init__(self) -> None:
        super().__init__()
        self.run: _Run | None = None

    @initialize(data=st.data())
    def implant(self, data: st.DataObject) -> None:
        """Pick the permission set of this test case (when the machine has several), resolve
        the device's ranged parameters, start from the implant state."""
        ctx = self.contexts[0]
        if len(self.contexts) > 1:
            ctx = data.draw(st.sampled_from(self.contexts), label="permission_set")
        resolved = {key: data.draw(int_strategy(*ctx.model.device_ranges[var]),
                                   label=key) for var, key in ctx.ranged}
        self.run = _Run(ctx, resolved, self.stats)

    def fire(self, rule_name: str, data: st.DataObject) -> None:
        self.observer.step()
        if self.run is not None:
            # the parameters are drawn as primitive choices (plans.draw_int): same choices as
            # through data.draw, a fraction of the cost
            self.run.fire(rule_name, data.conjecture_data)

    def teardown(self) -> None:
        if self.run is not None:
            self.run.margins.report()


def rule_order(model: PumpModel) -> tuple[str, ...]:
    """The model's rules, the one that updates the most state fields first (``infuse``).

    Hypothesis orders a machine's rules by their function names when they take the same
    arguments, and its generation and shrinking lean to the first one (the "simplest" choice);
    left to alphabetical order that is a parameterless rule (``clinician_review``), which then
    took 40-75 % of all steps. The rule that changes the most state is the better default."""
    ranked = sorted(model.rules, key=lambda r: (-len(r.updates), -len(r.params), r.name))
    return tuple(r.name for r in ranked)


def is_fault_move(rule: Rule) -> bool:
    """Whether ``rule`` is a fault (or a fault's end): it names its fault permission, or it
    is a move of the environment other than time passing (which updates ``t_min``). A
    clinician's operation that may go wrong under a permission (a refill into the pocket) is
    not: the operation itself is routine."""
    return rule.fault is not None or (rule.actor == "environment" and not is_time_move(rule))


def is_time_move(rule: Rule) -> bool:
    """Whether ``rule`` lets time pass (a move of the environment that updates ``t_min``)."""
    return rule.actor == "environment" and "t_min" in rule.updates


def _hypothesis_rule(plan: RulePlan, rank: int, copy_: int = 0) -> Callable[..., None]:
    """Every rule takes one ``data`` argument and draws its parameters in order (a range may
    read the state or earlier parameters); its function name carries its rank (and which
    copy it is, for a rule registered more than once)."""
    name = plan.name

    def step(self: ModelMachine, data_: st.DataObject) -> None:
        self.fire(name, data_)

    suffix = f"_{copy_}" if copy_ else ""
    step.__name__ = step.__qualname__ = f"r{rank:02d}_{name}{suffix}"
    step.__doc__ = f"The model rule {name!r}."
    def enabled(self: ModelMachine) -> bool:
        run = self.run
        return run is not None and run.may_fire(name)

    return precondition(enabled)(rule(data_=st.data())(step))


def specs_digest(specs: Sequence[MachineSpec]) -> str:
    """The database key of a machine running ``specs`` (one spec: its own digest)."""
    if len(specs) == 1:
        return specs[0].digest()
    return hashlib.sha256(" ".join(s.digest() for s in specs).encode()).hexdigest()


def build_machine(specs: MachineSpec | Sequence[MachineSpec], stats: Stats | None = None,
                  observer: Observer | None = None) -> type[ModelMachine]:
    """A machine class for one spec, or for several: then every test case first draws which
    spec (permission set) it runs, so that one Hypothesis run spreads its examples over all of
    them (and targets and the database see them all at once). Its runs count into ``stats``
    (a fresh one if None) and report to ``observer``.

    A move that needs no fault permission is registered :data:`ORDINARY_WEIGHT` times (see
    there). The class name carries :func:`specs_digest`, which Hypothesis uses (with the source) as
    the machine's key in the example database."""
    group = (specs,) if isinstance(specs, MachineSpec) else tuple(specs)
    if not group:
        raise ValueError("a machine needs at least one spec")
    obs = observer if observer is not None else Observer()
    contexts = tuple(_Context(spec, obs) for spec in group)
    ctx = contexts[0]
    namespace: dict[str, Any] = {"contexts": contexts, "observer": obs,
                                 "stats": stats if stats is not None else Stats()}
    for rank, rule_name in enumerate(rule_order(ctx.model)):
        if hasattr(ModelMachine, rule_name):
            raise ValueError(f"model rule {rule_name!r} clashes with a state-machine attribute")
        namespace[rule_name] = _hypothesis_rule(ctx.plans[rule_name], rank)
        if not is_fault_move(ctx.model.rule(rule_name)):
            for k in range(1, ORDINARY_WEIGHT):
                namespace[f"{rule_name}__{k}"] = _hypothesis_rule(ctx.plans[rule_name], rank, k)
    name = "PumpMachine_" + specs_digest(group)[:16]
    return type(name, (ModelMachine,), namespace)


def find_violation(machine: type[ModelMachine], settings: Settings) -> RequirementViolated | None:
    """Run the machine as a Hypothesis test; the shrunk violation it raises, or None."""
    try:
        run_state_machine_as_test(machine, settings=settings)
    except RequirementViolated as e:
        return e
    return None



def machine_specs(device: Device, requirements: tuple[Requirement, ...],
                  dropped: tuple[str, ...] = ()) -> tuple[MachineSpec, ...]:
    """One spec per distinct fault-permission set of ``requirements``
    (:func:`~pumpsafe.fuzzing.permsets.permission_sets`); each checks exactly the requirements
    whose own permissions these are, so a requirement is checked where ``verify`` proves it."""
    by_id = {r.id: r for r in requirements}
    return tuple(MachineSpec(device, ps, tuple(by_id[i] for i in ps.targets), dropped)
                 for ps in permission_sets(device, requirements))
