"""Checks for chapter 07_momentum: the training tricks.

- :func:`check_sgd_momentum_update` -- one step of SGD with momentum, ``(new_param, new_velocity)``,
  followed over several steps (each step fed what the learner returned the step before).
- :func:`check_exponential_decay` -- the learning rate at every epoch, endpoints included.
- :func:`check_glorot_init` -- the shape, the mean and the variance of a large draw (with a tolerance
  taken from the sampling distribution), then the exact numbers one ``rng.normal`` call draws.
- :func:`check_dropout` -- the class: training forward, ``mask``, backward, a second mask,
  inference forward and backward, with masks drawn exactly as the exercise says.

Written for the class grader too: the learner's function or class may live in another
process, reached over a data-only channel. So a check only passes it arrays, numbers,
strings and ``np.random.Generator`` objects (which travel by state), reads everything
back from return values and attributes, never relies on the learner changing an argument
in place, and never tests the type of what it gets back (``np.asarray`` it is).
The learner always gets copies: changing them cannot change what they are compared with.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy import ndarray

from dlfs.checks.gradcheck import CheckFailed, as_float_array, assert_close, call_learner

Shape = tuple[int, ...]

# Results are compared to float64 round-off: a right answer written in another order passes.
RTOL, ATOL = 1e-7, 1e-12

# ---------------------------------------------------------------- sgd_momentum_update

#: (param shape, learning rate, momentum, steps). Learning rate and momentum never
#: coincide with 1 - momentum, so every classic mistake gives other numbers.
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
    "v = μ·v + η·grad, with the velocity you were given."
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


def _momentum_mistakes(p: ndarray, g: ndarray, v: ndarray, lr: float, mu: float) -> list[tuple[str, ndarray, ndarray]]:
    """``(hint, new_param, new_velocity)`` that each classic mistake returns from this state."""
    p2, v2 = _momentum_step(p, g, v, lr, mu)
    avg_v = mu * v + (1 - mu) * g
    return [
        (HINT_SWAPPED, v2, p2),
        (HINT_PARAM_SIGN, p + v2, v2),
        (HINT_VELOCITY_SIGN, p2, -v2),
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


def _close(a: ndarray, b: ndarray) -> bool:
    return a.shape == np.shape(b) and bool(np.allclose(a, b, rtol=RTOL, atol=ATOL))


def _pair(got: Any, call: str) -> tuple[ndarray, ndarray]:
    """The learner's result as two float arrays, or a clear failure."""
    __tracebackhide__ = True
    if got is None:
        raise CheckFailed(f"{call} returned None: did you forget `return new_param, new_velocity`?")
    try:
        n_items = len(got)
    except TypeError:
        n_items = -1
    if n_items != 2:
        shape = getattr(got, "shape", None)
        received = (f"one array of shape {tuple(shape)}" if shape is not None and len(shape) > 0
                    else f"{type(got).__name__}" + (f" with {n_items} items" if n_items >= 0 else ""))
        raise CheckFailed(f"{call} should return a pair (new_param, new_velocity); it returned {received}.")
    arrays = []
    for name, value in zip(("new_param", "new_velocity"), got):
        if value is None:
            raise CheckFailed(f"{call}: {name} is None; return the new array.")
        try:
            arrays.append(np.asarray(value, dtype=np.float64))
        except (TypeError, ValueError):
            raise CheckFailed(f"{call}: {name} should be an array of numbers; it is {type(value).__name__}.") from None
    return arrays[0], arrays[1]


