"""Chapter 05's pictures and its explorer: gradient descent on the loss surface of two weights.

The explorer, :func:`loss_surface_explorer`, fits ``ŷ = w1·x1 + w2·x2 + b`` with two
features of a data set by full-batch gradient descent and shows the path of
``(w1, w2)`` over the contour lines of the loss, next to the loss after every step.
A learning-rate slider shows the three regimes: too small crawls, about right
converges, too large diverges. The bias ``b`` is held at its best value, the mean
of ``y`` (exact when the features have mean 0, as standardized training features do),
so the surface has just two axes.

The other functions draw the chapter's static figures. Each returns a
:class:`dlfs.diagrams.Diagram` (a matplotlib ``Figure`` Jupyter shows as a PNG),
with a title and labelled axes; none uses ``pyplot``, so all work headless.

Shapes: ``X`` is ``(n, k)``, ``y`` is ``(n, 1)``, as in :mod:`dlfs.regression`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import ipywidgets as widgets
import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Circle, FancyArrowPatch
from numpy import ndarray

from dlfs.diagrams import EDGE_COLOR, WIRE_COLOR, Diagram, draw_box
from dlfs.functions import sigmoid
from dlfs.widgets import show_figure

#: A loss above this counts as "diverged": the explorer stops there.
DIVERGED = 1e12
COLOR_PATH = "tab:red"
COLOR_BEST = "black"
GRADIENT_COLOR = "#c0392b"  # gradients flowing back, in red


# ---------------------------------------------------------------- gradient descent on two weights


def two_weight_loss(X2: ndarray, y: ndarray, w: ndarray) -> ndarray:
    """``mean((X2 @ w - (y - mean(y)))²)`` for many weight pairs at once.

    Args:
        X2: ``(n, 2)``, two features with mean 0.
        y: ``(n, 1)``.
        w: ``(..., 2)``: any number of ``(w1, w2)`` pairs.

    Returns:
        The loss for every pair, shape ``w.shape[:-1]``.
    """
    yc = (y - y.mean()).ravel()
    residual = np.tensordot(w, X2.T, axes=1) - yc   # (..., n)
    return np.mean(residual**2, axis=-1)


def gradient_descent_path(X2: ndarray, y: ndarray, start: Sequence[float], learning_rate: float,
                          steps: int) -> tuple[ndarray, ndarray]:
    """Full-batch gradient descent on :func:`two_weight_loss`, from ``start``.

    Each step: ``w ← w - η · (2/n) X2ᵀ (X2 w - y_c)`` with ``y_c = y - mean(y)``.

    Returns:
        ``(path, losses)``: ``path`` has shape ``(m, 2)``, ``losses`` shape ``(m,)``, with
        ``m = steps + 1`` (the start, then one row per step), or fewer if the loss went
        above :data:`DIVERGED` (the last row is then the first diverged point).
    """
    n = X2.shape[0]
    yc = y - y.mean()
    w = np.asarray(start, dtype=np.float64).reshape(2, 1)
    path, losses = [w.ravel().copy()], [float(np.mean((X2 @ w - yc) ** 2))]
    with np.errstate(all="ignore"):
        for _ in range(steps):
            w = w - learning_rate * (2.0 / n) * X2.T @ (X2 @ w - yc)
            loss = float(np.mean((X2 @ w - yc) ** 2))
            path.append(w.ravel().copy())
            losses.append(loss)
            if not np.isfinite(loss) or loss > DIVERGED:
                break
    return np.array(path), np.array(losses)


def _best_weights(X2: ndarray, y: ndarray) -> ndarray:
    """The least-squares ``(w1, w2)``: the bottom of the bowl."""
    return np.linalg.lstsq(X2, y - y.mean(), rcond=None)[0].ravel()


def _fmt_loss(value: float) -> str:
    return "diverged (> 1e12)" if not np.isfinite(value) or value > DIVERGED else f"{value:,.1f}"


def draw_loss_surface(ax: Axes, X2: ndarray, y: ndarray, path: ndarray | None = None, *,
                      names: Sequence[str] = ("x_1", "x_2"), center: ndarray | None = None,
                      radius: float | None = None) -> None:
    """Contour lines of :func:`two_weight_loss` on ``ax``, the minimum (black cross) and a path (red)."""
    best = _best_weights(X2, y)
    center = best if center is None else np.asarray(center, dtype=float)
    if radius is None:
        radius = 1.4 * float(np.max(np.abs(path - center))) if path is not None and len(path) else 30.0
    g1 = np.linspace(center[0] - radius, center[0] + radius, 161)
    g2 = np.linspace(center[1] - radius, center[1] + radius, 161)
    grid = np.stack(np.meshgrid(g1, g2), axis=-1)
    surface = two_weight_loss(X2, y, grid)
    low = float(surface.min())
    levels = low + (float(surface.max()) - low) * np.linspace(0, 1, 16)[1:] ** 2
    contours = ax.contour(g1, g2, surface, levels=levels, cmap="viridis", linewidths=1.0)
    ax.clabel(contours, contours.levels[::3], fontsize=7, fmt="%.0f")
    ax.plot(*best, "x", color=COLOR_BEST, ms=11, mew=2.5, label="lowest loss", zorder=5)
    if path is not None and len(path):
        ax.plot(path[:, 0], path[:, 1], ".-", color=COLOR_PATH, lw=1.3, ms=5, label="gradient descent", zorder=4)
        ax.plot(*path[0], "o", color=COLOR_PATH, mfc="white", ms=8, mew=2, label="start", zorder=6)
    ax.set_xlim(g1[0], g1[-1])
    ax.set_ylim(g2[0], g2[-1])
    ax.set_aspect("equal")
    ax.set_xlabel(f"weight $w_1$ of {names[0]}")
    ax.set_ylabel(f"weight $w_2$ of {names[1]}")
    ax.legend(loc="lower right", fontsize="small", framealpha=0.9)


def draw_loss_curve(ax: Axes, losses: ndarray, lowest: float, *, label: str = "loss after each step") -> None:
    """The loss after each step, with the lowest possible loss dashed.

    The vertical axis spans the lowest loss to a little above the starting loss; a run that
    diverges leaves the top of the plot and is labelled "diverged".
    """
    steps = np.arange(len(losses))
    finite = np.where(np.isfinite(losses), losses, np.inf)
    ax.plot(steps, np.minimum(finite, 1e300), ".-", color=COLOR_PATH, lw=1.3, ms=4, label=label)
    ax.axhline(lowest, color=COLOR_BEST, ls="--", lw=1, label=f"lowest possible: {lowest:,.0f}")
    room = max(float(losses[0]) - lowest, 1e-9 * max(abs(lowest), 1.0))
    ax.set_ylim(lowest - 0.08 * room, float(losses[0]) + 0.25 * room)
    ax.set_xlim(-0.5, max(len(losses) - 1, 1) + 0.5)
    if not np.isfinite(losses[-1]) or losses[-1] > losses[0]:
        ax.text(0.5, 0.5, f"diverged: the loss grows\nto {_fmt_loss(float(losses[-1]))}", transform=ax.transAxes,
                ha="center", va="center", fontsize=15, color=COLOR_PATH, alpha=0.7)
    ax.set_xlabel("step")
    ax.set_ylabel("mean squared error")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right", fontsize="small")


def plot_gradient_descent(X2: ndarray, y: ndarray, learning_rate: float, steps: int, start: Sequence[float], *,
                          names: Sequence[str] = ("x_1", "x_2"), radius: float | None = None) -> Diagram:
    """Two panels: the path of gradient descent on the loss surface, and the loss after every step."""
    path, losses = gradient_descent_path(X2, y, start, learning_rate, steps)
    best = _best_weights(X2, y)
    radius = radius or 1.4 * float(np.max(np.abs(np.asarray(start, dtype=float) - best)))
    fig = Diagram(figsize=(11.0, 4.6), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=(1.0, 1.1))
    draw_loss_surface(left, X2, y, path, names=names, center=best, radius=radius)
    left.set_title(f"Loss surface over $(w_1, w_2)$, learning rate {learning_rate:g}")
    draw_loss_curve(right, losses, float(two_weight_loss(X2, y, best)))
    right.set_title(f"Loss after each of {len(losses) - 1} steps: {_fmt_loss(losses[-1])}")
    return fig


def plot_learning_rates(X2: ndarray, y: ndarray, learning_rates: Sequence[float], steps: int, start: Sequence[float], *,
                        names: Sequence[str] = ("x_1", "x_2")) -> Diagram:
    """One loss-surface panel per learning rate, same start, same number of steps, same view."""
    best = _best_weights(X2, y)
    radius = 1.4 * float(np.max(np.abs(np.asarray(start, dtype=float) - best)))
    fig = Diagram(figsize=(4.3 * len(learning_rates), 4.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(learning_rates)))
    for ax, lr in zip(axes, learning_rates):
        path, losses = gradient_descent_path(X2, y, start, lr, steps)
        draw_loss_surface(ax, X2, y, path, names=names, center=best, radius=radius)
        ax.set_title(f"learning rate {lr:g}: loss {_fmt_loss(losses[-1])}\nafter {len(losses) - 1} steps", fontsize=11)
    fig.suptitle(f"{steps} steps of gradient descent from the same start, three learning rates")
    return fig




def loss_surface_explorer(X: ndarray, y: ndarray, feature_names: Sequence[str], *,
                          pairs: Sequence[tuple[str, str]] = (("bmi", "s5"), ("s1", "s2")),
                          learning_rate: float = 0.1, steps: int = 30,
                          start: Sequence[float] | None = None) -> widgets.VBox:
    """Sliders for the learning rate and the number of steps, a choice of two features, and the picture.

    Args:
        X: ``(n, k)`` standardized features (mean 0 per column).
        y: ``(n, 1)`` targets.
        feature_names: ``k`` names, for the choice of features and the axis labels.
        pairs: the pairs of feature names offered.
        learning_rate: the starting learning rate; the slider is logarithmic, 0.001 to 1.
        steps: the starting number of steps (1 to 100).
        start: the starting ``(w1, w2)``; by default ``(0, 0)``, "no feature matters yet".

    Returns:
        The widget box; end a notebook cell with it to show it.
    """
    names = list(feature_names)
    for pair in pairs:
        for name in pair:
            if name not in names:
                raise ValueError(f"feature {name!r} is not in feature_names {names}")
    if X.ndim != 2 or X.shape[1] != len(names) or np.shape(y) != (X.shape[0], 1):
        raise ValueError(f"need X (n, {len(names)}) and y (n, 1); got X {X.shape} and y {np.shape(y)}")
    labels = {f"{a} and {b} (correlation {np.corrcoef(X[:, names.index(a)], X[:, names.index(b)])[0, 1]:.2f})": (a, b)
              for a, b in pairs}
    style = {"description_width": "initial"}
    pick = widgets.Dropdown(options=list(labels), description="features", style=style,
                            layout=widgets.Layout(width="340px"))
    rate = widgets.FloatLogSlider(value=learning_rate, base=10, min=-3, max=0, step=0.05,
                                  description="learning rate η", readout_format=".3g", style=style)
    n_steps = widgets.IntSlider(value=steps, min=1, max=100, description="steps", style=style)
    readout = widgets.HTML()
    picture = widgets.Output()
    origin = (0.0, 0.0) if start is None else tuple(start)

    def redraw(_change: object = None) -> None:
        a, b = labels[pick.value]
        X2 = X[:, [names.index(a), names.index(b)]]
        path, losses = gradient_descent_path(X2, y, origin, rate.value, n_steps.value)
        lowest = float(two_weight_loss(X2, y, _best_weights(X2, y)))
        fig = plot_gradient_descent(X2, y, rate.value, n_steps.value, origin, names=(a, b))
        ratio = losses[-1] / lowest if np.isfinite(losses[-1]) else np.inf
        if not np.isfinite(losses[-1]) or losses[-1] > losses[0]:
            verdict = "diverged: each step jumps across the valley and lands higher than it started"
        elif ratio < 1.001:
            verdict = "converged: within 0.1 % of the lowest loss"
        else:
            verdict = "still on the way down: more steps, or a larger learning rate?"
        readout.value = (f"loss at the start <b>{losses[0]:,.1f}</b>, after {len(losses) - 1} steps "
                         f"<b>{_fmt_loss(losses[-1])}</b>, lowest possible <b>{lowest:,.1f}</b>: {verdict}")
        show_figure(picture, fig)

    for control in (pick, rate, n_steps):
        control.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox([pick, rate, n_steps]), readout, picture])


# ---------------------------------------------------------------- computational graphs


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], color: str = WIRE_COLOR) -> None:
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=16, linewidth=1.7, color=color))


def _graph(stages: Sequence[tuple[str, str, str, str, str]], first: tuple[str, str], *, title: str,
           gradients: bool, wire: float = 2.9) -> Diagram:
    """Boxes in a row; a weight (or target) comes into each box from below.

    ``stages``: ``(box label, side input, its gradient, output wire, its gradient)``;
    ``first``: ``(input wire label, its gradient)``. Gradients (red) are written under
    the wires when ``gradients`` is true.
    """
    box_w, y = 1.3, 2.4
    width = wire + len(stages) * (box_w + wire)
    fig = Diagram(figsize=(0.62 * width, 3.2 if gradients else 2.6), layout="constrained")
    ax = fig.add_subplot()
    ax.set_xlim(-0.3, width + 0.3)
    ax.set_ylim(-0.9 if gradients else 0.0, 3.5)
    ax.set_axis_off()

    def wire_text(x_mid: float, label: str, grad: str) -> None:
        ax.text(x_mid, y + 0.2, label, ha="center", va="bottom", fontsize=10.5, linespacing=1.25)
        if gradients and grad:
            ax.text(x_mid, y - 0.22, grad, ha="center", va="top", fontsize=9.5, color=GRADIENT_COLOR, linespacing=1.25)

    _arrow(ax, (0.0, y), (wire - 0.05, y))
    wire_text(wire / 2, *first)
    for s, (box, side, side_grad, out, out_grad) in enumerate(stages):
        cx = wire + box_w / 2 + s * (box_w + wire)
        draw_box(ax, (cx, y), box, width=box_w, height=1.0)
        if side:
            _arrow(ax, (cx, 0.35), (cx, y - 0.55))
            ax.text(cx - 0.15, 0.55, side, ha="right", va="bottom", fontsize=10.5, linespacing=1.25)
            if gradients and side_grad:
                ax.text(cx + 0.15, 0.55, side_grad, ha="left", va="bottom", fontsize=9.5, color=GRADIENT_COLOR,
                        linespacing=1.25)
        start = cx + box_w / 2 + 0.05
        _arrow(ax, (start, y), (start + wire - 0.1, y))
        wire_text(start + wire / 2, out, out_grad)
    if gradients:
        ax.text(width / 2, -0.75, "black: values going forward, with their shapes;   red: the gradient of L with "
                "respect to each value, coming back (same shape as the value)", ha="center", va="bottom",
                fontsize=9.5, color="dimgrey")
    ax.set_title(title, fontsize=12)
    return fig


def linear_regression_graph(gradients: bool = False) -> Diagram:
    """The graph ``X, W -> [×] -> N -> [+ B] -> P -> [MSE with y] -> L``, shapes forward, optionally gradients back."""
    stages = [
        ("×", "W (k, 1)", "dL/dW =\nX.T @ dL/dN", "N = X @ W\n(n, 1)", "dL/dN = dL/dP"),
        ("+", "B (1, 1)", "dL/dB = dL/dP\nsummed over rows", "P = N + B\n(n, 1)", "dL/dP = (2/n)(P − y)"),
        ("MSE", "y (n, 1)", "", "L = mean((P − y)²)\none number", "dL/dL = 1"),
    ]
    title = "Linear regression as a computational graph" + (": values forward, gradients backward" if gradients else "")
    return _graph(stages, ("X (n, k)", ""), title=title, gradients=gradients)


def network_graph(gradients: bool = False) -> Diagram:
    """The two-layer network's graph: ``× W1, + B1, σ, × W2, + B2, MSE``, shapes forward, optionally gradients back."""
    stages = [
        ("×", "W1 (k, h)", "dL/dW1 =\nX.T @ dL/dM1", "M1 = X @ W1\n(n, h)", "dL/dM1\n= dL/dN1"),
        ("+", "B1 (1, h)", "dL/dB1 =\ndL/dN1 summed\nover rows", "N1 = M1 + B1\n(n, h)", "dL/dN1 =\ndL/dO1 * σ'(N1)"),
        ("σ", "", "", "O1 = σ(N1)\n(n, h)", "dL/dO1 =\ndL/dM2 @ W2.T"),
        ("×", "W2 (h, 1)", "dL/dW2 =\nO1.T @ dL/dM2", "M2 = O1 @ W2\n(n, 1)", "dL/dM2\n= dL/dP"),
        ("+", "B2 (1, 1)", "dL/dB2 =\ndL/dP summed\nover rows", "P = M2 + B2\n(n, 1)", "dL/dP =\n(2/n)(P − y)"),
        ("MSE", "y (n, 1)", "", "L\none number", ""),
    ]
    title = "The two-layer network as a computational graph" + (": values forward, gradients backward" if gradients else "")
    return _graph(stages, ("X (n, k)", ""), title=title, gradients=gradients, wire=2.5)


