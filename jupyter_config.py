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

# ---------------------------------------------------------------- JupyterLab
# Learners land in chapters/; the nbgrader extensions (Validate button) are on.
c.ServerApp.root_dir = str(COURSE_ROOT / "chapters")
c.ServerApp.jpserver_extensions = {
    "nbgrader.server_extensions.validate_assignment": True,
    "nbgrader.server_extensions.assignment_list": True,
    "nbgrader.server_extensions.course_list": True,
    "nbgrader.server_extensions.formgrader": True,
}
c.LabApp.default_url = "/lab/tree/01_functions/01_functions.ipynb"
