"""Checks for chapter 09_rnn.

- :func:`check_Value` -- the learner's ``Value`` class (a :class:`dlfs.autodiff.Node` with their
  ``backward``): graphs in which values are used several times (fan-out), a layer, and weights
  shared by two time steps. Every leaf's and an inner node's ``grad`` must equal a central-difference
  gradient; a second ``backward()`` must give the same gradients.
- :func:`check_rnn_node_backward` -- one vanilla RNN step backward, all five gradients, then the
  learner's node run backward through a whole sequence.
- :func:`check_lstm_node_backward` -- one LSTM step backward, all six gradients, then a sequence.
- :func:`check_clip_by_global_norm` -- clipped gradients and the norm, with and without clipping.

Every gradient is compared, in float64, with a central-difference gradient of the forward
(:func:`dlfs.checks.gradcheck.check_gradient`) on batches of more than one row with input size
different from hidden size; the upstream gradients ``dh_out``, ``dh_next`` and ``dc_next`` are
random and non-zero, so leaving one out shows. When an answer matches a classic mistake
(a gradient overwritten instead of accumulated, the gradient from the next step forgotten, a
gate's derivative taken at the wrong value, clipping per array), the message says so.

Written for the class grader too: the learner's functions and ``Value`` objects may live in
another process, reached over a data-only channel. So a check passes only arrays, numbers,
lists, tuples and dicts of them, or the learner's own objects back; it builds graphs by calling
the objects' methods (``x.mul(y)``, never ``x * y``), reads ``grad`` as an attribute, and always
hands out copies.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy import ndarray

from dlfs.autodiff import Node, topological_order
from dlfs.checks.gradcheck import HINT_NONE, CheckFailed, as_float_array, assert_close, call_learner, check_gradient
from dlfs.nn.recurrent import lstm_node_forward, rnn_node_forward

Shape = tuple[int, ...]

# ---------------------------------------------------------------- shared helpers


def _get(obj: Any, attr: str, what: str) -> Any:
    """``obj.attr``, or a clear failure if the learner's object has no such attribute."""
    __tracebackhide__ = True
    try:
        return getattr(obj, attr)
    except AttributeError:
        raise CheckFailed(f"{what}: the object has no attribute `{attr}`.") from None
    except NotImplementedError:
        raise CheckFailed(f"{what} is not written yet: replace `raise NotImplementedError()` with your code.") from None


