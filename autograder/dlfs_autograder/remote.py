"""Calling a learner's function that lives in a sandboxed kernel, from the grader's own process.

The graded checks run in the grader's process, where the learner's code never
runs: NumPy, ``dlfs``, builtins and exception handling there are the real ones,
whatever the submission monkeypatched in its kernel. Only the learner's
function itself runs in the kernel. :class:`RemoteFunction` stands in for it:
calling it writes the arguments to the kernel's *inbox* (a folder the kernel can
read, not change), asks the kernel to call the function, and reads the result
from the kernel's private folder (never following a link, never more than
``MAX_RESPONSE_BYTES``).

The exchange format is data only -- JSON for structure and uncompressed ``.npz``
arrays whose headers are checked before anything is allocated -- so nothing the
kernel writes can run code in the grader or make it allocate more than it read.
Functions passed as arguments travel by name (``module:qualname``) and are
imported again in the kernel; results that are not data (a learner's object)
stay in the kernel and come back as a :class:`RemoteObject` handle.

A call behaves as it would in the learner's own process: arrays the learner's
function changed in place come back and are written into the caller's arrays,
so a check sees an in-place change exactly as ``dlfs check`` does.

PyTorch tensors travel as arrays (and come back as tensors, detached); a module
is a handle, and its ``state_dict()`` comes back as a dict of tensors. A check
that needs library objects next to the learner's (a model, an optimizer) builds
them in the kernel with :meth:`RemoteFunction.beside`.
"""

from __future__ import annotations

import importlib
import io
import json
import os
import sys
import time
import uuid
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from dlfs_autograder.sandbox import MAX_ERROR_CHARS, Kernel

MAX_RESPONSE_BYTES = 50_000_000
MAX_META_BYTES = 5_000_000
CALL_SECONDS = 20.0  # default; a Channel uses its kernel's cell limit

