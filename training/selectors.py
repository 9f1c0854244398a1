"""Reads of model versions and their evaluations, for the versions' pages and commands."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from agents.runtime.scoring import TASK_ORDER
from training.models import Evaluation, ModelVersion
from training.services.evaluation import evaluation_baseline

COMPARED_TASKS = (*TASK_ORDER, "all")


def model_version_list() -> QuerySet[ModelVersion]:
    """Every version, newest first, with its parent, the version active before it, and ``evaluation_count``."""
    return (
        ModelVersion.objects.select_related("parent", "previous", "training_run")
        .annotate(evaluation_count=Count("evaluations"))
        .order_by("-created_at")
    )


def model_version_evaluations(version: ModelVersion) -> QuerySet[Evaluation]:
    """The evaluations of ``version``, newest first."""
    return Evaluation.objects.filter(version=version).select_related("version").order_by("-created_at")


def _figures(summary: dict[str, Any], task: str, scoring: str) -> dict[str, Any] | None:
    """One task type's figures from an evaluation's summary, K named plainly; None when it has none."""
    figures = (summary.get(scoring) or {}).get(task) or {}
    if not figures.get("problems"):
        return None
    runs = int(figures.get("runs", 1))
    return {
        "problems": figures["problems"],
        "runs": runs,
        "avg_at_1": figures.get("avg@1"),
        "avg_at_k": figures.get(f"avg@{runs}"),
        "best_at_k": figures.get(f"best@{runs}"),
        "std": figures.get("std_across_runs"),
    }


def evaluation_comparison(evaluation: Evaluation, *, strict: bool = False) -> dict[str, Any]:
    """Before (the baseline: ``evaluation_baseline``, the parent's evaluation on the same problems and runs)
    and after (``evaluation``) by task type, for the version page's plot. ``strict``: mitigation by the
    true-fix check instead of the lenient one. The shape::

        {
          "evaluation": "<uuid>", "version": "observer-grpo-3", "status": "succeeded",
          "baseline": {"evaluation": "<uuid>", "version": "base:..."} | None,
          "scoring": "lenient" | "strict",
          "tasks": [   # always these five, in this order: detection, localization, analysis, mitigation, all
            {"task": "detection",
             "before": {"problems": 3, "runs": 2, "avg_at_1": 0.33, "avg_at_k": 0.5, "best_at_k": 0.67,
                        "std": 0.1} | None,
             "after": {...same keys...} | None},
            ...
          ],
          "rows": [    # the same figures flat, one row per task type in the same order, for a table
            {"task": "detection", "before_avg1": 0.33, "after_avg1": 0.5, "before_avgk": 0.5,
             "after_avgk": 0.75, "before_std": 0.1, "after_std": 0.0},   # None where a side has none
            ...
          ],
        }

    Rates are fractions in [0, 1]; K is each side's own ``runs``. ``before`` is None for every task when
    there is no baseline, and either side is None for a task type its problems do not include (or before
    the evaluation has a summary)."""
    baseline = evaluation_baseline(evaluation)
    scoring = "strict" if strict else "lenient"
    after, before = evaluation.summary or {}, (baseline.summary or {}) if baseline is not None else {}
    tasks = [
        {"task": task, "before": _figures(before, task, scoring), "after": _figures(after, task, scoring)}
        for task in COMPARED_TASKS
    ]
    return {
        "evaluation": str(evaluation.pk),
        "version": evaluation.version.name,
        "status": evaluation.status,
        "baseline": {"evaluation": str(baseline.pk), "version": baseline.version.name} if baseline else None,
        "scoring": scoring,
        "tasks": tasks,
        "rows": [_row(task) for task in tasks],
    }


def _row(task: dict[str, Any]) -> dict[str, Any]:
    """One task type's before and after as a flat table row."""
    row: dict[str, Any] = {"task": task["task"]}
    for side in ("before", "after"):
        figures = task[side] or {}
        row.update(
            {
                f"{side}_avg1": figures.get("avg_at_1"),
                f"{side}_avgk": figures.get("avg_at_k"),
                f"{side}_std": figures.get("std"),
            }
        )
    return row
