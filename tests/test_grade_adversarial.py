"""`dlfs grade` against submissions that try to cheat, break, or escape.

Every entry of CORPUS is a real notebook submission of chapter 02. The class is
graded once (sandboxed, in parallel); then each student's score, status and
message is asserted, and so is that nothing outside the sandbox changed.
"""

from __future__ import annotations

import csv
import html
import http.server
import json
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, release_path, solution_path

from dlfs_autograder.cells import grade_id, is_test_cell
from dlfs_autograder.sandbox import bwrap_path

DLFS = str(Path(sys.executable).parent / "dlfs")
CH = "02_derivatives"
RIGHT = "def deriv(func, input_, delta=0.001):\n    return (func(input_ + delta) - func(input_ - delta)) / (2 * delta)\n"
FORWARD = "def deriv(func, input_, delta=0.001):\n    return (func(input_ + delta) - func(input_)) / delta\n"
MARKER = "dlfs-sandbox-escape-marker"


def _cells() -> tuple[nbformat.NotebookNode, nbformat.NotebookNode]:
    """The exercise cell and the (learner's, visible) test cell of chapter 02."""
    nb = nbformat.read(str(release_path(CH)), as_version=4)
    exercise = next(c for c in nb.cells if grade_id(c) == "deriv")
    test = next(c for c in nb.cells if is_test_cell(c))
    return exercise, test


def _notebook(answer: str, before: str = "", test: str | None = None, test_type: str = "code", drop_test: bool = False,
              after: str = "") -> str:
    exercise, test_cell = _cells()
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cells = [nbformat.v4.new_code_cell("import numpy as np")]
    if before:
        cells.append(nbformat.v4.new_code_cell(before))
    ex = nbformat.from_dict(json.loads(json.dumps(exercise)))
    ex.source = answer
    cells.append(ex)
    if not drop_test:
        t = nbformat.from_dict(json.loads(json.dumps(test_cell)))
        if test is not None:
            t.source = test
        if test_type == "markdown":
            t = nbformat.v4.new_markdown_cell(t.source, metadata=t.metadata)
        cells.append(t)
    if after:
        cells.append(nbformat.v4.new_code_cell(after))
    nb.cells = cells
    return nbformat.writes(nb)


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"reached")

    def log_message(self, *args: object) -> None:
        pass


