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
    (  # the upstream gradient ignored (all ones), and the two results swapped
        {
            "matmul_backward": "import numpy as np\ndef matmul_backward(X, W, dL_dN):\n"
            "    ones = np.ones((X.shape[0], W.shape[1]))\n    return ones @ W.T, X.T @ ones",
            "matrix_function_backward_sum_1": "from dlfs.derivatives import deriv\n"
            "def matrix_function_backward_sum_1(X, W, sigma):\n    return deriv(sigma, X @ W) @ W.T / X.shape[0]",
        },
        {
            "test_matmul_backward": (0, "ignores dL_dN"),
            "test_matrix_function_backward_sum_1": (0, "divided by"),
        },
    ),
    (
        {
            "matmul_backward": "def matmul_backward(X, W, dL_dN):\n    return X.T @ dL_dN, dL_dN @ W.T",
            "matrix_function_backward_sum_W": "from dlfs.derivatives import deriv\n"
            "def matrix_function_backward_sum_W(X, W, sigma):\n    g = deriv(sigma, X @ W)\n    X -= 0.0 * X\n    W[...] = W\n"
            "    X *= 2.0\n    return X.T @ g / 2.0",
        },
        {
            "test_matmul_backward": (0, "(dL_dW, dL_dX)"),
            "test_matrix_function_backward_sum_W": (0, "in place"),
        },
    ),
    (  # right answers written differently, and every question answered right
        {
            "matmul_backward_first": "import numpy as np\ndef matmul_backward_first(X, W):\n"
            "    return np.tile(W.sum(axis=1), (X.shape[0], 1))",
            "matrix_function_backward_1": "from dlfs.derivatives import deriv\n"
            "def matrix_function_backward_1(X, W, sigma):\n    return (W * deriv(sigma, X @ W)).T",
            "matrix_function_backward_sum_1": "import numpy as np\nfrom dlfs.derivatives import deriv\n"
            "def matrix_function_backward_sum_1(X, W, sigma):\n    return np.einsum('nm,km->nk', deriv(sigma, X @ W), W)",
            "matrix_function_backward_sum_W": "from dlfs.derivatives import deriv\n"
            "def matrix_function_backward_sum_W(X, W, sigma):\n    return (deriv(sigma, X @ W).T @ X).T",
            "matmul_backward": "import numpy as np\ndef matmul_backward(X, W, dL_dN):\n"
            "    return [np.einsum('nm,km->nk', dL_dN, W), np.einsum('nk,nm->km', X, dL_dN)]",
            "answer_q1": "def answer_q1():\n    return 10 * 5",
            "answer_q2": "def answer_q2():\n    return 'B'",
            "answer_q3": "def answer_q3():\n    return 100 * 100 * 100 * 1000",
            "answer_q4": "def answer_q4():\n    return 'b'",
        },
        {
            "test_matmul_backward_first": (None, None),
            "test_matrix_function_backward_1": (None, None),
            "test_matrix_function_backward_sum_1": (None, None),
            "test_matrix_function_backward_sum_W": (None, None),
            "test_matmul_backward": (None, None),
            "test_answer_q1": (None, None),
            "test_answer_q2": (None, None),
            "test_answer_q3": (None, None),
            "test_answer_q4": (None, None),
        },
    ),
    (  # wrong answers to the questions; an upstream gradient collapsed into one number
        {
            "matmul_backward": "import numpy as np\ndef matmul_backward(X, W, dL_dN):\n"
            "    g = dL_dN.sum() * np.ones(dL_dN.shape)\n    return g @ W.T, X.T @ g",
            "answer_q1": "def answer_q1():\n    return 32 * 5",
            "answer_q2": "def answer_q2():\n    return 'd'",
            "answer_q3": "def answer_q3():\n    return 1e7",
            "answer_q4": "def answer_q4():\n    return 'a'",
        },
        {
            "test_matmul_backward": (0, "summed dL_dN into one number"),
            "test_answer_q1": (0, "shape of what it is the gradient of"),
            "test_answer_q2": (0, "X.T @ G is dL/dW"),
            "test_answer_q3": (0, "10⁹ numbers"),
            "test_answer_q4": (0, "W and W.T have the same shape"),
        },
    ),
]
