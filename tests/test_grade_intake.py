"""`dlfs grade` intake (flat folder, LMS zip) and an interrupted run that loses nothing."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, full_marks, release_path, solution_path

from dlfs_autograder.sandbox import bwrap_path

DLFS = str(Path(sys.executable).parent / "dlfs")
pytestmark = [pytest.mark.notebook, pytest.mark.skipif(bwrap_path() is None, reason="bubblewrap is not installed")]


FULL_02 = full_marks("02_derivatives")


def _totals(out: Path) -> dict[tuple[str, str], str]:
    with (out / "totals.csv").open() as f:
        return {(r["student_id"], r["assignment"]): r["score"] for r in csv.DictReader(f)}


def test_flat_folder_recognises_each_chapter(tmp_path: Path) -> None:
    subs = tmp_path / "flat"
    subs.mkdir()
    shutil.copyfile(solution_path("02_derivatives"), subs / "alice.ipynb")
    shutil.copyfile(release_path("01_functions"), subs / "bob.ipynb")
    (subs / "carol.ipynb").write_text('{"cells": []}')
    done = subprocess.run([DLFS, "grade", str(subs), "--out", str(tmp_path / "out")], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _totals(tmp_path / "out") == {("alice", "02_derivatives"): FULL_02, ("bob", "01_functions"): "0"}
    assert "carol.ipynb: not recognisably a notebook of any chapter" in done.stdout


def test_lms_zip_takes_the_latest_attempt(tmp_path: Path) -> None:
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(release_path("02_derivatives"), "Course_carol_attempt_2026-11-01-09-00-00_02_derivatives.ipynb")
        zf.write(solution_path("02_derivatives"), "Course_carol_attempt_2026-11-02-09-00-00_02_derivatives.ipynb")
        zf.write(release_path("02_derivatives"), "sub/dave.ipynb")
        zf.writestr("../../evil_carol_attempt_2026-11-03-00-00-00_x.txt", "not a notebook")
    out = tmp_path / "out"
    done = subprocess.run([DLFS, "grade", str(archive), "--out", str(out), "--chapter", "02_derivatives"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _totals(out) == {("carol", "02_derivatives"): FULL_02, ("dave", "02_derivatives"): "0"}
    assert not (tmp_path.parent / "evil_carol_attempt_2026-11-03-00-00-00_x.txt").exists()


def test_an_interrupted_run_loses_no_recorded_grade(tmp_path: Path) -> None:
    subs = tmp_path / "submitted"
    students = [f"s{i}" for i in range(5)]
    for i, s in enumerate(students):
        (subs / s / "02_derivatives").mkdir(parents=True)
        src = solution_path("02_derivatives") if i % 2 == 0 else release_path("02_derivatives")
        shutil.copyfile(src, subs / s / "02_derivatives" / "02_derivatives.ipynb")
    out = tmp_path / "out"
    cmd = [DLFS, "grade", str(subs), "--out", str(out), "--workers", "1"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while not list((out / ".journal").glob("*.json")) if (out / ".journal").exists() else True:
        assert time.monotonic() < deadline and proc.poll() is None, "no grade was recorded"
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)  # the instructor's laptop dies mid-run
    proc.wait()
    recorded = {p.stem for p in (out / ".journal").glob("*.json")}
    assert 1 <= len(recorded) < len(students)
    if (out / "grades.csv").exists():  # rewritten right after each journal record: at most one behind
        with (out / "grades.csv").open() as f:
            assert {f"{r['student_id']}__{r['assignment']}" for r in csv.DictReader(f)} <= recorded
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0
    assert done.stdout.count("unchanged, kept") == len(recorded)
    totals = _totals(out)
    assert totals == {(s, "02_derivatives"): (FULL_02 if i % 2 == 0 else "0") for i, s in enumerate(students)}


def _with_bad_crc(archive: Path, member: str) -> None:
    """Flip a byte of one member's data: reading it fails its CRC check."""
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo(member)
    data = bytearray(archive.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + 10] ^= 0xFF
    archive.write_bytes(bytes(data))


def test_lms_names_are_read_from_the_left_and_every_member_gets_a_status(tmp_path: Path) -> None:
    """Issue 11, item 2: a file name cannot claim another student; ids are kept whole; one bad member stops nothing."""
    right, wrong = solution_path("02_derivatives"), release_path("02_derivatives")
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(right, "HW2_alice_attempt_2024-05-01-10-00-00_02_derivatives.ipynb")
        # mallory's own file, named so that a parser reading from the right takes it for alice's latest attempt
        zf.write(wrong, "HW2_mallory_attempt_2024-05-01-11-00-00_alice_attempt_2099-01-01-00-00-00_x.ipynb")
        zf.write(right, "HW2_bob_smith_attempt_2024-05-01-09-00-00_02_derivatives.ipynb")
        zf.writestr("HW2_bob_smith_attempt_2024-05-01-09-00-00.txt", "Name: Bob Smith (bob_smith)\nAssignment: HW2\n")
        zf.write(right, "HW2_José_attempt_2024-05-01-09-00-00_mine.ipynb")
        zf.write(right, "HW2_anna maria_attempt_2024-05-01-09-00-00_02_derivatives.ipynb")
        zf.write(right, "HW2_carol_attempt_2024-05-02-09-00-00_02_derivatives.ipynb")
        zf.write(wrong, "HW2_carol_attempt_2024-05-02-09-00-00_02_derivatives-Copy1.ipynb")
        zf.write(wrong, "HW2_carol_attempt_2024-05-01-09-00-00_02_derivatives.ipynb")
        zf.write(right, "HW2_dave_attempt_2024-05-01-09-00-00_02_derivatives.ipynb")
    _with_bad_crc(archive, "HW2_dave_attempt_2024-05-01-09-00-00_02_derivatives.ipynb")
    out = tmp_path / "out"
    done = subprocess.run([DLFS, "grade", str(archive), "--out", str(out), "--chapter", "02_derivatives"],
                          capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    with (out / "totals.csv").open() as f:
        rows = {r["student_id"]: r for r in csv.DictReader(f)}
    assert {s: r["score"] for s, r in rows.items()} == {
        "alice": FULL_02, "mallory": "0", "bob_smith": FULL_02, "José": FULL_02, "anna maria": FULL_02, "carol": FULL_02,
        "dave": "0"}
    assert rows["carol"]["status"].startswith("graded") and "02_derivatives-Copy1.ipynb" in rows["carol"]["status"]
    assert "latest of 2 attempts" in rows["carol"]["status"]
    assert rows["dave"]["status"].startswith("not graded") and "could not be read from the zip" in rows["dave"]["status"]
    assert "dave 02_derivatives: not graded:" in done.stdout and "note: carol 02_derivatives:" in done.stdout
