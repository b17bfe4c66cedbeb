"""Chapter 09: character-level language models, and how many bits per character they need.

A language model gives, at every position of a text, a probability for each possible next
character. Its quality on held-out text is the average number of **bits per character**,
``-(1/N) Σ_t log2 p(c_t | what came before)``: what an ideal compressor driven by the model
would spend. Three models:

- the **unigram** baseline: ``p(c)``, character frequencies, ignoring the context;
- the **bigram** baseline: ``p(c | previous character)``, counted;
- :class:`CharLanguageModel`: one-hot characters -> a recurrent layer -> a dense layer ->
  softmax, trained by truncated backpropagation through time with the state carried from
  one window of text to the next (:func:`fit_language_model`).

Counts are smoothed by adding ``k`` to every count (so no character has probability 0).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy import ndarray

from dlfs.data.text import stream_batches
from dlfs.nn.layers import Dense
from dlfs.nn.losses import SoftmaxCrossEntropy, log_softmax, softmax
from dlfs.nn.operations import Linear
from dlfs.nn.optim import SGDMomentum
from dlfs.nn.recurrent import GRULayer, LSTMLayer, RecurrentLayer, RNNLayer

LN2 = float(np.log(2.0))

#: ``clip(grads, max_norm) -> (clipped grads, norm before clipping)``, like :func:`dlfs.nn.clipping.clip_by_global_norm`.
ClipFunction = Callable[[Sequence[ndarray], float], tuple[Sequence[ndarray], float]]


def one_blas_thread() -> contextlib.AbstractContextManager[Any]:
    """A context in which NumPy's matrix products use one thread.

    The products here are small (a few dozen rows); splitting each across threads costs more
    than it saves, and on a busy machine far more (measured on 2 shared cores: 60 training
    updates took 9 to 21 s with two BLAS threads, 1 to 2 s with one).
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # threadpoolctl comes with scikit-learn; without it, nothing changes
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


# ---------------------------------------------------------------- counting baselines


def unigram_probabilities(ids: ndarray, vocab_size: int, k: float = 1.0) -> ndarray:
    """``p(c) = (count(c) + k) / (N + k·V)``, shape ``(V,)``."""
    counts = np.bincount(np.asarray(ids), minlength=vocab_size) + k
    return counts / counts.sum()


def bigram_probabilities(ids: ndarray, vocab_size: int, k: float = 1.0) -> ndarray:
    """``p(c | b) = (count(b c) + k) / (count(b ·) + k·V)``, shape ``(V, V)``: row = previous character."""
    ids = np.asarray(ids)
    counts = np.full((vocab_size, vocab_size), float(k))
    np.add.at(counts, (ids[:-1], ids[1:]), 1.0)
    return counts / counts.sum(axis=1, keepdims=True)


def unigram_bits(train_ids: ndarray, test_ids: ndarray, vocab_size: int, k: float = 1.0) -> float:
    """Bits per character of the unigram model counted on ``train_ids``, on every character of ``test_ids``."""
    p = unigram_probabilities(train_ids, vocab_size, k)
    return float(-np.mean(np.log2(p[np.asarray(test_ids)])))


def bigram_bits(train_ids: ndarray, test_ids: ndarray, vocab_size: int, k: float = 1.0) -> float:
    """Bits per character of the bigram model counted on ``train_ids``, on ``test_ids[1:]`` (each given the one before)."""
    p = bigram_probabilities(train_ids, vocab_size, k)
    test_ids = np.asarray(test_ids)
    return float(-np.mean(np.log2(p[test_ids[:-1], test_ids[1:]])))


# ---------------------------------------------------------------- the recurrent model

CELLS: dict[str, type[RecurrentLayer]] = {"rnn": RNNLayer, "gru": GRULayer, "lstm": LSTMLayer}


class CharLanguageModel:
    """Predicts the next character from the ones before it.

    ``ids`` ``(n, T)`` -> one-hot ``(n, T, V)`` -> recurrent layer (``cell``: ``"rnn"``, ``"gru"``
    or ``"lstm"``, ``hidden`` units, in ``dtype``) -> ``(n·T, hidden)`` -> :class:`Dense` with
    ``V`` linear outputs -> logits ``(n·T, V)``, row ``r·T + t`` for stream ``r`` at step ``t``,
    trained with :class:`SoftmaxCrossEntropy`. The recurrent state is kept in ``state`` from
    one call to the next (``reset_state()`` forgets it); gradients never flow into an earlier call.
    """

    def __init__(self, vocab_size: int, hidden: int, cell: str = "lstm", seed: int = 0,
                 dtype: type[np.floating[Any]] = np.float32) -> None:
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {sorted(CELLS)}; received {cell!r}")
        self.vocab_size, self.hidden, self.cell, self.dtype = vocab_size, hidden, cell, dtype
        self.recurrent = LSTMLayer(hidden, seed, forget_bias=1.0) if cell == "lstm" else CELLS[cell](hidden, seed)
        self.output = Dense(vocab_size, Linear(), weight_init="glorot", seed=seed + 1)
        self.loss = SoftmaxCrossEntropy()
        self.state: tuple[ndarray, ...] | None = None
        self._eye = np.eye(vocab_size, dtype=dtype)

    def reset_state(self) -> None:
        """Start the next call from a zero state."""
        self.state = None

    def forward(self, ids: ndarray, training: bool = True) -> ndarray:
        """Logits ``(n·T, V)`` for ``ids`` ``(n, T)``, starting from ``state`` and updating it."""
        ids = np.asarray(ids)
        if ids.ndim != 2:
            raise ValueError(f"ids must be (n, T) character ids; received shape {ids.shape}")
        if self.state is not None and self.state[0].shape[0] != ids.shape[0]:
            self.state = None                         # another number of streams: start afresh
        hidden = self.recurrent.forward(self._eye[ids], training=training, state=self.state)
        self.state = self.recurrent.final_state
        return self.output.forward(hidden.reshape(-1, self.hidden), training=training)

    def train_batch(self, ids: ndarray, targets: ndarray) -> float:
        """Forward, loss (mean cross-entropy in nats per character), backward; gradients in ``param_grads()``."""
        n, T = np.shape(ids)
        logits = self.forward(ids)
        loss = self.loss.forward(logits, np.eye(self.vocab_size)[np.asarray(targets).reshape(-1)])
        d_hidden = self.output.backward(self.loss.backward())
        self.recurrent.backward(d_hidden.reshape(n, T, self.hidden))
        return loss

    def params(self) -> list[ndarray]:
        return self.recurrent.params() + self.output.params()

    def param_grads(self) -> list[ndarray]:
        return self.recurrent.param_grads() + self.output.param_grads()

    def __repr__(self) -> str:
        return f"CharLanguageModel({self.vocab_size} characters, {self.cell.upper()} of {self.hidden} units)"


