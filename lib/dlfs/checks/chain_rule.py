"""Checks for chapter 03_chain_rule: ``chain_deriv_2``, ``chain_deriv_3``, ``multiple_inputs_add_backward``,
``multiple_inputs_multiply_backward``.

Expected values are exact derivatives; a learner's answer built from numerical
slopes (``deriv`` with Δ = 0.001) is well inside the tolerance.

The chains include a steep box (``times_10000``) so that the exercise's idea is what passes:
local slopes, each taken at the value that entered its box, multiplied. Measuring the slope of
the whole composite directly (``deriv(lambda v: f2(f1(v)), x)``, no chain rule at all) turns the
step Δ = 0.001 into a step of 10 at the entrance of the next box, and is far off there.

A tiny step (Δ <= 1e-6) would make that number right again, so the checks also look at *how* the
answer was computed: the chain handed to the learner is made of traced boxes (:func:`box_1` ...),
which record what they were called with. The chain rule takes each box's own slope at the value that
entered it, so it calls every box after the first at least once away from the previous box's outputs
(``deriv(f2, u)`` calls ``f2(u ± Δ)``). Differentiating the whole composite only ever calls a box on
what the box before it returned. The trace lives where the learner's code runs (in class grading, the
sandboxed kernel), and is read there with :func:`dlfs.checks.gradcheck.beside`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy import ndarray

from dlfs.checks.cases import CUBE, LEAKY_RELU, SIGMOID, SIN, SQUARE, STEEP, TANH, Fn, away_from_kinks
from dlfs.checks.gradcheck import HINT_INNER_DERIVATIVE, CheckFailed, assert_close, beside, call_learner
from dlfs.derivatives import deriv

RTOL, ATOL = 1e-4, 1e-6  # room for slopes from `deriv` (Δ = 0.001); every classic mistake is far outside
HINT_OUTER_AT_X = (
    "you evaluated the outer derivative at x; evaluate it at the inner function's output "
    "(the value that entered the outer box), e.g. f2'(f1(x))."
)
HINT_ADDED = "you added the local derivatives; the chain rule multiplies them."
HINT_ORDER = "you applied the chain in the wrong order: chain[0] is applied first (innermost), chain[-1] last."
HINT_WHOLE_COMPOSITE = (
    "this is the slope of the whole composite measured directly (deriv of the chained function), not the chain "
    "rule. Take each box's local slope at the value that entered it and multiply them: with a steep box in the "
    "chain, a step Δ at x becomes a huge step inside the next box, so only local slopes stay accurate."
)
HINT_STEEP = (
    "this chain has a steep box (times_10000): did you measure the slope of the whole composite directly? "
    "Use the chain rule: each box's local slope at the value that entered it, multiplied."
)
HINT_SWAPPED = (
    "you swapped the local slopes of the product: nudge x and a = x·y moves by y times the nudge, "
    "so ∂a/∂x = y and ∂a/∂y = x."
)
HINT_LIKE_SUM = (
    "this is σ'(x·y) alone, as if the box were a sum; a product box multiplies the gradient by the other input: "
    "∂s/∂x = σ'(x·y)·y and ∂s/∂y = σ'(x·y)·x."
)
HINT_NO_SIGMA = "you left out σ'(x·y): the gradient flows through σ too, so multiply by its local slope at a = x·y."
HINT_SIGMA_AT_SUM = "you took σ' at x + y; the product box's output, the value that enters σ, is a = x·y."

VISIBLE_PAIRS: tuple[tuple[Fn, Fn], ...] = ((SQUARE, SIGMOID), (SIGMOID, SQUARE), (SIN, CUBE), (STEEP, SIN))
HIDDEN_PAIRS: tuple[tuple[Fn, Fn], ...] = ((TANH, SQUARE), (LEAKY_RELU, SIGMOID), (CUBE, TANH), (STEEP, SIN))
VISIBLE_TRIPLES: tuple[tuple[Fn, Fn, Fn], ...] = ((SQUARE, SIGMOID, TANH), (SIN, SQUARE, SIGMOID), (TANH, STEEP, SIN))
HIDDEN_TRIPLES: tuple[tuple[Fn, Fn, Fn], ...] = ((LEAKY_RELU, SQUARE, SIGMOID), (SIGMOID, CUBE, SIN), (SIN, STEEP, SIN))
VISIBLE_SIGMAS: tuple[Fn, ...] = (SIGMOID, SQUARE)
HIDDEN_SIGMAS: tuple[Fn, ...] = (TANH, LEAKY_RELU, SIN)


# ------------------------------------------------------------------ traced boxes

_BY_NAME = {fn.name: fn for fn in (CUBE, LEAKY_RELU, SIGMOID, SIN, SQUARE, STEEP, TANH)}
_TRACE: dict[str, list] = {"chain": [], "calls": []}  # the boxes' functions; per box, (input, output) of every call


def _start_trace(names: list[str]) -> None:
    """Make :func:`box_1` ... apply the functions called ``names`` (in order) and forget earlier calls."""
    _TRACE["chain"] = [_BY_NAME[n] for n in names]
    _TRACE["calls"] = [[] for _ in names]


def _run_box(i: int, x: ndarray) -> ndarray:
    y = _TRACE["chain"][i].f(x)
    _TRACE["calls"][i].append((np.array(x, dtype=float, copy=True), np.array(y, dtype=float, copy=True)))
    return y


def box_1(x: ndarray) -> ndarray:
    """The chain's first box (see :func:`_start_trace`); records each call."""
    return _run_box(0, x)


