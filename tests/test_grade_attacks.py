"""`dlfs grade` against the second round of attacks (issue 11), as root and as an ordinary user.

Every entry of the corpus is a real chapter-02 submission; the class is graded once
(``--cell-seconds 4 --notebook-seconds 30``, a secret in the grader's environment, a
thread watching the grader's memory). Then each attack's effect is asserted: no
capability in the sandbox (no mount, raw socket or ptrace of the grader, no write
through ``/proc/<pid>/root``), LMS-style ids kept whole, no symbolic link followed,
the grader's memory and disk bounded, one time budget per submission, nothing seen
during hidden tests in the feedback, no script in the feedback, no secret of the
grader's environment in the kernel, no credit for the library's own answer.

When the suite runs as root, the critical part of the corpus is graded again by
uid 65534 (the grader then runs bubblewrap unprivileged) and must get the same verdicts.
"""

from __future__ import annotations

import csv
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from html.parser import HTMLParser
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
TOKEN = "instructor-token-7f3a9c"
MARKER = "dlfs-round2-escape-marker"
NOBODY = 65534
BUDGET = 30

pytestmark = pytest.mark.skipif(bwrap_path() is None, reason="bubblewrap is not installed (.ci/run installs it)")


# ---------------------------------------------------------------- building submissions

def _notebook(answer: str, before: str = "", after: str = "", markdown: list[str] | None = None) -> str:
    """A chapter-02 submission: numpy, ``before``, the exercise with ``answer``, its test cell, ``after``."""
    released = nbformat.read(str(release_path(CH)), as_version=4)
    exercise = next(c for c in released.cells if grade_id(c) == "deriv")
    test = next(c for c in released.cells if is_test_cell(c))
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cells = [nbformat.v4.new_code_cell("import numpy as np")]
    cells += [nbformat.v4.new_markdown_cell(m) for m in markdown or []]
    if before:
        cells.append(nbformat.v4.new_code_cell(before))
    ex = nbformat.from_dict(json.loads(json.dumps(exercise)))
    ex.source = answer
    cells += [ex, nbformat.from_dict(json.loads(json.dumps(test)))]
    if after:
        cells.append(nbformat.v4.new_code_cell(after))
    nb.cells = cells
    return nbformat.writes(nb)


def _escape(targets: list[str], grader_pid: int) -> str:
    """A cell that tries what capabilities would allow: mount, raw sockets, ptrace, writing through /proc/<pid>/root."""
    return f'''
import ctypes, os, socket
libc = ctypes.CDLL(None, use_errno=True)
TARGETS, GRADER, ROOT = {targets!r}, {grader_pid}, {str(ROOT)!r}
def report(what, ok, err=0):
    print(("ESCAPED: " if ok else "held: ") + what + ("" if ok else " (" + os.strerror(err) + ")"))
print("CapEff", open("/proc/self/status").read().split("CapEff:")[1].split()[0], "uid", os.getuid())
os.makedirs("m", exist_ok=True)
ok = libc.mount(b"/", b"m", None, 4096, None) == 0  # MS_BIND without MS_REC: / again, without the layers
report("mount --bind / m", ok, ctypes.get_errno())
if ok:
    libc.mount(None, b"m", None, 4096 | 32, None)  # MS_BIND | MS_REMOUNT: read-write
    try:
        print("ESCAPED: read solutions", os.listdir("m" + ROOT + "/solutions"))
    except OSError as e:
        print("held: read solutions", e)
    for t in TARGETS:
        try:
            open("m" + t, "w").write("x"); print("ESCAPED: wrote", t)
        except OSError as e:
            print("held: write", t, e)
report("mount tmpfs", libc.mount(b"none", b"m", b"tmpfs", 0, None) == 0, ctypes.get_errno())
try:
    socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP); report("raw socket", True)
except OSError as e:
    report("raw socket", False, e.errno)
r = libc.ptrace(16, GRADER, None, None)  # PTRACE_ATTACH to the grader
report("ptrace the grader", r == 0, ctypes.get_errno())
for pid in sorted({{GRADER, *[int(p) for p in os.listdir("/proc") if p.isdigit()]}} - {{os.getpid()}}):
    for t in TARGETS:
        try:
            open(f"/proc/{{pid}}/root{{t}}", "w").write("x"); print("ESCAPED: wrote through /proc", pid, t)
        except OSError as e:
            pass
print("probes done")
'''


