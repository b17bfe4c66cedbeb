"""Loss landscapes and the paths optimisers take across them.

- :func:`plot_partial_slices`, :func:`plot_gradient_arrows` -- a function of two inputs: partial derivatives as
  the slopes of slices, and the gradient vector as arrows across its contour lines (chapter 02).
- :func:`two_weight_loss`, :func:`gradient_descent_path`, :func:`draw_loss_surface`, :func:`draw_loss_curve`,
  :func:`plot_gradient_descent`, :func:`plot_learning_rates` -- linear regression's loss over two weights (chapter 05).
- :func:`bowl_loss`, :func:`momentum_path`, :func:`draw_bowl`, :func:`plot_momentum_paths`,
  :func:`plot_velocity_memory` -- a long narrow bowl, plain gradient descent against momentum (chapter 07).
- :func:`optimizer_path`, :func:`plot_optimizer_paths` -- the library's optimizers (SGD, momentum, RMSProp, Adam)
  on the same bowl (chapter 07).
- :func:`decayed_minimum`, :func:`plot_weight_decay` -- weight decay (L2) pulls the bowl's minimum towards 0, most
  along its flat direction (chapter 07).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
from matplotlib.axes import Axes
from numpy import ndarray

from dlfs.draw.canvas import GRADIENT_COLOR, NUDGE_COLOR, SLOPE_COLOR, Diagram, new_figure

if TYPE_CHECKING:
    from dlfs.nn.optim import Optimizer

#: A loss above this counts as "diverged": the explorer stops there.
DIVERGED = 1e12


COLOR_PATH = "tab:red"


COLOR_BEST = "black"


#: A function of two inputs that returns one number: ``f(np.array([x0, x1]))``.
TwoInputFunction = Callable[[ndarray], float]


def _surface(f: TwoInputFunction, xlim: tuple[float, float], ylim: tuple[float, float],
             n: int = 81) -> tuple[ndarray, ndarray, ndarray]:
    g0, g1 = np.linspace(*xlim, n), np.linspace(*ylim, n)
    values = np.array([[f(np.array([a, b])) for a in g0] for b in g1])
    return g0, g1, values


def _contours(ax: Axes, f: TwoInputFunction, xlim: tuple[float, float], ylim: tuple[float, float], name: str) -> None:
    g0, g1, values = _surface(f, xlim, ylim)
    lines = ax.contour(g0, g1, values, levels=14, cmap="viridis", linewidths=1.0)
    ax.clabel(lines, np.asarray(lines.levels)[::2], fontsize=7, fmt="%.3g")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_aspect("equal")
    ax.set_xlabel("input $x_0$")
    ax.set_ylabel("input $x_1$")
    ax.grid(alpha=0.25)


def plot_partial_slices(f: TwoInputFunction, point: Sequence[float], partials: Sequence[float], *,
                        span: float = 1.5, name: str = "f", title: str | None = None) -> Diagram:
    """Partial derivatives as the slopes of two slices through ``point``.

    Left: the contour lines of ``f`` with the two slices through ``point`` (``x_1`` held fixed,
    orange; ``x_0`` held fixed, green). Middle and right: ``f`` along each slice, with a
    tangent line of slope ``partials[0]`` and ``partials[1]``.

    Args:
        f: takes ``np.array([x0, x1])``, returns one number.
        point: ``(a0, a1)``.
        partials: ``(∂f/∂x0, ∂f/∂x1)`` at ``point`` (exact or numerical).
        span: how far each slice reaches on either side of ``point``.
        name: the function's name in labels.
        title: the figure's overall title.
    """
    a = np.asarray(point, dtype=float)
    if a.shape != (2,) or len(partials) != 2:
        raise ValueError(f"point and partials need 2 numbers each; got {a.shape} and {len(partials)}")
    fig = new_figure((13.5, 4.2))
    axes = fig.subplots(1, 3)
    _contours(axes[0], f, (a[0] - span, a[0] + span), (a[1] - span, a[1] + span), name)
    colors = (NUDGE_COLOR, SLOPE_COLOR)
    axes[0].axhline(a[1], color=colors[0], lw=2, ls="--", label=f"$x_1$ held at {a[1]:g}")
    axes[0].axvline(a[0], color=colors[1], lw=2, ls="--", label=f"$x_0$ held at {a[0]:g}")
    axes[0].plot(*a, "o", color="black", ms=7, zorder=5)
    axes[0].legend(loc="upper left", fontsize="small", framealpha=0.9)
    axes[0].set_title(f"contour lines of {name}, two slices through ({a[0]:g}, {a[1]:g})", fontsize=10)
    here = float(f(a))
    for k, ax in enumerate(axes[1:]):
        t = np.linspace(a[k] - span, a[k] + span, 161)
        slice_values = []
        for v in t:
            b = a.copy()
            b[k] = v
            slice_values.append(f(b))
        ax.plot(t, slice_values, color=colors[k], lw=2.2, label=f"{name} with $x_{1 - k}$ held fixed")
        near = np.abs(t - a[k]) <= span / 2
        ax.plot(t[near], here + partials[k] * (t[near] - a[k]), color="black", lw=1.6, ls=":",
                label=f"tangent, slope ∂{name}/∂$x_{k}$ = {partials[k]:.3g}")
        ax.plot(a[k], here, "o", color="black", ms=7)
        ax.set_xlabel(f"input $x_{k}$")
        ax.set_ylabel(f"output {name}")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize="small")
        ax.set_title(f"slice along $x_{k}$: its slope is ∂{name}/∂$x_{k}$", fontsize=10)
    fig.suptitle(title or f"Partial derivatives of {name}: the slopes of slices", fontsize=12)
    return fig  # type: ignore[return-value]


def plot_gradient_arrows(f: TwoInputFunction, grad: Callable[[ndarray], ndarray], points: ndarray, *,
                         xlim: tuple[float, float] = (-2.0, 2.0), ylim: tuple[float, float] = (-2.0, 2.0),
                         name: str = "f", title: str | None = None) -> Diagram:
    """The gradient of ``f`` as arrows at ``points``, over the contour lines of ``f``.

    Each arrow starts at a point and points along ``grad(point)``, drawn at a common scale
    (the longest arrow spans a tenth of the plot): uphill, across the contour lines.

    Args:
        f: takes ``np.array([x0, x1])``, returns one number.
        grad: takes ``np.array([x0, x1])``, returns its gradient, shape ``(2,)``.
        points: shape ``(p, 2)``: where to draw arrows.
        xlim, ylim: the plotted region.
        name: the function's name in labels.
        title: the figure title.
    """
    pts = np.asarray(points, dtype=float)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"points must have shape (p, 2); got {pts.shape}")
    arrows = np.array([np.asarray(grad(p), dtype=float) for p in pts])
    fig = new_figure((6.4, 5.6))
    ax = fig.add_subplot()
    _contours(ax, f, xlim, ylim, name)
    longest = float(np.max(np.linalg.norm(arrows, axis=1))) or 1.0
    scale = 0.1 * max(xlim[1] - xlim[0], ylim[1] - ylim[0]) / longest
    ax.quiver(pts[:, 0], pts[:, 1], arrows[:, 0] * scale, arrows[:, 1] * scale, angles="xy", scale_units="xy",
              scale=1.0, color=GRADIENT_COLOR, width=0.006, zorder=5, label=f"gradient ∇{name} (uphill)")
    ax.plot(pts[:, 0], pts[:, 1], "o", color=GRADIENT_COLOR, ms=3, zorder=6)
    ax.legend(loc="upper left", fontsize="small", framealpha=0.9)
    ax.set_title(title or f"The gradient of {name} points uphill, across the contour lines", fontsize=11)
    return fig  # type: ignore[return-value]


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


def best_weights(X2: ndarray, y: ndarray) -> ndarray:
    """The least-squares ``(w1, w2)``: the bottom of the bowl."""
    return np.linalg.lstsq(X2, y - y.mean(), rcond=None)[0].ravel()


def fmt_loss(value: float) -> str:
    return "diverged (> 1e12)" if not np.isfinite(value) or value > DIVERGED else f"{value:,.1f}"


def draw_loss_surface(ax: Axes, X2: ndarray, y: ndarray, path: ndarray | None = None, *,
                      names: Sequence[str] = ("x_1", "x_2"), center: ndarray | None = None,
                      radius: float | None = None) -> None:
    """Contour lines of :func:`two_weight_loss` on ``ax``, the minimum (black cross) and a path (red)."""
    best = best_weights(X2, y)
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
    ax.clabel(contours, np.asarray(contours.levels)[::3], fontsize=7, fmt="%.0f")
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
        ax.text(0.5, 0.5, f"diverged: the loss grows\nto {fmt_loss(float(losses[-1]))}", transform=ax.transAxes,
                ha="center", va="center", fontsize=15, color=COLOR_PATH, alpha=0.7)
    ax.set_xlabel("step")
    ax.set_ylabel("mean squared error")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right", fontsize="small")


def plot_gradient_descent(X2: ndarray, y: ndarray, learning_rate: float, steps: int, start: Sequence[float], *,
                          names: Sequence[str] = ("x_1", "x_2"), radius: float | None = None) -> Diagram:
    """Two panels: the path of gradient descent on the loss surface, and the loss after every step."""
    path, losses = gradient_descent_path(X2, y, start, learning_rate, steps)
    best = best_weights(X2, y)
    radius = radius or 1.4 * float(np.max(np.abs(np.asarray(start, dtype=float) - best)))
    fig = Diagram(figsize=(11.0, 4.6), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=(1.0, 1.1))
    draw_loss_surface(left, X2, y, path, names=names, center=best, radius=radius)
    left.set_title(f"Loss surface over $(w_1, w_2)$, learning rate {learning_rate:g}")
    draw_loss_curve(right, losses, float(two_weight_loss(X2, y, best)))
    right.set_title(f"Loss after each of {len(losses) - 1} steps: {fmt_loss(losses[-1])}")
    return fig


def plot_learning_rates(X2: ndarray, y: ndarray, learning_rates: Sequence[float], steps: int, start: Sequence[float], *,
                        names: Sequence[str] = ("x_1", "x_2")) -> Diagram:
    """One loss-surface panel per learning rate, same start, same number of steps, same view."""
    best = best_weights(X2, y)
    radius = 1.4 * float(np.max(np.abs(np.asarray(start, dtype=float) - best)))
    fig = Diagram(figsize=(4.3 * len(learning_rates), 4.6), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(learning_rates)))
    for ax, lr in zip(axes, learning_rates):
        path, losses = gradient_descent_path(X2, y, start, lr, steps)
        draw_loss_surface(ax, X2, y, path, names=names, center=best, radius=radius)
        ax.set_title(f"learning rate {lr:g}: loss {fmt_loss(losses[-1])}\nafter {len(losses) - 1} steps", fontsize=11)
    fig.suptitle(f"{steps} steps of gradient descent from the same start, three learning rates")
    return fig


#: The bowl's curvatures along w1 and w2: a valley 25 times steeper across than along.
CURVATURES: tuple[float, float] = (0.4, 10.0)


#: Where both balls start: far along the flat direction, a little up the steep side.
START: tuple[float, float] = (-9.0, 1.5)


#: A loss above this counts as "diverged": the path stops there.
BOWL_DIVERGED = 1e6


COLOR_SGD = "tab:blue"


COLOR_MOMENTUM = "tab:red"


def bowl_loss(w: ndarray, curvatures: Sequence[float] = CURVATURES) -> ndarray:
    """``½ (a·w1² + b·w2²)`` for points ``w`` of shape ``(..., 2)``; returns shape ``w.shape[:-1]``."""
    w = np.asarray(w, dtype=np.float64)
    a, b = curvatures
    return 0.5 * (a * w[..., 0] ** 2 + b * w[..., 1] ** 2)


def bowl_gradient(w: ndarray, curvatures: Sequence[float] = CURVATURES) -> ndarray:
    """``(a·w1, b·w2)``, the gradient of :func:`bowl_loss`, shape of ``w``."""
    w = np.asarray(w, dtype=np.float64)
    return w * np.asarray(curvatures, dtype=np.float64)


def momentum_path(lr: float, momentum: float, steps: int, start: Sequence[float] = START,
                  curvatures: Sequence[float] = CURVATURES) -> tuple[ndarray, ndarray]:
    """Gradient descent with momentum on :func:`bowl_loss` (``momentum = 0``: plain gradient descent).

    Every step: ``v ← momentum·v + lr·∇L(w)``, then ``w ← w − v``, with ``v = 0`` at the start.

    Returns:
        ``(path, losses)``: ``path`` of shape ``(m, 2)`` and ``losses`` of shape ``(m,)``, the start
        and then one row per step: ``m = steps + 1``, fewer if the loss went above :data:`BOWL_DIVERGED`
        (the last row is then the first diverged point).
    """
    w = np.asarray(start, dtype=np.float64).copy()
    v = np.zeros(2)
    path, losses = [w.copy()], [float(bowl_loss(w, curvatures))]
    for _ in range(steps):
        v = momentum * v + lr * bowl_gradient(w, curvatures)
        w = w - v
        path.append(w.copy())
        losses.append(float(bowl_loss(w, curvatures)))
        if losses[-1] > BOWL_DIVERGED:
            break
    return np.array(path), np.array(losses)


def fmt_bowl_loss(value: float) -> str:
    return "diverged" if not np.isfinite(value) or value > BOWL_DIVERGED else f"{value:.2g}"


def draw_bowl(ax: Axes, curvatures: Sequence[float] = CURVATURES, start: Sequence[float] = START) -> None:
    """Contour lines of the bowl around its minimum, wide enough to show ``start``."""
    span1, span2 = 1.15 * abs(start[0]) + 0.5, 1.6 * abs(start[1]) + 0.5
    g1 = np.linspace(-span1, span1, 241)
    g2 = np.linspace(-span2, span2, 161)
    surface = bowl_loss(np.stack(np.meshgrid(g1, g2), axis=-1), curvatures)
    levels = float(bowl_loss(np.asarray(start), curvatures)) * np.linspace(0.0, 1.3, 12)[1:] ** 2
    ax.contour(g1, g2, surface, levels=levels, cmap="viridis", linewidths=0.9)
    ax.plot(0, 0, "x", color="black", ms=10, mew=2.5, label="lowest loss", zorder=6)
    ax.set_xlim(g1[0], g1[-1])
    ax.set_ylim(g2[0], g2[-1])
    ax.set_xlabel("weight $w_1$ (flat direction)")
    ax.set_ylabel("weight $w_2$ (steep direction)")


def _draw_path(ax: Axes, path: ndarray, color: str, label: str) -> None:
    shown = path[np.all(np.abs(path) < 1e3, axis=1)]
    ax.plot(shown[:, 0], shown[:, 1], ".-", color=color, lw=1.3, ms=4, label=label, zorder=4)


def plot_momentum_paths(lr: float = 0.05, momentum: float = 0.9, steps: int = 60, *,
                        start: Sequence[float] = START, curvatures: Sequence[float] = CURVATURES) -> Diagram:
    """Both paths over the bowl's contour lines (equal scales on both axes: the valley really is that
    narrow), and below, the loss after every step on a log scale."""
    sgd, sgd_losses = momentum_path(lr, 0.0, steps, start, curvatures)
    mom, mom_losses = momentum_path(lr, momentum, steps, start, curvatures)
    fig = Diagram(figsize=(10.0, 6.0), layout="constrained")
    top, bottom = fig.subplots(2, 1, height_ratios=(1.1, 0.9))
    draw_bowl(top, curvatures, start)
    top.set_aspect("equal")
    _draw_path(top, sgd, COLOR_SGD, "gradient descent (momentum 0)")
    _draw_path(top, mom, COLOR_MOMENTUM, f"momentum {momentum:g}")
    top.plot(*start, "o", color="black", mfc="white", ms=8, mew=2, label="start", zorder=7)
    top.set_title(f"Two balls in a long, narrow bowl: {steps} steps at learning rate {lr:g}")
    top.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", framealpha=0.9)
    for losses, color, label in ((sgd_losses, COLOR_SGD, "gradient descent"),
                                 (mom_losses, COLOR_MOMENTUM, f"momentum {momentum:g}")):
        shown = np.minimum(losses, BOWL_DIVERGED * 10)
        bottom.semilogy(np.arange(len(losses)), np.maximum(shown, 1e-12), ".-", color=color, lw=1.3, ms=4,
                        label=f"{label}: {fmt_bowl_loss(float(losses[-1]))} after {len(losses) - 1} steps")
    bottom.set_title("Loss after each step")
    bottom.set_xlabel("step")
    bottom.set_ylabel("loss L(w) (log scale)")
    bottom.grid(alpha=0.3, which="both")
    bottom.legend(fontsize="small", loc="lower left")
    return fig


def plot_velocity_memory(momenta: Sequence[float] = (0.5, 0.9), lr: float = 1.0, depth: int = 30) -> Diagram:
    """How much the gradient of ``k`` steps ago counts in today's velocity: ``lr · momentum**k``."""
    fig = Diagram(figsize=(7.0, 3.6), layout="constrained")
    ax = fig.add_subplot()
    k = np.arange(depth)
    width = 0.8 / len(momenta)
    for i, mu in enumerate(momenta):
        total = lr / (1 - mu)
        ax.bar(k + (i - (len(momenta) - 1) / 2) * width, lr * mu**k, width=width,
               label=f"momentum {mu:g}: the weights add up to {total:g}·η")
    ax.set_title("The velocity remembers: the gradient of k steps ago counts η·μᵏ")
    ax.set_xlabel("k: how many steps ago the gradient was computed")
    ax.set_ylabel("its weight in the velocity (η = 1)")
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize="small")
    return fig


