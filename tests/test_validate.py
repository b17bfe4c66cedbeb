"""JupyterLab's Validate button gives `dlfs check`'s verdict on every mistaken notebook of tests/mistakes/.

One learner's `dlfs lab` serves a workspace; each mistaken (or right-but-different)
notebook is saved there and validated through the route the button POSTs to. The
verdict must be the one `dlfs check` gives (tests/test_check.py asserts the same
expectations of `dlfs check` itself): the points of every exercise, the words of
every message, and "Success" exactly when `dlfs check` gives full marks.
"""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from conftest import CHAPTERS, release_path, with_answers
from labtools import clean_env, free_port, http, jupyter_dirs, stop, wait_for
from mistakes import cases_by_chapter

from dlfs_autograder.labserver import verdict

DLFS = str(Path(sys.executable).parent / "dlfs")
MISTAKEN = cases_by_chapter(CHAPTERS)


def _representatives() -> list[tuple[str, int]]:
    """Per chapter, the case with the most mistakes; and chapter 01's first right-but-different one.

    Validate runs ``dlfs check`` itself (tests/test_check.py runs every case through it): these cases
    show that what the dialog reports is that verdict, for every chapter, within CI's time.
    """
    chosen = []
    for chapter, cases in MISTAKEN.items():
        chosen.append((chapter, max(range(len(cases)), key=lambda i: sum(p is not None for p, _ in cases[i][1].values()))))
    right = next(i for i, (_, expected) in enumerate(MISTAKEN[CHAPTERS[0]]) if all(p is None for p, _ in expected.values()))
    return [(CHAPTERS[0], right), *chosen]


CASES = _representatives()
ROW = re.compile(r"^(\S+)\s+([\d.]+)/([\d.]+)\s+(ok|FAILED)$")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    tmp = tmp_path_factory.mktemp("validate")
    port, token, workspace = free_port(), "validate-test-token", tmp / "my-work"
    log = tmp / "lab.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [DLFS, "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}", f"--IdentityProvider.token={token}"],
            env=clean_env(**jupyter_dirs(tmp), DLFS_WORKSPACE=str(workspace)), cwd=tmp, stdout=out, stderr=subprocess.STDOUT,
            text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/api/status?token={token}", proc, log=log, status=200)
        yield base, token, workspace
    finally:
        stop(proc)


def rows(report: str) -> dict[str, tuple[float, float]]:
    """``exercise -> (earned, possible)`` from `dlfs check`'s table."""
    return {m[1]: (float(m[2]), float(m[3])) for line in report.splitlines() if (m := ROW.match(line.strip()))}


@pytest.mark.notebook
@pytest.mark.parametrize(("chapter", "variant"), CASES)
def test_validate_gives_dlfs_checks_verdict_in_every_chapter(server: tuple[str, str, Path], chapter: str,
                                                                       variant: int) -> None:
    base, token, workspace = server
    answers, expected = MISTAKEN[chapter][variant]
    folder = workspace / f"case-{chapter}-{variant}"
    folder.mkdir(parents=True)
    nbformat.write(with_answers(nbformat.read(str(release_path(chapter)), as_version=4), answers),
                   str(folder / f"{chapter}.ipynb"))
    path = urllib.parse.quote(f"{folder.name}/{chapter}.ipynb")
    status, shown = http(f"{base}/assignments/validate?path={path}", "POST", b"", token=token, timeout=300)
    assert status == 200 and shown["success"] is True, shown
    if shown["value"] == {}:  # the dialog says "Success! Your notebook passes all the tests."
        assert all(points is None for points, _ in expected.values()), shown
        return
    report = shown["dlfs_check"]["report"]
    assert shown["value"]["failed"][0]["error"].endswith(report.replace("&", "&amp;").replace("<", "&lt;")
                                                         .replace(">", "&gt;").replace('"', "&quot;").replace("'", "&#x27;"))
    table = rows(report)
    for gid, (points, words) in expected.items():
        earned, possible = table[gid.removeprefix("test_")]
        if points is None:
            assert earned == possible, report
        else:
            assert earned == points and words in report, report


def test_the_verdict_shape_is_what_nbgraders_dialog_shows() -> None:
    ok = verdict(0, "Self-check of x.ipynb (1.0 s)\n\nexercise  points  result\nderiv     3/3     ok\n\nTotal: 3 / 3")
    assert ok == {"success": True, "value": {}}  # no failure entries: the dialog's success message
    report = "Self-check of x.ipynb (1.0 s)\n\nexercise  points  result\nderiv     0/3     FAILED\n\nTotal: 0 / 3\n\n" \
             "What to fix:\n  - deriv: <b>x</b> & y"
    bad = verdict(1, report)
    (entry,) = bad["value"]["failed"]
    assert "Total: 0 / 3" in entry["source"]
    assert entry["error"].endswith("&lt;b&gt;x&lt;/b&gt; &amp; y")  # the dialog renders it as HTML: escaped
    assert "<b>" not in entry["error"].split("</style>", 1)[1]
    crashed = verdict(1, "dlfs check: data.ipynb is empty. Nothing was graded.")
    assert crashed["value"]["failed"][0]["source"] == "Self-check: nothing could be graded."