def network_units_diagram(feature_names: Sequence[str] = ("x1", "x2", "x3"), hidden: int = 4) -> Diagram:
    """Inputs, hidden units and the output as circles joined by lines: each hidden unit is a linear
    regression of the inputs, squashed by σ; the output is a linear regression of the hidden units."""
    k = len(feature_names)
    step = 1.1                                  # vertical distance between two circles
    height = step * max(k, hidden)
    fig = Diagram(figsize=(8.0, 1.0 + 0.75 * height), layout="constrained")
    ax = fig.add_subplot()
    ax.set_xlim(-1.3, 9.3)
    ax.set_ylim(-1.3, height + 0.4)
    ax.set_aspect("equal")
    ax.set_axis_off()
    top = height - step / 2

    def column(count: int) -> ndarray:
        """Heights of ``count`` circles, centred on the figure."""
        return height / 2 - step / 2 + (np.arange(count)[::-1] - (count - 1) / 2) * step + step / 2

    xs_in, xs_hidden, x_out = 0.5, 4.0, 7.5
    ys_in, ys_hidden, y_out = column(k), column(hidden), float(np.mean(column(hidden)))
    for yi in ys_in:
        for yh in ys_hidden:
            ax.plot([xs_in, xs_hidden], [yi, yh], color="#9db4cc", lw=1, zorder=1)
    for yh in ys_hidden:
        ax.plot([xs_hidden, x_out], [yh, y_out], color="#9db4cc", lw=1, zorder=1)
    for name, yi in zip(feature_names, ys_in):
        ax.add_patch(Circle((xs_in, yi), 0.38, facecolor="#f3f3f3", edgecolor=WIRE_COLOR, lw=1.5, zorder=2))
        ax.text(xs_in, yi, name, ha="center", va="center", fontsize=9, zorder=3)
    for j, yh in enumerate(ys_hidden):
        ax.add_patch(Circle((xs_hidden, yh), 0.45, facecolor="#dbe9f6", edgecolor=EDGE_COLOR, lw=1.8, zorder=2))
        ax.text(xs_hidden, yh, f"σ\nunit {j + 1}", ha="center", va="center", fontsize=8, zorder=3, linespacing=1.0)
    ax.add_patch(Circle((x_out, y_out), 0.45, facecolor="#f6d8d4", edgecolor=EDGE_COLOR, lw=1.8, zorder=2))
    ax.text(x_out, y_out, "$\\hat{y}$", ha="center", va="center", fontsize=13, zorder=3)
    bottom = -0.2
    ax.text(xs_in, bottom, f"{k} inputs\nX: (n, {k})", ha="center", va="top", fontsize=9.5)
    ax.text(xs_hidden, bottom, f"{hidden} hidden units\nσ(X @ W1 + B1): (n, {hidden})", ha="center", va="top", fontsize=9.5)
    ax.text(x_out, bottom, "1 output\n@ W2 + B2: (n, 1)", ha="center", va="top", fontsize=9.5)
    ax.text((xs_in + xs_hidden) / 2, top + 0.45, f"W1: ({k}, {hidden})", ha="center", fontsize=10, color=EDGE_COLOR)
    ax.text((xs_hidden + x_out) / 2, top + 0.45, f"W2: ({hidden}, 1)", ha="center", fontsize=10, color=EDGE_COLOR)
    ax.set_title("Each hidden unit is a linear regression of the inputs, bent by σ;\n"
                 "the output is a linear regression of the hidden units", fontsize=11)
    return fig