#: Runs in the kernel before every graded check (so a submission cannot keep a tampered copy).
#: ``__INBOX__`` and ``__OUTBOX__`` are replaced by the folders' paths as the kernel sees them.
KERNEL_STUB = r'''
def __dlfs_make_rpc(inbox, outbox):
    import contextlib as _cl, importlib as _il, json as _json, os as _os, numpy as _np
    from IPython import get_ipython as _gi
    _ns = _gi().user_ns
    _objects = _ns.setdefault("__dlfs_objects__", {})
    _pins = _ns.setdefault("__dlfs_pins__", {})
    try:
        _guard = _il.import_module("dlfs._exercise_guard")
    except Exception:
        _guard = None

    def _dec(v, arrays):
        t = v["t"]
        if t == "nd": return arrays[v["k"]]
        if t == "tensor":
            import torch as _torch
            x = _torch.from_numpy(arrays[v["k"]])
            return x.requires_grad_() if v.get("grad") and x.is_floating_point() else x
        if t == "val": return v["v"]
        if t == "tuple": return tuple(_dec(x, arrays) for x in v["v"])
        if t == "list": return [_dec(x, arrays) for x in v["v"]]
        if t == "dict": return {k: _dec(x, arrays) for k, x in v["v"].items()}
        if t == "fn":
            mod, _, qual = v["v"].partition(":")
            obj = _il.import_module(mod)
            for part in qual.split("."): obj = getattr(obj, part)
            return obj
        if t == "handle": return _objects[v["v"]]
        if t == "rng":
            g = _np.random.Generator(getattr(_np.random, v["bitgen"])())
            g.bit_generator.state = v["state"]
            return g
        raise TypeError(t)

    def _enc(v, arrays):
        _torch = __import__("sys").modules.get("torch")
        if _torch is not None and isinstance(v, _torch.Tensor):
            x = v.detach().cpu().resolve_conj().resolve_neg()
            arrays.append((x.float() if x.dtype == _torch.bfloat16 else x).numpy().copy())
            return {"t": "tensor", "k": "a%d" % (len(arrays) - 1), "grad": bool(v.requires_grad)}
        if isinstance(v, _np.ndarray) and v.dtype != object:
            arrays.append(v); return {"t": "nd", "k": "a%d" % (len(arrays) - 1)}
        if isinstance(v, _np.generic): v = v.item()
        if v is None or isinstance(v, (bool, int, float, str)): return {"t": "val", "v": v}
        if isinstance(v, tuple): return {"t": "tuple", "v": [_enc(x, arrays) for x in v]}
        if isinstance(v, list): return {"t": "list", "v": [_enc(x, arrays) for x in v]}
        if isinstance(v, dict) and all(isinstance(k, str) for k in v): return {"t": "dict", "v": {k: _enc(x, arrays) for k, x in v.items()}}
        key = "h%d" % len(_objects); _objects[key] = v
        return {"t": "handle", "v": key, "type": type(v).__name__}

    def _target(req):
        name = req["name"]
        if req.get("pin") is not None:
            kept = _pins.get(req["pin"], {})
            if name not in kept:
                raise NameError("name '%s' was not defined where its check stood" % name)
            return kept[name]
        if name not in _ns:
            raise NameError("name '%s' is not defined: run the cell that defines it" % name)
        return _ns[name]

    def rpc(rid):
        with open(inbox + "/" + rid + ".json") as f: req = _json.loads(f.read())
        with _np.load(inbox + "/" + rid + ".npz", allow_pickle=False) as f: arrays = {k: f[k] for k in f.files}
        out, mutated = [], []
        graded = _guard.graded if _guard is not None else _cl.nullcontext
        try:
            op = req["op"]
            library = None
            if op == "pin":  # keep the objects these names hold now, for the hidden tests after the notebook
                _pins[req["group"]] = {n: _ns[n] for n in req["names"] if n in _ns}
                result = None
            else:
                if op == "call":
                    target = _target(req)
                    library = _guard.library_origin(target) if _guard is not None else None
                elif op == "library":  # a library function the check builds objects with, next to the learner's code
                    target = _dec({"t": "fn", "v": req["fn"]}, arrays)
                if library is None:
                    args = _dec(req["args"], arrays) if "args" in req else ()
                    kwargs = _dec(req["kwargs"], arrays) if "kwargs" in req else {}
                    before = {k: a.tobytes() for k, a in arrays.items()}
                    with graded():
                        if op == "call" and not callable(target) and not args and not kwargs:
                            result = target  # a name that holds a value (a question's answer), called with nothing
                        elif op in ("call", "library"):
                            result = target(*args, **kwargs)
                        elif op == "getattr":
                            result = getattr(_objects[req["handle"]], req["attr"])
                        else:
                            result = getattr(_objects[req["handle"]], req["attr"])(*args, **kwargs)
                    mutated = [k for k, a in arrays.items() if a.tobytes() != before[k]]
            library = library or (_guard.take() if _guard is not None else None)
            if library:
                body = {"ok": False, "library": library}
            else:
                body = {"ok": True, "value": _enc(result, out), "mutated": mutated}
        except BaseException as exc:
            out, mutated = [], []
            library = _guard.take() if _guard is not None else None
            if library:
                body = {"ok": False, "library": library}
            else:
                body = {"ok": False, "ename": type(exc).__name__, "evalue": str(exc)[:2000]}
        _os.makedirs(outbox, exist_ok=True)
        payload = {"a%d" % i: a for i, a in enumerate(out)}
        payload.update({"m" + k: arrays[k] for k in mutated})
        _np.savez(outbox + "/" + rid + ".out.npz", **payload)
        with open(outbox + "/" + rid + ".out.json", "w") as f: f.write(_json.dumps(body))
    return rpc
__dlfs_rpc__ = __dlfs_make_rpc(__INBOX__, __OUTBOX__)
del __dlfs_make_rpc
'''

_EXCEPTIONS: dict[str, type[BaseException]] = {
    "NotImplementedError": NotImplementedError, "ValueError": ValueError, "TypeError": TypeError,
    "IndexError": IndexError, "KeyError": KeyError, "AttributeError": AttributeError,
    "ZeroDivisionError": ZeroDivisionError, "NameError": NameError, "AssertionError": AssertionError,
    "FloatingPointError": FloatingPointError, "OverflowError": OverflowError, "MemoryError": MemoryError,
}


class RemoteError(RuntimeError):
    """The learner's code raised an exception of a type the grader does not re-create."""


