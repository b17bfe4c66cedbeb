"""Chapter 03 explorer: nudge the input of a chain of boxes, watch each box scale the nudge.

    from dlfs.widgets.chain_rule import nudge_explorer
    nudge_explorer()          # last line of a notebook cell: the widget shows

Each box multiplies a small nudge by its local slope; the whole chain multiplies it
by the product of those slopes. The explorer shows both: the product of the slopes
and the nudge actually measured at the output, ``(out(x + ε) - out(x)) / ε``.
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure
from numpy import ndarray

from dlfs import functions as F
from dlfs.derivatives import deriv
from dlfs.draw.graphs import nudge_diagram
from dlfs.widgets import show_figure

ArrayFunction = Callable[[ndarray], ndarray]

#: The dropdown's chains: label -> the boxes, first applied first, as (name in the box, function).
CHAINS: dict[str, tuple[tuple[str, ArrayFunction], ...]] = {
    "square → sigmoid": (("square", F.square), ("sigmoid", F.sigmoid)),
    "sigmoid → square": (("sigmoid", F.sigmoid), ("square", F.square)),
    "times 3 → times −2": (("× 3", lambda x: 3.0 * x), ("× (−2)", lambda u: -2.0 * u)),
    "sin → cube": (("sin", np.sin), ("cube", lambda u: u**3)),
    "square → sigmoid → tanh": (("square", F.square), ("sigmoid", F.sigmoid), ("tanh", np.tanh)),
}

#: The step of the central difference that gives each box's local slope (tiny: exact to the eye).
SLOPE_DELTA = 1e-5


def _wires(boxes: tuple[tuple[str, ArrayFunction], ...], x: float) -> list[float]:
    """The value on every wire for input ``x``: ``[x, f1(x), f2(f1(x)), ...]``."""
    values = [float(x)]
    for _, f in boxes:
        values.append(float(np.asarray(f(np.array([values[-1]])))[0]))
    return values


def nudge_numbers(chain: str, x: float, epsilon: float) -> dict[str, list[float] | float]:
    """Everything the explorer shows, for the chain named ``chain`` (a key of :data:`CHAINS`).

    Returns:
        ``before`` and ``after``: the wire values for the input ``x`` and ``x + epsilon``;
        ``slopes``: each box's local slope at the value that entered it;
        ``product``: the product of the slopes; ``measured``: ``(out(x + ε) - out(x)) / ε``.
    """
    boxes = CHAINS[chain]
    before, after = _wires(boxes, x), _wires(boxes, x + epsilon)
    slopes = [float(deriv(f, np.array([v]), SLOPE_DELTA)[0]) for (_, f), v in zip(boxes, before[:-1])]
    return {"before": before, "after": after, "slopes": slopes, "product": float(np.prod(slopes)),
            "measured": (after[-1] - before[-1]) / epsilon}


def draw_nudge(chain: str = "square → sigmoid", x: float = 1.0, epsilon: float = 0.01) -> Figure:
    """The boxes of ``chain`` with the wire values before and after the nudge ``epsilon``, and the local slopes."""
    numbers = nudge_numbers(chain, x, epsilon)
    labels = [name for name, _ in CHAINS[chain]]
    return nudge_diagram(labels, numbers["before"], numbers["after"], numbers["slopes"],  # type: ignore[arg-type]
                         title=f"{chain} at x = {x:g}, nudged by ε = {epsilon:.3g}")


def nudge_readout(chain: str = "square → sigmoid", x: float = 1.0, epsilon: float = 0.01) -> str:
    """One HTML paragraph: what each box does to the nudge, their product, and what is measured."""
    numbers = nudge_numbers(chain, x, epsilon)
    slopes: list[float] = numbers["slopes"]  # type: ignore[assignment]
    parts = [f"box {k} scales the nudge by <b>{s:.4g}</b>" if k == 1 else f"box {k} by <b>{s:.4g}</b>"
             for k, s in enumerate(slopes, start=1)]
    factors = " × ".join(f"({s:.4g})" if s < 0 else f"{s:.4g}" for s in slopes)
    product, measured = float(numbers["product"]), float(numbers["measured"])  # type: ignore[arg-type]
    return (
        f"{', '.join(parts)}, the whole chain by {factors} = <b>{product:.4g}</b> (product) — "
        f"measured: Δout/ε = <b>{measured:.4g}</b> &nbsp;(difference {abs(measured - product):.1e}; "
        "it shrinks with ε)"
    )




def nudge_explorer(chain: str = "square → sigmoid", x: float = 1.0, epsilon: float = 0.1) -> widgets.VBox:
    """A dropdown of chains, sliders for the input ``x`` and the nudge ε, the box diagram and a readout.

    Args:
        chain: the chain shown first, a key of :data:`CHAINS`.
        x: the starting input; the slider spans -2 to 2.
        epsilon: the starting nudge; the ε slider is logarithmic, from 0.0001 to 1.

    Returns:
        The widget box; end a notebook cell with it to show it. Every change redraws
        the diagram in an ``ipywidgets.Output``.
    """
    if chain not in CHAINS:
        raise ValueError(f"chain must be one of {list(CHAINS)}; got {chain!r}")
    style = {"description_width": "initial"}
    pick = widgets.Dropdown(options=list(CHAINS), value=chain, description="chain", style=style)
    x_slider = widgets.FloatSlider(value=x, min=-2.0, max=2.0, step=0.05, description="input x", style=style,
                                   continuous_update=False)
    eps_slider = widgets.FloatLogSlider(value=epsilon, base=10, min=-4, max=0, step=0.1, description="nudge ε",
                                        readout_format=".3g", style=style, continuous_update=False)
    readout = widgets.HTML()
    picture = widgets.Output()

    def redraw(_change: object = None) -> None:
        readout.value = nudge_readout(pick.value, x_slider.value, eps_slider.value)
        show_figure(picture, draw_nudge(pick.value, x_slider.value, eps_slider.value))

    for control in (pick, x_slider, eps_slider):
        control.observe(redraw, names="value")
    redraw()
    return widgets.VBox([widgets.HBox([pick, x_slider, eps_slider]), readout, picture])
