"""Demo cells that use a learner's answer: say so in one line instead of crashing.

A chapter's later cells often call the function an exercise asks for (plot
``deriv`` of a sigmoid, train with your ``SoftmaxCrossEntropy``). In an unfinished
notebook that function still raises ``NotImplementedError``, and a crash there
would stop JupyterLab's *Run All* for the rest of the chapter. Wrap such a cell::

    from dlfs.learner import uses_your

    with uses_your("deriv"):
        plot_function_and_derivative(sigmoid, deriv(sigmoid, x), x)

With a finished ``deriv`` the block runs as if the ``with`` were not there. With
the stub, the block stops where it first needs ``deriv``, one line on standard
output says which exercise to finish, and the run goes on with the next cell.

A later cell that only uses a *result* of such a cell (``history`` from a skipped
training run) fails with a ``NameError``; wrapped the same way, it says in one line
which name is missing and which exercise to finish -- the ``NameError``'s own text
is kept, so a typo still shows. Any other error (a wrong shape, a bug) is shown as
usual: it is something to fix.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


def _what(names: tuple[str, ...]) -> str:
    return ", ".join(f"`{n}`" for n in names) if names else "an exercise above"


def not_written_message(names: tuple[str, ...]) -> str:
    """The one line shown for a cell that needs unfinished exercises ``names`` (e.g. ``("deriv",)``)."""
    return (f"Skipped: this cell uses your {_what(names)}, which is not written yet. "
            "Finish the exercise above, run its check, then run this cell again.")


def missing_result_message(names: tuple[str, ...], error: NameError) -> str:
    """The one line shown for a cell that needs a result an earlier, skipped cell did not make."""
    return (f"Skipped: {error} -- an earlier cell that makes it did not run to the end, most likely because "
            f"your {_what(names)} is not written yet. Finish it, then run the cells from there again.")


@contextmanager
def uses_your(*names: str) -> Iterator[None]:
    """Run the ``with`` block; if it reaches an unfinished exercise (``NotImplementedError``) or
    a result that a skipped cell did not make (``NameError``), print one line and go on.

    ``names`` are the exercises the block uses (function or class names), shown in the message.
    """
    try:
        yield
    except NotImplementedError:
        print(not_written_message(names), flush=True)
    except NameError as error:
        print(missing_result_message(names, error), flush=True)
