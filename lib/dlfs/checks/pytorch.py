"""Checks for chapter 10_pytorch.

- :func:`check_DenseLayer` -- the learner's ``nn.Module``: ``W`` ``(n_in, n_out)`` and ``B`` ``(1, n_out)``
  registered as parameters, Glorot-normal weights and zero biases, ``forward`` = ``X @ W + B``, and
  autograd's gradients reaching ``X``, ``W`` and ``B``.
- :func:`check_train_step` -- ``train_step(model, loss_fn, optimizer, X, y)``, several steps in a row on one
  model: the loss before each update, as a float, and the weights after it; a forgotten
  ``optimizer.zero_grad()`` is recognised and named.
- :func:`check_scratch_grads_match` -- the learner's referee: given a from-scratch layer's weights and a
  gradient someone computed, does it equal autograd's? Right gradients must be accepted and wrong ones
  (a missing ``1/n``, a row instead of a sum, one element off, a bias of the wrong shape) refused.

Written for the class grader too, where the learner's code lives in another process reached over a
data-only channel: tensors travel as arrays, the learner's module stays there as a handle whose
methods (``state_dict``, ``double``, ``load_state_dict``, calling it) are called remotely, and the
objects a check hands to the learner's code (a model, a loss, an optimizer) are built beside it with
:func:`dlfs.checks.gradcheck.beside`. The references here are private: they never use the library's answers to this chapter.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from numpy import ndarray
from torch import nn

from dlfs.checks.gradcheck import CheckFailed, assert_close, beside, call_learner, describe

Shape = tuple[int, ...]

#: How many standard errors a sample statistic may stray before the check calls it wrong.
Z = 5.0


def _numpy(value: Any) -> Any:
    """A tensor as a float64 array (anything else unchanged)."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().to(torch.float64).numpy()
    return value


def _method(obj: Any, name: str, label: str) -> Callable[..., Any]:
    """``obj.name`` (a learner's method), or a clear failure."""
    __tracebackhide__ = True
    try:
        return getattr(obj, name)
    except AttributeError:
        raise CheckFailed(f"{label}: your object has no method `{name}`; is DenseLayer a subclass of nn.Module?") from None


# ---------------------------------------------------------------- DenseLayer

#: (n, n_in, n_out): batches of rows, one square layer among them.
VISIBLE_DENSE_SHAPES: tuple[Shape, ...] = ((4, 5, 3), (6, 2, 7), (3, 4, 4))
HIDDEN_DENSE_SHAPES: tuple[Shape, ...] = ((5, 7, 2), (2, 3, 9), (8, 6, 5), (1, 4, 3))
#: A large layer for the statistics of the initial weights: n_in ≠ n_out.
VISIBLE_DENSE_BIG: tuple[int, int] = (300, 200)
HIDDEN_DENSE_BIG: tuple[int, int] = (150, 450)

HINT_NOT_REGISTERED = (
    "a module only knows the parameters you register: assign nn.Parameter objects to attributes, "
    "self.W = nn.Parameter(...) and self.B = nn.Parameter(...), after super().__init__(). A plain tensor "
    "attribute is invisible to parameters(), state_dict(), .double() and every optimizer."
)
HINT_SUPER_INIT = "call super().__init__() first in __init__: nn.Module must set itself up before parameters can be assigned."
HINT_LINEAR_LAYOUT = (
    "that is nn.Linear's layout (weight of shape (n_out, n_in), used as X @ weight.T). This exercise keeps "
    "the course's: W of shape (n_in, n_out), used as X @ W."
)
HINT_BIAS_ROW = "B is a row of shape (1, n_out), as in chapter 06, so that X @ W + B adds it to every row."
HINT_NO_BIAS = "the bias is missing: forward returns X @ W + B."
HINT_ACTIVATION = (
    "forward applied an activation. DenseLayer is linear, X @ W + B; in PyTorch the activation is a module "
    "of its own (nn.Tanh(), nn.ReLU(), ...) placed after it."
)
HINT_NOT_TENSOR = (
    "forward must return a torch tensor, computed with torch operations on X, self.W and self.B: "
    "NumPy (or .detach(), .data, .numpy()) cuts the graph autograd needs for the backward pass."
)
HINT_NO_GRAD = (
    "no gradient reached {name}: the output was not computed from the parameter itself. Use self.W and self.B "
    "directly in forward (not .data, .detach(), a copy, or NumPy), and make them nn.Parameter."
)
HINT_BIAS_NOT_ZERO = "biases start at 0 (chapter 07): B = nn.Parameter(torch.zeros(1, n_out))."
HINT_UNIFORM = (
    "the weights look uniform (no weight is more than √3 standard deviations from 0): that is Glorot's uniform "
    "variant (nn.init.xavier_uniform_). Chapter 07 taught the normal one: torch.randn(n_in, n_out) * std "
    "with std = √(2 / (n_in + n_out)), or nn.init.xavier_normal_."
)

