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

from collections.abc import Callable, Sequence
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
