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
]