def optimizer_path(optimizer: Optimizer, steps: int, start: Sequence[float] = START,
                   curvatures: Sequence[float] = CURVATURES) -> tuple[ndarray, ndarray]:
    """Walk ``optimizer`` (any :class:`dlfs.nn.optim.Optimizer`, fresh) down :func:`bowl_loss` from ``start``.

    Every step hands the optimizer the bowl's exact gradient for the weights ``w`` of shape ``(1, 2)``, and
    the optimizer updates ``w`` in place, as the ``Trainer`` lets it update a layer's weights.

    Returns:
        ``(path, losses)`` of shapes ``(m, 2)`` and ``(m,)``: the start, then one row per step (``m = steps + 1``,
        fewer if the loss went above :data:`BOWL_DIVERGED`).
    """
    w = np.asarray(start, dtype=np.float64).reshape(1, 2).copy()
    path, losses = [w[0].copy()], [float(bowl_loss(w[0], curvatures))]
    for _ in range(steps):
        optimizer.step([w], [bowl_gradient(w, curvatures)])
        path.append(w[0].copy())
        losses.append(float(bowl_loss(w[0], curvatures)))
        if not np.isfinite(losses[-1]) or losses[-1] > BOWL_DIVERGED:
            break
    return np.array(path), np.array(losses)