def check_sgd_momentum_update(sgd_momentum_update: Callable[..., Any], seed: int = 0,
                              cases: Sequence[tuple[Shape, float, float, int]] = VISIBLE_MOMENTUM_CASES) -> None:
    """``sgd_momentum_update(param, grad, velocity, lr, momentum)`` returns ``(new_param, new_velocity)``
    with ``new_velocity = momentum·velocity + lr·grad`` and ``new_param = param − new_velocity``.

    Each case starts from a zero velocity (as training does) and runs ``steps`` steps with
    random gradients; every step gets back what the learner's function returned the step
    before, and both arrays are compared with the exact update at every step.
    """
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    for shape, lr, mu, steps in cases:
        param = rng.normal(size=shape)
        velocity = np.zeros(shape)
        for step in range(1, steps + 1):
            grad = rng.normal(size=shape)
            call = (f"sgd_momentum_update(param, grad, velocity, lr={lr:g}, momentum={mu:g}) for arrays of shape "
                    f"{shape}, step {step} of {steps}"
                    + (" (velocity = zeros)" if step == 1 else " (velocity from the step before)"))
            got = call_learner(sgd_momentum_update, param.copy(), grad.copy(), velocity.copy(), lr, mu,
                               name="sgd_momentum_update")
            got_p, got_v = _pair(got, call)
            want_p, want_v = _momentum_step(param, grad, velocity, lr, mu)
            if not (_close(got_p, want_p) and _close(got_v, want_v)):
                for hint, cand_p, cand_v in _momentum_mistakes(param, grad, velocity, lr, mu):
                    if _close(cand_p, want_p) and _close(cand_v, want_v):
                        continue  # this mistake gives the right answer from this state
                    if _close(got_p, cand_p) and _close(got_v, cand_v):
                        which, got_x, want_x, cand_x = (
                            ("new_velocity", got_v, want_v, cand_v) if not _close(got_v, want_v)
                            else ("new_param", got_p, want_p, cand_p))
                        assert_close(got_x, want_x, what=f"{which} from {call}", rtol=RTOL, atol=ATOL,
                                     mistakes={hint: cand_x})
                # no known mistake: say which array is wrong first, the velocity (it comes first)
                assert_close(got_v, want_v, what=f"new_velocity from {call}", rtol=RTOL, atol=ATOL,
                             mistakes={HINT_RETURNED_OLD_VELOCITY: velocity} if np.any(velocity) else {})
                assert_close(got_p, want_p, what=f"new_param from {call}", rtol=RTOL, atol=ATOL,
                             mistakes={HINT_OLD_VELOCITY: param - velocity, HINT_LR_TWICE: param - lr * want_v})
            param, velocity = got_p, got_v


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
    for every epoch ``0 .. max_epochs − 1``: exactly ``lr`` at epoch 0 and ``final_lr`` at the last epoch."""
    __tracebackhide__ = True
    for lr, final_lr, max_epochs in _schedule_cases(seed, schedules):
        epochs = np.arange(max_epochs)
        got = []
        for epoch in range(max_epochs):
            value = call_learner(exponential_decay, lr, final_lr, epoch, max_epochs, name="exponential_decay")
            call = f"exponential_decay({lr:g}, {final_lr:g}, epoch={epoch}, max_epochs={max_epochs})"
            arr = as_float_array(value, call)
            if arr.size != 1:
                raise CheckFailed(f"{call} should return one number (a float); it returned an array of shape {arr.shape}.")
            got.append(float(arr.reshape(())))
        t = epochs / (max_epochs - 1)
        ratio = final_lr / lr
        assert_close(
            np.array(got), lr * ratio**t, rtol=1e-9, atol=1e-15,
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

#: Small shapes whose exact numbers are compared, never square.
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
HINT_TRANSPOSED_DRAW = (
    "you drew an (n_out, n_in) matrix and transposed it: the statistics are right, but the exercise asks "
    "for the numbers of one call rng.normal(0.0, std, size=(n_in, n_out))."
)
HINT_UNIFORM = (
    "you drew from a uniform distribution (Glorot's paper's variant, limit √(6 / (n_in + n_out))). "
    "This exercise asks for the normal one: rng.normal(0.0, std, size=(n_in, n_out)) with std = √(2 / (n_in + n_out))."
)
HINT_EXACT_DRAW = (
    "the statistics are right but not the numbers. Draw them with one call on the rng you are given, "
    "rng.normal(0.0, std, size=(n_in, n_out)) (or rng.standard_normal((n_in, n_out)) * std), "
    "not with np.random.… or a new generator, and draw nothing else from it first."
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
    ("this is the variance of a uniform draw on [−std, std], std²/3: for the normal distribution "
     "use rng.normal(0.0, std, size=(n_in, n_out)).", lambda n, m: 2.0 / (3 * (n + m))),
)


def _glorot_reference(n_in: int, n_out: int, rng: np.random.Generator) -> ndarray:
    return rng.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), size=(n_in, n_out))


def _draw(glorot_init: Callable[..., Any], n_in: int, n_out: int, seed: int) -> ndarray:
    """The learner's weights for ``(n_in, n_out)`` from a fresh generator seeded with ``seed``, shape checked."""
    __tracebackhide__ = True
    call = f"glorot_init({n_in}, {n_out}, rng)"
    got = call_learner(glorot_init, n_in, n_out, np.random.default_rng(seed), name="glorot_init")
    W = as_float_array(got, call)
    if W.shape != (n_in, n_out):
        hint = HINT_TRANSPOSED_SHAPE if W.shape == (n_out, n_in) else "the shape is (n_in, n_out): one row per input, one column per output."
        raise CheckFailed(f"{call}: expected an array of shape ({n_in}, {n_out}), received shape {W.shape}.\n  Hint: {hint}")
    return W


