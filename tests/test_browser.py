"""The course in a real browser: Debian's chromium driven by Playwright, as a learner would use it.

`dlfs lab` runs on loopback with a token and its own workspace; the test opens chapters,
runs them, moves a widget's sliders by keyboard and mouse, fills an exercise, presses
Validate, tries the instructor's old Formgrader path, and in class mode fetches and
submits from the Assignment List. Screenshots: ``<tmp>/browser-shots*/`` (the path is
printed); look at them to see what a learner sees.

JupyterLab is started with ``--LabApp.expose_app_in_browser`` so the test can read a
notebook's model (execution counts, outputs) instead of relying on which cells happen
to be laid out on screen; everything a learner does goes through the page.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from conftest import ROOT
from labtools import DERIV_RIGHT, DERIV_WRONG_IN_3D, clean_env, free_port, jupyter_dirs, stop, wait_for

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DLFS = str(Path(sys.executable).parent / "dlfs")
BUDGET_S = 300  # the whole module

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed (.ci/run installs it)")

# ---------------------------------------------------------------- reading JupyterLab's state

CURRENT = "window.jupyterapp.shell.currentWidget"
KERNEL_IDLE = f"() => {CURRENT}?.context?.sessionContext?.session?.kernel?.status === 'idle'"
RUN_DONE = f"""() => {{ const p = {CURRENT};
  return p.context.sessionContext.session.kernel.status === 'idle'
    && [...p.content.model.cells].every(c => c.type !== 'code' || c.executionState !== 'running'); }}"""
CELLS = f"""() => [...{CURRENT}.content.model.cells].map((c, i) => {{
  const outs = c.type === 'code' ? c.outputs.toJSON() : [];
  return {{index: i, type: c.type, count: c.type === 'code' ? c.executionCount : null,
          grade_id: (c.getMetadata('nbgrader') || {{}}).grade_id || null,
          test: !!((c.getMetadata('nbgrader') || {{}}).grade) && !(c.getMetadata('nbgrader') || {{}}).solution,
          source: c.sharedModel.getSource(),
          errors: outs.filter(o => o.output_type === 'error').map(o => o.ename + ': ' + o.evalue),
          text: outs.filter(o => o.output_type === 'stream').map(o => o.text).join(''),
          png: outs.some(o => o.data && o.data['image/png']),
          widget: outs.some(o => o.data && o.data['application/vnd.jupyter.widget-view+json'])}}; }})"""


class Lab:
    """A running `dlfs lab` and a browser page on it."""

    def __init__(self, base: str, token: str, workspace: Path, page: Any, shots: Path) -> None:
        self.base, self.token, self.workspace, self.page, self.shots = base, token, workspace, page, shots

    def shot(self, name: str) -> Path:
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path

    def open(self, path: str) -> None:
        self.page.goto(f"{self.base}/lab/tree/{path}?reset&token={self.token}")  # reset: only this notebook open
        self.page.wait_for_selector(".jp-NotebookPanel", timeout=90_000)
        self.page.wait_for_function(KERNEL_IDLE, timeout=90_000)

    def panel(self) -> Any:
        return self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")

    def menu(self, *items: str) -> None:
        for item in items:
            self.page.get_by_role("menuitem", name=item, exact=True).click()

    def counts(self) -> list[Any]:
        return [c["count"] for c in self.cells()]

    def wait_run(self, before: list[Any], seconds: float = 180) -> None:
        """Wait until cells started running after ``before`` (the execution counts then) and all finished."""
        self.page.wait_for_function(
            f"(before) => [...{CURRENT}.content.model.cells].some((c, i) => c.type === 'code' && "
            "(c.executionState === 'running' || c.executionCount !== before[i]))",
            arg=before, timeout=60_000, polling=200)
        while True:  # the kernel is idle for a moment between two cells: idle twice, 2 s apart
            self.page.wait_for_function(RUN_DONE, timeout=seconds * 1000, polling=500)
            time.sleep(2)
            if self.page.evaluate(RUN_DONE):
                return

    def cells(self) -> list[dict[str, Any]]:
        return list(self.page.evaluate(CELLS))

    def show_cell(self, index: int) -> Any:
        """Scroll cell ``index`` into view (off-screen cells are not laid out) and select it."""
        self.page.evaluate(f"() => {{ const nb = {CURRENT}.content; nb.activeCellIndex = {index}; "
                           "nb.scrollToCell(nb.activeCell, 'start'); }")
        time.sleep(1)
        return self.panel().locator(".jp-Cell.jp-mod-active")

    def dirty(self) -> bool:
        """The notebook is marked modified: in its model, and as the dot on its tab."""
        tab = self.page.locator(".lm-TabBar-tab.jp-mod-current[data-type='document-title']")
        return bool(self.page.evaluate(f"() => {CURRENT}.context.model.dirty")) or "jp-mod-dirty" in (tab.get_attribute("class") or "")


def start_lab(tmp: Path, *args: str, env_extra: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str, str, Path]:
    port, token = free_port(), secrets.token_hex(16)
    workspace = tmp / "my-work"
    env = clean_env(**jupyter_dirs(tmp), DLFS_WORKSPACE=str(workspace), **(env_extra or {}))
    log = tmp / "lab.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [DLFS, "lab", *args, "--no-browser", "--ip=127.0.0.1", f"--port={port}",
             f"--IdentityProvider.token={token}", "--LabApp.expose_app_in_browser=True"],
            env=env, cwd=tmp, stdout=out, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    wait_for(f"{base}/api/status?token={token}", proc, log=log, status=200)
    return proc, base, token, workspace


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def lab(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A learner's `dlfs lab` (self-study) on a fresh workspace, and one page on it."""
    start = time.monotonic()
    tmp = tmp_path_factory.mktemp("learner")
    shots = tmp_path_factory.mktemp("browser-shots")
    print(f"\nbrowser screenshots: {shots}")
    proc, base, token, workspace = start_lab(tmp)
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        yield Lab(base, token, workspace, page, shots)
    finally:
        page.close()
        stop(proc)
    assert time.monotonic() - start < BUDGET_S, f"the browser tests took {time.monotonic() - start:.0f} s"


