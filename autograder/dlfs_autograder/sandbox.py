"""A Jupyter kernel for one submission, run inside a sandbox.

On Linux with bubblewrap (``bwrap``) the kernel runs in its own mount, PID,
network, IPC and UTS namespaces, **without any capability**:

- the grader runs as an ordinary user: bubblewrap runs unprivileged, in a user
  namespace, and drops every capability (``--cap-drop ALL``);
- the grader runs as root (CI, containers): bubblewrap sets the sandbox up as root,
  then the kernel is started by ``setpriv`` as uid/gid 65534 with an empty bounding
  set -- so it can neither ``mount``, ``ptrace``, open raw sockets, nor read files
  only root may read. (Without ``setpriv`` the kernel keeps uid 0 but no capability;
  :func:`isolation_report` says so.)

What the kernel sees:

- the file system read-only; ``/tmp``, the home folder, the course folder, the
  submissions and the output folder hidden behind empty read-only layers; put back
  read-only only what the kernel needs: the Python environment and the ``dlfs``
  library (the per-chapter copy the grader chooses, see :mod:`.redact`), which is
  first on the kernel's ``PYTHONPATH``, so it is what ``import dlfs`` finds;
- one writable folder, ``/tmp/work`` (its home, current and temporary folder): a
  private ``tmpfs`` of ``Limits.scratch_mb``, so nothing it writes lands on the
  host's disk and a full disk is its own problem;
- a minimal, explicit environment (``--clearenv``): nothing of the grader's shell
  (tokens, paths) reaches it;
- no network; ``--die-with-parent`` and the PID namespace end every process it
  started when the kernel stops; ``prlimit`` caps its memory and CPU time.

The grader talks to the kernel over ZeroMQ sockets and files in that private
folder, reached from outside through ``/proc/<sandbox pid>/root``; files the
grader writes for the kernel (connection file, call requests) sit in an *inbox*
the kernel can read but not change. Nothing the grader opens in the kernel's
folder follows a symbolic link (:meth:`Kernel.read_file`).

Without bubblewrap the kernel gets the environment, CPU and memory limits, but no
file-system, network or process isolation: :func:`isolation_report` says so loudly.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import stat
import subprocess
import sys
import sysconfig
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import zmq
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager

SANDBOX_UID = 65534  # "nobody": the kernel's user when the grader is root
INNER_WORK = "/tmp/work"  # the kernel's private, size-limited folder, as the kernel sees it
INNER_INBOX = "/tmp/inbox"  # the grader's files for the kernel (read-only there), as the kernel sees them
#: The guarded copy of the library, as the kernel sees it; first on the kernel's PYTHONPATH, so `import dlfs` finds it
#: whatever the installed `dlfs` is (an editable install pointing into some clone, or a copy in site-packages).
INNER_LIBRARY = "/tmp/library"
MAX_TRACEBACK_CHARS = 20_000
MAX_ERROR_CHARS = 2_000
MAX_MESSAGE_BYTES = 16 * 1024 * 1024  # one ZeroMQ frame from the kernel; a bigger one drops the connection


@dataclass(frozen=True)
class Limits:
    """Resource limits for one submission."""

    cell_seconds: float = 30.0  # wall clock per cell, and per call of a learner's function
    notebook_seconds: float = 300.0  # wall clock for the whole submission: cells, calls, feedback
    memory_mb: int = 4096  # address space of the kernel
    cpu_seconds: int = 600  # CPU time of the kernel process
    max_output_bytes: int = 2_000_000  # output kept per cell (figures included)
    max_notebook_output_bytes: int = 10_000_000  # output kept per notebook
    scratch_mb: int = 256  # the kernel's writable folder (a tmpfs)


@dataclass
class CellRun:
    """What executing one cell produced."""

    outputs: list[dict[str, Any]] = field(default_factory=list)
    error: tuple[str, str] | None = None  # (ename, evalue)
    timed_out: bool = False
    died: bool = False
    truncated: bool = False
    seconds: float = 0.0
    kept_bytes: int = 0


# ---------------------------------------------------------------- which sandbox this machine offers

_MODE: str | None = None


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def sandbox_mode() -> str:
    """``"user"`` (unprivileged bubblewrap), ``"root"`` (kernel as uid 65534), ``"root-uid0"``
    (kernel as root without capabilities: no ``setpriv``), or ``""`` (no bubblewrap). Probed once."""
    global _MODE
    if _MODE is None:
        _MODE = _probe()
    return _MODE


def _probe() -> str:
    found = shutil.which("bwrap")
    if not found or not sys.platform.startswith("linux"):
        return ""
    base = [found, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-net", "--unshare-pid",
            "--die-with-parent", "--new-session"]
    setpriv = shutil.which("setpriv")
    candidates: list[tuple[str, list[str]]] = []
    if _is_root():
        if setpriv:
            candidates.append(("root", [*base, "--", setpriv, f"--reuid={SANDBOX_UID}", f"--regid={SANDBOX_UID}",
                                        "--clear-groups", "--bounding-set=-all", "--inh-caps=-all", "--", "true"]))
        candidates.append(("root-uid0", [*base, "--cap-drop", "ALL", "true"]))
    else:
        candidates.append(("user", [*base, "--unshare-user", "--disable-userns", "--cap-drop", "ALL", "true"]))
    for mode, argv in candidates:
        try:
            if subprocess.run(argv, capture_output=True, timeout=20).returncode == 0:
                return mode
        except (OSError, subprocess.SubprocessError):
            continue
    return ""


def bwrap_path() -> str | None:
    """The bubblewrap binary, if it is installed and a sandbox works here."""
    return shutil.which("bwrap") if sandbox_mode() else None


def isolation_report() -> str:
    """One paragraph saying what is and is not isolated on this machine."""
    mode = sandbox_mode()
    common = ("no network, a read-only file system except a private scratch folder of limited size, no view of "
              "solutions/, the gradebook, the output folder or other submissions, a minimal environment (nothing "
              "of this shell's variables), its own PID namespace (no process outlives it), and CPU-time, memory "
              "and wall-clock limits.")
    if mode == "user":
        return f"Sandbox: bubblewrap (user namespace, no capabilities). Each kernel has {common}"
    if mode == "root":
        return f"Sandbox: bubblewrap; kernels run as uid {SANDBOX_UID} without capabilities. Each kernel has {common}"
    if mode == "root-uid0":
        return ("Sandbox: bubblewrap, but WARNING: setpriv is missing, so kernels run as root (without "
                f"capabilities): they can read files only root may read. Each kernel has {common} Install "
                "util-linux's setpriv, or grade as an ordinary user.")
    return ("WARNING: bubblewrap (bwrap) is not available, so submissions are NOT sandboxed: their code can "
            "read and write your files and use the network with your rights. Only the environment, CPU-time, "
            "memory and wall-clock limits apply. Install it (Debian/Ubuntu: apt-get install bubblewrap) before "
            "grading untrusted work.")


# ---------------------------------------------------------------- what the kernel may see

def _runtime_paths() -> list[Path]:
    """Folders the Python environment needs (interpreter, standard library, site-packages)."""
    found: list[str] = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
                        str(Path(sys.executable).parent), str(Path(sys.executable).resolve().parent)]
    found += [p for k, p in sysconfig.get_paths().items() if k in {"stdlib", "platstdlib", "purelib", "platlib"}]
    found += site.getsitepackages()
    found += [p for p in sys.path if p and Path(p).is_absolute()]
    out: list[Path] = []
    for p in found:
        path = Path(p)
        if path.is_dir() and path not in out:
            out.append(path)
    return out


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or path.is_relative_to(folder)


def visible_runtime(root: Path, hide: list[Path]) -> list[Path]:
    """The runtime folders to bind back into the sandbox, read-only, because a hidden layer covers them.

    Never a folder that contains the course, a hidden folder or the ``lib/`` of the course (the
    kernel gets the grader's copy of the library instead), and inside the course only a
    virtual environment or a ``site-packages`` folder.
    """
    venvs = [Path(sys.prefix), Path(sys.exec_prefix)]
    keep: list[Path] = []
    for path in _runtime_paths():
        if not any(_inside(path, h) for h in hide):
            continue  # visible anyway
        if any(_inside(h, path) for h in [*hide, root]):
            continue  # binding it would uncover what the layers hide
        if _inside(path, root) and not any(_inside(path, v) for v in venvs if v != root) and "site-packages" not in path.parts:
            continue  # inside the course: only a Python environment's folders
        if _inside(path, root / "lib"):
            continue
        keep.append(path)
    keep = sorted(set(keep))
    return [p for p in keep if not any(p != q and _inside(p, q) for q in keep)]  # a folder inside another comes with it


def unreadable_runtime(root: Path, hide: list[Path]) -> list[str]:
    """Runtime folders a kernel running as uid 65534 cannot read (``"path (mode 0700)"``); [] unless grading as root."""
    if sandbox_mode() != "root":
        return []
    bad = []
    for path in visible_runtime(root, [Path("/tmp"), *hide]):
        mode = path.stat().st_mode
        if not (mode & stat.S_IROTH and mode & stat.S_IXOTH):
            bad.append(f"{path} (mode {stat.S_IMODE(mode):04o})")
    return bad


def kernel_env(work: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The kernel's whole environment: nothing inherited from the grader's shell."""
    bin_dir = str(Path(sys.executable).parent)
    env = {
        "PATH": f"{bin_dir}:/usr/local/bin:/usr/bin:/bin",
        "HOME": work, "TMPDIR": work, "MPLCONFIGDIR": f"{work}/.matplotlib", "MPLBACKEND": "agg",
        "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1",
        "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "TORCHINDUCTOR_CACHE_DIR": f"{work}/.torchinductor",  # torch's compile cache, inside the writable folder
    }
    if os.environ.get("LD_LIBRARY_PATH"):  # the interpreter itself may need it to load
        env["LD_LIBRARY_PATH"] = os.environ["LD_LIBRARY_PATH"]
    env.update(extra or {})
    return env


def _font_cache() -> Path | None:
    """The grader's matplotlib font list (else every kernel rebuilds it, which takes seconds)."""
    try:
        import matplotlib

        found = sorted(Path(matplotlib.get_cachedir()).glob("fontlist-*.json"))
        return found[-1] if found else None
    except Exception:  # noqa: BLE001 -- only a speed-up
        return None


def bwrap_argv(*, root: Path, hide: list[Path], library: Path, inbox: Path, limits: Limits,
               env: dict[str, str], font: str | None) -> list[str]:
    """The bubblewrap part of the kernel's command line (everything before the kernel itself)."""
    mode = sandbox_mode()
    bwrap = shutil.which("bwrap") or "bwrap"
    argv = [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"]
    layers = [p for p in dict.fromkeys(hide) if p.exists() and not _inside(p, Path("/tmp"))]
    for path in layers:
        argv += ["--tmpfs", str(path)]
    made: set[Path] = set()

    def bind(source: Path, dest: Path) -> None:
        # the folders bubblewrap creates on the way to a mount point inside a layer are 0700 when it runs as
        # root: make them 0755 first, or uid 65534 cannot reach what is bound there
        layer = max((h for h in [Path("/tmp"), *layers] if _inside(dest, h)), key=lambda h: len(h.parts), default=None)
        if layer is not None:
            for folder in reversed(dest.parents):
                if _inside(folder, layer) and folder != layer and folder not in made:
                    argv.extend(["--perms", "0755", "--dir", str(folder)])
                    made.add(folder)
        argv.extend(["--ro-bind", str(source), str(dest)])

    for path in visible_runtime(root, [Path("/tmp"), *layers]):
        bind(path, path)
    bind(library, root / "lib")
    bind(library, Path(INNER_LIBRARY))
    argv += ["--ro-bind", str(inbox), INNER_INBOX]
    argv += ["--size", str(limits.scratch_mb * 1024 * 1024), "--tmpfs", INNER_WORK, "--chmod", "1777", INNER_WORK]
    argv += ["--dir", f"{INNER_WORK}/.matplotlib", "--chmod", "0777", f"{INNER_WORK}/.matplotlib"]
    if font:
        argv += ["--ro-bind", str(inbox / font), f"{INNER_WORK}/.matplotlib/{font}"]
    for layer in ["/tmp", *map(str, layers)]:  # the layers stay read-only: writes go to the private folder only
        argv += ["--remount-ro", layer]
    argv += ["--chdir", INNER_WORK, "--clearenv"]
    for key, value in env.items():
        argv += ["--setenv", key, value]
    argv += ["--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
             "--die-with-parent", "--new-session"]
    if mode == "user":
        argv += ["--unshare-user", "--disable-userns", "--cap-drop", "ALL"]
    elif mode == "root-uid0":
        argv += ["--cap-drop", "ALL"]
    argv.append("--")
    if mode == "root":  # bubblewrap sets up as root; the kernel itself is nobody, with no capability left
        argv += [shutil.which("setpriv") or "setpriv", f"--reuid={SANDBOX_UID}", f"--regid={SANDBOX_UID}",
                 "--clear-groups", "--bounding-set=-all", "--inh-caps=-all", "--"]
    return argv


def _limit_argv(limits: Limits) -> list[str]:
    prlimit = shutil.which("prlimit")
    if not prlimit:
        return []
    return [prlimit, f"--as={limits.memory_mb * 1024 * 1024}", f"--cpu={limits.cpu_seconds}", "--core=0", "--"]


# ---------------------------------------------------------------- the kernel

class _SandboxManager(KernelManager):
    """A KernelManager whose kernel lives in a mount namespace of its own.

    The connection file names the sockets as the kernel sees them; once the sandbox
    is up, the grader's side switches to the same sockets seen from outside, through
    ``/proc/<sandbox pid>/root``.
    """

    dlfs_outer: Callable[[KernelManager], str] | None = None
    dlfs_owner: tuple[int, int] | None = None

    def write_connection_file(self, **kwargs: Any) -> None:
        super().write_connection_file(**kwargs)
        if self.dlfs_owner is not None:
            os.chown(self.connection_file, *self.dlfs_owner)

    async def _async_post_start_kernel(self, **kw: Any) -> None:
        if self.dlfs_outer is not None:
            self.ip = self.dlfs_outer(self)
        await super()._async_post_start_kernel(**kw)


def _sandbox_child(launcher_pid: int, timeout: float = 20.0) -> int:
    """The pid of the sandbox's first process (bubblewrap's child), once its own root and folders are in place."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            children = Path(f"/proc/{launcher_pid}/task/{launcher_pid}/children").read_text().split()
            if children:
                child = int(children[0])
                # its mount table, seen from its own root, lists the private folder: the sandbox is set up
                points = {line.split()[4] for line in Path(f"/proc/{child}/mountinfo").read_text().splitlines()}
                if INNER_WORK in points:
                    return child
        except (OSError, ValueError):
            pass
        if not Path(f"/proc/{launcher_pid}").exists():
            break
        time.sleep(0.01)
    raise RuntimeError("the sandbox did not come up (bubblewrap exited or could not set up its folders)")


class Kernel:
    """A sandboxed IPython kernel with a private folder. Use as a context manager.

    Args:
        scratch: a folder of the grader's, empty, for this kernel alone.
        root: the course folder (hidden from the kernel).
        limits: time, memory and output limits.
        env: extra environment variables for the kernel.
        hidden: more folders the kernel must not see (the submissions, the output).
        library: the folder shown to the kernel as the course's ``lib/`` (default: the real one).
    """

    def __init__(self, scratch: Path, root: Path, limits: Limits, env: dict[str, str] | None = None,
                 hidden: list[Path] | None = None, library: Path | None = None) -> None:
        self.scratch = scratch
        self.hidden = hidden or []
        self.limits = limits
        self.root = root
        self.library = library or root / "lib"
        self.env = env or {}
        self.km: KernelManager | None = None
        self.kc: Any = None
        self.monitor: Any = None
        self.context: zmq.Context[Any] | None = None
        self.sandbox_pid: int | None = None
        self.inbox = scratch / "in"
        self.output_bytes = 0  # output kept so far, all cells together
        self.sandboxed = bool(sandbox_mode())
        self.inner_work = INNER_WORK if self.sandboxed else str(scratch / "work")
        self.inner_inbox = INNER_INBOX if self.sandboxed else str(self.inbox)
        self.inner_library = INNER_LIBRARY if self.sandboxed else str(self.library)

    def __enter__(self) -> Kernel:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()

    # ------------------------------------------------------------ start
    def _argv(self, font: str | None) -> list[str]:
        connection = f"{self.inner_inbox}/connection.json"
        kernel = [*_limit_argv(self.limits), sys.executable, "-m", "ipykernel_launcher", "-f", connection]
        if not self.sandboxed:
            return kernel
        hide = [self.root, Path.home(), *self.hidden]
        env = kernel_env(self.inner_work, {"PYTHONPATH": self.inner_library, **self.env})
        return [*bwrap_argv(root=self.root, hide=hide, library=self.library, inbox=self.inbox, limits=self.limits,
                            env=env, font=font), *kernel]

    def start(self) -> None:
        root_mode = sandbox_mode() == "root"
        self.inbox.mkdir(parents=True, exist_ok=True)
        if root_mode:  # the kernel (uid 65534) reads its inbox; outside /tmp the host's folders above it are on its path
            self.inbox.chmod(0o755)
            if not _inside(self.scratch, Path("/tmp")):
                for folder in (self.scratch, *self.scratch.parents):
                    info = folder.stat()
                    if folder == folder.parent or info.st_uid != os.geteuid():
                        break
                    if not info.st_mode & stat.S_IXOTH:
                        folder.chmod(info.st_mode | stat.S_IXOTH)
        font = None
        cache = _font_cache()
        if cache is not None:
            shutil.copyfile(cache, self.inbox / cache.name)
            font = cache.name
        if not self.sandboxed:
            Path(self.inner_work).mkdir(parents=True, exist_ok=True)
            (Path(self.inner_work) / ".matplotlib").mkdir(exist_ok=True)
            if cache is not None:
                shutil.copyfile(cache, Path(self.inner_work) / ".matplotlib" / cache.name)
        specs = self.scratch / "kernels"
        (specs / "sandbox").mkdir(parents=True, exist_ok=True)
        (specs / "sandbox" / "kernel.json").write_text(json.dumps({
            "argv": self._argv(font), "display_name": "sandbox", "language": "python",
            # a signal would reach bwrap, not the kernel inside it: interrupt over the control channel
            "interrupt_mode": "message",
        }))
        self.context = zmq.Context()
        self.context.setsockopt(zmq.MAXMSGSIZE, max(MAX_MESSAGE_BYTES, 4 * self.limits.max_output_bytes))
        self.context.setsockopt(zmq.RCVHWM, 64)
        km = _SandboxManager(
            kernel_name="sandbox", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(specs)]),
            transport="ipc", ip=f"{self.inner_work}/.k", context=self.context,
        )
        km.connection_file = str(self.inbox / "connection.json")
        if self.sandboxed:
            km.dlfs_outer = self._outer_ip
        if root_mode:
            km.dlfs_owner = (SANDBOX_UID, SANDBOX_UID)
        env = kernel_env(self.inner_work, {"PYTHONPATH": self.inner_library, **self.env}) if not self.sandboxed else {"PATH": "/usr/bin:/bin"}
        self.km = km
        km.start_kernel(env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=str(self.scratch))
        self.kc = km.client(context=self.context)
        self.kc.start_channels()
        # a message over MAX_MESSAGE_BYTES makes ZeroMQ drop the connection (and the message): notice it
        self.monitor = self.kc.iopub_channel.socket.get_monitor_socket(zmq.EVENT_DISCONNECTED)
        try:
            self.kc.wait_for_ready(timeout=60)
        except RuntimeError:
            self.shutdown()
            raise

    def _outer_ip(self, km: KernelManager) -> str:
        provisioner: Any = km.provisioner
        self.sandbox_pid = _sandbox_child(int(provisioner.process.pid))
        return f"/proc/{self.sandbox_pid}/root{self.inner_work}/.k"

    # ------------------------------------------------------------ the private folder, seen from outside
    @property
    def outer_work(self) -> str:
        """The kernel's private folder as the grader reaches it."""
        if self.sandboxed:
            return f"/proc/{self.sandbox_pid}/root{self.inner_work}"
        return self.inner_work

    def _open_dir(self, parts: list[str]) -> int:
        fd = os.open(self.outer_work, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        try:
            for part in parts:
                if part in {"", ".", ".."} or "/" in part:
                    raise OSError(f"bad path part {part!r}")
                new = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd)
                os.close(fd)
                fd = new
        except BaseException:
            os.close(fd)
            raise
        return fd

    def read_file(self, relpath: str, limit: int) -> bytes:
        """Read a regular file of the kernel's folder, never through a symbolic link, at most ``limit`` bytes.

        Raises ``OSError`` if it is missing, not a regular file, or larger than ``limit``.
        """
        *dirs, name = relpath.split("/")
        fd = self._open_dir(dirs)
        try:
            f = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=fd)
        finally:
            os.close(fd)
        try:
            info = os.fstat(f)
            if not stat.S_ISREG(info.st_mode):
                raise OSError(f"{relpath} is not a regular file")
            if info.st_size > limit:
                raise OSError(f"{relpath} is larger than {limit} bytes")
            chunks, size = [], 0
            while size <= limit:
                chunk = os.read(f, min(1 << 20, limit + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            if size > limit:
                raise OSError(f"{relpath} is larger than {limit} bytes")
            return b"".join(chunks)
        finally:
            os.close(f)

    def remove_file(self, relpath: str) -> None:
        """Delete a file of the kernel's folder (never following a link); missing is fine."""
        *dirs, name = relpath.split("/")
        try:
            fd = self._open_dir(dirs)
        except OSError:
            return
        try:
            os.unlink(name, dir_fd=fd)
        except OSError:
            pass
        finally:
            os.close(fd)

    # ------------------------------------------------------------ running code
    def alive(self) -> bool:
        return bool(self.km and self.km.is_alive())

    def _keep(self, run: CellRun, out: dict[str, Any]) -> None:
        """Keep an output while the cell's and the notebook's output budgets allow (a long text is cut)."""
        size = len(json.dumps(out))
        room = min(self.limits.max_output_bytes - run.kept_bytes, self.limits.max_notebook_output_bytes - self.output_bytes)
        if size > room:
            run.truncated = True
            if out["output_type"] != "stream" or room < 200:
                return
            out = {**out, "text": out["text"][: room - 200]}
            size = len(json.dumps(out))
        run.kept_bytes += size
        self.output_bytes += size
        run.outputs.append(out)

    def _output(self, run: CellRun, msg: dict[str, Any]) -> None:
        kind, content = msg["msg_type"], msg["content"]
        out: dict[str, Any]
        if kind == "error":
            ename = str(content.get("ename", "Error"))[:200]
            evalue = str(content.get("evalue", ""))[:MAX_ERROR_CHARS]
            run.error = (ename, evalue)
            lines: list[str] = []
            total = 0
            for line in content.get("traceback", []) or []:
                line = str(line)
                total += len(line)
                if total > MAX_TRACEBACK_CHARS:
                    lines.append("[traceback cut]")
                    break
                lines.append(line)
            out = {"output_type": "error", "ename": ename, "evalue": evalue,
                   "traceback": lines or [f"{ename}: {evalue}"]}
        elif kind == "stream":
            out = {"output_type": "stream", "name": "stderr" if content.get("name") == "stderr" else "stdout",
                   "text": str(content.get("text", ""))}
        elif kind in {"execute_result", "display_data"}:
            data = content.get("data", {})
            out = {"output_type": kind, "data": data if isinstance(data, dict) else {},
                   "metadata": content.get("metadata", {}) if isinstance(content.get("metadata"), dict) else {}}
            if kind == "execute_result":
                out["execution_count"] = content.get("execution_count")
        else:
            return
        self._keep(run, out)

    def execute(self, code: str, timeout: float | None = None, keep_output: bool = True) -> CellRun:
        """Run ``code``; collect its outputs (capped), its error, and whether it timed out or killed the kernel."""
        run = CellRun()
        start = time.monotonic()
        if not self.alive():
            run.died = True
            return run
        limit = self.limits.cell_seconds if timeout is None else timeout
        deadline = start + max(limit, 0.0)
        try:
            msg_id = self.kc.execute(code, store_history=keep_output, allow_stdin=False, stop_on_error=False)
        except Exception:  # noqa: BLE001 -- a closed channel: the kernel is gone
            run.died = True
            return run
        poller = zmq.Poller()
        iopub, shell = self.kc.iopub_channel.socket, self.kc.shell_channel.socket
        poller.register(iopub, zmq.POLLIN)
        poller.register(shell, zmq.POLLIN)
        if self.monitor is not None:
            poller.register(self.monitor, zmq.POLLIN)
        reply: dict[str, Any] | None = None
        idle = False
        replied_at = 0.0
        last_check = start
        while not (reply is not None and idle):
            now = time.monotonic()
            if reply is not None and now - replied_at > 1.0:
                break  # the reply is in; an idle message lost in transit does not matter
            if now >= deadline:
                run.timed_out = True
                break
            if now - last_check > 1.0:
                last_check = now
                if not self.alive():
                    break
            events = dict(poller.poll(max(1, int(min(deadline - now, 0.25) * 1000))))
            if iopub in events:
                msg = self._receive(self.kc.iopub_channel)
                if msg is not None and msg.get("parent_header", {}).get("msg_id") == msg_id:
                    if msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle":
                        idle = True
                    elif keep_output:
                        self._output(run, msg)
                    elif msg["msg_type"] == "error":
                        run.error = (str(msg["content"].get("ename", "Error"))[:200],
                                     str(msg["content"].get("evalue", ""))[:MAX_ERROR_CHARS])
            if self.monitor is not None and self.monitor in events:
                run.truncated = True  # a message too large was dropped, and ZeroMQ with it: connect again
                poller.unregister(iopub)
                poller.unregister(self.monitor)
                self._reconnect_iopub()
                iopub = self.kc.iopub_channel.socket
                poller.register(iopub, zmq.POLLIN)
                poller.register(self.monitor, zmq.POLLIN)
                continue
            if shell in events:
                msg = self._receive(self.kc.shell_channel)
                if msg is not None and msg.get("parent_header", {}).get("msg_id") == msg_id:
                    reply = msg
                    replied_at = time.monotonic()
        if reply is not None and reply["content"].get("status") == "error" and run.error is None:
            c = reply["content"]
            run.error = (str(c.get("ename", "Error"))[:200], str(c.get("evalue", ""))[:MAX_ERROR_CHARS])
        if run.timed_out:
            self._recover()
        if not self.alive():
            run.died = True
        if run.truncated and keep_output:
            run.outputs.append({"output_type": "stream", "name": "stdout",
                                "text": f"\n[output cut: more than {self.limits.max_output_bytes} bytes in this cell, "
                                        f"or {self.limits.max_notebook_output_bytes} in the notebook]\n"})
        run.seconds = time.monotonic() - start
        return run

    def _reconnect_iopub(self) -> None:
        try:
            self.kc.iopub_channel.socket.disable_monitor()
            self.monitor.close(linger=0)
        except Exception:  # noqa: BLE001
            pass
        try:
            self.kc.iopub_channel.close()
        except Exception:  # noqa: BLE001
            pass
        self.kc._iopub_channel = None
        self.monitor = self.kc.iopub_channel.socket.get_monitor_socket(zmq.EVENT_DISCONNECTED)

    @staticmethod
    def _receive(channel: Any) -> dict[str, Any] | None:
        try:
            msg = channel.get_msg(timeout=0)
        except Exception:  # noqa: BLE001 -- a message that does not verify or decode is dropped
            return None
        return msg if isinstance(msg, dict) and isinstance(msg.get("content"), dict) else None

    def _recover(self) -> None:
        """After a timeout: interrupt; if the kernel does not settle within 5 s, stop it."""
        assert self.km is not None
        try:
            self.km.interrupt_kernel()
        except Exception:  # noqa: BLE001
            pass
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            msg = None
            try:
                msg = self.kc.get_iopub_msg(timeout=0.5)
            except Exception:  # noqa: BLE001
                continue
            if msg and msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle":
                return
        self.shutdown()

    def shutdown(self) -> None:
        if self.monitor is not None:
            try:
                self.kc.iopub_channel.socket.disable_monitor()
                self.monitor.close(linger=0)
            except Exception:  # noqa: BLE001
                pass
            self.monitor = None
        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:  # noqa: BLE001
                pass
            self.kc = None
        if self.km is not None:
            try:
                self.km.shutdown_kernel(now=True)
            except Exception:  # noqa: BLE001
                pass
            self.km = None
        if self.context is not None:
            self.context.destroy(linger=0)
            self.context = None
