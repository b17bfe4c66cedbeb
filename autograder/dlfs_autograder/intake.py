"""Finding submissions: nbgrader's submitted layout, a flat folder, or an LMS zip download.

- nbgrader layout: ``SUBMISSIONS/<student>/<chapter>/<chapter>.ipynb``;
- flat folder: ``SUBMISSIONS/<student>.ipynb`` (the chapter is recognised from
  the notebook's exercise ids, or given with ``--chapter``);
- zip: an LMS download (Blackboard's naming, which nbgrader's ``zip_collect``
  reads): ``<assignment>_<student>_attempt_<YYYY-MM-DD-HH-MM-SS>_<the student's
  file name>``, with a receipt ``<assignment>_<student>_attempt_<time>.txt`` that
  says ``Name: <full name> (<student>)``. Names are read **from the left**: the first
  ``_attempt_<time>`` ends the student id, and what follows is the student's own
  file name (which may itself look like anything). The assignment part is the one
  the receipts give, else the first ``_``-separated word the whole download shares.
  Plain ``<student>.ipynb`` members work too. For several attempts the latest counts.

Student ids are kept whole -- underscores, spaces, accents (NFC) -- and refused only
when they cannot be a folder name. Nothing here follows a symbolic link: a linked
file or folder is reported, never read. Every notebook is copied into the grader's
own staging folder as it is read, so what is graded is what was hashed.

Each problem gets a status and a line in the summary: a folder with several
notebooks, a link, an unreadable zip member, a file too large.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from dlfs_autograder.cells import distinctive

MAX_NOTEBOOK_BYTES = 50_000_000
MAX_ZIP_MEMBERS = 20_000
ATTEMPT = re.compile(r"^(?P<head>.*?)_attempt_(?P<stamp>\d{4}(?:-\d{2}){5})(?:_(?P<file>.*))?$", re.DOTALL)
RECEIPT_NAME = re.compile(r"^Name:\s*(?P<full>.*?)\s*\((?P<user>[^()\n]+)\)\s*$", re.MULTILINE)


@dataclass
class Found:
    """One submission: a student, a chapter ('' until recognised), the grader's copy of the notebook.

    ``problem`` non-empty: it cannot be graded, and says why (its row scores 0).
    ``notes``: things the instructor should know (another notebook in the folder, older attempts).
    """

    student: str
    chapter: str
    path: Path | None
    origin: str
    problem: str = ""
    notes: list[str] = field(default_factory=list)


def student_id(name: str) -> str | None:
    """``name`` as a student id (NFC), or None if it cannot name a folder."""
    sid = unicodedata.normalize("NFC", name)
    if not sid or len(sid) > 100 or sid.startswith(".") or sid.strip() != sid:
        return None
    if any(ch in sid for ch in "/\\") or any(unicodedata.category(ch)[0] == "C" for ch in sid):
        return None
    return sid


def _grade_ids(path: Path) -> set[str]:
    import json

    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        return {c["metadata"]["nbgrader"]["grade_id"] for c in nb.get("cells", [])
                if isinstance(c, dict) and isinstance(c.get("metadata", {}).get("nbgrader"), dict)
                and "grade_id" in c["metadata"]["nbgrader"]}
    except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return set()


def recognise(path: Path, chapter_ids: dict[str, set[str]]) -> str:
    """The chapter whose own grade_ids (not its question ids) the notebook shares most ('' if none)."""
    ids = _grade_ids(path)
    best = max(chapter_ids, key=lambda ch: (len(ids & distinctive(chapter_ids[ch])), len(ids & chapter_ids[ch])), default="")
    return best if best and ids & distinctive(chapter_ids[best]) else ""


class _Stage:
    """The grader's private copies of the notebooks, numbered."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.count = 0

    def keep(self, data: bytes) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:05d}.ipynb"
        path.write_bytes(data)
        return path


# ---------------------------------------------------------------- folders, never through a link

def _entries(dir_fd: int) -> Iterator[os.DirEntry[str]]:
    with os.scandir(dir_fd) as it:
        yield from sorted(it, key=lambda e: e.name)


def _open_dir(name: str, dir_fd: int | None = None) -> int:
    return os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)


def _read(name: str, dir_fd: int) -> bytes:
    """A regular file's bytes, opened without following a link; ``OSError`` with a plain reason otherwise."""
    fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dir_fd)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError("not a regular file")
        if info.st_size > MAX_NOTEBOOK_BYTES:
            raise OSError(f"larger than {MAX_NOTEBOOK_BYTES} bytes")
        with os.fdopen(os.dup(fd), "rb") as f:
            data = f.read(MAX_NOTEBOOK_BYTES + 1)
        if len(data) > MAX_NOTEBOOK_BYTES:
            raise OSError(f"larger than {MAX_NOTEBOOK_BYTES} bytes")
        return data
    finally:
        os.close(fd)


