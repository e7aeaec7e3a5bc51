"""How the machine draws a rule's parameters, read off the rule's declared ranges and guard.

A parameter is a bool, one of a finite set of choices, or an int in ``[lo, hi]`` where ``lo``
and ``hi`` are terms (a range that reads the state, a let or an earlier parameter is asked of
:meth:`Interpreter.param_range` when drawn). Ints favour the ends of their range, where limits
bite, and shrink towards the low end; an int that a comparison in the rule's lets, guard or
updates reads (``left <= eri_lead`` after a battery drop) is also drawn, now and then, right at
a value where that comparison changes truth in the current state (:meth:`ParamPlan.switches`):
a narrow band in the middle of a wide range is never hit by chance. A choice favours its last
allowed value (the longest time step, which ends exactly at the next event since no step may
jump over one).

Drawing blind wastes most steps (a refill draws five parameters, and the guard of the reference
device refuses all but a few combinations), so each guard conjunct is checked as soon as every
parameter it reads (directly or through the rule's lets) has been drawn: a finite domain is
narrowed to the values that pass, an int is redrawn a few times. The conjuncts that read only
the state and the device become the rule's precondition. This is the guard's own terms,
evaluated early; the interpreter still takes the step and has the last word.
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from hypothesis import strategies as st
from hypothesis.internal.conjecture.data import ConjectureData

from pumpsafe.fuzzing.fastterms import compile_fast
from pumpsafe.model.rules import Rule, RuleParam
from pumpsafe.model.terms import Compiled, Term, Value, all_of, free_vars

INT_TRIES = 3  # draws of an int parameter before the step is given up
CACHE_SIZE = 100_000  # entries of one parameter's cache of allowed values (then cleared)
_MISS = object()
# what passes a parameter's checks: the admitted values of a finite domain, an int interval
Allowed = tuple[Value, ...] | tuple[int, int] | None
SMALL_WINDOWS = (15, 255)  # widths of the low-end windows ints are also drawn from
LAST_CHOICE_EXTRA = 2  # indices beyond a choice's values that mean its last value
# Swarm testing over values: a test case pins each parameter (a choice, a bool or an int), at its
# first draw, to its first or last allowed value (or leaves it free): pin index 0..PIN_FREE-1
# free, then first, then last (see :func:`draw_pin`)
PIN_FREE = 2
PIN_FIRST, PIN_LAST = PIN_FREE, PIN_FREE + 1


@dataclass(frozen=True)
class Stage:
    """What becomes decidable once a parameter is drawn: lets to compute, conjuncts to check.

    ``fixed_lets`` do not read the parameter: :meth:`prepare` computes them once before the
    candidate values are tried, :meth:`check` then computes only the ``lets`` that do."""

    lets: tuple[tuple[str, Compiled], ...]
    checks: tuple[Compiled, ...]
    fixed_lets: tuple[tuple[str, Compiled], ...] = ()
    lazy: bool = False  # may read undrawn parameters: a KeyError means undecided

    def passes(self, env: dict[str, Value]) -> bool:
        """Compute the lets into ``env``; true when every check holds (for a lazy stage:
        when no check is false yet)."""
        self.prepare(env)
        return self.check(env)

    def prepare(self, env: dict[str, Value]) -> None:
        for name, f in self.fixed_lets:
            if self.lazy:
                _lazy_let(env, name, f)
            else:
                env[name] = f(env)

    def lets_only(self, env: dict[str, Value]) -> None:
        """What :meth:`check` computes into ``env``, without the checks (known to pass)."""
        if not self.lazy:
            for name, f in self.lets:
                env[name] = f(env)
        else:
            for name, f in self.lets:
                _lazy_let(env, name, f)

    def check_one(self, env: dict[str, Value], index: int) -> bool:
        """:meth:`check` of the one check ``checks[index]`` (the lets are all computed)."""
        if not self.lazy:
            for name, f in self.lets:
                env[name] = f(env)
            return bool(self.checks[index](env))
        for name, f in self.lets:
            _lazy_let(env, name, f)
        try:
            return bool(self.checks[index](env))
        except KeyError:
            return True

    def check(self, env: dict[str, Value]) -> bool:
        if not self.lazy:
            for name, f in self.lets:
                env[name] = f(env)
            return all(c(env) for c in self.checks)
        # terms evaluate lazily (``when`` takes one branch, ``and``/``or`` stop early), so a
        # check may be decided before every variable it reads is drawn; one that touches an
        # undrawn variable (``KeyError``) is undecided and passes
        for name, f in self.lets:
            _lazy_let(env, name, f)
        for c in self.checks:
            try:
                if not c(env):
                    return False
            except KeyError:
                pass
        return True


def _lazy_let(env: dict[str, Value], name: str, f: Compiled) -> None:
    try:
        env[name] = f(env)
    except KeyError:
        env.pop(name, None)


@dataclass(frozen=True)
class ParamPlan:
    """One parameter: its finite domain (bools, choices), or its constant int range, or
    neither (a range to evaluate); and the stage it completes."""

    name: str
    domain: tuple[Value, ...] | None
    const_range: tuple[int, int] | None
    stage: Stage
    # later conjuncts that read this parameter, tried early (may be decided already)
    ahead: Stage = Stage((), ())
    # an int range that reads the state or earlier parameters: the lets it needs, its ends
    bounds: tuple[Stage, Compiled, Compiled] | None = None
    label: int = 0  # of the span its draws make
    # the variables (state fields, device values, earlier parameters) that the checks and the
    # range read, directly or through lets: what :meth:`allowed` depends on
    key_vars: tuple[str, ...] = ()
    # the comparisons of the rule that read this int parameter (a lazy stage): see switches
    pivots: Stage | None = None
    _allowed: dict[tuple[Value | None, ...], object] = field(
        default_factory=dict, compare=False, hash=False, repr=False)

    def allowed(self, env: dict[str, Value]) -> Allowed:
        """What the checks let through for the values in ``env`` (after :meth:`prepare`): the
        admitted values of a finite domain, or an interval ``(lo, hi)`` of an int found by
        :func:`feasible_interval` (the declared range when nothing is checked); None when no
        value passes. Cached on :attr:`key_vars`, statically all it depends on: a state seen
        again (a guard conjunct reads a few fields) costs a look-up, not ~10 evaluations."""
        key = tuple(map(env.get, self.key_vars))
        hit = self._allowed.get(key, _MISS)
        if hit is _MISS:
            hit = self._allowed_uncached(env)
            if len(self._allowed) >= CACHE_SIZE:
                self._allowed.clear()
            self._allowed[key] = hit
            env.pop(self.name, None)
        return hit  # type: ignore[return-value]

    def _allowed_uncached(self, env: dict[str, Value]) -> Allowed:
        if self.domain is not None:
            ok = tuple(v for v in self.domain if self.admits({**env, self.name: v}))
            return ok or None
        lo, hi = self.int_range(env)
        if hi < lo:
            return None
        if not self.constrained():
            return lo, hi

        def test(x: int) -> bool:
            env[self.name] = x
            return self.admits(env)

        found = feasible_interval(lo, hi, test)
        if found is None:
            found = self._narrowed(lo, hi, env, test)
        return found

    def _narrowed(self, lo: int, hi: int, env: dict[str, Value],
                  test: Callable[[int], bool]) -> tuple[int, int] | None:
        """The interval the checks allow, found one check at a time when no probe of
        :func:`feasible_interval` passed them all: each check alone (a linear bound, a band)
        allows a wide interval the probes find, and the next check is searched inside the
        interval left, where the probes are denser. A dose that passes the flow range and the
        titration step is often a few values of thousands (the old dose, a few percent up).
        None when some check has no passing probe or the ends fail the whole stage."""
        a, b = lo, hi
        for stage in (self.stage, self.ahead):
            for i in range(len(stage.checks)):
                def one(x: int, stage: Stage = stage, i: int = i) -> bool:
                    env[self.name] = x
                    return stage.check_one(env, i)

                found = feasible_interval(a, b, one)
                if found is None:
                    return None
                a, b = found
        return (a, b) if test(a) and test(b) else None

    def switches(self, env: dict[str, Value], lo: int, hi: int) -> tuple[int, ...]:
        """The values in ``[lo, hi]`` on either side of where a comparison of the rule that
        reads this parameter (:attr:`pivots`) changes truth, for the state and earlier
        parameters in ``env`` (after :meth:`prepare`; ``env`` is left unchanged). Found by
        bisection between the ends, so a comparison true (or false) at both ends gives none;
        one that reads an undrawn parameter on the way is skipped."""
        if self.pivots is None:
            return ()
        stage, e = self.pivots, dict(env)
        stage.prepare(e)
        found: set[int] = set()
        for check in stage.checks:
            def truth(x: int, check: Compiled = check) -> bool | None:
                e[self.name] = x
                try:
                    stage.lets_only(e)
                    return bool(check(e))
                except KeyError:
                    return None
            at_lo, at_hi = truth(lo), truth(hi)
            if at_lo is None or at_hi is None or at_lo == at_hi:
                continue
            good, bad = lo, hi
            while bad - good > 1:
                mid = (good + bad) // 2
                t = truth(mid)
                if t is None:
                    break
                good, bad = (mid, bad) if t == at_lo else (good, mid)
            else:
                found.update((good, bad))
        return tuple(sorted(found))

    def draw(self, data: ConjectureData, lo: int, hi: int, env: dict[str, Value]) -> int:
        """:func:`draw_int` with, when the rule compares this parameter, one more branch: a
        value from :meth:`switches` (a draw from the whole range when there is none)."""
        if self.pivots is None:
            return draw_int(data, lo, hi, self.label)
        return draw_int(data, lo, hi, self.label, lambda: self.switches(env, lo, hi))

    def int_range(self, env: dict[str, Value]) -> tuple[int, int]:
        """The declared range of an int parameter, evaluated in ``env`` (earlier parameters
        drawn): the same terms :meth:`Interpreter.param_range` evaluates."""
        if self.const_range is not None:
            return self.const_range
        assert self.bounds is not None
        lets, lo, hi = self.bounds
        lets.passes(env)
        return int(lo(env)), int(hi(env))

    def constrained(self) -> bool:
        return bool(self.stage.checks or self.ahead.checks)

    def prepare(self, env: dict[str, Value]) -> None:
        """Compute the lets that do not depend on this parameter (once per draw)."""
        self.stage.prepare(env)
        self.ahead.prepare(env)

    def admits(self, env: dict[str, Value]) -> bool:
        """The value in ``env`` passes this stage and no later conjunct refutes it yet
        (after :meth:`prepare`)."""
        return self.stage.check(env) and self.ahead.check(env)

    def lets(self, env: dict[str, Value]) -> None:
        """What :meth:`admits` computes into ``env`` for a value known to pass."""
        self.stage.lets_only(env)
        self.ahead.lets_only(env)


@dataclass(frozen=True)
class RulePlan:
    """A rule's parameter plans, the stage decidable before any parameter, and ``enabled``:
    the conjuncts that read only the state and the device (the precondition), compiled as one
    function (Hypothesis asks ~6 preconditions per step)."""

    name: str
    params: tuple[ParamPlan, ...]
    before: Stage
    enabled: Compiled


@functools.lru_cache(maxsize=4096)
def int_strategy(lo: int, hi: int) -> st.SearchStrategy[int]:
    """Ints in ``[lo, hi]`` (``lo <= hi``), shrinking towards ``lo``: the ends, then values
    near the low end (doses and volumes that pass a guard are often small beside their
    declared range), then anywhere."""
    if lo == hi:
        return st.just(lo)
    windows = [st.integers(lo, min(hi, lo + w)) for w in SMALL_WINDOWS if lo + w < hi]
    return st.one_of(st.just(lo), st.just(hi), *windows, st.integers(lo, hi))


@functools.lru_cache(maxsize=4096)
def _int_branches(lo: int, hi: int) -> tuple[tuple[int, int, dict[int, float] | None], ...]:
    """The branches of :func:`int_strategy` as ``(a, b, weights)``: what its ``one_of`` picks
    from, and the weights ``st.integers(a, b)`` gives its ends."""
    def weights(a: int, b: int) -> dict[int, float] | None:
        if b - a <= 127:
            return None
        return {a: 2 / 128, a + 1: 1 / 128, b - 1: 1 / 128, b: 2 / 128}

    spans = [(lo, lo), (hi, hi), *((lo, lo + w) for w in SMALL_WINDOWS if lo + w < hi),
             (lo, hi)]
    return tuple((a, b, weights(a, b)) for a, b in spans)


def span_label(name: str) -> int:
    """A span label for the draws of one parameter (Hypothesis' mutator copies values between
    spans with the same label)."""
    return zlib.crc32(f"pumpsafe.param:{name}".encode())


def draw_int(data: ConjectureData, lo: int, hi: int, label: int,
             extra: Callable[[], Sequence[int]] | None = None) -> int:
    """Draw from :func:`int_strategy` ``(lo, hi)`` with the primitive choices it makes (the
    branch index, then the integer) inside one span: the same choices without the strategy
    layers (a strategy draw through ``st.data()`` costs about four times as much, and a step
    draws several). ``extra``: one more branch, last, drawing from the values it returns
    (computed only when that branch is taken; the whole range when it returns none)."""
    if lo == hi:
        return lo
    branches = _int_branches(lo, hi)
    data.start_span(label)
    i = data.draw_integer(0, len(branches) - (extra is None))
    near = extra() if i == len(branches) and extra is not None else ()
    a, b, w = (0, len(near) - 1, None) if near else branches[min(i, len(branches) - 1)]
    v = a if a == b else data.draw_integer(a, b, weights=w)
    data.stop_span()
    return near[v] if near else v


def draw_pin(data: ConjectureData) -> int:
    """How one test case draws one parameter (swarm testing over values, drawn once per test
    case and parameter): free (:func:`draw_choice`, :func:`draw_int`), or always the first or
    always the last allowed value (of an int, the ends of the interval its checks allow). A
    free draw of an option a test case must avoid on every step (a bool that, once true,
    excuses the rest of the day) or must take on every step (the longest time step, several
    times in a row to reach an event hours away) rarely gets all of them right; a pinned one
    always does. Shrinks to free."""
    return int(data.draw_integer(0, PIN_LAST))


def draw_choice(data: ConjectureData, values: Sequence[Value], label: int,
                pin: int = 0) -> Value:
    """Draw like ``st.sampled_from(values)`` (one index choice, shrinking to the first), with
    :data:`LAST_CHOICE_EXTRA` more indices that also mean the last value when there are more
    than two (of a time step, the longest allowed: a uniform choice among short steps rarely
    sums to an event hundreds of minutes away). Extra indices, not ``weights``: a weighted
    draw costs a second choice (Hypothesis' sampler) on every step. ``pin``
    (:func:`draw_pin`): :data:`PIN_FIRST` or :data:`PIN_LAST` take that value, no choice."""
    n = len(values)
    if n == 1 or pin == PIN_FIRST:
        return values[0]
    if pin == PIN_LAST:
        return values[-1]
    data.start_span(label)
    top = n - 1 + (LAST_CHOICE_EXTRA if n > 2 else 0)
    v = values[min(data.draw_integer(0, top), n - 1)]
    data.stop_span()
    return v


def plan_rule(rule: Rule, visible: frozenset[str]) -> RulePlan:
    """The plan of ``rule``; ``visible`` names the state fields and device variables."""
    names = [p.name for p in rule.params]
    let_terms = dict(rule.lets)
    parts: tuple[Term, ...] = rule.guard.args if rule.guard.op == "and" else (rule.guard,)
    ready = {id(t): _ready_at(t, names, let_terms) for t in parts}
    state_terms = [t for t in parts if free_vars(t) <= visible]
    stages = [_stage(rule, [t for t in parts if ready[id(t)] == i and free_vars(t) - visible],
                     names[i] if i >= 0 else None)
              for i in range(-1, len(names))]
    ahead = []
    for i, p in enumerate(rule.params):
        undrawn = frozenset(names[i + 1:])
        memo: dict[int, bool] = {}
        later = [t for t in parts if ready[id(t)] > i and p.name in _reads(t, let_terms)[0]
                 and _decidable(t, undrawn, let_terms, memo)]
        ahead.append(_stage(rule, later, p.name, undrawn, memo))
    params = tuple(ParamPlan(p.name, _domain(p), _const_range(p), stages[i + 1], ahead[i],
                             _bounds(rule, p), span_label(f"{rule.name}.{p.name}"),
                             _key_vars(rule, p, parts, ready, i),
                             _pivots(rule, p, frozenset(names[i + 1:])))
                   for i, p in enumerate(rule.params))
    return RulePlan(rule.name, params, stages[0], compile_fast(all_of(*state_terms)))


def feasible_interval(lo: int, hi: int, test: Callable[[int], bool]) -> tuple[int, int] | None:
    """An interval ``[a, b]`` inside ``[lo, hi]`` where ``test`` holds at both ends and at every
    probe, or None when no probe passes.

    Probes ``lo``, ``hi`` and points at powers of two from either end, then moves each end of
    the first passing probe's run out to where ``ok`` flips, by bisection (exact when the set
    that passes is an interval, as linear guard conjuncts give). Drawing inside the interval,
    with its ends favoured, then puts most steps on values the guard accepts and many exactly
    on its boundaries, where limits bite."""
    seen: dict[int, bool] = {}

    def ok(v: int) -> bool:
        hit = seen.get(v)
        if hit is None:
            hit = seen[v] = test(v)
        return hit

    if ok(lo) and ok(hi):  # both ends pass: the whole range (convex)
        return lo, hi
    if ok(lo) or ok(hi):  # one end passes: bisect for the other end
        good, bad = (lo, hi) if ok(lo) else (hi, lo)
        while abs(bad - good) > 1:
            mid = (good + bad) // 2
            good, bad = (mid, bad) if ok(mid) else (good, mid)
        return (lo, good) if ok(lo) else (good, hi)
    probes = [lo, hi]
    k = 1
    while k < hi - lo:
        probes += (lo + k, hi - k)
        k *= 2
    probes.append((lo + hi) // 2)
    seed = next((v for v in probes if ok(v)), None)
    if seed is None:
        return None
    a = b = seed
    # grow each end: the furthest passing probe on that side bounds the bisection
    fail_hi = next((v for v in sorted(x for x in probes if x > b) if not ok(v)), None)
    if fail_hi is None:
        b = hi
    else:
        b = max([x for x in probes if b <= x < fail_hi] or [b])
        while fail_hi - b > 1:
            mid = (b + fail_hi) // 2
            b, fail_hi = (mid, fail_hi) if ok(mid) else (b, mid)
    fail_lo = next((v for v in sorted((x for x in probes if x < a), reverse=True)
                    if not ok(v)), None)
    if fail_lo is None:
        a = lo
    else:
        a = min([x for x in probes if fail_lo < x <= a] or [a])
        while a - fail_lo > 1:
            mid = (a + fail_lo + 1) // 2
            a, fail_lo = (mid, fail_lo) if ok(mid) else (a, mid)
    return a, b


def _reads(term: Term, lets: Mapping[str, Term]) -> tuple[set[str], list[str]]:
    """Variables a term reads through the lets, and the lets it needs."""
    seen: set[str] = set()
    todo = list(free_vars(term))
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            if name in lets:
                todo.extend(free_vars(lets[name]))
    return seen, [n for n in lets if n in seen]


def _key_vars(rule: Rule, p: RuleParam, parts: Sequence[Term], ready: Mapping[int, int],
              index: int) -> tuple[str, ...]:
    """Every variable other than ``p`` and the lets that the stage and the lookahead of
    parameter ``index`` and its range read (through the lets): a superset of what decides
    which values pass (an undrawn parameter reads as absent)."""
    lets = dict(rule.lets)
    terms = [t for t in parts if ready[id(t)] == index
             or (ready[id(t)] > index and p.name in _reads(t, lets)[0])]
    if p.lo is not None and p.hi is not None:
        terms += [p.lo, p.hi]
    reads: set[str] = set()
    for t in terms:
        reads |= _reads(t, lets)[0]
    return tuple(sorted(reads - set(lets) - {p.name}))


def _ready_at(term: Term, params: Sequence[str], lets: Mapping[str, Term]) -> int:
    """Index of the last parameter the term reads (-1: none)."""
    reads, _ = _reads(term, lets)
    return max((i for i, n in enumerate(params) if n in reads), default=-1)


def _stage(rule: Rule, checks: Sequence[Term], param: str | None,
           undrawn: frozenset[str] | None = None, memo: dict[int, bool] | None = None) -> Stage:
    """The stage of ``checks``; with ``undrawn`` a lazy stage (see :meth:`Stage.check`) that
    leaves out the lets no evaluation can compute yet."""
    lets = dict(rule.lets)
    needed: list[str] = []
    for t in checks:
        for n in _reads(t, lets)[1]:
            if n not in needed:
                needed.append(n)
    ordered = [n for n in lets if n in needed]
    if undrawn is not None:
        assert memo is not None
        ordered = [n for n in ordered if _decidable(lets[n], undrawn, lets, memo)]
    dependent = {n for n in ordered if param is not None and param in _reads(lets[n], lets)[0]}
    return Stage(tuple((n, compile_fast(lets[n])) for n in ordered if n in dependent),
                 tuple(compile_fast(t) for t in checks),
                 tuple((n, compile_fast(lets[n])) for n in ordered if n not in dependent),
                 undrawn is not None)


def _decidable(term: Term, undrawn: frozenset[str], lets: Mapping[str, Term],
               memo: dict[int, bool]) -> bool:
    """Whether some evaluation of ``term`` (compiled terms are lazy: ``when`` evaluates one
    branch, ``and``/``or`` start with their first argument) reads no ``undrawn`` variable."""
    hit = memo.get(id(term))
    if hit is not None:
        return hit
    op, args = term.op, term.args
    if op == "const":
        out = True
    elif op == "var":
        name = str(term.payload)
        out = name not in undrawn and (name not in lets
                                       or _decidable(lets[name], undrawn, lets, memo))
    elif op == "ite":
        c, t, e = (_decidable(a, undrawn, lets, memo) for a in args)
        out = c and (t or e)
    elif op in ("and", "or"):
        out = _decidable(args[0], undrawn, lets, memo)
    else:
        out = all(_decidable(a, undrawn, lets, memo) for a in args)
    memo[id(term)] = out
    return out


def _bounds(rule: Rule, p: RuleParam) -> tuple[Stage, Compiled, Compiled] | None:
    if p.sort == "bool" or p.choices or _const_range(p) is not None:
        return None
    assert p.lo is not None and p.hi is not None
    lets = dict(rule.lets[:p.after_lets])
    needed = set(_reads(p.lo, lets)[1]) | set(_reads(p.hi, lets)[1])
    ordered = tuple((n, compile_fast(t)) for n, t in rule.lets[:p.after_lets] if n in needed)
    return Stage(ordered, ()), compile_fast(p.lo), compile_fast(p.hi)


def comparisons(terms: Iterable[Term]) -> list[Term]:
    """The order comparisons (``< <= > >=``) inside ``terms``, each once, in first-seen order."""
    seen: set[int] = set()
    out: list[Term] = []
    todo = list(terms)[::-1]
    while todo:
        t = todo.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        if t.op in ("lt", "le", "gt", "ge"):
            out.append(t)
        todo.extend(reversed(t.args))
    return out


def _pivots(rule: Rule, p: RuleParam, undrawn: frozenset[str]) -> Stage | None:
    """A lazy stage whose checks are the comparisons of ``rule`` (in its lets, guard and
    updates) that read the int parameter ``p``, directly or through lets; None when there is
    none or ``p`` is not a free int."""
    if p.sort == "bool" or p.choices:
        return None
    lets = dict(rule.lets)
    terms = [t for _, t in rule.lets] + [rule.guard] + list(rule.updates.values())
    found = [c for c in comparisons(terms) if p.name in _reads(c, lets)[0]]
    if not found:
        return None
    return _stage(rule, found, p.name, undrawn, {})


def _domain(p: RuleParam) -> tuple[Value, ...] | None:
    if p.sort == "bool":
        return (False, True)
    return p.choices or None


def _const_range(p: RuleParam) -> tuple[int, int] | None:
    if p.sort == "bool" or p.choices:
        return None
    assert p.lo is not None and p.hi is not None
    if free_vars(p.lo) or free_vars(p.hi):
        return None
    return int(compile_fast(p.lo)({})), int(compile_fast(p.hi)({}))
