"""`dlfs check`: full marks on solutions, zero on blank notebooks, the right words for each mistake.

Every notebook here is executed in a real kernel with the grader's tests,
hidden ones included, exactly as a learner's self-check runs it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import CHAPTERS, ROOT, release_path, solution_path, with_answers, write_submission
from dlfs_autograder.cells import grade_id, is_test_cell
from dlfs_autograder.check import Report, check_notebook
from dlfs_autograder.timing import cell_seconds

DLFS = str(Path(sys.executable).parent / "dlfs")
CHECK_BUDGET_S = 20.0  # `dlfs check` on a chapter
TEST_CELL_BUDGET_S = 2.0  # one graded check


def _stderr_cells(report: Report) -> list[int]:
    return [
        i for i, cell in enumerate(report.executed.cells) if cell.cell_type == "code"
        for out in cell.get("outputs", []) if out.get("output_type") == "stream" and out.get("name") == "stderr"
    ]


@pytest.mark.notebook
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_solution_gets_full_marks_cleanly_within_budget(chapter: str) -> None:
    report = check_notebook(solution_path(chapter))
    failed = [(r.exercise, r.message) for r in report.results if r.earned < r.possible]
    assert not failed
    assert report.full_marks and report.problem == ""
    errors = [i for i, c in enumerate(report.executed.cells) for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == [], f"cells {errors} raised errors"
    assert _stderr_cells(report) == [], "a cell wrote to stderr (nbgrader scores a test cell with stderr zero)"
    assert report.seconds <= CHECK_BUDGET_S, f"dlfs check took {report.seconds:.1f} s"
    for cell in report.executed.cells:
        if is_test_cell(cell):
            seconds = cell_seconds(cell)
            assert seconds is not None and seconds <= TEST_CELL_BUDGET_S, f"{grade_id(cell)} took {seconds} s"


@pytest.mark.notebook
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_untouched_learner_notebook_scores_zero(chapter: str) -> None:
    report = check_notebook(release_path(chapter))
    assert report.results, "no graded exercises found"
    for r in report.results:
        assert r.earned == 0, r
        assert "not written yet" in r.message, r.message


@pytest.mark.notebook
def test_cli_reports_full_marks_and_zero_with_exit_codes() -> None:
    ok = subprocess.run([DLFS, "check", str(solution_path("02_derivatives"))], capture_output=True, text=True, cwd=ROOT)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Total: 3 / 3" in ok.stdout and "deriv" in ok.stdout
    blank = subprocess.run([DLFS, "check", str(release_path("02_derivatives"))], capture_output=True, text=True, cwd=ROOT)
    assert blank.returncode == 1
    assert "Total: 0 / 3" in blank.stdout and "not written yet" in blank.stdout
    assert "HIDDEN" not in blank.stdout and "HIDDEN_CASES" not in blank.stdout


# Mistaken submissions: grade_id -> code of the exercise cell; test grade_id -> (points, words in the message).
# None as the message means full marks are expected.
MISTAKEN = {
    "01_functions": [
        (
            {
                "square": "def square(x):\n    return 2 * x",
                "leaky_relu": "import numpy as np\ndef leaky_relu(x, alpha=0.01):\n    return np.maximum(x, 0)",
                "sigmoid": "import numpy as np\ndef sigmoid(x):\n    return 1 / (1 + np.exp(x))",
                "add_bias_rows": "def add_bias_rows(X, b):\n    return X + b",
            },
            {
                "test_square": (0, "derivative of x²"),
                "test_leaky_relu": (0, "plain ReLU"),
                "test_sigmoid": (0, "sign inside np.exp"),
                "test_add_bias_rows": (0, "should raise ValueError"),
            },
        ),
        (
            {
                "square": "def square(x):\n    return x * x",
                "leaky_relu": "import numpy as np\ndef leaky_relu(x, alpha=0.01):\n    return np.where(x > 0, x, 0.01 * x)",
                "sigmoid": "import numpy as np\ndef sigmoid(x):\n    return 1/1 + np.exp(-x)",
                "add_bias_rows": (
                    "def add_bias_rows(X, b):\n    if X.ndim != 2 or b.shape != (X.shape[1],):\n"
                    "        raise ValueError(f'bad shapes {X.shape} {b.shape}')\n    return X + b.sum()"
                ),
            },
            {
                "test_square": (None, None),
                "test_leaky_relu": (0, "use the `alpha` argument"),
                "test_sigmoid": (0, "parentheses"),
                "test_add_bias_rows": (0, "sum of b"),
            },
        ),
        (
            {
                "square": "def square(x):\n    x **= 2\n    return x",
                "leaky_relu": "import numpy as np\ndef leaky_relu(x, alpha=0.01):\n    return np.where(x > 0, alpha * x, x)",
                "sigmoid": "import numpy as np\ndef sigmoid(x):\n    return 1 / (1 + np.exp(-x))",
                "add_bias_rows": (
                    "import numpy as np\ndef add_bias_rows(X, b):\n    if np.ndim(X) != 2 or np.shape(b) != (np.shape(X)[1],):\n"
                    "        raise ValueError('b must have shape (n_features,)')\n    return X + b[np.newaxis, :]"
                ),
            },
            {
                "test_square": (0, "in place"),
                "test_leaky_relu": (0, "scaled the positive inputs"),
                "test_sigmoid": (None, None),
                "test_add_bias_rows": (None, None),
            },
        ),
    ],
    "02_derivatives": [
        ({"deriv": "def deriv(func, input_, delta=0.001):\n    return (func(input_ + delta) - func(input_)) / delta"},
         {"test_deriv": (0, "forward difference")}),
        ({"deriv": "def deriv(func, input_, delta=0.001):\n    return (func(input_ + delta) - func(input_ - delta)) / delta"},
         {"test_deriv": (0, "twice the expected")}),
        ({"deriv": (
            "def deriv(func, input_, delta=0.001):\n    h = delta\n"
            "    return (-func(input_ + 2*h) + 8*func(input_ + h) - 8*func(input_ - h) + func(input_ - 2*h)) / (12*h)"
        )}, {"test_deriv": (None, None)}),
        ({"deriv": "def deriv(func, input_):\n    return (func(input_ + 1e-3) - func(input_ - 1e-3)) / 2e-3"},
         {"test_deriv": (0, "raised TypeError")}),
    ],
    "03_chain_rule": [
        (
            {
                "chain_deriv_2": "from dlfs.derivatives import deriv\ndef chain_deriv_2(chain, input_range):\n"
                                 "    f1, f2 = chain\n    return deriv(f2, input_range) * deriv(f1, input_range)",
                "chain_deriv_3": "from dlfs.derivatives import deriv\ndef chain_deriv_3(chain, input_range):\n"
                                 "    f1, f2, f3 = chain\n    u = f1(input_range)\n"
                                 "    return deriv(f3, f2(u)) + deriv(f2, u) + deriv(f1, input_range)",
                "multiple_inputs_add_backward": "def multiple_inputs_add_backward(x, y, sigma):\n"
                                                "    return sigma(x + y), sigma(x + y)",
            },
            {
                "test_chain_deriv_2": (0, "evaluated the outer derivative at x"),
                "test_chain_deriv_3": (0, "added the local derivatives"),
                "test_multiple_inputs_add_backward": (0, "needs its derivative"),
            },
        ),
    ],
    "04_matmul_gradients": [
        (
            {
                "matmul_backward_first": "def matmul_backward_first(X, W):\n    return W.T",
                "matrix_function_backward_1": "def matrix_function_backward_1(X, W, sigma):\n    return W.T",
                "matrix_function_backward_sum_1": "def matrix_function_backward_sum_1(X, W, sigma):\n    return sigma(X @ W) @ W.T",
                "matrix_function_backward_sum_W": "from dlfs.derivatives import deriv\n"
                                                  "def matrix_function_backward_sum_W(X, W, sigma):\n    return deriv(sigma, X @ W).T @ X",
            },
            {
                "test_matmul_backward_first": (0, "one observation and one output only"),
                "test_matrix_function_backward_1": (0, "left out σ'(N)"),
                "test_matrix_function_backward_sum_1": (0, "needs σ'(N)"),
                "test_matrix_function_backward_sum_W": (0, "transpose"),
            },
        ),
    ],
    "05_linear_regression": [
        (
            {
                "forward_linear_regression": (
                    "import numpy as np\ndef forward_linear_regression(X_batch, y_batch, weights):\n"
                    "    if y_batch.ndim != 2 or X_batch.shape[0] != y_batch.shape[0] or X_batch.shape[1] != weights['W'].shape[0]:\n"
                    "        raise ValueError('shapes do not fit')\n"
                    "    N = X_batch @ weights['W']\n    P = N + weights['B']\n"
                    "    return float(np.sum((P - y_batch) ** 2)), {'X': X_batch, 'N': N, 'P': P, 'y': y_batch}"
                ),
                "loss_gradients": (
                    "def loss_gradients(forward_info, weights):\n    dP = 2 * (forward_info['P'] - forward_info['y'])\n"
                    "    return {'W': forward_info['X'].T @ dP, 'B': dP.sum(axis=0, keepdims=True)}"
                ),
                "loss_gradients_nn": (
                    "import numpy as np\ndef loss_gradients_nn(forward_info, weights):\n"
                    "    n = forward_info['X'].shape[0]\n    dP = 2 * (forward_info['P'] - forward_info['y']) / n\n"
                    "    s = 1 / (1 + np.exp(-forward_info['M1']))\n    dN1 = (dP @ weights['W2'].T) * s * (1 - s)\n"
                    "    return {'W2': forward_info['O1'].T @ dP, 'B2': dP.sum(axis=0, keepdims=True),\n"
                    "            'W1': forward_info['X'].T @ dN1, 'B1': dN1.sum(axis=0, keepdims=True)}"
                ),
            },
            {
                "test_forward_linear_regression": (0, "divide by n"),
                "test_loss_gradients": (0, "1/n of the mean"),
                "test_loss_gradients_nn": (0, "σ' at M1"),
            },
        ),
    ],
    "06_softmax": [
        (
            {
                "Sigmoid": (
                    "from dlfs.operations import Operation\nfrom dlfs.functions import sigmoid\n"
                    "class Sigmoid(Operation):\n    def _output(self):\n        return sigmoid(self.input_)\n"
                    "    def _input_grad(self, output_grad):\n        return self.output * output_grad"
                ),
                "softmax": "import numpy as np\ndef softmax(x):\n    e = np.exp(x)\n    return e / e.sum(axis=1, keepdims=True)",
                "SoftmaxCrossEntropy": (
                    "import numpy as np\nfrom dlfs.losses import Loss\nclass SoftmaxCrossEntropy(Loss):\n"
                    "    def _output(self):\n        z, y = self.prediction, self.target\n"
                    "        s = z - z.max(axis=1, keepdims=True)\n"
                    "        log_p = s - np.log(np.exp(s).sum(axis=1, keepdims=True))\n"
                    "        return float(-np.sum(y * log_p) / z.shape[0])\n"
                    "    def _input_grad(self):\n        z, y = self.prediction, self.target\n"
                    "        e = np.exp(z - z.max(axis=1, keepdims=True))\n        return e / e.sum(axis=1, keepdims=True) - y"
                ),
            },
            {
                "test_Sigmoid": (0, "the function's value"),
                "test_softmax": (0, "subtract each row's maximum"),
                "test_SoftmaxCrossEntropy": (0, "1/n"),
            },
        ),
    ],
    "07_momentum": [
        (
            {
                "sgd_momentum_update": (
                    "def sgd_momentum_update(param, grad, velocity, lr, momentum):\n"
                    "    v = momentum * velocity + lr * grad\n    return param - lr * v, v"
                ),
                "exponential_decay": "def exponential_decay(lr, final_lr, epoch, max_epochs):\n"
                                     "    return lr + (final_lr - lr) * epoch / (max_epochs - 1)",
                "glorot_init": "import numpy as np\ndef glorot_init(n_in, n_out, rng):\n"
                               "    return rng.normal(0.0, np.sqrt(1.0 / n_in), size=(n_in, n_out))",
                "Dropout": (
                    "import numpy as np\nclass Dropout:\n    def __init__(self, keep_prob, seed):\n"
                    "        self.keep_prob = keep_prob\n        self.rng = np.random.default_rng(seed)\n        self.mask = None\n"
                    "    def forward(self, x, training):\n        if not training:\n            self.mask = None\n            return x\n"
                    "        self.mask = self.rng.random(x.shape) < self.keep_prob\n        return x * self.mask\n"
                    "    def backward(self, output_grad):\n        return output_grad * self.mask"
                ),
            },
            {
                "test_sgd_momentum_update": (0, "learning rate twice"),
                "test_exponential_decay": (0, "linear decay"),
                "test_glorot_init": (0, "1 / n_in"),
                "test_Dropout": (0, "not rescaled"),
            },
        ),
    ],
}
CASES = [(ch, i) for ch in CHAPTERS for i in range(len(MISTAKEN.get(ch, [])))]


@pytest.mark.notebook
@pytest.mark.parametrize(("chapter", "variant"), CASES)
def test_mistaken_submission_scores_and_speaks_as_intended(chapter: str, variant: int, tmp_path: Path) -> None:
    answers, expected = MISTAKEN[chapter][variant]
    nb = with_answers(nbformat.read(str(release_path(chapter)), as_version=4), answers)
    report = check_notebook(write_submission(tmp_path, chapter, nb))
    got = {r.grade_id: r for r in report.results}
    assert set(expected) <= set(got)
    for gid, (points, words) in expected.items():
        r = got[gid]
        if points is None:
            assert r.earned == r.possible, f"{gid}: {r.message}"
        else:
            assert r.earned == points, f"{gid}: {r.earned}/{r.possible} {r.message}"
            assert words in r.message, f"{gid}: {r.message!r} lacks {words!r}"


@pytest.mark.notebook
def test_edited_or_deleted_test_cells_do_not_help(tmp_path: Path) -> None:
    nb = nbformat.read(str(release_path("01_functions")), as_version=4)
    tests = [c for c in nb.cells if is_test_cell(c)]
    tests[0].source = "pass  # the learner emptied the check"
    nb.cells.remove(tests[1])
    report = check_notebook(write_submission(tmp_path, "01_functions", nb))
    got = {r.grade_id: r for r in report.results}
    assert got[str(grade_id(tests[0]))].earned == 0
    assert got[str(grade_id(tests[1]))].earned == 0
    assert "missing" in got[str(grade_id(tests[1]))].message


@pytest.mark.parametrize(
    ("content", "words"),
    [("", "is empty"), ('{"cells": [', "not a valid notebook"), ("[1, 2]", "not a valid notebook")],
)
def test_broken_files_get_a_clear_message(tmp_path: Path, content: str, words: str) -> None:
    path = tmp_path / "02_derivatives.ipynb"
    path.write_text(content)
    done = subprocess.run([DLFS, "check", str(path)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 1
    assert words in done.stdout and "Nothing was graded" in done.stdout


def test_wrong_arguments_get_a_clear_message(tmp_path: Path) -> None:
    done = subprocess.run([DLFS, "check", str(tmp_path / "missing.ipynb")], capture_output=True, text=True)
    assert done.returncode == 2 and "no such file" in done.stdout
    other = tmp_path / "99_unknown.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), str(other))
    done = subprocess.run([DLFS, "check", str(other)], capture_output=True, text=True)
    assert done.returncode != 0 and "no chapter named '99_unknown'" in (done.stdout + done.stderr)
    assert "01_functions" in (done.stdout + done.stderr)
