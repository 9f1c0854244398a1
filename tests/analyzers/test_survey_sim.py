"""The survey on simulated episodes: registry faults on targets the registry never uses (scenario files of
this directory) are found on their target and ranked first; a healthy episode shows no anomaly."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from agents.analyzers.findings import significant
from agents.analyzers.ranking import anomalous, ranked_services
from agents.analyzers.survey import Read, Survey, survey_run
from agents.roles.inventory import inventory_read
from agents.sim import faults
from agents.sim.apps import APPS, INFRA
from agents.sim.episode import Episode, episode_start
from agents.sim.problems import Problem, problem_list, problem_registry, problem_resolve

SCENARIOS = Path(__file__).resolve().parent / "scenarios"
SEEDS = [0, 4]


@dataclass(frozen=True)
class Case:
    """A scenario, the signals expected on its target, and how high the target must rank: first, or (for a
    database whose clients AIOpsLab also accepts as the answer) within ``top`` with an accepted one first."""

    file: str
    signals: frozenset[str]
    top: int = 1


CASES = (
    Case("target-port-media-service.yaml", frozenset({"target_port_mismatch"})),
    Case("scale-zero-social-graph.yaml", frozenset({"zero_replicas"})),
    Case("non-existent-node-search.yaml", frozenset({"unschedulable"})),
    Case("non-existent-node-shipping.yaml", frozenset({"unschedulable"})),
    Case("revoke-auth-reservation.yaml", frozenset({"auth_error"}), top=2),
    Case("unregistered-recommendation.yaml", frozenset({"auth_error"}), top=2),
    Case("misconfig-app-reservation.yaml", frozenset({"rollout_changed", "address_mismatch"})),
    Case("wrong-bin-search.yaml", frozenset({"rollout_changed"})),
    Case("container-kill-search.yaml", frozenset({"restarts"})),
    Case("pod-failure-shipping.yaml", frozenset({"not_ready"})),
    Case("network-loss-reservation.yaml", frozenset({"callers_fail"})),
    Case("network-delay-search.yaml", frozenset({"latency"})),
    Case("tls-media-mongodb.yaml", frozenset({"rollout_changed"})),
)
UNDETECTED = pytest.param(
    Case("pod-kill-reservation.yaml", frozenset({"restarts", "warning_events", "recreated"})),
    marks=pytest.mark.xfail(
        strict=True,
        reason="a killed pod is replaced by a fresh, healthy one: the evidence is its young age among old pods and "
        "a Normal 'Killing' event, and no analyzer reads pod ages or Normal events",
    ),
    id="pod-kill-reservation.yaml",
)


def _survey(episode: Episode) -> tuple[Survey, tuple[str, ...]]:
    env = episode.environment(read_only=True)
    inventory = inventory_read(env, episode.problem.namespace)
    return survey_run(env, inventory.namespace, inventory.selectors), inventory.services


def _registry_targets() -> set[str]:
    return {problem.target for problem in problem_registry().values() if problem.target}


def test_the_scenarios_pose_registry_faults_on_targets_the_registry_never_uses():
    files = sorted(path.name for path in SCENARIOS.glob("*.yaml"))
    problems = [problem_resolve(str(SCENARIOS / name)) for name in files]
    registry_faults = {problem.fault for problem in problem_registry().values()}

    assert files == sorted([case.file for case in CASES] + ["pod-kill-reservation.yaml"])
    for problem in problems:
        assert problem.split == "scenario"
        assert problem.fault in registry_faults
        assert problem.target not in _registry_targets()


def _case_problem(case: Case) -> Problem:
    return problem_resolve(str(SCENARIOS / case.file))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("case", [*CASES, UNDETECTED], ids=lambda case: case.file)
def test_the_survey_names_the_target_with_a_fitting_signal(case, seed):
    problem = _case_problem(case)

    survey, _ = _survey(episode_start(problem, seed=seed))

    on_target = {finding.signal for finding in significant(survey.findings) if finding.service == problem.target}
    assert on_target & case.signals, f"{problem.target}: {sorted(on_target)}"


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("case", [*CASES, UNDETECTED], ids=lambda case: case.file)
def test_the_target_ranks_first(case, seed):
    problem = _case_problem(case)
    accepted = faults.fault_get(problem.fault).accepted_locations(APPS[problem.app], problem.target)

    survey, services = _survey(episode_start(problem, seed=seed))
    ranked = ranked_services(survey.findings, services)

    assert anomalous(survey.findings)
    assert ranked[0] in accepted, ranked[:4]
    assert problem.target in ranked[: case.top], ranked[:4]


def _upstream(problem: Problem) -> set[str]:
    """The target, the services that use it (a database's clients), every service calling those, and the
    infrastructure every service uses (service discovery, tracing)."""
    app = APPS[problem.app]
    found: set[str] = {component.name for component in app.components if component.role == INFRA}
    todo = [problem.target or "", *(c.name for c in app.components if c.database == problem.target)]
    while todo:
        name = todo.pop()
        if name not in found or name == problem.target:
            found.add(name)
            todo.extend(caller for caller in app.callers_of(name) if caller not in found)
    return found


MISREAD = {
    "unregistered-recommendation.yaml": 'MongoDB\'s structured log names the login in a JSON key ("user":"admin"); '
    "the analyzers read the key as the Hotel Reservation service of that name and give it callers_fail",
    "scale-zero-social-graph.yaml": "user-service's start-up error about user-mongodb (logged before its database was "
    "up) counts as a current error, because user-service logs errors about the target after it started: start-up "
    "noise is recognised only when no error follows the start",
}


def _misread(case: Case) -> object:
    reason = MISREAD.get(case.file)
    return case if reason is None else pytest.param(case, marks=pytest.mark.xfail(strict=True, reason=reason))


@pytest.mark.parametrize("case", [_misread(case) for case in CASES], ids=lambda case: case.file)
def test_no_bystander_is_blamed(case):
    """Every service with a significant finding is on a path to the target: the target, its clients, their
    callers (or the shared infrastructure). A service that calls none of them has nothing to do with the fault."""
    problem = _case_problem(case)

    survey, _ = _survey(episode_start(problem, seed=0))

    bystanders = {f.service for f in significant(survey.findings) if f.service} - _upstream(problem)
    assert bystanders == set()


NO_FAULT = [
    problem for problem in problem_list(task="detection") if problem.target is None and problem.expected == "No"
]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("problem", NO_FAULT, ids=lambda p: p.problem_id)
def test_a_healthy_episode_shows_no_anomaly(problem, seed):
    survey, services = _survey(episode_start(problem, seed=seed))

    assert significant(survey.findings) == []
    assert anomalous(survey.findings) is False
    assert ranked_services(survey.findings, services) == list(services)


def test_the_survey_reads_only_through_the_read_only_handle_and_reports_every_read():
    episode = episode_start(_case_problem(CASES[0]), seed=0)
    env = episode.environment(read_only=True)
    inventory = inventory_read(env, episode.problem.namespace)
    heard: list[Read] = []
    before = len(episode.actions)

    survey = survey_run(env, inventory.namespace, inventory.selectors, on_read=heard.append)

    assert heard == survey.reads
    calls = [read.call for read in survey.reads]
    namespace = inventory.namespace
    assert calls[:8] == [
        f"kubectl get pods -n {namespace} -o json",
        f"kubectl get deployments -n {namespace} -o json",
        f"kubectl get replicasets -n {namespace} -o json",
        f"kubectl get services -n {namespace} -o json",
        f"kubectl get endpoints -n {namespace} -o json",
        f"kubectl get pvc -n {namespace} -o json",
        "kubectl get pv -o json",
        f"kubectl get events -n {namespace} -o json",
    ]
    assert calls[8:10] == [f"get_traces {namespace}", f"get_metrics {namespace}"]
    assert calls[10:] == [f"get_logs {namespace} {service}" for service in inventory.services]
    made = episode.actions[before:]
    assert all(action.read_only and not action.refused and not action.wrote for action in made)
    assert {finding.source for finding in survey.findings} <= set(calls)