# ---------------------------------------------------------------- the learner's JupyterLab


def test_a_learner_notebook_opens_unmodified_unlike_the_old_release(lab: Lab) -> None:
    chapter = "01_functions"
    assert (lab.workspace / chapter / f"{chapter}.ipynb").is_file()  # the workspace was made from chapters/
    lab.open(f"{chapter}/{chapter}.ipynb")
    time.sleep(3)  # JupyterLab writes the kernel's metadata once the kernel is ready (the flag flickers before)
    lab.shot("01-opened")
    assert not lab.dirty(), "opening the learner's notebook marked it modified"
    # the control: the same notebook with the metadata the release had before gets marked modified
    old = nbformat.read(str(lab.workspace / chapter / f"{chapter}.ipynb"), as_version=4)
    old.metadata = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                    "language_info": {"name": "python"}}
    (lab.workspace / "control").mkdir(exist_ok=True)
    nbformat.write(old, str(lab.workspace / "control" / f"{chapter}.ipynb"))
    lab.open(f"control/{chapter}.ipynb")
    time.sleep(3)
    lab.shot("01-control-marked-modified")
    assert lab.dirty()


def test_run_all_on_a_blank_chapter_goes_past_every_failing_check_to_the_end(lab: Lab) -> None:
    chapter = "01_functions"
    lab.open(f"{chapter}/{chapter}.ipynb")
    before = lab.counts()
    lab.menu("Run", "Run All Cells")
    lab.wait_run(before)
    cells = [c for c in lab.cells() if c["type"] == "code"]
    lab.show_cell(cells[-1]["index"])
    lab.shot("02-run-all-01-end")
    tests = [c for c in cells if c["test"]]
    assert len(tests) >= 2
    for cell in tests:  # each check ran and said what to do
        assert cell["count"] is not None and any("not written yet" in e for e in cell["errors"]), cell
    assert [c["index"] for c in cells if c["count"] is None] == []  # every cell ran, to the last one
    assert [(c["index"], c["errors"]) for c in cells if c["errors"] and not c["test"]] == []


