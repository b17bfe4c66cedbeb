"""How long executed cells took, from the timestamps nbclient records in cell metadata."""

from __future__ import annotations

from datetime import datetime

from nbformat import NotebookNode


def cell_seconds(cell: NotebookNode) -> float | None:
    """Seconds from execute_input to execute_reply of an executed code cell, or None if not recorded."""
    timing = cell.get("metadata", {}).get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not start or not end:
        return None
    parse = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))  # noqa: E731
    return (parse(end) - parse(start)).total_seconds()