_WRONG_VARIANCES: tuple[tuple[str, Callable[[int, int], float]], ...] = (
    ("the variance is 1: torch.randn draws from N(0, 1); multiply by std = √(2 / (n_in + n_out)).", lambda n, m: 1.0),
    ("this is the variance of nn.Linear's default initialisation, 1 / (3·n_in). Chapter 07's Glorot normal has "
     "variance 2 / (n_in + n_out).", lambda n, m: 1.0 / (3 * n)),
    ("this is the variance 1 / n_in. Glorot averages the fan-in and the fan-out: 2 / (n_in + n_out).", lambda n, m: 1.0 / n),
    ("this is the variance 1 / n_out. Glorot averages the fan-in and the fan-out: 2 / (n_in + n_out).", lambda n, m: 1.0 / m),
    ("this is the variance 2 / n_in (He's, for ReLU). Glorot uses 2 / (n_in + n_out).", lambda n, m: 2.0 / n),
    ("this is the variance 1 / (n_in + n_out): the 2 is missing.", lambda n, m: 1.0 / (n + m)),
    ("you multiplied by the variance instead of the standard deviation: std = √(2 / (n_in + n_out)).",
     lambda n, m: (2.0 / (n + m)) ** 2),
)


def _make_layer(DenseLayer: Callable[..., Any], n_in: int, n_out: int) -> Any:
    __tracebackhide__ = True
    label = f"DenseLayer({n_in}, {n_out})"
    try:
        return call_learner(DenseLayer, n_in, n_out, name=label)
    except CheckFailed as exc:
        if "before Module.__init__" in str(exc):
            raise CheckFailed(f"{exc}\n  Hint: {HINT_SUPER_INIT}") from None
        raise


def _state(layer: Any, label: str) -> dict[str, ndarray]:
    """The learner's ``state_dict()`` as float64 arrays."""
    __tracebackhide__ = True
    state = call_learner(_method(layer, "state_dict", label), name=f"{label}.state_dict")
    if not isinstance(state, dict):
        raise CheckFailed(f"{label}.state_dict() should be a dict of tensors; it is {describe(state)}.")
    return {str(k): np.asarray(_numpy(v), dtype=np.float64) for k, v in state.items()}


def _registered(layer: Any, n_in: int, n_out: int) -> tuple[ndarray, ndarray]:
    """``(W, B)`` from the learner's state dict, with the names and shapes the exercise asks for."""
    __tracebackhide__ = True
    label = f"DenseLayer({n_in}, {n_out})"
    state = _state(layer, label)
    if not state:
        raise CheckFailed(f"{label}.state_dict() is empty: no parameter is registered.\n  Hint: {HINT_NOT_REGISTERED}")
    found = ", ".join(f"{k} {v.shape}" for k, v in state.items())
    for name in ("W", "B"):
        if name not in state:
            raise CheckFailed(f"{label} has no registered parameter named {name}; its state_dict() holds: {found}. "
                              "Name them self.W (n_in, n_out) and self.B (1, n_out), each an nn.Parameter."
                              + (f"\n  Hint: {HINT_NOT_REGISTERED}" if len(state) < 2 else ""))
    W, B = state["W"], state["B"]
    if W.shape != (n_in, n_out):
        hint = HINT_LINEAR_LAYOUT if W.shape == (n_out, n_in) else "one row per input, one column per output."
        raise CheckFailed(f"{label}: W should have shape ({n_in}, {n_out}), it has shape {W.shape}.\n  Hint: {hint}")
    if B.shape != (1, n_out):
        raise CheckFailed(f"{label}: B should have shape (1, {n_out}), it has shape {B.shape}.\n  Hint: {HINT_BIAS_ROW}")
    return W, B


