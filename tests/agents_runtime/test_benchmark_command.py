"""``manage.py benchmark``: scored results, the Markdown summary, stored trajectories, policy approvals audited."""

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from trajectories.models import AuditEvent, Trajectory

RESPONDER = "responder=tests.agents_runtime.models:user_service_responder"
PROBLEMS = (
    "k8s_target_port-misconfig-detection-1,k8s_target_port-misconfig-mitigation-1,noop_detection_social_network-1"
)


@pytest.mark.django_db
def test_benchmark_scores_stores_and_audits(tmp_path: Path) -> None:
    out = tmp_path / "results.json"

    call_command(
        "benchmark",
        "--agent",
        "aoi",
        "--backend",
        "scripted",
        "--option",
        RESPONDER,
        "--problems",
        PROBLEMS,
        "--runs",
        "2",
        "--seed",
        "3",
        "--label",
        "t1",
        "--out",
        str(out),
    )

    document = json.loads(out.read_text())
    assert document["summary"]["all"]["problems"] == 3
    assert [(r["problem_id"], r["run"]) for r in document["results"]] == [
        (problem, run) for problem in PROBLEMS.split(",") for run in (0, 1)
    ]
    mitigation = [r for r in document["results"] if r["task"] == "mitigation"]
    assert all(r["success"] and r["strict_success"] for r in mitigation)
    assert "| mitigation | 1 | 100.0% |" in out.with_suffix(".md").read_text()

    stored = Trajectory.objects.filter(benchmark_run="t1")
    assert stored.count() == 6
    assert all(t.steps_count == t.steps.count() > 0 for t in stored)
    released = AuditEvent.objects.filter(verb="action.approved_by_policy")
    assert released.count() == 2
    assert {event.actor_label for event in released} == {"benchmark-policy"}
    for verb in ("action.requested", "action.executed"):
        events = AuditEvent.objects.filter(verb=verb)
        assert events.count() == 2
        assert {event.actor_type for event in events} == {"agent"}
    assert {e.object_id for e in released} == {str(t.pk) for t in stored if t.problem_id.endswith("mitigation-1")}


def test_unknown_problem_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="unknown problem 'nope'"):
        call_command(
            "benchmark",
            "--backend",
            "scripted",
            "--option",
            RESPONDER,
            "--problems",
            "nope",
            "--out",
            str(tmp_path / "x.json"),
        )


@pytest.mark.django_db
def test_curated_knowledge_reaches_the_observer_unless_switched_off(tmp_path: Path) -> None:
    from agents.knowledge.services import knowledge_item_create
    from trajectories.audit.services import Actor

    knowledge_item_create(
        kind="guidance",
        title="Social Network services without endpoints",
        text="When a Social Network service has no endpoints, compare the Service targetPort with the container port.",
        actor=Actor.system("test"),
        fault_types=["k8s_target_port-misconfig"],
        services=["user-service"],
    )
    problem = "k8s_target_port-misconfig-detection-1"
    for label, extra in (("with", []), ("without", ["--no-knowledge"])):
        call_command(
            "benchmark",
            "--backend",
            "scripted",
            "--option",
            RESPONDER,
            "--problems",
            problem,
            "--label",
            label,
            "--out",
            str(tmp_path / f"{label}.json"),
            *extra,
        )

    def observer_prompts(label: str) -> str:
        trajectory = Trajectory.objects.get(benchmark_run=label)
        return "\n".join(step.prompt.text for step in trajectory.steps.filter(role="observer") if step.prompt)

    assert "Social Network services without endpoints" in observer_prompts("with")
    assert "Social Network services without endpoints" not in observer_prompts("without")