def test_figures_render_and_moving_a_slider_redraws_the_explorer(lab: Lab) -> None:
    chapter = "02_derivatives"
    lab.open(f"{chapter}/{chapter}.ipynb")
    before = lab.counts()
    lab.menu("Run", "Run All Cells")
    lab.wait_run(before)
    cells = lab.cells()
    first_test = next(c["index"] for c in cells if c["test"])
    ran_after = [c for c in cells if c["type"] == "code" and c["index"] > first_test and c["count"] is not None]
    assert ran_after, "Run All stopped at the failing check"
    figures = [c for c in cells if c["png"]]
    assert len(figures) >= 3
    lab.show_cell(figures[0]["index"])
    image = lab.panel().locator(".jp-Cell.jp-mod-active .jp-RenderedImage img").first
    assert image.evaluate("img => img.complete && img.naturalWidth > 300"), "a figure did not render"
    lab.shot("03-figure")

    explorer = next(c for c in cells if c["widget"] and "slope_explorer" in c["source"])
    cell = lab.show_cell(explorer["index"])
    readout = cell.locator(".widget-html").first
    picture = cell.locator(".jp-Cell-outputWrapper img").first  # the figure inside the explorer
    picture.wait_for(timeout=30_000)
    lab.shot("04-explorer-before")

    def changed(before_text: str, before_src: str) -> None:
        """The readout's numbers and the figure both change (the figure is a new <img> each time)."""
        lab.page.wait_for_function(
            """([cell, text, src]) => { const h = cell.querySelector('.widget-html');
                 const img = cell.querySelector('.jp-Cell-outputWrapper img');
                 return h && img && h.innerText !== text && img.src !== src; }""",
            arg=[cell.element_handle(), before_text, before_src], timeout=60_000)

    handle = cell.locator(".widget-slider", has_text="point a").locator(".noUi-handle")
    text, src, value = readout.inner_text(), picture.get_attribute("src"), handle.get_attribute("aria-valuenow")
    handle.focus()  # as after a Tab to it
    for _ in range(6):  # by keyboard: six steps to the right
        lab.page.keyboard.press("ArrowRight")
    changed(text, src or "")
    assert float(handle.get_attribute("aria-valuenow") or 0) > float(value or 0)
    lab.shot("05-explorer-after-keyboard")

    step = cell.locator(".widget-slider", has_text="step").locator(".noUi-handle")
    text, src, value = readout.inner_text(), cell.locator(".jp-Cell-outputWrapper img").first.get_attribute("src"), \
        step.get_attribute("aria-valuenow")
    box = step.bounding_box()
    assert box is not None
    lab.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    lab.page.mouse.down()  # by mouse: drag the step Δ to the left
    lab.page.mouse.move(box["x"] - 80, box["y"] + box["height"] / 2, steps=8)
    lab.page.mouse.up()
    changed(text, src or "")
    assert float(step.get_attribute("aria-valuenow") or 1) < float(value or 0)
    lab.shot("06-explorer-after-mouse")


def type_into_cell(lab: Lab, index: int, code: str) -> None:
    """Replace cell ``index``'s code as a learner does: click into it, select all, type."""
    cell = lab.show_cell(index)
    cell.locator(".cm-content").click()
    lab.page.keyboard.press("Control+a")
    lab.page.keyboard.insert_text(code)
    lab.page.keyboard.press("Escape")


def validate(lab: Lab) -> str:
    """Press Validate and return the text of the dialog it opens (then close it)."""
    lab.panel().locator(".validate-button").click()
    dialog = lab.page.locator(".jp-Dialog")
    dialog.wait_for(timeout=180_000)
    text = str(dialog.inner_text())
    return text


def dlfs_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([DLFS, "check", str(path)], capture_output=True, text=True, cwd=ROOT, timeout=180)


def table_lines(text: str) -> list[str]:
    """The rows of `dlfs check`'s table, the total and what to fix (not the timing line)."""
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("Self-check of")
            and (ln.startswith(("deriv", "Total:", "  - ", "exercise")) or ln.startswith("      "))]


def test_a_filled_exercise_passes_its_check_and_validate_gives_dlfs_checks_verdict(lab: Lab) -> None:
    chapter = "02_derivatives"
    lab.open(f"{chapter}/{chapter}.ipynb")
    cells = lab.cells()
    exercise = next(c["index"] for c in cells if c["grade_id"] == "deriv")
    # the mistake of issue 14: right on the visible checks' inputs, wrong on the hidden 3-D ones
    type_into_cell(lab, exercise, DERIV_WRONG_IN_3D)
    before = lab.counts()
    lab.page.keyboard.press("Shift+Enter")  # run the exercise cell, then its check
    lab.page.keyboard.press("Shift+Enter")
    lab.wait_run(before)
    check = next(c for c in lab.cells() if c["grade_id"] == "test_deriv")
    assert "deriv: the visible checks pass." in check["text"] and not check["errors"], check
    lab.show_cell(check["index"])
    lab.shot("07-visible-check-passes")

    shown = validate(lab)
    lab.shot("08-validate-hidden-case-fails")
    lab.page.locator(".jp-Dialog .jp-mod-accept").click()
    assert re.search(r"Total: 0 / \d+", shown) and "(2, 3, 4)" in shown and "Success" not in shown, shown
    assert "The following cell failed" not in shown  # the verdict is dlfs check's table, not a cell
    cli = dlfs_check(lab.workspace / chapter / f"{chapter}.ipynb")  # Validate saved the notebook first
    assert cli.returncode == 1
    assert table_lines(shown) == table_lines(cli.stdout), (shown, cli.stdout)

    type_into_cell(lab, exercise, DERIV_RIGHT)
    before = lab.counts()
    lab.page.keyboard.press("Shift+Enter")
    lab.wait_run(before)
    shown = validate(lab)  # deriv now earns its points; the chapter's other exercises are still blank
    lab.shot("09-validate-deriv-passes")
    lab.page.locator(".jp-Dialog .jp-mod-accept").click()
    assert re.search(r"deriv\s+3/3", shown) and "Success" not in shown, shown  # full marks: tests/test_validate.py
    cli = dlfs_check(lab.workspace / chapter / f"{chapter}.ipynb")
    assert table_lines(shown) == table_lines(cli.stdout), (shown, cli.stdout)


