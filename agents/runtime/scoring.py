"""Benchmark arithmetic: avg@1, avg@K, best@K and run-to-run spread, overall and per task type.

Vocabulary (DESIGN.md): avg@k is the mean success over k independent runs of each problem, averaged over
problems; best@k counts a problem solved if any of its k runs succeeds. avg@1 uses each problem's first
run only. The spread is the standard deviation, across runs, of each run's success rate over all problems.
For mitigation, ``strict`` scoring reads the true-fix check instead of AIOpsLab's lenient one.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

TASK_ORDER = ("detection", "localization", "analysis", "mitigation")


@dataclass(frozen=True)
class RunScore:
    """One run of one problem, as scoring needs it."""

    problem_id: str
    task: str
    run: int
    success: bool
    strict_success: bool | None
    steps: int
    tokens_in: int
    tokens_out: int
    wall_time_s: float

    @classmethod
    def from_grade(cls, grade: Mapping[str, Any], *, run: int, wall_time_s: float) -> RunScore:
        return cls(
            str(grade["problem_id"]),
            str(grade["task"]),
            run,
            bool(grade["success"]),
            grade.get("strict_success"),
            int(grade.get("steps", 0)),
            int(grade.get("tokens_in", 0)),
            int(grade.get("tokens_out", 0)),
            wall_time_s,
        )

    def passed(self, *, strict: bool) -> bool:
        if strict and self.task == "mitigation":
            return bool(self.strict_success)
        return self.success


def _by_problem(scores: Iterable[RunScore]) -> dict[str, list[RunScore]]:
    grouped: dict[str, list[RunScore]] = defaultdict(list)
    for score in scores:
        grouped[score.problem_id].append(score)
    for runs in grouped.values():
        runs.sort(key=lambda score: score.run)
    return grouped


def summarise(scores: Sequence[RunScore], *, strict: bool = False) -> dict[str, Any]:
    """The figures for a set of runs: overall and per task type."""
    summary = {"all": _figures(scores, strict=strict)}
    for task in TASK_ORDER:
        subset = [score for score in scores if score.task == task]
        if subset:
            summary[task] = _figures(subset, strict=strict)
    return summary


def _figures(scores: Sequence[RunScore], *, strict: bool) -> dict[str, Any]:
    grouped = _by_problem(scores)
    if not grouped:
        return {"problems": 0}
    runs = max(len(group) for group in grouped.values())
    avg_at_1 = statistics.fmean(group[0].passed(strict=strict) for group in grouped.values())
    avg_at_k = statistics.fmean(statistics.fmean(s.passed(strict=strict) for s in group) for group in grouped.values())
    best_at_k = statistics.fmean(any(s.passed(strict=strict) for s in group) for group in grouped.values())
    per_run = [
        statistics.fmean(group[index].passed(strict=strict) for group in grouped.values() if len(group) > index)
        for index in range(runs)
    ]
    return {
        "problems": len(grouped),
        "runs": runs,
        "avg@1": round(avg_at_1, 4),
        f"avg@{runs}": round(avg_at_k, 4),
        f"best@{runs}": round(best_at_k, 4),
        "std_across_runs": round(statistics.pstdev(per_run), 4) if len(per_run) > 1 else 0.0,
        "mean_steps": round(statistics.fmean(s.steps for s in scores), 2),
        "tokens_in": sum(s.tokens_in for s in scores),
        "tokens_out": sum(s.tokens_out for s in scores),
        "wall_time_s": round(sum(s.wall_time_s for s in scores), 2),
    }


def markdown(summary: Mapping[str, Mapping[str, Any]], *, title: str) -> str:
    """The summary as a Markdown table, one row per task type and one for all."""
    runs = summary["all"].get("runs", 1)
    header = f"| task | problems | avg@1 | avg@{runs} | best@{runs} | std | mean steps | tokens in/out | wall s |"
    lines = [f"### {title}", "", header, "|" + "---|" * 9]
    for name, figures in summary.items():
        if not figures.get("problems"):
            continue
        lines.append(
            f"| {name} | {figures['problems']} | {figures['avg@1']:.1%} | {figures[f'avg@{runs}']:.1%} | "
            f"{figures[f'best@{runs}']:.1%} | {figures['std_across_runs']:.3f} | {figures['mean_steps']} | "
            f"{figures['tokens_in']}/{figures['tokens_out']} | {figures['wall_time_s']} |"
        )
    return "\n".join(lines) + "\n"
