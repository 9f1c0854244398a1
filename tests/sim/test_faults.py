"""Per fault type: symptoms where they belong and nowhere else; the fix removes them; the wrong fix does not.

Each case names a problem (a registry id or an inline scenario on a target the registry never uses), a read
the symptom shows in, what it shows, and the services that must look broken. Everything is observed through
the agent's interface, as an agent would.
"""

from __future__ import annotations

import re

import pytest

from agents.sim import engine
from agents.sim.episode import Episode, episode_start
from agents.sim.faults import fault_get
from agents.sim.problems import Problem, problem_get
from agents.sim.reference import reference_script, wrong_script
from agents.sim.reference_check import script_run
from agents.sim.scenarios import scenario_parse

HR = "test-hotel-reservation"
SN = "test-social-network"
AS = "astronomy-shop"
NOOP_OF = {HR: "hotel_reservation", SN: "social_network", AS: "astronomy_shop"}


def scenario(app: str, fault: str, target: str | None, task: str = "mitigation") -> Problem:
    target_line = f"target: {target}\n" if target else ""
    return scenario_parse(f"app: {app}\nfault: {fault}\n{target_line}task: {task}\n", name=f"{fault}-{target}.yaml")


def unready_owners(episode: Episode, namespace: str) -> set[str]:
    return {pod.owner for pod in episode.state.live_pods(namespace) if not engine.container_ready(pod)}


def shell(episode: Episode, command: str) -> str:
    return episode.environment(read_only=True).exec_shell(command)


# (problem, read, expected text, owners that must be not-ready)
SYMPTOMS = [
    ("k8s_target_port-misconfig-detection-1", "kubectl describe svc user-service -n " + SN, "9999/TCP", set()),
    (
        "auth_miss_mongodb-detection-1",
        "kubectl logs deployment/url-shorten-service -n " + SN,
        "serverSelectionTimeoutMS expired",
        set(),
    ),
    ("revoke_auth_mongodb-detection-1", "kubectl logs deployment/geo -n " + HR, "not authorized on geo-db", {"geo"}),
    (
        "user_unregistered_mongodb-detection-2",
        "kubectl logs deployment/rate -n " + HR,
        "Authentication failed",
        {"rate"},
    ),
    ("misconfig_app_hotel_res-detection-1", "kubectl logs deployment/geo -n " + HR, "mongodb-geo:27777", {"geo"}),
    ("scale_pod_zero_social_net-detection-1", "kubectl get deployment user-service -n " + SN, "0/0", set()),
    (
        "assign_to_non_existent_node_social_net-detection-1",
        "kubectl get events -n " + SN,
        "FailedScheduling",
        {"user-service"},
    ),
    ("wrong_bin_usage-detection-1", "kubectl logs deployment/profile -n " + HR, "Read target port: 8083", set()),
    (
        "redeploy_without_PV-detection-1",
        "kubectl get pvc -n " + HR,
        "Pending",
        {"mongodb-geo", "mongodb-profile", "mongodb-rate"},
    ),
    ("pod_failure_hotel_res-detection-1", "kubectl get pods -n " + HR, "0/1", {"user"}),
    ("network_loss_hotel_res-detection-1", "kubectl logs deployment/frontend -n " + HR, "DeadlineExceeded", set()),
    (
        "astronomy_shop_payment_service_unreachable-detection-1",
        "kubectl logs deployment/checkout -n " + AS,
        "badAddress",
        set(),
    ),
]


@pytest.mark.parametrize(("problem_id", "command", "expected", "broken"), SYMPTOMS)
def test_symptom_shows_where_the_fault_is_and_not_on_a_healthy_cluster(problem_id, command, expected, broken):
    problem = problem_get(problem_id)
    episode = episode_start(problem, seed=3)
    healthy = episode_start(
        problem_get(f"noop_detection_{NOOP_OF[problem.namespace]}-1"),
        seed=3,
    )

    assert expected in shell(episode, command)
    assert expected not in shell(healthy, command)
    assert broken <= unready_owners(episode, problem.namespace)
    assert unready_owners(healthy, problem.namespace) == set()


def test_unready_pods_are_exactly_the_faulty_ones():
    episode = episode_start(problem_get("revoke_auth_mongodb-detection-2"), seed=1)

    assert unready_owners(episode, HR) == {"rate"}


def test_noop_cluster_has_only_the_benign_noise():
    episode = episode_start(problem_get("noop_detection_hotel_reservation-1"), seed=0)
    pods = shell(episode, f"kubectl get pods -n {HR}")

    assert "CrashLoopBackOff" not in pods
    assert "Pending" not in pods
    restarted = [pod.owner for pod in episode.state.live_pods(HR) if pod.restarts]
    assert restarted == ["search"]