def _check_initial_weights(W: ndarray, B: ndarray, n_in: int, n_out: int) -> None:
    __tracebackhide__ = True
    label = f"DenseLayer({n_in}, {n_out}): its {W.size:,} initial weights have"
    if not np.all(np.isfinite(W)):
        raise CheckFailed(f"{label} nan or inf among them.")
    N, want = W.size, 2.0 / (n_in + n_out)
    mean, var = float(W.mean()), float(W.var())

    def fits(v: float) -> bool:
        return abs(var - v) <= Z * v * math.sqrt(2.0 / (N - 1))

    if not fits(want):
        hint = next((h for h, f in _WRONG_VARIANCES if fits(f(n_in, n_out))), None)
        raise CheckFailed(f"{label} variance {var:.4g}; expected 2 / ({n_in} + {n_out}) = {want:.4g}, Glorot normal "
                          f"(chapter 07), give or take {Z * want * math.sqrt(2.0 / (N - 1)):.2g} by chance."
                          + (f"\n  Hint: {hint}" if hint else ""))
    if abs(mean) > Z * math.sqrt(want / N):
        raise CheckFailed(f"{label} mean {mean:.4g}; expected 0 (give or take {Z * math.sqrt(want / N):.2g} by chance).\n"
                          "  Hint: the weights are centred on 0: torch.rand draws from [0, 1); use torch.randn.")
    # a normal draw puts 4.55 % of its numbers beyond 2 standard deviations; a uniform one none
    tail, p = float(np.mean(np.abs(W) > 2 * math.sqrt(want))), 0.0455
    if abs(tail - p) > Z * math.sqrt(p * (1 - p) / N):
        hint = HINT_UNIFORM if tail == 0.0 else "draw every weight from one normal distribution, torch.randn(n_in, n_out) * std."
        raise CheckFailed(f"{label} {tail:.2%} of them beyond 2 standard deviations; a normal draw has 4.55 % there.\n"
                          f"  Hint: {hint}")
    if np.any(B != 0):
        raise CheckFailed(f"DenseLayer({n_in}, {n_out}): B should start at 0; it holds values up to {np.max(np.abs(B)):.3g}.\n"
                          f"  Hint: {HINT_BIAS_NOT_ZERO}")


def _grads_through(module: Any, X: torch.Tensor, output_grad: torch.Tensor) -> dict[str, Any]:
    """Run in the learner's kernel: ``{"X": ∂L/∂X, name: ∂L/∂param, ...}`` for ``L = sum(module(X) * output_grad)``.

    A gradient that never arrived is ``None``; ``"error"`` says why there was no backward pass at all.
    """
    X = X.detach().clone().requires_grad_()
    for p in module.parameters():
        p.grad = None
    out = module(X)
    if not isinstance(out, torch.Tensor):
        return {"error": f"forward returned {type(out).__name__}, not a tensor"}
    if not out.requires_grad:
        return {"error": "the output does not depend on anything autograd tracks"}
    out.backward(output_grad)
    return {"X": X.grad, **{name: p.grad for name, p in module.named_parameters()}}