def check_glorot_init(glorot_init: Callable[..., Any], seed: int = 0,
                      shapes: Sequence[tuple[int, int]] = VISIBLE_GLOROT_SHAPES,
                      big: tuple[int, int] = VISIBLE_GLOROT_BIG) -> None:
    """``glorot_init(n_in, n_out, rng)`` returns ``rng.normal(0.0, √(2 / (n_in + n_out)), size=(n_in, n_out))``.

    First a large draw: its mean must be 0 and its variance 2 / (n_in + n_out), each within
    5 standard errors of the sampling distribution (for N samples of variance v: the mean's
    standard error is √(v / N), the sample variance's about v·√(2 / (N − 1))). Then, for the
    small ``shapes``, every number must equal that one ``rng.normal`` call's (each call gets a
    fresh generator).
    """
    __tracebackhide__ = True
    n_in, n_out = big
    W = _draw(glorot_init, n_in, n_out, seed)
    N = W.size
    want_var = 2.0 / (n_in + n_out)
    label = f"glorot_init({n_in}, {n_out}, rng): the {N:,} weights have"
    if not np.all(np.isfinite(W)):
        raise CheckFailed(f"{label} nan or inf among them.")
    mean, var = float(W.mean()), float(W.var())
    mean_tol = Z * np.sqrt(want_var / N)
    if abs(mean) > mean_tol:
        raise CheckFailed(
            f"{label} mean {mean:.4g}; expected 0 (give or take {mean_tol:.2g} by chance).\n  Hint: the weights must be "
            "centred on 0: rng.random draws from [0, 1); use rng.normal(0.0, std, ...)."
        )

    def fits(v: float) -> bool:
        return abs(var - v) <= Z * v * np.sqrt(2.0 / (N - 1))

    if not fits(want_var):
        message = (f"{label} variance {var:.4g}; expected 2 / ({n_in} + {n_out}) = {want_var:.4g} "
                   f"(give or take {Z * want_var * np.sqrt(2.0 / (N - 1)):.2g} by chance), {var / want_var:.3g} times too "
                   f"{'large' if var > want_var else 'small'}.")
        hint = next((h for h, f in _WRONG_VARIANCES if fits(float(f(n_in, n_out)))), None)
        raise CheckFailed(message + (f"\n  Hint: {hint}" if hint else ""))

    for i, (n_in, n_out) in enumerate(shapes):
        draw_seed = seed * 1000 + i + 1
        W = _draw(glorot_init, n_in, n_out, draw_seed)
        std = np.sqrt(2.0 / (n_in + n_out))
        limit = np.sqrt(6.0 / (n_in + n_out))
        fresh = np.random.default_rng
        what = f"glorot_init({n_in}, {n_out}, rng) with rng = np.random.default_rng({draw_seed})"
        mistakes = {
            HINT_TRANSPOSED_DRAW: fresh(draw_seed).normal(0.0, std, size=(n_out, n_in)).T,
            HINT_UNIFORM: fresh(draw_seed).uniform(-limit, limit, size=(n_in, n_out)),
            **{hint: fresh(draw_seed).normal(0.0, np.sqrt(f(n_in, n_out)), size=(n_in, n_out))
               for hint, f in _WRONG_VARIANCES},
        }
        try:
            assert_close(W, _glorot_reference(n_in, n_out, fresh(draw_seed)), what=what, rtol=1e-9, atol=1e-12,
                         mistakes=mistakes)
        except CheckFailed as exc:
            if "Hint:" in str(exc):
                raise
            raise CheckFailed(f"{exc}\n  Hint: {HINT_EXACT_DRAW}") from None