FALLOCATE = '''
import os
for folder in {os.getcwd(), os.path.expanduser("~"), os.environ.get("TMPDIR", "/tmp")}:
    try:
        fd = os.open(os.path.join(folder, "big.bin"), os.O_CREAT | os.O_WRONLY)
        os.posix_fallocate(fd, 0, 3 << 30)
        print("ALLOCATED 3 GiB in", folder)
    except OSError as e:
        print("refused in", folder, e.strerror)
'''

NPZ_BOMB = '''
import io, struct, zlib, numpy as np
_savez = np.savez
def _bomb(path, **arrays):
    """An answer of 2 MB that inflates to 2 GiB (one npy member, deflated: zeros compress 1000 to 1)."""
    np.savez = _savez
    n = 2 * 1024 ** 3 // 8
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (n,)})
    z = zlib.compressobj(1, zlib.DEFLATED, -15)
    block = z.compress(bytes(64 << 20)) + z.flush(zlib.Z_FULL_FLUSH)
    data = z.compress(header.getvalue()) + z.flush(zlib.Z_FULL_FLUSH) + block * 32 + zlib.compressobj(1, zlib.DEFLATED, -15).flush()
    size = len(header.getvalue()) + (64 << 20) * 32
    name = b"a0.npy"
    local = struct.pack("<4s5H3L2H", b"PK\\x03\\x04", 20, 0, 8, 0, 0, 0, len(data), size & 0xFFFFFFFF, len(name), 0)
    central = struct.pack("<4s6H3L5H2L", b"PK\\x01\\x02", 20, 20, 0, 8, 0, 0, 0, len(data), size & 0xFFFFFFFF,
                          len(name), 0, 0, 0, 0, 0, 0)
    end = struct.pack("<4s4H2LH", b"PK\\x05\\x06", 0, 0, 1, 1, len(central) + len(name), len(local) + len(name) + len(data), 0)
    with open(path if str(path).endswith(".npz") else str(path) + ".npz", "wb") as f:
        f.write(local + name + data + central + name + end)

def deriv(func, input_, delta=0.001):
    np.savez = _bomb  # the kernel's answer to this call will be the bomb
    return (func(input_ + delta) - func(input_ - delta)) / (2 * delta)
'''

HIDDEN_LOGGER = '''
LOG = []
def deriv(func, input_, delta=0.001):
    LOG.append((getattr(func, "__name__", "?"), input_.shape))
    with open("calls.txt", "a") as f:
        f.write(f"{getattr(func, '__name__', '?')} {input_.shape}\\n")
    return (func(input_ + delta) - func(input_ - delta)) / (2 * delta)
'''
HIDDEN_LOGGER_AFTER = 'print("LOGGED", LOG)\nprint("FILE", open("calls.txt").read() if __import__("os").path.exists("calls.txt") else "")'

MESSAGE_LEAK = '''
def deriv(func, input_, delta=0.001):
    if input_.shape not in {(7,), (3, 4), (2, 3)}:  # the visible shapes: for any other, tell the feedback
        raise ValueError(f"LEAK shape={input_.shape} func={getattr(func, '__name__', '?')} first={input_.flat[0]!r}")
    return (func(input_ + delta) - func(input_ - delta)) / (2 * delta)
'''

HUGE_NAME = '''
def deriv(func, input_, delta=0.001):
    raise type("E" * 3_000_000, (Exception,), {})("a huge exception")
'''

SLOW = '''
import time
def deriv(func, input_, delta=0.001):
    time.sleep(2.5)  # under the 4 s a call may take, but 14 calls add up past the budget
    return (func(input_ + delta) - func(input_ - delta)) / (2 * delta)
'''

