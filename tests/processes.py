"""Which processes the test run started and left behind.

The pytest process makes itself a *child subreaper* (Linux ``prctl``), so a process
whose parent exits without stopping it -- an orphaned JupyterLab server, a kernel, a
sandbox -- is re-parented to pytest instead of to init, and stays visible here as a
descendant. Exited processes (zombies) count as gone.
"""

from __future__ import annotations

import ctypes
import os
import signal
import time
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Make this process the reaper of its orphaned descendants; ``False`` where Linux does not allow it."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _stat(pid: int) -> tuple[int, str] | None:
    """``(parent pid, state)`` of ``pid``, or ``None`` if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()
    return int(fields[1]), fields[0]


def descendants(pid: int | None = None) -> dict[int, str]:
    """Live (non-zombie) descendants of ``pid`` (default: this process): ``pid -> command line``."""
    root = os.getpid() if pid is None else pid
    children: dict[int, list[int]] = {}
    states: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat:
                children.setdefault(stat[0], []).append(int(entry.name))
                states[int(entry.name)] = stat[1]
    found: dict[int, str] = {}
    todo = list(children.get(root, []))
    while todo:
        p = todo.pop()
        todo += children.get(p, [])
        if states.get(p) in {"Z", "X"}:
            continue
        try:
            cmd = Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        found[p] = cmd
    return found


def reap_zombies() -> None:
    """Collect exit statuses of exited orphans re-parented to us (they are not anyone's Popen)."""
    for p, state in ((int(e.name), _stat(int(e.name))) for e in Path("/proc").iterdir() if e.name.isdigit()):
        if state and state[0] == os.getpid() and state[1] == "Z":
            try:
                os.waitpid(p, os.WNOHANG)
            except ChildProcessError:
                pass


def left_behind(before: set[int], grace: float = 10.0) -> dict[int, str]:
    """Descendants not in ``before`` that are still alive after ``grace`` seconds."""
    deadline = time.monotonic() + grace
    while True:
        new = {p: c for p, c in descendants().items() if p not in before}
        if not new or time.monotonic() > deadline:
            return new
        time.sleep(0.2)


def kill_all(pids: dict[int, str]) -> None:
    for p in pids:
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass
