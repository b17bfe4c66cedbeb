"""Checks for chapter 07_momentum: the training tricks.

- :func:`check_sgd_momentum_update` -- one step of SGD with momentum, ``(new_param, new_velocity)``,
  followed over several steps for two parameter arrays of one shape at once (each step fed what the
  learner returned for that array the step before; one starts from a velocity that is not zero).
- :func:`check_adam_update` -- one step of Adam, ``(new_param, new_m, new_v)``, followed the same way.
- :func:`check_exponential_decay` -- the learning rate at every epoch, endpoints included.
- :func:`check_glorot_init` -- the shape, and the statistics of a large draw (mean, variance, kurtosis, each
  within a tolerance taken from the sampling distribution); the same seed gives the same weights.
- :func:`check_dropout` -- the class, by its behaviour: the share of units kept, the rescaling, backward as
  the gradient with the forward's mask held fixed, a new mask every training forward, the identity at
  inference, the seed.

Written for the class grader too: the learner's function or class may live in another
process, reached over a data-only channel. So a check only passes it arrays, numbers,
strings and ``np.random.Generator`` objects (which travel by state), reads everything
back from return values, and never relies on the learner changing an argument in place.
The learner always gets copies: changing them cannot change what they are compared with.
Results may be float64 or float32 arrays (float32 compared at float32's precision), never lists.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy import ndarray

from dlfs.checks.gradcheck import (
    FLOAT32_ATOL,
    FLOAT32_RTOL,
    CheckFailed,
    as_float_array,
    assert_close,
    call_learner,
    check_gradient,
)

Shape = tuple[int, ...]

# Results are compared to float64 round-off: a right answer written in another order passes.
RTOL, ATOL = 1e-7, 1e-12

# ---------------------------------------------------------------- sgd_momentum_update

#: (param shape, learning rate, momentum, steps per chain). Learning rate and momentum never
#: coincide with 1 - momentum, so every classic mistake gives other numbers. Each case runs two
#: parameter arrays of the same shape side by side, their steps interleaved: one starts from a
#: velocity that is not zero, the other from zeros (as training does).
VISIBLE_MOMENTUM_CASES: tuple[tuple[Shape, float, float, int], ...] = (
    ((3, 4), 0.05, 0.8, 4),
    ((1, 5), 0.2, 0.9, 3),
    ((6,), 0.3, 0.5, 3),
)
HIDDEN_MOMENTUM_CASES: tuple[tuple[Shape, float, float, int], ...] = (
    ((2, 7), 0.03, 0.7, 5),
    ((5, 1), 0.5, 0.95, 4),
    ((4, 3, 2), 0.1, 0.6, 3),
    ((3, 2), 0.25, 0.0, 3),  # momentum 0: plain SGD
)

HINT_PARAM_SIGN = (
    "you added the velocity to the parameter. The velocity v = μ·v + η·grad points uphill, like the "
    "gradient, so the step goes the other way: new_param = param − v."
)
HINT_VELOCITY_SIGN = (
    "your velocity has the opposite sign. You probably used v = μ·v − η·grad and param + v: that moves "
    "the parameter the same way, but this exercise (and dlfs.nn.optim.SGDMomentum) keeps v = μ·v + η·grad "
    "and steps param − v. Return that v."
)
HINT_TWO_MINUS = (
    "you subtracted the gradient inside the velocity (v = μ·v − η·grad) and then subtracted v again: "
    "two minus signs make a step uphill. Use v = μ·v + η·grad and new_param = param − v."
)
HINT_OLD_VELOCITY = (
    "you moved the parameter with the old velocity. Update the velocity first, v = μ·v + η·grad, "
    "then step with the new one: new_param = param − v."
)
HINT_LR_TWICE = (
    "you multiplied by the learning rate twice: η is already inside v = μ·v + η·grad, "
    "so the step is new_param = param − v, not param − η·v."
)
HINT_NO_LR_IN_VELOCITY = (
    "your velocity leaves out the learning rate (v = μ·v + grad, then param − η·v; PyTorch's convention). "
    "Here η goes inside the velocity: v = μ·v + η·grad, and new_param = param − v."
)
HINT_MOMENTUM_ON_GRADIENT = (
    "the momentum μ multiplies the old velocity only, not the new gradient: v = μ·v + η·grad "
    "(not μ·(v + η·grad), not v + μ·η·grad)."
)
HINT_AVERAGE_FORM = (
    "that is the 'moving average' form v = μ·v + (1 − μ)·grad with param − η·v. "
    "This exercise uses v = μ·v + η·grad and new_param = param − v."
)
HINT_NO_MOMENTUM = (
    "this is plain SGD: the old velocity is missing. The velocity remembers earlier steps: "
    "v = μ·v + η·grad, with the `velocity` you were given (here it was not zero)."
)
HINT_OWN_VELOCITY = (
    "your function used a velocity of its own, not the `velocity` argument: two parameter arrays of the same "
    "shape are being updated here, each with its own velocity, and this step was computed with the other one's. "
    "Keep no state between calls (no global or cached velocity): use the `velocity` you are given, and return the new one."
)
HINT_RETURNED_OLD_VELOCITY = (
    "you returned the velocity you were given; return the new one, v = μ·v + η·grad: "
    "the next step needs it."
)
HINT_SWAPPED = "you returned (new_velocity, new_param); the order is (new_param, new_velocity)."


def _momentum_step(param: ndarray, grad: ndarray, velocity: ndarray, lr: float, momentum: float) -> tuple[ndarray, ndarray]:
    """The reference step: ``v ← momentum·v + lr·grad``, ``param ← param − v``."""
    new_velocity = momentum * velocity + lr * grad
    return param - new_velocity, new_velocity


def _momentum_mistakes(p: ndarray, g: ndarray, v: ndarray, lr: float, mu: float,
                       others: Sequence[ndarray] = ()) -> list[tuple[str, ndarray, ndarray]]:
    """``(hint, new_param, new_velocity)`` that each classic mistake returns from this state.

    ``others``: velocities a function with a velocity of its own might have used instead of ``v``
    (what it returned for the other parameter array, and zeros).
    """
    p2, v2 = _momentum_step(p, g, v, lr, mu)
    avg_v = mu * v + (1 - mu) * g
    found = [
        (HINT_SWAPPED, v2, p2),
        (HINT_PARAM_SIGN, p + v2, v2),
        (HINT_VELOCITY_SIGN, p2, -v2),
        (HINT_VELOCITY_SIGN, p + (mu * v - lr * g), mu * v - lr * g),
        (HINT_TWO_MINUS, p - (mu * v - lr * g), mu * v - lr * g),
        (HINT_OLD_VELOCITY, p - v, v2),
        (HINT_LR_TWICE, p - lr * v2, v2),
        (HINT_NO_LR_IN_VELOCITY, p - lr * (mu * v + g), mu * v + g),
        (HINT_MOMENTUM_ON_GRADIENT, p - mu * (v + lr * g), mu * (v + lr * g)),
        (HINT_MOMENTUM_ON_GRADIENT, p - (v + mu * lr * g), v + mu * lr * g),
        (HINT_AVERAGE_FORM, p - lr * avg_v, avg_v),
        (HINT_NO_MOMENTUM, p - lr * g, lr * g),
        (HINT_RETURNED_OLD_VELOCITY, p2, v),
    ]
    for other in others:
        if other.shape == v.shape and not np.allclose(other, v):
            own_p, own_v = _momentum_step(p, g, other, lr, mu)
            found.append((HINT_OWN_VELOCITY if np.any(other) else HINT_NO_MOMENTUM, own_p, own_v))
    return found


def _tolerances(raw: Any) -> tuple[float, float]:
    """(rtol, atol) for a learner's result: float64 round-off, or float32's if it is float32 (the dtype policy)."""
    if getattr(raw, "dtype", None) == np.float32:
        return max(RTOL, FLOAT32_RTOL), max(ATOL, FLOAT32_ATOL)
    return RTOL, ATOL


def _close(a: ndarray, b: ndarray, raw: Any = None) -> bool:
    rtol, atol = _tolerances(raw)
    return a.shape == np.shape(b) and bool(np.allclose(a, b, rtol=rtol, atol=atol))


def _pair(got: Any, call: str, shape: Shape) -> tuple[tuple[ndarray, ndarray], tuple[Any, Any]]:
    """The learner's result as two float arrays (and the raw values, for their dtype), or a clear failure."""
    __tracebackhide__ = True
    if got is None:
        raise CheckFailed(f"{call} returned None: did you forget `return new_param, new_velocity`?")
    if isinstance(got, ndarray) or not isinstance(got, tuple | list) or len(got) != 2:
        shape_got = getattr(got, "shape", None)
        received = (f"one array of shape {tuple(shape_got)}" if shape_got is not None and len(shape_got) > 0
                    else f"{type(got).__name__}" + (f" with {len(got)} items" if isinstance(got, tuple | list) else ""))
        raise CheckFailed(f"{call} should return a pair (new_param, new_velocity); it returned {received}.")
    arrays = []
    for name, value in zip(("new_param", "new_velocity"), got):
        if value is None:
            raise CheckFailed(f"{call}: {name} is None; return the new array.")
        arrays.append(as_float_array(value, f"{name} from {call}", np.zeros(shape)))
    return (arrays[0], arrays[1]), (got[0], got[1])


def check_sgd_momentum_update(sgd_momentum_update: Callable[..., Any], seed: int = 0,
                              cases: Sequence[tuple[Shape, float, float, int]] = VISIBLE_MOMENTUM_CASES) -> None:
    """``sgd_momentum_update(param, grad, velocity, lr, momentum)`` returns ``(new_param, new_velocity)``
    with ``new_velocity = momentum·velocity + lr·grad`` and ``new_param = param − new_velocity``.

    Each case follows two parameter arrays of the same shape, "a" (starting from a velocity that
    is not zero) and "b" (starting from zeros, as training does), with their steps interleaved
    a, b, a, b, ... and random gradients. Every step gets back what the learner's function
    returned for that array the step before, and both results are compared with the exact update.
    A function that ignores the ``velocity`` argument, or keeps a velocity of its own, fails.
    """
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    for shape, lr, mu, steps in cases:
        state = {"a": (rng.normal(size=shape), rng.normal(size=shape) * 0.5),
                 "b": (rng.normal(size=shape), np.zeros(shape))}
        returned: list[ndarray] = []  # every velocity the learner returned in this case
        for step in range(1, steps + 1):
            for chain in ("a", "b"):
                param, velocity = state[chain]
                grad = rng.normal(size=shape)
                start = ("the given starting velocity (not zero)" if chain == "a" else "velocity = zeros") if step == 1 \
                    else "the velocity your function returned for it the step before"
                call = (f"sgd_momentum_update(param, grad, velocity, lr={lr:g}, momentum={mu:g}) for parameter array "
                        f"\"{chain}\" of shape {shape}, step {step} of {steps} ({start})")
                got = call_learner(sgd_momentum_update, param.copy(), grad.copy(), velocity.copy(), lr, mu,
                                   name="sgd_momentum_update")
                (got_p, got_v), (raw_p, raw_v) = _pair(got, call, shape)
                want_p, want_v = _momentum_step(param, grad, velocity, lr, mu)
                if not (_close(got_p, want_p, raw_p) and _close(got_v, want_v, raw_v)):
                    others = [*returned[-2:], np.zeros(shape)]
                    for hint, cand_p, cand_v in _momentum_mistakes(param, grad, velocity, lr, mu, others):
                        if _close(cand_p, want_p) and _close(cand_v, want_v):
                            continue  # this mistake gives the right answer from this state
                        if _close(got_p, cand_p, raw_p) and _close(got_v, cand_v, raw_v):
                            which, raw_x, want_x, cand_x = (
                                ("new_velocity", raw_v, want_v, cand_v) if not _close(got_v, want_v, raw_v)
                                else ("new_param", raw_p, want_p, cand_p))
                            assert_close(raw_x, want_x, what=f"{which} from {call}", rtol=RTOL, atol=ATOL,
                                         mistakes={hint: cand_x})
                    # no known mistake: say which array is wrong first, the velocity (it comes first)
                    assert_close(raw_v, want_v, what=f"new_velocity from {call}", rtol=RTOL, atol=ATOL,
                                 mistakes={HINT_RETURNED_OLD_VELOCITY: velocity} if np.any(velocity) else {})
                    assert_close(raw_p, want_p, what=f"new_param from {call}", rtol=RTOL, atol=ATOL,
                                 mistakes={HINT_OLD_VELOCITY: param - velocity, HINT_LR_TWICE: param - lr * want_v})
                state[chain] = (got_p, got_v)
                returned.append(got_v)


