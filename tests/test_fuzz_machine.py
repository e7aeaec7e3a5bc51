"""The generated Hypothesis machine: the reference device passes every requirement, each unsafe
device fails the requirement its defect breaks, and the shrunk failure replays."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import hypothesis
import pytest
from conftest import DEVICES, all_faults_device
from hypothesis import settings
from pumpsafe.model.device import load_device
from pumpsafe.model.rules import build_model
from pumpsafe.model.state import FIELD_NAMES
from pumpsafe.model.trace import trace_from_json, trace_to_json
from pumpsafe.proofs.requirements import catalogue
from pumpsafe.proofs.verify import Options, verify

from pumpsafe.fuzzing import machine as machine_module
from pumpsafe.fuzzing.campaign import CampaignConfig
from pumpsafe.fuzzing.machine import build_machine, find_violation, machine_specs
from pumpsafe.fuzzing.permsets import checkable, drop_assumptions, permission_sets, select
from pumpsafe.fuzzing.plans import ParamPlan, feasible_interval, plan_rule
from pumpsafe.fuzzing.replaying import check_violation
from pumpsafe.fuzzing.stats import Stats

REFERENCE_SPECS = machine_specs(load_device(), checkable(catalogue(load_device())))

# Unsafe device -> the requirements its defect may fail. A requirement that assumes a fault
# absent is never checked where the device permits that fault (Monitor.applies), so a pocket
# fill (I-05) fails SR-FL-05 (which must survive pocket fills) and SR-WD-03, not SR-FL-02.
UNSAFE = {
    "unsafe_i01_bolus_interval": ("SR-PG-04",),
    "unsafe_i02_no_cap_interlock": ("SR-OD-08",),
    "unsafe_i05_pocket_fill": ("SR-FL-05", "SR-WD-03"),
    "unsafe_i09_priming_volume": ("SR-OD-04",),
    "unsafe_i10_programmed_rate_alarm": ("SR-AL-04", "SR-AL-03", "SR-FL-06"),
    "unsafe_p06_wrong_concentration": ("SR-OD-03",),
    "unsafe_no_titration_limit": ("SR-PG-01", "SR-PG-02"),
    "unsafe_a07_no_decrease_confirmation": ("SR-WD-05",),
    # no reconciliation: neither the under- nor the over-delivery finding is ever raised
    "unsafe_p03_no_reconciliation": ("SR-CF-02", "SR-FL-05"),
    "unsafe_d06_short_eri_lead": ("SR-BE-01",),
    # eleven largest single boluses in a day: found since test cases repeat moves
    "unsafe_no_daily_limiter": ("SR-OD-02",),
}

# Unsafe devices the machine does not find reliably yet (verify refutes them; see
# docs/fuzzing.md): not in the must-fail run, and listed here so that the gap stays visible.
NOT_FOUND_RELIABLY: set[str] = set()


def _derandomized(max_examples: int) -> settings:
    """A run that depends on neither luck nor the local example database."""
    return settings(settings.default, derandomize=True, database=None,
                    max_examples=max_examples)


def test_every_unsafe_device_has_an_expectation() -> None:
    assert not set(UNSAFE) & NOT_FOUND_RELIABLY
    assert sorted([*UNSAFE, *NOT_FOUND_RELIABLY]) == sorted(
        p.stem for p in DEVICES.glob("unsafe_*.toml"))


@pytest.mark.parametrize("index", range(len(REFERENCE_SPECS)),
                         ids=[s.permissions.targets[0] for s in REFERENCE_SPECS])
def test_reference_device_passes(index: int) -> None:
    stats = Stats()
    error = find_violation(build_machine(REFERENCE_SPECS[index], stats), settings.default)
    assert error is None, trace_to_json(error.trace)
    assert stats.steps > 0


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(UNSAFE))
def test_unsafe_device_fails_its_requirement(name: str) -> None:
    device = load_device(DEVICES / f"{name}.toml")
    reqs = select(catalogue(device), UNSAFE[name])
    budget = _derandomized(1_000)
    found = []
    for spec in machine_specs(device, reqs):
        error = find_violation(build_machine(spec), budget)
        if error is not None:
            found.append(error)
    assert found, f"{name}: no failure of {UNSAFE[name]}"
    for error in found:
        assert error.requirement in UNSAFE[name]
        trace = trace_from_json(json.loads(trace_to_json(error.trace)), name)
        assert trace.violation == {"requirement": error.requirement, "step": error.step}
        assert check_violation(trace) is None
        # the proofs agree: what the fuzzer found failing on this device, verify refutes
        report = verify(device, Options(timeout_s=60, only=(error.requirement,), sanity=False))
        assert [v.verdict for v in report.verdicts] == ["violated"], error.requirement


def test_each_requirement_is_checked_under_its_own_permissions() -> None:
    device = load_device()
    reqs = checkable(catalogue(device))
    sets = permission_sets(device, reqs)
    assert sorted(i for s in sets for i in s.targets) == sorted(r.id for r in reqs)
    for s in sets:
        for ident in s.targets:
            req = next(r for r in reqs if r.id == ident)
            assert s.as_dict() == req.fault_permissions(device)


def test_dropping_an_assumption_keeps_the_device_permission() -> None:
    device = load_device(DEVICES / "unsafe_i05_pocket_fill.toml")
    reqs = drop_assumptions(select(catalogue(device), ["SR-FL-02"]), ["pocket_fill"])
    (spec,) = machine_specs(device, reqs, ("pocket_fill",))
    assert "pocket_fill" in spec.permissions.permitted()
    error = find_violation(build_machine(spec), _derandomized(300))
    assert error is not None and error.requirement == "SR-FL-02"
    assert check_violation(error.trace) is None


def test_guard_conjuncts_are_split_by_what_they_read() -> None:
    model = build_model(load_device())
    visible = frozenset(FIELD_NAMES) | frozenset(model.device_ranges)
    refill = plan_rule(model.rule("refill"), visible)
    stages = {p.name: len(p.stage.checks) for p in refill.params}
    assert stages["aspirate"] == 1 and stages["into_pocket"] == 1  # fault permissions
    # a precondition: a stall needs its permission and a turning motor
    stall = plan_rule(model.rule("motor_stall"), visible).enabled
    env = {f: 0 for f in FIELD_NAMES} | {"perm_motor_stall": True, "motor_stalled": False}
    assert stall(env) and not stall(env | {"motor_stalled": True})
    assert not stall(env | {"perm_motor_stall": False})
    assert plan_rule(model.rule("infuse"), visible).params[0].stage.checks  # dt vs events


def test_feasible_interval_finds_the_interval_a_guard_allows() -> None:
    assert feasible_interval(0, 4000, lambda v: 24 <= v <= 100) == (24, 100)
    assert feasible_interval(0, 4000, lambda v: v == 3999) == (3999, 3999)
    assert feasible_interval(0, 10, lambda v: True) == (0, 10)
    assert feasible_interval(5, 5, lambda v: v == 5) == (5, 5)
    assert feasible_interval(0, 4000, lambda v: False) is None
    for lo, hi in [(0, 1), (3, 17), (100, 1000), (0, 65535)]:
        for a in range(lo, hi + 1, max(1, (hi - lo) // 7)):
            for b in range(a, hi + 1, max(1, (hi - lo) // 5)):
                got = feasible_interval(lo, hi, lambda v, a=a, b=b: a <= v <= b)
                # exact whenever a probe lands inside; probes leave no gap wider than 1/4
                assert got == (a, b) or (got is None and 4 * (b - a + 1) < hi - lo)


def test_one_machine_spreads_its_test_cases_over_every_permission_set(
        monkeypatch: pytest.MonkeyPatch) -> None:
    seen: set[str] = set()
    real = machine_module._Run.__init__

    def spy(self: Any, ctx: Any, resolved: Any, stats: Stats) -> None:
        seen.add(ctx.spec.digest())
        real(self, ctx, resolved, stats)

    monkeypatch.setattr(machine_module._Run, "__init__", spy)
    # Hypothesis does not sample a st.sampled_from uniformly (it mutates earlier cases; about
    # 60 % of test cases get the first set), and which rarer set a run misses moves with any
    # change to the draws: with random seeds half the runs of 100 miss one, and a run of 300
    # (CampaignConfig.batch_examples) missed two in one CI run. Three seeded batches, every set
    # visited by at least one of them and at least three sets by each; a machine that always
    # ran one set (or only the first few) fails.
    every = {s.digest() for s in REFERENCE_SPECS}
    union: set[str] = set()
    for seed in (0, 1, 2):
        seen.clear()
        machine = build_machine(REFERENCE_SPECS)
        hypothesis.seed(seed)(machine)
        error = find_violation(machine, settings(
            settings.default, derandomize=False, database=None,
            max_examples=CampaignConfig.batch_examples))
        assert error is None
        assert len(seen) >= 3, seed
        union |= seen
    assert union == every


def test_step_checks_agree_with_the_monitor(monkeypatch: pytest.MonkeyPatch) -> None:
    device = all_faults_device()
    specs = machine_specs(device, checkable(catalogue(device)))
    compared = [0]
    real = machine_module._Run._violated

    def both(self: Any, pre_env: Any, rule_name: str) -> list[str]:
        fast = real(self, pre_env, rule_name)
        pre = self.steps[-2].state if len(self.steps) > 1 else self.initial
        assert fast == self.monitor.violated_in_step(pre, rule_name, self.state)
        compared[0] += 1
        return fast

    monkeypatch.setattr(machine_module._Run, "_violated", both)
    find_violation(build_machine(specs), _derandomized(40))
    assert compared[0] > 100


def test_engines_shared_across_device_ranges_match_fresh_ones() -> None:
    from pumpsafe.model.interpreter import Interpreter

    ctx = build_machine(REFERENCE_SPECS[0]).contexts[0]
    (var,) = ctx.model.device_ranges
    for value in (0, 77, 200, 5):
        interp, monitor = ctx.engines({var: value})
        fresh = Interpreter(ctx.model, {var: value})
        assert interp.resolved == fresh.resolved == monitor.resolved
        assert interp.initial_state() == fresh.initial_state()
    with pytest.raises(ValueError, match="outside"):
        ctx.engines({var: 201})


def _model_terms(model: Any) -> list[Any]:
    terms = []
    for r in model.rules:
        terms += [r.guard, *r.guard.args, *(t for _, t in r.lets), *r.updates.values()]
        terms += [t for p in r.params for t in (p.lo, p.hi) if t is not None]
    return terms


def test_fast_terms_agree_with_the_closures() -> None:
    """Same value and type, or the same exception (an absent variable: KeyError), as
    ``compile_term``, on every term of every rule; partial environments included."""
    import random

    from pumpsafe.model.terms import compile_term, free_vars

    from pumpsafe.fuzzing.fastterms import compile_fast

    def outcome(f: Any, env: dict[str, Any]) -> Any:
        try:
            v = f(env)
        except Exception as e:  # compared, not swallowed
            return type(e).__name__
        return type(v), v

    rng = random.Random(5)
    terms = _model_terms(build_model(all_faults_device()))
    assert len(terms) > 100
    for t in terms:
        slow, fast = compile_term(t), compile_fast(t)
        names = sorted(free_vars(t))
        for _ in range(200):
            env = {n: rng.choice((0, 1, 2, -3, 7, 60, 1440, 4000, True, False)) for n in names
                   if rng.random() < 0.9}
            assert outcome(slow, env) == outcome(fast, env), (t.op, env)


def test_step_predicates_read_what_the_monitor_merges() -> None:
    """compile_step on every checkable predicate equals compile_term on the environment
    Monitor.violated_in_step builds (pre, then next_ fields, then fired_ rules)."""
    import random

    from pumpsafe.model.terms import compile_term

    from pumpsafe.fuzzing.fastterms import compile_step

    device = all_faults_device()
    model = build_model(device)
    rules = tuple(r.name for r in model.rules)
    rng = random.Random(7)
    reqs = [r for r in checkable(catalogue(device)) if r.predicate is not None]
    assert any(r.kind == "step" for r in reqs) and any(r.kind == "invariant" for r in reqs)
    for req in reqs:
        assert req.predicate is not None
        slow = compile_term(req.predicate)
        fast = compile_step(req.predicate, FIELD_NAMES, rules, req.kind == "invariant")
        for _ in range(100):
            pre, post = ({n: rng.choice((0, 1, 3, 60, 1440, True, False)) for n in FIELD_NAMES}
                         for _ in range(2))
            for env in (pre, post):
                env["dev_catheter_catheter_volume_ul"] = rng.choice((0, 100))
            rule = rng.choice(rules)
            merged = dict(pre)
            merged.update({"next_" + n: post[n] for n in FIELD_NAMES})
            merged.update({"fired_" + r: r == rule for r in rules})
            want = slow(post if req.kind == "invariant" else merged)
            assert fast(pre, post, rule) == want, req.id


def test_draw_int_makes_the_choices_of_int_strategy() -> None:
    from hypothesis.internal.conjecture.data import ConjectureData

    from pumpsafe.fuzzing.plans import draw_int, int_strategy

    for lo, hi in [(0, 4000), (3, 10), (24, 100), (0, 200)]:
        branches = len(int_strategy(lo, hi).original_strategies)  # type: ignore[attr-defined]
        for branch in range(branches):
            for value in {lo, hi, (lo + hi) // 2, min(hi, lo + 15)}:
                choices = (branch, value)
                via_strategy = ConjectureData.for_choices(choices).draw(int_strategy(lo, hi))
                direct = draw_int(ConjectureData.for_choices(choices), lo, hi, 1)
                assert direct == via_strategy


def test_cached_allowed_values_equal_a_fresh_search(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cache of what passes a parameter's checks is keyed on every variable they read."""

    compared = [0]
    real = ParamPlan.allowed

    def both(self: ParamPlan, env: dict[str, Any]) -> Any:
        got = real(self, env)
        assert got == self._allowed_uncached(dict(env)), (self.name, env)
        compared[0] += 1
        return got

    monkeypatch.setattr(ParamPlan, "allowed", both)
    find_violation(build_machine(REFERENCE_SPECS), _derandomized(60))
    assert compared[0] > 500