def check_DenseLayer(DenseLayer: Callable[..., Any], seed: int = 0,
                     shapes: Sequence[Shape] = VISIBLE_DENSE_SHAPES, big: tuple[int, int] = VISIBLE_DENSE_BIG) -> None:
    """``DenseLayer(n_in, n_out)``: registered ``W`` ``(n_in, n_out)`` (Glorot normal) and ``B`` ``(1, n_out)`` (zeros);
    ``forward(X)`` = ``X @ W + B``; gradients of ``sum(forward(X) * G)`` reach ``X``, ``W`` and ``B``.

    First a large layer's initial parameters (names, shapes, mean, variance and normality of ``W``, zeros in
    ``B``). Then, for each ``(n, n_in, n_out)`` in ``shapes``, a new layer is made float64 with ``.double()``,
    given known weights with ``load_state_dict`` (a non-zero bias), called on a batch, and differentiated.
    """
    __tracebackhide__ = True
    n_in, n_out = big
    W, B = _registered(_make_layer(DenseLayer, n_in, n_out), n_in, n_out)
    _check_initial_weights(W, B, n_in, n_out)

    rng = np.random.default_rng(seed)
    for n, n_in, n_out in shapes:
        label = f"DenseLayer({n_in}, {n_out})"
        layer = _make_layer(DenseLayer, n_in, n_out)
        _registered(layer, n_in, n_out)
        W, B, X, G = (rng.normal(size=s) for s in ((n_in, n_out), (1, n_out), (n, n_in), (n, n_out)))
        call_learner(_method(layer, "double", label), name=f"{label}.double")
        call_learner(_method(layer, "load_state_dict", label), {"W": torch.from_numpy(W.copy()), "B": torch.from_numpy(B.copy())},
                     name=f"{label}.load_state_dict")
        X_t = torch.from_numpy(X.copy())
        what = f"{label}(X) for X of shape {X.shape}, with known W and B (float64)"
        out = call_learner(layer, X_t, name=label)
        if not isinstance(out, torch.Tensor):
            raise CheckFailed(f"{what} returned {describe(out)}.\n  Hint: {HINT_NOT_TENSOR}")
        if not torch.equal(X_t, torch.from_numpy(X)):
            raise CheckFailed(f"{what} changed X in place: compute a new tensor and leave the input as it was.")
        Z_ = X @ W
        assert_close(_numpy(out), Z_ + B, what=what, rtol=1e-10, atol=1e-12, mistakes={
            HINT_NO_BIAS: Z_, HINT_ACTIVATION + " (a tanh)": np.tanh(Z_ + B),
            HINT_ACTIVATION + " (a sigmoid)": 1 / (1 + np.exp(-(Z_ + B))), HINT_ACTIVATION + " (a ReLU)": np.maximum(Z_ + B, 0)})
        grads = beside(DenseLayer, _grads_through, layer, X_t, torch.from_numpy(G.copy()))
        if "error" in grads:
            raise CheckFailed(f"{label}: no backward pass was possible, {grads['error']}.\n  Hint: {HINT_NOT_TENSOR}")
        for name, want in (("W", X.T @ G), ("B", G.sum(axis=0, keepdims=True)), ("X", G @ W.T)):
            got = grads.get(name)
            if got is None:
                raise CheckFailed(f"{label}: after backward, {name}.grad is None.\n  Hint: {HINT_NO_GRAD.format(name=name)}")
            assert_close(_numpy(got), want, rtol=1e-10, atol=1e-12,
                         what=f"autograd's ∂L/∂{name} through {label} for L = sum(layer(X) * G), X of shape {X.shape}")


# ---------------------------------------------------------------- train_step

#: (task, n_in, hidden, n_out, batch, steps): the model is Linear(n_in, hidden), Tanh, Linear(hidden, n_out)
#: in float64; "classify" trains with CrossEntropyLoss and SGD with momentum, "regress" with MSELoss and Adam.
VISIBLE_STEP_CASES: tuple[tuple[str, int, int, int, int, int], ...] = (("classify", 5, 4, 3, 6, 3), ("regress", 3, 6, 2, 4, 3))
HIDDEN_STEP_CASES: tuple[tuple[str, int, int, int, int, int], ...] = (("classify", 4, 7, 5, 9, 4), ("regress", 6, 3, 4, 5, 4),
                                                                      ("classify", 2, 5, 2, 3, 3))

