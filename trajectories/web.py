"""Server-rendered pages of agent runs: the searchable list, one run's step-by-step replay, and two
runs of the same problem side by side.

Runs are found through ``trajectories.selectors`` only, so the pages see exactly what the API sees:
a run on an incident needs the incident's view permission, a run on a simulated problem the model
permission ``trajectories.view_trajectory``. A run the user may not see is a 404, as an unknown one.
Each page runs a fixed number of queries, whatever the number of runs or steps it shows."""

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from agents.sim.faults.library import fault_names
from agents.sim.problems import TASKS, problem_registry
from trajectories.models import AgentKind, Prompt, Step, Trajectory, TrajectoryStatus
from trajectories.selectors import (
    OUTCOMES,
    AnyUser,
    step_list,
    trajectory_get,
    trajectory_is_visible,
    trajectory_list,
)

RUNS_PER_PAGE = 50
STEPS_PER_PAGE = 100
COMPARE_CHOICES = 50
DIFF_MAX_STEPS = 500
ANY = ("", "any")


def _fault_choices() -> list[tuple[str, str]]:
    """The registry's faults and the fault library's (a scenario file may pose one no registry row does)."""
    faults = {problem.fault for problem in problem_registry().values()} | set(fault_names())
    return [ANY, *((fault, fault) for fault in sorted(faults))]


class TrajectoryFilterForm(forms.Form):
    """The list's search form. Every field is optional; an empty field filters nothing."""

    problem = forms.CharField(required=False, max_length=200, label="Problem id starts with")
    fault = forms.ChoiceField(required=False, choices=_fault_choices, label="Fault type")
    task = forms.ChoiceField(required=False, choices=[ANY, *((task, task) for task in TASKS)], label="Task type")
    outcome = forms.ChoiceField(required=False, choices=[ANY, *((name, name) for name in sorted(OUTCOMES))])
    status = forms.ChoiceField(required=False, choices=[ANY, *TrajectoryStatus.choices])
    agent_kind = forms.ChoiceField(required=False, choices=[ANY, *AgentKind.choices], label="Agent kind")
    model = forms.CharField(required=False, max_length=200)
    incident = forms.UUIDField(required=False, label="Incident id")
    started_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    started_to = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Started to (inclusive)"
    )


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def _problem_kind(*, fault: str | None, task: str | None) -> Q:
    """Runs on problems of this fault and task type. Registry problem ids do encode both
    (``<fault>-<task>-<n>``), but not parseably (faults contain '-' and '_', the three noop
    problems differ), and a scenario file's id is free-form; so the registry is asked which ids
    match and the indexed ``problem_id`` is compared exactly with them (``IN``), and scenario runs
    match on the fault and task stored in their ``scenario`` field (JSON containment, not indexed:
    scenario runs are few). Incident runs have neither and never match."""
    registry_ids = [
        problem.problem_id
        for problem in problem_registry().values()
        if fault in (None, problem.fault) and task in (None, problem.task)
    ]
    stored = {name: value for name, value in (("fault", fault), ("task", task)) if value}
    return Q(problem_id__in=registry_ids) | Q(scenario__contains=stored)


def _filtered_runs(user: AnyUser, data: dict[str, Any]) -> QuerySet[Trajectory]:
    """``trajectory_list`` with the form's cleaned filters. The problem search is a prefix match,
    which PostgreSQL answers from ``problem_id``'s pattern index; the date range covers whole days."""
    started_from, started_to = data["started_from"], data["started_to"]
    runs = trajectory_list(
        user=user,
        agent_kind=data["agent_kind"] or None,
        status=data["status"] or None,
        outcome=data["outcome"] or None,
        model=data["model"] or None,
        incident=data["incident"],
        started_after=_day_start(started_from) if started_from else None,
        started_before=_day_start(started_to + timedelta(days=1)) if started_to else None,
    )
    if data["problem"]:
        runs = runs.filter(problem_id__startswith=data["problem"])
    if data["fault"] or data["task"]:
        runs = runs.filter(_problem_kind(fault=data["fault"] or None, task=data["task"] or None))
    return runs


@login_required
def trajectory_list_page(request: HttpRequest) -> HttpResponse:
    """The runs the user may see, newest first, 50 a page, narrowed by the search form. Invalid
    filters show their errors and no runs, so a typo never reads as "everything"."""
    form = TrajectoryFilterForm(request.GET)
    runs = _filtered_runs(request.user, form.cleaned_data) if form.is_valid() else Trajectory.objects.none()
    page = Paginator(runs, RUNS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "trajectories/list.html", {"form": form, "page": page})


def _visible_run(user: AnyUser, trajectory_id: UUID) -> Trajectory | None:
    """The run if ``user`` may see it: found through the list's rule and checked on the object, as
    the API does (``TrajectoryPermission``)."""
    run = trajectory_get(user=user, trajectory_id=trajectory_id)
    return run if run is not None and trajectory_is_visible(user=user, trajectory=run) else None


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


def _readable(outcome: Any) -> list[tuple[str, str]]:
    """The outcome dict as (key, text) rows; nested values as indented JSON."""
    if not isinstance(outcome, dict):
        return [("outcome", _pretty(outcome))] if outcome not in (None, {}) else []
    return [(str(key), value if isinstance(value, str) else _pretty(value)) for key, value in sorted(outcome.items())]


@dataclass(frozen=True)
class StepRow:
    """One step as the replay shows it, with where its neighbours are."""

    step: Step
    action: str | None
    prompt: str | None
    previous_href: str | None
    next_href: str | None


