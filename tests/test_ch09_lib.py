"""Chapter 09 in the library: the autodiff engine, recurrent nodes and layers, clipping, the text model, the checks.

Every backward pass is compared in float64 with central differences, on several shapes with a
batch of more than one, more than one hidden unit, more than one time step and an input size
different from the hidden size; the layers also equal PyTorch's ``nn.RNN``, ``nn.GRU`` and
``nn.LSTM`` with copied weights. The graded checks accept right answers written other ways,
name each classic mistake, and work through a data-only stand-in for the grader's channel.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from matplotlib.figure import Figure
from numpy import ndarray

from dlfs import autodiff
from dlfs.autodiff import Node, Value, topological_order
from dlfs.checks import rnn as cr
from dlfs.checks.gradcheck import CheckFailed, numerical_gradient
from dlfs.data.text import UNKNOWN, Vocabulary, load_python_docs, stream_batches
from dlfs.draw import autodiff as draw_autodiff
from dlfs.draw import sequences
from dlfs.nn import language
from dlfs.nn.clipping import clip_by_global_norm, global_norm
from dlfs.nn.recurrent import (
    GRULayer,
    LSTMLayer,
    RecurrentLayer,
    RNNLayer,
    from_torch,
    gru_node_backward,
    gru_node_forward,
    lstm_node_backward,
    lstm_node_forward,
    rnn_node_backward,
    rnn_node_forward,
    torch_weights,
)

# (n, n_in, H): batch > 1, hidden > 1, input size != hidden size
NODE_SHAPES = [(3, 4, 5), (2, 6, 3), (5, 2, 4)]
# (n, T, n_in, H): also sequence length > 1
LAYER_SHAPES = [(2, 3, 4, 5), (3, 4, 3, 2), (4, 2, 5, 3)]


def _close(a: Any, b: Any, tol: float = 1e-6) -> None:
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=tol, atol=tol * 1e-2)


# ---------------------------------------------------------------- Value, the autodiff engine


def _leaf_gradients(build: Callable[..., Node], arrays: dict[str, ndarray]) -> None:
    """``build(**leaves)`` with Value leaves: after backward, each leaf's grad equals central differences."""
    leaves = {k: Value(v) for k, v in arrays.items()}
    out = build(**leaves)
    out.backward()
    for name, leaf in leaves.items():
        def f(a: ndarray, name: str = name) -> float:
            return float(np.sum(build(**{**{k: Value(v) for k, v in arrays.items()}, name: Value(a)}).data))
        _close(leaf.grad, numerical_gradient(f, arrays[name]))
        assert leaf.grad.shape == arrays[name].shape


GRAPHS: list[tuple[str, Callable[..., Node], dict[str, Callable[[np.random.Generator], ndarray]]]] = [
    ("fan-out x*x + x", lambda x: x * x + x, {"x": lambda r: r.normal(size=(3, 4))}),
    ("broadcast bias and matmul", lambda x, W, b: (x @ W + b).tanh(),
     {"x": lambda r: r.normal(size=(4, 3)), "W": lambda r: r.normal(size=(3, 2)), "b": lambda r: r.normal(size=(2,))}),
    ("column broadcast", lambda x, c: x * c - c, {"x": lambda r: r.normal(size=(3, 5)), "c": lambda r: r.normal(size=(3, 1))}),
    ("exp, log, pow, division, constants", lambda x, y: ((x * 0.5).exp() + 2.0) .log() / (y**2 + 1.0) - 3.0 * y,
     {"x": lambda r: r.normal(size=(2, 3)), "y": lambda r: r.normal(size=(2, 3))}),
    ("reflected operators", lambda x: 2.0 - x * 3.0 + (1.0 + x) * (-x), {"x": lambda r: r.normal(size=(4,))}),
    ("scalars", lambda a, b: (a * b + a).tanh() * (a * b), {"a": lambda r: np.array(0.7), "b": lambda r: np.array(-1.3)}),
    ("weights shared by two steps", lambda x1, x2, W, U: ((x2 @ W) + (x1 @ W).tanh() @ U).tanh().sum(),
     {"x1": lambda r: r.normal(size=(2, 3)), "x2": lambda r: r.normal(size=(2, 3)),
      "W": lambda r: r.normal(size=(3, 4)), "U": lambda r: r.normal(size=(4, 4))}),
]


@pytest.mark.parametrize(("name", "build", "makers"), GRAPHS, ids=[g[0] for g in GRAPHS])
def test_value_gradients_equal_central_differences(name: str, build: Callable[..., Node],
                                                   makers: dict[str, Callable[[np.random.Generator], ndarray]]) -> None:
    rng = np.random.default_rng(len(name))
    _leaf_gradients(build, {k: m(rng) for k, m in makers.items()})


def test_fan_out_gradients_add_and_backward_starts_afresh_each_call() -> None:
    x = Value(2.0)
    y = x * x + x * 3.0       # dy/dx = 2x + 3 = 7
    y.backward()
    assert float(x.grad) == 7.0
    y.backward()
    assert float(x.grad) == 7.0     # a second call gives the same, not 14
    u = x * x
    u.backward()                    # backward from another node of the same graph
    assert float(x.grad) == 4.0


def test_topological_order_puts_every_node_once_after_its_parents() -> None:
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    out = d * c
    order = topological_order(out)
    assert len(order) == len({id(n) for n in order}) == 5
    position = {id(n): i for i, n in enumerate(order)}
    assert all(position[id(p)] < position[id(n)] for n in order for p in n.parents)
    assert order[-1] is out


def test_a_long_chain_needs_no_recursion() -> None:
    x = Value(0.5)
    y: Node = x
    for _ in range(3000):
        y = y * 1.0 + 0.0
    assert isinstance(y, Value)
    y.backward()
    assert float(x.grad) == 1.0