def _corpus(port: int, tmp: Path) -> dict[str, tuple[str, float, str, str]]:
    """student -> (notebook text, expected score, words in status, words in message)."""
    return {
        "right": (_notebook(RIGHT), 3, "graded", ""),
        "forward": (_notebook(FORWARD), 0, "graded", "forward difference"),
        "patch_numpy": (_notebook(FORWARD, before=(
            "import numpy\nnumpy.allclose = lambda *a, **k: True\nnumpy.isclose = lambda a, b, **k: numpy.ones(numpy.shape(a), bool)\n"
            "numpy.testing.assert_allclose = lambda *a, **k: None")), 0, "graded", "forward difference"),
        "patch_dlfs": (_notebook(FORWARD, before=(
            "import dlfs.checks.gradcheck as g, dlfs.checks.derivatives as d\n"
            "g.assert_close = lambda *a, **k: None\nd.check_deriv = lambda *a, **k: None\ng.CheckFailed = Warning")),
            0, "graded", "forward difference"),
        "patch_builtins": (_notebook(FORWARD, before=(
            "import builtins\nbuiltins.AssertionError = type('Never', (BaseException,), {})\n"
            "builtins.isinstance = lambda *a: True\nbuiltins.print = lambda *a, **k: None")), 0, "graded", ""),
        "ipython_hooks": (_notebook(FORWARD, before=(
            "import sys\nip = get_ipython()\nip.set_custom_exc((BaseException,), lambda *a, **k: None)\n"
            "sys.excepthook = lambda *a: None\nip.events.register('post_run_cell', lambda *a: None)")),
            0, "graded", "forward difference"),
        "edited_test": (_notebook(FORWARD, test="pass  # nothing to see"), 0, "graded", "forward difference"),
        "deleted_test": (_notebook(FORWARD, drop_test=True), 0, "graded", "missing"),
        "retyped_test": (_notebook(FORWARD, test_type="markdown"), 0, "graded", "forward difference"),
        "fake_result": (_notebook(
            "class Fake:\n    def __array__(self, *a, **k):\n        return np.zeros(3)\n"
            "def deriv(func, input_, delta=0.001):\n    return Fake()\n"), 0, "graded", "expected"),
        "read_course": (_notebook(RIGHT, before=(
            f"import glob\nfound = glob.glob({str(ROOT / 'solutions')!r} + '/**', recursive=True) + glob.glob('/root/**/gradebook.db')\n"
            "print('FOUND', found)\ntry:\n    open(" + repr(str(solution_path(CH))) + ").read()\nexcept OSError as e:\n    print('BLOCKED', type(e).__name__)")),
            3, "graded", ""),
        "write_outside": (_notebook(RIGHT, before=(
            "import os\nfor p in [" + repr(str(ROOT / MARKER)) + ", " + repr(str(tmp / MARKER)) + ", '/tmp/" + MARKER + "']:\n"
            "    try:\n        open(p, 'w').write('x')\n    except OSError as e:\n        print('refused', p, type(e).__name__)")),
            3, "graded", ""),
        "network": (_notebook(RIGHT, before=(
            "import urllib.request\ntry:\n    urllib.request.urlopen('http://127.0.0.1:" + str(port) + "/leak', timeout=2)\n"
            "except Exception as e:\n    print('no network', type(e).__name__)")), 3, "graded", ""),
        "child_process": (_notebook(RIGHT, before=(
            "import subprocess\nsubprocess.Popen(['sleep', '4242'], start_new_session=True)\n"
            "subprocess.Popen(['sh', '-c', '(sleep 4243 &) ; exit 0'])")), 3, "graded", ""),
        "infinite_loop_cell": (_notebook(RIGHT, before="while True:\n    pass"), 3, "ran longer than", ""),
        "infinite_loop_function": (_notebook("def deriv(func, input_, delta=0.001):\n    while True:\n        pass\n"),
                                   0, "graded", "did not finish"),
        "memory_bomb": (_notebook(RIGHT, before=(
            "try:\n    huge = bytearray(10**12)\nexcept MemoryError:\n    print('one terabyte refused')\n"
            "hog = []\ntry:\n    while True:\n        hog.append(np.empty(100_000_000))\n"
            "except MemoryError:\n    print('memory limit reached after', len(hog))\nhog.clear()")), 3, "graded", ""),
        "kernel_exit": (_notebook(RIGHT, before="import os\nos._exit(3)"), 0, "kernel died", "not run"),
        "huge_output": (_notebook(RIGHT, before="for _ in range(200):\n    print('x' * 100_000)"), 3, "printed too much", ""),
        "empty": ("", 0, "not graded", "empty"),
        "invalid_json": ("{ this is not json", 0, "not graded", "not a valid notebook"),
        "truncated": (_notebook(RIGHT)[:300], 0, "not graded", "not a valid notebook"),
        "other_chapter": (solution_path("01_functions").read_text(), 0, "not a 02_derivatives notebook", ""),
    }


def _visible_text(page: Path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))


def _sleepers() -> list[str]:
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    return [line for line in ps.splitlines() if "sleep 424" in line]


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    tmp = tmp_path_factory.mktemp("adversarial")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    corpus = _corpus(server.server_address[1], tmp)
    subs = tmp / "submitted"
    for student, (text, *_rest) in corpus.items():
        folder = subs / student / CH
        folder.mkdir(parents=True)
        (folder / f"{CH}.ipynb").write_text(text)
    before = sorted(p.name for p in ROOT.iterdir())
    out = tmp / "out"
    cmd = [DLFS, "grade", str(subs), "--out", str(out), "--cell-seconds", "4", "--notebook-seconds", "60"]
    start = time.monotonic()
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=600)
    seconds = time.monotonic() - start
    first_csv = (out / "grades.csv").read_text()
    again = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=600)
    server.shutdown()
    return {"corpus": corpus, "done": done, "again": again, "first_csv": first_csv, "out": out, "tmp": tmp, "before": before,
            "hits": list(_Recorder.hits), "seconds": seconds}


def _rows(out: Path, name: str = "grades.csv") -> list[dict[str, str]]:
    with (out / name).open() as f:
        return list(csv.DictReader(f))


pytestmark = pytest.mark.skipif(bwrap_path() is None, reason="bubblewrap is not installed (.ci/run installs it)")


