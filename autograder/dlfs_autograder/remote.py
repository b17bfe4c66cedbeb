"""Calling a learner's function that lives in a sandboxed kernel, from the grader's own process.

The graded checks run in the grader's process, where the learner's code never
runs: NumPy, ``dlfs``, builtins and exception handling there are the real ones,
whatever the submission monkeypatched in its kernel. Only the learner's
function itself runs in the kernel. :class:`RemoteFunction` stands in for it:
calling it writes the arguments to the kernel's scratch folder, asks the kernel
to call the function, and reads the result back.

The exchange format is data only -- JSON for structure and ``.npz`` arrays read
with ``allow_pickle=False`` -- so nothing the kernel writes can run code in the
grader. Functions passed as arguments travel by name (``module:qualname``) and
are imported again in the kernel; results that are not data (a learner's
object) stay in the kernel and come back as a :class:`RemoteObject` handle.
PyTorch tensors travel as arrays (and come back as tensors, detached); a module
is a handle, and its ``state_dict()`` comes back as a dict of tensors. A check
that needs library objects next to the learner's (a model, an optimizer) builds
them in the kernel with :meth:`RemoteFunction.beside`.
"""

from __future__ import annotations

import importlib
import json
import sys
import uuid
from pathlib import Path
from typing import Any

import numpy as np

from dlfs_autograder.sandbox import Kernel

MAX_RESPONSE_BYTES = 50_000_000
CALL_SECONDS = 20.0  # default; a Channel uses its kernel's cell limit

#: Runs in the kernel before every graded check (so a submission cannot keep a tampered copy).
KERNEL_STUB = r'''
def __dlfs_make_rpc():
    import importlib as _il, json as _json, numpy as _np
    from IPython import get_ipython as _gi
    _objects = {}

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

    def rpc(path):
        req = _json.loads(open(path + ".json").read())
        with _np.load(path + ".npz", allow_pickle=False) as f: arrays = {k: f[k] for k in f.files}
        try:
            if req["op"] == "call":
                target = _gi().user_ns[req["name"]] if req["name"] in _gi().user_ns else None
                if target is None:
                    raise NameError("name '%s' is not defined: run the cell that defines it" % req["name"])
            elif req["op"] == "library":
                target = _dec({"t": "fn", "v": req["fn"]}, arrays)
            else:
                target = getattr(_objects[req["handle"]], req["attr"])
            if req["op"] == "getattr":
                result = target
            else:
                args = _dec(req["args"], arrays); kwargs = _dec(req["kwargs"], arrays)
                # a name that holds a value (a question's answer), called with nothing: its value
                result = target if req["op"] == "call" and not callable(target) and not args and not kwargs else target(*args, **kwargs)
            out = []
            body = {"ok": True, "value": _enc(result, out)}
        except BaseException as exc:
            out = []
            body = {"ok": False, "ename": type(exc).__name__, "evalue": str(exc)[:2000]}
        _np.savez(path + ".out.npz", **{"a%d" % i: a for i, a in enumerate(out)})
        with open(path + ".out.json", "w") as f: f.write(_json.dumps(body))
    return rpc
__dlfs_rpc__ = __dlfs_make_rpc()
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


class Channel:
    """The request/response exchange with one kernel."""

    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.folder = kernel.work / ".rpc"
        self.folder.mkdir(exist_ok=True)
        self.seconds = kernel.limits.cell_seconds or CALL_SECONDS

    def install(self) -> None:
        """(Re)define the kernel-side stub; done before every graded check."""
        run = self.kernel.execute(KERNEL_STUB, timeout=self.seconds)
        if run.error or run.died or run.timed_out:
            raise SandboxFailure("the kernel could not prepare for grading" + (f": {run.error[1]}" if run.error else ""))

    def _encode(self, value: Any, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
        if isinstance(value, RemoteObject):
            return {"t": "handle", "v": value._handle}
        if isinstance(value, np.ndarray):
            key = f"a{len(arrays)}"
            arrays[key] = np.ascontiguousarray(value)
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
            return {"t": type(value).__name__, "v": [self._encode(v, arrays) for v in value]}
        if isinstance(value, dict):
            return {"t": "dict", "v": {str(k): self._encode(v, arrays) for k, v in value.items()}}
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
            if key not in arrays:
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
            return RemoteObject(self, value["v"], str(value.get("type", "object")))
        raise SandboxFailure("the kernel returned a malformed answer")

    def request(self, op: str, **fields: Any) -> Any:
        """Send one request; return the decoded value or raise what the learner's code raised."""
        path = self.folder / uuid.uuid4().hex
        arrays: dict[str, np.ndarray] = {}
        body = {"op": op, **{k: v for k, v in fields.items() if k not in {"args", "kwargs"}}}
        if op != "getattr":
            body["args"] = self._encode(tuple(fields.get("args", ())), arrays)
            body["kwargs"] = self._encode(dict(fields.get("kwargs", {})), arrays)
        np.savez(str(path) + ".npz", **arrays)  # type: ignore[arg-type]  # numpy stubs: keys are array names
        Path(str(path) + ".json").write_text(json.dumps(body))
        run = self.kernel.execute(f"__dlfs_rpc__({str(path)!r})", timeout=self.seconds)
        if run.timed_out:
            raise SandboxFailure(f"the call did not finish within {self.seconds:g} s (an infinite loop?)")
        if run.died:
            raise SandboxFailure("the kernel died during the call (out of memory, or the code exited Python)")
        return self._read(Path(str(path) + ".out.json"), Path(str(path) + ".out.npz"), run.error)

    def _read(self, meta: Path, data: Path, error: tuple[str, str] | None) -> Any:
        if not meta.is_file() or not data.is_file():
            detail = f" ({error[0]}: {error[1]})" if error else ""
            raise SandboxFailure(f"the kernel gave no answer{detail}")
        if meta.stat().st_size + data.stat().st_size > MAX_RESPONSE_BYTES:
            raise SandboxFailure("the answer was too large")
        try:
            body = json.loads(meta.read_text())
            with np.load(data, allow_pickle=False) as f:
                arrays = {k: f[k] for k in f.files}
        except (ValueError, OSError) as exc:
            raise SandboxFailure(f"the kernel returned a malformed answer ({exc})") from None
        if not isinstance(body, dict):
            raise SandboxFailure("the kernel returned a malformed answer")
        if not body.get("ok"):
            ename, evalue = str(body.get("ename", "Error")), str(body.get("evalue", ""))
            exc_type = _EXCEPTIONS.get(ename)
            if exc_type is not None:
                raise exc_type(evalue)
            raise RemoteError(f"{ename}: {evalue}")
        return self._decode(body.get("value"), arrays)


class RemoteFunction:
    """A learner's top-level function (or class) that lives in the kernel, callable from the grader."""

    def __init__(self, channel: Channel, name: str) -> None:
        self._channel = channel
        self.__name__ = name
        self.__qualname__ = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._channel.request("call", name=self.__name__, args=args, kwargs=kwargs)

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