def test_operations_return_the_callers_class_and_copy_their_data() -> None:
    data = np.ones((2, 2))
    x = Value(data)
    data[0, 0] = 5.0
    assert x.data[0, 0] == 1.0
    assert type(x + 1.0) is Value and type(1.0 + x) is Value and type(x.tanh()) is Value
    assert autodiff._unbroadcast(np.ones((3, 2, 4)), (2, 1)).shape == (2, 1)


# ---------------------------------------------------------------- nodes: one time step


def _node_case(rng: np.random.Generator, n: int, n_in: int, H: int, k: int) -> dict[str, ndarray]:
    return {"x": rng.normal(size=(n, n_in)), "h_prev": np.tanh(rng.normal(size=(n, H))), "c_prev": rng.normal(size=(n, H)),
            "W": rng.normal(size=(n_in, k * H)) * 0.6, "U": rng.normal(size=(H, k * H)) * 0.6,
            "b": rng.normal(size=(1, k * H)) * 0.3, "b_h": rng.normal(size=(1, k * H)) * 0.3,
            "dh_out": rng.normal(size=(n, H)), "dh_next": rng.normal(size=(n, H)), "dc_next": rng.normal(size=(n, H))}


@pytest.mark.parametrize("shape", NODE_SHAPES)
def test_rnn_node_backward_equals_central_differences(shape: tuple[int, int, int]) -> None:
    c = _node_case(np.random.default_rng(1), *shape, k=1)
    _, cache = rnn_node_forward(c["x"], c["h_prev"], c["W"], c["U"], c["b"])
    grads = rnn_node_backward(c["dh_out"], c["dh_next"], cache, c["W"], c["U"])
    dh = c["dh_out"] + c["dh_next"]
    for got, name in zip(grads, ("x", "h_prev", "W", "U", "b")):
        def f(a: ndarray, name: str = name) -> float:
            args = {**c, name: a}
            return float(np.sum(dh * rnn_node_forward(args["x"], args["h_prev"], args["W"], args["U"], args["b"])[0]))
        _close(got, numerical_gradient(f, c[name]))


@pytest.mark.parametrize("shape", NODE_SHAPES)
def test_lstm_node_backward_equals_central_differences(shape: tuple[int, int, int]) -> None:
    c = _node_case(np.random.default_rng(2), *shape, k=4)
    _, _, cache = lstm_node_forward(c["x"], c["h_prev"], c["c_prev"], c["W"], c["U"], c["b"])
    grads = lstm_node_backward(c["dh_out"], c["dh_next"], c["dc_next"], cache, c["W"], c["U"])
    dh = c["dh_out"] + c["dh_next"]
    for got, name in zip(grads, ("x", "h_prev", "c_prev", "W", "U", "b")):
        def f(a: ndarray, name: str = name) -> float:
            args = {**c, name: a}
            h, cell, _ = lstm_node_forward(args["x"], args["h_prev"], args["c_prev"], args["W"], args["U"], args["b"])
            return float(np.sum(dh * h) + np.sum(c["dc_next"] * cell))
        _close(got, numerical_gradient(f, c[name]))


@pytest.mark.parametrize("shape", NODE_SHAPES)
def test_gru_node_backward_equals_central_differences(shape: tuple[int, int, int]) -> None:
    c = _node_case(np.random.default_rng(3), *shape, k=3)
    _, cache = gru_node_forward(c["x"], c["h_prev"], c["W"], c["U"], c["b"], c["b_h"])
    grads = gru_node_backward(c["dh_out"], c["dh_next"], cache, c["W"], c["U"])
    dh = c["dh_out"] + c["dh_next"]
    for got, name in zip(grads, ("x", "h_prev", "W", "U", "b", "b_h")):
        def f(a: ndarray, name: str = name) -> float:
            args = {**c, name: a}
            return float(np.sum(dh * gru_node_forward(args["x"], args["h_prev"], args["W"], args["U"], args["b"], args["b_h"])[0]))
        _close(got, numerical_gradient(f, c[name]))


def test_nodes_refuse_shapes_that_do_not_fit() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"W must be \(n_in, 4·H\)"):
        lstm_node_forward(rng.normal(size=(2, 3)), np.zeros((2, 4)), np.zeros((2, 4)), np.zeros((3, 12)), np.zeros((4, 16)),
                          np.zeros((1, 16)))
    with pytest.raises(ValueError, match="h_prev must be"):
        rnn_node_forward(rng.normal(size=(2, 3)), np.zeros((3, 4)), np.zeros((3, 4)), np.zeros((4, 4)), np.zeros((1, 4)))


# ---------------------------------------------------------------- layers: whole sequences

LAYERS: list[type[RecurrentLayer]] = [RNNLayer, GRULayer, LSTMLayer]


