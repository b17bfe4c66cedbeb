"""Feedback that shows why a check failed, never the hidden test code.

nbgrader's feedback HTML shows the restored hidden tests and full tracebacks
(nbgrader issue #917). :class:`HideTestCode` runs first in
``GenerateFeedback.preprocessors`` (see ``jupyter_config.py``): in every test
cell it cuts the hidden-test region and reduces tracebacks to their last line,
which is the check's own message.
"""

from __future__ import annotations

from typing import Any

from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from traitlets import Bool

from dlfs_autograder.cells import error_summary, is_test_cell, strip_hidden_tests


class HideTestCode(Preprocessor):
    """Cut hidden tests from test cells and shorten their tracebacks to the message."""

    enabled = Bool(True, help="nbconvert preprocessors are off by default; this one is always on.").tag(config=True)

    def preprocess_cell(self, cell: NotebookNode, resources: dict[str, Any], index: int) -> tuple[NotebookNode, dict[str, Any]]:
        if is_test_cell(cell):
            visible = strip_hidden_tests(cell.source)
            if visible != cell.source:
                visible = visible.rstrip() + "\n# (hidden tests run here; their code is not shown)"
            cell.source = visible
            cell.outputs = error_summary(cell.get("outputs", []))
        return cell, resources