class SandboxFailure(RuntimeError):
    """The kernel did not answer (timed out, died, or returned something that is not a valid answer)."""


class GradingStop(BaseException):
    """Stops the test that is running; a check cannot catch it (it is not an ``Exception``)."""


class OutOfTime(GradingStop):
    """The submission's wall-clock budget is used up."""


class LibraryAnswer(GradingStop):
    """The learner's answer is (or uses) the library's own implementation of the exercise."""


def _fn_ref(fn: Any) -> str:
    """``module:qualname`` for a function importable by name (checked to resolve to the same object)."""
    if isinstance(fn, np.ufunc):
        ref = f"numpy:{fn.__name__}"
    else:
        mod, qual = getattr(fn, "__module__", None), getattr(fn, "__qualname__", "")
        if not mod or "<" in qual:
            raise TypeError(f"cannot pass {fn!r} to the sandbox: use a module-level function")
        ref = f"{mod}:{qual}"
    mod_name, _, qual = ref.partition(":")
    obj: Any = importlib.import_module(mod_name)
    for part in qual.split("."):
        obj = getattr(obj, part)
    if obj is not fn:
        raise TypeError(f"cannot pass {fn!r} to the sandbox: {ref} is another object")
    return ref


def load_arrays(data: bytes) -> dict[str, np.ndarray]:
    """The arrays of an uncompressed ``.npz`` -- refused unless every array's size is what its file holds.

    A compressed member, or a header that claims more elements than its bytes, could make
    the grader allocate far more memory than the kernel wrote; both are refused.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                if info.compress_type != zipfile.ZIP_STORED or info.file_size != info.compress_size \
                        or not info.filename.endswith(".npy") or "/" in info.filename:
                    raise ValueError(f"unexpected member {info.filename[:40]!r}")
                with zf.open(info) as f:
                    version = np.lib.format.read_magic(f)
                    reader = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
                    shape, _, dtype = reader(f)
                    if dtype.hasobject:
                        raise ValueError("an object array")
                    count = 1
                    for n in shape:
                        count *= int(n)
                    if count * dtype.itemsize > info.file_size:
                        raise ValueError("an array larger than its data")
        with np.load(io.BytesIO(data), allow_pickle=False) as f:
            return {k: f[k] for k in f.files}
    except (ValueError, OSError, zipfile.BadZipFile, EOFError, KeyError, RecursionError) as exc:
        raise SandboxFailure(f"the kernel returned a malformed answer ({str(exc)[:200]})") from None


def _write_new(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


class Channel:
    """The request/response exchange with one kernel.

    Args:
        kernel: the learner's kernel.
        deadline: ``time.monotonic()`` at which the submission's budget ends (``None``: no budget);
            past it, a call raises :class:`OutOfTime`.
    """

    def __init__(self, kernel: Kernel, deadline: float | None = None) -> None:
        self.kernel = kernel
        self.inbox = kernel.inbox
        self.outbox = ".rpc"  # inside the kernel's private folder
        self.seconds = kernel.limits.cell_seconds or CALL_SECONDS
        self.deadline = deadline
        self.calls = 0

    def _timeout(self) -> float:
        if self.deadline is None:
            return self.seconds
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise OutOfTime("the submission's time budget ran out")
        return min(self.seconds, left)

    def install(self) -> None:
        """(Re)define the kernel-side stub; done before every graded check."""
        stub = KERNEL_STUB.replace("__INBOX__", repr(self.kernel.inner_inbox)).replace(
            "__OUTBOX__", repr(f"{self.kernel.inner_work}/{self.outbox}"))
        run = self.kernel.execute(stub, timeout=self._timeout(), keep_output=False)
        if run.timed_out and self.deadline is not None and time.monotonic() >= self.deadline:
            raise OutOfTime("the submission's time budget ran out")
        if run.error or run.died or run.timed_out:
            raise SandboxFailure("the kernel could not prepare for grading" + (f": {run.error[1]}" if run.error else ""))

    def _encode(self, value: Any, arrays: dict[str, np.ndarray], sent: dict[str, np.ndarray]) -> dict[str, Any]:
        if isinstance(value, RemoteObject):
            return {"t": "handle", "v": value._handle}
        if isinstance(value, np.ndarray):
            key = f"a{len(arrays)}"
            arrays[key] = np.ascontiguousarray(value)
            sent[key] = value
            return {"t": "nd", "k": key}
        torch = sys.modules.get("torch")
        if torch is not None and isinstance(value, torch.Tensor):  # travels as an array
            key = f"a{len(arrays)}"
            arrays[key] = np.ascontiguousarray(value.detach().cpu().numpy())
            return {"t": "tensor", "k": key, "grad": bool(value.requires_grad)}
        if isinstance(value, np.generic):
            value = value.item()
        if value is None or isinstance(value, bool | int | float | str):
            return {"t": "val", "v": value}
        if isinstance(value, tuple | list):
            return {"t": type(value).__name__, "v": [self._encode(v, arrays, sent) for v in value]}
        if isinstance(value, dict):
            return {"t": "dict", "v": {str(k): self._encode(v, arrays, sent) for k, v in value.items()}}
        if isinstance(value, np.random.Generator):  # travels as its bit generator's state
            return {"t": "rng", "bitgen": type(value.bit_generator).__name__, "state": value.bit_generator.state}
        if callable(value):
            return {"t": "fn", "v": _fn_ref(value)}
        raise TypeError(f"cannot pass a {type(value).__name__} to the sandbox")

    def _decode(self, value: Any, arrays: dict[str, np.ndarray], depth: int = 0) -> Any:
        if depth > 50 or not isinstance(value, dict):
            raise SandboxFailure("the kernel returned a malformed answer")
        kind = value.get("t")
        if kind in {"nd", "tensor"}:
            key = value.get("k")
            if not isinstance(key, str) or not key.startswith("a") or key not in arrays:
                raise SandboxFailure("the kernel returned a malformed answer")
            if kind == "tensor":
                import torch  # only a kernel that already uses torch sends tensors

                return torch.from_numpy(arrays[key])
            return arrays[key]
        if kind == "val":
            v = value.get("v")
            if v is not None and not isinstance(v, bool | int | float | str):
                raise SandboxFailure("the kernel returned a malformed answer")
            return v
        if kind in {"tuple", "list"} and isinstance(value.get("v"), list):
            items = [self._decode(v, arrays, depth + 1) for v in value["v"]]
            return tuple(items) if kind == "tuple" else items
        if kind == "dict" and isinstance(value.get("v"), dict):
            return {str(k): self._decode(v, arrays, depth + 1) for k, v in value["v"].items()}
        if kind == "handle" and isinstance(value.get("v"), str):
            return RemoteObject(self, value["v"], str(value.get("type", "object"))[:100])
        raise SandboxFailure("the kernel returned a malformed answer")

    def request(self, op: str, **fields: Any) -> Any:
        """Send one request; return the decoded value or raise what the learner's code raised."""
        timeout = self._timeout()
        rid = uuid.uuid4().hex
        arrays: dict[str, np.ndarray] = {}
        sent: dict[str, np.ndarray] = {}
        body = {"op": op, **{k: v for k, v in fields.items() if k not in {"args", "kwargs"}}}
        if op not in {"getattr", "pin"}:
            body["args"] = self._encode(tuple(fields.get("args", ())), arrays, sent)
            body["kwargs"] = self._encode(dict(fields.get("kwargs", {})), arrays, sent)
        buf = io.BytesIO()
        np.savez(buf, **arrays)  # type: ignore[arg-type]  # numpy stubs: keys are array names
        request = self.inbox / f"{rid}.json"
        _write_new(self.inbox / f"{rid}.npz", buf.getvalue())
        _write_new(request, json.dumps(body).encode())
        self.calls += 1
        try:
            run = self.kernel.execute(f"__dlfs_rpc__({rid!r})", timeout=timeout, keep_output=False)
        finally:
            for suffix in (".json", ".npz"):
                (self.inbox / f"{rid}{suffix}").unlink(missing_ok=True)
        meta, data = f"{self.outbox}/{rid}.out.json", f"{self.outbox}/{rid}.out.npz"
        try:
            if run.timed_out:
                if self.deadline is not None and time.monotonic() >= self.deadline - 0.01:
                    raise OutOfTime("the submission's time budget ran out during a call of its function")
                raise SandboxFailure(f"the call did not finish within {timeout:g} s (an infinite loop?)")
            if run.died:
                raise SandboxFailure("the kernel died during the call (out of memory, or the code exited Python)")
            return self._read(meta, data, run.error, sent)
        finally:
            if self.kernel.alive():
                self.kernel.remove_file(meta)
                self.kernel.remove_file(data)

    def _read(self, meta: str, data: str, error: tuple[str, str] | None, sent: dict[str, np.ndarray]) -> Any:
        try:
            meta_bytes = self.kernel.read_file(meta, MAX_META_BYTES)
            data_bytes = self.kernel.read_file(data, MAX_RESPONSE_BYTES)
        except OSError as exc:
            detail = f" ({error[0]}: {error[1][:MAX_ERROR_CHARS]})" if error else ""
            too_large = "larger than" in str(exc)
            raise SandboxFailure("the answer was too large" if too_large else f"the kernel gave no answer{detail}") from None
        try:
            body = json.loads(meta_bytes)
        except (ValueError, RecursionError, UnicodeDecodeError) as exc:
            raise SandboxFailure(f"the kernel returned a malformed answer ({str(exc)[:200]})") from None
        arrays = load_arrays(data_bytes)
        if not isinstance(body, dict):
            raise SandboxFailure("the kernel returned a malformed answer")
        if body.get("library"):
            raise LibraryAnswer(str(body["library"])[:MAX_ERROR_CHARS])
        if not body.get("ok"):
            ename, evalue = str(body.get("ename", "Error"))[:100], str(body.get("evalue", ""))[:MAX_ERROR_CHARS]
            exc_type = _EXCEPTIONS.get(ename)
            if exc_type is not None:
                raise exc_type(evalue)
            raise RemoteError(f"{ename}: {evalue}")
        value = self._decode(body.get("value"), arrays)
        mutated = body.get("mutated", [])
        for key in mutated if isinstance(mutated, list) else []:
            original, changed = sent.get(str(key)), arrays.get(f"m{key}")
            if original is not None and changed is not None and original.shape == changed.shape and original.flags.writeable:
                np.copyto(original, changed, casting="unsafe")
        return value


