"""Chapter 06 in the library: the graded checks of softmax, SoftmaxCrossEntropy and Sigmoid, and the pictures.

Every check accepts the library's reference implementations and right answers
written other ways, names each classic mistake in words, and works through a
data-only stand-in for the class grader's channel (arrays and numbers in, arrays
and numbers out, the learner's objects behind handles).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from matplotlib.figure import Figure
from numpy import ndarray

from dlfs.checks import softmax as cs
from dlfs.checks.gradcheck import CheckFailed
from dlfs.draw import curves, networks, results
from dlfs.functions import sigmoid
from dlfs.nn import losses, operations
from dlfs.nn.layers import Dense
from dlfs.nn.losses import Loss, MeanSquaredError
from dlfs.nn.network import NeuralNetwork
from dlfs.nn.operations import Operation

# ---------------------------------------------------------------- right answers, written other ways


def softmax_logsumexp(x: ndarray) -> ndarray:
    m = x.max(axis=1, keepdims=True)
    return np.exp(x - (m + np.log(np.exp(x - m).sum(axis=1, keepdims=True))))


def softmax_loop(x: ndarray) -> ndarray:
    out = np.empty_like(x, dtype=float)
    for i, row in enumerate(x):
        e = np.exp(row - row.max())
        out[i] = e / e.sum()
    return out


def softmax_transposed(x: ndarray) -> ndarray:
    e = np.exp(x.T - x.T.max(axis=0))
    return (e / e.sum(axis=0)).T  # a transposed view: any layout of the right numbers is fine


def softmax_float32(x: ndarray) -> ndarray:
    return losses.softmax(x).astype(np.float32)  # float32 is compared at float32's precision


def softmax_list(x: ndarray) -> list[list[float]]:
    return losses.softmax(x).tolist()  # a nested list is refused: results are NumPy arrays


class CrossEntropyByIndex(Loss):
    """Picks the target's log-probability by index instead of multiplying by the one-hot y."""

    def _output(self) -> float:
        z, n = self.prediction, self.prediction.shape[0]
        m = z.max(axis=1, keepdims=True)
        log_p = z - m - np.log(np.exp(z - m).sum(axis=1, keepdims=True))
        return float(-log_p[np.arange(n), self.target.argmax(axis=1)].mean())

    def _input_grad(self) -> ndarray:
        n = self.prediction.shape[0]
        grad = losses.softmax(self.prediction)
        grad[np.arange(n), self.target.argmax(axis=1)] -= 1.0
        return grad / n


class CrossEntropyFloat32(Loss):
    """float32 loss and gradient."""

    def _output(self) -> np.float32:
        return np.float32(-np.sum(self.target * losses.log_softmax(self.prediction)) / self.prediction.shape[0])

    def _input_grad(self) -> ndarray:
        return ((losses.softmax(self.prediction) - self.target) / self.prediction.shape[0]).astype(np.float32)


class CrossEntropyPlain:
    """Not a Loss subclass at all: forward(prediction, target) and backward() are all a check uses."""

    def forward(self, prediction: ndarray, target: ndarray) -> np.float64:
        self.p = losses.softmax(prediction)
        self.y = target
        return -np.sum(target * losses.log_softmax(prediction)) / prediction.shape[0]

    def backward(self) -> ndarray:
        return (self.p - self.y) / self.y.shape[0]


class SigmoidFromInput(Operation):
    """σ'(x) computed from the input, in a form that cannot overflow: e^-|x| / (1 + e^-|x|)²."""

    def _output(self) -> ndarray:
        return sigmoid(self.input_)

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        e = np.exp(-np.abs(self.input_))
        return e / (1.0 + e) ** 2 * output_grad


class CrossEntropyListLoss(CrossEntropyPlain):
    def forward(self, prediction: ndarray, target: ndarray) -> Any:
        return [super().forward(prediction, target)]


class SigmoidFloat32(Operation):
    def _output(self) -> ndarray:
        return sigmoid(self.input_).astype(np.float32)

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        return (self.output * (1 - self.output) * output_grad).astype(np.float32)


RIGHT: list[tuple[Callable[..., None], Any, dict[str, Any]]] = [
    (cs.check_softmax, losses.softmax, {}),
    (cs.check_softmax, losses.softmax, {"seed": 5, "shapes": cs.HIDDEN_SHAPES}),
    (cs.check_softmax, softmax_logsumexp, {}),
    (cs.check_softmax, softmax_loop, {"shapes": cs.HIDDEN_SHAPES}),
    (cs.check_softmax, softmax_transposed, {}),
    (cs.check_softmax, softmax_float32, {"shapes": cs.HIDDEN_SHAPES}),
    (cs.check_SoftmaxCrossEntropy, losses.SoftmaxCrossEntropy, {}),
    (cs.check_SoftmaxCrossEntropy, losses.SoftmaxCrossEntropy, {"seed": 5, "shapes": cs.HIDDEN_SHAPES}),
    (cs.check_SoftmaxCrossEntropy, CrossEntropyByIndex, {}),
    (cs.check_SoftmaxCrossEntropy, CrossEntropyPlain, {"shapes": cs.HIDDEN_SHAPES}),
    (cs.check_SoftmaxCrossEntropy, CrossEntropyFloat32, {}),
    (cs.check_Sigmoid, operations.Sigmoid, {}),
    (cs.check_Sigmoid, operations.Sigmoid, {"seed": 5, "shapes": cs.HIDDEN_SHAPES}),
    (cs.check_Sigmoid, SigmoidFromInput, {}),
    (cs.check_Sigmoid, SigmoidFloat32, {"seed": 5, "shapes": cs.HIDDEN_SHAPES}),
]


