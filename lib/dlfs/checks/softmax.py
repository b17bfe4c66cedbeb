"""Checks for chapter 06_softmax.

- :func:`check_softmax` -- a row-wise softmax of a ``(batch, classes)`` array, stable for logits of ±1000.
- :func:`check_SoftmaxCrossEntropy` -- the learner's loss class: ``forward(logits, target)`` is the mean
  cross-entropy of the batch, ``backward()`` its exact gradient ``(softmax - y) / n``.
- :func:`check_Sigmoid` -- the learner's operation: ``backward(output_grad)`` is
  ``σ(x)(1 - σ(x)) * output_grad``.

Every gradient is compared twice, in float64: with a central-difference gradient of the
true loss (which names the classic mistakes), and with a central-difference gradient of
the learner's *own* forward (a backward must be the slope of its forward). Batches have
more than one row and more than one class and are never square, so a softmax over the
wrong axis, a missing ``1/n`` or a missing ``keepdims`` cannot hide.

The learner's function or class is only ever called: with arrays (always fresh copies),
and its objects are only asked for their methods' results, so the checks work the same
in the notebook and in the class grader, which reaches the learner's code over a
data-only channel.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy import ndarray

from dlfs.checks.gradcheck import HINT_NONE, CheckFailed, as_float_array, assert_close, call_learner, check_gradient
from dlfs.functions import sigmoid
from dlfs.nn.losses import log_softmax
from dlfs.nn.losses import softmax as _softmax

#: (batch n, classes k): batch > 1, classes > 1, never square.
VISIBLE_SHAPES: tuple[tuple[int, int], ...] = ((4, 3), (3, 5), (6, 2))
HIDDEN_SHAPES: tuple[tuple[int, int], ...] = ((5, 7), (2, 4), (7, 10), (9, 3))

#: The slope of the learner's own forward is taken with a larger Δ and compared more loosely than the
#: true gradient (which is checked tightly first): a forward computed in float32 keeps about 7 digits,
#: too few for Δ = 1e-6, and a backward that disagrees with its forward is off by far more than this.
OWN_DELTA, OWN_RTOL, OWN_ATOL = 1e-2, 2e-3, 2e-4

# ---------------------------------------------------------------- hints

HINT_SOFTMAX_AXIS0 = (
    "you normalised each column (axis=0, down the batch); softmax turns each row (one observation's "
    "logits) into probabilities: use axis=1 with keepdims=True."
)
HINT_SOFTMAX_WHOLE = (
    "you divided by the sum over the whole array; each row must sum to 1 on its own: "
    "np.sum(..., axis=1, keepdims=True)."
)
HINT_SOFTMAX_AXIS0_SHIFTED = (
    "you normalised over axis 0: each column of your result sums to 1, but softmax turns each row (one "
    "observation's logits) into probabilities: divide by np.sum(e, axis=1, keepdims=True)."
)
HINT_SOFTMAX_COLUMN_MAX = (
    "you subtracted each column's maximum (axis=0): only a constant per row leaves a row's softmax unchanged, "
    "so subtract each row's own maximum, np.max(x, axis=1, keepdims=True)."
)
HINT_SOFTMAX_NO_EXP = "you normalised the logits themselves; softmax normalises their exponentials: exp(x) / sum(exp(x))."
HINT_SOFTMAX_LOG = "this is log(softmax(x)); softmax returns the probabilities themselves, each in (0, 1]."
HINT_KEEPDIMS = (
    "a row sum of shape (n,) cannot divide an (n, k) array row by row; keep it a column: "
    "np.sum(e, axis=1, keepdims=True) has shape (n, 1), and so does np.max(x, axis=1, keepdims=True)."
)
HINT_OVERFLOW = (
    "np.exp of a large logit overflows (np.exp(1000) is inf, and inf / inf is nan): subtract each row's "
    "maximum first, x - np.max(x, axis=1, keepdims=True). That does not change the result, and then "
    "np.exp never sees a positive number."
)
HINT_GLOBAL_MAX = (
    "the row whose logits are all about -1000 went wrong, and the rows that hold the largest logit did not: "
    "you subtracted the maximum of the whole array, so that row's exponentials all underflow to 0, and "
    "0 / 0 is nan. Subtract each row's own maximum: np.max(x, axis=1, keepdims=True)."
)
HINT_LOSS_SUM = "you added up the rows' losses; the loss is their mean: divide by n, the number of rows."
HINT_LOSS_SIGN = "your loss has the opposite sign: the cross-entropy is -Σ y log p (a log of a probability is ≤ 0)."
HINT_LOSS_AXIS0 = (
    "you took the softmax over axis 0 (down the batch); each row's logits make one probability "
    "distribution: softmax over axis=1."
)
HINT_LOSS_MEAN_ALL = (
    "you averaged over all n·k elements; sum over the k classes and average over the n rows: "
    "-np.sum(y * log_p) / n."
)
HINT_LOSS_ALL_CLASSES = (
    "you added -log p over every class; only the target's class counts: multiply log p by the one-hot y "
    "before summing."
)
HINT_LOSS_NOT_SCALAR = (
    "the loss must be one number, the mean over the batch; _output returned one number per row or per "
    "element. Sum over the classes and over the rows, then divide by n."
)
HINT_LOSS_CLIPPED = (
    "clipping the probabilities (or adding a small ε inside the log) caps each row's loss at -log ε, "
    "so for a confidently wrong row the loss is far too small. Compute log-softmax directly, "
    "log p = z - max - log Σ exp(z - max): exact and finite for any logits."
)
HINT_LOSS_NOT_FINITE = (
    "two usual causes: np.exp of a large logit overflows (subtract each row's max first), or log of a "
    "probability that underflowed to 0 (log 0 = -inf, and 0 · log 0 = nan). Compute log-softmax directly, "
    "log p = z - max - log Σ exp(z - max), instead of np.log(softmax(z))."
)
HINT_GRAD_NO_MEAN = (
    "you left out the 1/n: the loss is a mean over the n rows, so its gradient is (softmax(z) - y) / n."
)
HINT_GRAD_SIGN = "your gradient has the opposite sign: it is softmax(z) - y, not y - softmax(z)."
HINT_GRAD_LOGITS = (
    "you used the logits z where the probabilities belong: the gradient is (softmax(z) - y) / n."
)
HINT_GRAD_AXIS0 = "your softmax runs over axis 0 (down the batch); it must run over axis=1 (the classes of each row)."
HINT_GRAD_MEAN_ALL = "you divided by n·k; the loss averages over the n rows only, so divide by n."
HINT_GRAD_NO_Y = "you left out - y: the gradient is (softmax(z) - y) / n."
HINT_GRAD_WRT_P = (
    "this is ∂L/∂p, the gradient with respect to the probabilities; backward must return the gradient "
    "with respect to the logits z the loss was given, and through the softmax the chain rule simplifies "
    "it to (softmax(z) - y) / n."
)
HINT_GRAD_NOT_FINITE = (
    "np.exp of a large logit overflows: compute the softmax with each row's max subtracted first."
)
HINT_SCALAR_GRAD = (
    "_input_grad returned one number (or None): did you forget `return`, or add everything up? "
    "It must return an array of the shape of what it is the gradient of."
)
HINT_SIGMOID_VALUE = (
    "you used σ(x), the function's value; the chain rule needs its derivative, σ'(x) = σ(x)(1 - σ(x)), "
    "times output_grad."
)
HINT_SIGMOID_NO_GRAD = (
    "you returned σ'(x) alone; by the chain rule, multiply it element-wise by output_grad "
    "(∂L/∂output, which backward is given)."
)
HINT_SIGMOID_INPUT = (
    "you used the input x in place of σ(x): σ'(x) = σ(x)(1 - σ(x)) uses the output, stored in self.output."
)
HINT_SIGMOID_TWICE = (
    "you applied σ to self.output, which is already σ(x): use self.output * (1 - self.output) directly."
)
HINT_SIGMOID_TANH = "1 - σ(x)² is the pattern of tanh's derivative; the sigmoid's is σ(x)(1 - σ(x))."
HINT_SIGMOID_ONE_PLUS = "check the factor (1 - σ(x)): σ'(x) = σ(x) * (1 - σ(x)), with a minus."
HINT_SIGMOID_STALE = (
    "this is the gradient for the output_grad of the first call: compute backward from the output_grad it is "
    "given each time (don't keep the result of an earlier call)."
)
HINT_SIGMOID_NOT_FINITE = (
    "computing σ'(x) as exp(-x) / (1 + exp(-x))² overflows for x = -1000 (inf / inf is nan). Use the output "
    "the forward pass stored: self.output * (1 - self.output) never overflows."
)


# ---------------------------------------------------------------- reference values and cases


def _cross_entropy(Z: ndarray, Y: ndarray) -> float:
    """The true loss, in float64: mean over rows of -Σ y log softmax(z)."""
    return float(-np.sum(Y * log_softmax(Z)) / Z.shape[0])


def _case(rng: np.random.Generator, n: int, k: int, scale: float = 2.5) -> tuple[ndarray, ndarray]:
    """Logits ``(n, k)`` and one-hot targets ``(n, k)`` with at least two different classes."""
    Z = rng.normal(size=(n, k)) * scale
    labels = rng.integers(0, k, size=n)
    if n > 1 and np.all(labels == labels[0]):
        labels[-1] = (labels[0] + 1) % k
    Y = np.zeros((n, k))
    Y[np.arange(n), labels] = 1.0
    return Z, Y


def _extreme_case(rng: np.random.Generator, n: int, k: int) -> tuple[ndarray, ndarray]:
    """Logits of about ±1000, with targets, for a batch of ``n >= 3`` rows and ``k >= 2`` classes.

    Row 0 is confidently wrong (its target class at -1000, another class at +1000: a loss of
    about 2000); row 1 has every logit near -1000 (a max subtracted over the whole array, not
    per row, makes all of its exponentials underflow); row 2 is confidently right; the other
    rows are uniform in [-1000, 1000].
    """
    _, Y = _case(rng, n, k)
    labels = Y.argmax(axis=1)
    Z = np.zeros((n, k))
    Z[0] = rng.normal(size=k)
    Z[0, labels[0]] = -1000.0
    Z[0, (labels[0] + 1) % k] = 1000.0
    Z[1] = -1000.0 + rng.normal(size=k)
    Z[2] = rng.normal(size=k)
    Z[2, labels[2]] = 1000.0
    Z[3:] = rng.uniform(-1000.0, 1000.0, size=(n - 3, k))  # 1000 stays the largest logit of the array
    return Z, Y


def _ratio(a: ndarray, b: ndarray) -> ndarray:
    with np.errstate(all="ignore"):
        return a / b


def _method(obj: Any, name: str, label: str) -> Callable[..., Any]:
    """``obj.<name>``, or a clear failure if the learner's object has no such method."""
    __tracebackhide__ = True
    try:
        method = getattr(obj, name)
    except AttributeError:
        raise CheckFailed(f"{label} has no method {name}(): did you subclass the right base class?") from None
    if not callable(method):
        raise CheckFailed(f"{label}.{name} should be a method, but it is not callable.")
    return method