HINT_NO_ZERO_GRAD = (
    "your steps match a train_step without optimizer.zero_grad(): loss.backward() *adds* into every .grad, "
    "so each step used the sum of all the gradients so far. Call optimizer.zero_grad() before loss.backward() "
    "(at the start of the step)."
)
HINT_NO_UPDATE = (
    "the weights did not change: optimizer.step() must run after loss.backward() (which fills the .grad that "
    "step() reads), and zero_grad() must not come between them. Order: zero_grad, forward, loss, backward, step."
)
HINT_LOSS_AFTER = (
    "you returned the loss of the updated model: train_step returns the loss it computed for the batch "
    "*before* the update (the one it differentiated)."
)
HINT_RETURN_FLOAT = "return the loss as a Python float, loss.item(): a tensor keeps the whole graph alive."
HINT_WRONG_LOSS = (
    "compute the loss with the loss_fn you were given, loss_fn(model(X), y): prediction first, target second."
)


def _training_problem(task: str, n_in: int, hidden: int, n_out: int, seed: int) -> tuple[nn.Module, nn.Module, torch.optim.Optimizer]:
    """``(model, loss_fn, optimizer)`` for a ``train_step`` check, the same numbers wherever it is built."""
    rng = np.random.default_rng(seed)
    model = nn.Sequential(nn.Linear(n_in, hidden), nn.Tanh(), nn.Linear(hidden, n_out)).double()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.from_numpy(rng.normal(0.0, 0.7, size=tuple(p.shape))))
    if task == "classify":
        return model, nn.CrossEntropyLoss(), torch.optim.SGD(model.parameters(), lr=0.3, momentum=0.9)
    return model, nn.MSELoss(), torch.optim.Adam(model.parameters(), lr=0.05)