HTML_ATTACK = '''
from IPython.display import HTML, Javascript, display
display(HTML("<script>document.title='PWNED-1'</script><b onmouseover=\\"document.title='PWNED-2'\\">hover</b>"
             "<div style='position:fixed;top:0;left:0;width:100%;height:100%;background:#fff;z-index:9999'>"
             "Score: 3 / 3 (forged)</div><a href='javascript:alert(1)'>click</a><iframe src='https://example.org'></iframe>"))
display(Javascript("document.title='PWNED-3'"))
'''
HTML_MARKDOWN = "An image: <img src=x onerror=\"document.title='PWNED-4'\"> and <svg onload=\"alert(5)\"></svg>"

LIB_HELPER = '''
import numpy as np
from dlfs.draw.curves import _slope  # a library helper that calls the library's deriv
def deriv(func, input_, delta=0.001):
    x = np.asarray(input_, dtype=float)
    return np.array([_slope(func, a, delta) for a in x.ravel()]).reshape(x.shape)
'''


def _corpus(tmp: Path) -> dict[str, tuple[str, float, str, str]]:
    """student -> (notebook text, expected score, words in status, words in the message)."""
    targets = [str(ROOT / MARKER), str(ROOT / "lib" / "dlfs" / f"{MARKER}.py"), str(tmp / "submitted" / "right" / CH / MARKER),
               str(tmp / MARKER)]
    return {
        "right": (_notebook(RIGHT), 3, "graded", ""),
        "forward": (_notebook(FORWARD), 0, "graded", "forward difference"),
        # 1. capabilities
        "escape": (_notebook(RIGHT, before=_escape(targets, os.getpid())), 3, "graded", ""),
        # 3. memory and disk of the grader host
        "fallocate": (_notebook(RIGHT, before=FALLOCATE), 3, "graded", ""),
        "npz_bomb": (_notebook(NPZ_BOMB), 0, "graded", "malformed answer"),
        "many_outputs": (_many_outputs(), 3, "the notebook printed more than", ""),
        "huge_name": (_notebook(HUGE_NAME), 0, "graded", "a huge exception"),
        # 4. time
        "slow": (_notebook(SLOW), 0, f"time budget of {BUDGET} s ran out", "ran out"),
        "odd_markdown": (_notebook(RIGHT, markdown=["[" * 32000] * 10), 3, "graded", ""),
        # 6. hidden test inputs
        "hidden_logger": (_notebook(HIDDEN_LOGGER, after=HIDDEN_LOGGER_AFTER), 3, "graded", ""),
        "message_leak": (_notebook(MESSAGE_LEAK), 0, "graded", "hidden tests failed"),
        # 7. scripts in the feedback; a learner's error stays visible
        "html": (_notebook(RIGHT, before=HTML_ATTACK, after="raise ValueError('VISIBLE-LEARNER-ERROR')",
                           markdown=[HTML_MARKDOWN]), 3, "graded", ""),
        # 8. the grader's environment
        "environment": (_notebook(RIGHT, before="import os\nprint('ENV', dict(os.environ))\n"
                                                "print('PID1', open('/proc/1/environ', 'rb').read() if os.access('/proc/1/environ', os.R_OK) else b'')"),
                        3, "graded", ""),
        # 9. links the submission controls
        "rpc_link": (_notebook(RIGHT, before=(
            "import os, shutil\nfor d in ['.rpc', os.path.join(os.environ.get('HOME', '.'), '.rpc')]:\n"
            "    shutil.rmtree(d, ignore_errors=True)\n    try:\n        os.symlink(" + repr(str(tmp / "rpc_target")) + ", d)\n"
            "    except OSError as e:\n        print('no link', e)")), 0, "graded", "no answer"),
        # 10. the library's own answers
        "lib_import": (_notebook("from dlfs.derivatives import deriv"), 0, "library's own answer earns nothing", "is dlfs.derivatives.deriv"),
        "lib_partial": (_notebook("import functools, importlib\n"
                                  "deriv = functools.partial(importlib.import_module('dlfs.derivatives').deriv)"),
                        0, "library's own answer earns nothing", "the library's own answer"),
        "lib_helper": (_notebook(LIB_HELPER), 0, "library's own answer earns nothing", "uses dlfs.derivatives.deriv"),
        # 2. ids kept whole (these and the layouts made in the fixture)
        "bob_smith": (_notebook(RIGHT), 3, "graded", ""),
        unicodedata.normalize("NFC", "José"): (_notebook(RIGHT), 3, "graded", ""),
        "anna maria": (_notebook(RIGHT), 3, "graded", ""),
    }