def test_batch_finishes_with_a_row_and_a_status_for_everyone(graded: dict[str, object]) -> None:
    done = graded["done"]
    assert isinstance(done, subprocess.CompletedProcess)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Sandbox: bubblewrap" in done.stdout and "Summary:" in done.stdout
    rows = _rows(graded["out"])  # type: ignore[arg-type]
    corpus = graded["corpus"]
    assert isinstance(corpus, dict)
    assert sorted({r["student_id"] for r in rows}) == sorted(corpus)  # a row per exercise, for every student
    for student in corpus:
        assert "test_deriv" in {r["exercise"] for r in rows if r["student_id"] == student}, student


@pytest.mark.parametrize("student", list(_corpus(0, Path("/nonexistent"))))
def test_each_submission_scores_what_it_earned(graded: dict[str, object], student: str) -> None:
    corpus = graded["corpus"]
    assert isinstance(corpus, dict)
    _, score, status_words, message_words = corpus[student]
    row = next(r for r in _rows(graded["out"]) if r["student_id"] == student and r["exercise"] == "test_deriv")  # type: ignore[arg-type]
    assert float(row["score"]) == score, row
    assert status_words in row["status"], row
    record = json.loads((graded["out"] / ".journal" / f"{student}__{CH}.json").read_text())  # type: ignore[operator]
    assert message_words in record["messages"]["test_deriv"], record["messages"]
    page = graded["out"] / "feedback" / student / CH / f"{CH}.html"  # type: ignore[operator]
    assert page.is_file()


def test_nothing_outside_the_sandbox_changed(graded: dict[str, object]) -> None:
    tmp = graded["tmp"]
    assert isinstance(tmp, Path)
    assert sorted(p.name for p in ROOT.iterdir()) == graded["before"]
    assert not (ROOT / MARKER).exists() and not (tmp / MARKER).exists() and not Path("/tmp", MARKER).exists()
    assert graded["hits"] == [], "a submission reached the network"
    assert _sleepers() == [], "a process started by a submission outlived its kernel"
    read = _visible_text(graded["out"] / "feedback" / "read_course" / CH / f"{CH}.html")  # type: ignore[operator]
    listing = read.rsplit("FOUND [", 1)[1].split("]", 1)[0]  # the printed output, not the code
    assert ".ipynb" not in listing and "gradebook" not in listing and "BLOCKED FileNotFoundError" in read
    memory = _visible_text(graded["out"] / "feedback" / "memory_bomb" / CH / f"{CH}.html")  # type: ignore[operator]
    assert "one terabyte refused" in memory and "memory limit reached" in memory
    write = _visible_text(graded["out"] / "feedback" / "write_outside" / CH / f"{CH}.html")  # type: ignore[operator]
    assert write.count("refused /") == 3  # the course folder, the grader's folders and /tmp are all read-only
    net = _visible_text(graded["out"] / "feedback" / "network" / CH / f"{CH}.html")  # type: ignore[operator]
    assert "no network" in net


def test_feedback_never_shows_hidden_test_code(graded: dict[str, object]) -> None:
    source = nbformat.read(str(solution_path(CH)), as_version=4)
    hidden = []
    for cell in source.cells:
        if is_test_cell(cell):
            inside = False
            for line in cell.source.splitlines():
                inside = (inside or "BEGIN HIDDEN" in line) and "END HIDDEN" not in line
                if inside and "HIDDEN TESTS" not in line and line.strip():
                    hidden.append(line.strip())
    assert hidden
    for page in (graded["out"] / "feedback").rglob("*.html"):  # type: ignore[operator]
        text = _visible_text(page)
        assert not any(line in text for line in hidden), page


def test_regrading_gives_the_same_csv_and_reuses_the_journal(graded: dict[str, object]) -> None:
    again = graded["again"]
    assert isinstance(again, subprocess.CompletedProcess) and again.returncode == 0
    assert again.stdout.count("unchanged, kept") == len(graded["corpus"])  # type: ignore[arg-type]
    assert (graded["out"] / "grades.csv").read_text() == graded["first_csv"]  # type: ignore[operator]
    rows = _rows(graded["out"])  # type: ignore[arg-type]
    totals = _rows(graded["out"], "totals.csv")  # type: ignore[arg-type]
    assert len({r["student_id"] for r in rows}) == len(totals) == len(graded["corpus"])  # type: ignore[arg-type]