def test_an_int_is_drawn_whenever_some_value_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    """No draw of an int gives up while a value of its range passes its checks (the linear
    conjuncts of the model allow an interval; a narrow one is found a check at a time)."""
    real = ParamPlan._allowed_uncached
    compared = [0]

    def exhaustive(self: ParamPlan, env: dict[str, Any]) -> Any:
        got = real(self, env)
        if self.domain is None and compared[0] < 400:
            base = dict(env)
            lo, hi = self.int_range(dict(base))
            if hi - lo <= 5000:
                passing = [x for x in range(lo, hi + 1) if self.admits({**base, self.name: x})]
                assert (got is None) == (not passing), (self.name, got, passing[:5])
                if got is not None:
                    assert got[0] in passing and got[1] in passing
                compared[0] += 1
        return got

    monkeypatch.setattr(ParamPlan, "_allowed_uncached", exhaustive)
    find_violation(build_machine(REFERENCE_SPECS), _derandomized(40))
    assert compared[0] > 100


def test_fast_interpreter_takes_the_steps_of_the_plain_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from pumpsafe.model.interpreter import Interpreter

    compared = [0]
    plain: dict[Any, Interpreter] = {}
    real = machine_module._Run._fire

    def both(self: Any, rule_name: str, data: Any) -> bool:
        pre = self.state
        n = len(self.steps)
        took = real(self, rule_name, data)
        assert took == (len(self.steps) > n)
        if took:
            key = tuple(sorted(self.resolved.items()))
            ref = plain.setdefault(key, Interpreter(self.ctx.model, self.interp.resolved))
            step = self.steps[-1]
            assert ref.step(rule_name, pre, step.params) == step.state
            # the state built without State.__init__ is the one __init__ builds
            built = dataclasses.replace(pre, **step.state.__dict__)
            assert list(step.state.__dict__.items()) == list(built.__dict__.items())
            assert type(step.state) is type(built) and hash(step.state) == hash(built)
            compared[0] += 1
        return took

    monkeypatch.setattr(machine_module._Run, "_fire", both)
    find_violation(build_machine(REFERENCE_SPECS), _derandomized(40))
    assert compared[0] > 300


