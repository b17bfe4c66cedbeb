#!/usr/bin/env python3
"""Set the course up on this machine and run it: the two README commands.

    python3 course.py lab    # install (first time) and open JupyterLab on your workspace (my-work/)
    python3 course.py test   # install (first time) and run the whole test suite

Everything goes into `.venv/` beside this file; nothing is installed globally.
The install is redone only when `pyproject.toml` changes. Any further arguments
are passed on (`python3 course.py test -k gradcheck`, `python3 course.py lab --port 9000`).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".dlfs-install-stamp"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def _require_python() -> None:
    if sys.version_info < (3, 11):
        sys.exit(f"This course needs Python 3.11 or newer; this is {sys.version.split()[0]}.")


def _install() -> None:
    """Create .venv and install the course with its pinned dependencies."""
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    if not (BIN / "python").exists():
        print(f"Creating a virtual environment in {VENV} ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("Installing the course and its dependencies (about a minute) ...", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(wanted)


def _env() -> dict[str, str]:
    """The environment the course's commands run in: the venv first on PATH."""
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(VENV)
    env.pop("PYTHONHOME", None)
    return env


def main(argv: list[str]) -> int:
    _require_python()
    if not argv or argv[0] not in {"lab", "test"}:
        print(__doc__.strip())
        return 2
    _install()
    command, rest = argv[0], argv[1:]
    if command == "lab":
        args = [str(BIN / "dlfs"), "lab", *rest]
    else:
        args = [str(BIN / "python"), "-m", "pytest", *rest]
    if os.name == "posix":  # become the command: Ctrl-C and SIGTERM reach it (and JupyterLab's kernels) directly
        os.chdir(ROOT)
        os.execve(args[0], args, _env())
    return subprocess.call(args, cwd=ROOT, env=_env())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
