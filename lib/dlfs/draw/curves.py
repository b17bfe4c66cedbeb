"""Plots of functions: curves, tangents, nudges, slopes, and how accurate a numerical slope is.

Helpers that draw one panel take an optional ``ax``; without one they make a new
figure. Every figure has a title and labelled axes.

- :func:`plot_functions` -- several functions of ``x`` on one plot (chapter 01).
- :func:`plot_function_and_tangent`, :func:`plot_nudge`, :func:`plot_difference_errors`,
  :func:`plot_function_and_derivative` -- slopes and their numerical estimates (chapter 02).
- :func:`plot_composite_and_slope` -- a composite, and its slope by the chain rule (chapter 03).
- :func:`plot_softmax_bars`, :func:`plot_loss_against_probability`, :func:`plot_gradient_against_logit`,
  :func:`plot_float64_range` -- softmax and cross-entropy (chapter 06).
- :func:`plot_output_gradients`, :func:`plot_decay_schedules` -- saturation and learning-rate schedules (chapter 07).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy import ndarray

from dlfs.derivatives import deriv, forward_deriv
from dlfs.draw.canvas import VALUE_COLOR, Diagram, new_axes, new_figure
from dlfs.functions import sigmoid
from dlfs.nn.optim import exponential_decay, linear_decay


def plot_functions(funcs: Mapping[str, Callable[[ndarray], ndarray]], x: ndarray, title: str,
                   xlabel: str = "input x", ylabel: str = "output f(x)",
                   ylim: tuple[float, float] | None = None, figsize: tuple[float, float] = (7.0, 4.2)) -> Figure:
    """Plot each function in ``funcs`` (legend label -> function) over the 1-D array ``x`` on one axes.

    Thin grey lines mark ``x = 0`` and ``y = 0``. Returns the figure.
    """
    fig = Diagram(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    ax.axhline(0.0, color="grey", linewidth=0.8)
    ax.axvline(0.0, color="grey", linewidth=0.8)
    for name, func in funcs.items():
        ax.plot(x, func(x), linewidth=2.2, label=name)
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


def plot_composite_and_slope(x: ndarray, values: ndarray, chain_rule_slopes: ndarray, direct_slopes: ndarray, *,
                             name: str = "f(x)", title: str | None = None) -> Figure:
    """Two panels: a composite function (left); its slope by the chain rule over a direct numerical slope (right).

    Args:
        x: shape ``(n,)``, the inputs along the horizontal axis.
        values: shape ``(n,)``, the composite function at ``x``.
        chain_rule_slopes: shape ``(n,)``, the slope from the chain rule (drawn as dots).
        direct_slopes: shape ``(n,)``, the slope of the composite measured directly
            (e.g. ``deriv`` of the whole function; drawn as a wide grey line).
        name: the composite's formula for the labels, e.g. ``"σ(x²)"``.
        title: a title over both panels.

    Returns:
        The figure; the right panel's title gives the largest difference between the two slopes.
    """
    arrays = {"values": values, "chain_rule_slopes": chain_rule_slopes, "direct_slopes": direct_slopes}
    for label, arr in arrays.items():
        if np.shape(arr) != np.shape(x):
            raise ValueError(f"{label} must have the shape of x, {np.shape(x)}; got {np.shape(arr)}")
    fig = Diagram(figsize=(10.0, 3.8), layout="constrained")
    left, right = fig.subplots(1, 2)
    left.plot(x, values, linewidth=2.2)
    left.set_title(f"The composite {name}")
    left.set_xlabel("input x")
    left.set_ylabel(f"output {name}")
    right.plot(x, direct_slopes, color="black", linewidth=5, alpha=0.25, label="direct: deriv of the whole function")
    right.plot(x, chain_rule_slopes, ".", color=VALUE_COLOR, markersize=5, label="chain rule: product of local slopes")
    gap = float(np.max(np.abs(np.asarray(chain_rule_slopes) - np.asarray(direct_slopes))))
    right.set_title(f"Its slope: largest difference {gap:.1e}")
    right.set_xlabel("input x")
    right.set_ylabel(f"slope d/dx {name}")
    right.legend(loc="best", fontsize="small")
    for ax in (left, right):
        ax.axhline(0.0, color="grey", linewidth=0.8)
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    return fig


#: An array function: takes an array, returns an array of the same shape.
ArrayFunction = Callable[[ndarray], ndarray]


#: The Δ used to draw "the" tangent: tiny, so the central difference is exact to the eye.
TANGENT_DELTA = 1e-5


# One colour per idea, the same in every plot.
COLOR_CURVE = "tab:blue"


COLOR_TANGENT = "tab:red"


COLOR_CENTRAL = "tab:green"


COLOR_FORWARD = "tab:orange"


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
    fig, ax = new_axes(ax)
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
    fig, ax = new_axes(ax)
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
    fig, ax = new_axes(ax, figsize=(10.0, 4.8))
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
    fig = new_figure((10.0, 3.8))
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


#: float64: np.exp(x) is inf above this and exactly 0 below EXP_UNDERFLOW.
EXP_OVERFLOW = float(np.log(np.finfo(np.float64).max))  # 709.78...


EXP_UNDERFLOW = float(np.log(np.finfo(np.float64).smallest_subnormal))  # -744.44...


def _plot(figsize: tuple[float, float] = (6.6, 4.2), ncols: int = 1) -> tuple[Diagram, list[Axes]]:
    fig = Diagram(figsize=figsize, layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, ncols)).tolist()
    return fig, axes


def plot_softmax_bars(logits: ndarray, title: str | None = None) -> Diagram:
    """Two bar charts for one row: the logits ``z`` (any real numbers), and ``softmax(z)`` (positive, summing to 1)."""
    z = np.asarray(logits, dtype=float).ravel()
    e = np.exp(z - z.max())
    p = e / e.sum()
    fig, (left, right) = _plot((9.0, 3.4), ncols=2)
    classes = np.arange(z.size)
    left.bar(classes, z, color="tab:blue")
    left.axhline(0, color="grey", linewidth=0.8)
    left.set_title("logits z: any real numbers")
    left.set_xlabel("class j")
    left.set_ylabel("logit $z_j$")
    right.bar(classes, p, color="tab:orange")
    for j, v in zip(classes, p):
        right.text(float(j), v + 0.01, f"{v:.2f}", ha="center", va="bottom", fontsize=8.5)
    right.set_ylim(0, min(1.1, p.max() + 0.12))
    right.set_title(f"softmax(z): positive, summing to {p.sum():.0f}")
    right.set_xlabel("class j")
    right.set_ylabel("probability $p_j$")
    for ax in (left, right):
        ax.set_xticks(classes)
        ax.grid(alpha=0.3, axis="y")
    fig.suptitle(title or "Softmax turns a row of logits into probabilities; the order is kept")
    return fig


def plot_softmax_temperature(logits: ndarray, temperature: float = 1.0, true_class: int = 0,
                             title: str | None = None) -> Diagram:
    """The probabilities ``softmax(z / T)`` of one row of logits as bars, the true class in orange, with the
    probabilities at ``T = 1`` outlined for comparison; the title gives the cross-entropy ``-log p_true``."""
    z = np.asarray(logits, dtype=float).ravel()
    if temperature <= 0:
        raise ValueError(f"the temperature must be positive; received {temperature}")
    if not 0 <= true_class < z.size:
        raise ValueError(f"true_class must be in 0 .. {z.size - 1}; received {true_class}")

    def probabilities(t: float) -> ndarray:
        e = np.exp((z - z.max()) / t)
        return e / e.sum()

    p, p1 = probabilities(temperature), probabilities(1.0)
    fig, (ax,) = _plot((6.6, 3.8))
    classes = np.arange(z.size)
    colors = ["tab:orange" if j == true_class else "tab:blue" for j in classes]
    ax.bar(classes, p, color=colors, alpha=0.85, label=f"softmax(z / T), T = {temperature:.3g}")
    ax.bar(classes, p1, fill=False, edgecolor="black", linestyle="--", linewidth=1.2, label="softmax(z), T = 1")
    for j, v in zip(classes, p):
        ax.text(float(j), v + 0.015, f"{v:.2f}", ha="center", va="bottom", fontsize=8.5)
    ax.set_ylim(0, 1.12)
    ax.set_xticks(classes, [f"{j}\nz={v:.2g}" for j, v in zip(classes, z)])
    ax.set_xlabel("class j (and its logit); orange: the true class")
    ax.set_ylabel("probability $p_j$")
    ax.grid(alpha=0.3, axis="y")
    ax.legend(fontsize=8.5, loc="upper left")
    ax.set_title(title or f"cross-entropy of the true class: -log {p[true_class]:.3f} = {-np.log(p[true_class]):.3f}")
    return fig


def plot_loss_against_probability(k: int = 10, title: str | None = None) -> Diagram:
    """One observation's loss against ``p``, the probability given to the right class (the rest spread evenly
    over the other ``k - 1`` classes): cross-entropy ``-log p`` and squared error ``Σ_j (p_j - y_j)²``."""
    p = np.linspace(1e-3, 1.0, 400)
    fig, (ax,) = _plot()
    ax.plot(p, -np.log(p), linewidth=2.2, label="cross-entropy: -log p")
    ax.plot(p, (1 - p) ** 2 + (1 - p) ** 2 / (k - 1), linewidth=2.2, label=f"squared error over the {k} outputs")
    ax.set_ylim(0, 7)
    ax.set_title(title or "The loss of one observation against the probability of its right class")
    ax.set_xlabel("p, the probability given to the right class")
    ax.set_ylabel("loss of this observation")
    ax.grid(alpha=0.3)
    ax.legend()
    return fig


def plot_gradient_against_logit(k: int = 10, title: str | None = None) -> Diagram:
    """How hard the loss pushes the right class's logit ``z`` up, ``|∂L/∂z|``, against ``z`` (the other logits 0).

    Softmax cross-entropy: ``1 - p`` with ``p = e^z / (e^z + k - 1)``. Squared error on a sigmoid
    output: ``2 (1 - σ(z)) σ(z) (1 - σ(z))``, which vanishes when the output is confidently wrong.
    """
    z = np.linspace(-10, 10, 400)
    p = 1.0 / (1.0 + (k - 1) * np.exp(-z))
    s = 1.0 / (1.0 + np.exp(-z))
    fig, (ax,) = _plot()
    ax.plot(z, 1 - p, linewidth=2.2, label="softmax cross-entropy: 1 - p")
    ax.plot(z, 2 * (1 - s) * s * (1 - s), linewidth=2.2, label="squared error on a sigmoid output: 2(1 - σ)σ(1 - σ)")
    ax.axvspan(-10, -3, color="tab:red", alpha=0.08)
    ax.text(-6.5, 0.55, "confidently wrong:\nsquared error\nhardly pushes", ha="center", va="center", fontsize=9,
            color="tab:red")
    ax.set_title(title or "How hard each loss pushes the right class's logit up")
    ax.set_xlabel("z, the logit of the right class")
    ax.set_ylabel("|∂L/∂z|, the size of the gradient")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right", fontsize=8.5)
    return fig


def plot_float64_range(logits: ndarray, title: str | None = None) -> Diagram:
    """A row of logits before and after subtracting its max, on the number line of ``np.exp``'s argument:
    above about 709.8 ``np.exp`` overflows to inf, below about -744.4 it underflows to 0."""
    z = np.asarray(logits, dtype=float).ravel()
    shifted = z - z.max()
    lo = min(-1000.0, float(shifted.min()) - 100)
    hi = max(1000.0, float(z.max()) + 100)
    fig, (ax,) = _plot((8.6, 3.2))
    ax.axvspan(EXP_OVERFLOW, hi, color="tab:red", alpha=0.15, label=f"np.exp overflows to inf (x > {EXP_OVERFLOW:.1f})")
    ax.axvspan(lo, EXP_UNDERFLOW, color="tab:blue", alpha=0.12,
               label=f"np.exp underflows to 0 (x < {EXP_UNDERFLOW:.1f})")
    ax.scatter(z, np.ones_like(z), s=60, color="black", zorder=3)
    ax.scatter(shifted, np.zeros_like(z), s=60, color="tab:green", zorder=3)
    for a, b in zip(z, shifted):
        ax.annotate("", (b, 0.08), (a, 0.92), arrowprops={"arrowstyle": "->", "color": "grey", "lw": 0.8})
    ax.set_yticks([0, 1], ["z - max(z)", "z"])
    ax.set_ylim(-0.6, 1.6)
    ax.set_xlim(lo, hi)
    ax.set_title(title or "Subtracting the max moves every logit to 0 or below: np.exp cannot overflow")
    ax.set_xlabel("x, the argument given to np.exp")
    ax.set_ylabel("the logits of one row")
    ax.legend(loc="upper left", fontsize=8.5)
    ax.grid(alpha=0.3, axis="x")
    return fig


def plot_output_gradients(z: ndarray | None = None) -> Diagram:
    """For one output whose target is 1: the gradient with respect to its logit ``z``.

    Mean squared error after a sigmoid gives ``2 (σ(z) − 1) σ'(z)``, which vanishes when ``z`` is
    very negative (confidently wrong); cross-entropy after a sigmoid (or a softmax) gives
    ``σ(z) − 1``, which tends to −1 there: the wronger, the stronger the push.
    """
    z = np.linspace(-8, 8, 401) if z is None else np.asarray(z, dtype=np.float64)
    s = sigmoid(z)
    fig = Diagram(figsize=(7.0, 3.8), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(z, np.abs(2 * (s - 1) * s * (1 - s)), lw=2.2, label="mean squared error after σ: |2(σ(z) − 1)·σ'(z)|")
    ax.plot(z, np.abs(s - 1), lw=2.2, label="cross-entropy after σ (or softmax): |σ(z) − 1|")
    ax.axvspan(z[0], -3, color="tab:red", alpha=0.08)
    ax.text(-5.5, 0.55, "confidently wrong:\nMSE barely pushes", ha="center", fontsize=9, color="tab:red")
    ax.set_title("Target 1: how hard each loss pushes the output's logit z")
    ax.set_xlabel("logit z (the output before σ)")
    ax.set_ylabel("|∂L/∂z|")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", loc="upper right")
    return fig


def plot_decay_schedules(lr: float = 0.3, final_lr: float = 0.01, max_epochs: int = 100) -> Diagram:
    """Constant, linear and exponential learning rates over the epochs, on a linear and a log axis."""
    epochs = range(max_epochs)
    schedules = {
        "constant": np.full(max_epochs, lr),
        "linear": np.array([linear_decay(lr, final_lr, e, max_epochs) for e in epochs]),
        "exponential": np.array([exponential_decay(lr, final_lr, e, max_epochs) for e in epochs]),
    }
    fig = Diagram(figsize=(11.0, 3.8), layout="constrained")
    axes = fig.subplots(1, 2)
    for ax, log in zip(axes, (False, True)):
        for (label, values), style in zip(schedules.items(), (":", "--", "-")):
            ax.plot(epochs, values, style, lw=2.2, label=label)
        ax.set_xlabel("epoch (0 .. max_epochs − 1)")
        if log:
            ax.set_yscale("log")
            ax.set_ylabel("learning rate (log scale)")
            ax.set_title("Log scale: exponential decay is a straight line")
        else:
            ax.set_ylabel("learning rate")
            ax.set_title(f"From lr = {lr:g} to final_lr = {final_lr:g} in {max_epochs} epochs")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize="small")
    return fig