def _make(cls: Callable[[], Any], name: str) -> Any:
    """A new instance of the learner's class, made by calling it without arguments."""
    __tracebackhide__ = True
    return call_learner(cls, name=f"{name}()")


def _call(func: Callable[..., Any], *args: Any, name: str, scalar_hint: str = "") -> Any:
    """:func:`call_learner`, with hints for a forgotten ``return`` and, optionally, a loss that is not one number."""
    __tracebackhide__ = True
    try:
        return call_learner(func, *args, name=name)
    except CheckFailed as exc:
        text = str(exc)
        if "NoneType" in text:
            raise CheckFailed(f"{text}\n  Hint: {HINT_NONE}") from None
        if "received shape ()" in text:
            raise CheckFailed(f"{text}\n  Hint: {HINT_SCALAR_GRAD}") from None
        if scalar_hint and ("converted to Python scalars" in text or "only length-1 arrays" in text
                          or "0-dimensional" in text):
            raise CheckFailed(f"{text}\n  Hint: {scalar_hint}") from None
        raise


# ---------------------------------------------------------------- softmax


def _softmax_mistakes(X: ndarray) -> dict[str, ndarray]:
    with np.errstate(all="ignore"):
        e = np.exp(X - X.max())
        e_row = np.exp(X - X.max(axis=1, keepdims=True))
        e_col = np.exp(X - X.max(axis=0, keepdims=True))
        return {
            HINT_SOFTMAX_AXIS0: _softmax(X, axis=0),
            HINT_SOFTMAX_AXIS0_SHIFTED: e_row / e_row.sum(axis=0, keepdims=True),
            HINT_SOFTMAX_COLUMN_MAX: e_col / e_col.sum(axis=1, keepdims=True),
            HINT_SOFTMAX_WHOLE: e / e.sum(),
            HINT_SOFTMAX_NO_EXP: _ratio(X, X.sum(axis=1, keepdims=True)),
            HINT_SOFTMAX_LOG: log_softmax(X),
        }