# ---------------------------------------------------------------- plots of data, fits and results


def _plot_axes(figsize: tuple[float, float] = (6.4, 4.3)) -> tuple[Diagram, Axes]:
    fig = Diagram(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def plot_target_against_features(X: ndarray, y: ndarray, feature_names: Sequence[str], *,
                                 title: str = "The target against each feature (training rows)") -> Diagram:
    """One small scatter plot per feature: the target ``y (n, 1)`` against column ``j`` of ``X (n, k)``,
    with the correlation in each panel's title."""
    k = X.shape[1]
    cols = min(k, 5)
    rows = int(np.ceil(k / cols))
    fig = Diagram(figsize=(2.6 * cols, 2.4 * rows + 0.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols, sharey=True)).ravel()
    for j, ax in enumerate(axes):
        if j >= k:
            ax.set_axis_off()
            continue
        ax.scatter(X[:, j], y[:, 0], s=6, alpha=0.5, color="tab:blue")
        r = np.corrcoef(X[:, j], y[:, 0])[0, 1]
        ax.set_title(f"{feature_names[j]}: correlation {r:+.2f}", fontsize=10)
        ax.set_xlabel(f"{feature_names[j]} (standardized)", fontsize=9)
        if j % cols == 0:
            ax.set_ylabel("target y", fontsize=9)
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    return fig


def plot_line_and_errors(x: ndarray, y: ndarray, w: float, b: float, *, feature: str = "x",
                         target: str = "y", title: str | None = None) -> Diagram:
    """Data points, the line ``ŷ = w·x + b``, and each point's error ``ŷ - y`` as a vertical segment;
    the mean of the squared segment lengths is in the title."""
    x, y = np.ravel(x), np.ravel(y)
    fig, ax = _plot_axes()
    pred = w * x + b
    ax.vlines(x, y, pred, color="tab:red", lw=0.8, alpha=0.6, label="error $\\hat{y} - y$ of each point")
    ax.scatter(x, y, s=10, color="tab:blue", zorder=3, label="data")
    grid = np.linspace(x.min(), x.max(), 2)
    ax.plot(grid, w * grid + b, color="black", lw=2, label=f"$\\hat{{y}}$ = {w:.1f}·{feature} + {b:.1f}")
    mse = float(np.mean((pred - y) ** 2))
    ax.set_title(title or f"A line and its errors: mean squared error {mse:,.0f}")
    ax.set_xlabel(feature)
    ax.set_ylabel(target)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize="small")
    return fig


