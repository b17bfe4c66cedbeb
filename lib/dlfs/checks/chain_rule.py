"""Checks for chapter 03_chain_rule: ``chain_deriv_2``, ``chain_deriv_3``, ``multiple_inputs_add_backward``.

Expected values are exact derivatives; a learner's answer built from numerical
slopes (``deriv`` with Δ = 0.001) is well inside the tolerance.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy import ndarray

from dlfs.checks.cases import CUBE, LEAKY_RELU, SIGMOID, SIN, SQUARE, TANH, Fn, away_from_kinks
from dlfs.checks.gradcheck import HINT_INNER_DERIVATIVE, CheckFailed, assert_close, call_learner

RTOL, ATOL = 1e-4, 1e-6  # room for slopes from `deriv` (Δ = 0.001); every classic mistake is far outside
HINT_OUTER_AT_X = (
    "you evaluated the outer derivative at x; evaluate it at the inner function's output "
    "(the value that entered the outer box), e.g. f2'(f1(x))."
)
HINT_ADDED = "you added the local derivatives; the chain rule multiplies them."
HINT_ORDER = "you applied the chain in the wrong order: chain[0] is applied first (innermost), chain[-1] last."

VISIBLE_PAIRS: tuple[tuple[Fn, Fn], ...] = ((SQUARE, SIGMOID), (SIGMOID, SQUARE), (SIN, CUBE))
HIDDEN_PAIRS: tuple[tuple[Fn, Fn], ...] = ((TANH, SQUARE), (LEAKY_RELU, SIGMOID), (CUBE, TANH))
VISIBLE_TRIPLES: tuple[tuple[Fn, Fn, Fn], ...] = ((SQUARE, SIGMOID, TANH), (SIN, SQUARE, SIGMOID))
HIDDEN_TRIPLES: tuple[tuple[Fn, Fn, Fn], ...] = ((LEAKY_RELU, SQUARE, SIGMOID), (SIGMOID, CUBE, SIN))
VISIBLE_SIGMAS: tuple[Fn, ...] = (SIGMOID, SQUARE)
HIDDEN_SIGMAS: tuple[Fn, ...] = (TANH, LEAKY_RELU, SIN)


def _inputs(rng: np.random.Generator, shape: tuple[int, ...], fns: tuple[Fn, ...]) -> ndarray:
    """Uniform inputs in [-2, 2] that stay away from the kinks of the first function."""
    while True:
        x = rng.uniform(-2.0, 2.0, size=shape)
        if away_from_kinks(x, fns[:1]):
            return x


def _names(fns: Sequence[Fn]) -> str:
    return "[" + ", ".join(f.name for f in fns) + "]"


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
            got = call_learner(chain_deriv_2, [f1.f, f2.f], x.copy(), name="chain_deriv_2")
            assert_close(
                got, f2.df(u) * f1.df(x), what=f"chain_deriv_2({_names((f1, f2))}, x) for x of shape {shape}",
                rtol=RTOL, atol=ATOL,
                mistakes={
                    HINT_OUTER_AT_X: f2.df(x) * f1.df(x),
                    HINT_INNER_DERIVATIVE: f2.df(u),
                    HINT_ADDED: f2.df(u) + f1.df(x),
                    HINT_ORDER: f1.df(f2.f(x)) * f2.df(x),
                    "this is the slope of the inner function alone: multiply by the outer derivative f2'(f1(x)).": f1.df(x),
                },
            )


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
            got = call_learner(chain_deriv_3, [f1.f, f2.f, f3.f], x.copy(), name="chain_deriv_3")
            assert_close(
                got, d3 * d2 * d1, what=f"chain_deriv_3({_names((f1, f2, f3))}, x) for x of shape {shape}",
                rtol=RTOL, atol=ATOL,
                mistakes={
                    HINT_OUTER_AT_X: f3.df(x) * f2.df(x) * d1,
                    "the outer derivatives must be evaluated at the values that entered their boxes: "
                    "f3' at f2(f1(x)) and f2' at f1(x), not both at f1(x).": f3.df(u) * d2 * d1,
                    "you left out f1'(x), the innermost local derivative: multiply all three.": d3 * d2,
                    "you left out f2'(f1(x)), the middle local derivative: multiply all three.": d3 * d1,
                    "you left out f3'(f2(f1(x))), the outermost local derivative: multiply all three.": d2 * d1,
                    HINT_ADDED: d3 + d2 + d1,
                },
            )


def check_multiple_inputs_add_backward(backward: Callable[..., object], seed: int = 0,
                                       sigmas: Sequence[Fn] = VISIBLE_SIGMAS,
                                       shapes: Sequence[tuple[int, ...]] = ((6,), (2, 3))) -> None:
    """``multiple_inputs_add_backward(x, y, σ)`` returns ``(ds/dx, ds/dy)`` for ``s = σ(x + y)``."""
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    for shape in shapes:
        for sigma in sigmas:
            while True:
                x, y = rng.uniform(-1.5, 1.5, size=shape), rng.uniform(-1.5, 1.5, size=shape)
                if away_from_kinks(x + y, (sigma,)):
                    break
            got = call_learner(backward, x.copy(), y.copy(), sigma.f, name="multiple_inputs_add_backward")
            if not isinstance(got, tuple | list) or len(got) != 2:
                raise CheckFailed(
                    f"multiple_inputs_add_backward(x, y, {sigma.name}) should return a pair (ds_dx, ds_dy); "
                    f"it returned {type(got).__name__}" + (f" of length {len(got)}" if isinstance(got, tuple | list) else "") + "."
                )
            a = x + y
            expected = sigma.df(a)
            for label, value in zip(("ds/dx", "ds/dy"), got):
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