def fit_language_model(model: CharLanguageModel, ids: ndarray, clip: ClipFunction, *, steps: int = 300,
                       batch_size: int = 32, window: int = 25, lr: float = 3.0, momentum: float = 0.9,
                       max_norm: float = 1.0) -> dict[str, list[float]]:
    """Train ``model`` on the text ``ids`` for ``steps`` updates of SGD with momentum and clipping.

    The text is cut into ``batch_size`` streams read ``window`` characters at a time
    (:func:`dlfs.data.text.stream_batches`), the state carried across windows; after the last
    window it starts over from a zero state. Each update: ``train_batch``, then
    ``clip(grads, max_norm)``, then the optimizer's step with the clipped gradients.

    Returns:
        ``{"loss": [...], "norm": [...]}``: the training loss in bits per character and
        the global gradient norm before clipping, one entry per update.
    """
    optimizer = SGDMomentum(lr=lr, momentum=momentum)
    history: dict[str, list[float]] = {"loss": [], "norm": []}
    model.reset_state()
    batches = stream_batches(ids, batch_size, window)
    with one_blas_thread():
        while len(history["loss"]) < steps:
            try:
                x, y = next(batches)
            except StopIteration:
                batches = stream_batches(ids, batch_size, window)
                model.reset_state()
                continue
            loss = model.train_batch(x, y)
            clipped, norm = clip(model.param_grads(), max_norm)
            optimizer.step(model.params(), list(clipped))
            history["loss"].append(loss / LN2)
            history["norm"].append(float(norm))
    model.reset_state()
    return history


def bits_per_char(model: CharLanguageModel, ids: ndarray, streams: int = 16, window: int = 100) -> float:
    """The model's bits per character on the text ``ids``, read as ``streams`` parallel streams with the state carried.

    Every character but the first of each stream is predicted (and the short tail that does
    not fill a stream is left out).
    """
    model.reset_state()
    total, count = 0.0, 0
    ids = np.asarray(ids)
    length = (ids.size - 1) // streams
    x_all = ids[: length * streams].reshape(streams, length)
    y_all = ids[1 : length * streams + 1].reshape(streams, length)
    with one_blas_thread():
        for start in range(0, length, window):
            x, y = x_all[:, start : start + window], y_all[:, start : start + window]
            logp = log_softmax(model.forward(x, training=False))
            total -= float(logp[np.arange(y.size), y.reshape(-1)].sum())
            count += y.size
    model.reset_state()
    return total / count / LN2


def next_char_probabilities(model: CharLanguageModel, ids: ndarray, temperature: float = 1.0) -> ndarray:
    """``softmax(logits / temperature)`` for the character after the context ``ids`` ``(T,)``, shape ``(V,)``.

    The model's ``state`` is left as it was.
    """
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0; received {temperature}")
    saved, model.state = model.state, None
    try:
        logits = model.forward(np.asarray(ids).reshape(1, -1), training=False)[-1]
    finally:
        model.state = saved
    return softmax(logits.reshape(1, -1) / temperature)[0]


def sample(model: CharLanguageModel, prompt_ids: ndarray, length: int, temperature: float,
           rng: np.random.Generator) -> ndarray:
    """``length`` new character ids drawn one at a time from ``softmax(logits / temperature)``, after ``prompt_ids``.

    A low temperature sharpens the distribution (at the limit, always the likeliest
    character); a high one flattens it. The model's ``state`` is left as it was.
    """
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0; received {temperature}")
    saved, model.state = model.state, None
    out = np.empty(length, dtype=np.int64)
    try:
        logits = model.forward(np.asarray(prompt_ids).reshape(1, -1), training=False)[-1]
        for t in range(length):
            p = softmax(logits.reshape(1, -1) / temperature)[0]
            out[t] = rng.choice(p.size, p=p)
            logits = model.forward(out[t : t + 1].reshape(1, 1), training=False)[-1]
    finally:
        model.state = saved
    return out