# ---------------------------------------------------------------- Dropout

#: (input shape, keep_prob): batches of rows, never square.
VISIBLE_DROPOUT_CASES: tuple[tuple[Shape, float], ...] = (((4, 6), 0.8), ((5, 3), 0.5))
HIDDEN_DROPOUT_CASES: tuple[tuple[Shape, float], ...] = (((7, 2), 0.7), ((3, 8), 0.9), ((6, 5), 0.35))

HINT_NOT_RESCALED = (
    "the kept units are not rescaled. Inverted dropout divides them by keep_prob, "
    "x * mask / keep_prob, so every output keeps its expected value."
)
HINT_TIMES_KEEP = "you multiplied by keep_prob; inverted dropout divides the kept units by it: x * mask / keep_prob."
HINT_NO_MASK_FORWARD = "nothing was dropped: while training, multiply by the mask: x * mask / keep_prob."
HINT_ONLY_SCALED = "you divided by keep_prob but dropped nothing: multiply by the mask too, x * mask / keep_prob."
HINT_KEEP_IS_DROP = (
    "you kept the units that should be dropped: keep_prob is the probability of *keeping* a unit, "
    "so mask = rng.random(x.shape) < keep_prob (True = kept)."
)
HINT_MASK_DRAW = (
    "the kept units are not the ones the exercise's mask keeps. Draw the mask exactly as it says: "
    "self.rng = np.random.default_rng(seed) once in __init__, then mask = self.rng.random(x.shape) < keep_prob "
    "in every training forward (not np.random.…, and nothing else drawn from self.rng)."
)
HINT_BINOMIAL = (
    "these are the units rng.binomial(1, keep_prob, x.shape) keeps. For keep_prob ≤ 0.5 that is another mask than "
    "rng.random(x.shape) < keep_prob (True = kept), which the exercise asks for. (At keep_prob = 0.5 it is also "
    "what you get by keeping the units that should be dropped.)"
)
HINT_SAME_MASK = (
    "this is the first mask again: every training forward draws a new mask from the same generator. "
    "Create the generator once, in __init__ (np.random.default_rng(seed)), not in forward."
)
HINT_BACKWARD_NO_MASK = (
    "backward must drop the same units as forward: a dropped unit did not affect the output, so its gradient "
    "is 0. Return output_grad * mask / keep_prob."
)
HINT_BACKWARD_NOT_RESCALED = (
    "backward must scale like forward: output = x * mask / keep_prob, so input_grad = output_grad * mask / keep_prob."
)
HINT_BACKWARD_NEW_MASK = (
    "backward drew a new mask. It must reuse the mask of the last forward (self.mask): the gradient flows "
    "through the units that forward kept."
)
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
HINT_MASK_SCALED = "store the mask itself, 0/1 or True/False (True = kept), in self.mask; the 1 / keep_prob belongs to the output."