def box_2(x: ndarray) -> ndarray:
    """The chain's second box; records each call."""
    return _run_box(1, x)


def box_3(x: ndarray) -> ndarray:
    """The chain's third box; records each call."""
    return _run_box(2, x)


BOXES = (box_1, box_2, box_3)


def _only_on_outputs() -> list[int]:
    """The boxes (1-based) after the first that were called, but only ever on an output of the box before them."""
    calls = _TRACE["calls"]
    found = []
    for i in range(1, len(calls)):
        before = [y for _, y in calls[i - 1]]
        inputs = [x for x, _ in calls[i]]
        if inputs and all(any(x.shape == y.shape and np.array_equal(x, y) for y in before) for x in inputs):
            found.append(i + 1)
    return found


def _call_traced(learner: Callable[..., ndarray], fns: Sequence[Fn], x: ndarray, name: str) -> tuple[object, list[int]]:
    """The learner's result on the traced chain of ``fns``, and the boxes it never evaluated on their own."""
    __tracebackhide__ = True
    beside(learner, _start_trace, [fn.name for fn in fns])
    got = call_learner(learner, list(BOXES[:len(fns)]), x, name=name)
    return got, beside(learner, _only_on_outputs)


def _composite_only(boxes: list[int], fns: Sequence[Fn], what: str) -> None:
    """A :class:`CheckFailed` when some box was only ever evaluated on the previous box's outputs."""
    __tracebackhide__ = True
    if boxes:
        names = ", ".join(f"box {b} ({fns[b - 1].name})" for b in boxes)
        raise CheckFailed(
            f"{what}: the numbers are right, but {names} {'was' if len(boxes) == 1 else 'were'} only ever called on "
            "the previous box's outputs, "
            f"as when the whole composite is differentiated at once.\n  Hint: {HINT_WHOLE_COMPOSITE}"
        )


def _inputs(rng: np.random.Generator, shape: tuple[int, ...], fns: tuple[Fn, ...]) -> ndarray:
    """Uniform inputs in [-2, 2] that stay away from the kinks of the first function."""
    while True:
        x = rng.uniform(-2.0, 2.0, size=shape)
        if away_from_kinks(x, fns[:1]):
            return x


def _names(fns: Sequence[Fn]) -> str:
    return "[" + ", ".join(f.name for f in fns) + "]"


def _composite_slopes(fns: Sequence[Fn], x: ndarray) -> list[tuple[str, ndarray]]:
    """What measuring the whole composite directly gives, for the steps a learner might choose."""
    def composite(v: ndarray) -> ndarray:
        for fn in fns:
            v = fn.f(v)
        return v

    return [(HINT_WHOLE_COMPOSITE, deriv(composite, x, step)) for step in (1e-3, 1e-4, 1e-5, 1e-6)]


