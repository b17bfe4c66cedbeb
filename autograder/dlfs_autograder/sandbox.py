"""A Jupyter kernel for one submission, run inside a sandbox.

On Linux with bubblewrap (``bwrap``) the kernel runs in its own mount, PID,
network, IPC and UTS namespaces:

- the file system is read-only, except the submission's own scratch folder;
  ``/tmp`` and the home folder are empty, private tmpfs; the course folder is
  hidden except ``lib/`` (the ``dlfs`` package) and the virtual environment, so
  ``solutions/``, the gradebook, the output folder and other students' work
  cannot be read;
- there is no network (a new network namespace with no interfaces up); the
  kernel talks to the grader over Unix sockets in its scratch folder;
- ``--die-with-parent`` and the PID namespace end every process the
  submission started when the kernel is shut down: no child outlives it;
- ``prlimit`` caps address space (memory) and CPU time; the grader enforces a
  wall-clock limit per cell and per notebook.

Without bubblewrap the kernel still gets the CPU and memory limits, but not
the file-system, network or process isolation: :func:`isolation_report` says
so, and ``dlfs grade`` prints it loudly.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty
from typing import Any

from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager


@dataclass(frozen=True)
class Limits:
    """Resource limits for one submission."""

    cell_seconds: float = 30.0
    notebook_seconds: float = 300.0
    memory_mb: int = 4096
    cpu_seconds: int = 600
    max_output_bytes: int = 2_000_000


@dataclass
class CellRun:
    """What executing one cell produced."""

    outputs: list[dict[str, Any]] = field(default_factory=list)
    error: tuple[str, str] | None = None  # (ename, evalue)
    timed_out: bool = False
    died: bool = False
    truncated: bool = False


def bwrap_path() -> str | None:
    """The bubblewrap binary, if it is installed and works here (checked once per process)."""
    global _BWRAP
    if _BWRAP is None:
        found = shutil.which("bwrap")
        ok = False
        if found and sys.platform.startswith("linux"):
            probe = [found, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                     "--unshare-net", "--unshare-pid", "--die-with-parent", "true"]
            ok = subprocess.run(probe, capture_output=True, timeout=20).returncode == 0
        _BWRAP = found if ok else ""
    return _BWRAP or None


_BWRAP: str | None = None


def isolation_report() -> str:
    """One paragraph saying what is and is not isolated on this machine."""
    if bwrap_path():
        return ("Sandbox: bubblewrap. Each kernel has no network, a read-only file system except its own "
                "scratch folder, no view of solutions/, the gradebook or other submissions, its own PID "
                "namespace (no process outlives it), and CPU-time, memory and wall-clock limits.")
    return ("WARNING: bubblewrap (bwrap) is not available, so submissions are NOT sandboxed: their code can "
            "read and write your files and use the network with your rights. Only CPU-time, memory and "
            "wall-clock limits apply. Install it (Debian/Ubuntu: apt-get install bubblewrap) before grading "
            "untrusted work.")


def kernel_argv(scratch: Path, root: Path, limits: Limits, hidden: list[Path] | None = None) -> list[str]:
    """The command that starts a kernel for one submission (``{connection_file}`` is filled in by Jupyter)."""
    python = sys.executable
    limit = ["prlimit", f"--as={limits.memory_mb * 1024 * 1024}", f"--cpu={limits.cpu_seconds}", "--"] if shutil.which("prlimit") else []
    kernel = [*limit, python, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    bwrap = bwrap_path()
    if not bwrap:
        return kernel
    hide = [root, Path.home(), *(hidden or [])]
    argv = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    for path in hide:
        argv += ["--tmpfs", str(path)]
    # put back, read-only, what the kernel needs from the hidden folders: the library and the interpreter
    needed = [root / "lib", Path(sys.prefix), Path(sys.base_prefix), Path(python).resolve().parent]
    for path in needed:
        if path.exists() and any(path.is_relative_to(h) for h in hide):
            argv += ["--ro-bind", str(path), str(path)]
    argv += ["--bind", str(scratch), str(scratch)]
    for layer in ["/tmp", *map(str, hide)]:  # the empty tmpfs layers stay read-only too: writes go to scratch only
        argv += ["--remount-ro", layer]
    argv += [
        "--chdir", str(scratch), "--setenv", "HOME", str(scratch), "--setenv", "TMPDIR", str(scratch),
        "--unsetenv", "JPY_PARENT_PID",
        "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
        "--die-with-parent", "--new-session",
    ]
    return [*argv, *kernel]


class Kernel:
    """A sandboxed IPython kernel with its own scratch folder. Use as a context manager."""

    def __init__(self, scratch: Path, root: Path, limits: Limits, env: dict[str, str] | None = None,
                 hidden: list[Path] | None = None) -> None:
        self.scratch = scratch
        self.hidden = hidden or []
        self.limits = limits
        self.root = root
        self.env = env or {}
        self.km: KernelManager | None = None
        self.kc: Any = None

    def __enter__(self) -> Kernel:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()

    def start(self) -> None:
        work = self.scratch / "work"
        work.mkdir(parents=True, exist_ok=True)
        specs = self.scratch / "kernels"
        (specs / "sandbox").mkdir(parents=True, exist_ok=True)
        argv = kernel_argv(work, self.root, self.limits, self.hidden)
        (specs / "sandbox" / "kernel.json").write_text(json.dumps({
            "argv": argv, "display_name": "sandbox", "language": "python",
            # a signal would reach bwrap, not the kernel inside it: interrupt over the control channel
            "interrupt_mode": "message",
        }))
        km = KernelManager(
            kernel_name="sandbox", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(specs)]),
            transport="ipc", ip=str(work / ".k"),
        )
        km.connection_file = str(work / ".connection.json")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER_", "JPY_"))}
        env["MPLCONFIGDIR"] = str(self._matplotlib_cache(work))
        # torch compiles into a cache under /tmp by default, which is read-only in the sandbox
        env["TORCHINDUCTOR_CACHE_DIR"] = str(work / ".torchinductor")
        env.update({"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                    "MPLBACKEND": "agg", "PYTHONDONTWRITEBYTECODE": "1", **self.env})
        km.start_kernel(env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=str(work))
        self.km = km
        self.kc = km.client()
        self.kc.start_channels()
        try:
            self.kc.wait_for_ready(timeout=60)
        except RuntimeError:
            self.shutdown()
            raise

    @staticmethod
    def _matplotlib_cache(work: Path) -> Path:
        """A writable matplotlib folder with the grader's font list in it (else every kernel rebuilds it)."""
        folder = work / ".matplotlib"
        folder.mkdir(exist_ok=True)
        try:
            import matplotlib

            for cached in Path(matplotlib.get_cachedir()).glob("fontlist-*.json"):
                shutil.copy(cached, folder / cached.name)
        except Exception:  # noqa: BLE001 -- only a speed-up
            pass
        return folder

    @property
    def work(self) -> Path:
        return self.scratch / "work"

    def alive(self) -> bool:
        return bool(self.km and self.km.is_alive())

    def execute(self, code: str, timeout: float | None = None) -> CellRun:
        """Run ``code``; collect its outputs (capped), its error, and whether it timed out or killed the kernel."""
        run = CellRun()
        if not self.alive():
            run.died = True
            return run
        size = 0

        def hook(msg: dict[str, Any]) -> None:
            nonlocal size
            kind, content = msg["msg_type"], msg["content"]
            if kind == "error":
                run.error = (str(content.get("ename", "Error")), str(content.get("evalue", "")))
                out = {"output_type": "error", "ename": run.error[0], "evalue": run.error[1], "traceback": []}
            elif kind == "stream":
                out = {"output_type": "stream", "name": content.get("name", "stdout"), "text": content.get("text", "")}
            elif kind in {"execute_result", "display_data"}:
                out = {"output_type": kind, "data": content.get("data", {}), "metadata": content.get("metadata", {})}
                if kind == "execute_result":
                    out["execution_count"] = content.get("execution_count")
            else:
                return
            size += len(json.dumps(out))
            if size > self.limits.max_output_bytes:
                run.truncated = True
                return
            run.outputs.append(out)

        try:
            reply = self.kc.execute_interactive(code, timeout=timeout or self.limits.cell_seconds, output_hook=hook,
                                                store_history=True, allow_stdin=False)
            if reply["content"].get("status") == "error" and run.error is None:
                c = reply["content"]
                run.error = (str(c.get("ename", "Error")), str(c.get("evalue", "")))
        except TimeoutError:
            run.timed_out = True
            self._recover()
        except RuntimeError:
            run.died = True
        if not self.alive():
            run.died = True
        if run.truncated:
            run.outputs.append({"output_type": "stream", "name": "stdout",
                                "text": f"\n[output cut: more than {self.limits.max_output_bytes} bytes]\n"})
        return run

    def _recover(self) -> None:
        """After a timeout: interrupt; if the kernel does not settle, stop it."""
        assert self.km is not None
        try:
            self.km.interrupt_kernel()
        except Exception:  # noqa: BLE001
            pass
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                msg = self.kc.get_iopub_msg(timeout=0.5)
            except Empty:
                continue
            if msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle":
                # drain the interrupted cell's reply so the next execute is not confused
                try:
                    while True:
                        self.kc.get_shell_msg(timeout=0.2)
                except Empty:
                    pass
                return
        self.shutdown()

    def shutdown(self) -> None:
        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:  # noqa: BLE001
                pass
        if self.km is not None:
            try:
                self.km.shutdown_kernel(now=True)
            except Exception:  # noqa: BLE001
                pass
            self.km = None
