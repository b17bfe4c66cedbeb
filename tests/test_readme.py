"""The README points only at things a fresh clone has: files and folders it names exist, chapters match the table."""

from __future__ import annotations

import re

from conftest import CHAPTERS, ROOT

README = (ROOT / "README.md").read_text()


def test_every_chapter_is_in_the_readme_table_and_nothing_else() -> None:
    rows = re.findall(r"^\| `(\d\d_[a-z_0-9]+)` \|", README, flags=re.M)
    assert rows == CHAPTERS


def test_paths_the_readme_names_exist_in_the_repository() -> None:
    named = set(re.findall(r"`((?:\.\./|\./)?[\w.-]+/[\w./-]*)`", README)) | set(re.findall(r"\]\(((?!https?:)[^)#]+)\)", README))
    missing = []
    for path in sorted(named):
        if "<" in path or "NN_" in path or path.startswith(("OUT/", "SUBMISSIONS", ".venv/")):
            continue  # placeholders and folders the commands create
        if not (ROOT / path).exists():
            missing.append(path)
    assert not missing, f"README names paths a clone does not have: {missing}"