# ---------------------------------------------------------------- exponential_decay

#: (lr, final_lr, max_epochs).
VISIBLE_SCHEDULES: tuple[tuple[float, float, int], ...] = ((0.3, 0.01, 10), (0.1, 0.001, 5))
HIDDEN_SCHEDULES: tuple[tuple[float, float, int], ...] = ((0.5, 0.05, 8), (1.0, 0.2, 3), (0.02, 0.0004, 12), (0.4, 0.1, 2))

HINT_OFF_BY_ONE = (
    "your schedule reaches final_lr at epoch max_epochs, which never runs: epochs are numbered "
    "0, 1, ..., max_epochs − 1, so use t = epoch / (max_epochs − 1) and the last epoch gets exactly final_lr."
)
HINT_FROM_ONE = (
    "you counted the epochs from 1 (t = (epoch + 1) / max_epochs): epoch 0 must get exactly lr. "
    "Use t = epoch / (max_epochs − 1)."
)
HINT_LINEAR = (
    "this is linear decay, lr + (final_lr − lr)·t. Exponential decay multiplies by the same factor every "
    "epoch: lr · (final_lr / lr) ** t."
)
HINT_UPSIDE_DOWN = "your rate grows: the ratio is upside down. Use lr · (final_lr / lr) ** t, which shrinks when final_lr < lr."
HINT_NO_LR_FACTOR = "you left out the starting value: the rate is lr · (final_lr / lr) ** t, not (final_lr / lr) ** t."
HINT_INTEGER_DIVISION = (
    "t jumps from 0 to 1 only at the last epoch: `epoch // (max_epochs - 1)` is an integer division. "
    "Use `/`: t = epoch / (max_epochs − 1)."
)
HINT_EXP_MINUS_T = (
    "this is lr · exp(−t): it does not end at final_lr. Use lr · (final_lr / lr) ** t "
    "(= lr · exp(t · log(final_lr / lr)))."
)


def _exponential(lr: float, final_lr: float, epoch: int, max_epochs: int) -> float:
    return lr * (final_lr / lr) ** (epoch / (max_epochs - 1))


def _schedule_cases(seed: int, schedules: Sequence[tuple[float, float, int]]) -> list[tuple[float, float, int]]:
    """The given schedules plus one drawn from ``seed``: lr in [0.05, 1), final_lr a few times smaller."""
    rng = np.random.default_rng(seed)
    lr = float(np.round(rng.uniform(0.05, 1.0), 3))
    final_lr = float(np.round(lr / rng.uniform(3.0, 50.0), 5))
    return [*schedules, (lr, final_lr, int(rng.integers(4, 16)))]


