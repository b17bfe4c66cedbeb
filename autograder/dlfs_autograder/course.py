"""Where the course lives and how its Jupyter configuration is applied."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from traitlets.config import Config, PyFileConfigLoader

CONFIG_FILE = "jupyter_config.py"


def course_root() -> Path:
    """The course folder: ``$DLFS_COURSE_ROOT`` if set, else the checkout this package was installed from."""
    env = os.environ.get("DLFS_COURSE_ROOT")
    root = Path(env).resolve() if env else Path(__file__).resolve().parents[2]
    if not (root / CONFIG_FILE).is_file():
        raise SystemExit(f"dlfs: no {CONFIG_FILE} in {root}; set DLFS_COURSE_ROOT to the course folder.")
    return root


def load_config(root: Path | None = None) -> Config:
    """The traitlets ``Config`` that ``jupyter_config.py`` defines (what every Jupyter app loads)."""
    root = root or course_root()
    return PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()


def course_env(root: Path | None = None) -> dict[str, str]:
    """``os.environ`` plus what makes Jupyter apps apply the course config.

    The course folder goes first on ``JUPYTER_CONFIG_PATH`` (so every Jupyter app
    loads its ``jupyter_config.py``), and this interpreter's ``bin/`` goes first on
    ``PATH`` (nbgrader shells out to ``alembic``; kernels start from this environment).
    """
    root = root or course_root()
    env = dict(os.environ)
    paths = [str(root)] + [p for p in env.get("JUPYTER_CONFIG_PATH", "").split(os.pathsep) if p and p != str(root)]
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(paths)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["DLFS_COURSE_ROOT"] = str(root)
    return env


def chapters(root: Path | None = None) -> list[str]:
    """Names of the chapters that have a source notebook, e.g. ``["01_functions", "02_derivatives"]``."""
    root = root or course_root()
    return sorted(p.parent.name for p in (root / "solutions").glob("*/*.ipynb") if p.stem == p.parent.name)


def source_notebook(chapter: str, root: Path | None = None) -> Path:
    """``solutions/<chapter>/<chapter>.ipynb``; ``SystemExit`` with the known chapters if there is none."""
    root = root or course_root()
    path = root / "solutions" / chapter / f"{chapter}.ipynb"
    if not path.is_file():
        known = ", ".join(chapters(root)) or "none"
        raise SystemExit(f"dlfs: no chapter named {chapter!r} (known chapters: {known}).")
    return path