def _take(found: Found, name: str, dir_fd: int, stage: _Stage) -> Found:
    try:
        found.path = stage.keep(_read(name, dir_fd))
    except OSError as exc:
        reason = "it is a symbolic link, which is not followed" if exc.errno == errno.ELOOP else (exc.strerror or str(exc))
        found.problem = f"not graded: {found.origin} could not be read ({reason})"
    return found


def _chapter_folder(sid: str, chapter: str, folder: str, fd: int, stage: _Stage) -> Found:
    origin = folder
    notebooks = [e for e in _entries(fd) if e.name.endswith(".ipynb") and not e.name.startswith(".")]
    wanted = f"{chapter}.ipynb"
    chosen = next((e for e in notebooks if e.name == wanted), None)
    if chosen is None and len(notebooks) == 1:
        chosen = notebooks[0]
    if chosen is None:
        names = ", ".join(e.name for e in notebooks) or "none"
        problem = (f"not graded: {origin} holds several notebooks ({names}) and none is named {wanted}" if notebooks
                   else f"not graded: {origin} holds no notebook")
        return Found(sid, chapter, None, origin, problem=problem)
    found = Found(sid, chapter, None, f"{origin}/{chosen.name}")
    others = [e.name for e in notebooks if e is not chosen]
    if others:
        found.notes.append(f"graded {chosen.name}; also in the folder, not graded: {', '.join(others)}")
    if chosen.is_symlink():
        found.problem = f"not graded: {found.origin} is a symbolic link, which is not followed"
        return found
    return _take(found, chosen.name, fd, stage)


def _from_folder(source: Path, chapters: list[str], chapter: str, stage: _Stage,
                 skipped: list[str]) -> list[Found]:
    found: list[Found] = []
    top = _open_dir(str(source))
    try:
        for entry in _entries(top):
            if entry.name.startswith("."):
                continue
            if entry.is_symlink():
                sid = student_id(Path(entry.name).stem if entry.name.endswith(".ipynb") else entry.name)
                what = f"{source / entry.name}: a symbolic link, not followed"
                if sid and chapter:
                    found.append(Found(sid, chapter, None, str(source / entry.name), problem=f"not graded: {what}"))
                else:
                    skipped.append(what)
                continue
            if entry.is_file(follow_symlinks=False) and entry.name.endswith(".ipynb"):
                sid = student_id(entry.name[: -len(".ipynb")])
                if sid is None:
                    skipped.append(f"{source / entry.name}: {entry.name[:-6]!r} is not a usable student id")
                    continue
                found.append(_take(Found(sid, chapter, None, str(source / entry.name)), entry.name, top, stage))
            elif entry.is_dir(follow_symlinks=False):
                sid = student_id(entry.name)
                if sid is None:
                    skipped.append(f"{source / entry.name}: {entry.name!r} is not a usable student id")
                    continue
                found += _student_folder(source, entry.name, sid, top, chapters, stage, skipped)
    finally:
        os.close(top)
    return found


def _student_folder(source: Path, name: str, sid: str, top: int, chapters: list[str], stage: _Stage,
                    skipped: list[str]) -> list[Found]:
    found: list[Found] = []
    fd = _open_dir(name, top)
    try:
        for entry in _entries(fd):
            if entry.name.startswith("."):
                continue
            folder = f"{source / name / entry.name}"
            if entry.name not in chapters:
                if entry.is_dir(follow_symlinks=False) or entry.is_symlink():
                    skipped.append(f"{folder}: no chapter named {entry.name!r}")
                continue
            if entry.is_symlink():
                found.append(Found(sid, entry.name, None, folder,
                                   problem=f"not graded: {folder} is a symbolic link, which is not followed"))
                continue
            if not entry.is_dir(follow_symlinks=False):
                continue
            sub = _open_dir(entry.name, fd)
            try:
                found.append(_chapter_folder(sid, entry.name, folder, sub, stage))
            finally:
                os.close(sub)
    finally:
        os.close(fd)
    return found


# ---------------------------------------------------------------- LMS zip downloads

@dataclass
class _Member:
    info: zipfile.ZipInfo
    head: str  # <assignment>_<student>, or the plain name
    stamp: str
    file: str


def _assignment_prefix(heads: list[str], receipts: dict[str, str]) -> str:
    """The ``<assignment>_`` part the download's names share: from the receipts, else the first word."""
    for head, user in receipts.items():
        if head.endswith("_" + user):
            return head[: -len(user)]
    firsts = {h.split("_", 1)[0] for h in heads if "_" in h}
    return f"{firsts.pop()}_" if len(firsts) == 1 else ""


