"""The course's one configuration, for JupyterLab and for nbgrader.

Jupyter apps do not read a ``jupyter_config.py`` from the working folder on their
own. Every ``dlfs`` command (``dlfs lab``, ``release``, ``check``, ``grade``) puts
this folder first on ``JUPYTER_CONFIG_PATH``, and every Jupyter application --
the JupyterLab server and each nbgrader app -- loads ``jupyter_config.py`` from
every folder on that path before its own config file. ``tests/test_config.py``
proves that both apply it.

To use plain ``jupyter lab`` or ``nbgrader ...`` with this configuration:
``export JUPYTER_CONFIG_PATH=/path/to/this/folder``.
"""

import os
from pathlib import Path

c = get_config()  # noqa: F821 -- provided by traitlets when it loads this file

COURSE_ROOT = Path(__file__).resolve().parent

# ---------------------------------------------------------------- nbgrader
c.CourseDirectory.course_id = "dlfs"
c.CourseDirectory.root = str(COURSE_ROOT)
# nbgrader's own vocabulary, renamed for learners: source/ is solutions/, release/ is chapters/.
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "chapters"
c.CourseDirectory.db_url = f"sqlite:///{COURSE_ROOT / 'gradebook.db'}"

# What a learner sees in place of a solution.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE (then run the check cell below)\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Every cell may run at most this long when grading or validating (seconds).
c.ExecutePreprocessor.timeout = 60
c.Execute.timeout = 60

# A test cell that writes to stderr scores zero in nbgrader. The checks in dlfs
# keep learner warnings off stderr; these messages are harmless noise from the
# environment (matplotlib's first-run font cache, ipykernel's debugger) and are removed.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"Matplotlib is building the font cache|frozen modules|Debugger warning"

# Feedback never shows hidden test code (nbgrader's default feedback does, issue #917):
# hidden tests are cut from the feedback notebook and tracebacks in test cells are
# reduced to their last line, the check's message.
c.GenerateFeedback.preprocessors = [
    "dlfs_autograder.feedback.HideTestCode",
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# `dlfs grade`: limits for each submission's sandboxed kernel.
c.DlfsGrade.cell_seconds = 30  # wall clock per cell, and per call of a learner's function by a check
c.DlfsGrade.notebook_seconds = 300  # wall clock per submission: its cells, the checks' calls, its feedback page
c.DlfsGrade.memory_mb = 4096  # address space
c.DlfsGrade.cpu_seconds = 600  # CPU time of the kernel process
c.DlfsGrade.max_output_bytes = 2_000_000  # output kept per cell (figures included)
c.DlfsGrade.max_notebook_output_bytes = 10_000_000  # output kept per notebook
c.DlfsGrade.scratch_mb = 256  # the kernel's only writable folder (a private tmpfs)

# ---------------------------------------------------------------- the class exchange
# A class shares chapters, submissions and feedback through nbgrader's exchange folder
# (see README, "Teaching a class"). Without one -- self-study -- there is no Assignment List.
EXCHANGE = os.environ.get("DLFS_EXCHANGE", "")
if EXCHANGE:
    c.Exchange.root = EXCHANGE

# ---------------------------------------------------------------- JupyterLab
# `dlfs lab` is the learner's JupyterLab; `dlfs lab --instructor` adds nbgrader's instructor tools.
MODE = os.environ.get("DLFS_MODE", "")  # set by `dlfs lab`: "learner" or "instructor"
INSTRUCTOR = MODE == "instructor"
if MODE == "learner" and os.environ.get("JUPYTERHUB_USER"):
    # on a hub, a learner submits and fetches feedback under their hub name (nbgrader would use the unix name)
    c.CourseDirectory.student_id = os.environ["JUPYTERHUB_USER"]
# The learner works in their own copies of the chapters (`dlfs lab` creates it from chapters/).
WORKSPACE = os.environ.get("DLFS_WORKSPACE") or str(COURSE_ROOT / "my-work")

if INSTRUCTOR:
    c.ServerApp.root_dir = str(COURSE_ROOT)  # formgrader needs the course folder inside the server's
    c.LabApp.default_url = "/lab"
else:
    c.ServerApp.root_dir = WORKSPACE
    c.Exchange.assignment_dir = WORKSPACE  # fetched chapters land in the workspace
    c.LabApp.default_url = "/lab" if EXCHANGE else "/lab/tree/01_functions/01_functions.ipynb"

c.ServerApp.jpserver_extensions = {
    # Validate gives `dlfs check`'s verdict (hidden tests included) instead of nbgrader's visible-tests-only one
    "dlfs_autograder.labserver": True,
    "nbgrader.server_extensions.validate_assignment": False,
    # only the instructor can generate, release or grade: nothing a learner can press overwrites their work
    "nbgrader.server_extensions.formgrader": INSTRUCTOR,
    # fetch / submit / feedback, only where an exchange exists (else it can only show errors)
    "nbgrader.server_extensions.assignment_list": bool(EXCHANGE),
    # one course per server: the course list only repeats it (and asks a hub for services)
    "nbgrader.server_extensions.course_list": False,
    "nbgrader": False,  # the module that would load all four at once
}
