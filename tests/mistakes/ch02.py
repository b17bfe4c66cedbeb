"""Mistaken (and right-but-different) 02_derivatives notebooks: what each must score, and the words its message must say.

Each case is ``(answers, expected)``: ``answers`` maps an exercise's grade_id to the code of its cell;
``expected`` maps a test grade_id to ``(points, words)``, where ``points`` is None for full marks.
"""

CASES = [
    ({"deriv": "def deriv(func, input_, delta=0.001):\n    return (func(input_ + delta) - func(input_)) / delta"}, {"test_deriv": (0, "forward difference")}),
    (
        {"deriv": "def deriv(func, input_, delta=0.001):\n    return (func(input_ + delta) - func(input_ - delta)) / delta"},
        {"test_deriv": (0, "twice the expected")},
    ),
    (
        {
            "deriv": (
                "def deriv(func, input_, delta=0.001):\n    h = delta\n"
                "    return (-func(input_ + 2*h) + 8*func(input_ + h) - 8*func(input_ - h) + func(input_ - 2*h)) / (12*h)"
            )
        },
        {"test_deriv": (None, None)},
    ),
    ({"deriv": "def deriv(func, input_):\n    return (func(input_ + 1e-3) - func(input_ - 1e-3)) / 2e-3"}, {"test_deriv": (0, "raised TypeError")}),
]