@pytest.mark.parametrize(
    "problem",
    [
        pytest.param(lambda: problem_get("k8s_target_port-misconfig-mitigation-1"), id="target-port"),
        pytest.param(lambda: problem_get("revoke_auth_mongodb-mitigation-1"), id="revoke-auth"),
        pytest.param(lambda: problem_get("user_unregistered_mongodb-mitigation-2"), id="user-unregistered"),
        pytest.param(lambda: problem_get("auth_miss_mongodb-mitigation-1"), id="tls"),
        pytest.param(lambda: problem_get("misconfig_app_hotel_res-mitigation-1"), id="misconfig-app"),
        pytest.param(lambda: problem_get("scale_pod_zero_social_net-mitigation-1"), id="scale-zero"),
        pytest.param(lambda: problem_get("assign_to_non_existent_node_social_net-mitigation-1"), id="node"),
        pytest.param(lambda: problem_get("wrong_bin_usage-mitigation-1"), id="wrong-bin"),
        pytest.param(lambda: problem_get("redeploy_without_PV-mitigation-1"), id="redeploy"),
        pytest.param(
            lambda: scenario("SocialNetwork", "k8s_target_port-misconfig", "home-timeline-service"),
            id="new-target-port",
        ),
        pytest.param(lambda: scenario("HotelReservation", "revoke_auth_mongodb", "mongodb-profile"), id="new-revoke"),
        pytest.param(lambda: scenario("HotelReservation", "scale_pod_zero_social_net", "rate"), id="new-scale-zero"),
    ],
)
def test_the_fix_removes_the_symptoms_and_the_wrong_fix_does_not(problem):
    problem = problem()

    fixed = script_run(problem, reference_script(problem))
    wrong = script_run(problem, wrong_script(problem))

    assert fixed.grade["success"] is True
    assert fixed.grade["strict_success"] is True
    assert wrong.grade["strict_success"] is False


def test_new_target_port_fault_breaks_its_callers_like_the_registered_one():
    problem = scenario("SocialNetwork", "k8s_target_port-misconfig", "home-timeline-service", task="localization")
    episode = episode_start(problem, seed=0)
    env = episode.environment(read_only=True)

    assert "9999" in env.exec_shell(f"kubectl get endpoints home-timeline-service -n {SN}")
    assert "Failed to connect home-timeline-service-client" in env.get_logs(SN, "compose-post-service")
    assert episode.submit(["home-timeline-service"]).success is True


def test_revoked_auth_on_an_unauthenticated_database_turns_auth_on_first():
    problem = scenario("HotelReservation", "revoke_auth_mongodb", "mongodb-profile", task="analysis")
    episode = episode_start(problem, seed=0)

    assert "not authorized on profile-db" in episode.environment(read_only=True).get_logs(HR, "profile")
    grade = episode.submit({"system_level": "Application", "fault_type": "Authentication Issue"})
    assert grade.success is True


def test_scale_to_zero_on_rate_means_the_same_fault():
    problem = scenario("HotelReservation", "scale_pod_zero_social_net", "rate", task="detection")
    episode = episode_start(problem, seed=0)
    env = episode.environment(read_only=True)

    assert env.get_logs(HR, "rate") == "Error: Your service/namespace does not exist. Use kubectl to check."
    assert re.search(r"^rate +0/0 ", env.exec_shell(f"kubectl get deploy -n {HR}"), re.MULTILINE)
    assert episode.submit("yes").success is True


def test_restarting_the_client_of_a_revoked_database_does_not_fix_it():
    problem = problem_get("revoke_auth_mongodb-mitigation-1")
    episode = episode_start(problem, seed=0)
    executor = episode.environment(read_only=False)

    executor.exec_shell(f"kubectl rollout restart deployment/geo -n {HR}")
    executor.exec_shell(f"kubectl rollout status deployment/geo -n {HR} --timeout=60s")
    grade = episode.submit()

    assert grade.strict_success is False
    assert "geo" in unready_owners(episode, HR)


def test_granting_the_role_back_then_restarting_fixes_it_strictly():
    problem = problem_get("revoke_auth_mongodb-mitigation-1")
    episode = episode_start(problem, seed=0)
    executor = episode.environment(read_only=False)

    out = executor.exec_shell(
        f"kubectl exec deployment/mongodb-geo -n {HR} -- mongo admin -u root -p root --authenticationDatabase admin "
        "--eval \"db.grantRolesToUser('admin', [{role: 'readWrite', db: 'geo-db'}])\""
    )
    assert "MongoDB shell version" in out
    executor.exec_shell(f"kubectl delete pod -l io.kompose.service=geo -n {HR}")
    executor.exec_shell(f"kubectl rollout status deployment/geo -n {HR}")

    grade = episode.submit()
    assert (grade.success, grade.strict_success) == (True, True)


def test_lenient_check_passes_an_unfixed_scheduling_fault_but_strict_does_not():
    episode = episode_start(problem_get("assign_to_non_existent_node_social_net-mitigation-1"), seed=0)

    grade = episode.submit()

    assert (grade.success, grade.strict_success) == (True, False)


def test_nonsense_combination_is_refused_with_the_reason():
    fault = fault_get("astronomy_shop_cart_service_failure")

    with pytest.raises(ValueError, match="only in the Astronomy Shop"):
        scenario("HotelReservation", fault.name, "frontend", task="detection")


def test_parameters_change_the_fault_and_unknown_ones_are_refused():
    text = "app: SocialNetwork\nfault: k8s_target_port-misconfig\ntarget: text-service\ntask: detection\n"
    problem = scenario_parse(text + "params: {port: 7070}\n", name="port.yaml")
    episode = episode_start(problem, seed=0)
    assert "7070/TCP" in shell(episode, f"kubectl describe svc text-service -n {SN}")

    with pytest.raises(ValueError, match=r"unknown parameter\(s\) prot; it takes port"):
        scenario_parse(text + "params: {prot: 1}\n", name="typo.yaml")
