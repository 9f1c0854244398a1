"""AOI runs on incidents: the environment from settings, every write through a person's approval, audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from agents.environments import EnvironmentUnavailable, environment_for_incident
from agents.incident_runs import IncidentRunOptions, incident_brief, incident_run, label_match, simulated_incident_open
from agents.sim.problems import problem_resolve
from aoi_platform.errors import Conflict, DomainError, Forbidden
from incidents.models import ActionRequest, ActionStatus, Incident, IncidentStatus
from incidents.services.actions import action_approve, action_reject
from incidents.services.demo import DEMO_INCIDENTS
from incidents.services.incidents import incident_label, incident_transition
from tests.agents_incidents.conftest import SCALED_TO_ZERO
from tests.agents_runtime.models import SchemaModel
from tests.factories import make_incident
from trajectories.audit.services import Actor
from trajectories.models import AuditEvent, Trajectory

pytestmark = pytest.mark.django_db
HEALTHY = "noop_detection_social_network-1"


def _options(sleep: Callable[[float], None], **fields: Any) -> IncidentRunOptions:
    return IncidentRunOptions(wait_s=fields.pop("wait_s", 5.0), poll_s=0.01, sleep=sleep, knowledge=False, **fields)


def _verbs(trajectory: Trajectory, actions: list[ActionRequest]) -> list[str]:
    ids = [str(trajectory.pk)] + [str(action.uuid) for action in actions]
    return list(AuditEvent.objects.filter(object_id__in=ids).order_by("seq").values_list("verb", flat=True))


def test_an_approved_fix_runs_once_and_clears_the_fault(
    sim_incident: Incident, responder: Any, approver: Any, fixer: SchemaModel, deciding: Any
) -> None:
    def approve(action: ActionRequest) -> None:
        action_approve(action=action, user=approver, action_hash=action.action_hash)

    trajectory = incident_run(incident=sim_incident, user=responder, backend=fixer, options=_options(deciding(approve)))

    assert trajectory.status == "succeeded"
    assert trajectory.incident_id == sim_incident.pk
    assert trajectory.created_by_id == responder.pk
    outcome = trajectory.outcome
    assert outcome["outcome"] == "fixed"
    assert outcome["diagnosis"]["component"] == "user-service"
    assert outcome["executed"] == "kubectl scale deployment user-service --replicas=1 -n test-social-network"
    assert outcome["simulated_truth"] == {
        "problem": SCALED_TO_ZERO,
        "localization": True,
        "analysis": outcome["simulated_truth"]["analysis"],
        "fault_cleared": True,
    }
    assert outcome["label_match"] is None  # nobody has labelled the incident yet
    (action,) = ActionRequest.objects.filter(incident=sim_incident)
    assert action.status == ActionStatus.SUCCEEDED
    assert action.requester_user_id == responder.pk
    assert action.requester_agent == str(trajectory.pk)
    assert action.claimed_by == f"agent-run {trajectory.pk}"
    assert action.command["verb"] == "scale"
    assert outcome["actions"] == [str(action.uuid)]
    verbs = _verbs(trajectory, [action])
    assert verbs == [
        "run.started",
        "action.requested",
        "run.status_changed",
        "action.approved",
        "run.status_changed",
        "action.claimed",
        "action.executed",
        "run.finished",
    ]
    events = list(sim_incident.events.values_list("type", flat=True))
    assert events[-1] == "run.finished"
    assert "run.started" in events
    roles = list(trajectory.steps.order_by("index").values_list("role", flat=True))
    assert roles[0] == "probe"  # the survey's reads come before the Observer's first decision
    assert "observer" in roles
    assert "executor" in roles


def test_a_rejection_reason_goes_back_to_the_observer_and_nothing_is_written(
    sim_incident: Incident, responder: Any, approver: Any, fixer: SchemaModel, deciding: Any
) -> None:
    def reject(action: ActionRequest) -> None:
        action_reject(action=action, user=approver, reason="not during the payment freeze")

    trajectory = incident_run(incident=sim_incident, user=responder, backend=fixer, options=_options(deciding(reject)))

    outcome = trajectory.outcome
    assert trajectory.status == "succeeded"  # the diagnosis stands
    assert outcome["outcome"] == "diagnosed"
    assert "not during the payment freeze" in outcome["fix_refused"]
    assert outcome["simulated_truth"]["fault_cleared"] is False
    actions = list(ActionRequest.objects.filter(incident=sim_incident))
    assert len(actions) == 2  # two attempts (RunLimits.fix_attempts), both vetoed
    assert {a.status for a in actions} == {ActionStatus.REJECTED}
    assert all(a.claimed_at is None for a in actions)
    plans = [
        s.prompt.text
        for s in trajectory.steps.select_related("prompt")
        if s.prompt and "Name the service" in s.prompt.text
    ]
    # The first attempt fixes the diagnosed component (no decision to take); the second is the Observer's,
    # told why the first was turned down.
    assert len(plans) == 1
    assert "not during the payment freeze" in plans[0]
    assert "action.claimed" not in _verbs(trajectory, actions)


def test_no_decision_in_time_leaves_the_action_pending_and_the_run_ends(
    sim_incident: Incident, responder: Any, fixer: SchemaModel
) -> None:
    options = IncidentRunOptions(wait_s=0.0, poll_s=0.0, sleep=lambda _s: None, knowledge=False)

    trajectory = incident_run(incident=sim_incident, user=responder, backend=fixer, options=options)

    assert trajectory.outcome["outcome"] == "diagnosed"
    assert "no decision" in trajectory.outcome["fix_refused"]
    # One request, not one per attempt: nobody decided, so another proposal would only wait the same way.
    assert list(ActionRequest.objects.filter(incident=sim_incident).values_list("status", flat=True)) == ["pending"]
    sim_incident.refresh_from_db()
    assert sim_incident.status == IncidentStatus.AWAITING_APPROVAL


def test_the_person_who_started_the_run_cannot_approve_its_writes(
    sim_incident: Incident, responder: Any, fixer: SchemaModel, deciding: Any
) -> None:
    refusals: list[str] = []

    def self_approve(action: ActionRequest) -> None:
        if action.uuid not in {r for r in refusals}:
            try:
                action_approve(action=action, user=responder, action_hash=action.action_hash)
            except Forbidden as error:
                refusals.append(error.code)

    options = _options(deciding(self_approve), wait_s=0.05)
    trajectory = incident_run(incident=sim_incident, user=responder, backend=fixer, options=options)

    assert "self_approval" in refusals
    assert trajectory.outcome["outcome"] == "diagnosed"
    assert not ActionRequest.objects.filter(incident=sim_incident, status=ActionStatus.SUCCEEDED).exists()


def test_a_superuser_who_started_the_run_cannot_approve_it_either(
    sim_incident: Incident, superuser: Any, fixer: SchemaModel, deciding: Any
) -> None:
    codes: list[str] = []

    def self_approve(action: ActionRequest) -> None:
        try:
            action_approve(action=action, user=superuser, action_hash=action.action_hash)
        except Forbidden as error:
            codes.append(error.code)

    options = _options(deciding(self_approve), wait_s=0.05)
    incident_run(incident=sim_incident, user=superuser, backend=fixer, options=options)

    assert codes
    assert set(codes) == {"self_approval"}


def test_a_healthy_namespace_gets_a_diagnosis_and_no_fix(team: Any, responder: Any, deciding: Any) -> None:
    healthy = simulated_incident_open(problem=problem_resolve(HEALTHY), team=team, user=responder)

    trajectory = incident_run(
        incident=healthy, user=responder, backend=SchemaModel(), options=_options(deciding(lambda a: None))
    )

    assert trajectory.outcome["outcome"] == "diagnosed"
    assert trajectory.outcome["executed"] == ""
    assert not ActionRequest.objects.filter(incident=healthy).exists()
    assert trajectory.outcome["simulated_truth"]["healthy"] is True
    assert trajectory.outcome["graded"] is True
    assert trajectory.status == "succeeded"


def test_a_diagnosis_the_simulated_truth_contradicts_is_not_shown_as_succeeded(
    sim_incident: Incident, responder: Any, approver: Any, deciding: Any
) -> None:
    def misled(prompt: str, options: list[str]) -> str | None:
        """Answers with any service but the one the findings point at, and approves nothing."""
        wrong = [option for option in options if option.endswith("-service") and option != "user-service"]
        if wrong:
            return wrong[0]
        return "answer" if "answer" in options else None

    trajectory = incident_run(
        incident=sim_incident, user=responder, backend=SchemaModel(misled), options=_options(deciding(lambda a: None))
    )

    assert trajectory.outcome["outcome"] == "diagnosed"  # the run ended with a diagnosis...
    assert trajectory.outcome["simulated_truth"]["localization"] is False
    assert trajectory.outcome["graded"] is False  # ...that the simulated truth contradicts
    assert trajectory.outcome["graded_by"] == "simulated truth"
    assert trajectory.status == "failed"


def test_the_diagnosis_is_graded_against_the_post_incident_label(
    sim_incident: Incident, responder: Any, approver: Any
) -> None:
    diagnosis = {"component": "user-service", "system_level": "Virtualization", "fault_type": "Operation Error"}
    assert label_match(diagnosis, sim_incident) is None
    incident_label(
        incident=sim_incident,
        user=approver,
        rca_component="user-service",
        rca_system_level="virtualization",
        rca_fault_type="Operation Error",
    )
    sim_incident.refresh_from_db()
    assert label_match(diagnosis, sim_incident) is True
    assert label_match({**diagnosis, "component": "compose-post-service"}, sim_incident) is False
    assert label_match({**diagnosis, "system_level": "Application"}, sim_incident) is False
    assert label_match(None, sim_incident) is False


def test_the_brief_says_what_the_alert_said_and_nothing_of_the_fault(sim_incident: Incident) -> None:
    brief = incident_brief(sim_incident)
    assert "test-social-network" in brief
    assert "SimulatedIncident" in brief
    assert "scale" not in brief.lower()
    assert "user-service" not in brief


@pytest.mark.parametrize("who", ["viewer", "outsider", "nobody"])
def test_only_people_who_may_change_the_incident_start_a_run(
    sim_incident: Incident, fixer: SchemaModel, who: str, request: pytest.FixtureRequest
) -> None:
    user = request.getfixturevalue(who)
    with pytest.raises(Forbidden):
        incident_run(incident=sim_incident, user=user, backend=fixer)
    assert not Trajectory.objects.exists()


def test_an_ended_incident_is_not_diagnosed(sim_incident: Incident, responder: Any, fixer: SchemaModel) -> None:
    incident_transition(incident=sim_incident, to_status=IncidentStatus.RESOLVED, actor=Actor.system("tests"))
    sim_incident.refresh_from_db()
    with pytest.raises(Conflict):
        incident_run(incident=sim_incident, user=responder, backend=fixer)
    assert not Trajectory.objects.exists()


def test_the_baseline_never_runs_on_an_incident(sim_incident: Incident, responder: Any, fixer: SchemaModel) -> None:
    with pytest.raises(DomainError, match="baseline"):
        incident_run(incident=sim_incident, user=responder, backend=fixer, agent="baseline")


def test_an_incident_the_simulator_cannot_reproduce_gets_a_clear_error(
    team: Any, responder: Any, fixer: SchemaModel
) -> None:
    plain = make_incident(team, application="checkout", namespace="shop")
    with pytest.raises(DomainError, match="names no simulated problem") as caught:
        incident_run(incident=plain, user=responder, backend=fixer)
    assert caught.value.code == "environment_unavailable"
    assert not Trajectory.objects.exists()


@pytest.mark.parametrize(
    ("labels", "namespace", "message"),
    [
        ({"aoi_problem": "no-such-problem"}, "test-social-network", "aoi_problem"),
        ({"aoi_problem": SCALED_TO_ZERO}, "test-hotel-reservation", "runs in namespace test-social-network"),
        ({"aoi_problem": SCALED_TO_ZERO}, "", "names no namespace"),
    ],
)
def test_a_wrong_simulator_label_is_refused(team: Any, labels: dict[str, str], namespace: str, message: str) -> None:
    incident = make_incident(team, namespace=namespace, labels=labels)
    with pytest.raises(EnvironmentUnavailable, match=message):
        environment_for_incident(incident, config={"kind": "simulator", "seed": 0})


def test_unknown_environment_kinds_and_missing_kubernetes_settings_are_refused(team: Any, tmp_path: Any) -> None:
    incident = make_incident(team, namespace="shop")
    with pytest.raises(EnvironmentUnavailable, match="unknown environment kind"):
        environment_for_incident(incident, config={"kind": "docker"})
    with pytest.raises(EnvironmentUnavailable, match="AOI_KUBERNETES_CONFIG"):
        environment_for_incident(incident, config={"kind": "kubernetes", "kubernetes_config": ""})
    broken = tmp_path / "kube.yaml"
    broken.write_text("reader: {context: same}\nwriter: {context: same}\n")
    with pytest.raises(EnvironmentUnavailable, match="different identities"):
        environment_for_incident(incident, config={"kind": "kubernetes", "kubernetes_config": str(broken)})


def test_a_model_failure_mid_run_ends_the_trajectory_as_an_error(sim_incident: Incident, responder: Any) -> None:
    class Broken(SchemaModel):
        def complete(self, request: Any, *, on_token: Any = None) -> Any:
            raise RuntimeError("the model server went away")

    with pytest.raises(RuntimeError):
        incident_run(
            incident=sim_incident, user=responder, backend=Broken(), options=IncidentRunOptions(knowledge=False)
        )
    (trajectory,) = Trajectory.objects.all()
    assert trajectory.status == "error"
    assert "the model server went away" in trajectory.outcome["error"]
    assert sim_incident.events.filter(type="run.finished").exists()


@pytest.mark.parametrize("spec", [spec for spec in DEMO_INCIDENTS if spec.problem], ids=lambda spec: spec.problem)
def test_each_demo_incident_names_a_problem_the_simulator_reproduces_in_its_namespace(spec: Any, team: Any) -> None:
    incident = make_incident(team, namespace=spec.namespace, labels={"aoi_problem": spec.problem})
    env = environment_for_incident(incident, config={"kind": "simulator", "seed": 0})
    assert env.problem is not None
    assert env.problem.namespace == spec.namespace
    assert env.read.read_only
    assert not env.write.read_only


# Demo incidents on `test`-split problems the analyzers get wrong; they were not tuned on (that split never
# reaches a prompt or an analyzer), so the misses stay visible here instead.
DEMO_MISSES = {
    "astronomy_shop_payment_service_unreachable-localization-1": "the caller's unresolvable payment address is "
    "read as payment failing (callers_fail), so payment is named instead of checkout",
    "network_delay_hotel_res-localization-1": "the delayed service serves 1% of requests: the 40 sampled traces "
    "hold none of its spans and nothing else shows the delay, so no anomaly is found and no fix proposed",
}


def _demo_cases() -> list[Any]:
    return [
        pytest.param(spec, marks=pytest.mark.xfail(strict=True, reason=DEMO_MISSES[spec.problem]))
        if spec.problem in DEMO_MISSES
        else spec
        for spec in DEMO_INCIDENTS
        if spec.problem
    ]


@pytest.mark.parametrize("spec", _demo_cases(), ids=lambda spec: spec.problem)
def test_each_demo_incident_reaches_the_action_card_with_a_model_that_takes_the_first_option(
    spec: Any, team: Any, responder: Any
) -> None:
    """No steering: a model that always takes the first allowed value, as a weak model often does, still
    gets a diagnosis of the right service and a write proposed for a person to approve."""
    incident = make_incident(
        team,
        title=spec.title,
        namespace=spec.namespace,
        application=spec.application,
        labels={"aoi_problem": spec.problem},
    )
    options = IncidentRunOptions(wait_s=0.0, poll_s=0.0, sleep=lambda _s: None, knowledge=False)

    trajectory = incident_run(incident=incident, user=responder, backend=SchemaModel(), options=options)

    (action,) = ActionRequest.objects.filter(incident=incident)
    assert action.status == ActionStatus.PENDING
    assert action.rationale  # what a reviewer reads: the findings about the target
    assert trajectory.outcome["simulated_truth"]["localization"] is True
