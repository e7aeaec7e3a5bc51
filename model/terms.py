"""The model's expression language: immutable terms with three interpreters.

A :class:`Term` is built by operator overloading (``+ - * // % < <= == !=``, ``&``, ``|``, ``~``)
and the helpers :func:`when`, :func:`all_of`, :func:`any_of`, :func:`min_of`, :func:`max_of`.
The same term is

* compiled to a Python closure by :func:`compile_term` (concrete interpreter: simulation,
  Hypothesis, replay),
* translated to Z3 by :func:`to_z3` (proofs), and
* printed by :func:`render` (reports).

Terms stay in linear integer arithmetic: a product needs a constant factor, and division or
modulo only by a positive constant (Python and SMT-LIB agree there: both floor). Using a term
where Python wants a bool (``if``, ``and``, ``or``, ``not``, ``in``, chained comparisons, ``min``)
raises :class:`~pumpsafe.model.errors.TermError` instead of silently giving a wrong answer.
"""

from __future__ import annotations

import contextlib
import contextvars
import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Literal, Union

import z3
from pumpsafe.model.errors import TermError, UnhashableTermError

Sort = Literal["int", "bool"]
Value = int | bool
Operand = Union["Term", int, bool]

_RULE_CONTEXT: contextvars.ContextVar[str] = contextvars.ContextVar("rule", default="<no rule>")


@contextlib.contextmanager
def building(rule_name: str) -> Iterator[None]:
    """Name the rule being built, so misuse errors can say where they happened."""
    token = _RULE_CONTEXT.set(rule_name)
    try:
        yield
    finally:
        _RULE_CONTEXT.reset(token)


