"""GRPO training data from stored runs: the Observer's decision steps of finished trajectories, one split at a time.

A record is what ``training.grpo.dataset.rows_from_records`` reads: the step's prompt text, the JSON schema
the decision was taken under, the problem and its task (and, for a scenario, its fault, application and
target). Curated guidance reaches training data only through people: a trajectory that validated an Evolver
proposal carries that proposal's guidance in its prompts, so it is read only when the proposal was
approved; a validation run of a pending or rejected proposal is never read (fail closed: any status other
than approved keeps it out)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from agents.sim.problems import SPLITS, problem_registry
from aoi_platform.errors import DomainError
from training.grpo.dataset import MAX_PROMPT_CHARS, row_from_record
from training.models import GuidanceProposal, ProposalStatus
from trajectories.models import TERMINAL_STATUSES, Step, StepRole

SOURCE_BENCHMARK = "benchmark"
SOURCE_APPROVED_GUIDANCE = "approved_guidance"
SCENARIO_KEYS = ("fault", "app", "task")

_Validations = GuidanceProposal.validation_trajectories.through


def _validated_by(*, approved: bool) -> Exists:
    """Whether the step's trajectory validated a proposal that is approved (or, ``approved=False``, one
    that is anything else: pending, rejected, or a status added later)."""
    status = Q(guidanceproposal__status=ProposalStatus.APPROVED)
    links = _Validations.objects.filter(status if approved else ~status, trajectory_id=OuterRef("trajectory_id"))
    return Exists(links)


def _steps_of_split(split: str) -> QuerySet[Step]:
    """Observer decision steps with a schema and a prompt, of finished trajectories in ``split``, unreviewed
    guidance left out; ordered by the trajectory's start, its id, then the step's index."""
    if split not in SPLITS:
        raise DomainError(f"Unknown split {split!r}; known: {', '.join(SPLITS)}.", code="invalid_split")
    steps = Step.objects.filter(
        role=StepRole.OBSERVER,
        schema__isnull=False,
        prompt__isnull=False,
        trajectory__status__in=TERMINAL_STATUSES,
    )
    if split == "scenario":
        steps = steps.filter(trajectory__scenario__has_keys=list(SCENARIO_KEYS))
    else:
        problems = [problem_id for problem_id, problem in problem_registry().items() if problem.split == split]
        steps = steps.filter(trajectory__scenario__isnull=True, trajectory__problem_id__in=problems)
    return (
        steps.exclude(_validated_by(approved=False))
        .annotate(approved_guidance=_validated_by(approved=True))
        .select_related("prompt", "trajectory")
        .order_by("trajectory__started_at", "trajectory_id", "index")
    )


def _record_of(step: Step) -> dict[str, Any]:
    """The plain record of one step (``rows_from_records``'s input), with where it came from."""
    trajectory = step.trajectory
    assert step.prompt is not None  # filtered on
    record: dict[str, Any] = {
        "prompt": step.prompt.text,
        "schema": step.schema,
        "problem_id": trajectory.problem_id,
        "source": SOURCE_APPROVED_GUIDANCE if getattr(step, "approved_guidance", False) else SOURCE_BENCHMARK,
        "trajectory": str(trajectory.pk),
        "step": step.index,
    }
    scenario = trajectory.scenario
    if scenario is not None:
        record.update(fault=scenario["fault"], app=scenario["app"], target=scenario.get("target"), split="scenario")
        record["task"] = str(scenario["task"])
    else:
        record["task"] = problem_registry()[trajectory.problem_id].task
    if trajectory.incident_id is not None:
        record["task"] = "incident"  # an incident run's decisions are posed as incidents, whatever the problem
    return record


def training_records_select(*, split: str = "train", limit: int | None = None) -> list[dict[str, Any]]:
    """The records of ``split`` (train or test: the registry's split of the trajectory's problem; scenario:
    trajectories of scenario files), in a stable order; at most ``limit``. An unknown split is a DomainError."""
    steps = _steps_of_split(split)
    if limit is not None:
        steps = steps[: max(0, limit)]
    return [_record_of(step) for step in steps]


def dataset_snapshot_build(*, split: str, max_rows: int | None = None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The training rows of ``split`` (at most ``max_rows``) and what they hold: rows by task and by source,
    and how many records were left out as too long (``MAX_PROMPT_CHARS``) or unreadable (a prompt that is
    not a stored chat, a scenario whose fault or application is no longer known)."""
    rows: list[dict[str, Any]] = []
    by_task: Counter[str] = Counter()
    by_source: Counter[str] = Counter()
    too_long = unreadable = 0
    records = training_records_select(split=split)
    for record in records:
        if max_rows is not None and len(rows) >= max_rows:
            break
        if len(str(record["prompt"])) > MAX_PROMPT_CHARS:
            too_long += 1
            continue
        try:
            rows.append(row_from_record(record))
        except (ValueError, LookupError):  # a prompt not stored as a chat, a fault or app no longer known
            unreadable += 1
            continue
        by_task[record["task"]] += 1
        by_source[record["source"]] += 1
    summary = {
        "split": split,
        "records": len(records),
        "rows": len(rows),
        "by_task": dict(sorted(by_task.items())),
        "by_source": dict(sorted(by_source.items())),
        "too_long": too_long,
        "unreadable": unreadable,
        "max_rows": max_rows,
    }
    return rows, summary
