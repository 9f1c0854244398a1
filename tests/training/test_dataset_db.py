"""Training data from stored runs: the split's finished runs, the Observer's decisions only, and guidance only
once people approved it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

import agents.sim
from agents.knowledge.services import knowledge_item_create
from agents.roles import prompts
from agents.roles.memory import Knowledge
from agents.runtime.benchmark import benchmark_run, benchmark_tasks
from agents.services import benchmark_run_store
from agents.sim.problems import problem_get, problem_resolve
from aoi_platform.errors import DomainError
from training.grpo.dataset import MAX_PROMPT_CHARS, dataset_hash
from training.models import GuidanceProposal, ProposalStatus
from training.services.datasets import dataset_snapshot_build, training_records_select
from trajectories.audit.services import Actor
from trajectories.models import Trajectory
from trajectories.services.runs import trajectory_finish, trajectory_start
from trajectories.services.steps import step_append

pytestmark = pytest.mark.django_db

FILLER = {"backend": "schema-filler"}
TRAIN_DETECTION = "k8s_target_port-misconfig-detection-1"
TRAIN_ANALYSIS = "k8s_target_port-misconfig-analysis-1"
TEST_DETECTION = "revoke_auth_mongodb-detection-1"
SCENARIO = Path(agents.sim.__file__).parent / "scenarios" / "target-port-home-timeline.yaml"
OBSERVER_STEPS_PER_RUN = 3  # the schema filler probes once, then (answering listed first) answers
ACTOR = Actor.system("tests")


def store_runs(refs: Sequence[str], *, label: str = "t", knowledge: Sequence[Knowledge] = ()) -> list[Trajectory]:
    """Benchmark runs of the schema filler on ``refs`` (problem ids or scenario paths), stored as the
    platform stores them."""
    problems = [problem_resolve(ref) for ref in refs]
    tasks = benchmark_tasks(problems, runs=1, seed=0, agent="aoi", backend_config=FILLER, knowledge=knowledge)
    return [benchmark_run_store(done=done, label=label, agent="aoi") for done in benchmark_run(tasks)]


def guidance(marker: str) -> Knowledge:
    """Guidance the retrieval puts in front of the Observer on the target-port problems."""
    return Knowledge(f"{marker} check the service port", f"{marker}: compare the service targetPort with the pod's")


def proposal_on(failed: Trajectory, *, status: str, validations: Sequence[Trajectory], text: str) -> GuidanceProposal:
    """A proposal as curation leaves it: approved ones published a knowledge item, rejected ones say why."""
    extra: dict[str, Any] = {}
    if status == ProposalStatus.APPROVED:
        extra["knowledge_item"] = knowledge_item_create(kind="guidance", title=text[:40], text=text, actor=ACTOR)
    if status == ProposalStatus.REJECTED:
        extra["reject_reason"] = "not what the evidence says"
    proposal = GuidanceProposal.objects.create(
        trajectory=failed,
        failure_pattern="wrong_answer",
        failed_step=1,
        analysis="answered before looking",
        title=text[:40],
        text=text,
        teacher="tests",
        status=status,
        **extra,
    )
    proposal.validation_trajectories.set(validations)
    return proposal


def hand_made_run(problem_id: str, steps: Sequence[dict[str, Any]], *, finish: bool = True) -> Trajectory:
    trajectory = trajectory_start(agent_kind="aoi", backend="tests", model="tests", actor=ACTOR, problem_id=problem_id)
    for step in steps:
        step_append(trajectory=trajectory, phase="reason", **step)
    if finish:
        trajectory_finish(trajectory=trajectory, status="failed", actor=ACTOR, outcome={}, success=False)
    return trajectory


def observer_prompt(user: str) -> str:
    return f"[system]\n{prompts.OBSERVER_SYSTEM}\n\n[user]\n{user}"


SCHEMA = {"type": "object", "properties": {"answer": {"type": "string", "enum": ["Yes", "No"]}}, "required": ["answer"]}


def test_each_split_holds_the_observer_decisions_of_its_own_problems_in_order() -> None:
    train, test, scenario = store_runs([TRAIN_DETECTION, TEST_DETECTION, str(SCENARIO)])
    later_train = store_runs([TRAIN_ANALYSIS])[0]

    records = training_records_select(split="train")

    assert [(r["trajectory"], r["step"]) for r in records] == [
        (str(t.pk), index)
        for t in (train, later_train)
        for index in t.steps.filter(role="observer").order_by("index").values_list("index", flat=True)
    ]
    assert len(records) == 2 * OBSERVER_STEPS_PER_RUN
    assert {r["task"] for r in records[:OBSERVER_STEPS_PER_RUN]} == {"detection"}
    assert {r["task"] for r in records[OBSERVER_STEPS_PER_RUN:]} == {"analysis"}
    assert all(r["source"] == "benchmark" and r["prompt"].startswith("[system]\n") for r in records)
    assert [r["trajectory"] for r in training_records_select(split="test")] == [str(test.pk)] * OBSERVER_STEPS_PER_RUN
    scenario_records = training_records_select(split="scenario")
    assert [r["trajectory"] for r in scenario_records] == [str(scenario.pk)] * OBSERVER_STEPS_PER_RUN
    expected = problem_resolve(str(SCENARIO))
    assert {(r["fault"], r["app"], r["target"], r["split"]) for r in scenario_records} == {
        (expected.fault, expected.app, expected.target, "scenario")
    }
    assert len(training_records_select(split="train", limit=4)) == 4
    assert (problem_get(TRAIN_DETECTION).split, problem_get(TEST_DETECTION).split) == ("train", "test")


def test_only_finished_runs_observer_steps_with_a_schema_and_a_prompt_are_read() -> None:
    prompt = observer_prompt("Is anything wrong?")
    kept = hand_made_run(
        TRAIN_DETECTION,
        [
            {"role": "observer", "prompt_text": prompt, "schema": SCHEMA},
            {"role": "observer", "prompt_text": prompt + " (no schema)"},
            {"role": "observer", "schema": SCHEMA},  # no prompt
            {"role": "probe", "prompt_text": prompt + " (probe)", "schema": SCHEMA},
            {"role": "compressor", "prompt_text": prompt + " (compressor)", "schema": SCHEMA},
        ],
    )
    hand_made_run(TRAIN_DETECTION, [{"role": "observer", "prompt_text": prompt, "schema": SCHEMA}], finish=False)

    records = training_records_select(split="train")

    assert [(r["trajectory"], r["step"], r["prompt"], r["schema"]) for r in records] == [
        (str(kept.pk), 1, prompt, SCHEMA)
    ]


def test_validation_runs_reach_training_data_only_through_an_approved_proposal() -> None:
    failed = store_runs([TRAIN_DETECTION])[0]
    approved_run = store_runs([TRAIN_DETECTION], knowledge=[guidance("APPROVED-7Q")])[0]
    pending_run = store_runs([TRAIN_DETECTION], knowledge=[guidance("PENDING-7Q")])[0]
    rejected_run = store_runs([TRAIN_DETECTION], knowledge=[guidance("REJECTED-7Q")])[0]
    both_run = store_runs([TRAIN_DETECTION], knowledge=[guidance("BOTH-7Q")])[0]
    proposal_on(failed, status=ProposalStatus.APPROVED, validations=[approved_run, both_run], text="APPROVED-7Q ...")
    proposal_on(failed, status=ProposalStatus.PENDING, validations=[pending_run, both_run], text="PENDING-7Q ...")
    proposal_on(failed, status=ProposalStatus.REJECTED, validations=[rejected_run], text="REJECTED-7Q ...")
    for run, marker in ((pending_run, "PENDING-7Q"), (rejected_run, "REJECTED-7Q"), (both_run, "BOTH-7Q")):
        assert any(marker in step.prompt.text for step in run.steps.filter(role="observer") if step.prompt)

    records = training_records_select(split="train")
    rows, summary = dataset_snapshot_build(split="train")

    by_trajectory = {r["trajectory"]: r["source"] for r in records}
    assert by_trajectory == {str(failed.pk): "benchmark", str(approved_run.pk): "approved_guidance"}
    text = "\n".join(message["content"] for row in rows for message in row["prompt"])
    assert "APPROVED-7Q" in text
    for unreviewed in ("PENDING-7Q", "REJECTED-7Q", "BOTH-7Q"):
        assert unreviewed not in text
    assert summary["by_source"] == {"approved_guidance": OBSERVER_STEPS_PER_RUN, "benchmark": OBSERVER_STEPS_PER_RUN}


def test_the_snapshot_counts_rows_by_task_and_source_and_leaves_out_long_prompts() -> None:
    store_runs([TRAIN_DETECTION, TRAIN_ANALYSIS])
    long_prompt = observer_prompt("x" * MAX_PROMPT_CHARS)
    hand_made_run(TRAIN_DETECTION, [{"role": "observer", "prompt_text": long_prompt, "schema": SCHEMA}])
    hand_made_run(TRAIN_DETECTION, [{"role": "observer", "prompt_text": "no role header", "schema": SCHEMA}])

    rows, summary = dataset_snapshot_build(split="train")
    again, _ = dataset_snapshot_build(split="train")
    first_four, small = dataset_snapshot_build(split="train", max_rows=4)

    assert len(rows) == 2 * OBSERVER_STEPS_PER_RUN
    assert summary == {
        "split": "train",
        "records": 2 * OBSERVER_STEPS_PER_RUN + 2,
        "rows": 2 * OBSERVER_STEPS_PER_RUN,
        "by_task": {"analysis": OBSERVER_STEPS_PER_RUN, "detection": OBSERVER_STEPS_PER_RUN},
        "by_source": {"benchmark": 2 * OBSERVER_STEPS_PER_RUN},
        "too_long": 1,
        "unreadable": 1,
        "max_rows": None,
    }
    assert dataset_hash(again) == dataset_hash(rows)
    assert first_four == rows[:4]
    assert (small["rows"], small["by_task"]) == (4, {"analysis": 1, "detection": 3})


def test_an_unknown_split_is_a_clear_error() -> None:
    with pytest.raises(DomainError, match="Unknown split 'holdout'; known: train, test, scenario"):
        training_records_select(split="holdout")
