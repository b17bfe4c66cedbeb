"""The graded checks, one module per chapter.

A notebook's test cell calls a check with the learner's function, e.g.
``check_square(square)``; hidden tests call the same check with other seeds,
shapes or functions. A check returns ``None`` when everything is right and
raises :class:`dlfs.checks.gradcheck.CheckFailed` with an actionable message otherwise.
"""