def _kept(x: ndarray, mask: ndarray, scale: float) -> ndarray:
    """``x * mask / scale`` with dropped elements exactly +0.0 (so messages never say "-0")."""
    return np.where(np.asarray(mask, dtype=bool), x / scale, 0.0)


def _get(obj: Any, attr: str, what: str) -> Any:
    """``obj.attr``, or a clear failure if the learner's object has no such attribute."""
    __tracebackhide__ = True
    try:
        return getattr(obj, attr)
    except AttributeError:
        raise CheckFailed(f"{what}: your Dropout object has no attribute `{attr}`.") from None
    except NotImplementedError:
        raise CheckFailed(f"{what} is not written yet: replace `raise NotImplementedError()` with your code.") from None


def _method(obj: Any, name: str, *args: Any) -> ndarray:
    """Call ``obj.name(*args)`` (a learner's method) and return the result as a float array."""
    __tracebackhide__ = True
    label = f"Dropout.{name}"
    got = call_learner(_get(obj, name, label), *args, name=label)
    if got is None:
        raise CheckFailed(f"{label} returned None: did you forget the `return` statement?")
    try:
        return np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        raise CheckFailed(f"{label} should return an array of numbers; it returned {type(got).__name__}.") from None


def _assert_close_or_hint(received: ndarray, expected: ndarray, fallback: str, *, what: str,
                          mistakes: Sequence[tuple[str, ndarray]]) -> None:
    """:func:`assert_close`, with ``fallback`` as the hint when no classic mistake matched."""
    __tracebackhide__ = True
    try:
        assert_close(received, expected, what=what, rtol=RTOL, atol=ATOL, mistakes=mistakes)
    except CheckFailed as exc:
        if "Hint:" in str(exc) or received.shape != expected.shape:
            raise
        raise CheckFailed(f"{exc}\n  Hint: {fallback}") from None