def _softmax_result(softmax: Callable[[ndarray], Any], X: ndarray) -> tuple[ndarray, Any]:
    """The learner's softmax of ``X``: as a float64 array (the dtype policy applied), and as returned."""
    __tracebackhide__ = True
    try:
        got = call_learner(softmax, X.copy(), name="softmax")
    except CheckFailed as exc:
        if "could not be broadcast" in str(exc):  # the generic hint gives way to the one that fits softmax
            raise CheckFailed(f"{str(exc).split(chr(10))[0]}\n  Hint: {HINT_KEEPDIMS}") from None
        raise
    return as_float_array(got, f"softmax(x) for x of shape {X.shape}", X), got


def check_softmax(softmax: Callable[[ndarray], ndarray], seed: int = 0,
                  shapes: Sequence[tuple[int, int]] = VISIBLE_SHAPES) -> None:
    """``softmax(x)`` turns every row of ``x`` ``(n, k)`` into probabilities: ``exp(x) / sum(exp(x))`` along
    axis 1, shape ``(n, k)``, finite for logits of ±1000."""
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    for n, k in shapes:
        X, _ = _case(rng, n, k)
        _, raw = _softmax_result(softmax, X)
        assert_close(raw, _softmax(X), what=f"softmax(x) for x of shape {X.shape}", rtol=1e-6, atol=1e-12,
                     mistakes=_softmax_mistakes(X))
    n, k = max(shapes, key=lambda s: s[0])
    X, _ = _extreme_case(rng, max(n, 3), max(k, 2))
    got, raw = _softmax_result(softmax, X)
    what = f"softmax(x) for logits of about ±1000, x of shape {X.shape}"
    if got.shape == X.shape and not np.all(np.isfinite(got)):
        bad_rows = sorted({int(i) for i in np.nonzero(~np.isfinite(got))[0]})
        # rows 0 and 2 hold the array's largest logit, 1000: a max taken over the whole array keeps them finite
        hint = HINT_GLOBAL_MAX if 1 in bad_rows and 0 not in bad_rows and 2 not in bad_rows else HINT_OVERFLOW
        raise CheckFailed(f"{what} contains nan or inf (in row(s) {bad_rows}).\n  Hint: {hint}")
    assert_close(raw, _softmax(X), what=what, rtol=1e-6, atol=1e-12, mistakes=_softmax_mistakes(X))


# ---------------------------------------------------------------- SoftmaxCrossEntropy


def _loss_mistakes(Z: ndarray, Y: ndarray) -> dict[str, float]:
    n, k = Z.shape
    L = _cross_entropy(Z, Y)
    return {
        HINT_LOSS_SUM: n * L,
        HINT_LOSS_SIGN: -L,
        HINT_LOSS_AXIS0: float(-np.sum(Y * log_softmax(Z, axis=0)) / n),
        HINT_LOSS_MEAN_ALL: L / k,
        HINT_LOSS_ALL_CLASSES: float(-np.sum(log_softmax(Z)) / n),
    }


def _grad_mistakes(Z: ndarray, Y: ndarray) -> dict[str, ndarray]:
    n, k = Z.shape
    P = _softmax(Z)
    with np.errstate(all="ignore"):
        wrt_p = -_ratio(Y, P) / n
    return {
        HINT_GRAD_NO_MEAN: P - Y,
        HINT_GRAD_SIGN: (Y - P) / n,
        HINT_GRAD_LOGITS: (Z - Y) / n,
        HINT_GRAD_AXIS0: (_softmax(Z, axis=0) - Y) / n,
        HINT_GRAD_AXIS0 + " ": (_row_shifted_column_softmax(Z) - Y) / n,
        HINT_GRAD_MEAN_ALL: (P - Y) / (n * k),
        HINT_GRAD_NO_Y: P / n,
        HINT_GRAD_WRT_P: wrt_p,
    }


def _row_shifted_column_softmax(Z: ndarray) -> ndarray:
    """Each row's max subtracted, then normalised over axis 0: a softmax over the wrong axis, written stably."""
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def _loss_value(loss: Any, what: str) -> float:
    __tracebackhide__ = True
    value = as_float_array(loss, what, 0.0)
    if value.ndim != 0:
        raise CheckFailed(f"{what} should be one number; received an array of shape {value.shape}.\n"
                          f"  Hint: {HINT_LOSS_NOT_SCALAR}")
    return float(value)