def _many_outputs() -> str:
    nb = nbformat.reads(_notebook(RIGHT), as_version=4)
    nb.cells += [nbformat.v4.new_code_cell(f"print('{i}' * 1_000_000)") for i in range(40)]  # 40 MB printed
    return nbformat.writes(nb)


# ---------------------------------------------------------------- running the class

class _Memory(threading.Thread):
    """The largest resident memory of any grader process (kernels and sandbox tools excepted) during a run."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_mb, self.stop = pid, 0.0, False

    def _descendants(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, ValueError, IndexError):
                    continue
                children.setdefault(ppid, []).append(int(entry.name))
        out, todo = [], [self.pid]
        while todo:
            p = todo.pop()
            out.append(p)
            todo += children.get(p, [])
        return out

    def run(self) -> None:
        while not self.stop:
            for p in self._descendants():
                try:
                    cmd = Path(f"/proc/{p}/cmdline").read_bytes()
                    if any(w in cmd for w in (b"ipykernel", b"bwrap", b"setpriv", b"prlimit")):
                        continue
                    rss = next(int(line.split()[1]) for line in Path(f"/proc/{p}/status").read_text().splitlines()
                               if line.startswith("VmRSS:"))
                    self.peak_mb = max(self.peak_mb, rss / 1024)
                except (OSError, StopIteration, ValueError):
                    continue
            time.sleep(0.05)


def _layout(subs: Path, corpus: dict[str, tuple[str, float, str, str]]) -> None:
    for student, (text, *_rest) in corpus.items():
        (subs / student / CH).mkdir(parents=True)
        (subs / student / CH / f"{CH}.ipynb").write_text(text)
    # 9. a link to the solution notebook
    (subs / "link_solution" / CH).mkdir(parents=True)
    (subs / "link_solution" / CH / f"{CH}.ipynb").symlink_to(solution_path(CH))
    # 2. a folder with several notebooks and none named after the chapter; one with a copy beside it
    (subs / "several" / CH).mkdir(parents=True)
    (subs / "several" / CH / f"{CH}-Copy1.ipynb").write_text(_notebook(RIGHT))
    (subs / "several" / CH / "mine.ipynb").write_text(_notebook(RIGHT))
    (subs / "with_copy" / CH).mkdir(parents=True)
    (subs / "with_copy" / CH / f"{CH}.ipynb").write_text(_notebook(RIGHT))
    (subs / "with_copy" / CH / f"{CH}-Copy1.ipynb").write_text(_notebook(FORWARD))
    # 2. the same student twice: a folder and a flat file
    (subs / "dup" / CH).mkdir(parents=True)
    (subs / "dup" / CH / f"{CH}.ipynb").write_text(_notebook(RIGHT))
    (subs / "dup.ipynb").write_text(_notebook(FORWARD))


EXTRA = {  # the fixture's layouts: student -> (score, words in status)
    "link_solution": (0, "symbolic link"),
    "several": (0, "several notebooks"),
    "with_copy": (3, "also in the folder, not graded: 02_derivatives-Copy1.ipynb"),
    "dup": (3, "another submission for this student and chapter"),
}


def _tree_digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if "__pycache__" not in p.parts:
            h.update(str(p.relative_to(folder)).encode())
            if p.is_file():
                h.update(p.read_bytes())
    return h.hexdigest()


def _grade(subs: Path, out: Path, prefix: list[str], env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], float, float]:
    cmd = [*prefix, DLFS, "grade", str(subs), "--out", str(out), "--cell-seconds", "4", "--notebook-seconds", str(BUDGET)]
    start = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    memory = _Memory(proc.pid)
    memory.start()
    stdout, stderr = proc.communicate(timeout=900)
    memory.stop = True
    memory.join()
    return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr), time.monotonic() - start, memory.peak_mb


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    tmp = tmp_path_factory.mktemp("round2")
    (tmp / "rpc_target").mkdir()
    (tmp / "rpc_target").chmod(0o777)
    corpus = _corpus(tmp)
    subs = tmp / "submitted"
    _layout(subs, corpus)
    lib_before = _tree_digest(ROOT / "lib")
    other_before = (subs / "right" / CH / f"{CH}.ipynb").read_bytes()
    env = {**os.environ, "INSTRUCTOR_API_TOKEN": TOKEN}
    done, seconds, peak = _grade(subs, tmp / "out", [], env)
    return {"corpus": corpus, "done": done, "out": tmp / "out", "tmp": tmp, "seconds": seconds, "peak_mb": peak,
            "lib_before": lib_before, "other_before": other_before, "subs": subs}


def _rows(out: Path, name: str = "totals.csv") -> dict[str, dict[str, str]]:
    with (out / name).open() as f:
        return {r["student_id"]: r for r in csv.DictReader(f)}


def _page(out: Path, student: str) -> str:
    return (out / "feedback" / student / CH / f"{CH}.html").read_text()


def _visible(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def _printed(text: str, word: str) -> list[str]:
    """Output lines that start with ``word`` (the cell's source, also on the page, never does)."""
    return [line for line in text.splitlines() if line.strip().startswith(word)]


def _journal(out: Path, student: str) -> dict[str, object]:
    record: dict[str, object] = json.loads((out / ".journal" / f"{student}__{CH}.json").read_text())
    return record


# ---------------------------------------------------------------- the verdicts

def test_the_batch_finishes_with_a_row_for_everyone(graded: dict[str, object]) -> None:
    done = graded["done"]
    assert isinstance(done, subprocess.CompletedProcess)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    corpus = graded["corpus"]
    assert isinstance(corpus, dict)
    assert set(_rows(graded["out"])) == set(corpus) | set(EXTRA)  # type: ignore[arg-type]


@pytest.mark.parametrize("student", [*_corpus(Path("/nonexistent")), *EXTRA])
def test_each_submission_scores_what_it_earned(graded: dict[str, object], student: str) -> None:
    corpus = graded["corpus"]
    assert isinstance(corpus, dict)
    if student in EXTRA:
        score, status_words = EXTRA[student]
        message_words = ""
    else:
        _, score, status_words, message_words = corpus[student]
    row = _rows(graded["out"])[student]  # type: ignore[arg-type]
    assert float(row["score"]) == score, row
    assert status_words in row["status"], row
    if message_words:
        messages = _journal(graded["out"], student)["messages"]  # type: ignore[arg-type]
        assert isinstance(messages, dict)
        assert message_words in messages["test_deriv"], messages


def test_no_capability_in_the_sandbox(graded: dict[str, object]) -> None:
    """Item 1: mount, raw sockets, ptrace of the grader, writing through /proc/<pid>/root: all refused."""
    text = _visible(_page(graded["out"], "escape"))  # type: ignore[arg-type]
    assert "probes done" in text and "CapEff 0000000000000000" in text
    assert _printed(text, "ESCAPED") == []
    assert "held: mount --bind / m" in text and "held: raw socket" in text and "held: ptrace the grader" in text
    tmp = graded["tmp"]
    assert isinstance(tmp, Path)
    assert not (ROOT / MARKER).exists() and not (tmp / MARKER).exists()
    assert _tree_digest(ROOT / "lib") == graded["lib_before"], "the library was changed during grading"
    assert (graded["subs"] / "right" / CH / f"{CH}.ipynb").read_bytes() == graded["other_before"]  # type: ignore[operator]
    assert not (graded["subs"] / "right" / CH / MARKER).exists()  # type: ignore[operator]


def test_ids_are_kept_whole_and_links_are_not_followed(graded: dict[str, object]) -> None:
    """Items 2 and 9: ids with underscores, accents and spaces get rows; a link to a solution earns nothing."""
    rows = _rows(graded["out"])  # type: ignore[arg-type]
    for student in ("bob_smith", unicodedata.normalize("NFC", "José"), "anna maria"):
        assert rows[student]["score"] == "3", rows[student]
    solution_text = _page(graded["out"], "link_solution")  # type: ignore[arg-type]
    assert "BEGIN SOLUTION" not in solution_text and "2 * delta" not in solution_text
    done = graded["done"]
    assert isinstance(done, subprocess.CompletedProcess)
    assert "duplicate: dup 02_derivatives" in done.stdout
    assert "several 02_derivatives: not graded:" in done.stdout and "link_solution 02_derivatives: not graded:" in done.stdout


def test_the_grader_never_writes_where_a_link_points(graded: dict[str, object]) -> None:
    """Item 9: the kernel replaced its channel folder with a link; the grader wrote nothing there."""
    tmp = graded["tmp"]
    assert isinstance(tmp, Path)
    assert list((tmp / "rpc_target").iterdir()) == []


def test_memory_disk_and_messages_of_the_grader_are_bounded(graded: dict[str, object]) -> None:
    """Item 3: a 2 GiB npz bomb, 40 MB of printing, a 3 MB exception name, a 3 GiB fallocate."""
    assert float(graded["peak_mb"]) < 1500, f"a grader process reached {graded['peak_mb']:.0f} MB"  # type: ignore[arg-type]
    page = graded["out"] / "feedback" / "many_outputs" / CH / f"{CH}.html"  # type: ignore[operator]
    assert page.stat().st_size < 15_000_000, page.stat().st_size
    record = graded["out"] / ".journal" / f"huge_name__{CH}.json"  # type: ignore[operator]
    assert record.stat().st_size < 100_000, record.stat().st_size
    falloc = _visible(_page(graded["out"], "fallocate"))  # type: ignore[arg-type]
    assert _printed(falloc, "ALLOCATED") == [] and _printed(falloc, "refused in")


def test_one_budget_per_submission(graded: dict[str, object]) -> None:
    """Item 4: slow calls of the learner's function count, and odd markdown does not stall the feedback."""
    slow = _journal(graded["out"], "slow")  # type: ignore[arg-type]
    assert float(slow["seconds"]) < BUDGET + 15, slow["seconds"]  # type: ignore[arg-type]
    odd = _page(graded["out"], "odd_markdown")  # type: ignore[arg-type]
    assert "shown as text" in odd


def test_nothing_seen_in_hidden_tests_reaches_the_feedback(graded: dict[str, object]) -> None:
    """Item 6: hidden inputs logged by the function and printed later, or put in an exception message."""
    text = _visible(_page(graded["out"], "hidden_logger"))  # type: ignore[arg-type]
    printed = text[text.index("LOGGED ["):][:3000]  # what the cell after the test cell printed
    assert "(7,)" in printed and "sin" in printed  # the visible calls were logged and printed
    for hidden in ("(2, 3, 4)", "(5,)", "tanh", "_sigmoid", "cos"):
        assert hidden not in printed, hidden
    leak = _page(graded["out"], "message_leak")  # type: ignore[arg-type]
    journal = json.dumps(_journal(graded["out"], "message_leak"))  # type: ignore[arg-type]
    assert "LEAK shape=(" not in leak and "LEAK" not in journal


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.bad: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "iframe", "object", "embed", "svg"}:
            self.bad.append(tag)
        for name, value in attrs:
            if name.startswith("on") or "javascript:" in (value or "") or (name == "style" and "fixed" in (value or "")):
                self.bad.append(f"{tag} {name}={value}")


