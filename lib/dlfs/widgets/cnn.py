"""Chapter 08's explorer: edit a 3 × 3 kernel and watch the feature map it makes of a digit.

:func:`kernel_explorer` shows nine number boxes (the kernel), a menu of presets (:data:`KERNEL_PRESETS`:
edges, blur, sharpen, ...) and a slider that picks the image; below them the image, the kernel and the
"same"-padded feature map, redrawn at every change (:func:`dlfs.draw.convolutions.plot_kernel_on_image`).
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
from numpy import ndarray

from dlfs.draw.convolutions import plot_kernel_on_image
from dlfs.widgets import show_figure

#: 3 × 3 kernels by name. Edges: positive on one side, negative on the other, adding up to 0 (a flat patch gives 0).
KERNEL_PRESETS: dict[str, ndarray] = {
    "identity": np.array([[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]),
    "edge: left to right (vertical edges)": np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]),
    "edge: top to bottom (horizontal edges)": np.array([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]]),
    "edge: all directions (outline)": np.array([[-1.0, -1.0, -1.0], [-1.0, 8.0, -1.0], [-1.0, -1.0, -1.0]]),
    "blur": np.full((3, 3), 1.0 / 9.0),
    "sharpen": np.array([[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]]),
}


def kernel_explorer(images: ndarray, preset: str = "edge: left to right (vertical edges)", index: int = 0) -> widgets.VBox:
    """Nine boxes for a 3 × 3 kernel, a preset menu and an image slider, over the image, kernel and feature map.

    Args:
        images: the images to choose from, ``(n, h, w)`` (e.g. digits reshaped to 8 × 8).
        preset: the kernel to start with, a key of :data:`KERNEL_PRESETS`.
        index: the image to start with.

    Returns:
        The widget box; end a notebook cell with it to show it.
    """
    images = np.asarray(images, dtype=float)
    if images.ndim != 3:
        raise ValueError(f"images must be (n, height, width); received shape {images.shape}")
    if preset not in KERNEL_PRESETS:
        raise ValueError(f"preset must be one of {sorted(KERNEL_PRESETS)}; received {preset!r}")
    style = {"description_width": "initial"}
    boxes = [widgets.FloatText(value=float(v), step=0.5, layout=widgets.Layout(width="72px"))
             for v in KERNEL_PRESETS[preset].ravel()]
    grid = widgets.GridBox(boxes, layout=widgets.Layout(grid_template_columns="repeat(3, 76px)"))
    menu = widgets.Dropdown(options=list(KERNEL_PRESETS), value=preset, description="preset", style=style,
                            layout=widgets.Layout(width="380px"))
    picker = widgets.IntSlider(value=index, min=0, max=len(images) - 1, description="image", style=style)
    readout = widgets.HTML()
    picture = widgets.Output()
    loading = {"preset": False}  # while a preset fills the boxes, their nine changes draw nothing

    def kernel() -> ndarray:
        return np.array([box.value for box in boxes], dtype=float).reshape(3, 3)

    def redraw(_change: object = None) -> None:
        if loading["preset"]:
            return
        k = kernel()
        readout.value = (f"kernel weights add up to <b>{k.sum():.3g}</b> "
                         f"({'a flat patch of the image gives 0' if abs(k.sum()) < 1e-9 else 'a flat patch is scaled by that'})")
        show_figure(picture, plot_kernel_on_image(images[picker.value], k,
                                                  title=f"Image {picker.value}: the kernel slid over every pixel"))

    def load(_change: object = None) -> None:
        loading["preset"] = True
        try:
            for box, value in zip(boxes, KERNEL_PRESETS[menu.value].ravel()):
                box.value = float(value)
        finally:
            loading["preset"] = False
        redraw()

    for box in boxes:
        box.observe(redraw, names="value")
    picker.observe(redraw, names="value")
    menu.observe(load, names="value")
    redraw()
    controls = widgets.VBox([menu, picker, widgets.HTML("kernel (edit any number):"), grid])
    return widgets.VBox([controls, readout, picture])