def _batches(task: str, n_in: int, n_out: int, batch: int, steps: int, seed: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    rng = np.random.default_rng(seed + 1)
    out = []
    for _ in range(steps):
        X = torch.from_numpy(rng.normal(size=(batch, n_in)))
        y = torch.from_numpy(rng.integers(0, n_out, size=batch)) if task == "classify" else torch.from_numpy(rng.normal(size=(batch, n_out)))
        out.append((X, y))
    return out


def _flat(state: dict[str, Any]) -> ndarray:
    return np.concatenate([np.asarray(_numpy(v), dtype=np.float64).ravel() for v in state.values()])


def _trajectory(case: tuple[str, int, int, int, int, int], seed: int, variant: str) -> list[tuple[float, ndarray]]:
    """``(returned loss, flat weights after)`` of every step, for the right step or a classic mistake."""
    task, n_in, hidden, n_out, batch, steps = case
    model, loss_fn, optimizer = _training_problem(task, n_in, hidden, n_out, seed)
    out = []
    for X, y in _batches(task, n_in, n_out, batch, steps, seed):
        if variant != "no_zero_grad":
            optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        if variant != "no_update":
            optimizer.step()
        value = float(loss.item())
        if variant == "loss_after":
            with torch.no_grad():
                value = float(loss_fn(model(X), y).item())
        out.append((value, _flat(model.state_dict())))
    return out


def check_train_step(train_step: Callable[..., Any], seed: int = 0,
                     cases: Sequence[tuple[str, int, int, int, int, int]] = VISIBLE_STEP_CASES) -> None:
    """``train_step(model, loss_fn, optimizer, X, y)`` does one step and returns the loss before it, as a float.

    For each case a float64 model, its loss and its optimizer are built next to the learner's code, and
    ``train_step`` is called ``steps`` times in a row on new batches. After every call the returned loss and
    all the weights (``state_dict()``) are compared with the exact step; the classic mistakes (no
    ``zero_grad``, no update, the loss after the update) are recognised.
    """
    __tracebackhide__ = True
    for case in cases:
        task, n_in, hidden, n_out, batch, steps = case
        right = _trajectory(case, seed, "right")
        wrong = {hint: _trajectory(case, seed, variant) for hint, variant in
                 ((HINT_NO_ZERO_GRAD, "no_zero_grad"), (HINT_NO_UPDATE, "no_update"), (HINT_LOSS_AFTER, "loss_after"))}
        model, loss_fn, optimizer = beside(train_step, _training_problem, task, n_in, hidden, n_out, seed)
        setting = ("CrossEntropyLoss, SGD(lr=0.3, momentum=0.9)" if task == "classify" else "MSELoss, Adam(lr=0.05)")
        got: list[tuple[float, ndarray]] = []
        for step, (X, y) in enumerate(_batches(task, n_in, n_out, batch, steps, seed), start=1):
            what = (f"train_step on a {n_in}-{hidden}-{n_out} network ({setting}), batch of {batch} rows, "
                    f"step {step} of {steps} on the same model and optimizer")
            loss = call_learner(train_step, model, loss_fn, optimizer, X, y, name="train_step")
            if isinstance(loss, torch.Tensor):
                raise CheckFailed(f"{what}: returned a tensor.\n  Hint: {HINT_RETURN_FLOAT}")
            if loss is None or isinstance(loss, bool) or not isinstance(loss, int | float | np.floating):
                raise CheckFailed(f"{what}: should return the loss as a float; it returned {describe(loss)}."
                                  + ("\n  Hint: did you forget `return loss.item()`?" if loss is None else ""))
            got.append((float(loss), _flat(_state(model, "the model"))))
            want_loss, want_w = right[step - 1]
            loss_ok = math.isclose(got[-1][0], want_loss, rel_tol=1e-9, abs_tol=1e-12)
            weights_ok = bool(np.allclose(got[-1][1], want_w, rtol=1e-9, atol=1e-12))
            if loss_ok and weights_ok:
                continue
            for hint, path in wrong.items():
                if all(math.isclose(g[0], p[0], rel_tol=1e-9, abs_tol=1e-12) and np.allclose(g[1], p[1], rtol=1e-9, atol=1e-12)
                       for g, p in zip(got, path)):
                    raise CheckFailed(f"{what}: " + ("the loss it returned differs" if not loss_ok else "the weights after it differ")
                                      + f" from one correct step's.\n  Hint: {hint}")
            if not loss_ok:
                raise CheckFailed(f"{what}: returned the loss {got[-1][0]:.10g}; the loss of the batch before this "
                                  f"step is {want_loss:.10g}.\n  Hint: {HINT_WRONG_LOSS}")
            assert_close(got[-1][1], want_w, rtol=1e-9, atol=1e-12,
                         what=f"{what}: all the weights after the step, flattened in state_dict() order")


# ---------------------------------------------------------------- scratch_grads_match

#: (n, n_in, n_out): one square layer among them (it catches a forgotten transpose of W).
VISIBLE_MATCH_SHAPES: tuple[Shape, ...] = ((5, 3, 4), (4, 6, 2), (3, 4, 4))
HIDDEN_MATCH_SHAPES: tuple[Shape, ...] = ((7, 2, 5), (2, 5, 3), (6, 3, 3))

HINT_REJECTS_RIGHT = (
    "your function said that right gradients disagree with autograd's. Copy the weights in PyTorch's layout "
    "(nn.Linear's weight is W.T, of shape (n_out, n_in); its bias is B[0]), work in float64, backward with "
    "output_grad, and compare in the course's layout: weight.grad.T for W, bias.grad[None, :] for B."
)
HINT_ALWAYS_TRUE = "your function said True for gradients that are wrong: it must compare them with autograd's."
HINT_BROADCAST_SHAPE = (
    "a gradient of the wrong shape was accepted: np.allclose broadcasts (n_out,) against (1, n_out). A gradient "
    "has the shape of what it is the gradient of: compare the shapes first."
)
HINT_TOO_LOOSE = "a gradient with one element off by 0.1 % was accepted: use np.allclose(grad, autograd's, rtol=1e-6, atol=1e-9)."


def _match_candidates(W: ndarray, B: ndarray, X: ndarray, G: ndarray) -> list[tuple[str, dict[str, ndarray], dict[str, bool], str]]:
    """``(description, grads, verdicts a right answer gives, hint if it errs)``."""
    dX, dW, dB = G @ W.T, X.T @ G, G.sum(axis=0, keepdims=True)
    n = X.shape[0]
    off = dX.copy()
    off[-1, 0] *= 1.001
    return [
        ("the right gradients", {"X": dX, "W": dW, "B": dB}, {"X": True, "W": True, "B": True}, HINT_REJECTS_RIGHT),
        ("dX and dW with the opposite sign", {"X": -dX, "W": -dW, "B": dB}, {"X": False, "W": False, "B": True}, HINT_ALWAYS_TRUE),
        ("dB as the first row of output_grad instead of the sum over the rows", {"X": dX, "W": dW, "B": G[:1]},
         {"X": True, "W": True, "B": False}, HINT_ALWAYS_TRUE),
        ("dX with one element off by 0.1 %", {"X": off, "W": dW, "B": dB}, {"X": False, "W": True, "B": True}, HINT_TOO_LOOSE),
        ("dW averaged over the batch (X.T @ output_grad / n) and dB of shape (n_out,)",
         {"X": dX, "W": dW / n, "B": dB[0]}, {"X": True, "W": False, "B": False}, HINT_BROADCAST_SHAPE),
    ]


def _verdicts(got: Any, call: str) -> dict[str, bool]:
    __tracebackhide__ = True
    if not isinstance(got, dict) or set(got) != {"X", "W", "B"}:
        raise CheckFailed(f"{call} should return a dict with the keys 'X', 'W' and 'B'; it returned {describe(got)}.")
    out = {}
    for key, value in got.items():
        if isinstance(value, torch.Tensor | np.ndarray) and value.shape in ((), torch.Size([])) and value.dtype in (torch.bool, np.bool_):
            value = bool(value)
        if not isinstance(value, bool | np.bool_):
            raise CheckFailed(f"{call}['{key}'] should be True or False; it is {describe(value)}. "
                              "(np.allclose returns a bool; wrap other tests in bool(...).)")
        out[str(key)] = bool(value)
    return out


def check_scratch_grads_match(scratch_grads_match: Callable[..., Any], seed: int = 0,
                              shapes: Sequence[Shape] = VISIBLE_MATCH_SHAPES) -> None:
    """``scratch_grads_match(W, B, X, output_grad, grads)`` says, per key ``"X"``, ``"W"``, ``"B"``, whether ``grads``
    equals autograd's gradient of ``L = sum((X @ W + B) * output_grad)`` (same shape, ``np.allclose`` with
    ``rtol=1e-6, atol=1e-9``).

    Every case offers the right gradients (all ``True``) and wrong ones, each wrong in some keys only.
    """
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    for n, n_in, n_out in shapes:
        W, B, X, G = (rng.normal(size=s) for s in ((n_in, n_out), (1, n_out), (n, n_in), (n, n_out)))
        for description, grads, want, hint in _match_candidates(W, B, X, G):
            call = (f"scratch_grads_match(W, B, X, output_grad, grads) for a layer {n_in} -> {n_out}, X of shape {X.shape}, "
                    f"given {description}")
            got = _verdicts(call_learner(scratch_grads_match, W.copy(), B.copy(), X.copy(), G.copy(),
                                         {k: v.copy() for k, v in grads.items()}, name="scratch_grads_match"), call)
            if got != want:
                wrong = [k for k in ("X", "W", "B") if got[k] != want[k]]
                said = ", ".join(f"'{k}': {got[k]}" for k in wrong)
                if want == {"X": True, "W": True, "B": True}:
                    hint = HINT_REJECTS_RIGHT
                elif description.startswith("dW averaged") and got["W"]:
                    hint = HINT_ALWAYS_TRUE
                raise CheckFailed(f"{call}: said {said}; expected " + ", ".join(f"'{k}': {want[k]}" for k in wrong)
                                  + f".\n  Hint: {hint}")