def _is_link(info: zipfile.ZipInfo) -> bool:
    return stat.S_ISLNK(info.external_attr >> 16)


def _from_zip(archive: Path, chapter: str, stage: _Stage, skipped: list[str]) -> list[Found]:
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        skipped.append(f"{archive}: not a readable zip file ({exc})")
        return []
    found: list[Found] = []
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            skipped.append(f"{archive}: more than {MAX_ZIP_MEMBERS} members; only the first {MAX_ZIP_MEMBERS} were read")
            infos = infos[:MAX_ZIP_MEMBERS]
        members: list[_Member] = []
        receipts: dict[str, str] = {}
        for info in infos:
            name = PurePosixPath(info.filename.replace("\\", "/")).name
            if info.is_dir() or not name or name.startswith(".") or "__MACOSX" in info.filename:
                continue
            stem, _, suffix = name.rpartition(".")
            match = ATTEMPT.match(stem)
            if suffix == "txt" and match and not match["file"] and info.file_size < 100_000:
                try:
                    user = RECEIPT_NAME.search(zf.read(info).decode("utf-8", errors="replace"))
                except Exception:  # noqa: BLE001 -- a receipt is only a help
                    user = None
                if user:
                    receipts[match["head"]] = user["user"].strip()
                continue
            if suffix != "ipynb":
                continue
            if match:
                members.append(_Member(info, match["head"], match["stamp"], (match["file"] or "") + ".ipynb"))
            else:
                members.append(_Member(info, "", "", name))
        prefix = _assignment_prefix([m.head for m in members if m.head], receipts)
        by_student: dict[str, list[_Member]] = {}
        for m in members:
            where = f"{archive.name}:{m.info.filename}"
            if m.head:
                raw = receipts.get(m.head) or (m.head[len(prefix):] if prefix and m.head.startswith(prefix) else
                                               m.head.split("_", 1)[-1])
            else:
                raw = m.file[: -len(".ipynb")]
            sid = student_id(raw)
            if sid is None:
                skipped.append(f"{where}: {raw!r} is not a usable student id")
                continue
            by_student.setdefault(sid, []).append(m)
        for sid, attempts in sorted(by_student.items()):
            found.append(_zip_submission(zf, archive, sid, attempts, chapter, stage))
    return found


def _zip_submission(zf: zipfile.ZipFile, archive: Path, sid: str, attempts: list[_Member], chapter: str,
                    stage: _Stage) -> Found:
    latest = max(m.stamp for m in attempts)
    these = [m for m in attempts if m.stamp == latest]
    older = len({m.stamp for m in attempts}) - 1
    chosen = these[0]
    notes: list[str] = []
    if len(these) > 1:
        named = [m for m in these if chapter and m.file == f"{chapter}.ipynb"]
        if len(named) != 1:
            names = ", ".join(m.file for m in these)
            return Found(sid, chapter, None, f"{archive.name} ({sid}, attempt {latest or 'undated'})",
                         problem=f"not graded: its latest attempt holds several notebooks ({names})"
                                 + (f" and none is named {chapter}.ipynb" if chapter else " (use --chapter to pick by name)"))
        chosen = named[0]
        notes.append(f"graded {chosen.file}; also in the attempt, not graded: "
                     + ", ".join(m.file for m in these if m is not chosen))
    if older:
        notes.append(f"the latest of {older + 1} attempts ({latest})")
    origin = f"{archive.name}:{chosen.info.filename}"
    found = Found(sid, chapter, None, origin, notes=notes)
    if _is_link(chosen.info):
        found.problem = f"not graded: {origin} is a symbolic link inside the zip"
        return found
    if chosen.info.file_size > MAX_NOTEBOOK_BYTES:
        found.problem = f"not graded: {origin} is larger than {MAX_NOTEBOOK_BYTES} bytes"
        return found
    try:
        with zf.open(chosen.info) as f:
            data = f.read(MAX_NOTEBOOK_BYTES + 1)
        if len(data) > MAX_NOTEBOOK_BYTES:
            raise ValueError(f"larger than {MAX_NOTEBOOK_BYTES} bytes")
    except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, ValueError, OSError, EOFError) as exc:
        found.problem = f"not graded: {origin} could not be read from the zip ({type(exc).__name__}: {str(exc)[:200]})"
        return found
    found.path = stage.keep(data)  # written under the grader's own name: no path from the zip is used
    return found


def discover(source: Path, chapters: list[str], chapter: str, staging: Path) -> tuple[list[Found], list[str]]:
    """All submissions under ``source`` (a folder or a zip), and what was skipped and why."""
    skipped: list[str] = []
    stage = _Stage(staging)
    if source.is_file() and source.suffix == ".zip":
        return _from_zip(source, chapter, stage, skipped), skipped
    return _from_folder(source, chapters, chapter, stage, skipped), skipped