def check_SoftmaxCrossEntropy(SoftmaxCrossEntropy: Callable[[], Any], seed: int = 0,
                              shapes: Sequence[tuple[int, int]] = VISIBLE_SHAPES) -> None:
    """``SoftmaxCrossEntropy()`` is a loss: ``forward(z, y)`` returns ``-(1/n) Σ y log softmax(z)`` for logits
    ``z`` and one-hot targets ``y`` of shape ``(n, k)``; ``backward()`` returns ``(softmax(z) - y) / n``,
    shape ``(n, k)``. Both stay finite and exact for logits of ±1000."""
    __tracebackhide__ = True
    cls = SoftmaxCrossEntropy
    rng = np.random.default_rng(seed)
    obj = None
    for n, k in shapes:
        Z, Y = _case(rng, n, k)
        label = f"for logits z and targets y of shape {Z.shape}"
        if obj is None:
            obj = _make(cls, "SoftmaxCrossEntropy")
        else:  # the same object again, on a new batch: nothing may be left over from the last one
            label += " (the object of the batch before, used again)"
        again = " (the object of the batch before, used again)" if "used again" in label else ""
        forward = _method(obj, "forward", "SoftmaxCrossEntropy()")
        backward = _method(obj, "backward", "SoftmaxCrossEntropy()")
        loss = _call(forward, Z.copy(), Y.copy(), name=f"SoftmaxCrossEntropy().forward{again}",
                     scalar_hint=HINT_LOSS_NOT_SCALAR)
        what = f"the loss from forward(z, y) {label}"
        assert_close(_loss_value(loss, what), _cross_entropy(Z, Y), what=what, rtol=1e-6, atol=1e-10,
                     mistakes=_loss_mistakes(Z, Y))

        grad = _call(backward, name=f"SoftmaxCrossEntropy().backward{again}")
        mistakes = _grad_mistakes(Z, Y)
        # 1. against the true loss: the gradient of the mean cross-entropy, whatever the learner's forward does
        check_gradient(grad, lambda z: _cross_entropy(z, Y), Z, what=f"the gradient from backward() {label}",
                       rtol=1e-5, atol=1e-8, mistakes=mistakes)
        # 2. against the learner's own forward: a backward must be the slope of its forward
        fresh = _make(cls, "SoftmaxCrossEntropy")
        fresh_forward = _method(fresh, "forward", "SoftmaxCrossEntropy()")

        def own_loss(z: ndarray) -> float:
            value = _call(fresh_forward, z, Y.copy(), name="SoftmaxCrossEntropy().forward")
            return _loss_value(value, "the loss from SoftmaxCrossEntropy().forward")

        check_gradient(grad, own_loss, Z,
                       what=f"the gradient from backward() {label}, against the slope of your own forward",
                       rtol=OWN_RTOL, atol=OWN_ATOL, delta=OWN_DELTA, mistakes=mistakes)
        # 3. backward a second time: the same gradient (nothing it keeps may have changed)
        assert_close(_call(backward, name="SoftmaxCrossEntropy().backward"), (_softmax(Z) - Y) / Z.shape[0],
                     what=f"the gradient from a second call of backward() {label}", rtol=1e-6, atol=1e-10,
                     mistakes=mistakes)

    n, k = max(shapes, key=lambda s: s[0])
    Z, Y = _extreme_case(rng, max(n, 3), max(k, 2))
    label = f"for logits of about ±1000 (z and y of shape {Z.shape})"
    obj = _make(cls, "SoftmaxCrossEntropy")
    forward = _method(obj, "forward", "SoftmaxCrossEntropy()")
    backward = _method(obj, "backward", "SoftmaxCrossEntropy()")
    what = f"the loss from forward(z, y) {label}"
    loss = _loss_value(_call(forward, Z.copy(), Y.copy(), name="SoftmaxCrossEntropy().forward",
                             scalar_hint=HINT_LOSS_NOT_SCALAR), what)
    expected = _cross_entropy(Z, Y)
    if not np.isfinite(loss):
        raise CheckFailed(f"{what} is {loss}; it should be {expected:.6g}.\n  Hint: {HINT_LOSS_NOT_FINITE}")
    try:
        assert_close(loss, expected, what=what, rtol=1e-6, atol=1e-10,
                     mistakes=[*_loss_mistakes(Z, Y).items(), *((HINT_LOSS_CLIPPED, c) for c in _clipped_losses(Z, Y))])
    except CheckFailed as exc:
        if "Hint:" in str(exc) or loss > expected:
            raise
        # finite and too small here, though right for ordinary logits: capped by some other ε, most likely
        raise CheckFailed(f"{exc}\n  Hint: {HINT_LOSS_CLIPPED}") from None
    what = f"the gradient from backward() {label}"
    raw = _call(backward, name="SoftmaxCrossEntropy().backward")
    grad = as_float_array(raw, what, Z)
    if grad.shape == Z.shape and not np.all(np.isfinite(grad)):
        raise CheckFailed(f"{what} contains nan or inf.\n  Hint: {HINT_GRAD_NOT_FINITE}")
    assert_close(raw, (_softmax(Z) - Y) / Z.shape[0], what=what, rtol=1e-6, atol=1e-10, mistakes=_grad_mistakes(Z, Y))


def _clipped_losses(Z: ndarray, Y: ndarray) -> list[float]:
    """What clipping the probabilities at the usual ε (or adding ε inside the log) gives."""
    P, n = _softmax(Z), Z.shape[0]
    out = []
    for eps in (1e-7, 1e-8, 1e-9, 1e-10, 1e-12, 1e-15):
        out.append(float(-np.sum(Y * np.log(np.clip(P, eps, 1 - eps))) / n))
        out.append(float(-np.sum(Y * np.log(P + eps)) / n))
    return out


# ---------------------------------------------------------------- Sigmoid


def _sigmoid_mistakes(X: ndarray, G: ndarray) -> dict[str, ndarray]:
    S = sigmoid(X)
    return {
        HINT_SIGMOID_VALUE: S * G,
        HINT_SIGMOID_NO_GRAD: S * (1 - S),
        HINT_SIGMOID_INPUT: X * (1 - X) * G,
        HINT_SIGMOID_TWICE: sigmoid(S) * (1 - sigmoid(S)) * G,
        HINT_SIGMOID_TANH: (1 - S**2) * G,
        HINT_SIGMOID_ONE_PLUS: S * (1 + S) * G,
    }


def _sigmoid_backward(cls: Callable[[], Any], X: ndarray, *Gs: ndarray) -> tuple[Any, list[Any]]:
    """A fresh ``Sigmoid()``: its forward(X), then backward(G) for every G in ``Gs``; the raw results,
    after the dtype policy's checks."""
    __tracebackhide__ = True
    op = _make(cls, "Sigmoid")
    forward = _method(op, "forward", "Sigmoid()")
    backward = _method(op, "backward", "Sigmoid()")
    out = _call(forward, X.copy(), name="Sigmoid().forward")
    as_float_array(out, f"Sigmoid().forward(input_) for input_ of shape {X.shape}", X)
    out = out.copy()  # as it was: a backward that writes into the stored output must not change what is checked
    grads = []
    for G in Gs:
        grad = _call(backward, G.copy(), name="Sigmoid().backward")
        as_float_array(grad, f"Sigmoid().backward(output_grad) for output_grad of shape {G.shape}", G)
        grads.append(grad)
    return out, grads


