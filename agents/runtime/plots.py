"""Benchmark results as a picture: success rates per task type, one group of bars per task, as plain SVG.

People compare agents at a glance rather than across tables, so ``manage.py benchmark`` writes this chart
beside its JSON and ``manage.py benchmark_compare`` draws several results side by side. Written by hand
(no plotting library): bars, axis, labels and a legend, nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape

from agents.runtime.scoring import TASK_ORDER

WIDTH, PLOT_HEIGHT = 760, 248
LEFT, RIGHT, TOP = 56, 16, 40
AXIS_LABELS = 44  # task name and problem count under the axis
LEGEND_LINE = 18  # one legend line per result
# One hue per result, two shades per hue: avg@1 (solid) and best@K (light).
PALETTE = (("#1f5fa8", "#9bbde6"), ("#c0502b", "#f0b59f"), ("#3a8a3f", "#a9d8ab"), ("#7a4fa0", "#cdb5e3"))


def _groups(summaries: Sequence[Mapping[str, Any]]) -> list[str]:
    present = {name for summary in summaries for name, figures in summary.items() if figures.get("problems")}
    return [name for name in ("all", *TASK_ORDER) if name in present]


def _best(figures: Mapping[str, Any]) -> float:
    runs = figures.get("runs", 1)
    return float(figures.get(f"best@{runs}", figures.get("avg@1", 0.0)))


def summary_svg(series: Sequence[tuple[str, Mapping[str, Any]]], *, title: str) -> str:
    """An SVG bar chart of avg@1 and best@K per task type for each (label, summary) of ``series``."""
    if not series:
        raise ValueError("nothing to plot")
    groups = _groups([summary for _, summary in series])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, PLOT_HEIGHT
    height = TOP + plot_h + AXIS_LABELS + LEGEND_LINE * len(series) + 8
    group_w = plot_w / max(1, len(groups))
    bar_w = min(22.0, (group_w - 16) / (2 * len(series)))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        'font-family="sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
        f'<text x="{WIDTH / 2}" y="22" text-anchor="middle" font-size="14">{escape(title)}</text>',
    ]
    for tick in range(0, 101, 25):
        y = TOP + plot_h * (1 - tick / 100)
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}%</text>')
    for g, group in enumerate(groups):
        x0 = LEFT + g * group_w + (group_w - 2 * bar_w * len(series)) / 2
        for s, (label, summary) in enumerate(series):
            figures = summary.get(group) or {}
            if not figures.get("problems"):
                continue
            solid, light = PALETTE[s % len(PALETTE)]
            for b, (value, colour, name) in enumerate(
                ((float(figures["avg@1"]), solid, "avg@1"), (_best(figures), light, f"best@{figures.get('runs', 1)}"))
            ):
                x = x0 + (2 * s + b) * bar_w
                h = plot_h * value
                out.append(
                    f'<rect x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" '
                    f'fill="{colour}"><title>{escape(label)} {group} {name}: {value:.1%}</title></rect>'
                )
        problems = max(int((summary.get(group) or {}).get("problems", 0)) for _, summary in series)
        centre = LEFT + (g + 0.5) * group_w
        out.append(f'<text x="{centre:.1f}" y="{TOP + plot_h + 18}" text-anchor="middle">{escape(group)}</text>')
        y = TOP + plot_h + 32
        out.append(f'<text x="{centre:.1f}" y="{y}" text-anchor="middle" fill="#666">{problems} problems</text>')
    out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" stroke="#333"/>')
    for s, (label, summary) in enumerate(series):
        solid, light = PALETTE[s % len(PALETTE)]
        runs = summary.get("all", {}).get("runs", 1)
        x, y = LEFT, TOP + plot_h + AXIS_LABELS + LEGEND_LINE * (s + 1)
        out.append(f'<rect x="{x}" y="{y - 10}" width="10" height="10" fill="{solid}"/>')
        out.append(f'<rect x="{x + 12}" y="{y - 10}" width="10" height="10" fill="{light}"/>')
        out.append(f'<text x="{x + 28}" y="{y}">{escape(label)}: avg@1, best@{runs}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
