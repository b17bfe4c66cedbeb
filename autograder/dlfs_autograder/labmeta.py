"""Learner notebooks as JupyterLab writes them, so that opening one does not mark it edited.

When JupyterLab opens a notebook and its kernel starts, it writes the kernel's
``kernelspec`` and ``language_info`` into the notebook's metadata; if they differ
from what the file holds, the notebook shows as modified before the learner has
typed anything. :func:`prepare_for_learners` writes exactly those values, and tags
every test cell ``raises-exception`` so that *Run All* goes on past a failing check
(JupyterLab honours that tag) instead of stopping at the first unfinished exercise.

``language_info.version`` is the Python version of the kernel, which depends on
the machine: :func:`dlfs_autograder.release.release` leaves it out (``chapters/``
must not depend on who released it), and it is filled in where a notebook reaches
a learner on the machine that runs their kernel (the learner workspace, a
release to the exchange).
"""

from __future__ import annotations

import copy
from typing import Any

from nbformat import NotebookNode

from dlfs_autograder.cells import is_test_cell

# What JupyterLab writes for the course's kernel (ipykernel's python3 kernelspec).
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
RAISES = "raises-exception"


def language_info(with_version: bool = True) -> dict[str, Any]:
    """The ``language_info`` a python3 kernel of this interpreter reports (without ``version`` if asked)."""
    from ipykernel.ipkernel import IPythonKernel

    info = copy.deepcopy(dict(IPythonKernel.language_info))
    if not with_version:
        info.pop("version", None)
    return info


def prepare_for_learners(nb: NotebookNode, with_version: bool) -> bool:
    """Set ``nb``'s metadata as JupyterLab writes it and tag its test cells; True if anything changed."""
    before = copy.deepcopy(nb)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nb.metadata["language_info"] = language_info(with_version)
    for cell in nb.cells:
        if is_test_cell(cell):
            tags = list(cell.metadata.get("tags", []))
            if RAISES not in tags:
                cell.metadata["tags"] = [*tags, RAISES]
    return bool(nb != before)