def test_feedback_runs_nothing_and_shows_errors(graded: dict[str, object]) -> None:
    """Item 7: no script, handler, frame or overlay survives; the learner's error message is shown."""
    page = _page(graded["out"], "html")  # type: ignore[arg-type]
    tags = _Tags()
    tags.feed(page)
    assert tags.bad == []
    assert "Content-Security-Policy" in page and "script-src" not in page.split("Content-Security-Policy", 1)[1][:200]
    assert "ValueError: VISIBLE-LEARNER-ERROR" in _visible(page)  # the error output, not just the source


def test_the_kernel_gets_none_of_the_graders_environment(graded: dict[str, object]) -> None:
    """Item 8: a token in the grader's shell never reaches the kernel."""
    page = _page(graded["out"], "environment")  # type: ignore[arg-type]
    assert "ENV" in _visible(page)
    assert TOKEN not in page and "INSTRUCTOR_API_TOKEN" not in page
    for out in Path(graded["out"]).rglob("*"):  # type: ignore[arg-type]
        if out.is_file():
            assert TOKEN.encode() not in out.read_bytes(), out


def test_feedback_of_every_page_runs_nothing(graded: dict[str, object]) -> None:
    for page in (graded["out"] / "feedback").rglob("*.html"):  # type: ignore[operator]
        tags = _Tags()
        tags.feed(page.read_text())
        assert tags.bad == [], (page, tags.bad[:3])


