"""Plots for the notebooks: functions, nudges, tangents, and how accurate a numerical slope is.

Every helper draws with matplotlib and returns a :class:`matplotlib.figure.Figure`.
Helpers that draw one panel take an optional ``ax``: given one, they draw on it
(and return its figure); without one, they make a new figure that ``pyplot``
does not keep, so a notebook shows it once, as the cell's value, and a widget
can redraw it many times without piling figures up in memory.

Shapes: ``x`` is a 1-D array of points along the horizontal axis, shape ``(n,)``;
array functions map shape ``(n,)`` to shape ``(n,)``.
"""

from __future__ import annotations

from collections.abc import Callable

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy import ndarray

from dlfs.derivatives import deriv, forward_deriv

#: An array function: takes an array, returns an array of the same shape.
ArrayFunction = Callable[[ndarray], ndarray]

#: The Δ used to draw "the" tangent: tiny, so the central difference is exact to the eye.
TANGENT_DELTA = 1e-5

# One colour per idea, the same in every plot.
COLOR_CURVE = "tab:blue"
COLOR_TANGENT = "tab:red"
COLOR_CENTRAL = "tab:green"
COLOR_FORWARD = "tab:orange"


def _new_figure(figsize: tuple[float, float]) -> Figure:
    """A new figure that pyplot does not keep: shown once as a cell's value, never piled up.

    It is made with pyplot and closed at once; making it loads the notebook's plotting
    backend, which is what teaches the notebook to show a returned figure as a picture.
    """
    fig = plt.figure(figsize=figsize, layout="constrained")
    plt.close(fig)
    return fig


def _new_axes(ax: Axes | None, figsize: tuple[float, float] = (6.4, 4.2)) -> tuple[Figure, Axes]:
    """``ax`` and its figure, or a new figure with one axes."""
    if ax is not None:
        return ax.get_figure(root=True), ax
    fig = _new_figure(figsize)
    return fig, fig.add_subplot()


def _at(func: ArrayFunction, a: float) -> float:
    """``func`` at the single point ``a``, as a Python float."""
    return float(np.asarray(func(np.array([a], dtype=float)))[0])


def _slope(func: ArrayFunction, a: float, delta: float = TANGENT_DELTA) -> float:
    """Central-difference slope of ``func`` at the single point ``a``."""
    return float(deriv(func, np.array([a], dtype=float), delta)[0])


def _math(name: str) -> str:
    """A function's name for mathtext: ``"sin"`` becomes ``\\mathrm{sin}``, ``"f"`` and ``"\\sigma"`` stay."""
    return f"\\mathrm{{{name}}}" if name.isalpha() and len(name) > 1 else name


def _pad_limits(values: ndarray, pad: float = 0.15) -> tuple[float, float]:
    """``(low, high)`` around the finite ``values``, with ``pad`` of their range added each side."""
    finite = values[np.isfinite(values)]
    low, high = float(finite.min()), float(finite.max())
    room = pad * (high - low) if high > low else 1.0
    return low - room, high + room


def plot_function_and_tangent(
    func: ArrayFunction,
    a: float,
    x: ndarray,
    delta: float | None = None,
    ax: Axes | None = None,
    *,
    name: str = "f",
    show_forward: bool = False,
    title: str | None = None,
) -> Figure:
    """The curve of ``func``, the point ``(a, f(a))``, its tangent and (optionally) secants.

    Args:
        func: an array function, shape ``(n,)`` to ``(n,)``.
        a: the point where the slope is taken.
        x: shape ``(n,)``, the points where the curve is drawn.
        delta: if given, also draw the central secant through ``(a - Δ, f(a - Δ))``
            and ``(a + Δ, f(a + Δ))``, whose slope is the central-difference estimate.
        ax: draw on this axes instead of a new figure.
        name: the function's name in the legend and title (``"f"``, ``"sin"``, ``"\\sigma"``, ...).
        show_forward: with ``delta``, also draw the forward secant through ``(a, f(a))``
            and ``(a + Δ, f(a + Δ))``.
        title: the title; a default one names the function and the point.

    Returns:
        The figure. The tangent's slope is a central difference with Δ = 1e-5.
    """
    name = _math(name)
    fig, ax = _new_axes(ax)
    x = np.asarray(x, dtype=float)
    y = np.asarray(func(x), dtype=float)
    fa = _at(func, a)
    ax.set_ylim(*_pad_limits(np.append(y, fa)))  # lines below may not stretch the view
    ax.set_xlim(float(x.min()), float(x.max()))
    ax.set_autoscale_on(False)

    ax.plot(x, y, color=COLOR_CURVE, lw=2, label=f"${name}(x)$")
    slope = _slope(func, a)
    ax.plot(x, fa + slope * (x - a), color=COLOR_TANGENT, lw=1.5, label=f"tangent, slope {slope:.4f}")

    if delta is not None:
        lo, hi = a - delta, a + delta
        f_lo, f_hi = _at(func, lo), _at(func, hi)
        central = (f_hi - f_lo) / (2 * delta)
        ax.plot(x, f_lo + central * (x - lo), color=COLOR_CENTRAL, lw=1.5, ls="--",
                label=f"central secant, slope {central:.4f}")
        ax.plot([lo, hi], [f_lo, f_hi], "o", color=COLOR_CENTRAL, ms=6)
        if show_forward:
            forward = (f_hi - fa) / delta
            ax.plot(x, fa + forward * (x - a), color=COLOR_FORWARD, lw=1.5, ls=":",
                    label=f"forward secant, slope {forward:.4f}")
        ax.axvspan(lo, hi, color=COLOR_CENTRAL, alpha=0.08, lw=0)

    ax.plot([a], [fa], "o", color="black", ms=7, zorder=5, label=f"$(a, {name}(a))$, $a$ = {a:g}")
    ax.set_xlabel("input $x$")
    ax.set_ylabel(f"output ${name}(x)$")
    if title is None:
        title = f"Tangent to ${name}$ at $a$ = {a:g}"
        if delta is not None:
            title += f", secant with $\\Delta$ = {delta:g}"
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    return fig


