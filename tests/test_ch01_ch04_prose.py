"""The numbers chapters 01-04 quote in their prose are the numbers their code computes.

Each test recomputes a quoted number the way the notebook's cell does (with the course
library, the same inputs and steps) and asserts that the text of the solution notebook
quotes exactly that number. Editing the code or the prose without the other fails here.
"""

from __future__ import annotations

import nbformat
import numpy as np
from conftest import solution_path

from dlfs.functions import sigmoid


def _text(chapter: str) -> str:
    """Every cell's source of the chapter's solution notebook (markdown, code, hidden tests), joined."""
    nb = nbformat.read(str(solution_path(chapter)), as_version=4)
    return "\n".join(cell.source for cell in nb.cells)


def _sci(value: float) -> str:
    """``6 \\times 10^{-13}``: one significant digit, as the prose writes it."""
    mantissa, exponent = f"{value:.0e}".split("e")
    return f"{mantissa} \\times 10^{{{int(exponent)}}}"


def _dsigmoid(a: float) -> float:
    s = float(sigmoid(np.array([a]))[0])
    return s * (1 - s)


def test_ch01_quotes_the_sigmoid_and_tanh_values_it_computes() -> None:
    text = _text("01_functions")
    assert f"\\sigma(2.25) \\approx {float(sigmoid(np.array([2.25]))[0]):.3f}" in text
    assert f"$\\sigma(2) \\approx {float(sigmoid(np.array([2.0]))[0]):.4f}$" in text
    assert f"≈ {np.tanh(1.0):.4f}" in text  # the explanation of question 4


def test_ch02_quotes_the_ratios_slopes_and_errors_it_measures() -> None:
    text = _text("02_derivatives")
    ratios = [((3.0 + d) ** 2 - 9.0) / d for d in (0.5, 0.1, 0.01, 0.001)]
    assert "$" + "$, $".join(f"{r:.4g}" for r in ratios) + "$ printed above" in text
    assert f"\\cos 1 \\approx {np.cos(1.0):.4f}" in text
    assert f"(exact: about {np.cos(1.0) * 1e-15:.2e})" in text

    # section 5's experiment, exactly as its cell runs it
    deltas = np.logspace(-15, 0, 151)
    with np.errstate(all="ignore"):
        forward = np.array([abs((np.sin(1.0 + d) - np.sin(1.0)) / d - np.cos(1.0)) for d in deltas])
        central = np.array([abs((np.sin(1.0 + d) - np.sin(1.0 - d)) / (2 * d) - np.cos(1.0)) for d in deltas])
    for errors in (central, forward):
        best = int(np.argmin(errors))
        assert f"about ${_sci(errors[best])}$" in text and f"\\Delta \\approx {_sci(deltas[best])}$" in text
    at_default = abs((np.sin(1.001) - np.sin(0.999)) / 0.002 - np.cos(1.0))
    assert f"error of about\n  ${_sci(at_default)}$" in text

    # the partial derivatives of f(x0, x1) = x0² + x0·x1 + 2·x1² at (1, 0.5), and question 3's round-off
    x0, x1 = 1.0, 0.5
    assert f"\\frac{{\\partial f}}{{\\partial x_0}} = {2 * x0 + x1:g},\\quad \\frac{{\\partial f}}{{\\partial x_1}} = {x0 + 4 * x1:g}" in text
    round_off = abs((np.sin(1 + 1e-14) - np.sin(1 - 1e-14)) / 2e-14 - np.cos(1.0))
    assert f"({round_off:.0e}".replace("e-03", " × 10⁻³") in text


def test_ch03_quotes_the_local_slopes_it_computes() -> None:
    text = _text("03_chain_rule")
    assert f"\\sigma'(2.25) \\approx {_dsigmoid(2.25):.4f}$" in text
    assert f"the slope is about ${_dsigmoid(2.25) * 3.0:.3f}$" in text
    assert f"\\sigma'(a) = \\sigma'(1.5) \\approx {_dsigmoid(1.5):.3f}$" in text
    assert f"y = \\sigma(2.25) \\approx {float(sigmoid(np.array([2.25]))[0]):.3f}" in text


def test_ch04_quotes_the_sizes_it_counts() -> None:
    text = _text("04_matmul_gradients")
    n, k, m = 100, 1000, 100
    assert f"= 10^{round(np.log10(n * m * k))}$ multiplications" in text
    assert f"= 10^{round(np.log10(n * m * n * k))}$ stored numbers" in text
    assert f"expected={float(n * m * n * k)!r}" in text  # question 3's key