def _layer_case(cls: type[RecurrentLayer], n: int, T: int, n_in: int, H: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    layer = cls(H, seed=seed)
    X = rng.normal(size=(n, T, n_in))
    state = tuple(rng.normal(size=(n, H)) * 0.5 for _ in range(cls.state_size))
    layer.forward(X, state=state)
    layer.set_params([p * 2.5 for p in layer.params()])   # larger than the default init: gradients that matter
    G = rng.normal(size=(n, T, H))
    G_state = tuple(rng.normal(size=(n, H)) for _ in range(cls.state_size))
    return layer, X, state, G, G_state


def _sequence_loss(layer: RecurrentLayer, G: ndarray, G_state: tuple[ndarray, ...]) -> Callable[..., float]:
    def loss(X: ndarray, state: tuple[ndarray, ...]) -> float:
        out = layer.forward(X, state=state)
        assert layer.final_state is not None
        return float(np.sum(G * out) + sum(np.sum(g * s) for g, s in zip(G_state, layer.final_state)))
    return loss


@pytest.mark.parametrize("cls", LAYERS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("shape", LAYER_SHAPES)
def test_layer_backward_equals_central_differences(cls: type[RecurrentLayer], shape: tuple[int, int, int, int]) -> None:
    layer, X, state, G, G_state = _layer_case(cls, *shape)
    loss = _sequence_loss(layer, G, G_state)
    layer.forward(X, state=state)
    dX = layer.backward(G, state_grad=G_state)
    param_grads = [g.copy() for g in layer.param_grads()]
    initial = layer.initial_state_grad
    assert initial is not None
    _close(dX, numerical_gradient(lambda a: loss(a, state), X))
    for i, s in enumerate(state):
        _close(initial[i], numerical_gradient(lambda a, i=i: loss(X, tuple(a if j == i else s_ for j, s_ in enumerate(state))), s))
    params = layer.params()
    for p, g in zip(params, param_grads):
        original = p.copy()

        def f(a: ndarray, p: ndarray = p) -> float:
            p[...] = a
            return loss(X, state)

        _close(g, numerical_gradient(f, original))
        p[...] = original


@pytest.mark.parametrize("cls", LAYERS, ids=lambda c: c.__name__)
def test_layer_forward_and_backward_equal_a_loop_of_nodes(cls: type[RecurrentLayer]) -> None:
    n, T, n_in, H = 3, 5, 4, 2
    layer, X, state, G, _ = _layer_case(cls, n, T, n_in, H, seed=7)
    out = layer.forward(X, state=state)
    dX = layer.backward(G)
    p = layer.params()
    h, c = state[0], state[-1]
    caches = []
    for t in range(T):
        if cls is RNNLayer:
            h, cache = rnn_node_forward(X[:, t], h, p[0], p[1], p[2])
        elif cls is GRULayer:
            h, cache = gru_node_forward(X[:, t], h, p[0], p[1], p[2], p[3])
        else:
            h, c, cache = lstm_node_forward(X[:, t], h, c, p[0], p[1], p[2])
        caches.append(cache)
        _close(out[:, t], h, 1e-12)
    dh_next, dc_next = np.zeros((n, H)), np.zeros((n, H))
    totals = [np.zeros_like(q) for q in p]
    for t in reversed(range(T)):
        if cls is LSTMLayer:
            dx, dh_next, dc_next, *grads = lstm_node_backward(G[:, t], dh_next, dc_next, caches[t], p[0], p[1])
        elif cls is GRULayer:
            dx, dh_next, *grads = gru_node_backward(G[:, t], dh_next, caches[t], p[0], p[1])
        else:
            dx, dh_next, *grads = rnn_node_backward(G[:, t], dh_next, caches[t], p[0], p[1])
        _close(dX[:, t], dx, 1e-10)
        totals = [a + g for a, g in zip(totals, grads)]
    for got, want in zip(layer.param_grads(), totals):
        _close(got, want, 1e-10)
    assert layer.hidden_grads is not None and layer.hidden_grads.shape == (n, T, H)


@pytest.mark.parametrize("cls", LAYERS, ids=lambda c: c.__name__)
def test_layers_keep_float32_and_refuse_wrong_shapes(cls: type[RecurrentLayer]) -> None:
    layer = cls(6, seed=0)
    out = layer.forward(np.ones((2, 3, 4), dtype=np.float32))
    assert out.dtype == np.float32 and all(p.dtype == np.float32 for p in layer.params())
    assert layer.backward(np.ones((2, 3, 6), dtype=np.float32)).dtype == np.float32
    with pytest.raises(ValueError, match=r"batch of sequences \(n, T, n_in\)"):
        layer.forward(np.ones((2, 4)))
    with pytest.raises(ValueError, match="output_grad must have the output's shape"):
        layer.backward(np.ones((2, 3, 5)))
    with pytest.raises(ValueError, match="W for inputs of width 5"):
        layer.forward(np.ones((2, 3, 5)))


def test_lstm_forget_bias_is_added_to_the_forget_block_only() -> None:
    plain, biased = LSTMLayer(3, seed=4), LSTMLayer(3, seed=4, forget_bias=1.0)
    X = np.zeros((1, 2, 2))
    plain.forward(X)
    biased.forward(X)
    diff = biased.params()[2] - plain.params()[2]
    _close(diff, [[0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0]], 1e-12)


# ---------------------------------------------------------------- PyTorch's LSTM, GRU and RNN, in float64

@pytest.mark.parametrize(("cls", "module"), [(RNNLayer, "RNN"), (GRULayer, "GRU"), (LSTMLayer, "LSTM")])
@pytest.mark.parametrize("shape", LAYER_SHAPES)
def test_layers_equal_pytorch_in_float64(cls: type[RecurrentLayer], module: str, shape: tuple[int, int, int, int]) -> None:
    torch = pytest.importorskip("torch")
    n, T, n_in, H = shape
    layer, X, state, G, _ = _layer_case(cls, n, T, n_in, H, seed=11)
    net = getattr(torch.nn, module)(n_in, H, batch_first=True, dtype=torch.float64)
    net.load_state_dict({k: torch.tensor(v) for k, v in torch_weights(layer).items()})
    X_t = torch.tensor(X, requires_grad=True)
    s_t = [torch.tensor(s[None], requires_grad=True) for s in state]
    out_t, final_t = net(X_t, tuple(s_t) if module == "LSTM" else s_t[0])
    (out_t * torch.tensor(G)).sum().backward()
    out = layer.forward(X, state=state)
    dX = layer.backward(G)
    _close(out, out_t.detach().numpy(), 1e-12)
    _close(dX, X_t.grad.numpy(), 1e-10)
    finals = final_t if module == "LSTM" else (final_t,)
    assert layer.final_state is not None and layer.initial_state_grad is not None
    for ours, theirs in zip(layer.final_state, finals):
        _close(ours, theirs.detach().numpy()[0], 1e-12)
    for ours, theirs in zip(layer.initial_state_grad, s_t):
        _close(ours, theirs.grad.numpy()[0], 1e-10)
    grads = dict(zip(("W", "U", "b", "b_h"), layer.param_grads()))
    tg = {k: v.grad.numpy() for k, v in net.named_parameters()}
    _close(grads["W"], tg["weight_ih_l0"].T, 1e-10)
    _close(grads["U"], tg["weight_hh_l0"].T, 1e-10)
    _close(grads["b"][0], tg["bias_ih_l0"], 1e-10)
    _close(grads.get("b_h", grads["b"])[0], tg["bias_hh_l0"], 1e-10)   # one bias: both of torch's get its gradient
    round_trip = from_torch(net.state_dict(), gru=module == "GRU")
    expect = layer.params() if module == "GRU" else [layer.params()[0], layer.params()[1], layer.params()[2]]
    for a, b in zip(round_trip, expect):
        _close(a, b, 1e-12)


# ---------------------------------------------------------------- clipping


def test_clip_by_global_norm_scales_all_gradients_alike_and_leaves_them_unchanged() -> None:
    rng = np.random.default_rng(0)
    grads = [rng.normal(size=(3, 4)) * 5, rng.normal(size=(4,)), rng.normal(size=(2, 2, 2)).astype(np.float32)]
    before = [g.copy() for g in grads]
    norm = np.sqrt(sum(float(np.sum(g.astype(float) ** 2)) for g in grads))
    assert global_norm(grads) == pytest.approx(norm)
    clipped, got = clip_by_global_norm(grads, 1.0)
    assert got == pytest.approx(norm)
    assert global_norm(clipped) == pytest.approx(1.0, rel=1e-6)
    for c, g, b in zip(clipped, grads, before):
        _close(c, g / norm, 1e-6)
        np.testing.assert_array_equal(g, b)
    assert clipped[2].dtype == np.float32
    same, _ = clip_by_global_norm(grads, 2 * norm)
    for s, g in zip(same, grads):
        np.testing.assert_array_equal(s, g)
        assert s is not g
    zeros, zero_norm = clip_by_global_norm([np.zeros(3)], 1.0)
    assert zero_norm == 0.0 and np.all(zeros[0] == 0)
    with pytest.raises(ValueError, match="max_norm"):
        clip_by_global_norm(grads, 0.0)


# ---------------------------------------------------------------- text and the language model


def test_python_docs_split_by_topic_and_vocabulary_round_trips() -> None:
    docs = load_python_docs(train_chars=5000, validation_chars=2000)
    assert len(docs.train) == 5000 and len(docs.validation) == 2000
    assert not set(docs.train_topics) & set(docs.validation_topics)
    assert len(docs.validation_topics) * 9 <= len(docs.train_topics) + 9
    vocab = Vocabulary(docs.train)
    assert vocab.chars[0] == UNKNOWN and vocab.size == len(set(docs.train)) + 1
    ids = vocab.encode(docs.train[:300])
    assert ids.dtype == np.int64 and vocab.decode(ids) == docs.train[:300]
    assert list(vocab.encode("a\u00e6\u2603")) [1:] == [0, 0]


def test_stream_batches_continue_each_row_and_shift_targets_by_one() -> None:
    ids = np.arange(103)
    batches = list(stream_batches(ids, batch_size=4, steps=5))
    assert len(batches) == 5   # 25 characters per stream, windows of 5
    for (x1, y1), (x2, _) in zip(batches, batches[1:]):
        np.testing.assert_array_equal(x2[:, 0], x1[:, -1] + 1)
        np.testing.assert_array_equal(y1, x1 + 1)
    with pytest.raises(ValueError, match="too few"):
        list(stream_batches(np.arange(10), batch_size=4, steps=5))


def test_ngram_baselines_count_and_smooth() -> None:
    train, test = np.array([1, 2, 1, 2, 1, 3]), np.array([1, 2, 1, 3])
    uni = language.unigram_probabilities(train, 4, k=1.0)
    _close(uni, [1 / 10, 4 / 10, 3 / 10, 2 / 10], 1e-12)
    big = language.bigram_probabilities(train, 4, k=0.5)
    _close(big.sum(axis=1), np.ones(4), 1e-12)
    assert big[1, 2] == pytest.approx((2 + 0.5) / (3 + 2.0))
    expected = -np.mean(np.log2([big[1, 2], big[2, 1], big[1, 3]]))
    assert language.bigram_bits(train, test, 4, k=0.5) == pytest.approx(expected)
    assert language.unigram_bits(train, test, 4) == pytest.approx(-np.mean(np.log2(uni[test])))


def test_char_model_gradients_equal_central_differences() -> None:
    rng = np.random.default_rng(0)
    V, H = 7, 4
    model = language.CharLanguageModel(V, H, "lstm", seed=0, dtype=np.float64)
    x, y = rng.integers(0, V, size=(2, 5)), rng.integers(0, V, size=(2, 5))
    model.train_batch(x, y)
    grads = [g.copy() for g in model.param_grads()]

    def loss() -> float:
        model.reset_state()
        logits = model.forward(x)
        return float(model.loss.forward(logits, np.eye(V)[y.reshape(-1)]))

    for p, g in zip(model.params(), grads):
        original = p.copy()

        def f(a: ndarray, p: ndarray = p) -> float:
            p[...] = a
            return loss()

        _close(g, numerical_gradient(f, original), 1e-5)
        p[...] = original


def test_char_model_learns_a_repetitive_text_and_samples_deterministically() -> None:
    vocab = Vocabulary("abcd")
    ids = vocab.encode("abcd" * 300)
    model = language.CharLanguageModel(vocab.size, 16, "lstm", seed=1)
    before = language.bits_per_char(model, ids[:400], streams=4, window=20)
    history = language.fit_language_model(model, ids, clip_by_global_norm, steps=60, batch_size=8, window=10, lr=1.0)
    after = language.bits_per_char(model, ids[:400], streams=4, window=20)
    assert before > 2.0 and after < 0.3 and len(history["loss"]) == 60
    rng_a, rng_b = np.random.default_rng(5), np.random.default_rng(5)
    a = language.sample(model, vocab.encode("ab"), 20, 0.5, rng_a)
    assert np.array_equal(a, language.sample(model, vocab.encode("ab"), 20, 0.5, rng_b))
    assert vocab.decode(language.sample(model, vocab.encode("ab"), 8, 0.05, rng_a)) == "cdabcdab"
    cold = language.next_char_probabilities(model, vocab.encode("abc"), 0.1)
    hot = language.next_char_probabilities(model, vocab.encode("abc"), 3.0)
    assert cold.argmax() == vocab.encode("d")[0] and cold.max() > hot.max()
    assert model.state is None


def test_fit_uses_the_clip_function_it_is_given() -> None:
    calls: list[float] = []

    def clip(grads: Any, max_norm: float) -> tuple[list[ndarray], float]:
        calls.append(max_norm)
        return [np.zeros_like(g) for g in grads], 1.0

    vocab = Vocabulary("xyz")
    model = language.CharLanguageModel(vocab.size, 4, "rnn", seed=0)
    model.forward(np.zeros((2, 3), dtype=int))
    before = [p.copy() for p in model.params()]
    language.fit_language_model(model, vocab.encode("xyz" * 50), clip, steps=3, batch_size=2, window=5, max_norm=0.7)
    assert calls == [0.7] * 3
    for p, b in zip(model.params(), before):
        np.testing.assert_array_equal(p, b)   # zero gradients: nothing moved


# ---------------------------------------------------------------- the graded checks: right answers


class ValueAccumulatingInPlace(Node):
    """backward with += and an explicit reversed list, a different but right answer."""

    def backward(self) -> None:
        order = topological_order(self)
        for node in order:
            node.grad = np.zeros(node.data.shape)
        self.grad = np.ones(self.data.shape)
        for node in order[::-1]:
            if node.grad_fn is not None:
                for parent, g in zip(node.parents, node.grad_fn(node.grad)):
                    parent.grad += g


class ValueSeededWithOne(Node):
    """Seeds with the number 1.0 and builds its own order with a recursive walk."""

    def backward(self) -> None:
        order: list[Node] = []
        seen: set[int] = set()

        def visit(node: Node) -> None:
            if id(node) in seen:
                return
            seen.add(id(node))
            for p in node.parents:
                visit(p)
            order.append(node)

        visit(self)
        for node in order:
            node.grad = 0.0 * node.data
        self.grad = 1.0  # type: ignore[assignment]
        for node in reversed(order):
            if node.grad_fn:
                grads = node.grad_fn(np.broadcast_to(node.grad, node.data.shape).copy())
                for parent, g in zip(node.parents, grads):
                    parent.grad = parent.grad + g


def rnn_node_backward_other_way(dh_out: ndarray, dh_next: ndarray, cache: dict[str, ndarray], W: ndarray,
                                U: ndarray) -> list[ndarray]:
    da = (dh_out + dh_next) * (1 - np.tanh(np.arctanh(cache["h"])) ** 2)
    return [np.einsum("nh,ih->ni", da, W), np.einsum("nh,jh->nj", da, U), np.einsum("ni,nh->ih", cache["x"], da),
            np.einsum("nj,nh->jh", cache["h_prev"], da), np.sum(da, axis=0)[None, :]]


def lstm_node_backward_other_way(dh_out: ndarray, dh_next: ndarray, dc_next: ndarray, cache: dict[str, ndarray],
                                 W: ndarray, U: ndarray) -> tuple[ndarray, ...]:
    H = cache["i"].shape[1]
    dh = dh_out + dh_next
    dc = dc_next + dh * cache["o"] * (1 / np.cosh(cache["c"])) ** 2
    da = np.empty((dh.shape[0], 4 * H))
    da[:, :H] = dc * cache["g"] * cache["i"] * (1 - cache["i"])
    da[:, H:2 * H] = dc * cache["c_prev"] * cache["f"] * (1 - cache["f"])
    da[:, 2 * H:3 * H] = dc * cache["i"] * (1 - cache["g"] ** 2)
    da[:, 3 * H:] = dh * np.tanh(cache["c"]) * cache["o"] * (1 - cache["o"])
    return da @ W.T, da @ U.T, dc * cache["f"], cache["x"].T @ da, cache["h_prev"].T @ da, da.sum(0, keepdims=True)


def clip_in_a_loop(grads: list[ndarray], max_norm: float) -> tuple[tuple[ndarray, ...], ndarray]:
    total = 0.0
    for g in grads:
        total += float((g * g).sum())
    norm = np.sqrt(total)
    factor = max_norm / max(norm, max_norm)
    return tuple(g * factor for g in grads), np.float64(norm)


RIGHT = [
    (cr.check_Value, Value, {}),
    (cr.check_Value, Value, {"seed": 9, "shapes": cr.HIDDEN_VALUE_SHAPES}),
    (cr.check_Value, ValueAccumulatingInPlace, {}),
    (cr.check_Value, ValueSeededWithOne, {"seed": 3}),
    (cr.check_rnn_node_backward, rnn_node_backward, {}),
    (cr.check_rnn_node_backward, rnn_node_backward, {"seed": 7, "shapes": cr.HIDDEN_RNN_SHAPES,
                                                     "sequence_shape": cr.HIDDEN_SEQUENCE_SHAPE}),
    (cr.check_rnn_node_backward, rnn_node_backward_other_way, {}),
    (cr.check_lstm_node_backward, lstm_node_backward, {}),
    (cr.check_lstm_node_backward, lstm_node_backward, {"seed": 7, "shapes": cr.HIDDEN_LSTM_SHAPES,
                                                       "sequence_shape": cr.HIDDEN_SEQUENCE_SHAPE}),
    (cr.check_lstm_node_backward, lstm_node_backward_other_way, {}),
    (cr.check_clip_by_global_norm, clip_by_global_norm, {}),
    (cr.check_clip_by_global_norm, clip_by_global_norm, {"seed": 5, "cases": cr.HIDDEN_CLIP_CASES}),
    (cr.check_clip_by_global_norm, clip_in_a_loop, {}),
]


@pytest.mark.parametrize(("check", "answer", "kwargs"), RIGHT)
def test_checks_accept_right_answers(check: Callable[..., None], answer: Any, kwargs: dict[str, Any]) -> None:
    check(answer, **kwargs)


# ---------------------------------------------------------------- the graded checks: classic mistakes


def _value_with(loop: Callable[[Node, list[Node]], None]) -> type[Node]:
    class Mistaken(Node):
        def backward(self) -> None:
            loop(self, topological_order(self))
    return Mistaken


def _overwrite(root: Node, order: list[Node]) -> None:
    for node in order:
        node.grad = np.zeros_like(node.data)
    root.grad = np.ones_like(root.data)
    for node in reversed(order):
        for parent, g in zip(node.parents, node.grad_fn(node.grad) if node.grad_fn else ()):
            parent.grad = g


def _no_reset(root: Node, order: list[Node]) -> None:
    root.grad = np.ones_like(root.data)
    for node in reversed(order):
        for parent, g in zip(node.parents, node.grad_fn(node.grad) if node.grad_fn else ()):
            parent.grad = parent.grad + g


def _forward_order(root: Node, order: list[Node]) -> None:
    for node in order:
        node.grad = np.zeros_like(node.data)
    root.grad = np.ones_like(root.data)
    for node in order:
        for parent, g in zip(node.parents, node.grad_fn(node.grad) if node.grad_fn else ()):
            parent.grad = parent.grad + g


def _no_seed(root: Node, order: list[Node]) -> None:
    for node in order:
        node.grad = np.zeros_like(node.data)
    for node in reversed(order):
        for parent, g in zip(node.parents, node.grad_fn(node.grad) if node.grad_fn else ()):
            parent.grad = parent.grad + g


def _rnn(local: Callable[[dict[str, ndarray]], ndarray] | None = None, next_: float = 1.0,
         bias: Callable[[ndarray], ndarray] = lambda da: da.sum(axis=0, keepdims=True)) -> Callable[..., Any]:
    def answer(dh_out: ndarray, dh_next: ndarray, cache: dict[str, ndarray], W: ndarray, U: ndarray) -> Any:
        da = (dh_out + next_ * dh_next) * (local(cache) if local else 1 - cache["h"] ** 2)
        return da @ W.T, da @ U.T, cache["x"].T @ da, cache["h_prev"].T @ da, bias(da)
    return answer


def _lstm(mistake: str) -> Callable[..., Any]:
    def answer(*args: Any) -> Any:
        return tuple(cr._lstm_backward(*args, mistake=mistake))
    return answer


def _clip_per_tensor(grads: list[ndarray], max_norm: float) -> Any:
    norm = np.sqrt(sum(np.sum(g**2) for g in grads))
    return [g * min(1.0, max_norm / np.sqrt(np.sum(g**2))) for g in grads], norm


def _clip_always(grads: list[ndarray], max_norm: float) -> Any:
    norm = np.sqrt(sum(np.sum(g**2) for g in grads))
    return [g * max_norm / norm for g in grads], norm


def _clip_no_sqrt(grads: list[ndarray], max_norm: float) -> Any:
    norm = sum(np.sum(g**2) for g in grads)
    return [g * min(1.0, max_norm / norm) for g in grads], norm


def _clip_norm_after(grads: list[ndarray], max_norm: float) -> Any:
    clipped, _ = clip_by_global_norm(grads, max_norm)
    return clipped, global_norm(clipped)


def _clip_in_place(grads: list[ndarray], max_norm: float) -> Any:
    norm = global_norm(grads)
    for g in grads:
        g *= min(1.0, max_norm / norm)
    return grads, norm


def _clip_zero_nan(grads: list[ndarray], max_norm: float) -> Any:
    norm = global_norm(grads)
    with np.errstate(all="ignore"):
        return [g * max_norm / norm if norm > max_norm or norm == 0 else g for g in grads], norm


def _stub(*args: Any) -> Any:
    raise NotImplementedError()


class ValueStub(Node):
    def backward(self) -> None:
        raise NotImplementedError()


MISTAKES = [
    (cr.check_Value, _value_with(_overwrite), "never `parent.grad = g`"),
    (cr.check_Value, _value_with(_no_reset), "Each call must start afresh"),
    (cr.check_Value, _value_with(_forward_order), "go through it in reverse"),
    (cr.check_Value, _value_with(_no_seed), "np.ones_like(self.data)"),
    (cr.check_Value, ValueStub, "not written yet"),
    (cr.check_rnn_node_backward, _rnn(next_=0.0), "dh_next left out"),
    (cr.check_rnn_node_backward, _rnn(lambda c: 1 - np.tanh(c["h"]) ** 2), "h is already tanh(a)"),
    (cr.check_rnn_node_backward, _rnn(lambda c: c["h"] * (1 - c["h"])), "sigmoid's derivative"),
    (cr.check_rnn_node_backward, _rnn(lambda c: np.ones_like(c["h"])), "derivative of tanh is missing"),
    (cr.check_rnn_node_backward, _rnn(lambda c: 1 - c["h_prev"] ** 2), "taken at h_prev"),
    (cr.check_rnn_node_backward, _rnn(bias=lambda da: da), "sum over the rows"),
    (cr.check_rnn_node_backward, _rnn(bias=lambda da: da.sum(axis=0)), "keepdims=True"),
    (cr.check_rnn_node_backward, _stub, "not written yet"),
    (cr.check_lstm_node_backward, _lstm("no_dh_next"), "dh_next left out"),
    (cr.check_lstm_node_backward, _lstm("no_dc_next"), "dc_next left out"),
    (cr.check_lstm_node_backward, _lstm("tanh_c"), "not 1 - c²"),
    (cr.check_lstm_node_backward, _lstm("sigmoid_again"), "not σ(i)(1 - σ(i))"),
    (cr.check_lstm_node_backward, _lstm("g_sigmoid"), "not g(1 - g)"),
    (cr.check_lstm_node_backward, _lstm("dc_no_f"), "through the forget gate"),
    (cr.check_lstm_node_backward, _lstm("df_with_c"), "∂c/∂f = c_prev"),
    (cr.check_lstm_node_backward, _lstm("no_o"), "output gate o is missing"),
    (cr.check_lstm_node_backward, _lstm("order"), "[i | f | g | o]"),
    (cr.check_lstm_node_backward, _stub, "not written yet"),
    (cr.check_clip_by_global_norm, _clip_per_tensor, "clipped on its own"),
    (cr.check_clip_by_global_norm, _clip_always, "already below max_norm"),
    (cr.check_clip_by_global_norm, _clip_no_sqrt, "square root"),
    (cr.check_clip_by_global_norm, _clip_norm_after, "before* clipping"),
    (cr.check_clip_by_global_norm, _clip_in_place, "in place"),
    (cr.check_clip_by_global_norm, _clip_zero_nan, "norm 0"),
    (cr.check_clip_by_global_norm, _stub, "not written yet"),
]


@pytest.mark.parametrize(("check", "mistake", "words"), MISTAKES)
def test_checks_name_the_classic_mistake(check: Callable[..., None], mistake: Any, words: str) -> None:
    with pytest.raises(CheckFailed) as info:
        check(mistake)
    assert words in str(info.value), str(info.value)


def test_a_mistake_that_shows_only_in_a_sequence_is_caught() -> None:
    """A node that is right for the upstream gradients it was tested with at one step, but keeps state between calls."""
    seen: list[int] = []

    def remembers(*args: Any) -> Any:
        seen.append(1)
        grads = list(rnn_node_backward(*args))
        if len(seen) > len(cr.VISIBLE_RNN_SHAPES) + 1:
            grads[1] = grads[1] * 0.5     # dh_prev goes wrong from the second step of the sequence on
        return tuple(grads)

    with pytest.raises(CheckFailed, match="through 4 steps"):
        cr.check_rnn_node_backward(remembers)


def test_checks_are_deterministic_and_shapes_are_not_square() -> None:
    for shapes in (cr.VISIBLE_RNN_SHAPES, cr.HIDDEN_RNN_SHAPES, cr.VISIBLE_LSTM_SHAPES, cr.HIDDEN_LSTM_SHAPES):
        assert all(n > 1 and H > 1 and n_in != H for n, n_in, H in shapes)
    for n, k, m in (*cr.VISIBLE_VALUE_SHAPES, *cr.HIDDEN_VALUE_SHAPES):
        assert n > 1 and not n == k == m
    messages = []
    for _ in range(2):
        with pytest.raises(CheckFailed) as info:
            cr.check_lstm_node_backward(_lstm("tanh_c"))
        messages.append(str(info.value))
    assert messages[0] == messages[1]


# ---------------------------------------------------------------- a data-only channel, as the class grader has


class Handle:
    """A learner's object left behind the channel: only its attributes and methods can be asked for."""

    def __init__(self, obj: Any) -> None:
        self._obj = obj

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        value = getattr(self._obj, attr)
        return Remote(value, attr) if callable(value) else _to_channel(value)


def _is_data(value: Any) -> bool:
    if isinstance(value, ndarray):
        return value.dtype != object
    if value is None or isinstance(value, bool | int | float | str | np.generic | Handle):
        return True
    if isinstance(value, tuple | list):
        return all(_is_data(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_data(v) for k, v in value.items())
    return False


def _to_channel(value: Any) -> Any:
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


def _from_channel(value: Any) -> Any:
    if isinstance(value, Handle):
        return value._obj
    if isinstance(value, tuple | list):
        return type(value)(_from_channel(v) for v in value)
    if isinstance(value, dict):
        return {k: _from_channel(v) for k, v in value.items()}
    return copy.deepcopy(value)


class Remote:
    """The learner's function, class or method, reachable only by calls with data or handles (copied both ways)."""

    def __init__(self, target: Any, name: str) -> None:
        self._target = target
        self.__name__ = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        assert _is_data(args) and _is_data(kwargs), f"the check passed something that is not data: {args!r} {kwargs!r}"
        return _to_channel(self._target(*_from_channel(args), **_from_channel(kwargs)))


@pytest.mark.parametrize(
    ("check", "answer", "name"),
    [(cr.check_Value, Value, "Value"), (cr.check_rnn_node_backward, rnn_node_backward, "rnn_node_backward"),
     (cr.check_lstm_node_backward, lstm_node_backward, "lstm_node_backward"),
     (cr.check_clip_by_global_norm, clip_by_global_norm, "clip_by_global_norm")],
)
def test_checks_work_through_a_data_only_channel(check: Callable[..., None], answer: Any, name: str) -> None:
    check(Remote(answer, name))


def test_mistakes_are_named_through_a_data_only_channel() -> None:
    with pytest.raises(CheckFailed, match="never `parent.grad = g`"):
        cr.check_Value(Remote(_value_with(_overwrite), "Value"))
    with pytest.raises(CheckFailed, match="Each call must start afresh"):
        cr.check_Value(Remote(_value_with(_no_reset), "Value"))
    with pytest.raises(CheckFailed, match="not 1 - c²"):
        cr.check_lstm_node_backward(Remote(_lstm("tanh_c"), "lstm_node_backward"))
    with pytest.raises(CheckFailed, match="clipped on its own"):
        cr.check_clip_by_global_norm(Remote(_clip_per_tensor, "clip_by_global_norm"))


# ---------------------------------------------------------------- pictures and the widget


def _titled(fig: Figure) -> bool:
    return any(ax.get_title().strip() for ax in fig.axes)


def test_diagrams_have_titles_and_draw_the_graph_they_are_given() -> None:
    a, b = Value(2.0), Value(-3.0)
    out = (a * b + a).tanh()
    out.backward()
    graph = draw_autodiff.value_graph_diagram(out, {"a": a, "b": b})
    texts = " ".join(t.get_text() for t in graph.axes[0].texts)
    assert "tanh" in texts and "a" in texts and f"grad {float(a.grad):.3g}" in texts
    for fig in (graph, draw_autodiff.fan_out_diagram(), sequences.unrolled_rnn_diagram(3), sequences.lstm_cell_diagram(),
                sequences.gru_cell_diagram()):
        assert _titled(fig)
        assert fig._repr_png_()[:4] == b"\x89PNG"
    fan = " ".join(t.get_text() for t in draw_autodiff.fan_out_diagram(3.0).axes[0].texts)
    assert "6 + 3 = 9" in fan


def test_plots_have_titles_and_labelled_axes() -> None:
    rng = np.random.default_rng(0)
    chars = tuple("abcdefgh")
    figures = [
        sequences.plot_gradient_norms({"RNN": np.exp(-np.arange(10.0)), "LSTM": np.ones(10)}),
        sequences.plot_clipping(rng.uniform(0.1, 5.0, size=50), 1.0),
        sequences.plot_language_model_training({"LSTM": rng.uniform(2, 4, size=30)}, {"bigram": 3.8, "unigram": 4.7}),
        sequences.plot_bits_per_char({"unigram": 4.7, "bigram": 3.8, "LSTM": 3.0}),
        sequences.plot_next_char_distribution(rng.dirichlet(np.ones(8)), chars, 0.7),
    ]
    for fig in figures:
        assert _titled(fig)
        assert any(ax.get_xlabel() and ax.get_ylabel() for ax in fig.axes)
    with pytest.raises(ValueError, match="one probability per character"):
        sequences.plot_next_char_distribution(np.ones(3) / 3, chars, 1.0)


def test_temperature_explorer_builds_and_samples() -> None:
    from dlfs.widgets.rnn import temperature_explorer

    vocab = Vocabulary("hello world")
    model = language.CharLanguageModel(vocab.size, 4, "gru", seed=0)
    box = temperature_explorer(model, vocab, prompt="he", length=30)
    sampled = box.children[2].value
    assert sampled.startswith("<pre") and "he<b>" in sampled
    slider = box.children[0].children[0]
    slider.value = 2.0   # moving the slider samples again
    assert box.children[2].value != sampled


# ---------------------------------------------------------------- the grader may hide this chapter's reference answers


def test_the_library_never_calls_this_chapters_reference_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The grader may replace ``dlfs.autodiff.Value``, ``rnn_node_backward``, ``lstm_node_backward`` and
    ``clip_by_global_norm`` in the learner's kernel: the layers, the language model and the checks must not need them."""
    from dlfs.nn import clipping, recurrent

    def hidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the library used a reference answer of this chapter's exercises")

    for module, name in [(autodiff, "Value"), (recurrent, "rnn_node_backward"), (recurrent, "lstm_node_backward"),
                         (clipping, "clip_by_global_norm")]:
        monkeypatch.setattr(module, name, hidden)
    vocab = Vocabulary("abcabd")
    for cell in ("rnn", "gru", "lstm"):
        model = language.CharLanguageModel(vocab.size, 5, cell, seed=0)
        language.fit_language_model(model, vocab.encode("abcabd" * 20), clip_in_a_loop, steps=3, batch_size=2, window=4)
        assert np.isfinite(language.bits_per_char(model, vocab.encode("abcabd" * 5), streams=2, window=4))
    cr.check_Value(ValueAccumulatingInPlace)
    cr.check_rnn_node_backward(rnn_node_backward_other_way)
    cr.check_lstm_node_backward(lstm_node_backward_other_way)
    cr.check_clip_by_global_norm(clip_in_a_loop)


def test_no_library_module_imports_this_chapters_reference_answers() -> None:
    """Not even under another name: an alias would keep working where the grader has hidden the original."""
    import re
    from pathlib import Path

    names = ("Value", "rnn_node_backward", "lstm_node_backward", "clip_by_global_norm")
    root = Path(autodiff.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        for line in path.read_text().splitlines():
            if re.match(r"\s*(from\s+\S+\s+)?import\b", line) and any(re.search(rf"\b{n}\b", line) for n in names):
                offenders.append(f"{path.relative_to(root)}: {line.strip()}")
    assert not offenders, offenders