def _battery_drop_plan() -> tuple[ParamPlan, dict[str, Any], int, int]:
    """The drop_min plan of battery_film_fault on the short-ERI device, the initial state's
    environment, its service minutes left and the device's ERI lead."""
    from pumpsafe.model.interpreter import Interpreter

    device = load_device(DEVICES / "unsafe_d06_short_eri_lead.toml")
    model = build_model(device)
    visible = frozenset(FIELD_NAMES) | frozenset(model.device_ranges)
    (drop, _reset) = plan_rule(model.rule("battery_film_fault"), visible).params
    interp = Interpreter(model, {v: lo for v, (lo, _hi) in model.device_ranges.items()})
    state = interp.initial_state()
    env = {**state.__dict__, **interp.resolved}
    return drop, env, state.battery_min_left, int(device.value("battery.eri_lead_min"))


def test_switches_are_where_a_comparison_of_the_rule_changes_truth() -> None:
    """``left <= eri_lead`` (the ERI alarm update) flips between a drop leaving the ERI lead and
    one leaving a minute more: the narrow band SR-BE-01 watches on a short-lead device, which
    draws from the whole range (0..2.6 M min) never hit."""
    drop, env, left, eri = _battery_drop_plan()
    assert drop.pivots is not None
    lo, hi = drop.int_range(dict(env))
    near = drop.switches(dict(env), lo, hi)
    assert left - eri in near and left - eri - 1 in near
    assert all(lo <= x <= hi for x in near)
    before = dict(env)
    drop.switches(env, lo, hi)
    assert env == before  # the caller's environment is left alone