def plot_nudge(
    func: ArrayFunction,
    a: float,
    delta: float,
    ax: Axes | None = None,
    *,
    name: str = "f",
    title: str | None = None,
) -> Figure:
    """"Pull the input up by Δ: how much does the output move?" as a picture.

    Zooms in on ``[a - Δ, a + 2Δ]`` and marks the nudge Δ along the input axis and
    the output's change ``f(a + Δ) - f(a)`` along the output axis, with their ratio.

    Args:
        func: an array function, shape ``(n,)`` to ``(n,)``.
        a: the input before the nudge.
        delta: the nudge Δ (> 0).
        ax: draw on this axes instead of a new figure.
        name: the function's name in labels (``"f"``, ``"sin"``, ...).
        title: the title; a default one names the nudge.

    Returns:
        The figure.
    """
    name = _math(name)
    fig, ax = _new_axes(ax)
    x = np.linspace(a - delta, a + 2 * delta, 200)
    fa, fb = _at(func, a), _at(func, a + delta)
    rise = fb - fa
    ax.plot(x, func(x), color=COLOR_CURVE, lw=2, label=f"${name}(x)$")
    ax.plot([a, a + delta], [fa, fb], "o", color="black", ms=6, zorder=5)
    # The run (horizontal) and the rise (vertical) of the nudge.
    ax.annotate("", xy=(a + delta, fa), xytext=(a, fa),
                arrowprops={"arrowstyle": "->", "color": COLOR_FORWARD, "lw": 2})
    ax.annotate("", xy=(a + delta, fb), xytext=(a + delta, fa),
                arrowprops={"arrowstyle": "->", "color": COLOR_TANGENT, "lw": 2})
    ax.text(a + delta / 2, fa, f"nudge $\\Delta$ = {delta:g}", color=COLOR_FORWARD,
            ha="center", va="top" if rise >= 0 else "bottom")
    ax.text(a + 1.05 * delta, fa + rise / 2, f"output moves\nby {rise:.4g}", color=COLOR_TANGENT,
            ha="left", va="center")
    ax.set_xlabel("input $x$")
    ax.set_ylabel(f"output ${name}(x)$")
    ax.set_title(title or f"Nudge the input: output change / input change = {rise / delta:.4g}")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize="small")
    return fig


