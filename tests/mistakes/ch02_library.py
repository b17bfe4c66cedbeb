"""02_derivatives answered with the library's own ``deriv`` (issue 11, item 10): no credit, in check and in grading.

The library's reference implementation of an exercise is importable, as every library function is; reached
directly, through ``importlib`` or ``functools.partial``, or wrapped in a function of the learner's, it earns nothing
and the message says why.
"""

CASES = [
    ({"deriv": "from dlfs.derivatives import deriv"}, {"test_deriv": (0, "the library's own answer")}),
    (
        {"deriv": "import functools, importlib\nderiv = functools.partial(importlib.import_module('dlfs.derivatives').deriv)"},
        {"test_deriv": (0, "the library's own answer")},
    ),
    (
        {"deriv": "import dlfs.derivatives\ndef deriv(func, input_, delta=0.001):\n    return dlfs.derivatives.deriv(func, input_, delta)"},
        {"test_deriv": (0, "uses dlfs.derivatives.deriv")},
    ),
]
