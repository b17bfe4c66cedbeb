"""Finding submissions: nbgrader's submitted layout, a flat folder, or an LMS zip download.

- nbgrader layout: ``SUBMISSIONS/<student>/<chapter>/<chapter>.ipynb``;
- flat folder: ``SUBMISSIONS/<student>.ipynb`` (the chapter is recognised from
  the notebook's exercise ids, or given with ``--chapter``);
- zip: an LMS download whose file names follow nbgrader ``zip_collect``'s
  default pattern, ``<anything>_<student>_attempt_<timestamp>_<file>.ipynb``
  (plain ``<student>.ipynb`` inside the zip works too); for several attempts,
  the latest timestamp wins.
"""

from __future__ import annotations

import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$")
ZIP_NAME = re.compile(r".+_(?P<student_id>\w+)_attempt_(?P<timestamp>[0-9\-]+)_(?P<file_id>\w+)")
MAX_ZIP_MEMBER_BYTES = 50_000_000


@dataclass
class Found:
    """One submission to grade; ``chapter`` is '' when it must be recognised from the notebook."""

    student: str
    chapter: str
    path: Path


def _grade_ids(path: Path) -> set[str]:
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        return {c["metadata"]["nbgrader"]["grade_id"] for c in nb.get("cells", [])
                if isinstance(c, dict) and isinstance(c.get("metadata", {}).get("nbgrader"), dict)
                and "grade_id" in c["metadata"]["nbgrader"]}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return set()


def recognise(path: Path, chapter_ids: dict[str, set[str]]) -> str:
    """The chapter whose grade_ids the notebook shares most ('' if none)."""
    ids = _grade_ids(path)
    best = max(chapter_ids, key=lambda ch: len(ids & chapter_ids[ch]), default="")
    return best if best and ids & chapter_ids[best] else ""


def _from_layout(folder: Path, chapters: list[str], skipped: list[str]) -> list[Found]:
    found: list[Found] = []
    for student_dir in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if not STUDENT_ID.match(student_dir.name):
            skipped.append(f"{student_dir}: {student_dir.name!r} is not a usable student id")
            continue
        for chapter_dir in sorted(p for p in student_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
            if chapter_dir.name not in chapters:
                skipped.append(f"{chapter_dir}: no chapter named {chapter_dir.name!r}")
                continue
            nb = chapter_dir / f"{chapter_dir.name}.ipynb"
            if not nb.is_file():
                others = sorted(chapter_dir.glob("*.ipynb"))
                if len(others) != 1:
                    skipped.append(f"{chapter_dir}: expected {chapter_dir.name}.ipynb")
                    continue
                nb = others[0]
            found.append(Found(student_dir.name, chapter_dir.name, nb))
    return found


def _from_flat(files: list[Path], chapter: str, skipped: list[str]) -> list[Found]:
    found = []
    for nb in files:
        if not STUDENT_ID.match(nb.stem):
            skipped.append(f"{nb}: {nb.stem!r} is not a usable student id")
            continue
        found.append(Found(nb.stem, chapter, nb))
    return found


def _from_zip(archive: Path, dest: Path, chapter: str, skipped: list[str]) -> list[Found]:
    latest: dict[str, tuple[str, Path]] = {}
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        skipped.append(f"{archive}: not a readable zip file ({exc})")
        return []
    with zf:
        for info in zf.infolist():
            name = Path(info.filename).name
            if info.is_dir() or not name.endswith(".ipynb") or name.startswith("."):
                continue
            match = ZIP_NAME.match(Path(name).stem)
            student, stamp = (match["student_id"], match["timestamp"]) if match else (Path(name).stem, "")
            if not STUDENT_ID.match(student):
                skipped.append(f"{archive}:{info.filename}: {student!r} is not a usable student id")
                continue
            if info.file_size > MAX_ZIP_MEMBER_BYTES:
                skipped.append(f"{archive}:{info.filename}: larger than {MAX_ZIP_MEMBER_BYTES} bytes")
                continue
            target = dest / f"{student}__{stamp or 'x'}.ipynb"
            target.write_bytes(zf.read(info))  # written under our own name: no path from the zip is used
            if student not in latest or stamp > latest[student][0]:
                latest[student] = (stamp, target)
    return [Found(s, chapter, p) for s, (_, p) in sorted(latest.items())]


def discover(source: Path, chapters: list[str], chapter: str, unpack_to: Path) -> tuple[list[Found], list[str]]:
    """All submissions under ``source`` (a folder or a zip), and what was skipped and why."""
    skipped: list[str] = []
    if source.is_file() and source.suffix == ".zip":
        unpack_to.mkdir(parents=True, exist_ok=True)
        return _from_zip(source, unpack_to, chapter, skipped), skipped
    flat = sorted(p for p in source.glob("*.ipynb") if p.is_file())
    return _from_layout(source, chapters, skipped) + _from_flat(flat, chapter, skipped), skipped
