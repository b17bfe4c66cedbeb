"""Without bubblewrap, the test run ends with one loud line that says what was not tested and how to install it."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import ROOT


def test_a_run_without_bubblewrap_says_so_loudly(tmp_path: object) -> None:
    env = {**os.environ, "PATH": "/nonexistent"}  # no bwrap to be found
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_grade_intake.py", "-k", "flat_folder"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert "1 skipped" in done.stdout
    last = done.stdout.strip().splitlines()[-1]
    assert "WARNING: 1 sandbox test(s) did NOT run because bubblewrap (bwrap) is not installed" in last, last
    assert "apt-get install bubblewrap" in done.stdout