def plot_loss_histories(histories: Mapping[str, Sequence[float]], *, title: str = "Loss during training",
                        xlabel: str = "epoch", ylabel: str | None = None, log: bool = True,
                        ylim: tuple[float, float] | None = None) -> Diagram:
    """One curve per history (label -> one number per epoch, epoch 0 = before training).

    ``log`` puts the vertical axis on a log scale; ``ylim`` fixes its range.
    """
    fig, ax = _plot_axes()
    for label, losses in histories.items():
        ax.plot(np.arange(len(losses)), losses, lw=1.8, label=label)
    if log:
        ax.set_yscale("log")
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel or ("mean squared error (log scale)" if log else "mean squared error"))
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize="small")
    return fig


def plot_predicted_vs_actual(y_true: ndarray, predictions: Mapping[str, ndarray], *,
                             title: str = "Predictions against the truth (test rows)") -> Diagram:
    """Scatter of predicted against actual target for each model (label -> ``(n, 1)`` predictions),
    with the diagonal ``predicted = actual`` where a perfect model's points would lie."""
    fig, ax = _plot_axes((5.6, 5.0))
    t = np.ravel(y_true)
    for (label, p), marker in zip(predictions.items(), "o^sD"):
        ax.scatter(t, np.ravel(p), s=16, alpha=0.6, marker=marker, label=label)
    lo = float(min(t.min(), *(np.min(p) for p in predictions.values())))
    hi = float(max(t.max(), *(np.max(p) for p in predictions.values())))
    ax.plot([lo, hi], [lo, hi], color="black", lw=1, ls="--", label="perfect: predicted = actual")
    ax.set_title(title)
    ax.set_xlabel("actual target y")
    ax.set_ylabel("predicted target $\\hat{y}$")
    ax.set_aspect("equal")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return fig