def check_Sigmoid(Sigmoid: Callable[[], Any], seed: int = 0,
                  shapes: Sequence[tuple[int, int]] = VISIBLE_SHAPES) -> None:
    """``Sigmoid()`` is an operation: after ``forward(x)``, ``backward(output_grad)`` returns
    ``σ(x)(1 - σ(x)) * output_grad`` (shape of ``x``), also for inputs of ±1000."""
    __tracebackhide__ = True
    cls = Sigmoid
    rng = np.random.default_rng(seed)
    for n, k in shapes:
        X = rng.normal(size=(n, k)) * 2.0
        G = rng.normal(size=(n, k))  # not all ones: a backward that ignores output_grad must show
        G2 = rng.normal(size=(n, k))
        label = f"for input_ and output_grad of shape {X.shape}"
        out, (grad, grad2) = _sigmoid_backward(cls, X, G, G2)
        assert_close(out, sigmoid(X), what=f"Sigmoid().forward(input_) {label}", rtol=1e-9, atol=1e-12)
        mistakes = _sigmoid_mistakes(X, G)
        # 1. against the true σ: L = sum(output_grad * σ(x)) has the gradient σ'(x) * output_grad
        check_gradient(grad, lambda x: np.sum(G * sigmoid(x)), X, what=f"Sigmoid().backward(output_grad) {label}",
                       mistakes=mistakes)
        # 2. against the learner's own forward
        fresh_forward = _method(_make(cls, "Sigmoid"), "forward", "Sigmoid()")
        check_gradient(
            grad, lambda x: np.sum(G * np.asarray(_call(fresh_forward, x, name="Sigmoid().forward"), dtype=np.float64)),
            X, what=f"Sigmoid().backward(output_grad) {label}, against the slope of your own forward",
            rtol=OWN_RTOL, atol=OWN_ATOL, delta=OWN_DELTA, mistakes=mistakes)
        # 3. backward again, after the same forward, with another output_grad (nothing kept may have changed)
        S = sigmoid(X)
        assert_close(grad2, S * (1 - S) * G2, what=f"Sigmoid().backward(output_grad) {label}, called a second time "
                     "after the same forward, with another output_grad", rtol=1e-6, atol=1e-12,
                     mistakes={**_sigmoid_mistakes(X, G2), HINT_SIGMOID_STALE: S * (1 - S) * G})

    n, k = max(shapes, key=lambda s: s[0])
    X = rng.choice([-1000.0, 1000.0], size=(n, k)) + rng.normal(size=(n, k))
    X[0, 0] = 0.5  # one ordinary value, so the result is not all zeros
    G = rng.normal(size=(n, k))
    label = f"for inputs of about ±1000, shape {X.shape}"
    out, (raw,) = _sigmoid_backward(cls, X, G)
    assert_close(out, sigmoid(X), what=f"Sigmoid().forward(input_) {label}", rtol=1e-9, atol=1e-12)
    what = f"Sigmoid().backward(output_grad) {label}"
    grad = as_float_array(raw, what, X)
    if grad.shape == X.shape and not np.all(np.isfinite(grad)):
        raise CheckFailed(f"{what} contains nan or inf.\n  Hint: {HINT_SIGMOID_NOT_FINITE}")
    S = sigmoid(X)
    assert_close(raw, S * (1 - S) * G, what=what, rtol=1e-6, atol=1e-12, mistakes=_sigmoid_mistakes(X, G))


# ---------------------------------------------------------------- numerical_gradient: the learner's own gradient checker

#: (shape of x, delta): None calls numerical_gradient(f, x) with its default Δ. A large Δ shows whether
#: the Δ given is the one used (central differences with another Δ give other numbers).
VISIBLE_NUMGRAD_CASES: tuple[tuple[tuple[int, ...], float | None], ...] = (((3, 4), None), ((5,), 0.05), ((2, 3, 2), 0.1))
HIDDEN_NUMGRAD_CASES: tuple[tuple[tuple[int, ...], float | None], ...] = (
    ((4, 2), None), ((6,), 0.2), ((1, 5), 0.02), ((2, 2, 3), None))

HINT_NUMGRAD_FORWARD = (
    "this is the forward difference (f(x + Δ) - f(x)) / Δ, whose error is of the size of Δ; nudge each element "
    "both ways and use the central difference (f(x + Δ) - f(x - Δ)) / (2Δ)."
)
HINT_NUMGRAD_BACKWARD = "this is the backward difference (f(x) - f(x - Δ)) / Δ; use the central difference (f(x + Δ) - f(x - Δ)) / (2Δ)."
HINT_NUMGRAD_DELTA = (
    "these are central differences with another Δ than the `delta` you were given: use the argument "
    "(its default, 1e-6, only when none is given)."
)
HINT_NUMGRAD_NO_DIVISION = "you left out the division: the slope is (f(x + Δ) - f(x - Δ)) / (2Δ)."
HINT_NUMGRAD_ROWS = (
    "you nudged whole rows (x[i] is a row of a 2-D array) and got one number per row: visit every element, "
    "e.g. `for idx in np.ndindex(x.shape)`, and nudge x[idx]."
)
HINT_NUMGRAD_RESIDUE = (
    "adding Δ and then subtracting it does not always give back the same float (rounding): the caller's x came "
    "back changed in its last digits. Nudge a copy (x.astype(float) makes one) and leave x as it was."
)


def _probe_coefficients(shape: tuple[int, ...]) -> ndarray:
    return np.cos(1.0 + np.arange(int(np.prod(shape)))).reshape(shape)


def probe_wave(x: ndarray) -> float:
    """A scalar function of an array of any shape for checking gradient checkers:
    ``Σ sin(x) c + ½ (Σ x c)²`` with fixed coefficients ``c`` (every element counts differently)."""
    c = _probe_coefficients(np.shape(x))
    return float(np.sum(np.sin(x) * c) + 0.5 * np.sum(x * c) ** 2)