def test_the_switch_branch_draws_a_switch_and_the_others_draw_like_draw_int() -> None:
    from hypothesis.internal.conjecture.data import ConjectureData

    from pumpsafe.fuzzing.plans import _int_branches, draw_int

    drop, env, _left, _eri = _battery_drop_plan()
    lo, hi = drop.int_range(dict(env))
    near = drop.switches(dict(env), lo, hi)
    n = len(_int_branches(lo, hi))
    for k, want in enumerate(near):
        assert drop.draw(ConjectureData.for_choices((n, k)), lo, hi, env) == want
    for branch in range(n):
        choices = (branch, (lo + hi) // 2)
        assert (drop.draw(ConjectureData.for_choices(choices), lo, hi, env)
                == draw_int(ConjectureData.for_choices(choices), lo, hi, 1))


def test_a_choice_favours_its_last_value() -> None:
    """The longest allowed time step (which ends at the next event) is drawn more often than
    the others; a choice of two (a bool) stays even."""
    import random

    from hypothesis.internal.conjecture.data import ConjectureData

    from pumpsafe.fuzzing.plans import LAST_CHOICE_EXTRA, draw_choice

    values = (1, 10, 60, 240, 1440)
    rng = random.Random(0)
    drawn = [draw_choice(ConjectureData(random=rng), values, 1) for _ in range(4000)]
    share = drawn.count(1440) / len(drawn)
    expected = (1 + LAST_CHOICE_EXTRA) / (len(values) + LAST_CHOICE_EXTRA)
    assert abs(share - expected) < 0.04 and drawn.count(1) / len(drawn) < 0.2
    bools = [draw_choice(ConjectureData(random=rng), (False, True), 1) for _ in range(2000)]
    assert abs(bools.count(True) / len(bools) - 0.5) < 0.05


def test_fault_moves_are_registered_once_and_other_moves_more_often() -> None:
    from pumpsafe.fuzzing.machine import ORDINARY_WEIGHT, is_fault_move

    model = build_model(all_faults_device())
    faulty = {r.name for r in model.rules if is_fault_move(r)}
    assert {"memory_error", "battery_film_fault", "catheter_fault", "motor_stall",
            "overinfusion_starts", "cap_injection"} <= faulty
    assert not faulty & {"infuse", "program", "refill", "bolus", "clinician_review"}
    machine = build_machine(machine_specs(all_faults_device(),
                                          checkable(catalogue(all_faults_device())))[0])
    names = [r.function.__name__ for r in machine.setup_state().rules]  # r03_refill_1
    for rule in model.rules:
        copies = sum(1 for n in names if n[4:].rstrip("_0123456789") == rule.name)
        assert copies == (1 if rule.name in faulty else ORDINARY_WEIGHT), (rule.name, names)


def test_a_pinned_choice_takes_its_first_or_last_value_and_a_free_one_draws() -> None:
    """Swarm testing over values: a test case pins a finite-domain parameter to its first or
    last allowed value (no choice drawn), or leaves it free (the choice of draw_choice); the
    pin itself is one choice that shrinks to free."""
    from hypothesis.internal.conjecture.data import ConjectureData

    from pumpsafe.fuzzing.plans import PIN_FIRST, PIN_FREE, PIN_LAST, draw_choice, draw_pin

    values = (1, 10, 60, 1440)
    for k in range(len(values) + 1):
        for pin in range(PIN_FREE):
            assert (draw_choice(ConjectureData.for_choices((k,)), values, 1, pin)
                    == draw_choice(ConjectureData.for_choices((k,)), values, 1))
    empty = ConjectureData.for_choices(())
    assert draw_choice(empty, values, 1, PIN_FIRST) == 1
    assert draw_choice(empty, values, 1, PIN_LAST) == 1440
    assert draw_choice(empty, (False, True), 1, PIN_LAST) is True
    assert [draw_pin(ConjectureData.for_choices((i,))) for i in range(PIN_LAST + 1)] == list(
        range(PIN_LAST + 1))
    assert draw_pin(ConjectureData.for_choices((0,))) < PIN_FREE  # the simplest pin is free


def test_each_test_case_keeps_one_pin_per_parameter(monkeypatch: pytest.MonkeyPatch) -> None:
    """Within a test case a pinned parameter takes the same end of its allowed values at
    every draw; over a run some test cases pin the time step to its longest allowed value."""
    from pumpsafe.fuzzing.plans import PIN_FIRST, PIN_LAST

    runs: list[Any] = []
    real = machine_module._Run.__init__

    def spy(self: Any, *args: Any) -> None:
        real(self, *args)
        runs.append(self)

    monkeypatch.setattr(machine_module._Run, "__init__", spy)
    find_violation(build_machine(REFERENCE_SPECS[0]), _derandomized(60))
    label = runs[0].ctx.plans["infuse"].params[0].label  # the time step's
    assert runs[0].ctx.plans["infuse"].params[0].name == "dt_min"
    longest = 0
    for run in runs:
        pin = run.pins.get(label)
        steps = [s for s in run.steps if s.rule == "infuse"]
        if pin == PIN_LAST and steps:
            longest += 1
        for pre, step in zip(run.steps, run.steps[1:], strict=False):
            if step.rule != "infuse" or pin not in (PIN_FIRST, PIN_LAST):
                continue
            dt = step.params["dt_min"]
            allowed = [c for c in (1, 10, 60, 1440, 43200)
                       if run.interp.step_in("infuse", pre.state, run.monitor.state_env(
                           pre.state), {"dt_min": c, "flow_ul": _any_flow(run, pre.state, c)})
                       is not None]
            if allowed:
                assert dt == (allowed[0] if pin == PIN_FIRST else allowed[-1]), (pin, dt, allowed)
    assert longest > 0


def _any_flow(run: Any, state: Any, dt: int) -> int:
    """Some flow the infuse step of ``dt`` minutes allows in ``state`` (0 when none)."""
    ranges = run.interp.param_range("infuse", state, {"dt_min": dt})
    lo, hi = ranges[-1][1]
    return lo if lo <= hi else 0


def test_then_time_and_repeats_shape_each_rule_call(monkeypatch: pytest.MonkeyPatch) -> None:
    """A rule call takes its move as many times as the test case repeats moves (fewer when the
    move is skipped or no longer enabled); in a test case that drew it, every move other than
    time passing is followed by a step of the time move (when enabled); in the other test
    cases no time step follows."""
    calls: list[tuple[bool | None, int | None, list[str], str]] = []
    real = machine_module._Run.fire

    def spy(self: Any, rule_name: str, data: Any) -> None:
        n = len(self.steps)
        try:
            real(self, rule_name, data)
        finally:
            calls.append((self.then_time, self.repeats, [s.rule for s in self.steps[n:]],
                          rule_name))

    monkeypatch.setattr(machine_module._Run, "fire", spy)
    find_violation(build_machine(REFERENCE_SPECS), _derandomized(60))
    followed = repeated = 0
    for then_time, repeats, taken, rule_name in calls:
        assert repeats in machine_module.REPEATS
        own = [r for r in taken if r == rule_name]
        assert taken[:1] in ([], [rule_name]) and len(own) <= repeats
        if rule_name != "infuse":
            assert set(taken) <= {rule_name, "infuse"}
            if then_time:
                followed += taken.count("infuse")
            else:
                assert "infuse" not in taken
        repeated += len(own) > 1
    assert followed > 50 and repeated > 20
    assert any(t is False and n == 1 and r != "infuse" and len(s) == 1
               for t, n, s, r in calls)


def test_sr_od_02_margins_ignore_a_window_with_a_logged_override() -> None:
    """SR-OD-02 holds in a day window with a logged override: its margins then read far, so
    the target phase does not favour runs that cannot violate it."""
    from pumpsafe.model.interpreter import Interpreter
    from pumpsafe.model.state import MODE_PERIODIC

    from pumpsafe.fuzzing.margins import Margins

    device = load_device()
    model = build_model(device)
    interp = Interpreter(model, {"dev_catheter_catheter_volume_ul": 0})
    state = dataclasses.replace(interp.initial_state(), mode=MODE_PERIODIC, bolus_dose_ug=2000,
                                bolus_ul=4000, next_bolus_in_min=60)
    margins = dict(Margins.of(model, {"SR-OD-02"}).compiled)
    labels = ("day_dose_after_periodic_bolus_ng", "min_to_overdosing_bolus")
    env = {**state.__dict__, **interp.resolved}
    assert [margins[k](env) for k in labels] == [1_145_000 - 2_000_000, 60]
    excused = {**env, "override_in_window": True}
    assert all(margins[k](excused) >= 10**9 for k in (*labels, "day_dose_vs_hard_max_ng"))


def test_a_pinned_int_takes_the_end_of_its_allowed_interval(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """An int parameter pinned in a test case is drawn at the low or high end of the interval
    its checks allow (a full refill, the largest bolus), a free one anywhere in it."""
    from pumpsafe.fuzzing.plans import PIN_FIRST, PIN_LAST

    seen: dict[int, list[bool]] = {PIN_FIRST: [], PIN_LAST: []}
    real = machine_module._Run._draw_int

    def spy(self: Any, p: Any, lo: int, hi: int, env: Any, data: Any) -> int:
        v = real(self, p, lo, hi, env, data)
        assert lo <= v <= hi
        pin = self.pins.get(p.label)
        if pin in seen and lo < hi:
            seen[pin].append(v == (lo if pin == PIN_FIRST else hi))
        return v

    monkeypatch.setattr(machine_module._Run, "_draw_int", spy)
    find_violation(build_machine(REFERENCE_SPECS), _derandomized(40))
    assert all(seen[PIN_FIRST]) and all(seen[PIN_LAST])
    assert len(seen[PIN_FIRST]) > 20 and len(seen[PIN_LAST]) > 20