def check_exponential_decay(exponential_decay: Callable[..., Any], seed: int = 0,
                            schedules: Sequence[tuple[float, float, int]] = VISIBLE_SCHEDULES) -> None:
    """``exponential_decay(lr, final_lr, epoch, max_epochs)`` is ``lr · (final_lr / lr) ** (epoch / (max_epochs − 1))``
    for every epoch ``0 .. max_epochs − 1``: exactly ``lr`` at epoch 0 and ``final_lr`` at the last epoch.

    One number per call: a float, a NumPy float (float32 is compared at float32's precision, also when it
    arrives as the Python float it rounds to) or an array holding one number."""
    __tracebackhide__ = True
    for lr, final_lr, max_epochs in _schedule_cases(seed, schedules):
        epochs = np.arange(max_epochs)
        got = []
        single = True  # every value float32? then compare at float32's precision
        for epoch in range(max_epochs):
            value = call_learner(exponential_decay, lr, final_lr, epoch, max_epochs, name="exponential_decay")
            call = f"exponential_decay({lr:g}, {final_lr:g}, epoch={epoch}, max_epochs={max_epochs})"
            arr = as_float_array(value, call)
            if arr.size != 1:
                raise CheckFailed(f"{call} should return one number (a float); it returned an array of shape {arr.shape}.")
            # float32, or (in class grading, where a NumPy number travels as a Python float) a float that
            # float32 holds exactly: a float64 schedule is never float32-exact at every epoch
            single &= getattr(value, "dtype", None) == np.float32 or (
                isinstance(value, float) and np.isfinite(value) and float(np.float32(value)) == value)
            got.append(float(arr.reshape(())))
        t = epochs / (max_epochs - 1)
        ratio = final_lr / lr
        assert_close(
            np.array(got, dtype=np.float32 if single else np.float64), lr * ratio**t, rtol=1e-9, atol=1e-15,
            what=(f"the learning rates exponential_decay({lr:g}, {final_lr:g}, epoch, {max_epochs}) "
                  f"for epoch = 0 .. {max_epochs - 1} (index = epoch)"),
            mistakes={
                HINT_OFF_BY_ONE: lr * ratio ** (epochs / max_epochs),
                HINT_FROM_ONE: lr * ratio ** ((epochs + 1) / max_epochs),
                HINT_LINEAR: lr + (final_lr - lr) * t,
                HINT_UPSIDE_DOWN: lr * (1 / ratio) ** t,
                HINT_NO_LR_FACTOR: ratio**t,
                HINT_INTEGER_DIVISION: lr * ratio ** (epochs // (max_epochs - 1)),
                HINT_EXP_MINUS_T: lr * np.exp(-t),
            },
        )


# ---------------------------------------------------------------- glorot_init

#: Small shapes: the shape, and the generator's part (same seed, same weights), never square.
VISIBLE_GLOROT_SHAPES: tuple[tuple[int, int], ...] = ((3, 5), (6, 2), (4, 7))
HIDDEN_GLOROT_SHAPES: tuple[tuple[int, int], ...] = ((5, 3), (8, 6), (2, 9), (1, 4))
#: A large draw for the statistics: n_in, n_out differ so 1 / n_in, 1 / n_out and 2 / (n_in + n_out) all differ.
VISIBLE_GLOROT_BIG: tuple[int, int] = (300, 200)
HIDDEN_GLOROT_BIG: tuple[int, int] = (150, 450)

#: How many standard errors a sample statistic may stray before the check calls it wrong.
Z = 5.0

HINT_TRANSPOSED_SHAPE = (
    "this is the transpose: a weight matrix takes n_in inputs to n_out outputs, and X @ W with X of shape "
    "(n, n_in) needs W of shape (n_in, n_out)."
)
HINT_UNIFORM = (
    "the weights are spread evenly between two limits, like a uniform distribution (Glorot's paper's variant, "
    "limit √(6 / (n_in + n_out))): their kurtosis is about 1.8, where normal numbers have 3. This exercise asks "
    "for the normal distribution with variance 2 / (n_in + n_out)."
)
HINT_NOT_NORMAL = (
    "the mean and the variance are right, but the numbers are not normally distributed: their kurtosis "
    "(the average of (w / std)⁴, 3 for normal numbers) is off. Draw normal numbers with the generator you are given."
)
HINT_REPEATED = (
    "many weights are equal: each weight must be drawn on its own (one draw of the whole (n_in, n_out) shape), "
    "not one row or column repeated."
)
HINT_NOT_FROM_RNG = (
    "two generators with the same seed gave different weights: draw the numbers from the `rng` you are given "
    "(rng.normal, rng.standard_normal, ...), not from np.random.… (NumPy's global generator), so that a seed makes "
    "the weights reproducible."
)
HINT_OWN_GENERATOR = (
    "generators with different seeds gave the same weights: the weights do not come from the `rng` you are given. "
    "Did you make a generator of your own (np.random.default_rng(0))? Draw from `rng`."
)
HINT_NOT_CENTRED = (
    "the weights must be centred on 0: rng.random draws from [0, 1); draw normal numbers with mean 0."
)

#: Wrong variances, as (hint, variance as a function of n_in and n_out).
_WRONG_VARIANCES: tuple[tuple[str, Callable[[int, int], float]], ...] = (
    ("this is the variance 1 of N(0, 1), standard_init: Glorot scales it down to 2 / (n_in + n_out).",
     lambda n, m: 1.0),
    ("this is the variance 1 / n_in (LeCun's, which only keeps the forward pass steady). Glorot averages "
     "the fan-in and the fan-out: variance 2 / (n_in + n_out).", lambda n, m: 1.0 / n),
    ("this is the variance 1 / n_out. Glorot averages the fan-in and the fan-out: variance 2 / (n_in + n_out).",
     lambda n, m: 1.0 / m),
    ("this is the variance 2 / n_in (He's, for ReLU). Glorot uses 2 / (n_in + n_out).", lambda n, m: 2.0 / n),
    ("this is the variance 1 / (n_in + n_out): the 2 is missing.", lambda n, m: 1.0 / (n + m)),
    ("you used the variance as the standard deviation: rng.normal takes the standard deviation, "
     "std = √(2 / (n_in + n_out)), so the variance came out as (2 / (n_in + n_out))².", lambda n, m: (2.0 / (n + m)) ** 2),
    ("you took the square root twice: the standard deviation is √(2 / (n_in + n_out)), and its square, "
     "the variance, is 2 / (n_in + n_out).", lambda n, m: np.sqrt(2.0 / (n + m))),
    ("this is the variance of a uniform draw on [−std, std], std²/3: draw normal numbers with the standard "
     "deviation std = √(2 / (n_in + n_out)).", lambda n, m: 2.0 / (3 * (n + m))),
)


def _draw(glorot_init: Callable[..., Any], n_in: int, n_out: int, seed: int) -> tuple[ndarray, Any]:
    """The learner's weights for ``(n_in, n_out)`` from a fresh generator seeded with ``seed``, shape checked;
    returns the float64 array and the raw result."""
    __tracebackhide__ = True
    call = f"glorot_init({n_in}, {n_out}, rng) with rng = np.random.default_rng({seed})"
    got = call_learner(glorot_init, n_in, n_out, np.random.default_rng(seed), name="glorot_init")
    W = as_float_array(got, call, np.zeros((n_in, n_out)))
    if W.shape != (n_in, n_out):
        if W.ndim == 0:
            raise CheckFailed(f"{call}: expected an array of shape ({n_in}, {n_out}), received one number.\n"
                              "  Hint: draw a whole matrix at once: size=(n_in, n_out).")
        hint = HINT_TRANSPOSED_SHAPE if W.shape == (n_out, n_in) else "the shape is (n_in, n_out): one row per input, one column per output."
        raise CheckFailed(f"{call}: expected an array of shape ({n_in}, {n_out}), received shape {W.shape}.\n  Hint: {hint}")
    if not np.all(np.isfinite(W)):
        raise CheckFailed(f"{call}: the weights contain nan or inf.")
    return W, got


def _glorot_statistics(W: ndarray, n_in: int, n_out: int, call: str) -> None:
    """Mean, variance, shape of the distribution (kurtosis) and independence of a large draw."""
    __tracebackhide__ = True
    N = W.size
    want_var = 2.0 / (n_in + n_out)
    label = f"{call}: the {N:,} weights have"
    if np.unique(W).size < 0.99 * N:
        raise CheckFailed(f"{label} only {np.unique(W).size:,} different values.\n  Hint: {HINT_REPEATED}")
    mean, var = float(W.mean()), float(W.var())
    mean_tol = Z * np.sqrt(want_var / N)
    if abs(mean) > mean_tol:
        raise CheckFailed(f"{label} mean {mean:.4g}; expected 0 (give or take {mean_tol:.2g} by chance).\n"
                          f"  Hint: {HINT_NOT_CENTRED}")

    def fits(v: float) -> bool:
        return abs(var - v) <= Z * v * np.sqrt(2.0 / (N - 1))

    if not fits(want_var):
        message = (f"{label} variance {var:.4g}; expected 2 / ({n_in} + {n_out}) = {want_var:.4g} "
                   f"(give or take {Z * want_var * np.sqrt(2.0 / (N - 1)):.2g} by chance), {var / want_var:.3g} times too "
                   f"{'large' if var > want_var else 'small'}.")
        hint = next((h for h, f in _WRONG_VARIANCES if fits(float(f(n_in, n_out)))), None)
        raise CheckFailed(message + (f"\n  Hint: {hint}" if hint else ""))
    kurtosis = float(np.mean((W - mean) ** 4) / var**2)
    tol = Z * np.sqrt(24.0 / N)  # the standard error of the sample kurtosis of normal numbers, about √(24 / N)
    if abs(kurtosis - 3.0) > tol:
        hint = HINT_UNIFORM if abs(kurtosis - 1.8) <= tol else HINT_NOT_NORMAL
        raise CheckFailed(f"{label} kurtosis {kurtosis:.3f}; normal numbers have 3 (give or take {tol:.2g} by chance).\n"
                          f"  Hint: {hint}")


def check_glorot_init(glorot_init: Callable[..., Any], seed: int = 0,
                      shapes: Sequence[tuple[int, int]] = VISIBLE_GLOROT_SHAPES,
                      big: tuple[int, int] = VISIBLE_GLOROT_BIG) -> None:
    """``glorot_init(n_in, n_out, rng)`` returns ``(n_in, n_out)`` weights drawn independently from the normal
    distribution ``N(0, 2 / (n_in + n_out))`` with the generator ``rng``.

    Graded by what the weights are, not by how they were drawn: first a large draw, whose mean, variance
    and kurtosis must be those of normal numbers with that variance, each within 5 standard errors of
    the sampling distribution (for N numbers of variance v: the mean's standard error is √(v / N), the
    sample variance's about v·√(2 / (N − 1)), the kurtosis's about √(24 / N)), and whose values are
    (almost) all different. Then, for the small ``shapes``: the shape, and the generator's part: the same
    seed gives the same weights, another seed other weights.
    """
    __tracebackhide__ = True
    n_in, n_out = big
    W, _ = _draw(glorot_init, n_in, n_out, seed)
    _glorot_statistics(W, n_in, n_out, f"glorot_init({n_in}, {n_out}, rng)")
    standardised = []  # every small draw divided by its own expected standard deviation
    for i, (n_in, n_out) in enumerate(shapes):
        draw_seed = seed * 1000 + i + 1
        first, _ = _draw(glorot_init, n_in, n_out, draw_seed)
        if i == 0:
            again, _ = _draw(glorot_init, n_in, n_out, draw_seed)
            if not np.array_equal(first, again):
                raise CheckFailed(f"glorot_init({n_in}, {n_out}, rng), called twice with rng = "
                                  f"np.random.default_rng({draw_seed}), gave different weights.\n  Hint: {HINT_NOT_FROM_RNG}")
            other, _ = _draw(glorot_init, n_in, n_out, draw_seed + 500)
            if np.array_equal(first, other):
                raise CheckFailed(f"glorot_init({n_in}, {n_out}, rng) gave the same weights for rng = "
                                  f"np.random.default_rng({draw_seed}) and np.random.default_rng({draw_seed + 500}).\n"
                                  f"  Hint: {HINT_OWN_GENERATOR}")
        standardised.append((first / np.sqrt(2.0 / (n_in + n_out))).ravel())
    if standardised:
        # the mean square of N standardised normal numbers is chi²(N) / N: for N >= 50 it lies in [0.3, 3]
        # except with a probability below 1e-8
        z = np.concatenate(standardised)
        ratio = float(np.mean(z**2))
        if not 0.3 <= ratio <= 3.0:
            names = ", ".join(f"({n}, {m})" for n, m in shapes)
            raise CheckFailed(f"glorot_init for the shapes {names}: the weights' variance is {ratio:.3g} times "
                              "2 / (n_in + n_out) of each call.\n  Hint: the variance must depend on the n_in and "
                              "n_out of each call, not on fixed numbers.")


# ---------------------------------------------------------------- Dropout

#: (input shape, keep_prob): batches large enough for the statistics (a share kept is measured on
#: thousands of units), never square.
VISIBLE_DROPOUT_CASES: tuple[tuple[Shape, float], ...] = (((25, 40), 0.8), ((36, 30), 0.5))
HIDDEN_DROPOUT_CASES: tuple[tuple[Shape, float], ...] = (((20, 55), 0.7), ((32, 35), 0.9), ((40, 28), 0.35))

HINT_NOT_RESCALED = (
    "the kept units are not rescaled. Inverted dropout divides them by keep_prob, "
    "x * mask / keep_prob, so every output keeps its expected value."
)
HINT_TIMES_KEEP = "you multiplied by keep_prob; inverted dropout divides the kept units by it: x * mask / keep_prob."
HINT_NO_MASK_FORWARD = "nothing was dropped: while training, multiply by a random 0/1 mask: x * mask / keep_prob."
HINT_ONLY_SCALED = "you divided by keep_prob but dropped nothing: multiply by a random 0/1 mask too, x * mask / keep_prob."
HINT_KEEP_IS_DROP = (
    "you kept about 1 − keep_prob of the units: keep_prob is the probability of *keeping* a unit, "
    "so a unit is kept where a uniform random number is below keep_prob."
)
HINT_SHARE = "each unit must be kept with probability keep_prob, independently of the others."
HINT_SAME_ROWS = (
    "every row got the same mask: draw a mask of x's whole shape, so that every observation "
    "drops its own units."
)
HINT_SAME_COLUMNS = "every column got the same mask: draw a mask of x's whole shape, one random number per unit."
HINT_SAME_MASK = (
    "the second training forward dropped exactly the same units as the first: every training forward draws "
    "a new mask from the same generator. Create the generator once, in __init__, not in forward."
)
HINT_SEED_UNUSED = (
    "two layers made with the same seed dropped different units: draw the masks from a generator made from "
    "`seed`, once, in __init__ (np.random.default_rng(seed)), not from np.random.… (NumPy's global generator)."
)
HINT_SEED_IGNORED = "layers made with different seeds dropped the same units: make the generator from the `seed` you are given."
HINT_BACKWARD_NO_MASK = (
    "backward must drop the same units as forward: a dropped unit did not affect the output, so its gradient "
    "is 0. Multiply output_grad by the mask of the last forward and divide by keep_prob."
)
HINT_BACKWARD_NOT_RESCALED = (
    "backward must scale like forward: output = x * mask / keep_prob, so input_grad = output_grad * mask / keep_prob."
)
HINT_BACKWARD_NEW_MASK = (
    "backward dropped other units than forward: it must reuse the mask of the last forward (keep it in an "
    "attribute), not draw a new one: the gradient flows through the units that forward kept."
)
HINT_BACKWARD_OLD_MASK = "backward used the first training forward's mask; use the mask of the last forward."
HINT_INFERENCE_DROPPED = (
    "at inference (training=False) dropout does nothing: return x unchanged. "
    "No mask is drawn and nothing is scaled (the scaling already happened while training)."
)
HINT_INFERENCE_SCALED = (
    "at inference inverted dropout returns x unchanged: the 1 / keep_prob scaling is done while training, "
    "so nothing is scaled at inference."
)
HINT_INFERENCE_BACKWARD = (
    "after an inference forward the layer was the identity, so backward is the identity too: return "
    "output_grad unchanged (remember the mode forward ran in, don't reuse the last training mask)."
)


def _kept(x: ndarray, mask: ndarray, scale: float) -> ndarray:
    """``x * mask / scale`` with dropped elements exactly +0.0 (so messages never say "-0")."""
    return np.where(np.asarray(mask, dtype=bool), x / scale, 0.0)


def _get(obj: Any, attr: str, what: str) -> Any:
    """``obj.attr``, or a clear failure if the learner's object has no such attribute."""
    __tracebackhide__ = True
    try:
        return getattr(obj, attr)
    except AttributeError:
        raise CheckFailed(f"{what}: your Dropout object has no method `{attr}`.") from None
    except NotImplementedError:
        raise CheckFailed(f"{what} is not written yet: replace `raise NotImplementedError()` with your code.") from None


def _method(obj: Any, name: str, label: str, *args: Any) -> tuple[ndarray, Any]:
    """Call ``obj.name(*args)`` (a learner's method); return its result as a float array, and raw."""
    __tracebackhide__ = True
    method = f"Dropout.{name}"
    got = call_learner(_get(obj, name, method), *args, name=method)
    return as_float_array(got, label, np.zeros(np.shape(args[0]))), got


def _kept_share(mask: ndarray, kp: float, what: str) -> None:
    """The share of kept units must be keep_prob, within 5 standard errors; masks must differ across rows and columns."""
    __tracebackhide__ = True
    share, n = float(mask.mean()), mask.size
    tol = Z * np.sqrt(kp * (1 - kp) / n)
    if abs(share - kp) > tol:
        hint = HINT_KEEP_IS_DROP if abs(share - (1 - kp)) <= tol else HINT_NO_MASK_FORWARD if share == 1.0 else HINT_SHARE
        raise CheckFailed(f"{what} kept {share:.1%} of the {n:,} units; with keep_prob = {kp:g} it should keep "
                          f"{kp:.0%} (give or take {tol:.1%} by chance).\n  Hint: {hint}")
    if mask.ndim == 2 and np.all(mask == mask[:1]):
        raise CheckFailed(f"{what} dropped the same units in every row.\n  Hint: {HINT_SAME_ROWS}")
    if mask.ndim == 2 and np.all(mask == mask[:, :1]):
        raise CheckFailed(f"{what} dropped the same units in every column.\n  Hint: {HINT_SAME_COLUMNS}")


def _training_forward(layer: Any, x: ndarray, kp: float, what: str) -> ndarray:
    """A training forward: every output is 0 (dropped) or x / keep_prob (kept); returns the mask it used."""
    __tracebackhide__ = True
    out, raw = _method(layer, "forward", what, x.copy(), True)
    if out.shape != x.shape:
        assert_close(raw, x, what=what)  # the shape message
    mask = out != 0
    if np.all(mask) and np.allclose(out, x):
        raise CheckFailed(f"{what} returned x unchanged.\n  Hint: {HINT_NO_MASK_FORWARD}")
    if np.all(mask) and np.allclose(out, x / kp):
        raise CheckFailed(f"{what} returned x / keep_prob everywhere.\n  Hint: {HINT_ONLY_SCALED}")
    assert_close(raw, _kept(x, mask, kp), what=f"{what}: the units it kept (those not 0)", rtol=RTOL, atol=ATOL,
                 mistakes=[(HINT_NOT_RESCALED, _kept(x, mask, 1.0)), (HINT_TIMES_KEEP, _kept(x, mask, 1 / kp))])
    _kept_share(mask, kp, what)
    return mask


def check_dropout(Dropout: Callable[..., Any], seed: int = 0,
                  cases: Sequence[tuple[Shape, float]] = VISIBLE_DROPOUT_CASES) -> None:
    """The class ``Dropout(keep_prob, seed)`` with ``forward(x, training)`` and ``backward(output_grad)``.

    Graded by what dropout does, not by how its random numbers are drawn. For each case, on one object:
    a training forward keeps each unit with probability keep_prob (the share kept within 5 standard
    errors, different units in different rows and columns) and divides the kept units by keep_prob;
    backward is the numerical gradient of that forward with its mask held fixed (``output_grad * mask /
    keep_prob``), also when called twice; a second training forward draws a new mask, and backward follows
    it; an inference forward is the identity, and so is the backward after it. Finally two layers made
    with the same seed drop the same units, and a layer made with another seed other units.
    """
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    for i, (shape, kp) in enumerate(cases):
        layer_seed = seed * 100 + i
        make = f"Dropout({kp:g}, {layer_seed})"
        layer = call_learner(Dropout, kp, layer_seed, name=make)
        x1, x2, x3, g1, g1b, g2, g3 = (rng.normal(size=shape) for _ in range(7))

        # 1. a training forward: each unit kept with probability keep_prob, kept units divided by keep_prob
        m1 = _training_forward(layer, x1, kp, f"{make}.forward(x, True) for x of shape {shape}, the first call")

        # 2. backward: the gradient of that forward with its mask fixed, output_grad * mask / keep_prob (twice)
        for n_call, g in ((1, g1), (2, g1b)):
            what = (f"{make}.backward(output_grad) after the first training forward"
                    + (", called a second time with another output_grad" if n_call == 2 else ""))
            grad, raw = _method(layer, "backward", what, g.copy())
            mistakes = [(HINT_BACKWARD_NO_MASK, g), (HINT_BACKWARD_NO_MASK, g / kp),
                        (HINT_BACKWARD_NOT_RESCALED, _kept(g, m1, 1.0)), (HINT_BACKWARD_NOT_RESCALED, _kept(g, m1, 1 / kp))]
            if grad.shape == shape and not np.array_equal(grad != 0, m1) and abs(float(np.mean(grad != 0)) - kp) < 0.1:
                mistakes.append((HINT_BACKWARD_NEW_MASK, grad))
            if n_call == 1:  # the numerical gradient of the forward with its mask fixed (linear in x: exact for any Δ)
                check_gradient(raw, lambda v: np.sum(g * _kept(v, m1, kp)), x1, what=what, rtol=1e-6, atol=1e-9,
                               delta=0.5, mistakes=mistakes)
            else:
                assert_close(raw, _kept(g, m1, kp), what=what, rtol=RTOL, atol=ATOL, mistakes=mistakes)

        # 3. a second training forward draws a new mask, and backward follows it
        what = f"{make}.forward(x, True), the second call"
        m2 = _training_forward(layer, x2, kp, what)
        if np.array_equal(m1, m2):
            raise CheckFailed(f"{what} dropped exactly the same {int((~m1).sum())} units as the first call.\n  Hint: {HINT_SAME_MASK}")
        what = f"{make}.backward(output_grad) after the second training forward"
        _, raw = _method(layer, "backward", what, g2.copy())
        assert_close(raw, _kept(g2, m2, kp), what=what, rtol=RTOL, atol=ATOL,
                     mistakes={HINT_BACKWARD_OLD_MASK: _kept(g2, m1, kp)})

        # 4. inference: the identity, forward and backward
        what = f"{make}.forward(x, False) (inference), after two training calls"
        out, raw = _method(layer, "forward", what, x3.copy(), False)
        if out.shape == shape and np.any(out == 0):
            raise CheckFailed(f"{what} set {int(np.sum(out == 0))} of {out.size} units to 0.\n  Hint: {HINT_INFERENCE_DROPPED}")
        assert_close(raw, x3, what=what, rtol=RTOL, atol=ATOL,
                     mistakes=[(HINT_INFERENCE_SCALED, x3 * kp), (HINT_INFERENCE_SCALED, x3 / kp)])
        what = f"{make}.backward(output_grad) after an inference forward"
        _, raw = _method(layer, "backward", what, g3.copy())
        assert_close(raw, g3, what=what, rtol=RTOL, atol=ATOL, mistakes=[
            (HINT_INFERENCE_BACKWARD, _kept(g3, m2, kp)), (HINT_INFERENCE_BACKWARD, _kept(g3, m2, 1.0)),
            (HINT_INFERENCE_SCALED, g3 * kp), (HINT_INFERENCE_SCALED, g3 / kp)])

        # 5. the seed: the same seed drops the same units, another seed other units
        if i == 0:
            twin = call_learner(Dropout, kp, layer_seed, name=make)
            out, _ = _method(twin, "forward", f"a second {make}.forward(x, True)", x1.copy(), True)
            if out.shape == shape and not np.array_equal(out != 0, m1):
                raise CheckFailed(f"two layers {make}, made with the same seed, dropped different units in their first "
                                  f"training forward.\n  Hint: {HINT_SEED_UNUSED}")
            other = call_learner(Dropout, kp, layer_seed + 1, name=f"Dropout({kp:g}, {layer_seed + 1})")
            out, _ = _method(other, "forward", f"Dropout({kp:g}, {layer_seed + 1}).forward(x, True)", x1.copy(), True)
            if out.shape == shape and np.array_equal(out != 0, m1):
                raise CheckFailed(f"{make} and Dropout({kp:g}, {layer_seed + 1}) dropped the same units.\n  Hint: {HINT_SEED_IGNORED}")