def check_dropout(Dropout: Callable[..., Any], seed: int = 0,
                  cases: Sequence[tuple[Shape, float]] = VISIBLE_DROPOUT_CASES) -> None:
    """The class ``Dropout(keep_prob, seed)`` with ``forward(x, training)``, ``backward(output_grad)`` and ``mask``.

    The masks must be drawn as ``rng = np.random.default_rng(seed)`` (once, in ``__init__``) and
    ``mask = rng.random(x.shape) < keep_prob`` in every training forward. For each case, on one object:
    forward (training) → ``mask`` → backward → forward (training, a new mask) → backward →
    forward (inference: the identity) → backward (the identity).
    """
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    for i, (shape, kp) in enumerate(cases):
        layer_seed = seed * 100 + i
        make = f"Dropout({kp:g}, {layer_seed})"
        layer = call_learner(Dropout, kp, layer_seed, name=make)
        draws = np.random.default_rng(layer_seed)
        r1, r2, r3 = (draws.random(shape) for _ in range(3))
        m1, m2, m3 = (r < kp for r in (r1, r2, r3))
        binomial = np.random.default_rng(layer_seed).binomial(1, kp, size=shape)
        x1, x2, x3, g1, g2, g3 = (rng.normal(size=shape) for _ in range(6))

        # 1. the first training forward
        what = f"{make}.forward(x, True) for x of shape {shape}, the first call"
        out = _method(layer, "forward", x1.copy(), True)
        _assert_close_or_hint(out, _kept(x1, m1, kp), HINT_MASK_DRAW, what=what, mistakes=[
            (HINT_NOT_RESCALED, _kept(x1, m1, 1.0)),
            (HINT_TIMES_KEEP, _kept(x1, m1, 1 / kp)),
            (HINT_NO_MASK_FORWARD, x1),
            (HINT_ONLY_SCALED, x1 / kp),
            (HINT_BINOMIAL, _kept(x1, binomial, kp)),
            (HINT_KEEP_IS_DROP, _kept(x1, r1 >= kp, kp)),
            (HINT_KEEP_IS_DROP, _kept(x1, r1 < 1 - kp, 1 - kp)),
            (HINT_KEEP_IS_DROP, _kept(x1, r1 < 1 - kp, kp)),
        ])

        # 2. the mask it used
        mask = _get(layer, "mask", f"{make}.mask after a training forward")
        if mask is None:
            raise CheckFailed(f"{make}.mask is None after a training forward: store the mask in self.mask.")
        assert_close(np.asarray(mask, dtype=np.float64), m1.astype(np.float64), rtol=RTOL, atol=ATOL,
                     what=f"{make}.mask after the first training forward (1 = kept, 0 = dropped)",
                     mistakes={HINT_MASK_SCALED: m1 / kp, HINT_KEEP_IS_DROP: ~m1})

        # 3. backward: the same mask, the same scaling
        what = f"{make}.backward(output_grad) after the first training forward"
        grad = _method(layer, "backward", g1.copy())
        assert_close(grad, _kept(g1, m1, kp), what=what, rtol=RTOL, atol=ATOL, mistakes=[
            (HINT_BACKWARD_NO_MASK, g1),
            (HINT_BACKWARD_NO_MASK, g1 / kp),
            (HINT_BACKWARD_NOT_RESCALED, _kept(g1, m1, 1.0)),
            (HINT_BACKWARD_NOT_RESCALED, _kept(g1, m1, 1 / kp)),
            (HINT_BACKWARD_NEW_MASK, _kept(g1, m2, kp)),
        ])

        # 4. a second training forward draws a new mask
        what = f"{make}.forward(x, True), the second call (it draws the next mask from the same generator)"
        out = _method(layer, "forward", x2.copy(), True)
        assert_close(out, _kept(x2, m2, kp), what=what, rtol=RTOL, atol=ATOL,
                     mistakes={HINT_SAME_MASK: _kept(x2, m1, kp), HINT_BACKWARD_NEW_MASK: _kept(x2, m3, kp),
                               HINT_NOT_RESCALED: _kept(x2, m2, 1.0)})
        grad = _method(layer, "backward", g2.copy())
        assert_close(grad, _kept(g2, m2, kp), rtol=RTOL, atol=ATOL,
                     what=f"{make}.backward(output_grad) after the second training forward",
                     mistakes={"backward used the first mask; use the mask of the last forward.": _kept(g2, m1, kp)})

        # 5. inference: the identity, forward and backward
        what = f"{make}.forward(x, False) (inference), after two training calls"
        out = _method(layer, "forward", x3.copy(), False)
        assert_close(out, x3, what=what, rtol=RTOL, atol=ATOL, mistakes=[
            (HINT_INFERENCE_DROPPED, _kept(x3, m3, kp)),
            (HINT_INFERENCE_DROPPED, _kept(x3, m3, 1.0)),
            (HINT_INFERENCE_DROPPED, _kept(x3, m2, kp)),
            (HINT_INFERENCE_SCALED, x3 * kp),
            (HINT_INFERENCE_SCALED, x3 / kp),
        ])
        what = f"{make}.backward(output_grad) after an inference forward"
        grad = _method(layer, "backward", g3.copy())
        assert_close(grad, g3, what=what, rtol=RTOL, atol=ATOL, mistakes=[
            (HINT_INFERENCE_BACKWARD, _kept(g3, m2, kp)),
            (HINT_INFERENCE_BACKWARD, _kept(g3, m2, 1.0)),
            (HINT_INFERENCE_BACKWARD, _kept(g3, m3, kp)),
            (HINT_INFERENCE_SCALED, g3 * kp),
            (HINT_INFERENCE_SCALED, g3 / kp),
        ])
