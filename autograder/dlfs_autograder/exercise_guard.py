"""Installed as ``dlfs._exercise_guard`` in the copy of ``dlfs`` that a graded kernel imports.

The library holds a reference implementation of every exercise (the object named
like the exercise). In the copy made for a chapter (see :mod:`dlfs_autograder.redact`)
every reference of *that* chapter calls :func:`reached` first and carries the
attribute ``__dlfs_exercise__``. This module then tells whether a learner's answer
is the library's own:

- :func:`library_origin`: the answer *is* a reference (imported, aliased, looked up
  with ``importlib``, wrapped in ``functools.partial``), a subclass of one, or another
  object of the library;
- :func:`graded` + :func:`reached`: while a check calls the learner's answer, a
  reference that runs on behalf of learner code (a wrapper around it, a call through
  a library helper) is recorded and stopped with :class:`LibraryAnswerError`.

Outside a graded call the references work as usual, so the notebook's demonstrations
(and the library's own helpers) keep working. This module runs in the learner's
kernel: it catches every way of *reaching* the library's answer, not a submission
that deliberately disables it or copies the library's source (which reads as
plain copying in the notebook).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import sys
from collections.abc import Iterator
from types import FrameType
from typing import Any

ATTRIBUTE = "__dlfs_exercise__"
LIBRARY = os.path.dirname(os.path.abspath(__file__)) + os.sep  # this copy's dlfs folder
_INSTALLED = tuple(sorted({os.path.abspath(p) + os.sep for p in (sys.prefix, sys.base_prefix, sys.exec_prefix,
                                                                    sys.base_exec_prefix)}))
_state: dict[str, Any] = {"graded": 0, "used": None}


class LibraryAnswerError(BaseException):
    """The learner's answer runs the library's own implementation of an exercise of this chapter."""


@functools.lru_cache(maxsize=1024)
def _is_user_code(filename: str) -> bool:
    """Code the learner wrote or ran (cells, ``exec``, their own files): not this library, not the installed Python."""
    if filename.startswith("<frozen"):
        return False
    if filename.startswith("<"):
        return True
    path = os.path.abspath(filename)
    return not path.startswith(LIBRARY) and not path.startswith(_INSTALLED)


def message(reference: str, how: str) -> str:
    name = reference.rsplit(".", 1)[-1]
    return (f"your {name} {how} {reference}, the library's own answer to the exercise you are graded on: "
            f"it earns nothing. Write {name} yourself (the library's answers to earlier chapters' exercises are fine to use).")


def reached(reference: str) -> None:
    """First statement of every protected reference: stop it if it runs for learner code during a graded call."""
    if not _state["graded"]:
        return
    user = 0
    frame: FrameType | None = sys._getframe(2)
    while frame is not None:
        if _is_user_code(frame.f_code.co_filename):
            user += 1
        frame = frame.f_back
    if user >= 2:  # learner code other than the cell that runs the check
        text = message(reference, "uses")
        if _state["used"] is None:
            _state["used"] = text
        raise LibraryAnswerError(text)


@contextlib.contextmanager
def graded() -> Iterator[None]:
    """While the learner's answer is being checked."""
    _state["graded"] += 1
    try:
        yield
    finally:
        _state["graded"] -= 1


def take() -> str | None:
    """The message recorded since the last call, if a reference ran for learner code (and forget it)."""
    used, _state["used"] = _state["used"], None
    return used


def _unwrap(obj: Any) -> Any:
    for _ in range(20):
        if isinstance(obj, functools.partial):
            obj = obj.func
        elif inspect.ismethod(obj) or isinstance(obj, staticmethod | classmethod):
            obj = obj.__func__
        else:
            try:
                wrapped = inspect.getattr_static(obj, "__wrapped__", None)
            except Exception:  # noqa: BLE001
                wrapped = None
            if wrapped is None or wrapped is obj:
                return obj
            obj = wrapped
    return obj


def _defined_in_library(obj: Any) -> bool:
    try:
        filename = inspect.getsourcefile(obj) or inspect.getfile(obj)
    except (TypeError, OSError):
        return False
    return os.path.abspath(filename).startswith(LIBRARY)


def library_origin(obj: Any) -> str | None:
    """Why ``obj`` (a learner's answer) is the library's and not the learner's, or ``None``."""
    target = _unwrap(obj)
    if not (inspect.isfunction(target) or inspect.isclass(target)):
        return None
    try:
        reference = inspect.getattr_static(target, ATTRIBUTE, None)
        if reference is None and inspect.isclass(target):
            reference = next((vars(k)[ATTRIBUTE] for k in inspect.getmro(target) if ATTRIBUTE in vars(k)), None)
    except Exception:  # noqa: BLE001
        reference = None
    if isinstance(reference, str):
        if inspect.isclass(target) and ATTRIBUTE not in vars(target):
            return message(reference, "is a subclass of")
        return message(reference, "is")
    if _defined_in_library(target):
        name = f"{getattr(target, '__module__', '?')}.{getattr(target, '__qualname__', '?')}"
        return (f"your answer is {name}, an object of the dlfs library, not code of your own: it earns nothing. "
                "Write the function yourself.")
    return None


# ---------------------------------------------------------------- self-check (dlfs check): around each test cell

_saved: dict[str, Any] = {}


def _refusal(name: str, why: str) -> Any:
    def refused(*args: Any, **kwargs: Any) -> Any:
        raise LibraryAnswerError(why)

    refused.__name__ = refused.__qualname__ = name
    return refused


def enter(namespace: dict[str, Any], names: list[str]) -> None:
    """Before a test cell: answers that are the library's are swapped for a function that says so; calls are graded."""
    for name in names:
        if name in namespace:
            why = library_origin(namespace[name])
            if why:
                _saved[name] = namespace[name]
                namespace[name] = _refusal(name, why)
    _state["graded"] += 1
    take()


def leave(namespace: dict[str, Any]) -> None:
    """After a test cell: the learner's names as they were."""
    namespace.update(_saved)
    _saved.clear()
    _state["graded"] = max(0, _state["graded"] - 1)
    take()
