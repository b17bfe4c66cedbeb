"""Mistaken (and right-but-different) 04_matmul_gradients notebooks: what each must score, and the words its message must say.

Each case is ``(answers, expected)``: ``answers`` maps an exercise's grade_id to the code of its cell;
``expected`` maps a test grade_id to ``(points, words)``, where ``points`` is None for full marks.
"""

CASES = [
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
]