def plot_feature_weights(weights: Mapping[str, ndarray], feature_names: Sequence[str], *,
                         title: str = "The weights: change in prediction per standard deviation of each feature",
                         ylabel: str = "weight (target units per standard deviation)") -> Diagram:
    """Bar chart of one or more weight vectors (label -> ``(k, 1)`` or ``(k,)``), side by side per feature."""
    fig, ax = _plot_axes((9.0, 4.3))
    k = len(feature_names)
    width = 0.8 / len(weights)
    for i, (label, w) in enumerate(weights.items()):
        values = np.ravel(w)
        if values.shape != (k,):
            raise ValueError(f"weights {label!r} must have {k} values, one per feature; got shape {np.shape(w)}")
        ax.bar(np.arange(k) + (i - (len(weights) - 1) / 2) * width, values, width=width, label=label)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(np.arange(k), list(feature_names))
    ax.set_title(title)
    ax.set_xlabel("feature")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3, axis="y")
    if len(weights) > 1:
        ax.legend(fontsize="small")
    return fig


def plot_fits_1d(x: ndarray, y: ndarray, x_grid: ndarray, curves: Mapping[str, ndarray], *,
                 title: str = "Fits to one input", xlabel: str = "input x", ylabel: str = "target y") -> Diagram:
    """Data points and one fitted curve per model (label -> predictions at ``x_grid``, shape ``(m, 1)``)."""
    fig, ax = _plot_axes((7.0, 4.3))
    ax.scatter(np.ravel(x), np.ravel(y), s=8, alpha=0.45, color="grey", label="data")
    for label, values in curves.items():
        ax.plot(np.ravel(x_grid), np.ravel(values), lw=2.2, label=label)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    return fig


