"""Mistaken (and right-but-different) 03_chain_rule notebooks: what each must score, and the words its message must say.

Each case is ``(answers, expected)``: ``answers`` maps an exercise's grade_id to the code of its cell;
``expected`` maps a test grade_id to ``(points, words)``, where ``points`` is None for full marks.
"""

CASES = [
    (
        {
            "chain_deriv_2": "from dlfs.derivatives import deriv\ndef chain_deriv_2(chain, input_range):\n"
            "    f1, f2 = chain\n    return deriv(f2, input_range) * deriv(f1, input_range)",
            "chain_deriv_3": "from dlfs.derivatives import deriv\ndef chain_deriv_3(chain, input_range):\n"
            "    f1, f2, f3 = chain\n    u = f1(input_range)\n"
            "    return deriv(f3, f2(u)) + deriv(f2, u) + deriv(f1, input_range)",
            "multiple_inputs_add_backward": "def multiple_inputs_add_backward(x, y, sigma):\n    return sigma(x + y), sigma(x + y)",
        },
        {
            "test_chain_deriv_2": (0, "evaluated the outer derivative at x"),
            "test_chain_deriv_3": (0, "added the local derivatives"),
            "test_multiple_inputs_add_backward": (0, "needs its derivative"),
        },
    ),
    (  # issue 14: no chain rule at all -- the slope of the whole composite, measured directly
        {
            "chain_deriv_2": "from dlfs.derivatives import deriv\ndef chain_deriv_2(chain, input_range):\n"
            "    f1, f2 = chain\n    return deriv(lambda v: f2(f1(v)), input_range)",
            "chain_deriv_3": "from dlfs.derivatives import deriv\ndef chain_deriv_3(chain, input_range):\n"
            "    f1, f2, f3 = chain\n    return deriv(lambda v: f3(f2(f1(v))), input_range, 1e-5)",
            "multiple_inputs_multiply_backward": "from dlfs.derivatives import deriv\n"
            "def multiple_inputs_multiply_backward(x, y, sigma):\n    d = deriv(sigma, x * y)\n    return d * x, d * y",
        },
        {
            "test_chain_deriv_2": (0, "not the chain rule"),
            "test_chain_deriv_3": (0, "not the chain rule"),
            "test_multiple_inputs_multiply_backward": (0, "swapped the local slopes"),
        },
    ),
    (  # the whole composite with a step so small that its numbers are right; half the chain rule in chain_deriv_3
        {
            "chain_deriv_2": "from dlfs.derivatives import deriv\ndef chain_deriv_2(chain, input_range):\n"
            "    f1, f2 = chain\n    return deriv(lambda v: f2(f1(v)), input_range, 1e-7)",
            "chain_deriv_3": "from dlfs.derivatives import deriv\ndef chain_deriv_3(chain, input_range):\n"
            "    f1, f2, f3 = chain\n    first_two = lambda v: f2(f1(v))\n"
            "    return deriv(f3, first_two(input_range)) * deriv(first_two, input_range, 1e-7)",
        },
        {
            "test_chain_deriv_2": (0, "only ever called on the previous box's outputs"),
            "test_chain_deriv_3": (0, "box 2 (sigmoid) was only ever called"),
        },
    ),
    (  # the product treated like a sum; a chain rule that reuses its input array (changed in place)
        {
            "chain_deriv_2": "from dlfs.derivatives import deriv\ndef chain_deriv_2(chain, input_range):\n"
            "    f1, f2 = chain\n    slope_1 = deriv(f1, input_range)\n    input_range[...] = f1(input_range)\n"
            "    return deriv(f2, input_range) * slope_1",
            "multiple_inputs_multiply_backward": "from dlfs.derivatives import deriv\n"
            "def multiple_inputs_multiply_backward(x, y, sigma):\n    d = deriv(sigma, x * y)\n    return d, d",
        },
        {
            "test_chain_deriv_2": (0, "in place"),
            "test_multiple_inputs_multiply_backward": (0, "as if the box were a sum"),
        },
    ),
    (  # right answers written differently, and every question answered right
        {
            "chain_deriv_2": "from dlfs.derivatives import deriv\ndef chain_deriv_2(chain, input_range):\n"
            "    f1, f2 = chain\n    return deriv(f2, f1(input_range), 1e-4) * deriv(f1, input_range, 1e-4)",
            "chain_deriv_3": (
                "import numpy as np\nfrom dlfs.derivatives import deriv\ndef chain_deriv_3(chain, input_range):\n"
                "    values = [input_range]\n    for f in chain:\n        values.append(f(values[-1]))\n"
                "    grad = np.ones_like(input_range)\n"
                "    for f, v in zip(reversed(chain), reversed(values[:-1])):\n        grad = grad * deriv(f, v)\n    return grad"
            ),
            "multiple_inputs_add_backward": "from dlfs.derivatives import deriv\n"
            "def multiple_inputs_add_backward(x, y, sigma):\n    return [deriv(sigma, x + y)] * 2",
            "multiple_inputs_multiply_backward": (
                "def multiple_inputs_multiply_backward(x, y, sigma):\n    a = x * y\n"
                "    slope = (sigma(a + 1e-4) - sigma(a - 1e-4)) / 2e-4\n    return [y * slope, x * slope]"
            ),
            "answer_q1": "def answer_q1():\n    return 3 * -2 * 0.5",
            "answer_q2": "def answer_q2():\n    return 1 / 4",
            "answer_q3": "def answer_q3():\n    return -1.5",
            "answer_q4": "def answer_q4():\n    return 'b'",
        },
        {
            "test_chain_deriv_2": (None, None),
            "test_chain_deriv_3": (None, None),
            "test_multiple_inputs_add_backward": (None, None),
            "test_multiple_inputs_multiply_backward": (None, None),
            "test_answer_q1": (None, None),
            "test_answer_q2": (None, None),
            "test_answer_q3": (None, None),
            "test_answer_q4": (None, None),
        },
    ),
    (  # wrong answers to the questions
        {
            "answer_q1": "def answer_q1():\n    return 1.5",
            "answer_q2": "def answer_q2():\n    return 0.5",
            "answer_q3": "def answer_q3():\n    return 1.0",
            "answer_q4": "def answer_q4():\n    return 'c'",
        },
        {
            "test_answer_q1": (0, "multiplies the local slopes"),
            "test_answer_q2": (0, "σ'(0)"),
            "test_answer_q3": (0, "local slope for x is y"),
            "test_answer_q4": (0, "more than a period"),
        },
    ),
]
