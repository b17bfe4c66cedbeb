"""Chapter 07's pictures and its explorer: momentum, learning-rate decay, Glorot initialisation, dropout.

The explorer, :func:`momentum_explorer`, rolls two balls down the same long, narrow
bowl ``L(w) = ½ (a·w1² + b·w2²)`` (``a`` much smaller than ``b``): one by plain gradient
descent, one with momentum. Sliders set the learning rate and the momentum; the picture
shows both paths over the contour lines, and the loss after every step.

The other functions draw the chapter's static figures. Each returns a
:class:`dlfs.diagrams.Diagram` (a matplotlib ``Figure`` that Jupyter shows as a PNG) with
a title and labelled axes; none uses ``pyplot``, so all work headless.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Mapping, Sequence

import ipywidgets as widgets
import numpy as np
from IPython.display import Image, display
from matplotlib.axes import Axes
from matplotlib.patches import Circle
from numpy import ndarray

from dlfs.diagrams import EDGE_COLOR, WIRE_COLOR, Diagram
from dlfs.functions import sigmoid
from dlfs.optimizers import exponential_decay, linear_decay

#: The bowl's curvatures along w1 and w2: a valley 25 times steeper across than along.
CURVATURES: tuple[float, float] = (0.4, 10.0)
#: Where both balls start: far along the flat direction, a little up the steep side.
START: tuple[float, float] = (-9.0, 1.5)
#: A loss above this counts as "diverged": the path stops there.
DIVERGED = 1e6
COLOR_SGD = "tab:blue"
COLOR_MOMENTUM = "tab:red"


# ---------------------------------------------------------------- the bowl and the two balls


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
        and then one row per step: ``m = steps + 1``, fewer if the loss went above :data:`DIVERGED`
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
        if losses[-1] > DIVERGED:
            break
    return np.array(path), np.array(losses)


def _fmt_loss(value: float) -> str:
    return "diverged" if not np.isfinite(value) or value > DIVERGED else f"{value:.2g}"


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
        shown = np.minimum(losses, DIVERGED * 10)
        bottom.semilogy(np.arange(len(losses)), np.maximum(shown, 1e-12), ".-", color=color, lw=1.3, ms=4,
                        label=f"{label}: {_fmt_loss(float(losses[-1]))} after {len(losses) - 1} steps")
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


def _png(fig: Diagram) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    return buffer.getvalue()


def momentum_explorer(lr: float = 0.05, momentum: float = 0.9, steps: int = 60, *,
                      start: Sequence[float] = START, curvatures: Sequence[float] = CURVATURES) -> widgets.VBox:
    """Sliders for the learning rate, the momentum and the number of steps, over :func:`plot_momentum_paths`.

    Args:
        lr: the starting learning rate; the slider is logarithmic, 0.001 to 0.5
            (plain gradient descent diverges above 2 / b = 0.2 on the default bowl).
        momentum: the starting momentum, 0 to 0.99.
        steps: the starting number of steps, 1 to 150.
        start, curvatures: the starting point and the bowl (see :func:`bowl_loss`).

    Returns:
        The widget box; end a notebook cell with it to show it.
    """
    style = {"description_width": "initial"}
    rate = widgets.FloatLogSlider(value=lr, base=10, min=-3, max=np.log10(0.5), step=0.02,
                                  description="learning rate η", readout_format=".3g", style=style)
    mu = widgets.FloatSlider(value=momentum, min=0.0, max=0.99, step=0.01, description="momentum μ",
                             readout_format=".2f", style=style)
    n_steps = widgets.IntSlider(value=steps, min=1, max=150, description="steps", style=style)
    readout = widgets.HTML()
    picture = widgets.Output()

    def redraw(_change: object = None) -> None:
        _, sgd = momentum_path(rate.value, 0.0, n_steps.value, start, curvatures)
        _, mom = momentum_path(rate.value, mu.value, n_steps.value, start, curvatures)
        readout.value = (f"loss at the start <b>{sgd[0]:.3g}</b>; after {n_steps.value} steps: gradient descent "
                         f"<b>{_fmt_loss(float(sgd[-1]))}</b>, momentum {mu.value:.2f} <b>{_fmt_loss(float(mom[-1]))}</b>"
                         f" (lowest possible 0; a constant gradient makes the momentum ball {1 / (1 - mu.value):.3g} "
                         "times faster)")
        png = _png(plot_momentum_paths(rate.value, mu.value, n_steps.value, start=start, curvatures=curvatures))
        with picture:
            picture.clear_output(wait=True)
            display(Image(data=png, format="png"))

    for control in (rate, mu, n_steps):
        control.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox([rate, mu, n_steps]), readout, picture])


# ---------------------------------------------------------------- MSE vs cross-entropy at the output


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


# ---------------------------------------------------------------- learning-rate decay


def plot_decay_schedules(lr: float = 0.3, final_lr: float = 0.01, max_epochs: int = 100) -> Diagram:
    """Constant, linear and exponential learning rates over the epochs, on a linear and a log axis."""
    epochs = np.arange(max_epochs)
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


# ---------------------------------------------------------------- weight initialisation


def activation_spread(X: ndarray, init: str, layers: int = 6, width: int = 89, seed: int = 0) -> dict[str, ndarray]:
    """Run ``X`` ``(n, d)`` through ``layers`` tanh layers of ``width`` units (biases 0) and measure each layer.

    ``init`` is ``"standard"`` (weights ~ N(0, 1)) or ``"glorot"`` (N(0, 2 / (n_in + n_out))).

    Returns:
        ``{"std": ..., "saturated": ...}``, one value per layer: the standard deviation of the tanh
        inputs, and the fraction of units with ``|tanh| > 0.99`` (saturated: slope below 0.02).
    """
    from dlfs.initializers import INITIALIZERS

    rng = np.random.default_rng(seed)
    out = np.asarray(X, dtype=np.float64)
    stds, saturated = [], []
    for _ in range(layers):
        W = INITIALIZERS[init](out.shape[1], width, rng)
        N = out @ W
        out = np.tanh(N)
        stds.append(float(N.std()))
        saturated.append(float(np.mean(np.abs(out) > 0.99)))
    return {"std": np.array(stds), "saturated": np.array(saturated)}


def plot_activation_spread(X: ndarray, layers: int = 6, width: int = 89, seed: int = 0) -> Diagram:
    """Standard vs Glorot initialisation: the spread of the tanh inputs and the share of saturated units, per layer."""
    fig = Diagram(figsize=(11.0, 3.8), layout="constrained")
    left, right = fig.subplots(1, 2)
    depth = np.arange(1, layers + 1)
    for init, color in (("standard", "tab:orange"), ("glorot", "tab:green")):
        stats = activation_spread(X, init, layers, width, seed)
        label = "standard: N(0, 1)" if init == "standard" else "Glorot: N(0, 2 / (n_in + n_out))"
        left.semilogy(depth, stats["std"], "o-", color=color, lw=2, label=label)
        right.plot(depth, 100 * stats["saturated"], "o-", color=color, lw=2, label=label)
    left.axhline(1.0, color="grey", lw=1, ls="--")
    left.set_title(f"Spread of the tanh inputs, {layers} layers of {width} units")
    left.set_xlabel("layer")
    left.set_ylabel("standard deviation of X @ W (log scale)")
    right.set_title("Saturated units: |tanh| > 0.99, slope < 0.02")
    right.set_xlabel("layer")
    right.set_ylabel("saturated units (%)")
    right.set_ylim(-3, 103)
    for ax in (left, right):
        ax.set_xticks(depth)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize="small")
    return fig


# ---------------------------------------------------------------- dropout


def _network(ax: Axes, sizes: Sequence[int], kept: ndarray | None, keep_prob: float, title: str) -> None:
    """Circles in columns joined by lines; hidden units with ``kept == False`` greyed and crossed out."""
    xs = np.linspace(0.0, 6.0, len(sizes))
    top = max(sizes)
    columns = [np.arange(n)[::-1] - (n - 1) / 2 for n in sizes]
    alive = [np.ones(n, dtype=bool) for n in sizes]
    if kept is not None:
        alive[1] = np.asarray(kept, dtype=bool)
    for c in range(len(sizes) - 1):
        for i, y0 in enumerate(columns[c]):
            for j, y1 in enumerate(columns[c + 1]):
                on = alive[c][i] and alive[c + 1][j]
                ax.plot([xs[c], xs[c + 1]], [y0, y1], color="#9db4cc" if on else "#eeeeee", lw=1.0 if on else 0.6,
                        zorder=1)
    for c, ys in enumerate(columns):
        for i, y in enumerate(ys):
            hidden = c == 1
            on = alive[c][i]
            face = ("#dbe9f6" if hidden else "#f3f3f3") if on else "#f7f7f7"
            ax.add_patch(Circle((xs[c], y), 0.3, facecolor=face, edgecolor=EDGE_COLOR if on else "#bbbbbb",
                                lw=1.5, zorder=2))
            if hidden and not on:
                ax.plot([xs[c] - 0.2, xs[c] + 0.2], [y - 0.2, y + 0.2], color="tab:red", lw=2, zorder=3)
                ax.plot([xs[c] - 0.2, xs[c] + 0.2], [y + 0.2, y - 0.2], color="tab:red", lw=2, zorder=3)
            elif hidden and kept is not None:
                ax.text(xs[c] + 0.38, y, f"×1/{keep_prob:g}", fontsize=8, va="center", color="tab:green", zorder=3)
    names = ("inputs", "hidden units\n(dropout here)", "outputs")
    for c, x in enumerate(xs):
        ax.text(x, -(top / 2) - 0.2, names[c] if c < len(names) else "", ha="center", va="top", fontsize=9,
                color=WIRE_COLOR)
    ax.set_xlim(-0.8, 7.0)
    ax.set_ylim(-(top / 2) - 1.3, top / 2 + 0.2)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(title, fontsize=11)


def dropout_diagram(keep_prob: float = 0.6, seed: int = 1, sizes: Sequence[int] = (4, 7, 3), batch: int = 5) -> Diagram:
    """Three panels: one training pass (some hidden units dropped, the rest scaled by 1 / keep_prob),
    inference (every unit, nothing scaled), and the masks of a batch (one row of 0/1 per observation).

    The masks are drawn as the exercise draws them: ``np.random.default_rng(seed).random(shape) < keep_prob``.
    """
    masks = np.random.default_rng(seed).random((batch, sizes[1])) < keep_prob
    fig = Diagram(figsize=(13.0, 4.0), layout="constrained")
    a, b, c = fig.subplots(1, 3, width_ratios=(1.0, 1.0, 0.9))
    _network(a, sizes, masks[0], keep_prob,
             f"Training, observation 0: each hidden unit kept\nwith probability {keep_prob:g}, the kept ones ×1/{keep_prob:g}")
    _network(b, sizes, None, keep_prob, "Inference: every unit, nothing scaled\n(dropout is the identity)")
    c.imshow(np.where(masks, 0.35, 0.0), cmap="Greens", vmin=0.0, vmax=1.0, aspect="equal")
    for (i, j), m in np.ndenumerate(masks):
        c.text(j, i, "1" if m else "0", ha="center", va="center", fontsize=11, color="black" if m else "tab:red")
    c.set_xticks(range(sizes[1]))
    c.set_yticks(range(batch))
    c.set_xlabel("hidden unit")
    c.set_ylabel("observation (row of the batch)")
    c.set_title(f"The mask of a batch: rng.random(({batch}, {sizes[1]})) < {keep_prob:g}\n"
                f"(1 = kept; {int(masks.sum())} of {masks.size} kept)", fontsize=11)
    return fig


# ---------------------------------------------------------------- the experiment ladder


def plot_ladder(epochs: Sequence[int], validation_accuracy: Mapping[str, ndarray],
                test_accuracy: Mapping[str, ndarray], *, floor: float | None = None) -> Diagram:
    """The experiment ladder: validation accuracy during training, and test accuracy at the end.

    Args:
        epochs: the epochs at which the validation accuracy was measured.
        validation_accuracy: rung name -> array ``(seeds, len(epochs))`` of fractions; the mean over seeds is drawn.
        test_accuracy: rung name -> array ``(seeds,)`` of fractions; a dot per seed and a bar at their mean.
        floor: the lowest accuracy shown, in percent (default: a little below the second-worst rung), so
            that small differences between good rungs stay visible; a rung below it is marked at the
            bottom with its value.
    """
    names = list(validation_accuracy)
    colors = [f"C{i}" for i in range(len(names))]
    val = {n: 100 * np.mean(np.atleast_2d(validation_accuracy[n]), axis=0) for n in names}
    test = {n: 100 * np.atleast_1d(test_accuracy[n]) for n in names}
    if floor is None:
        lows = sorted(min(float(val[n].min()), float(test[n].min())) for n in names)
        floor = float(np.floor(lows[min(1, len(lows) - 1)] - 2.0))
    fig = Diagram(figsize=(12.5, 4.6), layout="constrained")
    left, right = fig.subplots(1, 2)
    for name, color in zip(names, colors):
        below = val[name].max() < floor
        label = f"{name} (below the axis: {val[name].min():.0f}-{val[name].max():.0f} %)" if below else name
        left.plot(epochs, val[name], "o-", color=color, lw=1.8, ms=4, label=label)
    left.set_ylim(floor, 100)
    left.set_title("Validation accuracy during training (mean over seeds)")
    left.set_xlabel("epoch")
    left.set_ylabel("validation accuracy (%)")
    left.grid(alpha=0.3)
    left.legend(fontsize="x-small", loc="lower right")
    for i, (name, color) in enumerate(zip(names, colors)):
        values = test[name]
        if values.mean() < floor:
            right.plot(i, floor + 0.3, "v", color=color, ms=12)
            right.text(i, floor + 0.9, f"{values.mean():.1f} %\n(below\nthe axis)", ha="center", va="bottom",
                       fontsize=8, color=color)
            continue
        right.plot([i - 0.3, i + 0.3], [values.mean()] * 2, color=color, lw=3)
        right.plot(np.full(values.shape, i), values, "o", color=color, ms=5, alpha=0.8)
        right.text(i, values.mean() + 0.25, f"{values.mean():.1f}", ha="center", va="bottom", fontsize=9)
    right.set_ylim(floor, 100)
    right.set_xlim(-0.6, len(names) - 0.4)
    right.set_xticks(np.arange(len(names)), [textwrap.fill(n, 13) for n in names], fontsize=8)
    right.set_title("Test accuracy after the last epoch (line: mean; dots: seeds)")
    right.set_xlabel("rung of the ladder (each adds one idea to the one on its left)")
    right.set_ylabel("test accuracy (%)")
    right.grid(alpha=0.3, axis="y")
    return fig
