"""Mistaken (and right-but-different) 02_derivatives notebooks: what each must score, and the words its message must say.

Each case is ``(answers, expected)``: ``answers`` maps an exercise's grade_id to the code of its cell;
``expected`` maps a test grade_id to ``(points, words)``, where ``points`` is None for full marks.
"""

GRADIENT_ONE_HOT = (
    "import numpy as np\ndef gradient(f, x, delta=0.001):\n    grad = np.zeros(x.shape)\n"
    "    for i in np.ndindex(x.shape):\n        e = np.zeros(x.shape)\n        e[i] = delta\n"
    "        grad[i] = (f(x + e) - f(x - e)) / (2 * delta)\n    return grad"
)

CASES = [
    ({"deriv": "def deriv(func, input_, delta=0.001):\n    return (func(input_ + delta) - func(input_)) / delta"}, {"test_deriv": (0, "forward difference")}),
    (
        {"deriv": "def deriv(func, input_, delta=0.001):\n    return (func(input_ + delta) - func(input_ - delta)) / delta"},
        {"test_deriv": (0, "twice the expected")},
    ),
    (  # more accurate than asked: the exercise is the central difference with the given step
        {
            "deriv": (
                "def deriv(func, input_, delta=0.001):\n    h = delta\n"
                "    return (-func(input_ + 2*h) + 8*func(input_ + h) - 8*func(input_ - h) + func(input_ - 2*h)) / (12*h)"
            )
        },
        {"test_deriv": (0, "five-point stencil")},
    ),
    ({"deriv": "def deriv(func, input_):\n    return (func(input_ + 1e-3) - func(input_ - 1e-3)) / 2e-3"}, {"test_deriv": (0, "raised TypeError")}),
    (  # issue 14: ignores `delta` (its own h = 1e-3), and a tiny-step forward difference
        {
            "deriv": "def deriv(func, input_, delta=0.001):\n    h = 1e-3\n    return (func(input_ + h) - func(input_ - h)) / (2 * h)",
            "gradient": "def gradient(f, x, delta=0.001):\n    return (f(x + delta) - f(x - delta)) / (2 * delta)",
        },
        {"test_deriv": (0, "instead of its `delta` argument"), "test_gradient": (0, "nudged every element at once")},
    ),
    (
        {
            "deriv": "def deriv(func, input_, delta=0.001):\n    return (func(input_ + 1e-8) - func(input_)) / 1e-8",
            "gradient": (
                "def gradient(f, x, delta=0.001):\n    point = x.copy()\n    grad = point * 0.0\n"
                "    for i in range(point.size):\n        point.flat[i] += delta\n        up = f(point)\n"
                "        point.flat[i] -= 2 * delta\n        grad.flat[i] = (up - f(point)) / (2 * delta)\n    return grad"
            ),
        },
        {"test_deriv": (0, "instead of its `delta` argument"), "test_gradient": (0, "did not put it back")},
    ),
    (  # issue 14: ignores `delta` and moves `input_` around in place; a gradient that nudges x itself
        {
            "deriv": (
                "def deriv(func, input_, delta=0.001):\n    h = 1e-3\n    input_ += h\n    up = func(input_)\n"
                "    input_ -= 2 * h\n    down = func(input_)\n    input_ += h\n    return (up - down) / (2 * h)"
            ),
            "gradient": (
                "import numpy as np\ndef gradient(f, x, delta=0.001):\n    grad = np.zeros(x.shape)\n"
                "    for i in np.ndindex(x.shape):\n        x[i] += delta\n        up = f(x)\n        x[i] -= 2 * delta\n"
                "        grad[i] = (up - f(x)) / (2 * delta)\n        x[i] += delta\n    return grad"
            ),
        },
        {"test_deriv": (0, "in place"), "test_gradient": (0, "in place")},
    ),
    (  # right answers written differently, and every question answered right
        {
            "deriv": "def deriv(func, input_, delta=0.001):\n    return 0.5 * (func(input_ + delta) - func(input_ - delta)) / delta",
            "gradient": GRADIENT_ONE_HOT,
            "answer_q1": "def answer_q1():\n    return (1.1 ** 3 - 0.9 ** 3) / 0.2",
            "answer_q2": "def answer_q2():\n    return 'c'",
            "answer_q3": "def answer_q3():\n    return 'b'",
            "answer_q4": "def answer_q4():\n    return 9",
        },
        {
            "test_deriv": (None, None),
            "test_gradient": (None, None),
            "test_answer_q1": (None, None),
            "test_answer_q2": (None, None),
            "test_answer_q3": (None, None),
            "test_answer_q4": (None, None),
        },
    ),
    (  # wrong answers to the questions, and a forward-difference gradient
        {
            "gradient": (
                "import numpy as np\ndef gradient(f, x, delta=0.001):\n    grad = np.zeros(x.shape)\n"
                "    for i in np.ndindex(x.shape):\n        p = x.copy()\n        p[i] += delta\n"
                "        grad[i] = (f(p) - f(x)) / delta\n    return grad"
            ),
            "answer_q1": "def answer_q1():\n    return 3.0",
            "answer_q2": "def answer_q2():\n    return 'b'",
            "answer_q3": "def answer_q3():\n    return 'e'",
            "answer_q4": "def answer_q4():\n    return 12.0",
        },
        {
            "test_gradient": (0, "forward difference"),
            "test_answer_q1": (0, "3a² + Δ²"),
            "test_answer_q2": (0, "O(Δ²)"),
            "test_answer_q3": (0, "one letter out of a, b, c, d"),
            "test_answer_q4": (0, "slope x0² = 9"),
        },
    ),
]