def check_chain_deriv_2(chain_deriv_2: Callable[..., ndarray], seed: int = 0,
                        pairs: Sequence[tuple[Fn, Fn]] = VISIBLE_PAIRS,
                        shapes: Sequence[tuple[int, ...]] = ((9,), (3, 4))) -> None:
    """``chain_deriv_2([f1, f2], x)`` equals ``f2'(f1(x)) * f1'(x)`` element-wise."""
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    for shape in shapes:
        for f1, f2 in pairs:
            x = _inputs(rng, shape, (f1,))
            u = f1.f(x)
            if not away_from_kinks(u, (f2,)):
                continue
            what = f"chain_deriv_2({_names((f1, f2))}, x) for x of shape {shape}"
            got, boxes = _call_traced(chain_deriv_2, (f1, f2), x, "chain_deriv_2")
            _compare(
                got, f2.df(u) * f1.df(x), (f1, f2), x, what=what,
                mistakes=[
                    (HINT_OUTER_AT_X, f2.df(x) * f1.df(x)),
                    (HINT_INNER_DERIVATIVE, f2.df(u)),
                    (HINT_ADDED, f2.df(u) + f1.df(x)),
                    (HINT_ORDER, f1.df(f2.f(x)) * f2.df(x)),
                    ("this is the slope of the inner function alone: multiply by the outer derivative f2'(f1(x)).", f1.df(x)),
                ],
            )
            _composite_only(boxes, (f1, f2), what)


def _compare(got: object, expected: ndarray, fns: Sequence[Fn], x: ndarray, what: str,
             mistakes: list[tuple[str, ndarray]]) -> None:
    """:func:`assert_close` with the chain's mistakes and the whole-composite slopes; on a steep chain a wrong
    answer without a more specific hint gets :data:`HINT_STEEP`."""
    __tracebackhide__ = True
    try:
        assert_close(got, expected, what=what, rtol=RTOL, atol=ATOL, mistakes=[*mistakes, *_composite_slopes(fns, x)])
    except CheckFailed as failed:
        message = str(failed)
        if STEEP not in fns or "Hint:" in message:
            raise
        raise CheckFailed(f"{message}\n  Hint: {HINT_STEEP}") from None


def check_chain_deriv_3(chain_deriv_3: Callable[..., ndarray], seed: int = 0,
                        triples: Sequence[tuple[Fn, Fn, Fn]] = VISIBLE_TRIPLES,
                        shapes: Sequence[tuple[int, ...]] = ((9,), (2, 5))) -> None:
    """``chain_deriv_3([f1, f2, f3], x)`` equals ``f3'(f2(f1(x))) * f2'(f1(x)) * f1'(x)``."""
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    for shape in shapes:
        for f1, f2, f3 in triples:
            x = _inputs(rng, shape, (f1,))
            u = f1.f(x)
            v = f2.f(u)
            if not (away_from_kinks(u, (f2,)) and away_from_kinks(v, (f3,))):
                continue
            d1, d2, d3 = f1.df(x), f2.df(u), f3.df(v)
            what = f"chain_deriv_3({_names((f1, f2, f3))}, x) for x of shape {shape}"
            got, boxes = _call_traced(chain_deriv_3, (f1, f2, f3), x, "chain_deriv_3")
            _compare(
                got, d3 * d2 * d1, (f1, f2, f3), x, what=what,
                mistakes=[
                    (HINT_OUTER_AT_X, f3.df(x) * f2.df(x) * d1),
                    ("the outer derivatives must be evaluated at the values that entered their boxes: "
                     "f3' at f2(f1(x)) and f2' at f1(x), not both at f1(x).", f3.df(u) * d2 * d1),
                    ("you left out f1'(x), the innermost local derivative: multiply all three.", d3 * d2),
                    ("you left out f2'(f1(x)), the middle local derivative: multiply all three.", d3 * d1),
                    ("you left out f3'(f2(f1(x))), the outermost local derivative: multiply all three.", d2 * d1),
                    (HINT_ADDED, d3 + d2 + d1),
                ],
            )
            _composite_only(boxes, (f1, f2, f3), what)


def _pair(got: object, name: str, call: str) -> tuple[object, object]:
    """The learner's result as ``(ds_dx, ds_dy)``, or :class:`CheckFailed` saying it is not a pair."""
    __tracebackhide__ = True
    if not isinstance(got, tuple | list) or len(got) != 2:
        raise CheckFailed(
            f"{name}({call}) should return a pair (ds_dx, ds_dy); "
            f"it returned {type(got).__name__}" + (f" of length {len(got)}" if isinstance(got, tuple | list) else "") + "."
        )
    return got[0], got[1]