class RemoteFunction:
    """A learner's top-level function (or class) that lives in the kernel, callable from the grader.

    ``pin``: call the object kept by ``channel.request("pin", names=[...], group=pin)``, not the
    one the name holds now.
    """

    def __init__(self, channel: Channel, name: str, pin: str | None = None) -> None:
        self._channel = channel
        self._pin = pin
        self.__name__ = name
        self.__qualname__ = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        fields: dict[str, Any] = {"name": self.__name__, "args": args, "kwargs": kwargs}
        if self._pin is not None:
            fields["pin"] = self._pin
        return self._channel.request("call", **fields)

    def beside(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Call the library function ``fn`` (by name) in the kernel, where this learner's code lives.

        What it returns comes back like a learner's result: data as data, objects (a model built
        for a check, an optimizer) as :class:`RemoteObject` handles to pass to the learner's code.
        """
        return self._channel.request("library", fn=_fn_ref(fn), args=args, kwargs=kwargs)

    def __repr__(self) -> str:
        return f"<learner's {self.__name__}>"


class RemoteObject:
    """An object made by learner code (e.g. an instance of the learner's class), kept in the kernel."""

    def __init__(self, channel: Channel, handle: str, type_name: str) -> None:
        self._channel = channel
        self._handle = handle
        self._type_name = type_name

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        channel, handle = self._channel, self._handle
        value = channel.request("getattr", handle=handle, attr=attr)
        if isinstance(value, RemoteObject) and value._type_name in {"method", "function", "builtin_function_or_method"}:
            return lambda *args, **kwargs: channel.request("method", handle=handle, attr=attr, args=args, kwargs=kwargs)
        return value

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._channel.request("method", handle=self._handle, attr="__call__", args=args, kwargs=kwargs)

    def __repr__(self) -> str:
        return f"<learner's {self._type_name} object>"
