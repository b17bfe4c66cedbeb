"""The copy of ``dlfs`` a learner's kernel imports: the chapter's own answers marked and guarded.

The library's reference implementation of exercise ``foo`` is the module-level
function or class named ``foo`` somewhere in ``lib/dlfs`` (``checks/`` aside). For
a chapter, :func:`build_library` copies the package and, in the copy, makes every
reference of that chapter's exercises

- call ``dlfs._exercise_guard.reached("<module>.<name>")`` as its first statement
  (every method of a class), and
- carry ``__dlfs_exercise__ = "<module>.<name>"`` (inherited by subclasses),

and adds :mod:`dlfs_autograder.exercise_guard` as ``dlfs._exercise_guard``. The
edits are made on the source text, in place, so line numbers, comments and
``inspect.getsource`` stay as the learner knows them. Earlier chapters' references
are left alone: later exercises may build on them.

The generic rule serves chapters to come: name the reference like the exercise.
"""

from __future__ import annotations

import ast
import compileall
import shutil
from collections.abc import Iterable
from pathlib import Path

from dlfs_autograder import exercise_guard

GUARD = "__dlfs_reached__"
IMPORT = f"from dlfs._exercise_guard import reached as {GUARD}"
_COMPOUND = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.FunctionDef,
             ast.AsyncFunctionDef, ast.ClassDef, ast.Match, ast.TryStar)


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


class _Edits:
    """Text insertions at (line, column) positions of one source file, applied from the end."""

    def __init__(self, source: str) -> None:
        self.lines = source.splitlines(keepends=True)
        self.inserts: list[tuple[int, int, str]] = []

    def at(self, line: int, col: int, text: str) -> None:
        self.inserts.append((line, col, text))

    def first_statement(self, body: list[ast.stmt], text: str) -> None:
        """Make ``text`` (one simple statement) run first in ``body``, keeping line numbers where it can."""
        first = body[0]
        if _is_docstring(first):
            assert first.end_lineno is not None and first.end_col_offset is not None
            self.at(first.end_lineno, self._col(first.end_lineno, first.end_col_offset), f"; {text}")
        elif not isinstance(first, _COMPOUND):
            self.at(first.lineno, self._col(first.lineno, first.col_offset), f"{text}; ")
        else:  # a compound statement first: a line of its own, with its indentation
            indent = self.lines[first.lineno - 1][: len(self.lines[first.lineno - 1]) - len(self.lines[first.lineno - 1].lstrip())]
            self.at(first.lineno, 0, f"{indent}{text}\n")

    def _col(self, line: int, utf8_col: int) -> int:
        """ast columns count UTF-8 bytes; string slicing counts characters."""
        return len(self.lines[line - 1].encode("utf-8")[:utf8_col].decode("utf-8", errors="ignore"))

    def apply(self) -> str:
        for line, col, text in sorted(self.inserts, reverse=True):
            row = self.lines[line - 1]
            self.lines[line - 1] = row[:col] + text + row[col:]
        return "".join(self.lines)


def _protect_module(source: str, module: str, names: set[str]) -> tuple[str, list[str]]:
    """The module's source with its references among ``names`` guarded; and their qualified names."""
    tree = ast.parse(source)
    found = [n for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef) and n.name in names]
    if not found:
        return source, []
    edits = _Edits(source)
    done: list[str] = []
    for node in found:
        qualified = f"{module}.{node.name}"
        call = f"{GUARD}({qualified!r})"
        if isinstance(node, ast.FunctionDef):
            edits.first_statement(node.body, call)
        else:
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    edits.first_statement(item.body, call)
        done.append(qualified)
    # the import, as early as the language allows (after the docstring and __future__ imports)
    lead = 0
    while lead < len(tree.body):
        stmt = tree.body[lead]
        if not (_is_docstring(stmt) and lead == 0 or isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__"):
            break
        lead += 1
    if lead:
        last = tree.body[lead - 1]
        assert last.end_lineno is not None and last.end_col_offset is not None
        edits.at(last.end_lineno, edits._col(last.end_lineno, last.end_col_offset), f"; {IMPORT}")
    elif tree.body and not isinstance(tree.body[0], _COMPOUND):
        edits.at(tree.body[0].lineno, 0, f"{IMPORT}; ")
    else:
        edits.at(1, 0, f"{IMPORT}\n")
    text = edits.apply()
    marks = "".join(f"{q.rsplit('.', 1)[1]}.{exercise_guard.ATTRIBUTE} = {q!r}\n" for q in done)
    return text + ("" if text.endswith("\n") else "\n") + marks, done


def _module_name(lib: Path, path: Path) -> str:
    parts = list(path.relative_to(lib).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def library_source(root: Path) -> Path:
    """The ``dlfs`` package folder to copy: the course's ``lib/dlfs``, or (a course folder without it, such as a
    class's shared folder on a hub) the installed ``dlfs`` package."""
    if (root / "lib" / "dlfs").is_dir():
        return root / "lib" / "dlfs"
    import dlfs

    return Path(dlfs.__file__).resolve().parent


def build_library(source: Path, exercises: Iterable[str], dest: Path) -> list[str]:
    """Copy the ``dlfs`` package folder ``source`` to ``dest/dlfs`` with the references of ``exercises`` guarded.

    Returns the qualified names guarded (e.g. ``["dlfs.derivatives.deriv"]``). ``dest`` must not exist.
    """
    names = set(exercises)
    package = dest / "dlfs"
    shutil.copytree(source, package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints"))
    guarded: list[str] = []
    for path in sorted(package.rglob("*.py")):
        if path.relative_to(package).parts[0] == "checks":
            continue
        code = path.read_text(encoding="utf-8")
        text, done = _protect_module(code, _module_name(dest, path), names)
        if done:
            path.write_text(text, encoding="utf-8")
            guarded += done
    shutil.copyfile(exercise_guard.__file__, package / "_exercise_guard.py")
    compileall.compile_dir(str(dest), quiet=1, workers=1)  # the kernel imports bytecode: faster start
    for path in [dest, *dest.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return guarded