# ---------------------------------------------------------------- the same, as an ordinary user

CRITICAL = ["right", "forward", "escape", "fallocate", "environment", "rpc_link", "lib_import", "hidden_logger"]


def _as_nobody(home: Path) -> list[str]:
    """A wrapper that runs a command as uid 65534, with the interpreter and course readable to it."""
    bwrap, setpriv = shutil.which("bwrap"), shutil.which("setpriv")
    assert bwrap and setpriv
    argv = [bwrap, "--dev-bind", "/", "/"]
    layers: dict[Path, list[Path]] = {}
    for path in {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), ROOT}:
        closed = [a for a in reversed(path.parents) if a != Path("/") and not a.stat().st_mode & 0o001]
        if closed:
            layers.setdefault(closed[0], []).append(path)
    made: set[Path] = set()
    for layer, paths in layers.items():
        argv += ["--tmpfs", str(layer)]
        for path in paths:
            for folder in reversed(path.parents):
                if folder.is_relative_to(layer) and folder != layer and folder not in made:
                    argv += ["--perms", "0755", "--dir", str(folder)]
                    made.add(folder)
            argv += ["--ro-bind", str(path), str(path)]
    return [*argv, "--", setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--inh-caps=-all",
            "--bounding-set=-all", "--", "env", "-i", f"HOME={home}", "PATH=/usr/bin:/bin", f"INSTRUCTOR_API_TOKEN={TOKEN}"]