def plot_optimizer_paths(optimizers: Mapping[str, Optimizer], steps: int = 60, *, start: Sequence[float] = START,
                         curvatures: Sequence[float] = CURVATURES) -> Diagram:
    """Several optimizers (name -> a fresh optimizer) from the same start on the bowl: their paths over its
    contour lines (equal scales), and below, the loss after every step on a log scale."""
    if not optimizers:
        raise ValueError("optimizers must name at least one optimizer; received none")
    fig = Diagram(figsize=(10.0, 6.4), layout="constrained")
    top, bottom = fig.subplots(2, 1, height_ratios=(1.1, 0.9))
    draw_bowl(top, curvatures, start)
    top.set_aspect("equal")
    for i, (name, optimizer) in enumerate(optimizers.items()):
        path, losses = optimizer_path(optimizer, steps, start, curvatures)
        color = f"C{i}"
        _draw_path(top, path, color, name)
        bottom.semilogy(np.arange(len(losses)), np.maximum(np.minimum(losses, BOWL_DIVERGED * 10), 1e-12), ".-",
                        color=color, lw=1.3, ms=3, label=f"{name}: {fmt_bowl_loss(float(losses[-1]))} after "
                                                         f"{len(losses) - 1} steps")
    top.plot(*start, "o", color="black", mfc="white", ms=8, mew=2, label="start", zorder=7)
    top.set_title(f"{len(optimizers)} optimizers in the long, narrow bowl: {steps} steps each")
    top.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", framealpha=0.9)
    bottom.set_title("Loss after each step")
    bottom.set_xlabel("step")
    bottom.set_ylabel("loss L(w) (log scale)")
    bottom.grid(alpha=0.3, which="both")
    bottom.legend(fontsize="small", loc="lower left")
    return fig


