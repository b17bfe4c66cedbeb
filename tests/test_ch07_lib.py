"""Chapter 07 in the library: momentum, learning-rate decay, Glorot initialisation, dropout; checks and pictures.

The checks accept the library's own implementations and right answers written other
ways, name every classic mistake, and work unchanged when the learner's function or
class lives in a sandboxed kernel reached over the grader's data-only channel. The
final recipe of the experiment ladder reaches 97 % test accuracy on the digits.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from conftest import fails_remotely_with, open_channel, passes_remotely

from dlfs.checks import momentum as mc
from dlfs.checks.gradcheck import CheckFailed
from dlfs.data.prepare import one_hot
from dlfs.data.shipped import load_digits_data
from dlfs.draw.curves import plot_decay_schedules, plot_output_gradients
from dlfs.draw.landscapes import BOWL_DIVERGED, START, bowl_gradient, bowl_loss, momentum_path, plot_momentum_paths, plot_velocity_memory
from dlfs.draw.networks import dropout_diagram
from dlfs.draw.results import activation_spread, plot_activation_spread, plot_ladder
from dlfs.nn import dropout as library_dropout
from dlfs.nn.init import glorot_init, standard_init
from dlfs.nn.layers import Dense
from dlfs.nn.losses import SoftmaxCrossEntropy
from dlfs.nn.network import NeuralNetwork
from dlfs.nn.operations import Linear, Tanh
from dlfs.nn.optim import SGDMomentum, exponential_decay, linear_decay
from dlfs.nn.trainer import Trainer, accuracy
from dlfs.widgets.momentum import momentum_explorer

# ---------------------------------------------------------------- right answers, written several ways


def momentum_reference(param: np.ndarray, grad: np.ndarray, velocity: np.ndarray, lr: float,
                       momentum: float) -> tuple[np.ndarray, np.ndarray]:
    v = momentum * velocity + lr * grad
    return param - v, v


def momentum_with_library_optimizer(param: np.ndarray, grad: np.ndarray, velocity: np.ndarray, lr: float,
                                    momentum: float) -> tuple[np.ndarray, np.ndarray]:
    optimizer = SGDMomentum(lr=lr, momentum=momentum)
    optimizer.velocities[0] = velocity.copy()
    new = param.copy()
    optimizer.step([new], [grad])
    return new, optimizer.velocities[0]


def momentum_in_place(param: np.ndarray, grad: np.ndarray, velocity: np.ndarray, lr: float,
                      momentum: float) -> list[np.ndarray]:
    velocity *= momentum  # changes the arrays it was given, and returns them (as a list)
    velocity += lr * grad
    param -= velocity
    return [param, velocity]


def momentum_expanded(param: np.ndarray, grad: np.ndarray, velocity: np.ndarray, lr: float,
                      momentum: float) -> tuple[np.ndarray, np.ndarray]:
    return param - momentum * velocity - lr * grad, np.add(lr * grad, momentum * velocity)


def decay_by_logs(lr: float, final_lr: float, epoch: int, max_epochs: int) -> np.float64:
    return lr * np.exp(epoch / (max_epochs - 1) * np.log(final_lr / lr))


def decay_from_the_end(lr: float, final_lr: float, epoch: int, max_epochs: int) -> float:
    t = epoch / (max_epochs - 1)
    return final_lr * (lr / final_lr) ** (1 - t)


def decay_by_factor(lr: float, final_lr: float, epoch: int, max_epochs: int) -> np.ndarray:
    factor = (final_lr / lr) ** (1 / (max_epochs - 1))
    return np.array([lr * factor**epoch])  # one number, in an array of shape (1,)


def glorot_standard_normal(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    return rng.standard_normal((n_in, n_out)) * (2 / (n_in + n_out)) ** 0.5


def glorot_keywords(n_in: int, n_out: int, rng: np.random.Generator) -> list[list[float]]:
    return rng.normal(scale=np.sqrt(2.0 / (n_out + n_in)), size=(n_in, n_out)).tolist()


def glorot_transposed_draw(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    return rng.normal(0.0, np.sqrt(2.0 / (n_in + n_out)), size=(n_out, n_in)).T  # other numbers, the same distribution


def glorot_float32(n_in: int, n_out: int, rng: np.random.Generator) -> np.ndarray:
    rng.random()  # draws something else first: the check does not care how the numbers are drawn
    return glorot_init(n_in, n_out, rng).astype(np.float32)


def momentum_float32(param: np.ndarray, grad: np.ndarray, velocity: np.ndarray, lr: float,
                     momentum: float) -> tuple[np.ndarray, np.ndarray]:
    v = (momentum * velocity + lr * grad).astype(np.float32)
    return (param - v).astype(np.float32), v


def decay_float32(lr: float, final_lr: float, epoch: int, max_epochs: int) -> np.float32:
    return np.float32(lr * (final_lr / lr) ** (epoch / (max_epochs - 1)))


class DropoutReference:
    def __init__(self, keep_prob: float, seed: int) -> None:
        self.keep_prob, self.rng, self.mask, self.training = keep_prob, np.random.default_rng(seed), None, True

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        self.training = training
        if not training:
            return x
        self.mask = self.rng.random(x.shape) < self.keep_prob
        return x * self.mask / self.keep_prob

    def backward(self, output_grad: np.ndarray) -> np.ndarray:
        return output_grad * self.mask / self.keep_prob if self.training else output_grad


class DropoutFromLibrary:
    """The library's Dropout operation behind the exercise's interface."""

    def __init__(self, keep_prob: float, seed: int) -> None:
        self.op = library_dropout.Dropout(keep_prob, seed=seed)

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        self.op.training = training
        return self.op.forward(x)

    def backward(self, output_grad: np.ndarray) -> np.ndarray:
        return self.op.backward(output_grad)

    @property
    def mask(self) -> np.ndarray | None:
        return self.op.mask  # a float 0/1 mask


class DropoutBinomial(DropoutReference):
    """rng.binomial(1, p): other masks than rng.random() < p for p <= 0.5, the same behaviour."""

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        self.training = training
        if not training:
            return x
        self.mask = self.rng.binomial(1, self.keep_prob, size=x.shape)
        return np.where(self.mask == 1, x / self.keep_prob, 0.0)


class DropoutGreater(DropoutReference):
    """A unit kept where a uniform number is above 1 - keep_prob: the same probability, other masks."""

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        self.training = training
        if not training:
            return x
        self.mask = self.rng.random(x.shape) > 1 - self.keep_prob
        return x * self.mask / self.keep_prob


class DropoutScaledMask(DropoutReference):
    """Keeps the scaled mask (0 or 1 / keep_prob) and no `training` flag: inference clears the mask."""

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        if not training:
            self.mask = None
            return x.copy()
        self.mask = np.where(self.rng.uniform(size=x.shape) < self.keep_prob, 1 / self.keep_prob, 0.0)
        return (x * self.mask).astype(np.float32)

    def backward(self, output_grad: np.ndarray) -> np.ndarray:
        return output_grad if self.mask is None else output_grad * self.mask


class DropoutFloatMask(DropoutReference):
    """Keeps a float 0/1 mask, and a scaled copy for the products; changes x in place at training."""

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        self.training = training
        if not training:
            return x.copy()
        self.mask = (self.rng.random(x.shape) < self.keep_prob).astype(float)
        self.scaled = self.mask / self.keep_prob
        x *= self.scaled
        return x

    def backward(self, output_grad: np.ndarray) -> np.ndarray:
        return np.multiply(output_grad, self.scaled) if self.training else output_grad


RIGHT: list[tuple[Callable[..., None], Any, dict[str, Any]]] = [
    (mc.check_sgd_momentum_update, momentum_reference, {}),
    (mc.check_sgd_momentum_update, momentum_reference, {"seed": 23, "cases": mc.HIDDEN_MOMENTUM_CASES}),
    (mc.check_sgd_momentum_update, momentum_with_library_optimizer, {}),
    (mc.check_sgd_momentum_update, momentum_with_library_optimizer, {"seed": 5, "cases": mc.HIDDEN_MOMENTUM_CASES}),
    (mc.check_sgd_momentum_update, momentum_expanded, {"seed": 2}),
    (mc.check_sgd_momentum_update, momentum_float32, {}),
    (mc.check_exponential_decay, exponential_decay, {}),
    (mc.check_exponential_decay, exponential_decay, {"seed": 31, "schedules": mc.HIDDEN_SCHEDULES}),
    (mc.check_exponential_decay, decay_by_logs, {}),
    (mc.check_exponential_decay, decay_from_the_end, {"seed": 4, "schedules": mc.HIDDEN_SCHEDULES}),
    (mc.check_exponential_decay, decay_by_factor, {}),
    (mc.check_exponential_decay, decay_float32, {"seed": 31, "schedules": mc.HIDDEN_SCHEDULES}),
    (mc.check_glorot_init, glorot_init, {}),
    (mc.check_glorot_init, glorot_init, {"seed": 37, "shapes": mc.HIDDEN_GLOROT_SHAPES, "big": mc.HIDDEN_GLOROT_BIG}),
    (mc.check_glorot_init, glorot_standard_normal, {"seed": 3}),
    (mc.check_glorot_init, glorot_transposed_draw, {}),
    (mc.check_glorot_init, glorot_float32, {"seed": 37, "shapes": mc.HIDDEN_GLOROT_SHAPES, "big": mc.HIDDEN_GLOROT_BIG}),
    (mc.check_dropout, DropoutReference, {}),
    (mc.check_dropout, DropoutReference, {"seed": 41, "cases": mc.HIDDEN_DROPOUT_CASES}),
    (mc.check_dropout, DropoutFromLibrary, {}),
    (mc.check_dropout, DropoutFromLibrary, {"seed": 7, "cases": mc.HIDDEN_DROPOUT_CASES}),
    (mc.check_dropout, DropoutBinomial, {"seed": 41, "cases": mc.HIDDEN_DROPOUT_CASES}),
    (mc.check_dropout, DropoutGreater, {}),
    (mc.check_dropout, DropoutScaledMask, {"seed": 3, "cases": mc.HIDDEN_DROPOUT_CASES}),
]


@pytest.mark.parametrize(("check", "answer", "kwargs"), RIGHT)
def test_checks_accept_right_answers_quickly(check: Callable[..., None], answer: Any, kwargs: dict[str, Any]) -> None:
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check(answer, **kwargs)
    assert time.perf_counter() - start < 2.0


@pytest.mark.parametrize("seed", range(20))
def test_the_statistical_part_of_glorot_does_not_fail_a_right_answer_by_chance(seed: int) -> None:
    # 5 standard errors: a right answer fails by chance about once in a million draws
    mc.check_glorot_init(glorot_standard_normal, seed=1000 + seed)
    mc.check_glorot_init(glorot_transposed_draw, seed=2000 + seed, shapes=mc.HIDDEN_GLOROT_SHAPES, big=mc.HIDDEN_GLOROT_BIG)


@pytest.mark.parametrize("seed", range(8))
def test_the_statistical_part_of_dropout_does_not_fail_a_right_answer_by_chance(seed: int) -> None:
    mc.check_dropout(DropoutGreater, seed=100 + seed, cases=mc.VISIBLE_DROPOUT_CASES + mc.HIDDEN_DROPOUT_CASES)


# ---------------------------------------------------------------- classic mistakes and their messages


def _momentum(step: Callable[..., tuple[Any, Any]]) -> Callable[..., Any]:
    def sgd_momentum_update(param: np.ndarray, grad: np.ndarray, velocity: np.ndarray, lr: float, momentum: float) -> Any:
        return step(param, grad, velocity, lr, momentum)
    return sgd_momentum_update


def _stub(*args: Any, **kwargs: Any) -> Any:
    raise NotImplementedError()


def _decay(rate: Callable[[float, float, int, int], Any]) -> Callable[..., Any]:
    def exponential_decay(lr: float, final_lr: float, epoch: int, max_epochs: int) -> Any:
        return rate(lr, final_lr, epoch, max_epochs)
    return exponential_decay


def _glorot(draw: Callable[[int, int, np.random.Generator], Any]) -> Callable[..., Any]:
    def glorot(n_in: int, n_out: int, rng: np.random.Generator) -> Any:
        return draw(n_in, n_out, rng)
    return glorot


def _dropout(**mistake: Any) -> type:
    """A Dropout with one mistake switched on."""

    class Dropout(DropoutReference):
        def __init__(self, keep_prob: float, seed: int) -> None:
            super().__init__(keep_prob, seed)
            self.seed = seed

        def _draw(self, shape: tuple[int, ...]) -> np.ndarray:
            if mistake.get("global_random"):
                return np.random.default_rng().random(shape) < self.keep_prob
            if mistake.get("new_generator"):
                self.rng = np.random.default_rng(self.seed)
            u = self.rng.random(shape)
            return u >= self.keep_prob if mistake.get("keep_is_drop") else u < self.keep_prob

        def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
            self.training = training
            if not training and not mistake.get("at_inference") and not mistake.get("scaled_at_inference"):
                return x
            if not training and mistake.get("scaled_at_inference"):
                return x * self.keep_prob
            self.mask = self._draw(x.shape)
            scale = 1.0 if mistake.get("no_rescale") else self.keep_prob
            if mistake.get("store_scaled"):
                self.mask = self.mask / self.keep_prob
                return x * self.mask
            return x * self.mask / scale

        def backward(self, output_grad: np.ndarray) -> np.ndarray:
            if mistake.get("backward_no_mask"):
                return output_grad / self.keep_prob
            if mistake.get("backward_new_mask"):
                return output_grad * self._draw(output_grad.shape) / self.keep_prob
            if mistake.get("backward_keeps_mask"):
                return output_grad * self.mask / self.keep_prob
            return super().backward(output_grad) if not mistake.get("store_scaled") else (
                output_grad * self.mask if self.training else output_grad)

    return Dropout


class DropoutWithoutMask:
    def __init__(self, keep_prob: float, seed: int) -> None:
        self.p, self.rng = keep_prob, np.random.default_rng(seed)

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        self._m = self.rng.random(x.shape) < self.p
        return x * self._m / self.p

    def backward(self, output_grad: np.ndarray) -> np.ndarray:
        return output_grad * self._m / self.p


class DropoutStubMethods:
    def __init__(self, keep_prob: float, seed: int) -> None:
        self.keep_prob = keep_prob

    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        raise NotImplementedError()


class DropoutSameRows(DropoutReference):
    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        self.training = training
        if not training:
            return x
        self.mask = self.rng.random((1, x.shape[1])) < self.keep_prob  # one mask for the whole batch
        return x * self.mask / self.keep_prob


class DropoutSeedIgnored(DropoutReference):
    def __init__(self, keep_prob: float, seed: int) -> None:
        super().__init__(keep_prob, 0)


class DropoutKeepsAll(DropoutReference):
    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        return x.copy()


class DropoutTimesKeep(DropoutReference):
    def forward(self, x: np.ndarray, training: bool) -> np.ndarray:
        return super().forward(x, training) * self.keep_prob**2 if training else x


class DropoutReturnsList(DropoutReference):
    def forward(self, x: np.ndarray, training: bool) -> Any:
        return super().forward(x, training).tolist()


_VELOCITIES: dict[tuple[int, ...], np.ndarray] = {}


def momentum_own_velocity(param: np.ndarray, grad: np.ndarray, velocity: np.ndarray, lr: float,
                          momentum: float) -> tuple[np.ndarray, np.ndarray]:
    """Keeps its own velocity per shape and ignores the argument (right whenever one array is trained from 0)."""
    v = momentum * _VELOCITIES.get(param.shape, np.zeros_like(param)) + lr * grad
    _VELOCITIES[param.shape] = v
    return param - v, v


def _cached_momentum() -> Callable[..., Any]:
    """Uses the velocity argument the first time a shape is seen, its own cached velocity after that."""
    cache: dict[tuple[int, ...], np.ndarray] = {}

    def sgd_momentum_update(param: np.ndarray, grad: np.ndarray, velocity: np.ndarray, lr: float,
                            momentum: float) -> tuple[np.ndarray, np.ndarray]:
        v = momentum * cache.get(param.shape, velocity) + lr * grad
        cache[param.shape] = v
        return param - v, v

    return sgd_momentum_update


MISTAKES: list[tuple[Callable[..., None], Any, str]] = [
    # the course's rules: results are NumPy arrays, inputs stay unchanged
    (mc.check_dropout, DropoutFloatMask, "changed its input `x` in place"),
    (mc.check_glorot_init, glorot_keywords, "received a Python list"),
    (mc.check_sgd_momentum_update, momentum_in_place, "in place"),
    # sgd_momentum_update
    (mc.check_sgd_momentum_update, _momentum(lambda p, g, v, lr, mu: (p + (mu * v + lr * g), mu * v + lr * g)),
     "you added the velocity to the parameter"),
    (mc.check_sgd_momentum_update, _momentum(lambda p, g, v, lr, mu: (p + (mu * v - lr * g), mu * v - lr * g)),
     "your velocity has the opposite sign"),
    (mc.check_sgd_momentum_update, _momentum(lambda p, g, v, lr, mu: (p - (mu * v - lr * g), mu * v - lr * g)),
     "two minus signs"),
    (mc.check_sgd_momentum_update, _momentum(lambda p, g, v, lr, mu: (p - v, mu * v + lr * g)),
     "you moved the parameter with the old velocity"),
    (mc.check_sgd_momentum_update, _momentum(lambda p, g, v, lr, mu: (p - lr * (mu * v + lr * g), mu * v + lr * g)),
     "you multiplied by the learning rate twice"),
    (mc.check_sgd_momentum_update, _momentum(lambda p, g, v, lr, mu: (p - lr * (mu * v + g), mu * v + g)),
     "PyTorch's convention"),
    (mc.check_sgd_momentum_update, _momentum(lambda p, g, v, lr, mu: (p - mu * (v + lr * g), mu * (v + lr * g))),
     "the momentum μ multiplies the old velocity only"),
    (mc.check_sgd_momentum_update, _momentum(lambda p, g, v, lr, mu: (p - (v + mu * lr * g), v + mu * lr * g)),
     "the momentum μ multiplies the old velocity only"),
    (mc.check_sgd_momentum_update,
     _momentum(lambda p, g, v, lr, mu: (p - lr * (mu * v + (1 - mu) * g), mu * v + (1 - mu) * g)), "'moving average' form"),
    (mc.check_sgd_momentum_update, _momentum(lambda p, g, v, lr, mu: (p - lr * g, lr * g)), "this is plain SGD"),
    (mc.check_sgd_momentum_update, _momentum(lambda p, g, v, lr, mu: (p - (mu * v + lr * g), v)),
     "you returned the velocity you were given"),
    (mc.check_sgd_momentum_update, _momentum(lambda p, g, v, lr, mu: (mu * v + lr * g, p - (mu * v + lr * g))),
     "the order is (new_param, new_velocity)"),
    (mc.check_sgd_momentum_update, _momentum(lambda p, g, v, lr, mu: p - (mu * v + lr * g)), "it returned one array of shape (3, 4)"),
    (mc.check_sgd_momentum_update, _momentum(lambda p, g, v, lr, mu: None), "returned None"),
    (mc.check_sgd_momentum_update, _momentum(lambda p, g, v, lr, mu: (p, None)), "new_velocity is None"),
    (mc.check_sgd_momentum_update, _momentum(lambda p, g, v, lr, mu: (p - 2 * lr * g, mu * v + 2 * lr * g)),
     "new_velocity from sgd_momentum_update(param, grad, velocity, lr=0.05, momentum=0.8) for parameter array \"a\" "
     "of shape (3, 4), step 1 of 4"),
    (mc.check_sgd_momentum_update, _stub, "sgd_momentum_update is not written yet"),
    (mc.check_sgd_momentum_update, momentum_own_velocity, "here it was not zero"),
    (mc.check_sgd_momentum_update, _cached_momentum(), "used a velocity of its own"),
    (mc.check_sgd_momentum_update, _momentum(lambda p, g, v, lr, mu: [list(p - (mu * v + lr * g)), mu * v + lr * g]),
     "received a Python list"),
    (mc.check_sgd_momentum_update, _momentum(lambda p, g, v, lr, mu: (np.round(p - (mu * v + lr * g)).astype(int), v)),
     "received dtype int64"),
    # exponential_decay
    (mc.check_exponential_decay, _decay(lambda lr, f, e, m: lr * (f / lr) ** (e / m)), "reaches final_lr at epoch max_epochs"),
    (mc.check_exponential_decay, _decay(lambda lr, f, e, m: lr * (f / lr) ** ((e + 1) / m)), "counted the epochs from 1"),
    (mc.check_exponential_decay, _decay(linear_decay), "this is linear decay"),
    (mc.check_exponential_decay, _decay(lambda lr, f, e, m: lr * (lr / f) ** (e / (m - 1))), "the ratio is upside down"),
    (mc.check_exponential_decay, _decay(lambda lr, f, e, m: (f / lr) ** (e / (m - 1))), "you left out the starting value"),
    (mc.check_exponential_decay, _decay(lambda lr, f, e, m: lr * (f / lr) ** (e // (m - 1))), "integer division"),
    (mc.check_exponential_decay, _decay(lambda lr, f, e, m: lr * np.exp(-e / (m - 1))), "lr · exp(−t)"),
    (mc.check_exponential_decay, _decay(lambda lr, f, e, m: lr * 0.9**e), "for epoch = 0 .. 9 (index = epoch)"),
    (mc.check_exponential_decay, _decay(lambda lr, f, e, m: np.full(2, lr)), "should return one number"),
    (mc.check_exponential_decay, _decay(lambda lr, f, e, m: None), "returned None"),
    (mc.check_exponential_decay, _stub, "exponential_decay is not written yet"),
    # glorot_init
    (mc.check_glorot_init, _glorot(lambda n, m, rng: glorot_init(m, n, rng)), "this is the transpose"),
    (mc.check_glorot_init, _glorot(standard_init), "standard_init"),
    (mc.check_glorot_init, _glorot(lambda n, m, rng: rng.normal(0, np.sqrt(1 / n), (n, m))), "1 / n_in (LeCun's"),
    (mc.check_glorot_init, _glorot(lambda n, m, rng: rng.normal(0, np.sqrt(1 / m), (n, m))), "this is the variance 1 / n_out"),
    (mc.check_glorot_init, _glorot(lambda n, m, rng: rng.normal(0, np.sqrt(2 / n), (n, m))), "He's, for ReLU"),
    (mc.check_glorot_init, _glorot(lambda n, m, rng: rng.normal(0, np.sqrt(1 / (n + m)), (n, m))), "the 2 is missing"),
    (mc.check_glorot_init, _glorot(lambda n, m, rng: rng.normal(0, 2 / (n + m), (n, m))),
     "you used the variance as the standard deviation"),
    (mc.check_glorot_init, _glorot(lambda n, m, rng: rng.normal(0, (2 / (n + m)) ** 0.25, (n, m))),
     "you took the square root twice"),
    (mc.check_glorot_init, _glorot(lambda n, m, rng: rng.random((n, m)) * np.sqrt(2 / (n + m))), "centred on 0"),
    (mc.check_glorot_init, _glorot(lambda n, m, rng: rng.uniform(-np.sqrt(6 / (n + m)), np.sqrt(6 / (n + m)), (n, m))),
     "like a uniform distribution"),
    (mc.check_glorot_init, _glorot(lambda n, m, rng: rng.laplace(0, np.sqrt(1 / (n + m)), (n, m))),
     "not normally distributed"),
    (mc.check_glorot_init, _glorot(lambda n, m, rng: np.random.normal(0, np.sqrt(2 / (n + m)), (n, m))),
     "not from np.random"),
    (mc.check_glorot_init, _glorot(lambda n, m, rng: np.random.default_rng(99).normal(0, np.sqrt(2 / (n + m)), (n, m))),
     "make a generator of your own"),
    (mc.check_glorot_init, _glorot(lambda n, m, rng: np.tile(rng.normal(0, np.sqrt(2 / (n + m)), (1, m)), (n, 1))),
     "not one row or column repeated"),
    (mc.check_glorot_init, _glorot(lambda n, m, rng: rng.normal(0, np.sqrt(2 / 500), (n, m))), "must depend on the n_in and n_out of each call"),
    (mc.check_glorot_init, _glorot(lambda n, m, rng: glorot_init(n, m, rng)[:, :-1]), "expected an array of shape (300, 200)"),
    (mc.check_glorot_init, _glorot(lambda n, m, rng: np.float64(0.1)), "received one number"),
    (mc.check_glorot_init, _glorot(lambda n, m, rng: (rng.normal(size=(n, m)) > 0).astype(int)), "received dtype int64"),
    (mc.check_glorot_init, _glorot(lambda n, m, rng: None), "returned None"),
    (mc.check_glorot_init, _stub, "glorot_init is not written yet"),
    # Dropout
    (mc.check_dropout, _dropout(no_rescale=True), "the kept units are not rescaled"),
    (mc.check_dropout, _dropout(keep_is_drop=True), "keep_prob is the probability of *keeping* a unit"),
    (mc.check_dropout, _dropout(global_random=True), "not from np.random"),
    (mc.check_dropout, _dropout(new_generator=True), "Create the generator once, in __init__"),
    (mc.check_dropout, _dropout(backward_no_mask=True), "backward must drop the same units as forward"),
    (mc.check_dropout, _dropout(backward_new_mask=True), "backward dropped other units than forward"),
    (mc.check_dropout, _dropout(at_inference=True), "at inference (training=False) dropout does nothing"),
    (mc.check_dropout, _dropout(scaled_at_inference=True), "nothing is scaled at inference"),
    (mc.check_dropout, _dropout(backward_keeps_mask=True), "backward is the identity too"),
    (mc.check_dropout, DropoutWithoutMask, "at inference (training=False) dropout does nothing"),
    (mc.check_dropout, DropoutSameRows, "every row got the same mask"),
    (mc.check_dropout, DropoutSeedIgnored, "make the generator from the `seed`"),
    (mc.check_dropout, DropoutKeepsAll, "nothing was dropped"),
    (mc.check_dropout, DropoutTimesKeep, "you multiplied by keep_prob"),
    (mc.check_dropout, DropoutReturnsList, "received a Python list"),
    (mc.check_dropout, DropoutStubMethods, "Dropout.forward is not written yet"),
    (mc.check_dropout, _stub, "Dropout(0.8, 0) is not written yet"),
]


@pytest.mark.parametrize(("check", "mistake", "message"), MISTAKES)
def test_checks_name_the_classic_mistake(check: Callable[..., None], mistake: Any, message: str) -> None:
    with pytest.raises(CheckFailed) as info:
        check(mistake)
    assert message in str(info.value), str(info.value)


def test_a_wrong_answer_cannot_pass_by_changing_what_it_was_given() -> None:
    def sneaky(param: np.ndarray, grad: np.ndarray, velocity: np.ndarray, lr: float, momentum: float) -> Any:
        grad[...] = 0.0  # hoping the check compares with a step from a zero gradient
        param[...] = 0.0
        return param, velocity

    with pytest.raises(CheckFailed, match="sgd_momentum_update"):
        mc.check_sgd_momentum_update(sneaky)


def test_case_values_cannot_hide_a_mistake() -> None:
    for _shape, lr, mu, steps in mc.VISIBLE_MOMENTUM_CASES + mc.HIDDEN_MOMENTUM_CASES:
        assert steps >= 3 and lr not in (mu, 1 - mu, 1.0)  # step 2 onwards has a velocity; factors differ
    for lr, final_lr, max_epochs in mc.VISIBLE_SCHEDULES + mc.HIDDEN_SCHEDULES:
        assert 0 < final_lr < lr and max_epochs >= 2
    for n_in, n_out in mc.VISIBLE_GLOROT_SHAPES + mc.HIDDEN_GLOROT_SHAPES + (mc.VISIBLE_GLOROT_BIG, mc.HIDDEN_GLOROT_BIG):
        assert n_in != n_out
    for shape, keep_prob in mc.VISIBLE_DROPOUT_CASES + mc.HIDDEN_DROPOUT_CASES:
        assert len(set(shape)) == len(shape) and 0 < keep_prob < 1


def test_hidden_cases_differ_from_visible_ones() -> None:
    assert set(mc.HIDDEN_MOMENTUM_CASES).isdisjoint(mc.VISIBLE_MOMENTUM_CASES)
    assert set(mc.HIDDEN_SCHEDULES).isdisjoint(mc.VISIBLE_SCHEDULES)
    assert set(mc.HIDDEN_GLOROT_SHAPES).isdisjoint(mc.VISIBLE_GLOROT_SHAPES)
    assert mc.HIDDEN_GLOROT_BIG != mc.VISIBLE_GLOROT_BIG
    assert set(mc.HIDDEN_DROPOUT_CASES).isdisjoint(mc.VISIBLE_DROPOUT_CASES)


# ---------------------------------------------------------------- the checks over the grader's data-only channel

LEARNER_CODE = '''
import numpy as np

def sgd_momentum_update(param, grad, velocity, lr, momentum):
    velocity = momentum * velocity + lr * grad  # new arrays: the inputs stay as they were
    return param - velocity, velocity

def exponential_decay(lr, final_lr, epoch, max_epochs):
    return lr * (final_lr / lr) ** (epoch / (max_epochs - 1))

def glorot_init(n_in, n_out, rng):
    return rng.standard_normal((n_in, n_out)) * np.sqrt(2 / (n_in + n_out))

class Dropout:
    def __init__(self, keep_prob, seed):
        self.keep_prob, self.rng, self.mask, self.training = keep_prob, np.random.default_rng(seed), None, True
    def forward(self, x, training):
        self.training = training
        if not training:
            return x
        self.mask = self.rng.random(x.shape) < self.keep_prob
        return x * self.mask / self.keep_prob
    def backward(self, output_grad):
        return output_grad * self.mask / self.keep_prob if self.training else output_grad

def lr_twice(param, grad, velocity, lr, momentum):
    v = momentum * velocity + lr * grad
    return param - lr * v, v

def decay_off_by_one(lr, final_lr, epoch, max_epochs):
    return lr * (final_lr / lr) ** (epoch / max_epochs)

def glorot_transposed(n_in, n_out, rng):
    return rng.normal(0, np.sqrt(2 / (n_in + n_out)), size=(n_out, n_in))

class DropoutNewMaskInBackward(Dropout):
    def backward(self, output_grad):
        return output_grad * (self.rng.random(output_grad.shape) < self.keep_prob) / self.keep_prob

class DropoutStub:
    def __init__(self, keep_prob, seed):
        raise NotImplementedError()
'''


@pytest.fixture(scope="module")
def kernel_channel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    yield from open_channel(tmp_path_factory.mktemp("kernel07"), LEARNER_CODE, cell_seconds=20)


REMOTE_RIGHT = [
    (mc.check_sgd_momentum_update, "sgd_momentum_update", {"seed": 23, "cases": mc.HIDDEN_MOMENTUM_CASES}),
    (mc.check_exponential_decay, "exponential_decay", {"seed": 31, "schedules": mc.HIDDEN_SCHEDULES}),
    (mc.check_glorot_init, "glorot_init", {"seed": 37, "shapes": mc.HIDDEN_GLOROT_SHAPES, "big": mc.HIDDEN_GLOROT_BIG}),
    (mc.check_dropout, "Dropout", {"seed": 41, "cases": mc.HIDDEN_DROPOUT_CASES}),
]
REMOTE_WRONG = [
    (mc.check_sgd_momentum_update, "lr_twice", "you multiplied by the learning rate twice"),
    (mc.check_exponential_decay, "decay_off_by_one", "reaches final_lr at epoch max_epochs"),
    (mc.check_glorot_init, "glorot_transposed", "this is the transpose"),
    (mc.check_dropout, "DropoutNewMaskInBackward", "backward dropped other units than forward"),
    (mc.check_dropout, "DropoutStub", "not written yet"),
]


@pytest.mark.parametrize(("check", "name", "kwargs"), REMOTE_RIGHT)
def test_checks_pass_right_answers_in_a_sandboxed_kernel(kernel_channel: Any, check: Callable[..., None], name: str,
                                                         kwargs: dict[str, Any]) -> None:
    passes_remotely(kernel_channel, check, name, kwargs)


@pytest.mark.parametrize(("check", "name", "message"), REMOTE_WRONG)
def test_checks_name_mistakes_in_a_sandboxed_kernel(kernel_channel: Any, check: Callable[..., None], name: str,
                                                    message: str) -> None:
    fails_remotely_with(kernel_channel, check, name, message)


# ---------------------------------------------------------------- the ball in the bowl


def test_momentum_path_takes_the_optimizers_steps() -> None:
    path, losses = momentum_path(0.05, 0.9, 5)
    w, optimizer = np.array([START], dtype=float), SGDMomentum(lr=0.05, momentum=0.9)
    for row in path[1:]:
        optimizer.step([w], [bowl_gradient(w)])
        np.testing.assert_allclose(w[0], row)
    np.testing.assert_allclose(losses, bowl_loss(path))


def test_the_bowl_tells_the_story_the_text_tells() -> None:
    _, sgd = momentum_path(0.05, 0.0, 60)
    _, mom = momentum_path(0.05, 0.9, 60)
    assert mom[-1] < sgd[-1] / 50  # "about a hundred times lower"
    assert momentum_path(0.19, 0.0, 200)[1][-1] < 1e-3  # plain gradient descent: stable below 2 / b = 0.2 ...
    _, diverged = momentum_path(0.21, 0.0, 200)
    assert diverged[-1] > BOWL_DIVERGED and len(diverged) < 201  # ... diverges above it, and the path stops
    assert momentum_path(0.37, 0.9, 400)[1][-1] < 1e-3  # with momentum 0.9 the limit is 2 (1 + 0.9) / 10 = 0.38
    assert momentum_path(0.39, 0.9, 400)[1][-1] > BOWL_DIVERGED
    np.testing.assert_array_equal(momentum_path(0.05, 0.0, 10)[0], momentum_path(0.05, 0.0, 10)[0])


def test_glorot_keeps_tanh_units_unsaturated_on_the_digits() -> None:
    X = load_digits_data().X_train
    standard, glorot = activation_spread(X, "standard"), activation_spread(X, "glorot")
    assert np.all(standard["saturated"][1:] > 0.5) and np.all(standard["std"] > 3)
    assert np.all(glorot["saturated"] < 0.01) and np.all(glorot["std"] < 1)


def test_figures_and_explorer_work_headless_with_titles_and_labels() -> None:
    X = load_digits_data().X_train
    names = ["MSE, sigmoid outputs", "softmax cross-entropy", "+ momentum 0.9"]
    rng = np.random.default_rng(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figures = [
            plot_momentum_paths(),
            plot_momentum_paths(0.3, 0.5, 30),  # plain gradient descent diverges: still a picture
            plot_velocity_memory(),
            plot_output_gradients(),
            plot_decay_schedules(),
            plot_activation_spread(X, layers=3),
            plot_ladder([10, 20], {n: rng.uniform(0.4 if i == 0 else 0.9, 1.0, (3, 2)) for i, n in enumerate(names)},
                          {n: rng.uniform(0.4 if i == 0 else 0.9, 1.0, 3) for i, n in enumerate(names)}),
        ]
        for fig in figures:
            for ax in fig.axes:
                assert ax.get_title(), fig
                assert ax.get_xlabel() and ax.get_ylabel(), ax.get_title()
            assert fig._repr_png_()[:4] == b"\x89PNG"
        diagram = dropout_diagram()
        assert all(ax.get_title() for ax in diagram.axes)
        assert diagram._repr_png_()[:4] == b"\x89PNG"
        box = momentum_explorer(lr=0.02, momentum=0.5, steps=5)
        rate, mu, steps = box.children[0].children
        mu.value = 0.95  # moving a slider redraws without an error or a warning
        rate.value = 0.3
        assert "momentum 0.95" in box.children[1].value


# ---------------------------------------------------------------- the final recipe of the ladder


def test_the_final_recipe_reaches_97_percent_on_the_digits_with_seed_0() -> None:
    d = load_digits_data()
    y_train, y_test = one_hot(d.y_train, 10), one_hot(d.y_test, 10)
    net = NeuralNetwork([Dense(89, Tanh(), weight_init="glorot", dropout=0.8),
                         Dense(10, Linear(), weight_init="glorot")], SoftmaxCrossEntropy(), seed=0)
    trainer = Trainer(net, SGDMomentum(lr=0.3, momentum=0.9, final_lr=0.01, decay="exponential"))
    trainer.fit(d.X_train, y_train, d.X_test, y_test, epochs=100, eval_every=10, batch_size=60, seed=0,
                early_stopping=False, restore_best=False, progress=False)  # the last epoch's weights: nothing peeks
    assert accuracy(net, d.X_test, y_test) >= 0.97


# ---------------------------------------------------------------- the training tricks a learner meets next (library)


def test_he_init_has_variance_two_over_n_in_and_uses_the_generator() -> None:
    from dlfs.nn.init import INITIALIZERS, he_init

    W = he_init(400, 300, np.random.default_rng(0))
    assert W.shape == (400, 300) and abs(W.mean()) < 0.005
    assert W.var() == pytest.approx(2 / 400, rel=0.02)  # not Glorot's 2 / 700
    assert np.array_equal(W, he_init(400, 300, np.random.default_rng(0)))
    assert INITIALIZERS["he"] is he_init
    assert Dense(7, weight_init="he").weight_init == "he"
    with pytest.raises(ValueError, match="n_in"):
        he_init(0, 3, np.random.default_rng(0))


def test_rmsprop_scales_each_step_by_the_running_rms_of_its_gradients() -> None:
    from dlfs.nn.optim import RMSProp

    param, grads = np.array([[1.0, -2.0, 3.0]]), [np.array([[0.5, -4.0, 0.0]]), np.array([[1.0, 2.0, -1.0]])]
    opt, expected, s = RMSProp(lr=0.1, rho=0.9, eps=1e-8), param.copy(), np.zeros((1, 3))
    for g in grads:
        s = 0.9 * s + 0.1 * g**2
        expected = expected - 0.1 * g / (np.sqrt(s) + 1e-8)
        opt.step([param], [g])
    np.testing.assert_allclose(param, expected, rtol=1e-12)
    opt.reset()
    assert opt.squares == {}


def test_adam_first_step_is_about_lr_times_the_sign_and_later_steps_follow_the_formula() -> None:
    from dlfs.nn.optim import Adam

    param = np.array([[1.0, -2.0], [0.5, 3.0]])
    g1, g2 = np.array([[1e-3, -50.0], [2.0, 0.0]]), np.array([[-1.0, 3.0], [2.0, 1.0]])
    opt = Adam(lr=0.01)
    start = param.copy()
    opt.step([param], [g1])  # bias correction: the first step is lr * sign(g), whatever the gradient's size
    np.testing.assert_allclose(param - start, -0.01 * np.sign(g1), atol=1e-7)
    m, v = 0.1 * g1, 0.001 * g1**2
    m, v = 0.9 * m + 0.1 * g2, 0.999 * v + 0.001 * g2**2
    expected = param - 0.01 * (m / (1 - 0.9**2)) / (np.sqrt(v / (1 - 0.999**2)) + 1e-8)
    opt.step([param], [g2])
    np.testing.assert_allclose(param, expected, rtol=1e-12)
    with pytest.raises(ValueError, match="beta1"):
        Adam(beta1=1.0)


def test_adam_and_rmsprop_walk_down_a_bowl_with_badly_scaled_axes() -> None:
    from dlfs.nn.optim import Adam, RMSProp

    scale = np.array([[100.0, 0.01]])  # loss = sum(scale * w**2) / 2: one steep, one flat direction
    for opt in (Adam(lr=0.05), RMSProp(lr=0.01)):
        w = np.array([[1.0, 1.0]])
        for _ in range(500):
            opt.step([w], [scale * w])
        assert np.all(np.abs(w) < 0.1), (type(opt).__name__, w)


def test_weight_decay_adds_the_l2_penalty_gradient_to_every_optimizer() -> None:
    from dlfs.checks.gradcheck import numerical_gradient
    from dlfs.nn.optim import SGD, Adam, RMSProp, SGDMomentum

    rng = np.random.default_rng(3)
    param, grad = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    penalty_grad = numerical_gradient(lambda p: 0.05 / 2 * np.sum(p**2), param)
    for make in (lambda wd: SGD(lr=0.1, weight_decay=wd), lambda wd: SGDMomentum(lr=0.1, weight_decay=wd),
                 lambda wd: RMSProp(lr=0.1, weight_decay=wd), lambda wd: Adam(lr=0.1, weight_decay=wd)):
        with_decay, by_hand = param.copy(), param.copy()
        make(0.05).step([with_decay], [grad.copy()])
        make(0.0).step([by_hand], [grad + penalty_grad])
        np.testing.assert_allclose(with_decay, by_hand, rtol=1e-8)
        without = param.copy()
        make(0.0).step([without], [grad.copy()])
        assert not np.allclose(with_decay, without)  # the decay changed the step
    with pytest.raises(ValueError, match="weight_decay"):
        SGD(weight_decay=-1.0)


def test_a_float32_schedule_passes_also_as_the_python_floats_class_grading_delivers() -> None:
    # in `dlfs grade` a NumPy number crosses the kernel channel as a Python float: np.float32 -> float
    def as_float32(lr: float, final_lr: float, epoch: int, max_epochs: int) -> float:
        return float(np.float32(lr * (final_lr / lr) ** (epoch / (max_epochs - 1))))

    mc.check_exponential_decay(as_float32)
    mc.check_exponential_decay(as_float32, seed=31, schedules=mc.HIDDEN_SCHEDULES)

    def off_by_one_float32(lr: float, final_lr: float, epoch: int, max_epochs: int) -> float:
        return float(np.float32(lr * (final_lr / lr) ** (epoch / max_epochs)))

    with pytest.raises(CheckFailed, match="max_epochs"):  # the looser tolerance still sees the classic mistake
        mc.check_exponential_decay(off_by_one_float32)


def test_optimizer_paths_and_relu_init_pictures_have_titles_labels_and_tell_the_story() -> None:
    from dlfs.draw.landscapes import CURVATURES, SHIFTED_MINIMUM, decayed_minimum, optimizer_path, plot_optimizer_paths, plot_weight_decay
    from dlfs.draw.results import plot_relu_init_spread
    from dlfs.nn.optim import SGD, Adam, RMSProp

    # optimizer_path is momentum_path when handed the library's SGDMomentum
    np.testing.assert_allclose(optimizer_path(SGDMomentum(lr=0.05, momentum=0.9), 20)[0],
                               momentum_path(0.05, 0.9, 20)[0], rtol=1e-12)
    # the story the notebook tells: on the badly scaled bowl the adaptive optimizers end far below plain SGD
    sgd = optimizer_path(SGD(lr=0.05), 60)[1][-1]
    assert optimizer_path(RMSProp(lr=0.3), 60)[1][-1] < sgd / 100
    assert optimizer_path(Adam(lr=0.3), 60)[1][-1] < sgd / 10
    # SGD with weight_decay walks to the minimum of loss + penalty that the weight-decay picture draws
    w, target, curvature = np.zeros((1, 2)), np.array([SHIFTED_MINIMUM]), np.array([CURVATURES])
    optimizer = SGD(lr=0.05, weight_decay=0.4)
    for _ in range(2000):
        optimizer.step([w], [curvature * (w - target)])
    np.testing.assert_allclose(w[0], decayed_minimum(0.4), rtol=1e-6)
    assert decayed_minimum(0.4)[0] / SHIFTED_MINIMUM[0] < decayed_minimum(0.4)[1] / SHIFTED_MINIMUM[1]  # flat first
    # in ReLU layers Glorot halves the mean square per layer, He keeps it
    X = load_digits_data().X_train
    glorot = activation_spread(X, "glorot", 10, activation="relu")["rms"]
    he = activation_spread(X, "he", 10, activation="relu")["rms"]
    assert glorot[-1] < glorot[0] / 10 and he[-1] > he[0] / 2
    with pytest.raises(ValueError, match="activation"):
        activation_spread(X, "he", 2, activation="sigmoid")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figures = [plot_optimizer_paths({"SGD": SGD(lr=0.05), "Adam": Adam(lr=0.3), "RMSProp": RMSProp(lr=0.3)}),
                   plot_optimizer_paths({"diverges": SGD(lr=0.3)}, 30),  # a diverging path is still a picture
                   plot_relu_init_spread(X, layers=4), plot_weight_decay(), plot_weight_decay((0.0,))]
        for fig in figures:
            assert fig.axes
            for ax in fig.axes:
                assert ax.get_title(), fig
                assert ax.get_xlabel() and ax.get_ylabel(), ax.get_title()
            assert fig._repr_png_()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="at least one"):
        plot_optimizer_paths({})