def plot_hidden_units_1d(x_grid: ndarray, weights: Mapping[str, ndarray], *,
                         title: str = "The network's output: one bent curve per hidden unit, added up") -> Diagram:
    """For a network with one input: each hidden unit's contribution ``W2[j] · σ(x W1[0, j] + B1[0, j])``
    (thin lines) and their sum plus ``B2``, the prediction (thick)."""
    xg = np.reshape(x_grid, (-1, 1))
    if weights["W1"].shape[0] != 1:
        raise ValueError(f"plot_hidden_units_1d needs a network with one input: W1 of shape (1, h); got {weights['W1'].shape}")
    O1 = sigmoid(xg @ weights["W1"] + weights["B1"])          # (m, h)
    parts = O1 * weights["W2"].T                              # (m, h): one column per hidden unit
    fig, ax = _plot_axes((7.0, 4.3))
    for j in range(parts.shape[1]):
        ax.plot(xg[:, 0], parts[:, j], lw=1.2, alpha=0.85, label=f"hidden unit {j + 1}")
    ax.plot(xg[:, 0], parts.sum(axis=1) + weights["B2"][0, 0], color="black", lw=2.6, label="sum + B2 = prediction")
    ax.set_title(title)
    ax.set_xlabel("input x")
    ax.set_ylabel("contribution to the prediction")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="x-small", ncol=3)
    return fig
