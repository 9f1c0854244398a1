"""The session's exported telemetry: CSV "files" held in memory, printed as aligned tables.

An export never touches the disk of the machine running the agents: a path is only a key of this store,
valid for the session that produced it. Printing follows pandas' ``to_string(index=False)`` (columns
right-aligned to their widest cell), as AIOpsLab's read_metrics and read_traces do.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field

Row = Sequence[object]


@dataclass
class ExportStore:
    """CSV texts by path, for one session."""

    files: dict[str, str] = field(default_factory=dict)

    def write(self, path: str, header: Sequence[str], rows: Sequence[Row]) -> None:
        """Store ``rows`` under ``header`` as the CSV file ``path`` (replacing an earlier one)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        self.files[path] = buffer.getvalue()

    def table(self, path: str) -> str | None:
        """The file ``path`` as an aligned table, or None when the session exported no such file."""
        text = self.files.get(path.strip())
        if text is None:
            return None
        return render_table(list(csv.reader(io.StringIO(text))))


def render_table(lines: Sequence[Sequence[str]]) -> str:
    """Header and rows right-aligned in columns separated by one space."""
    if not lines:
        return ""
    widths = [max(len(line[i]) if i < len(line) else 0 for line in lines) for i in range(len(lines[0]))]
    return "\n".join(" ".join(cell.rjust(width) for cell, width in zip(line, widths, strict=False)) for line in lines)