def _two_inputs(rng: np.random.Generator, shape: tuple[int, ...], sigma: Fn, op: Callable[[ndarray, ndarray], ndarray],
                low: float = 0.2) -> tuple[ndarray, ndarray]:
    """``x``, ``y`` in [-1.5, 1.5] with ``op(x, y)`` away from σ's kinks, and |x|, |y| >= ``low`` and apart from each other."""
    while True:
        x, y = rng.uniform(-1.5, 1.5, size=shape), rng.uniform(-1.5, 1.5, size=shape)
        apart = low == 0.0 or (np.all(np.abs(x) >= low) and np.all(np.abs(y) >= low)
                               and np.all(np.abs(np.abs(x) - np.abs(y)) >= 0.1))
        if away_from_kinks(op(x, y), (sigma,)) and apart:
            return x, y


def check_multiple_inputs_add_backward(backward: Callable[..., object], seed: int = 0,
                                       sigmas: Sequence[Fn] = VISIBLE_SIGMAS,
                                       shapes: Sequence[tuple[int, ...]] = ((6,), (2, 3))) -> None:
    """``multiple_inputs_add_backward(x, y, σ)`` returns ``(ds/dx, ds/dy)`` for ``s = σ(x + y)``."""
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    for shape in shapes:
        for sigma in sigmas:
            x, y = _two_inputs(rng, shape, sigma, np.add, low=0.0)
            got = call_learner(backward, x, y, sigma.f, name="multiple_inputs_add_backward")
            pair = _pair(got, "multiple_inputs_add_backward", f"x, y, {sigma.name}")
            a = x + y
            expected = sigma.df(a)
            for label, value in zip(("ds/dx", "ds/dy"), pair):
                assert_close(
                    value, expected,
                    what=f"{label} from multiple_inputs_add_backward(x, y, {sigma.name}) for x, y of shape {shape}",
                    rtol=RTOL, atol=ATOL,
                    mistakes={
                        "this is σ(x + y) itself; the gradient needs its derivative σ'(x + y).": sigma.f(a),
                        "this is ∂(x + y)/∂x = 1 alone: multiply it by σ'(x + y), the outer derivative.": np.ones_like(a),
                        HINT_OUTER_AT_X.replace("at x;", "at x (or y) alone;"): sigma.df(x if label == "ds/dx" else y),
                    },
                )


def check_multiple_inputs_multiply_backward(backward: Callable[..., object], seed: int = 0,
                                            sigmas: Sequence[Fn] = VISIBLE_SIGMAS,
                                            shapes: Sequence[tuple[int, ...]] = ((6,), (2, 3))) -> None:
    """``multiple_inputs_multiply_backward(x, y, σ)`` returns ``(ds/dx, ds/dy) = (σ'(x·y)·y, σ'(x·y)·x)`` for ``s = σ(x·y)``.

    ``x`` and ``y`` differ in size everywhere (so swapping the two local slopes shows), and neither is
    near zero (so leaving one out shows).
    """
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    for shape in shapes:
        for sigma in sigmas:
            x, y = _two_inputs(rng, shape, sigma, np.multiply)
            got = call_learner(backward, x, y, sigma.f, name="multiple_inputs_multiply_backward")
            pair = _pair(got, "multiple_inputs_multiply_backward", f"x, y, {sigma.name}")
            a = x * y
            ds_da = sigma.df(a)
            for label, value, mine, other in (("ds/dx", pair[0], x, y), ("ds/dy", pair[1], y, x)):
                assert_close(
                    value, ds_da * other,
                    what=f"{label} from multiple_inputs_multiply_backward(x, y, {sigma.name}) for x, y of shape {shape}",
                    rtol=RTOL, atol=ATOL,
                    mistakes=[
                        (HINT_SWAPPED, ds_da * mine),
                        (HINT_LIKE_SUM, ds_da),
                        (HINT_NO_SIGMA, other),
                        ("you used σ(x·y), the function's value; the chain rule needs σ'(x·y), its slope.", sigma.f(a) * other),
                        (HINT_SIGMA_AT_SUM, sigma.df(x + y) * other),
                        ("you took σ' at one input alone; take it at a = x·y, the value that entered σ.", sigma.df(mine) * other),
                    ],
                )