_INT_OPS = {"add", "sub", "mul", "neg", "div", "mod", "min", "max"}
_CMP_OPS = {"lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "==", "ne": "!="}
_BOOL_OPS = {"and", "or", "not"}


class Term:
    """A node of the expression tree; build with operators and helpers, never directly."""

    __slots__ = ("args", "op", "payload", "sort")

    def __init__(self, op: str, sort: Sort, args: tuple[Term, ...] = (), payload: Any = None):
        self.op = op
        self.sort: Sort = sort
        self.args = args
        self.payload = payload

    # -- misuse guards ------------------------------------------------------------------------
    def __bool__(self) -> bool:
        raise TermError(
            f"rule {_RULE_CONTEXT.get()!r}: the model value `{render(self)}` was used as a Python "
            "bool (an `if`, `and`, `or`, `not`, `in`, `min()`/`max()` or a chained comparison). "
            "Write it with when(cond, a, b), all_of(...), any_of(...), ~cond, min_of/max_of "
            "so both the concrete interpreter and Z3 see it."
        )

    def __hash__(self) -> int:
        raise UnhashableTermError(
            f"rule {_RULE_CONTEXT.get()!r}: the model value `{render(self)}` cannot be hashed "
            "(`x in {...}` would silently be False); use any_of(x == a, x == b, ...)."
        )

    def __iter__(self) -> Iterator[Term]:
        raise TermError(f"rule {_RULE_CONTEXT.get()!r}: a model value is not iterable")

    # -- arithmetic ---------------------------------------------------------------------------
    def __add__(self, other: Operand) -> Term:
        return _arith("add", self, other)

    def __radd__(self, other: Operand) -> Term:
        return _arith("add", other, self)

    def __sub__(self, other: Operand) -> Term:
        return _arith("sub", self, other)

    def __rsub__(self, other: Operand) -> Term:
        return _arith("sub", other, self)

    def __neg__(self) -> Term:
        if self.op == "const" and self.sort == "int":
            return lit(-int(self.payload))
        return Term("neg", "int", (_need(self, "int"),))

    def __mul__(self, other: Operand) -> Term:
        return _mul(self, other)

    def __rmul__(self, other: Operand) -> Term:
        return _mul(other, self)

    def __floordiv__(self, other: Operand) -> Term:
        return _divmod("div", self, other)

    def __mod__(self, other: Operand) -> Term:
        return _divmod("mod", self, other)

    def __truediv__(self, other: Operand) -> Term:
        raise TermError(f"rule {_RULE_CONTEXT.get()!r}: use // (floor division by a positive "
                        "constant); the model has no fractions")

    # -- comparisons --------------------------------------------------------------------------
    def __lt__(self, other: Operand) -> Term:
        return _cmp("lt", self, other)

    def __le__(self, other: Operand) -> Term:
        return _cmp("le", self, other)

    def __gt__(self, other: Operand) -> Term:
        return _cmp("gt", self, other)

    def __ge__(self, other: Operand) -> Term:
        return _cmp("ge", self, other)

    def __eq__(self, other: object) -> Term:  # type: ignore[override]
        return _cmp("eq", self, _operand(other))

    def __ne__(self, other: object) -> Term:  # type: ignore[override]
        return _cmp("ne", self, _operand(other))

    # -- logic --------------------------------------------------------------------------------
    def __and__(self, other: Operand) -> Term:
        return all_of(self, other)

    def __rand__(self, other: Operand) -> Term:
        return all_of(other, self)

    def __or__(self, other: Operand) -> Term:
        return any_of(self, other)

    def __ror__(self, other: Operand) -> Term:
        return any_of(other, self)

    def __invert__(self) -> Term:
        return Term("not", "bool", (_need(self, "bool"),))

    def __repr__(self) -> str:
        return f"Term({render(self)})"


def lit(value: Value) -> Term:
    """A constant; ``bool`` gives a Boolean constant, ``int`` an integer one."""
    if isinstance(value, bool):
        return Term("const", "bool", payload=value)
    if isinstance(value, int):
        return Term("const", "int", payload=int(value))
    raise TermError(f"rule {_RULE_CONTEXT.get()!r}: {value!r} is not an int or bool constant")


def var(name: str, sort: Sort) -> Term:
    """A named variable (a state field, a rule parameter or a symbolic device parameter)."""
    return Term("var", sort, payload=name)


def _operand(value: object) -> Term:
    if isinstance(value, Term):
        return value
    if isinstance(value, bool | int):
        return lit(value)
    raise TermError(f"rule {_RULE_CONTEXT.get()!r}: {value!r} cannot be used in a model term "
                    "(only ints, bools and terms; no floats in the model)")


def _need(term: Operand, sort: Sort) -> Term:
    t = _operand(term)
    if t.sort != sort:
        raise TermError(f"rule {_RULE_CONTEXT.get()!r}: `{render(t)}` is {t.sort}, "
                        f"but {sort} is needed here")
    return t


def _arith(op: str, a: Operand, b: Operand) -> Term:
    ta, tb = _need(a, "int"), _need(b, "int")
    if _is_const(ta) and _is_const(tb):  # fold, so `1000 - acc` stays a constant factor
        x, y = int(ta.payload), int(tb.payload)
        return lit(x + y if op == "add" else x - y)
    return Term(op, "int", (ta, tb))


def _is_const(t: Term) -> bool:
    return t.op == "const"


def _mul(a: Operand, b: Operand) -> Term:
    ta, tb = _need(a, "int"), _need(b, "int")
    if _is_const(ta) and _is_const(tb):
        return lit(int(ta.payload) * int(tb.payload))
    if not (_is_const(ta) or _is_const(tb)):
        raise TermError(
            f"rule {_RULE_CONTEXT.get()!r}: `{render(ta)} * {render(tb)}` multiplies two model "
            "values (nonlinear, outside what Spacer proves well). Case-split one factor over its "
            "finite set with times_choice()/when(), or make one side a device constant."
        )
    return Term("mul", "int", (ta, tb))


def _divmod(op: str, a: Operand, b: Operand) -> Term:
    ta, tb = _need(a, "int"), _need(b, "int")
    if not (_is_const(tb) and int(tb.payload) > 0):
        sym = "//" if op == "div" else "%"
        raise TermError(f"rule {_RULE_CONTEXT.get()!r}: `{render(ta)} {sym} {render(tb)}`: "
                        "divide only by a positive constant (Python and SMT-LIB disagree on "
                        "negative division; a variable divisor is nonlinear)")
    if _is_const(ta):
        x, y = int(ta.payload), int(tb.payload)
        return lit(x // y if op == "div" else x % y)
    return Term(op, "int", (ta, tb))


def _cmp(op: str, a: Operand, b: Operand) -> Term:
    ta, tb = _operand(a), _operand(b)
    if ta.sort != tb.sort or (op not in ("eq", "ne") and ta.sort != "int"):
        raise TermError(f"rule {_RULE_CONTEXT.get()!r}: cannot compare `{render(ta)}` "
                        f"({ta.sort}) with `{render(tb)}` ({tb.sort}) using {_CMP_OPS[op]}")
    return Term(op, "bool", (ta, tb))


def all_of(*conds: Operand) -> Term:
    """Conjunction; ``all_of()`` is true."""
    if not conds:
        return lit(True)
    parts = tuple(_need(c, "bool") for c in conds)
    return parts[0] if len(parts) == 1 else Term("and", "bool", parts)


def any_of(*conds: Operand) -> Term:
    """Disjunction; ``any_of()`` is false."""
    if not conds:
        return lit(False)
    parts = tuple(_need(c, "bool") for c in conds)
    return parts[0] if len(parts) == 1 else Term("or", "bool", parts)


def implies(a: Operand, b: Operand) -> Term:
    """Material implication ``a → b``."""
    return any_of(~_need(a, "bool"), b)


def when(cond: Operand, then: Operand, otherwise: Operand) -> Term:
    """``then`` where ``cond`` holds, else ``otherwise`` (both of one sort)."""
    c, a, b = _need(cond, "bool"), _operand(then), _operand(otherwise)
    if a.sort != b.sort:
        raise TermError(f"rule {_RULE_CONTEXT.get()!r}: when() branches differ in sort: "
                        f"`{render(a)}` is {a.sort}, `{render(b)}` is {b.sort}")
    return Term("ite", a.sort, (c, a, b))


def min_of(*xs: Operand) -> Term:
    """The least of the integer arguments."""
    return Term("min", "int", tuple(_need(x, "int") for x in xs))


def max_of(*xs: Operand) -> Term:
    """The greatest of the integer arguments."""
    return Term("max", "int", tuple(_need(x, "int") for x in xs))


def ceil_div(x: Operand, d: int) -> Term:
    """``ceil(x / d)`` for a positive constant ``d`` (exact for every integer ``x``)."""
    return -((-_need(x, "int")) // d)


def one_of(x: Operand, choices: Sequence[int]) -> Term:
    """``x`` is one of the constant ``choices``."""
    return any_of(*(_need(x, "int") == c for c in choices))


def by_choice(selector: Operand, choices: Sequence[int], make: Callable[[int], Operand]) -> Term:
    """Case split: ``make(c)`` where ``selector == c``, for ``selector`` in a finite set.

    This is how a product of two model values stays linear: one factor ranges over a finite set
    (a concentration, a step length), so each case multiplies by a constant. The last choice is
    the fall-through, so callers must also constrain ``selector`` to ``choices``.
    """
    if not choices:
        raise TermError(f"rule {_RULE_CONTEXT.get()!r}: by_choice() needs at least one choice")
    sel = _need(selector, "int")
    result = _operand(make(choices[-1]))
    for c in reversed(choices[:-1]):
        result = when(sel == c, make(c), result)
    return result


def times_choice(x: Operand, selector: Operand, choices: Sequence[int]) -> Term:
    """``x * selector`` where ``selector`` ranges over the constant ``choices`` (linear)."""
    return by_choice(selector, choices, lambda c: _need(x, "int") * c)


def free_vars(term: Term) -> set[str]:
    """Names of the variables the term reads."""
    names: set[str] = set()
    stack = [term]
    while stack:
        t = stack.pop()
        if t.op == "var":
            names.add(str(t.payload))
        stack.extend(t.args)
    return names


# -- interpreter 1: concrete (compiled to closures once) ----------------------------------------
Env = Mapping[str, Value]
Compiled = Callable[[Env], Value]


def compile_term(term: Term) -> Compiled:
    """Compile a term to a closure over an environment of Python ints and bools.

    Shared sub-terms are compiled once (memo by node identity).
    """
    return _compile(term, {})


def _compile(term: Term, memo: dict[int, Compiled]) -> Compiled:
    hit = memo.get(id(term))
    if hit is None:
        hit = memo[id(term)] = _compile_node(term, memo)
    return hit


_PY_ARITH: dict[str, Callable[[int, int], int]] = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul,
    "div": operator.floordiv, "mod": operator.mod}
_PY_CMP: dict[str, Callable[[Value, Value], bool]] = {
    "lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge,
    "eq": operator.eq, "ne": operator.ne}


def _compile_node(term: Term, memo: dict[int, Compiled]) -> Compiled:
    op, a = term.op, term.args
    if op == "const":
        value: Value = term.payload
        return lambda env: value
    if op == "var":
        name = str(term.payload)
        return lambda env: env[name]
    fs = [_compile(x, memo) for x in a]
    if op in ("add", "sub", "mul", "div", "mod"):
        f, g = fs
        py = _PY_ARITH[op]
        return lambda env: py(int(f(env)), int(g(env)))
    if op == "neg":
        (f,) = fs
        return lambda env: -int(f(env))
    if op in _CMP_OPS:
        f, g = fs
        pyc = _PY_CMP[op]
        return lambda env: bool(pyc(f(env), g(env)))
    if op == "and":
        return lambda env: all(f(env) for f in fs)
    if op == "or":
        return lambda env: any(f(env) for f in fs)
    if op == "not":
        (f,) = fs
        return lambda env: not f(env)
    if op == "ite":
        c, t, e = fs
        return lambda env: t(env) if c(env) else e(env)
    if op == "min":
        return lambda env: min(int(f(env)) for f in fs)
    if op == "max":
        return lambda env: max(int(f(env)) for f in fs)
    raise TermError(f"unknown term operator {op!r}")


def evaluate(term: Term, env: Env) -> Value:
    """Evaluate a term once (compile with :func:`compile_term` for repeated use)."""
    return compile_term(term)(env)


# -- interpreter 2: Z3 --------------------------------------------------------------------------
def to_z3(term: Term, env: Mapping[str, Any]) -> Any:
    """Translate a term to a Z3 expression; ``env`` maps variable names to Z3 expressions."""
    memo: dict[int, Any] = {}
    order: list[Term] = []
    stack: list[tuple[Term, bool]] = [(term, False)]
    while stack:  # iterative post-order: rules nest deeply
        t, done = stack.pop()
        if id(t) in memo:
            continue
        if done:
            memo[id(t)] = _z3_node(t, [memo[id(x)] for x in t.args], env)
            order.append(t)
            continue
        stack.append((t, True))
        stack.extend((x, False) for x in t.args if id(x) not in memo)
    return memo[id(term)]


def _z3_node(t: Term, a: list[Any], env: Mapping[str, Any]) -> Any:
    op = t.op
    if op == "const":
        return z3.BoolVal(t.payload) if t.sort == "bool" else z3.IntVal(t.payload)
    if op == "var":
        try:
            return env[str(t.payload)]
        except KeyError:
            raise TermError(f"no Z3 symbol for variable {t.payload!r}") from None
    table: dict[str, Callable[[], Any]] = {
        "add": lambda: a[0] + a[1], "sub": lambda: a[0] - a[1], "mul": lambda: a[0] * a[1],
        # SMT-LIB div/mod by a positive constant are floor division and a non-negative
        # remainder, exactly Python's // and %.
        "div": lambda: a[0] / a[1], "mod": lambda: a[0] % a[1], "neg": lambda: -a[0],
        "lt": lambda: a[0] < a[1], "le": lambda: a[0] <= a[1], "gt": lambda: a[0] > a[1],
        "ge": lambda: a[0] >= a[1], "eq": lambda: a[0] == a[1], "ne": lambda: a[0] != a[1],
        "and": lambda: z3.And(*a), "or": lambda: z3.Or(*a), "not": lambda: z3.Not(a[0]),
        "ite": lambda: z3.If(a[0], a[1], a[2]),
        "min": lambda: _fold(a, lambda x, y: z3.If(x <= y, x, y)),
        "max": lambda: _fold(a, lambda x, y: z3.If(x >= y, x, y)),
    }
    return table[op]()


def _fold(xs: list[Any], f: Callable[[Any, Any], Any]) -> Any:
    acc = xs[0]
    for x in xs[1:]:
        acc = f(acc, x)
    return acc


# -- interpreter 3: text ------------------------------------------------------------------------
_INFIX = {"add": "+", "sub": "-", "mul": "*", "div": "//", "mod": "%", **_CMP_OPS}


def render(term: Term) -> str:
    """Readable text of a term, as a reviewer would read it in a report."""
    op, a = term.op, term.args
    if op == "const":
        return str(term.payload).lower() if term.sort == "bool" else str(term.payload)
    if op == "var":
        return str(term.payload)
    if op in _INFIX:
        return f"{_paren(a[0])} {_INFIX[op]} {_paren(a[1])}"
    if op == "neg":
        return f"-{_paren(a[0])}"
    if op == "not":
        return f"not {_paren(a[0])}"
    if op in ("and", "or"):
        return f" {op} ".join(_paren(x) for x in a)
    if op == "ite":
        return f"({render(a[1])} if {render(a[0])} else {render(a[2])})"
    return f"{op}({', '.join(render(x) for x in a)})"


def _paren(t: Term) -> str:
    text = render(t)
    return text if t.op in ("const", "var", "min", "max", "ite") else f"({text})"
