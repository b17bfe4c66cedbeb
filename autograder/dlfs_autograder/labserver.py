"""The course's Jupyter server extension: JupyterLab's **Validate** button gives ``dlfs check``'s verdict.

nbgrader's lab extension puts a *Validate* button on every notebook (and on every
notebook of the Assignment List); it saves the notebook and POSTs its path to
``/assignments/validate``. nbgrader's own answer runs only the tests a learner can
see; this extension answers that route instead (``jupyter_config.py`` turns
nbgrader's off) by running ``dlfs check`` on the notebook -- the grader's tests,
hidden ones included -- and returns its verdict in the JSON shape the button shows:

* full marks: no failure entries, and the dialog says the notebook passes all the tests;
* otherwise: one ``failed`` entry whose text is exactly what ``dlfs check`` prints
  (the table of points per exercise, the total, and what to fix).

``dlfs check`` runs in its own process, so a notebook that hangs or kills its kernel
cannot disturb the server, and the server stays responsive while it runs.
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import sys
from pathlib import Path
from typing import Any

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from nbgrader import __version__ as NBGRADER_UI_VERSION  # the lab extension installed with nbgrader asks for it
from tornado import web

CHECK_SECONDS = 600  # a whole chapter's self-check; dlfs check stops any cell after the configured timeout

# The dialog prefixes each failure entry with "The following cell failed:" (this verdict is not a cell),
# and shows text in <pre> boxes that do not wrap (the check's messages are long lines).
_DIALOG_STYLE = ("<style>#validation-message > div:first-child > p { display: none; } "
                 "#validation-message pre { white-space: pre-wrap; }</style>")


async def run_check(notebook: Path, cwd: Path) -> tuple[int, str]:
    """Run ``dlfs check notebook`` (as the command line does); return its exit code and output."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "dlfs_autograder.cli", "check", str(notebook),
        cwd=str(cwd), env=dict(os.environ), stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout=CHECK_SECONDS)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        return 1, f"dlfs check did not finish within {CHECK_SECONDS} s and was stopped."
    return int(proc.returncode or 0), out.decode(errors="replace").strip()


def verdict(code: int, report: str) -> dict[str, Any]:
    """The JSON nbgrader's Validate dialog shows, from ``dlfs check``'s exit code and printed report."""
    if code == 0:
        return {"success": True, "value": {}}  # full marks: "Success! Your notebook passes all the tests."
    total = next((line for line in report.splitlines() if line.startswith("Total:")), "")
    headline = f"Self-check with the grader's tests (hidden ones included). {total}".strip()
    if not total:
        headline = "Self-check: nothing could be graded."
    return {
        "success": True,
        "value": {"failed": [{"source": headline, "error": _DIALOG_STYLE + html.escape(report)}]},
        "dlfs_check": {"exit_code": code, "report": report},
    }


class ValidateHandler(JupyterHandler):
    """``POST /assignments/validate?path=...`` (or a JSON body ``{"path": ...}``): ``dlfs check``'s verdict."""

    @web.authenticated
    async def post(self) -> None:
        try:
            path = self.get_argument("path")
        except web.MissingArgumentError:
            path = (self.get_json_body() or {}).get("path", "")
        # the folder the file browser shows (the contents manager's; a hub's single-user server sets it too)
        root = Path(getattr(self.contents_manager, "root_dir", None) or self.settings["server_root_dir"]).expanduser().resolve()
        target = (root / str(path)).resolve()
        if not target.is_relative_to(root):
            raise web.HTTPError(403, "Access denied: path outside the server's folder")
        if not target.is_file():
            raise web.HTTPError(404, f"No such notebook: {path}")
        code, report = await run_check(target.relative_to(root), root)
        self.log.info("dlfs check %s: exit %s", path, code)
        self.finish(json.dumps(verdict(code, report)))


class VersionHandler(JupyterHandler):
    """``GET /nbgrader_version?version=...``: the lab extension checks it talks to a matching server."""

    @web.authenticated
    def get(self) -> None:
        asked = self.get_argument("version", "")
        if asked == NBGRADER_UI_VERSION:
            self.finish(json.dumps({"success": True}))
        else:
            self.finish(json.dumps({"success": False, "message": f"nbgrader's lab extension {asked} does not match "
                                    f"this course's server ({NBGRADER_UI_VERSION}); reinstall the course."}))


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "dlfs_autograder.labserver"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    web_app = serverapp.web_app
    base = web_app.settings["base_url"]
    web_app.add_handlers(".*$", [
        (url_path_join(base, "/assignments/validate"), ValidateHandler),
        (url_path_join(base, "/nbgrader_version"), VersionHandler),
    ])
    serverapp.log.info("dlfs: Validate runs `dlfs check` (the grader's tests, hidden ones included)")
