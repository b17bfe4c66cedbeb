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
Any other error (a wrong shape, a typo) is shown as usual: it is something to fix.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


def not_written_message(names: tuple[str, ...]) -> str:
    """The one line shown for a cell that needs unfinished exercises ``names`` (e.g. ``("deriv",)``)."""
    what = ", ".join(f"`{n}`" for n in names) if names else "an exercise above"
    return (f"Skipped: this cell uses your {what}, which is not written yet. "
            "Finish the exercise above, run its check, then run this cell again.")


@contextmanager
def uses_your(*names: str) -> Iterator[None]:
    """Run the ``with`` block; if it reaches an unfinished exercise (``NotImplementedError``), print one line and go on.

    ``names`` are the exercises the block uses (function or class names), shown in the message.
    """
    try:
        yield
    except NotImplementedError:
        print(not_written_message(names), flush=True)