def _step_href(index: int, current_page: int) -> str:
    target_page = (index - 1) // STEPS_PER_PAGE + 1
    return f"#step-{index}" if target_page == current_page else f"?page={target_page}#step-{index}"


def _step_rows(steps: list[Step], *, steps_count: int, page: int) -> list[StepRow]:
    """The page's steps with their prompt texts, read in one query for the whole page."""
    hashes = {step.prompt_id for step in steps if step.prompt_id is not None}
    texts = dict(Prompt.objects.filter(sha256__in=hashes).values_list("sha256", "text")) if hashes else {}
    return [
        StepRow(
            step=step,
            action=_pretty(step.action) if step.action is not None else None,
            prompt=texts.get(step.prompt_id) if step.prompt_id is not None else None,
            previous_href=_step_href(step.index - 1, page) if step.index > 1 else None,
            next_href=_step_href(step.index + 1, page) if step.index < steps_count else None,
        )
        for step in steps
    ]


def _same_subject(user: AnyUser, run: Trajectory) -> QuerySet[Trajectory]:
    """Other runs the user may see on the same problem (or the same incident)."""
    same_incident = Q(incident=run.incident) if run.incident is not None else Q(incident__isnull=True)
    return trajectory_list(user=user, problem_id=run.problem_id).filter(same_incident).exclude(pk=run.pk)


def _page_number(request: HttpRequest, pages: int) -> int:
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        return 1
    return min(max(number, 1), max(pages, 1))


@login_required
def trajectory_detail_page(request: HttpRequest, trajectory_id: UUID) -> HttpResponse:
    """One run: its header, and its steps in order, 100 a page (indices are gapless from 1, so a
    page is an index range), each expandable to its full prompt, completion and tool result."""
    run = _visible_run(request.user, trajectory_id)
    if run is None:
        raise Http404("No such run.")
    pages = (run.steps_count + STEPS_PER_PAGE - 1) // STEPS_PER_PAGE
    page = _page_number(request, pages)
    steps = list(step_list(trajectory=run, since=(page - 1) * STEPS_PER_PAGE, limit=STEPS_PER_PAGE))
    context = {
        "run": run,
        "outcome": _readable(run.outcome),
        "prompt_versions": sorted(run.prompt_versions.items()) if isinstance(run.prompt_versions, dict) else [],
        "rows": _step_rows(steps, steps_count=run.steps_count, page=page),
        "page": page,
        "pages": pages,
        "candidates": list(_same_subject(request.user, run)[:COMPARE_CHOICES]),
        "export_url": reverse("trajectory-export", args=[run.pk]),
    }
    return render(request, "trajectories/detail.html", context)


def _signature(step: Step) -> tuple[Any, ...]:
    """What two runs must share at a step not to have diverged there."""
    return (step.role, step.phase, step.action, step.tool_result)


@dataclass(frozen=True)
class DiffRow:
    """One step index of two runs side by side."""

    index: int
    left: Step | None
    right: Step | None
    differs: bool
    first: bool

    @property
    def left_action(self) -> str | None:
        return _pretty(self.left.action) if self.left is not None and self.left.action is not None else None

    @property
    def right_action(self) -> str | None:
        return _pretty(self.right.action) if self.right is not None and self.right.action is not None else None


def diff_rows(left: list[Step], right: list[Step]) -> tuple[list[DiffRow], int | None]:
    """Both runs' steps aligned by index, and the index of the first step where they differ (a step
    one run has and the other lacks differs). None: the steps are the same."""
    by_left, by_right = {s.index: s for s in left}, {s.index: s for s in right}
    rows, first = [], None
    for index in sorted(by_left.keys() | by_right.keys()):
        a, b = by_left.get(index), by_right.get(index)
        differs = a is None or b is None or _signature(a) != _signature(b)
        is_first = differs and first is None
        if is_first:
            first = index
        rows.append(DiffRow(index=index, left=a, right=b, differs=differs, first=is_first))
    return rows, first


def _diff_refusal(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "trajectories/diff.html", {"refusal": message}, status=status)


def _uuid_or_none(value: str | None) -> UUID | None:
    try:
        return UUID(value or "")
    except ValueError:
        return None


@login_required
def trajectory_diff_page(request: HttpRequest) -> HttpResponse:
    """Runs ``a`` and ``b`` side by side, step by step, with their first divergence marked. Refused
    when either is unknown or hidden (one message for both: nothing tells them apart) or when they
    ran on different problems."""
    left_id, right_id = (_uuid_or_none(request.GET.get(name)) for name in ("a", "b"))
    if left_id is None or right_id is None:
        return _diff_refusal(request, "Give two run ids, a and b, to compare.", 400)
    left, right = _visible_run(request.user, left_id), _visible_run(request.user, right_id)
    if left is None or right is None:
        return _diff_refusal(request, "One of the runs does not exist or you may not see it.", 404)
    if (left.problem_id, left.incident_id) != (right.problem_id, right.incident_id):
        return _diff_refusal(request, "These runs are on different problems; only runs of one problem compare.", 400)
    left_steps = list(step_list(trajectory=left, limit=DIFF_MAX_STEPS))
    right_steps = list(step_list(trajectory=right, limit=DIFF_MAX_STEPS))
    rows, first = diff_rows(left_steps, right_steps)
    truncated = max(left.steps_count, right.steps_count) > DIFF_MAX_STEPS
    context = {"left": left, "right": right, "rows": rows, "first": first, "truncated": truncated}
    return render(request, "trajectories/diff.html", context)