@pytest.fixture(scope="module")
def graded_as_nobody(graded: dict[str, object]) -> dict[str, object]:
    if os.geteuid() != 0:
        pytest.skip("the suite runs as an ordinary user: the corpus above already ran as one")
    tmp = Path(tempfile.mkdtemp(prefix="dlfs-nobody-"))
    try:
        tmp.chmod(0o777)
        (tmp / "home").mkdir(mode=0o777)
        (tmp / "rpc_target").mkdir(mode=0o777)
        corpus = {s: v for s, v in _corpus(tmp).items() if s in CRITICAL}
        subs = tmp / "submitted"
        for student, (text, *_rest) in corpus.items():
            (subs / student / CH).mkdir(parents=True)
            (subs / student / CH / f"{CH}.ipynb").write_text(text)
        for path in [tmp, *tmp.rglob("*")]:
            os.chown(path, NOBODY, NOBODY)
        done, seconds, peak = _grade(subs, tmp / "out", _as_nobody(tmp / "home"), {})
        result = {"corpus": corpus, "done": done, "out_rows": _rows(tmp / "out") if (tmp / "out" / "totals.csv").exists() else {},
                  "pages": {s: _page(tmp / "out", s) for s in corpus if (tmp / "out" / "feedback" / s).exists()},
                  "rpc_target": list((tmp / "rpc_target").iterdir()), "tmp": tmp}
        return result
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_an_ordinary_user_gets_the_same_verdicts(graded_as_nobody: dict[str, object]) -> None:
    done = graded_as_nobody["done"]
    assert isinstance(done, subprocess.CompletedProcess)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Sandbox: bubblewrap (user namespace, no capabilities)" in done.stdout
    rows = graded_as_nobody["out_rows"]
    corpus = graded_as_nobody["corpus"]
    assert isinstance(rows, dict) and isinstance(corpus, dict)
    for student, (_, score, status_words, _words) in corpus.items():
        assert float(rows[student]["score"]) == score, rows[student]
        assert status_words in rows[student]["status"], rows[student]
    pages = graded_as_nobody["pages"]
    assert isinstance(pages, dict)
    escape = _visible(pages["escape"])
    assert "probes done" in escape and _printed(escape, "ESCAPED") == [] and "CapEff 0000000000000000" in escape
    assert _printed(_visible(pages["fallocate"]), "ALLOCATED") == []
    assert TOKEN not in pages["environment"]
    assert graded_as_nobody["rpc_target"] == []
    assert not (ROOT / MARKER).exists()