def probe_logsumexp(x: ndarray) -> float:
    """``log Σ exp(x)``, a scalar function of an array of any shape."""
    m = float(np.max(x))
    return float(m + np.log(np.sum(np.exp(x - m))))


def probe_tanh_layer(x: ndarray) -> float:
    """``Σ tanh(x M)`` with a fixed ``M`` of shape ``(x.shape[-1], 3)``: needs ``x`` in its own shape."""
    M = _probe_coefficients((np.shape(x)[-1], 3)) * 1.5
    return float(np.sum(np.tanh(np.asarray(x) @ M)))


_PROBES: tuple[Callable[[ndarray], float], ...] = (probe_wave, probe_logsumexp, probe_tanh_layer)


def _differences(f: Callable[[ndarray], float], x: ndarray, delta: float, kind: str) -> ndarray:
    """One-sided or central differences of ``f`` at ``x``, element by element, in float64."""
    point = np.array(x, dtype=np.float64)
    out = np.zeros_like(point)
    f0 = f(point.copy())
    for idx in np.ndindex(point.shape):
        up, down = point.copy(), point.copy()
        up[idx] += delta
        down[idx] -= delta
        if kind == "forward":
            out[idx] = (f(up) - f0) / delta
        elif kind == "backward":
            out[idx] = (f0 - f(down)) / delta
        else:
            out[idx] = (f(up) - f(down)) / (2 * delta)
    return out


def check_numerical_gradient(numerical_gradient: Callable[..., Any], seed: int = 0,
                             cases: Sequence[tuple[tuple[int, ...], float | None]] = VISIBLE_NUMGRAD_CASES) -> None:
    """``numerical_gradient(f, x, delta=1e-6)`` returns the central differences ``(f(x + Δ e_i) - f(x - Δ e_i)) / (2Δ)``
    for every element ``i`` of ``x`` (any shape), an array of ``x``'s shape, and leaves ``x`` unchanged.

    Compared with the exact central differences with the same Δ, on functions the learner has not met
    (:func:`probe_wave`, :func:`probe_logsumexp`, :func:`probe_tanh_layer`), for 1-, 2- and 3-D ``x``; large
    Δs show whether the given one is used.
    """
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    for i, (shape, delta) in enumerate(cases):
        f = _PROBES[i % len(_PROBES)]
        x = rng.normal(size=shape)
        given = x.copy()
        used = 1e-6 if delta is None else delta
        call = (f"numerical_gradient({f.__name__}, x{'' if delta is None else f', {delta:g}'}) for x of shape {shape}"
                + (" (the default Δ, 1e-6)" if delta is None else ""))
        args = (f, given) if delta is None else (f, given, delta)
        got = call_learner(numerical_gradient, *args, name="numerical_gradient", may_change=(1,))
        if not np.array_equal(given, x):
            residue = bool(np.allclose(given, x, rtol=1e-12, atol=1e-15))
            idx = tuple(int(v) for v in np.unravel_index(int(np.argmax(given != x)), shape))
            raise CheckFailed(
                f"numerical_gradient changed its input `x` in place: x{list(idx)} went from {float(x[idx])!r} to "
                f"{float(given[idx])!r}."
                + (f"\n  Hint: {HINT_NUMGRAD_RESIDUE}" if residue else
                   " Nudge a copy of x (x.astype(float) makes one) and leave x as it was."))
        expected = _differences(f, x, used, "central")
        mistakes = [(HINT_NUMGRAD_FORWARD, _differences(f, x, used, "forward")),
                    (HINT_NUMGRAD_BACKWARD, _differences(f, x, used, "backward")),
                    (HINT_NUMGRAD_NO_DIVISION, expected * 2 * used)]
        if delta is not None:
            mistakes += [(HINT_NUMGRAD_DELTA, _differences(f, x, d, "central")) for d in (1e-6, 1e-5, 1e-4, 1e-3, 1e-2)]
        if len(shape) >= 2 and isinstance(got, ndarray) and got.shape == shape[:1]:
            raise CheckFailed(f"the gradient from {call}: expected an array of shape {shape}, received shape {got.shape}.\n"
                              f"  Hint: {HINT_NUMGRAD_ROWS}")
        assert_close(got, expected, what=f"the gradient from {call}", rtol=1e-6, atol=1e-8, mistakes=mistakes)


# ---------------------------------------------------------------- WeightMultiply and BiasAdd: the backward of a ParamOperation

#: (batch n, inputs k, outputs m): all different, batch > 1.
VISIBLE_PARAM_SHAPES: tuple[tuple[int, int, int], ...] = ((4, 3, 5), (6, 2, 3), (3, 5, 2))
HIDDEN_PARAM_SHAPES: tuple[tuple[int, int, int], ...] = ((5, 4, 2), (2, 3, 6), (7, 1, 4))

HINT_WM_ORDER = (
    "the factors are in the wrong order or a .T is missing: with output = X @ W and G = ∂L/∂output (n, m), "
    "∂L/∂X = G @ W.T has X's shape (n, k), and ∂L/∂W = X.T @ G has W's shape (k, m)."
)
HINT_WM_NO_G = (
    "you left out output_grad: by the chain rule, backward multiplies by ∂L/∂output, the array it is given "
    "(here not all ones): G @ W.T and X.T @ G."
)
HINT_WM_SWAPPED = "you returned the other gradient: _input_grad is ∂L/∂input_ = G @ W.T; _param_grad is ∂L/∂W = X.T @ G."
HINT_WM_MEAN = "you divided by the batch size: the loss's gradient G already holds any 1/n, so ∂L/∂W = X.T @ G, a plain sum over the rows."
HINT_BIAS_IDENTITY = (
    "∂(x + B)/∂x is 1, so the input's gradient is output_grad itself, unchanged (not ones, not multiplied by B)."
)
HINT_BIAS_NOT_SUMMED = (
    "B (1, m) is added to every row, so its gradient adds up the rows of output_grad: "
    "output_grad.sum(axis=0, keepdims=True), shape (1, m) like B."
)
HINT_BIAS_AXIS1 = "you summed over axis 1 (the m outputs); sum over axis 0 (the n rows): one number per output, shape (1, m)."
HINT_BIAS_KEEPDIMS = "the numbers are right but B has shape (1, m), not (m,): keep the axis, .sum(axis=0, keepdims=True)."
HINT_BIAS_MEAN = "you averaged over the rows; B is added to every row, so their gradients add up: a sum, not a mean."
HINT_BIAS_ALL = "you added up everything into one number: sum over axis 0 only, one number per output, shape (1, m)."
HINT_STALE = (
    "this is the gradient of an earlier call: compute backward from the output_grad it is given and the input of "
    "the last forward, each time."
)