#: The minimum of the bowl that :func:`plot_weight_decay` moves away from the origin.
SHIFTED_MINIMUM: tuple[float, float] = (6.0, 1.5)


def decayed_minimum(weight_decay: float, minimum: Sequence[float] = SHIFTED_MINIMUM,
                    curvatures: Sequence[float] = CURVATURES) -> ndarray:
    """The minimum of ``½ Σ c_i (w_i − m_i)² + (λ/2) ‖w‖²``: ``w_i = c_i m_i / (c_i + λ)``, shape ``(2,)``.

    Each coordinate is pulled towards 0 by the factor ``c_i / (c_i + λ)``: little where the curvature ``c_i``
    is large (the loss cares), a lot where it is small.
    """
    if weight_decay < 0:
        raise ValueError(f"weight_decay must be >= 0; received {weight_decay}")
    c, m = np.asarray(curvatures, dtype=np.float64), np.asarray(minimum, dtype=np.float64)
    return c * m / (c + weight_decay)


def plot_weight_decay(weight_decays: Sequence[float] = (0.0, 0.4, 2.0), *, minimum: Sequence[float] = SHIFTED_MINIMUM,
                      curvatures: Sequence[float] = CURVATURES) -> Diagram:
    """Weight decay on the bowl with its minimum moved to ``minimum``. Left: the loss's contour lines, the
    penalty's circles around 0, and the minimum of loss + penalty for every ``λ`` in ``weight_decays`` (the line:
    all ``λ`` from 0 up). Right: both coordinates of that minimum against ``λ``."""
    m = np.asarray(minimum, dtype=np.float64)
    fig = Diagram(figsize=(11.5, 4.2), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=(1.4, 1.0))
    g1, g2 = np.linspace(-1.5, 1.3 * m[0] + 1.0, 201), np.linspace(-1.5, 1.6 * m[1] + 1.0, 121)
    grid = np.stack(np.meshgrid(g1, g2), axis=-1)
    left.contour(g1, g2, bowl_loss(grid - m, curvatures), levels=np.linspace(0.3, 12.0, 8) ** 1.5 / 4,
                 cmap="viridis", linewidths=0.9)
    left.contour(g1, g2, 0.5 * np.sum(grid**2, axis=-1), levels=(0.5 * np.arange(1, 7) ** 2), colors="grey",
                 linewidths=0.7, linestyles=":")
    largest = 4.0 * max(max(weight_decays), 1e-3)
    trail = np.array([decayed_minimum(lam, minimum, curvatures) for lam in np.linspace(0.0, largest, 200)])
    left.plot(trail[:, 0], trail[:, 1], "-", color="grey", lw=1.2, label="minimum as λ grows")
    for i, lam in enumerate(weight_decays):
        left.plot(*decayed_minimum(lam, minimum, curvatures), "o", color=f"C{i}", ms=8, zorder=5,
                  label=f"minimum of loss + penalty, λ = {lam:g}")
    left.plot(0, 0, "+", color="black", ms=10, mew=2, label="w = 0 (the penalty's minimum)")
    left.set_aspect("equal")
    left.set_xlabel("weight $w_1$ (flat direction)")
    left.set_ylabel("weight $w_2$ (steep direction)")
    left.set_title("Loss (colour) and L2 penalty (grey dots): where their sum is lowest")
    left.legend(loc="upper left", fontsize="x-small", framealpha=0.9)
    lams = np.linspace(0.0, largest, 200)
    for k, name in enumerate(("$w_1$ (flat: curvature " + f"{curvatures[0]:g})", "$w_2$ (steep: curvature "
                                                                                  + f"{curvatures[1]:g})")):
        right.plot(lams, [decayed_minimum(lam, minimum, curvatures)[k] / m[k] for lam in lams], lw=2, label=name)
    right.set_ylim(0, 1.05)
    right.set_title("What is left of each weight: $c_i / (c_i + λ)$")
    right.set_xlabel("weight decay λ")
    right.set_ylabel("weight at the minimum / without decay")
    right.grid(alpha=0.3)
    right.legend(fontsize="small")
    return fig
