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
    (  # issue 14: a loop returning a list, and a bias added in place, must lose their points
        {
            "square": "def square(x):\n    return [v ** 2 for v in x]",
            "leaky_relu": "import numpy as np\ndef leaky_relu(x, alpha=0.01):\n    return np.where(x > 0, x, alpha)",
            "sigmoid": "import numpy as np\ndef sigmoid(x):\n    return (1 / (1 + np.exp(-x))).astype(np.float32)",
            "add_bias_rows": (
                "def add_bias_rows(X, b):\n    if X.ndim != 2 or b.shape != (X.shape[1],):\n"
                "        raise ValueError(f'bad shapes {X.shape} {b.shape}')\n    X += b\n    return X"
            ),
            "center_columns": (
                "def center_columns(X):\n    if X.ndim != 2:\n        raise ValueError('X must be 2-D')\n"
                "    X -= X.mean(axis=0)\n    return X"
            ),
            "answer_q1": "def answer_q1():\n    return 2.0",
            "answer_q2": "def answer_q2():\n    return 'b'",
            "answer_q3": "def answer_q3():\n    return '0.2'",
        },
        {
            "test_square": (0, "received a Python list"),
            "test_leaky_relu": (0, "returned alpha itself"),
            "test_sigmoid": (None, None),  # float32 is a right answer (the course's dtype policy)
            "test_add_bias_rows": (0, "changed its input `X` in place"),
            "test_center_columns": (0, "changed its input `X` in place"),
            "test_answer_q1": (0, "is a view"),
            "test_answer_q2": (0, "neither equal nor 1"),
            "test_answer_q3": (0, "answer with one number"),
            "test_answer_q4": (0, "not written yet"),
        },
    ),
    (  # a single number where an array belongs, and the wrong means
        {
            "square": "import numpy as np\ndef square(x):\n    return np.dot(x.ravel(), x.ravel())",
            "center_columns": (
                "import numpy as np\ndef center_columns(X):\n    if np.ndim(X) != 2:\n        raise ValueError('2-D please')\n"
                "    return X - X.mean()"
            ),
            "answer_q4": "def answer_q4():\n    return 0.8808",
        },
        {
            "test_square": (0, "one number"),
            "test_center_columns": (0, "mean of the whole array"),
            "test_answer_q4": (0, "2σ(2x) - 1"),
        },
    ),
    (  # right answers written differently, and right answers to every question
        {
            "square": "import numpy as np\ndef square(x):\n    return np.square(x)",
            "leaky_relu": "import numpy as np\ndef leaky_relu(x, alpha=0.01):\n    return np.maximum(x, 0) + alpha * np.minimum(x, 0)",
            "add_bias_rows": (
                "import numpy as np\ndef add_bias_rows(X, b):\n    if X.ndim != 2 or b.shape != (X.shape[1],):\n"
                "        raise ValueError(f'X {X.shape}, b {b.shape}')\n    out = X.copy()\n    out += b\n    return out"
            ),
            "center_columns": (
                "import numpy as np\ndef center_columns(X):\n    if X.ndim != 2:\n        raise ValueError(f'got {X.shape}')\n"
                "    return X - X.sum(axis=0, keepdims=True) / len(X)"
            ),
            "answer_q1": "def answer_q1():\n    return 3",
            "answer_q2": "def answer_q2():\n    return 'D'",
            "answer_q3": "def answer_q3():\n    return 1 - 0.8",
            "answer_q4": "def answer_q4():\n    return 2 * 0.8808 - 1",
        },
        {
            "test_square": (None, None),
            "test_leaky_relu": (None, None),
            "test_add_bias_rows": (None, None),
            "test_center_columns": (None, None),
            "test_answer_q1": (None, None),
            "test_answer_q2": (None, None),
            "test_answer_q3": (None, None),
            "test_answer_q4": (None, None),
        },
    ),
]