def _param_op(cls: Callable[..., Any], name: str, param: ndarray) -> Any:
    __tracebackhide__ = True
    return call_learner(cls, param.copy(), name=f"{name}(param)")


def _param_backward(op: Any, name: str, G: ndarray, hints: Mapping[str, str]) -> tuple[Any, Any]:
    """``op.backward(G)`` and then ``op.param_grad``; a shape error of the base class gets the hint for its shape."""
    __tracebackhide__ = True
    backward = _method(op, "backward", f"{name}(param)")
    try:
        input_grad = call_learner(backward, G.copy(), name=f"{name}.backward")
    except CheckFailed as exc:
        text = str(exc)
        method = "_param_grad" if "_param_grad must return" in text else "_input_grad"
        hints = {"received shape ()": f"{method} returned one number (or None): a missing `return`, or everything added "
                                      "up into one number? It returns an array of the shape of what it is the gradient of.",
                 **hints}
        hint = next((h for key, h in hints.items() if key in text), None)
        if hint and "Hint:" not in text:
            raise CheckFailed(f"{text}\n  Hint: {hint}") from None
        raise
    try:
        param_grad = op.param_grad
    except AttributeError:
        raise CheckFailed(f"{name}(param) has no attribute param_grad after backward: did you subclass ParamOperation?") from None
    return input_grad, param_grad


def check_WeightMultiply(WeightMultiply: Callable[..., Any], seed: int = 0,
                         shapes: Sequence[tuple[int, int, int]] = VISIBLE_PARAM_SHAPES) -> None:
    """``WeightMultiply(W)`` with ``forward(X) = X @ W``: ``backward(G)`` returns ``∂L/∂X = G Wᵀ`` ``(n, k)`` and sets
    ``param_grad = ∂L/∂W = Xᵀ G`` ``(k, m)``, both checked against central differences of ``Σ G ⊙ (X W)``;
    then backward again with another ``G``, and a second forward on a new batch."""
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    for n, k, m in shapes:
        W = rng.normal(size=(k, m))
        op = _param_op(WeightMultiply, "WeightMultiply", W)
        forward = _method(op, "forward", "WeightMultiply(W)")
        for attempt, label in ((0, "the first forward"), (1, "a second forward on a new batch")):
            X = rng.normal(size=(n, k))
            assert_close(_call(forward, X.copy(), name="WeightMultiply.forward"), X @ W, rtol=1e-9, atol=1e-12,
                         what=f"WeightMultiply(W).forward(X) for X {X.shape}, W {W.shape}")
            Gs = [rng.normal(size=(n, m)) for _ in range(2 if attempt == 0 else 1)]
            for j, G in enumerate(Gs):
                what = (f"after {label}, for X {X.shape}, W {W.shape}, output_grad {G.shape}"
                        + (", backward called a second time with another output_grad" if j else ""))
                shape_hints = {"_input_grad must return": HINT_WM_ORDER, "_param_grad must return": HINT_WM_ORDER}
                input_grad, param_grad = _param_backward(op, "WeightMultiply", G, shape_hints)
                ones = np.ones_like(G)
                check_gradient(input_grad, lambda x: np.sum(G * (x @ W)), X, what=f"∂L/∂X from backward(output_grad) {what}",
                               mistakes=[(HINT_WM_NO_G, ones @ W.T), (HINT_WM_SWAPPED, X.T @ G), (HINT_STALE, Gs[0] @ W.T)])
                check_gradient(param_grad, lambda w: np.sum(G * (X @ w)), W, what=f"param_grad, ∂L/∂W, {what}",
                               mistakes=[(HINT_WM_NO_G, X.T @ ones), (HINT_WM_SWAPPED, G @ W.T), (HINT_WM_MEAN, X.T @ G / n),
                                         (HINT_STALE, X.T @ Gs[0])])


def check_BiasAdd(BiasAdd: Callable[..., Any], seed: int = 0,
                  shapes: Sequence[tuple[int, int, int]] = VISIBLE_PARAM_SHAPES) -> None:
    """``BiasAdd(B)`` with ``forward(X) = X + B`` (``B`` of shape ``(1, m)`` added to every row): ``backward(G)``
    returns ``∂L/∂X = G`` and sets ``param_grad = ∂L/∂B = Σ over rows of G``, shape ``(1, m)``; checked against
    central differences, twice, and after a second forward."""
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    for n, _, m in shapes:
        B = rng.normal(size=(1, m))
        op = _param_op(BiasAdd, "BiasAdd", B)
        forward = _method(op, "forward", "BiasAdd(B)")
        for attempt, label in ((0, "the first forward"), (1, "a second forward on a new batch")):
            X = rng.normal(size=(n, m))
            assert_close(_call(forward, X.copy(), name="BiasAdd.forward"), X + B, rtol=1e-9, atol=1e-12,
                         what=f"BiasAdd(B).forward(X) for X {X.shape}, B {B.shape}")
            Gs = [rng.normal(size=(n, m)) for _ in range(2 if attempt == 0 else 1)]
            for j, G in enumerate(Gs):
                what = (f"after {label}, for X {X.shape}, B {B.shape}, output_grad {G.shape}"
                        + (", backward called a second time with another output_grad" if j else ""))
                shape_hints = {f"received shape {(n, m)}": HINT_BIAS_NOT_SUMMED, f"received shape {(n, 1)}": HINT_BIAS_AXIS1,
                               f"received shape {(m,)}": HINT_BIAS_KEEPDIMS, f"received shape {(1, 1)}": HINT_BIAS_ALL}
                input_grad, param_grad = _param_backward(op, "BiasAdd", G, shape_hints)
                check_gradient(input_grad, lambda x: np.sum(G * (x + B)), X, what=f"∂L/∂X from backward(output_grad) {what}",
                               mistakes=[(HINT_BIAS_IDENTITY, np.ones_like(G)), (HINT_BIAS_IDENTITY, G * B),
                                         (HINT_BIAS_IDENTITY, G + B), (HINT_STALE, Gs[0])])
                check_gradient(param_grad, lambda b: np.sum(G * (X + b)), B, what=f"param_grad, ∂L/∂B, {what}",
                               mistakes=[(HINT_BIAS_MEAN, G.mean(axis=0, keepdims=True)),
                                         (HINT_STALE, Gs[0].sum(axis=0, keepdims=True))])


