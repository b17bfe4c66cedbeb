"""dlfs_autograder: the course's grading side.

The ``dlfs`` command (:mod:`dlfs_autograder.cli`) releases chapters, self-checks a
learner's notebook and grades a class, all with nbgrader under the course's one
configuration, ``jupyter_config.py`` (:mod:`dlfs_autograder.course` finds and loads it).
"""
