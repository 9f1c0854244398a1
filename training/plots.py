"""A training run's reward curves as plain SVG: one line per metric over the optimizer steps.

People judge a GRPO run by the shape of its rewards (rising, flat, collapsing), so the training run's page
shows this chart and redraws it while the run goes on. Pure code over (step, metrics) pairs; no plotting
library. Before/after charts of evaluations reuse ``agents.runtime.plots.summary_svg``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape

WIDTH, PLOT_HEIGHT = 760, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 40, 36
LEGEND_LINE = 18

# (TRL's metric name, label, colour, dashed): the summed reward, each reward function, and the share of
# groups whose rewards were all equal (no learning signal in them).
CURVES: tuple[tuple[str, str, str, bool], ...] = (
    ("reward", "reward (sum)", "#1f5fa8", False),
    ("rewards/format_reward/mean", "format reward", "#3a8a3f", False),
    ("rewards/answer_reward/mean", "answer reward", "#c0502b", False),
    ("frac_reward_zero_std", "groups with zero reward spread", "#7a4fa0", True),
)


def _nice_top(value: float) -> float:
    """The y axis' top: 1 or 2 (the rewards' ranges), else the next half unit above ``value``."""
    for top in (1.0, 2.0):
        if value <= top:
            return top
    return float(int(value * 2) + 1) / 2


def reward_curves_svg(points: Sequence[tuple[int, Mapping[str, float]]], *, title: str) -> str:
    """An SVG line chart of the reward metrics in ``points`` ((step, metrics) in step order). Metrics a
    run did not log are left out of the chart and its legend; with no point yet the chart says so."""
    curves = [curve for curve in CURVES if any(curve[0] in values for _, values in points)]
    steps = [step for step, _ in points]
    height = TOP + PLOT_HEIGHT + BOTTOM + LEGEND_LINE * max(1, len(curves)) + 8
    plot_w = WIDTH - LEFT - RIGHT
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" '
        'font-family="sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{WIDTH}" height="{height}" fill="white"/>',
        f'<text x="{WIDTH / 2}" y="22" text-anchor="middle" font-size="14">{escape(title)}</text>',
    ]
    if not curves or not steps:
        out.append(
            f'<text x="{WIDTH / 2}" y="{TOP + PLOT_HEIGHT / 2}" text-anchor="middle" fill="#666">'
            "No step logged yet.</text>"
        )
        out.append("</svg>")
        return "\n".join(out) + "\n"
    top = _nice_top(max(values.get(name, 0.0) for _, values in points for name, *_ in curves))
    first, last = min(steps), max(steps)
    span = max(1, last - first)

    def x_of(step: int) -> float:
        return LEFT + plot_w * (step - first) / span if last > first else LEFT + plot_w / 2

    def y_of(value: float) -> float:
        return TOP + PLOT_HEIGHT * (1 - max(0.0, min(value, top)) / top)

    for tick in range(5):
        value = top * tick / 4
        y = y_of(value)
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{value:g}</text>')
    for step in sorted({first, last, first + span // 2}):
        out.append(f'<text x="{x_of(step):.1f}" y="{TOP + PLOT_HEIGHT + 18}" text-anchor="middle">{step}</text>')
    out.append(
        f'<text x="{LEFT + plot_w / 2}" y="{TOP + PLOT_HEIGHT + 32}" text-anchor="middle" fill="#666">step</text>'
    )
    out.append(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + PLOT_HEIGHT}" y2="{TOP + PLOT_HEIGHT}" stroke="#333"/>'
    )
    for index, (name, label, colour, dashed) in enumerate(curves):
        line = [(step, values[name]) for step, values in points if name in values]
        dash = ' stroke-dasharray="5 4"' if dashed else ""
        path = " ".join(f"{x_of(step):.1f},{y_of(value):.1f}" for step, value in line)
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
        for step, value in line:
            out.append(
                f'<circle cx="{x_of(step):.1f}" cy="{y_of(value):.1f}" r="2.5" fill="{colour}">'
                f"<title>{escape(label)} at step {step}: {value:.3f}</title></circle>"
            )
        y = TOP + PLOT_HEIGHT + BOTTOM + LEGEND_LINE * (index + 1)
        out.append(
            f'<line x1="{LEFT}" x2="{LEFT + 22}" y1="{y - 4}" y2="{y - 4}" stroke="{colour}" stroke-width="2"{dash}/>'
        )
        out.append(f'<text x="{LEFT + 28}" y="{y}">{escape(label)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
