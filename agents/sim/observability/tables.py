"""The CSV table that metrics and trace exports are written as (``get_metrics`` / ``get_traces`` files)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass


@dataclass(frozen=True)
class Table:
    """One exported table: its columns and rows, written out by ``as_csv`` as the interface's files are."""

    columns: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]

    def as_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.columns)
        writer.writerows(self.rows)
        return out.getvalue()
