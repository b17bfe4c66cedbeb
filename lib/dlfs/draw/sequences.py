"""Pictures of sequences and recurrent networks (chapter 09).

- :func:`unrolled_rnn_diagram` -- an RNN unrolled through time, with the two gradients that meet
  at every hidden state on the way back (backpropagation through time).
- :func:`lstm_cell_diagram` -- inside one LSTM step: the cell state's straight road and its four gates.
- :func:`gru_cell_diagram` -- inside one GRU step: the state's road, the update and reset gates.
- :func:`plot_gradient_norms` -- how the gradient's size changes with the number of steps back.
- :func:`plot_clipping` -- gradient norms during training, and what clipping lets through.
- :func:`plot_language_model_training`, :func:`plot_bits_per_char` -- a language model against its baselines.
- :func:`plot_next_char_distribution` -- the probabilities of the next character at a temperature.

Diagrams are :class:`dlfs.draw.canvas.Diagram` figures (end a cell with them to show them);
every plot has a title and labelled axes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch
from numpy import ndarray

from dlfs.draw.canvas import (
    EDGE_COLOR,
    GRADIENT_COLOR,
    SLOPE_COLOR,
    VALUE_COLOR,
    WIRE_COLOR,
    Diagram,
    diagram_axes,
    draw_box,
)


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], color: str = WIRE_COLOR,
           width: float = 1.6) -> None:
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=15, linewidth=width, color=color,
                                 shrinkA=0, shrinkB=0))


def _junction(ax: Axes, center: tuple[float, float], symbol: str, color: str = EDGE_COLOR, radius: float = 0.28) -> None:
    ax.add_patch(Circle(center, radius, facecolor="white", edgecolor=color, linewidth=1.8, zorder=3))
    ax.text(*center, symbol, ha="center", va="center", fontsize=12, fontweight="bold", color=color, zorder=4)


def unrolled_rnn_diagram(steps: int = 4, backward: bool = True, title: str | None = None) -> Figure:
    """An RNN unrolled over ``steps`` time steps: the same box (the same ``W``, ``U``, ``b``) at every step.

    Forward (black): ``x_t`` enters from below and ``h_(t-1)`` from the left; ``h_t`` leaves and
    splits: up to the output, right to the next step (a fan-out). With ``backward``, the
    gradients (purple) come back along both branches, ``dh_out`` from the output and
    ``dh_next`` from the next step, add at the ``+``, and enter the box, which sends ``dh_prev``
    on to the step before (where it is that step's ``dh_next``).
    """
    gap = 3.9
    width = gap * steps + 1.2
    fig, ax = diagram_axes(min(2.7 * steps + 1.5, 13.5), (0.0, width), (-0.75, 5.6))
    wire_y, grad_y = 2.8, 1.95
    _arrow(ax, (0.1, wire_y), (1.05, wire_y))
    ax.text(0.15, wire_y + 0.12, "h₀", fontsize=12, va="bottom")
    for t in range(steps):
        cx = 2.0 + gap * t
        sx = cx + 1.6                                   # where h_t splits
        draw_box(ax, (cx, 2.4), "", width=1.8, height=1.6)
        ax.text(cx, 2.65, f"step {t + 1}", ha="center", va="center", fontsize=13, fontweight="bold", color=EDGE_COLOR)
        ax.text(cx, 2.05, "W, U, b", ha="center", va="center", fontsize=9, color=SLOPE_COLOR)
        _arrow(ax, (cx, 0.15), (cx, 1.55))
        ax.text(cx + 0.12, 0.2, f"x{_sub(t + 1)}", fontsize=12, va="bottom")
        ax.plot([cx + 0.95, sx], [wire_y, wire_y], color=WIRE_COLOR, linewidth=1.6)
        ax.add_patch(Circle((sx, wire_y), 0.08, color=WIRE_COLOR))
        ax.text(sx - 0.35, wire_y + 0.1, f"h{_sub(t + 1)}", fontsize=12, va="bottom", ha="center")
        _arrow(ax, (sx, wire_y), (sx, 4.8))
        ax.text(sx - 0.1, 4.85, "to the output", fontsize=9, va="bottom", ha="center")
        last = t == steps - 1
        _arrow(ax, (sx, wire_y), (cx + gap - 0.95 if not last else sx + 1.0, wire_y))
        if not backward:
            continue
        _junction(ax, (sx, grad_y), "+", GRADIENT_COLOR)
        _arrow(ax, (sx + 0.35, 4.6), (sx + 0.2, grad_y + 0.22), color=GRADIENT_COLOR)
        ax.text(sx + 0.42, 4.55, "dh_out", fontsize=10, color=GRADIENT_COLOR, va="top")
        start = cx + gap - 0.95 if not last else sx + 1.0
        _arrow(ax, (start, grad_y), (sx + 0.29, grad_y), color=GRADIENT_COLOR if not last else "#c9b3d6")
        ax.text((start + sx) / 2 + 0.1, grad_y - 0.12, "dh_next" if not last else "0", fontsize=10,
                color=GRADIENT_COLOR, va="top", ha="center")
        _arrow(ax, (sx - 0.29, grad_y), (cx + 0.92, grad_y), color=GRADIENT_COLOR)
        _arrow(ax, (cx - 0.92, grad_y), (cx - gap + 1.6 + 0.29, grad_y) if t > 0 else (0.15, grad_y), color=GRADIENT_COLOR)
        ax.text(cx - 1.15, grad_y + 0.1, "dh_prev", fontsize=9, color=GRADIENT_COLOR, va="bottom", ha="right")
    if backward:
        ax.text(width / 2, -0.7, "black: forward, left to right    purple: backward; hₜ goes two ways, so its two "
                "gradients (dh_out and dh_next) add", ha="center", va="bottom", fontsize=10, color="dimgrey")
    ax.set_title(title or f"An RNN unrolled through {steps} time steps: one box, the same weights at every step",
                 fontsize=12)
    return fig


def _sub(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def _state_road(ax: Axes, top: float, times_x: float, plus_x: float, end_x: float, before: str, after: str) -> None:
    """The state's road along the top of a cell: ``before`` -> ``×`` at ``times_x`` -> ``+`` at ``plus_x`` -> ``after``."""
    _arrow(ax, (0.2, top), (times_x - 0.3, top), color=VALUE_COLOR, width=2.4)
    ax.text(0.2, top + 0.2, before, fontsize=12, color=VALUE_COLOR, va="bottom")
    _junction(ax, (times_x, top), "×")
    _arrow(ax, (times_x + 0.3, top), (plus_x - 0.3, top), color=VALUE_COLOR, width=2.4)
    _junction(ax, (plus_x, top), "+")
    _arrow(ax, (plus_x + 0.3, top), (end_x, top), color=VALUE_COLOR, width=2.4)
    ax.text(end_x, top + 0.2, after, fontsize=12, color=VALUE_COLOR, va="bottom", ha="right")


def _gates(ax: Axes, gates: list[tuple[float, str, str]], mid: float, arrow_gap: float, label_gap: float) -> None:
    """The input wire ``[x_t, h_(t-1)]`` along the bottom and a box per gate ``(x, name, function)`` at height ``mid``."""
    _arrow(ax, (0.2, 0.4), (2.0, 0.4))
    ax.text(0.2, 0.55, "x_t and h_(t-1)", fontsize=11, va="bottom")
    for gx, name, fn in gates:
        _arrow(ax, (gx, 0.4), (gx, mid - arrow_gap))
        draw_box(ax, (gx, mid), fn, width=1.1, height=0.9)
        ax.text(gx + 0.12, mid - label_gap, name, fontsize=11, fontweight="bold", color=SLOPE_COLOR, ha="left", va="top")
    ax.plot([2.0, gates[-1][0]], [0.4, 0.4], color=WIRE_COLOR, linewidth=1.6)


def lstm_cell_diagram(title: str | None = None) -> Figure:
    """One LSTM step: the cell state ``c`` runs along the top, changed only by ``× f`` and ``+ i ⊙ g``;
    the four gates are computed from ``[x_t, h_(t-1)]``; ``h_t = o ⊙ tanh(c_t)``."""
    fig, ax = diagram_axes(10.5, (0.0, 14.0), (-0.6, 7.4))
    top, mid = 6.0, 3.4
    _state_road(ax, top, 4.0, 7.5, 13.8, "c_(t-1)", "c_t")  # the cell state's road
    gates = [(4.0, "forget f", "σ"), (6.3, "input i", "σ"), (8.7, "candidate g", "tanh"), (10.9, "output o", "σ")]
    _gates(ax, gates, mid, arrow_gap=0.5, label_gap=0.6)
    _arrow(ax, (4.0, mid + 0.5), (4.0, top - 0.3))                      # f scales the old state
    _junction(ax, (7.5, 4.9), "×")                                       # i ⊙ g
    _arrow(ax, (6.3, mid + 0.5), (7.28, 4.7))
    _arrow(ax, (8.7, mid + 0.5), (7.72, 4.7))
    _arrow(ax, (7.5, 5.2), (7.5, top - 0.3))
    # h_t = o ⊙ tanh(c_t)
    draw_box(ax, (12.5, 4.9), "tanh", width=1.1, height=0.8)
    _arrow(ax, (12.5, top), (12.5, 5.3))
    _junction(ax, (12.5, mid), "×")
    _arrow(ax, (12.5, 4.5), (12.5, mid + 0.3))
    _arrow(ax, (11.45, mid), (12.2, mid))
    _arrow(ax, (12.8, mid), (13.9, mid))
    ax.text(13.9, mid + 0.15, "h_t", fontsize=12, va="bottom", ha="right")
    ax.text(7.0, -0.55, "red: the cell state c, changed only by ×f (forget) and +i⊙g (write);  "
            "green: the gates, each (n, H), from a = x_t W + h_(t-1) U + b", ha="center", va="bottom",
            fontsize=10, color="dimgrey")
    ax.set_title(title or "Inside one LSTM step: c_t = f ⊙ c_(t-1) + i ⊙ g,  h_t = o ⊙ tanh(c_t)", fontsize=12)
    return fig


def gru_cell_diagram(title: str | None = None) -> Figure:
    """One GRU step: the state runs along the top, scaled by the update gate ``z``, and the candidate ``ñ``
    is mixed in with weight ``1 - z``; the reset gate ``r`` scales the hidden part of the candidate."""
    fig, ax = diagram_axes(10.5, (0.0, 14.0), (-0.6, 7.4))
    top, mid = 6.0, 2.8
    _state_road(ax, top, 4.5, 10.0, 13.9, "h_(t-1)", "h_t")
    _gates(ax, [(4.5, "update z", "σ"), (6.8, "reset r", "σ"), (9.0, "candidate ñ", "tanh")], mid, arrow_gap=0.45, label_gap=0.55)
    _arrow(ax, (4.5, mid + 0.45), (4.5, top - 0.3))                      # z keeps the old state
    _arrow(ax, (7.35, mid), (8.45, mid))                                 # r scales the hidden part of ñ
    ax.text(7.9, mid + 0.6, "r ⊙ (h U_n + b_n)", fontsize=9, ha="center", va="bottom", color=SLOPE_COLOR)
    _junction(ax, (10.0, 4.5), "×")                                      # (1 - z) ⊙ ñ
    _arrow(ax, (9.3, mid + 0.45), (9.8, 4.27))
    draw_box(ax, (11.7, 3.4), "1 − z", width=1.1, height=0.7)
    ax.plot([5.05, 5.85, 5.85, 12.4, 12.4], [mid + 0.2, mid + 0.2, 1.4, 1.4, 3.05], color=SLOPE_COLOR, linewidth=1.2,
            linestyle="--")                                              # the same z feeds 1 - z
    _arrow(ax, (11.3, 3.75), (10.25, 4.35))
    _arrow(ax, (10.0, 4.8), (10.0, top - 0.3))
    ax.text(7.0, -0.55, "red: the state h, kept where z ≈ 1 and replaced by the candidate ñ where z ≈ 0;  "
            "green: the gates, each (n, H)", ha="center", va="bottom", fontsize=10, color="dimgrey")
    ax.set_title(title or "Inside one GRU step: h_t = z ⊙ h_(t-1) + (1 − z) ⊙ ñ", fontsize=12)
    return fig


def plot_gradient_norms(curves: Mapping[str, ndarray], title: str | None = None,
                        ylabel: str = "gradient size k steps back (log scale)") -> Diagram:
    """``curves[label][k]`` is the size of the gradient ``k`` steps back from the loss; a log-scale plot."""
    fig = Diagram(figsize=(7.6, 4.4), layout="constrained")
    ax = fig.add_subplot()
    for label, norms in curves.items():
        norms = np.asarray(norms, dtype=float)
        ax.semilogy(np.arange(norms.size), norms, marker="o", markersize=3, label=label)
    ax.set_xlabel("steps back in time, k")
    ax.set_ylabel(ylabel)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend()
    ax.set_title(title or "How much gradient reaches a step k steps before the loss")
    return fig


def plot_clipping(norms: Sequence[float], max_norm: float, title: str | None = None) -> Diagram:
    """The global gradient norm at every training update, and the line where clipping starts."""
    fig = Diagram(figsize=(7.6, 3.8), layout="constrained")
    ax = fig.add_subplot()
    norms_arr = np.asarray(norms, dtype=float)
    steps = np.arange(1, norms_arr.size + 1)
    ax.plot(steps, norms_arr, linewidth=1.0, color=GRADIENT_COLOR, label="global gradient norm, before clipping")
    ax.plot(steps, np.minimum(norms_arr, max_norm), linewidth=1.2, color=SLOPE_COLOR, label="after clipping")
    ax.axhline(max_norm, color="grey", linestyle="--", linewidth=1.0, label=f"max_norm = {max_norm:g}")
    ax.set_ylim(0.0, None)
    ax.set_xlabel("training update")
    ax.set_ylabel("global norm of all the gradients")
    ax.legend()
    ax.set_title(title or "Gradient norms while training: clipping caps the spikes")
    return fig


def plot_language_model_training(histories: Mapping[str, Sequence[float]], baselines: Mapping[str, float],
                                 title: str | None = None) -> Diagram:
    """Training loss (bits per character) at every update for each model, with baselines as dashed lines."""
    fig = Diagram(figsize=(7.6, 4.2), layout="constrained")
    ax = fig.add_subplot()
    for label, losses in histories.items():
        values = np.asarray(losses, dtype=float)
        ax.plot(np.arange(1, values.size + 1), values, linewidth=1.0, label=f"{label} (training windows)")
    for (label, bits), style in zip(baselines.items(), ("--", ":", "-.")):
        ax.axhline(bits, color="grey", linestyle=style, linewidth=1.2, label=f"{label} on validation: {bits:.2f}")
    ax.set_xlabel("training update")
    ax.set_ylabel("bits per character")
    top = max([*baselines.values(), *(float(np.median(h[:10])) for h in histories.values())])
    ax.set_ylim(0.0, top * 1.15)
    ax.legend(fontsize=9)
    ax.set_title(title or "Learning to predict the next character")
    return fig


def plot_bits_per_char(results: Mapping[str, float], title: str | None = None) -> Diagram:
    """Horizontal bars: held-out bits per character of each model (fewer is better)."""
    fig = Diagram(figsize=(7.2, 0.6 + 0.55 * len(results)), layout="constrained")
    ax = fig.add_subplot()
    labels = list(results)
    values = [results[k] for k in labels]
    bars = ax.barh(np.arange(len(labels)), values, color=[EDGE_COLOR if "gram" not in k else "#9db9d3" for k in labels])
    for bar, value in zip(bars, values):
        ax.text(bar.get_width() + 0.03, bar.get_y() + bar.get_height() / 2, f"{value:.3f}", va="center", fontsize=10)
    ax.set_yticks(np.arange(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_xlim(0.0, max(values) * 1.15)
    ax.set_xlabel("bits per character on the validation text (fewer is better)")
    ax.set_ylabel("model")
    ax.set_title(title or "Held-out bits per character")
    return fig


def plot_next_char_distribution(probabilities: ndarray, chars: Sequence[str], temperature: float, top: int = 15,
                                title: str | None = None) -> Diagram:
    """The ``top`` most likely next characters and their probabilities (spaces and newlines shown by name)."""
    p = np.asarray(probabilities, dtype=float)
    if p.shape != (len(chars),):
        raise ValueError(f"expected one probability per character, shape ({len(chars)},); received shape {p.shape}")
    order = np.argsort(-p)[:top]
    fig = Diagram(figsize=(7.6, 3.4), layout="constrained")
    ax = fig.add_subplot()
    ax.bar(np.arange(order.size), p[order], color=EDGE_COLOR)
    names = {" ": "space", "\n": "newline", "\t": "tab"}
    ax.set_xticks(np.arange(order.size), [names.get(chars[i], repr(chars[i])[1:-1]) for i in order],
                  rotation=45 if any(chars[i] in names for i in order) else 0)
    ax.set_ylim(0.0, 1.0)
    ax.set_xlabel(f"the {order.size} likeliest next characters")
    ax.set_ylabel("probability")
    entropy = float(-np.sum(p[p > 0] * np.log2(p[p > 0])))
    ax.set_title(title or f"Next-character probabilities at temperature {temperature:g} (entropy {entropy:.2f} bits)")
    return fig
