"""Mistaken (and right-but-different) 01_functions notebooks: what each must score, and the words its message must say.

Each case is ``(answers, expected)``: ``answers`` maps an exercise's grade_id to the code of its cell;
``expected`` maps a test grade_id to ``(points, words)``, where ``points`` is None for full marks.
"""

CASES = [
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
]
