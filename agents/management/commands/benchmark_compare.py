"""``manage.py benchmark_compare``: several ``manage.py benchmark`` results side by side, as a table and a chart.

    python manage.py benchmark_compare aoi.json baseline.json --out aoi-vs-baseline

writes ``aoi-vs-baseline.md`` (avg@1, avg@K, best@K and spread per task type for each result, and the
problems one solved that the other did not) and ``aoi-vs-baseline.svg`` (the success rates as bars).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from agents.runtime.plots import summary_svg
from agents.runtime.scoring import TASK_ORDER


def _load(path: str) -> dict[str, Any]:
    try:
        document = json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise CommandError(f"{path}: {error}") from error
    if not isinstance(document, dict) or not isinstance(document.get("summary"), dict):
        raise CommandError(f"{path}: not the JSON output of manage.py benchmark")
    return document


def _label(document: dict[str, Any]) -> str:
    return f"{document.get('agent', '?')} ({document.get('model', '?')})"


def _solved(document: dict[str, Any]) -> set[str]:
    return {str(row["problem_id"]) for row in document.get("results", []) if row.get("success")}


class Command(BaseCommand):
    help = "Compare benchmark results (JSON of manage.py benchmark): a Markdown table and an SVG chart."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("results", nargs="+", help="JSON files written by manage.py benchmark")
        parser.add_argument("--out", default="benchmark-comparison", help="path without suffix for .md and .svg")
        parser.add_argument("--title", default="", help="chart title")

    def handle(self, *args: Any, **options: Any) -> None:
        documents = [_load(path) for path in options["results"]]
        lines = ["| task | " + " | ".join(_label(d) for d in documents) + " |", "|---|" + "---|" * len(documents)]
        for task in ("all", *TASK_ORDER):
            cells = []
            for document in documents:
                figures = document["summary"].get(task) or {}
                if not figures.get("problems"):
                    cells.append("")
                    continue
                runs = figures["runs"]
                spread = (
                    f", avg@{runs} {figures[f'avg@{runs}']:.1%}, best@{runs} {figures[f'best@{runs}']:.1%}, "
                    f"std {figures['std_across_runs']:.3f}"
                    if runs > 1
                    else " (1 run)"
                )
                cells.append(f"avg@1 {figures['avg@1']:.1%}{spread} ({figures['problems']} problems)")
            if any(cells):
                lines.append(f"| {task} | " + " | ".join(cells) + " |")
        lines.append("")
        lines.append("| wall time | " + " | ".join(f"{d.get('wall_time_s', 0)} s" for d in documents) + " |")
        if len(documents) == 2:
            first, second = (_solved(d) for d in documents)
            lines += [
                "",
                f"Solved by {_label(documents[0])} only: {', '.join(sorted(first - second)) or 'none'}",
                "",
                f"Solved by {_label(documents[1])} only: {', '.join(sorted(second - first)) or 'none'}",
            ]
        text = "\n".join(lines) + "\n"
        out = Path(options["out"])
        out.with_suffix(".md").write_text(text)
        title = options["title"] or " vs ".join(_label(d) for d in documents)
        out.with_suffix(".svg").write_text(summary_svg([(_label(d), d["summary"]) for d in documents], title=title))
        self.stdout.write(text)
        self.stdout.write(f"-> {out.with_suffix('.md')} and {out.with_suffix('.svg')}")