# ---------------------------------------------------------------- dense_backward: a dense layer's backward, on a blank page

#: (batch n, inputs k, units m): all different, batch > 1.
VISIBLE_DENSE_SHAPES: tuple[tuple[int, int, int], ...] = ((5, 3, 4), (4, 6, 2), (7, 2, 3))
HIDDEN_DENSE_SHAPES: tuple[tuple[int, int, int], ...] = ((3, 4, 5), (8, 5, 2), (6, 1, 3))

HINT_DENSE_AT_M = (
    "you took tanh' at X W, without B: the tanh's input is N = X W + B, so use 1 - tanh(N)², "
    "or 1 - O² with the layer's output O."
)
HINT_DENSE_VALUE = "you multiplied by tanh's value O = tanh(N); the chain rule needs its derivative, 1 - O²."
HINT_DENSE_NO_TANH = "you left out tanh's derivative: the gradient reaches N = X W + B through the tanh, so ∂L/∂N = G ⊙ (1 - O²)."
HINT_DENSE_NOT_SQUARED = "tanh'(N) is 1 - tanh(N)², squared: 1 - O², not 1 - O."
HINT_DENSE_OF_N = "you applied 1 - x² to N, the tanh's input; it belongs to the output: tanh'(N) = 1 - tanh(N)² = 1 - O²."
HINT_DENSE_SIGMOID = "O(1 - O) is the sigmoid's derivative; tanh's is 1 - O²."
HINT_DENSE_NO_G = (
    "you left out output_grad: by the chain rule everything is multiplied by G = ∂L/∂O, the upstream gradient "
    "the layer is given (not all ones here)."
)
HINT_DENSE_B_ROWS = "∂L/∂B must add up the rows of ∂L/∂N (B is added to every row): .sum(axis=0, keepdims=True), shape (1, m)."


def _dense_forward(X: ndarray, W: ndarray, B: ndarray) -> ndarray:
    return np.tanh(X @ W + B)


def check_dense_backward(dense_backward: Callable[..., Any], seed: int = 0,
                         shapes: Sequence[tuple[int, int, int]] = VISIBLE_DENSE_SHAPES) -> None:
    """``dense_backward(X, W, B, output_grad)`` returns ``{"X": ∂L/∂X, "W": ∂L/∂W, "B": ∂L/∂B}`` for a dense layer
    ``O = tanh(X W + B)`` and an upstream gradient ``G = ∂L/∂O``: each checked against central differences of
    ``Σ G ⊙ tanh(X W + B)``, on shapes where the batch, the inputs and the units all differ."""
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    for n, k, m in shapes:
        X = rng.normal(size=(n, k))
        W = rng.normal(size=(k, m)) / np.sqrt(k)
        B = rng.uniform(0.5, 1.5, size=(1, m)) * rng.choice([-1.0, 1.0], size=(1, m))  # tanh' at N and at X W differ
        G = rng.normal(size=(n, m))
        label = f"from dense_backward for X {X.shape}, W {W.shape}, B {B.shape}, output_grad {G.shape}"
        got = call_learner(dense_backward, X.copy(), W.copy(), B.copy(), G.copy(), name="dense_backward")
        if not isinstance(got, Mapping):
            raise CheckFailed(f"dense_backward should return a dict with the keys 'X', 'W', 'B'; it returned {type(got).__name__}.")
        missing = [key for key in ("X", "W", "B") if key not in got]
        if missing:
            raise CheckFailed(f"dense_backward should return a dict with the keys 'X', 'W', 'B'; yours has {sorted(map(str, got))}.")
        M = X @ W
        out = np.tanh(M + B)
        wrong = {HINT_DENSE_AT_M: G * (1 - np.tanh(M) ** 2), HINT_DENSE_VALUE: G * out, HINT_DENSE_NO_TANH: G,
                 HINT_DENSE_NOT_SQUARED: G * (1 - out), HINT_DENSE_OF_N: G * (1 - (M + B) ** 2),
                 HINT_DENSE_SIGMOID: G * out * (1 - out), HINT_DENSE_NO_G: 1 - out**2}
        dN = G * (1 - out**2)
        mistakes = {
            "X": [(h, d @ W.T) for h, d in wrong.items()] + [(HINT_WM_ORDER, dN @ W.T @ np.eye(k)[::-1])],
            "W": [(h, X.T @ d) for h, d in wrong.items()] + [(HINT_WM_MEAN, X.T @ dN / n)],
            "B": [(h, d.sum(axis=0, keepdims=True)) for h, d in wrong.items()]
                 + [(HINT_DENSE_B_ROWS, dN), (HINT_BIAS_MEAN, dN.mean(axis=0, keepdims=True)),
                    (HINT_BIAS_KEEPDIMS, dN.sum(axis=0)), (HINT_BIAS_AXIS1, dN.sum(axis=1, keepdims=True))],
        }
        for key, point, f in (("B", B, lambda b: np.sum(G * _dense_forward(X, W, b))),
                              ("W", W, lambda w: np.sum(G * _dense_forward(X, w, B))),
                              ("X", X, lambda x: np.sum(G * _dense_forward(x, W, B)))):
            check_gradient(got[key], f, point, what=f"∂L/∂{key} {label}", mistakes=mistakes[key])