@pytest.mark.parametrize(("check", "answer", "kwargs"), RIGHT)
def test_checks_accept_right_answers(check: Callable[..., None], answer: Any, kwargs: dict[str, Any]) -> None:
    check(answer, **kwargs)


# ---------------------------------------------------------------- the classic mistakes, by name


def _naive_softmax(x: ndarray) -> ndarray:
    e = np.exp(x)
    return e / e.sum(axis=1, keepdims=True)


def _global_max_softmax(x: ndarray) -> ndarray:
    e = np.exp(x - x.max())
    return e / e.sum(axis=1, keepdims=True)


def _no_keepdims_softmax(x: ndarray) -> ndarray:
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1)


def _whole_softmax(x: ndarray) -> ndarray:
    e = np.exp(x - x.max())
    return e / e.sum()


def _row_max_column_sum_softmax(x: ndarray) -> ndarray:
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def _column_max_softmax(x: ndarray) -> ndarray:
    e = np.exp(x - x.max(axis=0, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


class CrossEntropyFirstBatchOnly(Loss):
    """Computes the softmax once, on the first batch it sees, and keeps it."""

    def _output(self) -> float:
        return _ce(self.prediction, self.target)

    def _input_grad(self) -> ndarray:
        if not hasattr(self, "p"):
            self.p = losses.softmax(self.prediction)
        return (self.p - self.target) / self.prediction.shape[0]


class CrossEntropyShiftsInPlace(Loss):
    """Subtracts the row maximum from the stored logits in place during backward: a second backward is wrong."""

    def _output(self) -> float:
        return _ce(self.prediction, self.target)

    def _input_grad(self) -> ndarray:
        z = self.prediction
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        z[...] = e / e.sum(axis=1, keepdims=True)
        return (z - self.target) / z.shape[0]


def _no_return_softmax(x: ndarray) -> None:
    np.exp(x)


def _loss(output: Callable[[ndarray, ndarray], Any], grad: Callable[[ndarray, ndarray], Any]) -> type[Loss]:
    """A Loss subclass whose ``_output`` and ``_input_grad`` are the given functions of (logits, target)."""

    class Mistaken(Loss):
        def _output(self) -> Any:
            return output(self.prediction, self.target)

        def _input_grad(self) -> Any:
            return grad(self.prediction, self.target)

    return Mistaken


def _ce(z: ndarray, y: ndarray) -> float:
    return float(-np.sum(y * losses.log_softmax(z)) / z.shape[0])


def _ce_grad(z: ndarray, y: ndarray) -> ndarray:
    return (losses.softmax(z) - y) / z.shape[0]


def _naive_ce(z: ndarray, y: ndarray) -> float:
    return float(-np.sum(y * np.log(np.exp(z) / np.exp(z).sum(axis=1, keepdims=True))) / z.shape[0])


def _log_of_softmax_ce(z: ndarray, y: ndarray) -> float:
    return float(-np.sum(y * np.log(losses.softmax(z))) / z.shape[0])


def _clipped_ce(z: ndarray, y: ndarray) -> float:
    return float(-np.sum(y * np.log(np.clip(losses.softmax(z), 1e-9, 1 - 1e-9))) / z.shape[0])


def _epsilon_ce(z: ndarray, y: ndarray) -> float:
    return float(-np.sum(y * np.log(losses.softmax(z) + 1e-12)) / z.shape[0])


def _odd_epsilon_ce(z: ndarray, y: ndarray) -> float:
    return float(-np.sum(y * np.log(np.maximum(losses.softmax(z), 3e-11))) / z.shape[0])


def _naive_ce_grad(z: ndarray, y: ndarray) -> ndarray:
    e = np.exp(z)
    return (e / e.sum(axis=1, keepdims=True) - y) / z.shape[0]


def _sigmoid_op(grad: Callable[[Operation, ndarray], Any]) -> type[Operation]:
    """An Operation with the right forward and the given ``_input_grad(self, output_grad)``."""

    class Mistaken(Operation):
        def _output(self) -> ndarray:
            return sigmoid(self.input_)

        def _input_grad(self, output_grad: ndarray) -> Any:
            return grad(self, output_grad)

    return Mistaken


class SigmoidKeepsFirstGradient(Operation):
    def _output(self) -> ndarray:
        self.cached: ndarray | None = None
        return sigmoid(self.input_)

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        if self.cached is None:
            self.cached = self.output * (1 - self.output) * output_grad
        return self.cached


class SigmoidOverwritesOutput(Operation):
    """Turns the stored output into σ' in place: right once, wrong the second time."""

    def _output(self) -> ndarray:
        return sigmoid(self.input_)

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        s = self.output
        s *= 1 - s
        return s * output_grad


def _unstable_dsigmoid(op: Operation, g: ndarray) -> ndarray:
    e = np.exp(-op.input_)
    return e / (1 + e) ** 2 * g


MISTAKES: list[tuple[Callable[..., None], Any, str]] = [
    # softmax
    (cs.check_softmax, _naive_softmax, "subtract each row's maximum first"),
    (cs.check_softmax, _global_max_softmax, "maximum of the whole array"),
    (cs.check_softmax, _no_keepdims_softmax, "keepdims=True"),
    (cs.check_softmax, lambda x: losses.softmax(x, axis=0), "normalised each column (axis=0"),
    (cs.check_softmax, _row_max_column_sum_softmax, "you normalised over axis 0"),
    (cs.check_softmax, _column_max_softmax, "you subtracted each column's maximum"),
    (cs.check_softmax, softmax_list, "received a Python list"),
    (cs.check_softmax, lambda x: np.dot(x[0], x[0]), "received one number"),
    (cs.check_softmax, lambda x: losses.softmax(x) * x.shape[0], "exactly 4 times the expected one"),
    (cs.check_softmax, _whole_softmax, "sum over the whole array"),
    (cs.check_softmax, lambda x: x / x.sum(axis=1, keepdims=True), "normalised the logits themselves"),
    (cs.check_softmax, losses.log_softmax, "this is log(softmax(x))"),
    (cs.check_softmax, _no_return_softmax, "forget the `return`"),
    # SoftmaxCrossEntropy: the forward
    (cs.check_SoftmaxCrossEntropy, _loss(lambda z, y: z.shape[0] * _ce(z, y), _ce_grad), "divide by n"),
    (cs.check_SoftmaxCrossEntropy, _loss(lambda z, y: -_ce(z, y), _ce_grad), "opposite sign"),
    (cs.check_SoftmaxCrossEntropy,
     _loss(lambda z, y: float(-np.sum(y * losses.log_softmax(z, axis=0)) / z.shape[0]), _ce_grad), "over axis 0"),
    (cs.check_SoftmaxCrossEntropy, _loss(lambda z, y: float(-np.mean(y * losses.log_softmax(z))), _ce_grad),
     "averaged over all n·k elements"),
    (cs.check_SoftmaxCrossEntropy,
     _loss(lambda z, y: float(-np.sum(losses.log_softmax(z)) / z.shape[0]), _ce_grad), "only the target's class counts"),
    (cs.check_SoftmaxCrossEntropy, _loss(lambda z, y: -np.sum(y * losses.log_softmax(z), axis=1), _ce_grad),
     "must be one number"),
    (cs.check_SoftmaxCrossEntropy, _loss(lambda z, y: None, _ce_grad), "forget the `return`"),
    (cs.check_SoftmaxCrossEntropy, _loss(_naive_ce, _ce_grad), "subtract each row's max first"),
    (cs.check_SoftmaxCrossEntropy, _loss(_log_of_softmax_ce, _ce_grad), "instead of np.log(softmax(z))"),
    (cs.check_SoftmaxCrossEntropy, _loss(_clipped_ce, _ce_grad), "caps each row's loss"),
    (cs.check_SoftmaxCrossEntropy, _loss(_epsilon_ce, _ce_grad), "caps each row's loss"),
    (cs.check_SoftmaxCrossEntropy, _loss(_odd_epsilon_ce, _ce_grad), "caps each row's loss"),
    # SoftmaxCrossEntropy: the backward
    (cs.check_SoftmaxCrossEntropy, _loss(_ce, lambda z, y: losses.softmax(z) - y), "left out the 1/n"),
    (cs.check_SoftmaxCrossEntropy, _loss(_ce, lambda z, y: -_ce_grad(z, y)), "opposite sign"),
    (cs.check_SoftmaxCrossEntropy, _loss(_ce, lambda z, y: (z - y) / z.shape[0]), "used the logits z"),
    (cs.check_SoftmaxCrossEntropy, _loss(_ce, lambda z, y: (losses.softmax(z, axis=0) - y) / z.shape[0]),
     "runs over axis 0"),
    (cs.check_SoftmaxCrossEntropy, _loss(_ce, lambda z, y: _ce_grad(z, y) / z.shape[1]), "divided by n·k"),
    (cs.check_SoftmaxCrossEntropy, _loss(_ce, lambda z, y: losses.softmax(z) / z.shape[0]), "left out - y"),
    (cs.check_SoftmaxCrossEntropy, _loss(_ce, lambda z, y: -y / losses.softmax(z) / z.shape[0]),
     "gradient with respect to the probabilities"),
    (cs.check_SoftmaxCrossEntropy, _loss(_ce, lambda z, y: None), "did you forget `return`"),
    (cs.check_SoftmaxCrossEntropy, _loss(_ce, lambda z, y: _ce_grad(z, y).T),
     "_input_grad must return the prediction's shape"),
    (cs.check_SoftmaxCrossEntropy, _loss(_ce, _naive_ce_grad), "compute the softmax with each row's max subtracted"),
    (cs.check_SoftmaxCrossEntropy, CrossEntropyFirstBatchOnly, "the object of the batch before, used again"),
    (cs.check_SoftmaxCrossEntropy, CrossEntropyShiftsInPlace, "a second call of backward()"),
    (cs.check_SoftmaxCrossEntropy, CrossEntropyListLoss, "received a Python list"),
    (cs.check_SoftmaxCrossEntropy, _loss(_ce, lambda z, y: (_row_max_column_sum_softmax(z) - y) / z.shape[0]),
     "runs over axis 0"),
    # Sigmoid
    (cs.check_Sigmoid, _sigmoid_op(lambda op, g: op.output * g), "you used σ(x), the function's value"),
    (cs.check_Sigmoid, _sigmoid_op(lambda op, g: op.output * (1 - op.output)),
     "multiply it element-wise by output_grad"),
    (cs.check_Sigmoid, _sigmoid_op(lambda op, g: op.input_ * (1 - op.input_) * g), "you used the input x"),
    (cs.check_Sigmoid, _sigmoid_op(lambda op, g: sigmoid(op.output) * (1 - sigmoid(op.output)) * g),
     "already σ(x)"),
    (cs.check_Sigmoid, _sigmoid_op(lambda op, g: (1 - op.output**2) * g), "tanh's derivative"),
    (cs.check_Sigmoid, _sigmoid_op(lambda op, g: -op.output * (1 - op.output) * g), "opposite sign"),
    (cs.check_Sigmoid, _sigmoid_op(lambda op, g: op.output * (1 + op.output) * g), "with a minus"),
    (cs.check_Sigmoid, _sigmoid_op(_unstable_dsigmoid), "never overflows"),
    (cs.check_Sigmoid, SigmoidKeepsFirstGradient, "for the output_grad of the first call"),
    (cs.check_Sigmoid, SigmoidOverwritesOutput, "called a second time"),
    (cs.check_Sigmoid, _sigmoid_op(lambda op, g: (op.output * (1 - op.output) * g).tolist()), "received a Python list"),
    (cs.check_Sigmoid, _sigmoid_op(lambda op, g: None), "did you forget `return`"),
    (cs.check_Sigmoid, _sigmoid_op(lambda op, g: np.sum(op.output * (1 - op.output) * g, axis=0)),
     "_input_grad must return the input's shape"),
]


@pytest.mark.parametrize(("check", "mistake", "message"), MISTAKES)
def test_checks_name_the_classic_mistake(check: Callable[..., None], mistake: Any, message: str) -> None:
    with pytest.raises(CheckFailed) as info:
        check(mistake)
    assert message in str(info.value)


def test_not_written_yet_is_said_in_words() -> None:
    def stub(x: ndarray) -> ndarray:
        raise NotImplementedError()

    class StubLoss(Loss):
        def _output(self) -> float:
            raise NotImplementedError()

    class StubSigmoid(Operation):
        def _output(self) -> ndarray:
            return sigmoid(self.input_)

        def _input_grad(self, output_grad: ndarray) -> ndarray:
            raise NotImplementedError()

    for check, learner in ((cs.check_softmax, stub), (cs.check_SoftmaxCrossEntropy, StubLoss),
                           (cs.check_Sigmoid, StubSigmoid)):
        with pytest.raises(CheckFailed, match="not written yet"):
            check(learner)


def test_a_backward_that_disagrees_with_its_own_forward_is_caught() -> None:
    # the right gradient, but a forward that is right only at the point checked: the slope check sees it
    class Inconsistent(Loss):
        def _output(self) -> float:
            z, y = self.prediction, self.target
            return _ce(z, y) + (0.0 if getattr(type(self), "first", True) else float(np.sum(z**2)))

        def _input_grad(self) -> ndarray:
            type(self).first = False
            return _ce_grad(self.prediction, self.target)

    with pytest.raises(CheckFailed, match="against the slope of your own forward"):
        cs.check_SoftmaxCrossEntropy(Inconsistent)


def test_shapes_are_never_square_and_have_batch_and_classes() -> None:
    for n, k in cs.VISIBLE_SHAPES + cs.HIDDEN_SHAPES[:3]:
        assert n != k and k > 1
    assert all(n > 1 for n, _ in cs.VISIBLE_SHAPES)
    assert max(n for n, _ in cs.VISIBLE_SHAPES) >= 3  # the ±1000 case needs 3 rows


def test_checks_are_deterministic() -> None:
    messages = []
    for _ in range(2):
        with pytest.raises(CheckFailed) as info:
            cs.check_softmax(lambda x: losses.softmax(x, axis=0), seed=7)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


# ---------------------------------------------------------------- a data-only channel, as the class grader has


def _is_data(value: Any) -> bool:
    if isinstance(value, ndarray):
        return value.dtype != object
    if value is None or isinstance(value, bool | int | float | str | np.generic | np.random.Generator):
        return True
    if isinstance(value, tuple | list):
        return all(_is_data(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_data(v) for k, v in value.items())
    return callable(value) and "<" not in getattr(value, "__qualname__", "<") and not hasattr(value, "__self__")


def _to_channel(value: Any) -> Any:
    """What crossing the channel makes of a value: data is copied, anything else stays behind a handle."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, ndarray) and value.dtype != object:
        return value.copy()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, tuple | list):
        return type(value)(_to_channel(v) for v in value)
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _to_channel(v) for k, v in value.items()}
    return Handle(value)


class Remote:
    """The learner's function or class, reachable only by calls with data (copied both ways)."""

    def __init__(self, target: Any, name: str) -> None:
        self._target = target
        self.__name__ = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        assert _is_data(args) and _is_data(kwargs), f"the check passed something that is not data: {args!r} {kwargs!r}"
        return _to_channel(self._target(*copy.deepcopy(args), **copy.deepcopy(kwargs)))


class Handle:
    """A learner's object left behind the channel: only its attributes and methods can be asked for."""

    def __init__(self, obj: Any) -> None:
        self._obj = obj

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        value = getattr(self._obj, attr)
        return Remote(value, attr) if callable(value) else _to_channel(value)


@pytest.mark.parametrize(
    ("check", "answer", "name"),
    [(cs.check_softmax, losses.softmax, "softmax"),
     (cs.check_SoftmaxCrossEntropy, losses.SoftmaxCrossEntropy, "SoftmaxCrossEntropy"),
     (cs.check_Sigmoid, operations.Sigmoid, "Sigmoid")],
)
def test_checks_work_through_a_data_only_channel(check: Callable[..., None], answer: Any, name: str) -> None:
    check(Remote(answer, name))
    check(Remote(answer, name), seed=11, shapes=cs.HIDDEN_SHAPES)


def test_mistakes_are_named_through_a_data_only_channel() -> None:
    with pytest.raises(CheckFailed, match="left out the 1/n"):
        cs.check_SoftmaxCrossEntropy(Remote(_loss(_ce, lambda z, y: losses.softmax(z) - y), "SoftmaxCrossEntropy"))
    with pytest.raises(CheckFailed, match="multiply it element-wise by output_grad"):
        cs.check_Sigmoid(Remote(_sigmoid_op(lambda op, g: op.output * (1 - op.output)), "Sigmoid"))
    with pytest.raises(CheckFailed, match="maximum of the whole array"):
        cs.check_softmax(Remote(_global_max_softmax, "softmax"))


# ---------------------------------------------------------------- the chapter's pictures


def _titled(fig: Figure) -> bool:
    titles = [ax.get_title() for ax in fig.axes] + [fig._suptitle.get_text() if fig._suptitle else ""]
    return any(t.strip() for t in titles)


def _trained_net() -> NeuralNetwork:
    net = NeuralNetwork([Dense(5, operations.Tanh(), "glorot", dropout=0.8), Dense(3, operations.Linear(), "glorot")],
                        losses.SoftmaxCrossEntropy(), seed=0)
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(4, 6)), np.eye(3)[[0, 1, 2, 0]]
    net.train_batch(X, y)
    return net


def test_diagrams_of_a_network_have_titles_and_follow_its_layers() -> None:
    net = _trained_net()
    stack = networks.network_stack_diagram(net)
    flow = networks.forward_backward_diagram(net)
    for fig in (stack, flow, networks.operation_diagram(), networks.operation_diagram(param=True), networks.loss_graph_diagram()):
        assert _titled(fig)
        assert fig._repr_png_()[:4] == b"\x89PNG"
    texts = " ".join(t.get_text() for t in flow.axes[0].texts)
    for name in ("WeightMultiply", "BiasAdd", "Tanh", "Dropout", "Linear", "SoftmaxCrossEntropy"):
        assert name in texts
    assert "(4, 5)" in texts and "(5, 3)" in texts  # shapes read from the network's own arrays


def test_diagrams_of_an_unbuilt_network_name_its_layers() -> None:
    net = NeuralNetwork([Dense(7), Dense(2, operations.Linear())], MeanSquaredError())
    texts = " ".join(t.get_text() for t in networks.network_stack_diagram(net).axes[0].texts)
    assert "Dense(7" in texts and "MeanSquaredError" in texts


def test_plots_have_titles_and_labelled_axes() -> None:
    rng = np.random.default_rng(0)
    histories = {"a": {"epoch": [10, 20], "test_accuracy": [0.5, 0.6]},
                 "b": {"epoch": [10, 20], "test_accuracy": [0.4, 0.7]}}
    figures = [
        results.plot_digits(rng.uniform(size=(6, 64)), np.arange(6)),
        curves.plot_softmax_bars(np.array([2.0, 1.0, -1.0])),
        curves.plot_loss_against_probability(),
        curves.plot_gradient_against_logit(),
        curves.plot_float64_range(np.array([1000.0, 998.0, 990.0])),
        results.plot_accuracy_histories(histories),
        results.plot_learning_rate_sweep([0.1, 0.3], {"a": [0.5, 0.6], "b": [0.7, 0.2]}),
    ]
    for fig in figures:
        assert _titled(fig)
        labelled = [ax for ax in fig.axes if ax.get_xlabel() and ax.get_ylabel()]
        assert labelled, f"no labelled axes in {fig.axes[0].get_title()!r}"


# ---------------------------------------------------------------- the construction exercises: numerical_gradient,
# WeightMultiply, BiasAdd, dense_backward

from dlfs.checks.gradcheck import numerical_gradient as reference_numerical_gradient  # noqa: E402
from dlfs.nn.layers import dense_backward as reference_dense_backward  # noqa: E402
from dlfs.nn.operations import BiasAdd, ParamOperation, WeightMultiply  # noqa: E402


def numgrad_flat(f: Callable[[ndarray], float], x: ndarray, delta: float = 1e-6) -> ndarray:
    """Over the flattened elements, a one-hot nudge array, float32 result."""
    flat = x.astype(float).ravel()
    grad = np.empty_like(flat)
    for i in range(flat.size):
        e = np.zeros_like(flat)
        e[i] = delta
        grad[i] = (f((flat + e).reshape(x.shape)) - f((flat - e).reshape(x.shape))) / (2 * delta)
    return grad.reshape(x.shape).astype(np.float32)


def numgrad_restores_exactly(f: Callable[[ndarray], float], x: ndarray, delta: float = 1e-6) -> ndarray:
    """Nudges a copy in place and puts the old value back by assignment (exact)."""
    work, grad = x.copy(), np.zeros_like(x, dtype=float)
    for idx in np.ndindex(x.shape):
        old = work[idx]
        work[idx] = old + delta
        up = f(work)
        work[idx] = old - delta
        down = f(work)
        work[idx] = old
        grad[idx] = (up - down) / (2 * delta)
    return grad


def _numgrad(kind: str) -> Callable[..., Any]:
    def numerical_gradient(f: Callable[[ndarray], float], x: ndarray, delta: float = 1e-6) -> Any:
        if kind == "in place":
            grad = np.zeros_like(x)
            for idx in np.ndindex(x.shape):
                x[idx] += delta
                up = f(x)
                x[idx] -= 2 * delta
                down = f(x)
                x[idx] += delta
                grad[idx] = (up - down) / (2 * delta)
            return grad
        if kind == "not restored":
            grad = np.zeros_like(x)
            for idx in np.ndindex(x.shape):
                x[idx] += delta
                grad[idx] = (f(x) - f(x - 2 * delta * (np.arange(x.size).reshape(x.shape) == np.ravel_multi_index(idx, x.shape)))) / (2 * delta)
            return grad
        if kind == "own delta":
            return reference_numerical_gradient(f, x, 1e-4)
        if kind == "forward":
            return numgrad_flat(lambda v: f(v), x, delta) * 0 + np.array(
                [(f(x + delta * (np.arange(x.size) == i).reshape(x.shape)) - f(x)) / delta for i in range(x.size)]).reshape(x.shape)
        if kind == "2 delta":
            return reference_numerical_gradient(f, x, delta) * 2
        if kind == "list":
            return reference_numerical_gradient(f, x, delta).tolist()
        if kind == "rows":
            grad = np.zeros(len(x))
            for i in range(len(x)):
                up, down = x.copy(), x.copy()
                up[i] += delta
                down[i] -= delta
                grad[i] = (f(up) - f(down)) / (2 * delta)
            return grad
        raise AssertionError(kind)
    return numerical_gradient


class WeightMultiplyEinsum(ParamOperation):
    def _output(self) -> ndarray:
        return self.input_ @ self.param

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        return np.einsum("nm,km->nk", output_grad, self.param)

    def _param_grad(self, output_grad: ndarray) -> ndarray:
        return np.einsum("nk,nm->km", self.input_, output_grad).astype(np.float32)


class BiasAddOnes(ParamOperation):
    def _output(self) -> ndarray:
        return self.input_ + self.param

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        return output_grad.copy()

    def _param_grad(self, output_grad: ndarray) -> ndarray:
        return np.ones((1, output_grad.shape[0])) @ output_grad  # a row of ones adds up the rows


def _param_class(base: type, input_grad: Callable[[Any, ndarray], Any] | None = None,
                 param_grad: Callable[[Any, ndarray], Any] | None = None) -> type:
    """A subclass of the library's WeightMultiply or BiasAdd with one method replaced by a mistake."""
    methods: dict[str, Any] = {}
    if input_grad is not None:
        methods["_input_grad"] = lambda self, g: input_grad(self, g)
    if param_grad is not None:
        methods["_param_grad"] = lambda self, g: param_grad(self, g)
    return type(base.__name__, (base,), methods)


class WeightMultiplyCachesInput(WeightMultiply):
    """Keeps the first batch's input for param_grad: wrong after a second forward."""

    def _param_grad(self, output_grad: ndarray) -> ndarray:
        if not hasattr(self, "first"):
            self.first = self.input_
        return self.first.T @ output_grad


def dense_backward_from_layers(X: ndarray, W: ndarray, B: ndarray, output_grad: ndarray) -> dict[str, ndarray]:
    """The library's framework, used as the exercise's stand-in: WeightMultiply, BiasAdd, Tanh in a row."""
    ops = [WeightMultiply(W.copy()), BiasAdd(B.copy()), operations.Tanh()]
    out = X
    for op in ops:
        out = op.forward(out)
    grad = output_grad
    for op in reversed(ops):
        grad = op.backward(grad)
    return {"X": grad, "W": ops[0].param_grad, "B": ops[1].param_grad}  # type: ignore[dict-item]


def _dense(dN: Callable[[ndarray, ndarray, ndarray, ndarray], ndarray], b: Callable[[ndarray], Any] = lambda d: d.sum(axis=0, keepdims=True)) -> Callable[..., Any]:
    def dense_backward(X: ndarray, W: ndarray, B: ndarray, output_grad: ndarray) -> dict[str, Any]:
        d = dN(X, W, B, output_grad)
        return {"X": d @ W.T, "W": X.T @ d, "B": b(d)}
    return dense_backward


CONSTRUCTION_RIGHT: list[tuple[Callable[..., None], Any, dict[str, Any]]] = [
    (cs.check_numerical_gradient, reference_numerical_gradient, {}),
    (cs.check_numerical_gradient, reference_numerical_gradient, {"seed": 3, "cases": cs.HIDDEN_NUMGRAD_CASES}),
    (cs.check_numerical_gradient, numgrad_flat, {}),
    (cs.check_numerical_gradient, numgrad_restores_exactly, {"seed": 3, "cases": cs.HIDDEN_NUMGRAD_CASES}),
    (cs.check_WeightMultiply, WeightMultiply, {}),
    (cs.check_WeightMultiply, WeightMultiplyEinsum, {"seed": 5, "shapes": cs.HIDDEN_PARAM_SHAPES}),
    (cs.check_BiasAdd, BiasAdd, {}),
    (cs.check_BiasAdd, BiasAddOnes, {"seed": 5, "shapes": cs.HIDDEN_PARAM_SHAPES}),
    (cs.check_dense_backward, reference_dense_backward, {}),
    (cs.check_dense_backward, dense_backward_from_layers, {"seed": 4, "shapes": cs.HIDDEN_DENSE_SHAPES}),
]


@pytest.mark.parametrize(("check", "answer", "kwargs"), CONSTRUCTION_RIGHT)
def test_construction_checks_accept_right_answers_quickly(check: Callable[..., None], answer: Any, kwargs: dict[str, Any]) -> None:
    import time

    start = time.perf_counter()
    check(answer, **kwargs)
    assert time.perf_counter() - start < 2.0


def _tanh_out(X: ndarray, W: ndarray, B: ndarray) -> ndarray:
    return np.tanh(X @ W + B)


CONSTRUCTION_MISTAKES: list[tuple[Callable[..., None], Any, str]] = [
    (cs.check_numerical_gradient, _numgrad("in place"), "does not always give back the same float"),
    (cs.check_numerical_gradient, _numgrad("not restored"), "changed its input `x` in place"),
    (cs.check_numerical_gradient, _numgrad("own delta"), "another Δ than the `delta` you were given"),
    (cs.check_numerical_gradient, _numgrad("forward"), "this is the forward difference"),
    (cs.check_numerical_gradient, _numgrad("2 delta"), "twice the expected one"),
    (cs.check_numerical_gradient, _numgrad("list"), "received a Python list"),
    (cs.check_numerical_gradient, _numgrad("rows"), "you nudged whole rows"),
    (cs.check_WeightMultiply, _param_class(WeightMultiply, input_grad=lambda op, g: g @ op.param), "matrix product's inner dimensions"),
    (cs.check_WeightMultiply, _param_class(WeightMultiply, param_grad=lambda op, g: g.T @ op.input_), "_param_grad must return"),
    (cs.check_WeightMultiply, _param_class(WeightMultiply, input_grad=lambda op, g: np.ones_like(g) @ op.param.T), "you left out output_grad"),
    (cs.check_WeightMultiply, _param_class(WeightMultiply, param_grad=lambda op, g: op.input_.T @ g / len(g)), "you divided by the batch size"),
    (cs.check_WeightMultiply, WeightMultiplyCachesInput, "after a second forward on a new batch"),
    (cs.check_WeightMultiply, _param_class(WeightMultiply, param_grad=lambda op, g: (op.input_.T @ g).tolist()), "received a Python list"),
    (cs.check_BiasAdd, _param_class(BiasAdd, param_grad=lambda op, g: g), "adds up the rows of output_grad"),
    (cs.check_BiasAdd, _param_class(BiasAdd, param_grad=lambda op, g: g.sum(axis=1, keepdims=True)), "you summed over axis 1"),
    (cs.check_BiasAdd, _param_class(BiasAdd, param_grad=lambda op, g: g.sum(axis=0)), "keepdims=True"),
    (cs.check_BiasAdd, _param_class(BiasAdd, param_grad=lambda op, g: g.mean(axis=0, keepdims=True)), "a sum, not a mean"),
    (cs.check_BiasAdd, _param_class(BiasAdd, param_grad=lambda op, g: np.sum(g)), "everything added up into one number"),
    (cs.check_BiasAdd, _param_class(BiasAdd, param_grad=lambda op, g: g.sum(keepdims=True)), "added up everything"),
    (cs.check_BiasAdd, _param_class(BiasAdd, param_grad=lambda op, g: None), "a missing `return`"),
    (cs.check_BiasAdd, _param_class(BiasAdd, input_grad=lambda op, g: np.ones_like(g)), "output_grad itself, unchanged"),
    (cs.check_dense_backward, _dense(lambda X, W, B, G: G * (1 - np.tanh(X @ W) ** 2)), "tanh' at X W, without B"),
    (cs.check_dense_backward, _dense(lambda X, W, B, G: G * _tanh_out(X, W, B)), "tanh's value"),
    (cs.check_dense_backward, _dense(lambda X, W, B, G: G), "left out tanh's derivative"),
    (cs.check_dense_backward, _dense(lambda X, W, B, G: G * (1 - _tanh_out(X, W, B))), "squared"),
    (cs.check_dense_backward, _dense(lambda X, W, B, G: G * _tanh_out(X, W, B) * (1 - _tanh_out(X, W, B))), "sigmoid's derivative"),
    (cs.check_dense_backward, _dense(lambda X, W, B, G: 1 - _tanh_out(X, W, B) ** 2), "you left out output_grad"),
    (cs.check_dense_backward, _dense(lambda X, W, B, G: G * (1 - _tanh_out(X, W, B) ** 2), b=lambda d: d), "add up the rows"),
    (cs.check_dense_backward, _dense(lambda X, W, B, G: G * (1 - _tanh_out(X, W, B) ** 2), b=lambda d: d.sum()), "received one number"),
    (cs.check_dense_backward, lambda X, W, B, G: tuple(reference_dense_backward(X, W, B, G).values()), "should return a dict"),
]


@pytest.mark.parametrize(("check", "mistake", "message"), CONSTRUCTION_MISTAKES)
def test_construction_checks_name_the_classic_mistake(check: Callable[..., None], mistake: Any, message: str) -> None:
    with pytest.raises(CheckFailed) as info:
        check(mistake)
    assert message in str(info.value), str(info.value)


def test_probe_functions_are_smooth_and_shape_aware() -> None:
    rng = np.random.default_rng(1)
    for f in (cs.probe_wave, cs.probe_logsumexp, cs.probe_tanh_layer):
        x = rng.normal(size=(3, 4))
        assert isinstance(f(x), float)
        # a very small Δ and a moderate one agree: the functions are smooth where the checks evaluate them
        np.testing.assert_allclose(reference_numerical_gradient(f, x, 1e-6), reference_numerical_gradient(f, x, 1e-4), rtol=1e-5, atol=1e-7)
        assert f is not cs.probe_tanh_layer or f(x) != f(x.ravel())  # a flattened x gives another value


LEARNER_CONSTRUCTION = '''
import numpy as np
from dlfs.nn.operations import ParamOperation

def numerical_gradient(f, x, delta=1e-6):
    work, grad = x.astype(float), np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        old = work[idx]
        work[idx] = old + delta; up = f(work)
        work[idx] = old - delta; down = f(work)
        work[idx] = old
        grad[idx] = (up - down) / (2 * delta)
    return grad

def numerical_gradient_forward(f, x, delta=1e-6):
    f0, grad = f(x), np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        up = x.astype(float); up[idx] += delta
        grad[idx] = (f(up) - f0) / delta
    return grad

class WeightMultiply(ParamOperation):
    def _output(self):
        return self.input_ @ self.param
    def _input_grad(self, output_grad):
        return output_grad @ self.param.T
    def _param_grad(self, output_grad):
        return self.input_.T @ output_grad

class BiasAdd(ParamOperation):
    def _output(self):
        return self.input_ + self.param
    def _input_grad(self, output_grad):
        return output_grad
    def _param_grad(self, output_grad):
        return output_grad.mean(axis=0, keepdims=True)

def dense_backward(X, W, B, output_grad):
    O = np.tanh(X @ W + B)
    dN = output_grad * (1 - O ** 2)
    return {"X": dN @ W.T, "W": X.T @ dN, "B": dN.sum(axis=0, keepdims=True)}
'''


def test_construction_checks_work_through_the_graders_channel(tmp_path: Any) -> None:
    from conftest import open_channel

    from dlfs_autograder.remote import RemoteFunction

    gen = open_channel(tmp_path, LEARNER_CONSTRUCTION, cell_seconds=20)
    channel = next(gen)
    try:
        cs.check_numerical_gradient(RemoteFunction(channel, "numerical_gradient"), seed=3, cases=cs.HIDDEN_NUMGRAD_CASES)
        cs.check_WeightMultiply(RemoteFunction(channel, "WeightMultiply"))
        cs.check_dense_backward(RemoteFunction(channel, "dense_backward"))
        with pytest.raises(CheckFailed, match="forward difference"):
            cs.check_numerical_gradient(RemoteFunction(channel, "numerical_gradient_forward"))
        with pytest.raises(CheckFailed, match="a sum, not a mean"):
            cs.check_BiasAdd(RemoteFunction(channel, "BiasAdd"))
    finally:
        gen.close()


# ---------------------------------------------------------------- the numbers the chapter's prose quotes


def test_the_numbers_in_chapter_06s_practitioner_checks_are_the_ones_its_code_prints() -> None:
    import nbformat
    from conftest import solution_path

    from dlfs.data.prepare import one_hot
    from dlfs.data.shipped import load_digits_data
    from dlfs.nn.metrics import confusion_matrix, top_confusions
    from dlfs.nn.optim import SGDMomentum
    from dlfs.nn.trainer import Trainer

    nb = nbformat.read(str(solution_path("06_softmax")), as_version=4)
    text = " ".join(" ".join(c.source.split()) for c in nb.cells if c.cell_type == "markdown")
    d = load_digits_data(test_fraction=0.3, seed=0)
    Y_train, Y_test = one_hot(d.y_train, 10), one_hot(d.y_test, 10)

    def net(init: str, loss: Loss, dropout: float = 1.0) -> NeuralNetwork:
        return NeuralNetwork([Dense(89, operations.Tanh(), weight_init=init, dropout=dropout),
                              Dense(10, operations.Linear(), weight_init=init)], loss, seed=0)

    for init in ("glorot", "standard"):  # 6.1: the mean loss before training
        start = -np.sum(Y_train * losses.log_softmax(net(init, losses.SoftmaxCrossEntropy()).predict(d.X_train)), axis=1)
        assert f"mean starting loss is {start.mean():.3f}" in text or f"the mean is {start.mean():.3f}" in text
        share = f"{np.mean(start > 2 * np.log(10)):.0%}".replace("%", " %")
        assert init == "glorot" and share == "0 %" or f"{share} of the images start above twice" in text

    def overfit(loss: Loss) -> dict[str, list[float]]:  # 6.2: 300 steps on 20 images
        return Trainer(net("glorot", loss), SGDMomentum(lr=0.3, momentum=0.9)).fit(
            d.X_train[:20], Y_train[:20], d.X_train[:20], Y_train[:20], epochs=300, eval_every=1, batch_size=20, seed=0,
            early_stopping=False, restore_best=False, progress=False)

    class ForgotTheTarget(losses.SoftmaxCrossEntropy):
        def _input_grad(self) -> ndarray:
            return losses.softmax(self.prediction) / len(self.prediction)

    class WrongSign(losses.SoftmaxCrossEntropy):
        def _input_grad(self) -> ndarray:
            return -super()._input_grad()

    good, forgot, wrong = overfit(losses.SoftmaxCrossEntropy()), overfit(ForgotTheTarget()), overfit(WrongSign())
    assert 1e-5 < good["train_loss"][-1] < 1e-3 and good["test_accuracy"][-1] == 1.0 and "to $10^{-4}$" in text
    assert round(forgot["train_loss"][-1]) == 46 and forgot["test_accuracy"][-1] == 0.2 and "ends at 46 with 20 %" in text
    assert 8.5e4 < wrong["train_loss"][-1] < 9.5e4 and wrong["test_accuracy"][-1] == 0.0 and r"$9 \cdot 10^{4}$" in text

    trained = net("glorot", losses.SoftmaxCrossEntropy(), dropout=0.8)  # 6.3: section 5.1's cross-entropy network
    Trainer(trained, SGDMomentum(lr=0.3, momentum=0.9, final_lr=0.01, decay="exponential")).fit(
        d.X_train, Y_train, d.X_test, Y_test, epochs=100, eval_every=5, batch_size=60, seed=0,
        early_stopping=False, restore_best=False, progress=False)
    matrix = confusion_matrix(d.y_test, trained.predict(d.X_test), 10)
    assert f"{np.trace(matrix)} of the {matrix.sum()} test digits" in text
    assert f"({np.trace(matrix) / matrix.sum():.1%})".replace("%", " %") in text
    (i, j, count), *rest = top_confusions(matrix, 10)
    assert (i, j, count) == (8, 1, 2) and all(n == 1 for _, _, n in rest) and "an 8 read as a 1, happens twice" in text
    recall = np.diag(matrix) / matrix.sum(axis=1)
    assert [int(v) for v in np.argsort(recall)[:2]] == [8, 6] and "the 8s (93 %) and the 6s (94 %)" in text