def _copies(value: Any) -> Any:
    """A deep copy of arrays, and of lists, tuples and dicts of arrays."""
    if isinstance(value, ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: _copies(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_copies(v) for v in value)
    return value


def _changed(before: Any, after: Any, path: str) -> str | None:
    """The first argument (by name) whose arrays differ between ``before`` and ``after``, or ``None``."""
    if isinstance(before, ndarray):
        same = isinstance(after, ndarray) and after.shape == before.shape and bool(np.array_equal(after, before))
        return None if same else path
    if isinstance(before, dict):
        return next((p for k in before if (p := _changed(before[k], after[k], f"{path}[{k!r}]"))), None)
    if isinstance(before, list | tuple):
        return next((p for i, (b, a) in enumerate(zip(before, after)) if (p := _changed(b, a, f"{path}[{i}]"))), None)
    return None


def _call_unchanged(func: Callable[..., Any], names: Sequence[str], args: Sequence[Any], label: str) -> Any:
    """Call ``func`` with copies of ``args`` and fail if it changed any of them in place."""
    __tracebackhide__ = True
    given = [_copies(a) for a in args]
    got = call_learner(func, *given, name=label)
    for name, before, after in zip(names, args, given):
        where = _changed(before, after, name)
        if where is not None:
            raise CheckFailed(f"{label} changed its input {where} in place; compute new arrays instead "
                              "(no `+=`, `*=` or `x[...] =` on an argument).")
    return got


def _results(got: Any, names: Sequence[str], label: str) -> list[ndarray]:
    """The learner's tuple of gradients as float arrays, or a clear failure."""
    __tracebackhide__ = True
    if got is None:
        raise CheckFailed(f"{label}: {HINT_NONE}")
    if not isinstance(got, list | tuple) or len(got) != len(names):
        size = f"{len(got)} values" if isinstance(got, list | tuple) else f"a {type(got).__name__}"
        raise CheckFailed(f"{label} should return a tuple of {len(names)} arrays ({', '.join(names)}); it returned {size}.")
    return [as_float_array(g, f"{label}: {name}") for g, name in zip(got, names)]


# ---------------------------------------------------------------- Value

#: (n, k, m), one per graph (fan-out, layer, two steps): batch n > 1, k inputs, m units, never all equal.
VISIBLE_VALUE_SHAPES: tuple[Shape, ...] = ((3, 4, 2), (2, 3, 5), (4, 2, 3))
HIDDEN_VALUE_SHAPES: tuple[Shape, ...] = ((2, 5, 3), (5, 3, 4), (3, 4, 2))

HINT_OVERWRITE = (
    "a node used more than once kept only one of its gradients. A value that feeds several operations "
    "gets a gradient from each of them, and they add: accumulate with `parent.grad = parent.grad + g` "
    "(or `+=`), never `parent.grad = g`."
)
HINT_FORWARD_ORDER = (
    "no gradient reached the inputs: the nodes were visited from the inputs forward. topological_order(self) "
    "lists the inputs first and the output last; go through it in reverse (reversed(...)), so that a node "
    "sends its gradient on only after everything that used it has sent theirs."
)
HINT_NO_SEED = (
    "every gradient is zero: the output's own gradient starts the backward pass. Set "
    "self.grad = np.ones_like(self.data) (∂output/∂output = 1) before visiting the graph."
)
HINT_NO_RESET = (
    "the second call of backward() added to the gradients of the first. Each call must start afresh: set every "
    "node's grad to zeros (np.zeros_like(node.data)) before propagating."
)
HINT_VALUE_NOT_WRITTEN = "Value.backward is not written yet: replace `raise NotImplementedError()` with your code."


Forced = dict[str, Any]


def _pick(node: Any, forced: Forced | None, name: str) -> Any:
    """``node``, or the stand-in ``forced[name]`` (to take the loss as a function of an inner node)."""
    return forced[name] if forced and name in forced else node


def _fan_out(leaves: dict[str, Any], forced: Forced | None = None) -> tuple[Any, dict[str, Any]]:
    """``L = Σ (x ⊙ x + tanh(x))``: x is used three times."""
    x = leaves["x"]
    return x.mul(x).add(x.tanh()).sum(), {}


def _layer(leaves: dict[str, Any], forced: Forced | None = None) -> tuple[Any, dict[str, Any]]:
    """``h = tanh(x W + b)``, ``L = Σ h² + Σ h``: b is broadcast over the batch, h is used three times."""
    x, W, b = leaves["x"], leaves["W"], leaves["b"]
    h = _pick(x.matmul(W).add(b).tanh(), forced, "h")
    return h.mul(h).sum().add(h.sum()), {"h": h}


def _two_steps(leaves: dict[str, Any], forced: Forced | None = None) -> tuple[Any, dict[str, Any]]:
    """Two RNN steps sharing ``W``: ``h1 = tanh(x1 W)``, ``h2 = tanh(x2 W + h1 U)``, ``L = Σ h2 + Σ h1 ⊙ h2``."""
    x1, x2, W, U = leaves["x1"], leaves["x2"], leaves["W"], leaves["U"]
    h1 = _pick(x1.matmul(W).tanh(), forced, "h1")
    h2 = x2.matmul(W).add(h1.matmul(U)).tanh()
    return h2.sum().add(h1.mul(h2).sum()), {"h1": h1}


Graph = Callable[..., tuple[Any, dict[str, Any]]]
_GRAPHS: tuple[tuple[str, Graph], ...] = (
    ("L = sum(x*x + tanh(x)), x used three times", _fan_out),
    ("a layer h = tanh(x @ W + b), L = sum(h*h) + sum(h)", _layer),
    ("two RNN steps sharing W: h1 = tanh(x1 @ W), h2 = tanh(x2 @ W + h1 @ U), L = sum(h2) + sum(h1*h2)", _two_steps),
)


def _graph_leaves(rng: np.random.Generator, graph: Graph, n: int, k: int, m: int) -> dict[str, ndarray]:
    if graph is _fan_out:
        return {"x": rng.normal(size=(n, k))}
    if graph is _layer:
        return {"x": rng.normal(size=(n, k)), "W": rng.normal(size=(k, m)) * 0.7, "b": rng.normal(size=(m,)) * 0.5}
    return {"x1": rng.normal(size=(n, k)), "x2": rng.normal(size=(n, k)), "W": rng.normal(size=(k, m)) * 0.7,
            "U": rng.normal(size=(m, m)) * 0.7}


def _reference_graph(graph: Graph, arrays: dict[str, ndarray],
                     forced: dict[str, ndarray] | None = None) -> tuple[Node, dict[str, Node], dict[str, Node]]:
    leaves = {name: Node(a) for name, a in arrays.items()}
    out, inner = graph(leaves, {k: Node(v) for k, v in forced.items()} if forced else None)
    return out, leaves, inner


def _mistaken_grads(graph: Graph, arrays: dict[str, ndarray], mistake: str) -> dict[str, ndarray]:
    """The gradients ``backward`` gives on the reference graph, right (``"none"``) or with a classic mistake."""
    out, leaves, inner = _reference_graph(graph, arrays)
    order = topological_order(out)
    out.grad = np.zeros_like(out.data) if mistake == "no_seed" else np.ones_like(out.data)
    for node in order if mistake == "forward_order" else reversed(order):
        if node.grad_fn is None:
            continue
        for parent, g in zip(node.parents, node.grad_fn(node.grad)):
            parent.grad = g if mistake == "overwrite" else parent.grad + g
    return {name: node.grad.copy() for name, node in {**leaves, **inner}.items()}


def _loss_of(graph: Graph, arrays: dict[str, ndarray], name: str) -> Callable[[ndarray], float]:
    """``L`` as a function of the leaf or inner node ``name`` (an inner node's own inputs are then cut off)."""
    def loss(a: ndarray) -> float:
        if name in arrays:
            out, _, _ = _reference_graph(graph, {**arrays, name: a})
        else:
            out, _, _ = _reference_graph(graph, arrays, {name: a})
        return float(out.data)
    return loss


def _leaf(Value: Callable[..., Any], a: ndarray, name: str) -> Any:
    __tracebackhide__ = True
    return call_learner(Value, a.copy(), name=f"Value(<{name}, an array of shape {a.shape}>)")


def _build_learner_graph(Value: Callable[..., Any], graph: Graph,
                         arrays: dict[str, ndarray]) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    __tracebackhide__ = True
    leaves = {name: _leaf(Value, a, name) for name, a in arrays.items()}
    try:
        out, inner = graph({name: _Methods(leaf) for name, leaf in leaves.items()})
    except AttributeError as exc:
        raise CheckFailed(f"your Value has no method {exc}: define the class as the exercise cell does, "
                          "`class Value(Node)`, so it has the operations add, mul, matmul, tanh, sum.") from None
    return _Methods.unwrap(out), leaves, {k: _Methods.unwrap(v) for k, v in inner.items()}


class _Methods:
    """Wraps a learner's object so that ``x.mul(y)`` calls the learner's method through :func:`call_learner`."""

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    @staticmethod
    def unwrap(value: Any) -> Any:
        return value.obj if isinstance(value, _Methods) else value

    def _op(self, name: str, *args: Any) -> _Methods:
        __tracebackhide__ = True
        try:
            method = getattr(self.obj, name)
        except AttributeError:
            raise AttributeError(name) from None
        got = call_learner(method, *(self.unwrap(a) for a in args), name=f"Value.{name}")
        if got is None:
            raise CheckFailed(f"Value.{name}(...) returned None: the operations must return a new Value "
                              "(keep the ones the Node class gives you).")
        return _Methods(got)

    def add(self, other: Any) -> _Methods:
        return self._op("add", other)

    def mul(self, other: Any) -> _Methods:
        return self._op("mul", other)

    def matmul(self, other: Any) -> _Methods:
        return self._op("matmul", other)

    def tanh(self) -> _Methods:
        return self._op("tanh")

    def sum(self) -> _Methods:
        return self._op("sum")


def _backward(out: Any) -> None:
    __tracebackhide__ = True
    method = _get(out, "backward", "Value.backward")
    try:
        call_learner(method, name="Value.backward")
    except CheckFailed as exc:
        if "not written yet" in str(exc):
            raise CheckFailed(HINT_VALUE_NOT_WRITTEN) from None
        raise


def _grad_of(node: Any, what: str) -> ndarray:
    __tracebackhide__ = True
    return as_float_array(_get(node, "grad", what), what)


_VALUE_MISTAKES = (("overwrite", HINT_OVERWRITE), ("forward_order", HINT_FORWARD_ORDER), ("no_seed", HINT_NO_SEED))


def check_Value(Value: Callable[..., Any], seed: int = 0, shapes: Sequence[Shape] = VISIBLE_VALUE_SHAPES) -> None:
    """``Value(data)`` makes a leaf; after ``out.backward()``, every node's ``grad`` is ``∂(sum of out.data)/∂node``.

    Three graphs, one per shape ``(n, k, m)``: a value used three times; a layer with a broadcast
    bias; two time steps sharing a weight matrix. Every leaf's ``grad`` and an inner node's
    must equal central-difference gradients, and a second ``backward()`` must give the same.
    """
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    for (n, k, m), (title, graph) in zip(shapes, _GRAPHS):
        arrays = _graph_leaves(rng, graph, n, k, m)
        originals = _copies(arrays)
        out, leaves, inner = _build_learner_graph(Value, graph, arrays)
        variants = [(hint, _mistaken_grads(graph, arrays, mistake)) for mistake, hint in _VALUE_MISTAKES]
        _, _, reference_inner = _reference_graph(graph, arrays)
        for call in ("", " (called a second time)"):
            _backward(out)
            what = f"the output's own grad after backward(){call}, for {title}"
            root_grad = _grad_of(out, what)
            assert_close(root_grad.reshape(()) if root_grad.size == 1 else root_grad, 1.0, what=what, rtol=1e-12,
                         atol=1e-12, mistakes={HINT_NO_SEED: 0.0})
            for name, node in {**leaves, **inner}.items():
                kind = f"{name} of shape {arrays[name].shape}" if name in arrays else f"{name}, an inner node"
                what = f"{name}.grad after backward(){call}, for {title} ({kind})"
                mistakes = [(hint, v[name]) for hint, v in variants]
                at = arrays[name] if name in arrays else reference_inner[name].data
                try:
                    check_gradient(_grad_of(node, what), _loss_of(graph, arrays, name), at, what=what,
                                   rtol=1e-5, atol=1e-7, mistakes=mistakes)
                except CheckFailed as exc:
                    if not call:
                        raise
                    # right after the first call, wrong after the second: the second started from the first's
                    # grads, whatever the numbers happen to look like (so this hint replaces any other)
                    raise CheckFailed(f"{str(exc).split(chr(10) + '  Hint:')[0]}\n  Hint: {HINT_NO_RESET}") from None
        for name in arrays:
            if not np.array_equal(arrays[name], originals[name]):
                raise CheckFailed(f"Value changed the array it was given ({name}) in place; keep self.data as it is.")


# ---------------------------------------------------------------- rnn_node_backward

#: (n, n_in, H): batch > 1, hidden > 1, input size != hidden size.
VISIBLE_RNN_SHAPES: tuple[Shape, ...] = ((3, 4, 5), (2, 6, 3), (4, 3, 2))
HIDDEN_RNN_SHAPES: tuple[Shape, ...] = ((5, 2, 4), (2, 7, 5), (6, 4, 3), (3, 5, 6))
SEQUENCE_STEPS = 4
#: (n, n_in, H) of the sequence part of the node checks (small: its numerical gradients run the whole sequence).
VISIBLE_SEQUENCE_SHAPE: Shape = (2, 3, 2)
HIDDEN_SEQUENCE_SHAPE: Shape = (3, 2, 4)

RNN_NAMES = ("dx", "dh_prev", "dW", "dU", "db")

HINT_NO_DH_NEXT = (
    "this is the gradient with dh_next left out. h_t is used twice, by this step's output and by the next "
    "step, so both gradients reach it and they add: dh = dh_out + dh_next."
)
HINT_NO_DH_OUT = "this is the gradient with dh_out left out: dh = dh_out + dh_next (both reach h)."
HINT_TANH_TWICE = (
    "tanh' was taken at the wrong value: h is already tanh(a), so tanh'(a) = 1 - h² (not 1 - tanh(h)²)."
)
HINT_TANH_SIGMOID = "that is the sigmoid's derivative, h(1 - h); for h = tanh(a) it is tanh'(a) = 1 - h²."
HINT_TANH_MISSING = "the derivative of tanh is missing: multiply dh by tanh'(a) = 1 - h² before the matrix products."
HINT_TANH_H_PREV = "tanh' was taken at h_prev; it belongs to this step's output: 1 - h² with h = cache['h']."
HINT_BIAS_NOT_SUMMED = (
    "db must have the bias's shape (1, H): the same bias was added to every row of the batch, so its "
    "gradient is the sum over the rows: da.sum(axis=0, keepdims=True)."
)
HINT_BIAS_NO_KEEPDIMS = "db must be a row (1, H) like b: sum with keepdims=True."


def _rnn_backward(dh_out: ndarray, dh_next: ndarray, cache: dict[str, ndarray], W: ndarray, U: ndarray,
                  local: Callable[[dict[str, ndarray]], ndarray] | None = None) -> list[ndarray]:
    x, h_prev, h = cache["x"], cache["h_prev"], cache["h"]
    da = (dh_out + dh_next) * (local(cache) if local else 1.0 - h**2)
    return [da @ W.T, da @ U.T, x.T @ da, h_prev.T @ da, da.sum(axis=0, keepdims=True)]


def _rnn_mistakes(dh_out: ndarray, dh_next: ndarray, cache: dict[str, ndarray], W: ndarray, U: ndarray) -> list[list[tuple[str, ndarray]]]:
    """For each of the five results, ``(hint, what the mistake gives)``."""
    zero = np.zeros_like(dh_next)
    variants = [
        (HINT_NO_DH_NEXT, _rnn_backward(dh_out, zero, cache, W, U)),
        (HINT_NO_DH_OUT, _rnn_backward(zero, dh_next, cache, W, U)),
        (HINT_TANH_TWICE, _rnn_backward(dh_out, dh_next, cache, W, U, lambda c: 1.0 - np.tanh(c["h"]) ** 2)),
        (HINT_TANH_SIGMOID, _rnn_backward(dh_out, dh_next, cache, W, U, lambda c: c["h"] * (1.0 - c["h"]))),
        (HINT_TANH_MISSING, _rnn_backward(dh_out, dh_next, cache, W, U, lambda c: np.ones_like(c["h"]))),
        (HINT_TANH_H_PREV, _rnn_backward(dh_out, dh_next, cache, W, U, lambda c: 1.0 - c["h_prev"] ** 2)),
    ]
    out: list[list[tuple[str, ndarray]]] = [[(hint, v[i]) for hint, v in variants] for i in range(5)]
    da = (dh_out + dh_next) * (1.0 - cache["h"] ** 2)
    out[4] += [(HINT_BIAS_NOT_SUMMED, da), (HINT_BIAS_NO_KEEPDIMS, da.sum(axis=0))]
    return out


def _rnn_case(rng: np.random.Generator, n: int, n_in: int, H: int) -> dict[str, ndarray]:
    return {"x": rng.normal(size=(n, n_in)), "h_prev": np.tanh(rng.normal(size=(n, H))),
            "W": rng.normal(size=(n_in, H)) * 0.6, "U": rng.normal(size=(H, H)) * 0.6, "b": rng.normal(size=(1, H)) * 0.3,
            "dh_out": rng.normal(size=(n, H)), "dh_next": rng.normal(size=(n, H))}


def _rnn_loss(case: dict[str, ndarray], name: str) -> Callable[[ndarray], float]:
    dh = case["dh_out"] + case["dh_next"]

    def loss(a: ndarray) -> float:
        args = {**case, name: a}
        h, _ = rnn_node_forward(args["x"], args["h_prev"], args["W"], args["U"], args["b"])
        return float(np.sum(dh * h))
    return loss


def check_rnn_node_backward(rnn_node_backward: Callable[..., Any], seed: int = 0,
                            shapes: Sequence[Shape] = VISIBLE_RNN_SHAPES,
                            sequence_shape: Shape = VISIBLE_SEQUENCE_SHAPE) -> None:
    """``rnn_node_backward(dh_out, dh_next, cache, W, U)`` returns ``(dx, dh_prev, dW, dU, db)`` for the step
    ``h = tanh(x W + h_prev U + b)``, each of its argument's shape (``db``: ``(1, H)``); then, run backward
    through a sequence of :data:`SEQUENCE_STEPS` steps, the gradients of the whole sequence."""
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    for n, n_in, H in shapes:
        case = _rnn_case(rng, n, n_in, H)
        _, cache = rnn_node_forward(case["x"], case["h_prev"], case["W"], case["U"], case["b"])
        label = f"rnn_node_backward for x {case['x'].shape}, h_prev {case['h_prev'].shape}"
        got = _call_unchanged(rnn_node_backward, ("dh_out", "dh_next", "cache", "W", "U"),
                              (case["dh_out"], case["dh_next"], cache, case["W"], case["U"]), "rnn_node_backward")
        results = _results(got, RNN_NAMES, label)
        mistakes = _rnn_mistakes(case["dh_out"], case["dh_next"], cache, case["W"], case["U"])
        for i, (result, wrt) in enumerate(zip(results, ("x", "h_prev", "W", "U", "b"))):
            check_gradient(result, _rnn_loss(case, wrt), case[wrt], what=f"{RNN_NAMES[i]} from {label}",
                           mistakes=mistakes[i])
    _check_rnn_sequence(rnn_node_backward, rng, *sequence_shape)


def _check_rnn_sequence(rnn_node_backward: Callable[..., Any], rng: np.random.Generator, n: int, n_in: int, H: int) -> None:
    """Backpropagation through time with the learner's node: gradients of ``L = Σ_t Σ G_t ⊙ h_t``."""
    __tracebackhide__ = True
    T = SEQUENCE_STEPS
    X = rng.normal(size=(T, n, n_in))
    h0 = np.tanh(rng.normal(size=(n, H)))
    W, U, b = rng.normal(size=(n_in, H)) * 0.6, rng.normal(size=(H, H)) * 0.6, rng.normal(size=(1, H)) * 0.3
    G = rng.normal(size=(T, n, H))

    def run(X_: ndarray, h0_: ndarray, W_: ndarray, U_: ndarray) -> tuple[float, list[dict[str, ndarray]]]:
        h, caches, total = h0_, [], 0.0
        for t in range(T):
            h, cache = rnn_node_forward(X_[t], h, W_, U_, b)
            caches.append(cache)
            total += float(np.sum(G[t] * h))
        return total, caches

    _, caches = run(X, h0, W, U)
    dX, dW, dU = np.zeros_like(X), np.zeros_like(W), np.zeros_like(U)
    dh_next = np.zeros((n, H))
    label = f"your rnn_node_backward run backward through {T} steps (the layer's loop, dh_next from step t + 1)"
    for t in reversed(range(T)):
        got = call_learner(rnn_node_backward, G[t].copy(), dh_next.copy(), _copies(caches[t]), W.copy(), U.copy(),
                           name="rnn_node_backward")
        dx, dh_next, dW_t, dU_t, _ = _results(got, RNN_NAMES, label)
        dX[t] = dx
        dW, dU = dW + dW_t, dU + dU_t
    for got_grad, name, arg in ((dX, "dX (every step's input)", 0), (dh_next, "dh_0 (the initial state)", 1),
                                (dW, "dW (summed over the steps)", 2), (dU, "dU (summed over the steps)", 3)):
        args: list[ndarray] = [X, h0, W, U]

        def loss(a: ndarray, arg: int = arg) -> float:
            given = list(args)
            given[arg] = a
            return run(*given)[0]

        check_gradient(got_grad, loss, args[arg], what=f"{name} from {label}")


# ---------------------------------------------------------------- lstm_node_backward

VISIBLE_LSTM_SHAPES: tuple[Shape, ...] = ((3, 4, 5), (2, 5, 3), (4, 2, 3))
HIDDEN_LSTM_SHAPES: tuple[Shape, ...] = ((5, 3, 4), (2, 6, 2), (3, 2, 6), (4, 5, 3))

LSTM_NAMES = ("dx", "dh_prev", "dc_prev", "dW", "dU", "db")

HINT_NO_DC_NEXT = (
    "this is the gradient with dc_next left out. The cell state c_t is used twice, by h_t = o ⊙ tanh(c_t) and by "
    "the next step's c_(t+1) = f ⊙ c_t + ...: dc = dc_next + dh ⊙ o ⊙ (1 - tanh(c)²)."
)
HINT_TANH_C = (
    "tanh' was taken at the wrong value: h = o ⊙ tanh(c), so ∂h/∂c = o ⊙ (1 - tanh(c)²), with tanh(c), "
    "not 1 - c² (c itself is not a tanh)."
)
HINT_SIGMOID_AGAIN = (
    "a gate's derivative was taken at the wrong value: the cache holds the gates after the sigmoid, "
    "i = σ(a_i), so σ'(a_i) = i(1 - i), not σ(i)(1 - σ(i))."
)
HINT_G_AS_SIGMOID = "the candidate g = tanh(a_g) is a tanh, not a sigmoid: its derivative is 1 - g², not g(1 - g)."
HINT_DC_PREV_NO_F = "dc_prev is dc ⊙ f: c_t = f ⊙ c_(t-1) + i ⊙ g, so the gradient passes to c_(t-1) through the forget gate."
HINT_DF_WITH_C = "the forget gate multiplies c_prev (c_t = f ⊙ c_prev + i ⊙ g): ∂c/∂f = c_prev, not c."
HINT_NO_O_IN_DC = "∂h/∂c = o ⊙ (1 - tanh(c)²): the output gate o is missing from the gradient sent to c."
HINT_GATE_ORDER = (
    "the four gate blocks are out of order: the pre-activations a = x W + h_prev U + b are laid out as "
    "[i | f | g | o] (PyTorch's order), so the gradient da must be concatenated in that order too."
)


def _lstm_backward(dh_out: ndarray, dh_next: ndarray, dc_next: ndarray, cache: dict[str, ndarray], W: ndarray, U: ndarray,
                   mistake: str = "") -> list[ndarray]:
    x, h_prev, c_prev, c = cache["x"], cache["h_prev"], cache["c_prev"], cache["c"]
    i, f, g, o = cache["i"], cache["f"], cache["g"], cache["o"]
    dh = dh_out + (0.0 if mistake == "no_dh_next" else dh_next)
    tanh_c = np.tanh(c)
    slope_c = 1.0 - c**2 if mistake == "tanh_c" else 1.0 - tanh_c**2
    dc = (0.0 if mistake == "no_dc_next" else dc_next) + dh * (1.0 if mistake == "no_o" else o) * slope_c

    def sig(s: ndarray) -> ndarray:
        if mistake == "sigmoid_again":
            t = 1.0 / (1.0 + np.exp(-s))
            return t * (1.0 - t)
        return s * (1.0 - s)

    blocks = [dc * g * sig(i), dc * (c if mistake == "df_with_c" else c_prev) * sig(f),
              dc * i * (g * (1.0 - g) if mistake == "g_sigmoid" else 1.0 - g**2), dh * tanh_c * sig(o)]
    if mistake == "order":
        blocks = [blocks[0], blocks[1], blocks[3], blocks[2]]
    da = np.concatenate(blocks, axis=1)
    return [da @ W.T, da @ U.T, dc if mistake == "dc_no_f" else dc * f, x.T @ da, h_prev.T @ da,
            da.sum(axis=0, keepdims=True)]


_LSTM_MISTAKES = (("no_dh_next", HINT_NO_DH_NEXT), ("no_dc_next", HINT_NO_DC_NEXT), ("tanh_c", HINT_TANH_C),
                  ("sigmoid_again", HINT_SIGMOID_AGAIN), ("g_sigmoid", HINT_G_AS_SIGMOID), ("dc_no_f", HINT_DC_PREV_NO_F),
                  ("df_with_c", HINT_DF_WITH_C), ("no_o", HINT_NO_O_IN_DC), ("order", HINT_GATE_ORDER))


def _lstm_case(rng: np.random.Generator, n: int, n_in: int, H: int) -> dict[str, ndarray]:
    return {"x": rng.normal(size=(n, n_in)), "h_prev": np.tanh(rng.normal(size=(n, H))), "c_prev": rng.normal(size=(n, H)),
            "W": rng.normal(size=(n_in, 4 * H)) * 0.6, "U": rng.normal(size=(H, 4 * H)) * 0.6,
            "b": rng.normal(size=(1, 4 * H)) * 0.3, "dh_out": rng.normal(size=(n, H)), "dh_next": rng.normal(size=(n, H)),
            "dc_next": rng.normal(size=(n, H))}


def _lstm_loss(case: dict[str, ndarray], name: str) -> Callable[[ndarray], float]:
    dh = case["dh_out"] + case["dh_next"]

    def loss(a: ndarray) -> float:
        args = {**case, name: a}
        h, c, _ = lstm_node_forward(args["x"], args["h_prev"], args["c_prev"], args["W"], args["U"], args["b"])
        return float(np.sum(dh * h) + np.sum(args["dc_next"] * c))
    return loss


def check_lstm_node_backward(lstm_node_backward: Callable[..., Any], seed: int = 0,
                             shapes: Sequence[Shape] = VISIBLE_LSTM_SHAPES,
                             sequence_shape: Shape = VISIBLE_SEQUENCE_SHAPE) -> None:
    """``lstm_node_backward(dh_out, dh_next, dc_next, cache, W, U)`` returns ``(dx, dh_prev, dc_prev, dW, dU, db)``
    for one LSTM step (:func:`dlfs.nn.recurrent.lstm_node_forward`), each of its argument's shape (``db``: ``(1, 4H)``);
    then, run backward through a sequence, the gradients of the whole sequence."""
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    for n, n_in, H in shapes:
        case = _lstm_case(rng, n, n_in, H)
        _, _, cache = lstm_node_forward(case["x"], case["h_prev"], case["c_prev"], case["W"], case["U"], case["b"])
        label = f"lstm_node_backward for x {case['x'].shape}, h_prev and c_prev {case['h_prev'].shape}"
        args = (case["dh_out"], case["dh_next"], case["dc_next"], cache, case["W"], case["U"])
        got = _call_unchanged(lstm_node_backward, ("dh_out", "dh_next", "dc_next", "cache", "W", "U"), args,
                              "lstm_node_backward")
        results = _results(got, LSTM_NAMES, label)
        variants = [(hint, _lstm_backward(*args, mistake=m)) for m, hint in _LSTM_MISTAKES]
        for i, (result, wrt) in enumerate(zip(results, ("x", "h_prev", "c_prev", "W", "U", "b"))):
            mistakes = [(hint, v[i]) for hint, v in variants]
            if i == 5:
                full = np.concatenate(_lstm_da(*args), axis=1)
                mistakes += [(HINT_BIAS_NOT_SUMMED.replace("(1, H)", "(1, 4H)"), full),
                             (HINT_BIAS_NO_KEEPDIMS.replace("(1, H)", "(1, 4H)"), full.sum(axis=0))]
            check_gradient(result, _lstm_loss(case, wrt), case[wrt], what=f"{LSTM_NAMES[i]} from {label}",
                           mistakes=mistakes)
    _check_lstm_sequence(lstm_node_backward, rng, *sequence_shape)


def _lstm_da(dh_out: ndarray, dh_next: ndarray, dc_next: ndarray, cache: dict[str, ndarray], W: ndarray,
             U: ndarray) -> list[ndarray]:
    """The four blocks of ``∂L/∂a`` (one row per example), for the bias hints."""
    i, f, g, o, c = cache["i"], cache["f"], cache["g"], cache["o"], cache["c"]
    dh = dh_out + dh_next
    tanh_c = np.tanh(c)
    dc = dc_next + dh * o * (1.0 - tanh_c**2)
    return [dc * g * i * (1 - i), dc * cache["c_prev"] * f * (1 - f), dc * i * (1 - g**2), dh * tanh_c * o * (1 - o)]


def _check_lstm_sequence(lstm_node_backward: Callable[..., Any], rng: np.random.Generator, n: int, n_in: int, H: int) -> None:
    """Backpropagation through time with the learner's node: ``L = Σ_t Σ G_t ⊙ h_t``, from a non-zero ``(h_0, c_0)``."""
    __tracebackhide__ = True
    T = SEQUENCE_STEPS
    X = rng.normal(size=(T, n, n_in))
    h0, c0 = np.tanh(rng.normal(size=(n, H))), rng.normal(size=(n, H))
    W, U, b = rng.normal(size=(n_in, 4 * H)) * 0.6, rng.normal(size=(H, 4 * H)) * 0.6, rng.normal(size=(1, 4 * H)) * 0.3
    G = rng.normal(size=(T, n, H))
    args: list[ndarray] = [X, h0, c0, W, U]

    def run(X_: ndarray, h0_: ndarray, c0_: ndarray, W_: ndarray, U_: ndarray) -> tuple[float, list[dict[str, ndarray]]]:
        h, c, caches, total = h0_, c0_, [], 0.0
        for t in range(T):
            h, c, cache = lstm_node_forward(X_[t], h, c, W_, U_, b)
            caches.append(cache)
            total += float(np.sum(G[t] * h))
        return total, caches

    _, caches = run(*args)
    dX, dW, dU = np.zeros_like(X), np.zeros_like(W), np.zeros_like(U)
    dh_next, dc_next = np.zeros((n, H)), np.zeros((n, H))
    label = f"your lstm_node_backward run backward through {T} steps (the layer's loop, dh_next and dc_next from step t + 1)"
    for t in reversed(range(T)):
        got = call_learner(lstm_node_backward, G[t].copy(), dh_next.copy(), dc_next.copy(), _copies(caches[t]),
                           W.copy(), U.copy(), name="lstm_node_backward")
        dx, dh_next, dc_next, dW_t, dU_t, _ = _results(got, LSTM_NAMES, label)
        dX[t] = dx
        dW, dU = dW + dW_t, dU + dU_t
    for got_grad, name, arg in ((dX, "dX (every step's input)", 0), (dh_next, "dh_0 (the initial h)", 1),
                                (dc_next, "dc_0 (the initial c)", 2), (dW, "dW (summed over the steps)", 3),
                                (dU, "dU (summed over the steps)", 4)):

        def loss(a: ndarray, arg: int = arg) -> float:
            given = list(args)
            given[arg] = a
            return run(*given)[0]

        check_gradient(got_grad, loss, args[arg], what=f"{name} from {label}")


# ---------------------------------------------------------------- clip_by_global_norm

#: (shapes of the gradients, max_norm, scale of the gradients).
ClipCase = tuple[tuple[Shape, ...], float, float]
VISIBLE_CLIP_CASES: tuple[ClipCase, ...] = (
    (((3, 4), (4,), (2, 3, 2)), 1.0, 1.0),     # clipped
    (((5, 2), (2,)), 10.0, 1.0),               # not clipped: norm < max_norm
    (((2, 3), (3,), (1, 3)), 2.0, 3.0),        # clipped, one array far larger than the others
)
HIDDEN_CLIP_CASES: tuple[ClipCase, ...] = (
    (((4, 3), (3,)), 0.5, 1.0),
    (((2, 2, 2), (6,), (3, 1)), 5.0, 4.0),
    (((7,), (2, 5)), 100.0, 1.0),
    (((3, 3), (3,)), 1.5, 0.2),
)

HINT_PER_TENSOR = (
    "each array was clipped on its own. Clipping by *global* norm treats all the gradients as one long vector: "
    "norm = sqrt(sum of every g²) over all of them, and every array is scaled by the same max_norm / norm, so the "
    "direction of the whole step is kept."
)
HINT_BY_VALUE = "that is clipping by value (np.clip). Clip by norm: scale every array by max_norm / norm when norm > max_norm."
HINT_ALWAYS_SCALE = (
    "the gradients were rescaled although their norm was already below max_norm: scale only when norm > max_norm "
    "(the factor is min(1, max_norm / norm))."
)
HINT_NO_SQRT = "the norm is the square root of the sum of squares: np.sqrt(sum of np.sum(g**2))."
HINT_NORM_AFTER = "return the global norm measured *before* clipping (it tells how large the gradient was)."
HINT_INVERTED = "the factor is upside down: scale by max_norm / norm (< 1 when clipping), not norm / max_norm."
HINT_ZERO_GRADS = "all-zero gradients have norm 0: they need no clipping, and dividing by the norm gives nan."


def _global_norm(grads: Sequence[ndarray]) -> float:
    return float(np.sqrt(sum(float(np.sum(g**2)) for g in grads)))


def _clip_mistakes(grads: Sequence[ndarray], max_norm: float, index: int) -> list[tuple[str, ndarray]]:
    norm = _global_norm(grads)
    g = grads[index]
    own = float(np.sqrt(np.sum(g**2)))
    with np.errstate(all="ignore"):
        out = [(HINT_PER_TENSOR, g * min(1.0, max_norm / own) if own > 0 else g),
               (HINT_BY_VALUE, np.clip(g, -max_norm, max_norm))]
        if norm > 0:
            out += [(HINT_NO_SQRT, g * min(1.0, max_norm / norm**2)), (HINT_NO_SQRT, g * max_norm / norm**2)]
            if norm <= max_norm:
                out.append((HINT_ALWAYS_SCALE, g * max_norm / norm))
            else:
                out.append((HINT_INVERTED, g * norm / max_norm))
    return out


def check_clip_by_global_norm(clip_by_global_norm: Callable[..., Any], seed: int = 0,
                              cases: Sequence[ClipCase] = VISIBLE_CLIP_CASES) -> None:
    """``clip_by_global_norm(grads, max_norm)`` returns ``(clipped, norm)``: the arrays scaled by
    ``min(1, max_norm / norm)`` and the global norm ``sqrt(Σ g²)`` before clipping; ``grads`` are not changed."""
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    for shapes, max_norm, scale in [*cases, (((2, 2), (3,)), 1.0, 0.0)]:   # the last: all-zero gradients
        grads = [rng.normal(size=s) * scale for s in shapes]
        if len(grads) > 2 and scale > 1:
            grads[0] = grads[0] * 6.0                  # one array far larger: per-array clipping shows
        norm = _global_norm(grads)
        factor = min(1.0, max_norm / norm) if norm > 0 else 1.0
        described = ", ".join(str(g.shape) for g in grads)
        label = f"clip_by_global_norm(grads, max_norm={max_norm:g}) for grads of shapes {described} (global norm {norm:.4g})"
        got = _call_unchanged(clip_by_global_norm, ("grads", "max_norm"), (grads, max_norm), "clip_by_global_norm")
        if got is None:
            raise CheckFailed(f"{label}: {HINT_NONE}")
        if not isinstance(got, list | tuple) or len(got) != 2:
            raise CheckFailed(f"{label} should return a pair (clipped, norm): the list of clipped arrays and the norm "
                              f"before clipping; it returned {type(got).__name__}.")
        clipped, got_norm = got
        if not isinstance(clipped, list | tuple) or len(clipped) != len(grads):
            raise CheckFailed(f"{label}: the first result should be a list of {len(grads)} arrays, one per gradient; "
                              f"received {type(clipped).__name__}" + (f" of length {len(clipped)}." if isinstance(clipped, list | tuple) else "."))
        for i, (c, g) in enumerate(zip(clipped, grads)):
            what = f"clipped[{i}] (shape {g.shape}) from {label}"
            received = as_float_array(c, what)
            if norm == 0 and received.shape == g.shape and not np.all(np.isfinite(received)):
                raise CheckFailed(f"{what} contains nan or inf.\n  Hint: {HINT_ZERO_GRADS}")
            assert_close(received, g * factor, what=what, rtol=1e-9, atol=1e-12, mistakes=_clip_mistakes(grads, max_norm, i))
        what = f"the norm returned by {label}"
        value = as_float_array(got_norm, what)
        if value.shape != ():
            raise CheckFailed(f"{what} should be one number; received an array of shape {value.shape}.")
        assert_close(value, norm, what=what, rtol=1e-9, atol=1e-12,
                     mistakes=[(HINT_NO_SQRT, norm**2), (HINT_NORM_AFTER, norm * factor)])