def test_no_instructor_tool_in_learner_mode_and_the_old_formgrader_path_changes_nothing(lab: Lab) -> None:
    chapter = "02_derivatives"
    lab.open(f"{chapter}/{chapter}.ipynb")
    notebook = lab.workspace / chapter / f"{chapter}.ipynb"
    before = hashlib.sha256(notebook.read_bytes()).hexdigest()
    assert lab.page.get_by_role("menuitem", name="Nbgrader").count() == 0
    assert lab.panel().locator(".validate-button").count() == 1
    headers = {"Authorization": f"token {lab.token}"}
    # what Formgrader's "Generate" button sent: it replaced the learner's notebook with the blank release
    generate = lab.page.request.post(f"{lab.base}/formgrader/api/assignment/{chapter}/assign", headers=headers)
    assert generate.status == 404
    assert lab.page.request.get(f"{lab.base}/formgrader", headers=headers).status == 404
    assert lab.page.request.get(f"{lab.base}/assignments?course_id=dlfs", headers=headers).status == 404
    assert hashlib.sha256(notebook.read_bytes()).hexdigest() == before
    assert "raise NotImplementedError" not in json.dumps(nbformat.read(str(notebook), as_version=4).cells[0:0])
    lab.shot("10-learner-menus")


# ---------------------------------------------------------------- a class: the Assignment List


def test_class_mode_fetches_and_submits_from_the_assignment_list(browser: Any, tmp_path: Path) -> None:
    chapter = "01_functions"
    exchange = tmp_path / "exchange"
    published = subprocess.run([DLFS, "publish", chapter, "--exchange", str(exchange)], capture_output=True, text=True,
                               cwd=ROOT, env=clean_env(**jupyter_dirs(tmp_path / "instructor")), timeout=120)
    assert published.returncode == 0, published.stdout + published.stderr
    proc, base, token, workspace = start_lab(tmp_path, "--exchange", str(exchange))
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    shots = tmp_path / "shots"
    shots.mkdir()
    print(f"\nclass-mode screenshots: {shots}")
    try:
        page.goto(f"{base}/lab?token={token}")
        page.wait_for_selector(".jp-LabShell", timeout=90_000)
        page.get_by_role("menuitem", name="Nbgrader").click()
        page.screenshot(path=str(shots / "11-nbgrader-menu.png"))
        page.get_by_role("menuitem", name="Assignment List").click()
        released = page.locator("#released_assignments_list")
        released.get_by_text(chapter).first.wait_for(timeout=60_000)
        page.screenshot(path=str(shots / "12-released.png"))
        released.get_by_role("button", name="Fetch").click()
        fetched = page.locator("#fetched_assignments_list")
        fetched.get_by_text(chapter).first.wait_for(timeout=60_000)
        assert (workspace / chapter / f"{chapter}.ipynb").is_file()  # into the learner's workspace
        page.screenshot(path=str(shots / "13-fetched.png"))
        fetched.get_by_role("button", name="Submit").click()
        submitted = page.locator("#submitted_assignments_list")
        submitted.get_by_text(chapter).first.wait_for(timeout=60_000)
        page.screenshot(path=str(shots / "14-submitted.png"))
        inbound = list((exchange / "dlfs" / "inbound").glob(f"*+{chapter}+*"))
        assert len(inbound) == 1 and (inbound[0] / f"{chapter}.ipynb").is_file()
        assert "Error" not in page.locator(".nbgrader-mainarea-widget").inner_text()
    finally:
        page.close()
        stop(proc)