def plot_difference_errors(
    func: ArrayFunction,
    dfunc: ArrayFunction,
    a: float,
    deltas: ndarray,
    ax: Axes | None = None,
    *,
    name: str = "f",
    reference_lines: bool = True,
    title: str | None = None,
) -> Figure:
    """Log-log plot of ``|estimate - exact|`` against Δ for the forward and central differences.

    From right to left, both errors first fall (truncation error: a straight line of
    slope 1 for the forward difference, slope 2 for the central one), then rise
    again (floating-point round-off, growing like ``1/Δ``). The best Δ of each,
    where its error is smallest, is marked.

    Args:
        func: an array function, shape ``(n,)`` to ``(n,)``.
        dfunc: its exact derivative, same shapes.
        a: the point where the slope is estimated.
        deltas: shape ``(m,)``, positive Δ values (``np.logspace(-15, 0, 151)`` works well).
        ax: draw on this axes instead of a new figure.
        name: the function's name in the title.
        reference_lines: also draw dashed lines ``∝ Δ`` and ``∝ Δ²`` (matched to the
            errors at the Δ nearest 0.01) and a dotted round-off line ``∝ ε/Δ``.
        title: the title; a default one names the function and the point.

    Returns:
        The figure.
    """
    name = _math(name)
    fig, ax = _new_axes(ax, figsize=(10.0, 4.8))
    deltas = np.sort(np.asarray(deltas, dtype=float))
    point = np.array([a], dtype=float)
    exact = float(np.asarray(dfunc(point))[0])
    with np.errstate(all="ignore"):
        errors = {
            "forward": np.array([abs(float(forward_deriv(func, point, d)[0]) - exact) for d in deltas]),
            "central": np.array([abs(float(deriv(func, point, d)[0]) - exact) for d in deltas]),
        }
    tiny = np.finfo(float).tiny  # an error of exactly 0 cannot be drawn on a log axis
    styles = {
        "forward": (COLOR_FORWARD, "forward $(f(a+\\Delta)-f(a))\\,/\\,\\Delta$"),
        "central": (COLOR_CENTRAL, "central $(f(a+\\Delta)-f(a-\\Delta))\\,/\\,2\\Delta$"),
    }
    best_delta: dict[str, float] = {}
    for key, err in errors.items():
        color, label = styles[key]
        shown = np.where(err > 0, err, np.nan)
        ax.loglog(deltas, shown, ".-", color=color, lw=1.2, ms=3, label=label)
        best = int(np.nanargmin(np.where(err > tiny, err, np.nan)))
        best_delta[key] = float(deltas[best])
        ax.plot(deltas[best], err[best], "*", color=color, ms=15, mec="black", zorder=5,
                label=f"best {key}: $\\Delta$ ≈ {deltas[best]:.0e}, error {err[best]:.0e}")

    if reference_lines:
        i = int(np.argmin(np.abs(np.log10(deltas) + 2)))  # the Δ nearest 1e-2: truncation dominates
        d0 = deltas[i]
        for key, power, label in (("forward", 1, "truncation $\\propto \\Delta$ (slope 1)"),
                                  ("central", 2, "truncation $\\propto \\Delta^2$ (slope 2)")):
            if errors[key][i] > 0:
                near = deltas >= best_delta[key] / 30  # only where truncation matters
                ax.loglog(deltas[near], errors[key][i] * (deltas[near] / d0) ** power, "--",
                          color=styles[key][0], lw=1.2, alpha=0.8, label=label)
        eps = np.finfo(float).eps
        scale = max(abs(_at(func, a)), 1e-300)
        small = deltas <= 1e-3
        ax.loglog(deltas[small], eps * scale / deltas[small], ":", color="gray", lw=1.5,
                  label="round-off $\\propto \\varepsilon / \\Delta$ (slope −1)")

    finite = np.concatenate([e[e > 0] for e in errors.values()])
    if finite.size:
        ax.set_ylim(max(finite.min() / 10, 1e-18), finite.max() * 10)
    ax.set_xlabel("step $\\Delta$ (log scale)")
    ax.set_ylabel("|estimate − exact slope| (log scale)")
    ax.set_title(title or f"Error of the slope of ${name}$ at $a$ = {a:g}: truncation vs round-off")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize="small", borderaxespad=0)
    return fig


def plot_function_and_derivative(
    func: ArrayFunction,
    dfunc_estimate: ndarray | ArrayFunction,
    x: ndarray,
    dfunc_exact: ArrayFunction | None = None,
    *,
    name: str = "f",
    title: str | None = None,
) -> Figure:
    """Two panels: the function (left) and its estimated slope over the exact one (right).

    Args:
        func: an array function, shape ``(n,)`` to ``(n,)``.
        dfunc_estimate: the estimated slopes at ``x``, shape ``(n,)``, or an array
            function that returns them (e.g. ``lambda x: deriv(func, x)``).
        x: shape ``(n,)``, the points along the horizontal axis.
        dfunc_exact: the exact derivative, drawn as a line under the estimate
            when given; the title then shows the largest difference.
        name: the function's name in labels (``"f"``, ``"sin"``, ...).
        title: a title over both panels.

    Returns:
        The figure.
    """
    name = _math(name)
    x = np.asarray(x, dtype=float)
    estimate = np.asarray(dfunc_estimate(x) if callable(dfunc_estimate) else dfunc_estimate, dtype=float)
    if estimate.shape != x.shape:
        raise ValueError(f"dfunc_estimate must give one slope per point: expected shape {x.shape}, got {estimate.shape}")
    fig = _new_figure((10.0, 3.8))
    left, right = fig.subplots(1, 2)

    left.plot(x, func(x), color=COLOR_CURVE, lw=2)
    left.set_title(f"The function ${name}(x)$")
    left.set_xlabel("input $x$")
    left.set_ylabel(f"${name}(x)$")

    right_title = f"Its slope ${name}'(x)$"
    if dfunc_exact is not None:
        exact = np.asarray(dfunc_exact(x), dtype=float)
        right.plot(x, exact, color="black", lw=4, alpha=0.25, label="exact derivative")
        right_title += f": largest difference {np.max(np.abs(estimate - exact)):.1e}"
    right.plot(x, estimate, ".", color=COLOR_TANGENT, ms=4, label="numerical estimate")
    right.set_title(right_title)
    right.set_xlabel("input $x$")
    right.set_ylabel(f"slope ${name}'(x)$")
    right.legend(loc="best", fontsize="small")
    for ax in (left, right):
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    return fig
