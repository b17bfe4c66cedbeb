"""Chapter 05's pictures and its explorer: gradient descent on the loss surface of two weights.

The explorer, :func:`loss_surface_explorer`, fits ``ŷ = w1·x1 + w2·x2 + b`` with two
features of a data set by full-batch gradient descent and shows the path of
``(w1, w2)`` over the contour lines of the loss, next to the loss after every step.
A learning-rate slider shows the three regimes: too small crawls, about right
converges, too large diverges. The bias ``b`` is held at its best value, the mean
of ``y`` (exact when the features have mean 0, as standardized training features do),
so the surface has just two axes.

The other functions draw the chapter's static figures. Each returns a
:class:`dlfs.draw.canvas.Diagram` (a matplotlib ``Figure`` Jupyter shows as a PNG),
with a title and labelled axes; none uses ``pyplot``, so all work headless.

Shapes: ``X`` is ``(n, k)``, ``y`` is ``(n, 1)``, as in :mod:`dlfs.regression`.
"""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets
import numpy as np
from numpy import ndarray

from dlfs.draw.landscapes import best_weights, fmt_loss, gradient_descent_path, plot_gradient_descent, two_weight_loss
from dlfs.widgets import show_figure


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
        lowest = float(two_weight_loss(X2, y, best_weights(X2, y)))
        fig = plot_gradient_descent(X2, y, rate.value, n_steps.value, origin, names=(a, b))
        ratio = losses[-1] / lowest if np.isfinite(losses[-1]) else np.inf
        if not np.isfinite(losses[-1]) or losses[-1] > losses[0]:
            verdict = "diverged: each step jumps across the valley and lands higher than it started"
        elif ratio < 1.001:
            verdict = "converged: within 0.1 % of the lowest loss"
        else:
            verdict = "still on the way down: more steps, or a larger learning rate?"
        readout.value = (f"loss at the start <b>{losses[0]:,.1f}</b>, after {len(losses) - 1} steps "
                         f"<b>{fmt_loss(losses[-1])}</b>, lowest possible <b>{lowest:,.1f}</b>: {verdict}")
        show_figure(picture, fig)

    for control in (pick, rate, n_steps):
        control.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox([pick, rate, n_steps]), readout, picture])
