"""Pods: each state a pod can be in gives the one finding an SRE would note, with its numbers."""

from __future__ import annotations

from agents.analyzers.findings import CRITICAL, NOTICE, WARNING, Finding
from agents.analyzers.objects import Services
from agents.analyzers.pods import pods_analyze
from tests.analyzers.kube_json import (
    NOW,
    SELECTORS,
    container_status,
    job_pod,
    pod,
    running,
    terminated,
    unschedulable,
    waiting,
)

SOURCE = "kubectl get pods -n books -o json"
OWNERS = Services(SELECTORS)


def _analyze(*pods: dict) -> list[Finding]:
    return pods_analyze(list(pods), OWNERS, source=SOURCE, now=NOW)


def _facts(findings: list[Finding]) -> list[tuple[str, str, int]]:
    return [(finding.service, finding.signal, finding.severity) for finding in findings]


def test_healthy_pods_give_no_finding():
    assert _analyze(pod("gateway"), pod("ledger"), pod("ledger-db", "5f4d7c9b8-h7c2n")) == []


def test_crash_loop_reports_restarts_and_the_last_exit_code_and_reason():
    last = terminated("Error", 1, started_ago=52, finished_ago=40)
    status = container_status(
        "ledger",
        state=waiting("CrashLoopBackOff", "back-off 2m40s restarting failed container=ledger"),
        ready=False,
        restarts=5,
        last=last,
    )

    found = _analyze(pod("ledger", statuses=[status]))

    assert found == [
        Finding(
            "ledger",
            "crash_loop",
            "pod ledger-7d9c8f6b5-q2x8m container ledger CrashLoopBackOff, 5 restart(s); "
            "last exit code 1 (Error) 40s ago",
            SOURCE,
            CRITICAL,
        )
    ]


def test_crash_loop_after_an_oom_kill_also_names_the_kill():
    last = terminated("OOMKilled", 137, started_ago=200, finished_ago=15)
    status = container_status("ledger", state=waiting("CrashLoopBackOff"), ready=False, restarts=3, last=last)

    found = _analyze(pod("ledger", statuses=[status]))

    assert _facts(found) == [("ledger", "crash_loop", CRITICAL), ("ledger", "oom_killed", CRITICAL)]
    assert "last exit code 137 (OOMKilled) 15s ago" in found[0].detail
    assert found[1].detail == "pod ledger-7d9c8f6b5-q2x8m container ledger was OOMKilled (exit code 137)"


def test_running_pod_restarted_after_an_oom_kill_is_a_sign_even_when_ready_again():
    last = terminated("OOMKilled", 137, started_ago=3000, finished_ago=120)
    status = container_status("ledger", state=running(118), restarts=2, last=last)

    found = _analyze(pod("ledger", statuses=[status], started_ago=3600))

    assert _facts(found) == [("ledger", "oom_killed", CRITICAL), ("ledger", "restarts", WARNING)]
    assert found[1].detail == (
        "pod ledger-7d9c8f6b5-q2x8m container ledger 2 restart(s); last exit code 137 (OOMKilled) 2m0s ago"
    )


def test_running_container_that_is_not_ready_fails_its_readiness_probe():
    status = container_status("notifier", state=running(900), ready=False)

    found = _analyze(pod("notifier", statuses=[status]))

    assert found == [
        Finding(
            "notifier", "not_ready", "pod notifier-7d9c8f6b5-q2x8m container notifier running but not ready", SOURCE, 3
        )
    ]


def test_a_restart_during_start_up_long_ago_is_only_a_notice():
    # The pod started an hour ago; its container exited 20 s in (its database was not up yet) and has run since.
    last = terminated("Error", 2, started_ago=3598, finished_ago=3580)
    status = container_status("ledger", state=running(3575), restarts=1, last=last)

    found = _analyze(pod("ledger", statuses=[status], started_ago=3600))

    assert _facts(found) == [("ledger", "restarts", NOTICE)]


def test_a_restart_well_into_the_containers_life_but_long_ago_is_a_notice():
    last = terminated("Error", 2, started_ago=7000, finished_ago=1800)
    status = container_status("ledger", state=running(1790), restarts=1, last=last)

    found = _analyze(pod("ledger", statuses=[status], started_ago=7200))

    assert _facts(found) == [("ledger", "restarts", NOTICE)]


def test_a_recent_restart_well_into_the_containers_life_is_a_warning():
    last = terminated("Error", 2, started_ago=3000, finished_ago=200)
    status = container_status("ledger", state=running(195), restarts=1, last=last)

    found = _analyze(pod("ledger", statuses=[status], started_ago=3600))

    assert _facts(found) == [("ledger", "restarts", WARNING)]
    assert found[0].detail.endswith("1 restart(s); last exit code 2 (Error) 3m20s ago")


def test_pending_pod_gives_the_schedulers_reason_and_the_node_selector():
    message = (
        "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
        "2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available."
    )
    pending = pod(
        "ledger-db",
        "5f4d7c9b8-h7c2n",
        phase="Pending",
        statuses=[],
        scheduled=unschedulable(message),
        node_selector={"disktype": "nvme", "topology.kubernetes.io/zone": "eu-west-1c"},
    )

    found = _analyze(pending)

    assert found == [
        Finding(
            "ledger-db",
            "unschedulable",
            f"pod ledger-db-5f4d7c9b8-h7c2n Pending: {message}; "
            "nodeSelector disktype=nvme,topology.kubernetes.io/zone=eu-west-1c",
            SOURCE,
            CRITICAL,
        )
    ]


def test_scheduled_pod_whose_containers_are_still_being_created_is_pending():
    status = container_status("notifier", state=waiting("ContainerCreating"), ready=False)

    found = _analyze(pod("notifier", phase="Pending", statuses=[status], started_ago=20))

    assert found == [
        Finding(
            "notifier", "pending", "pod notifier-7d9c8f6b5-q2x8m container notifier waiting: ContainerCreating", SOURCE
        )
    ]


def test_scheduled_pod_with_no_container_status_yet_is_pending():
    found = _analyze(pod("notifier", phase="Pending", statuses=[], started_ago=5))

    assert _facts(found) == [("notifier", "pending", CRITICAL)]
    assert found[0].detail == "pod notifier-7d9c8f6b5-q2x8m Pending, no container started"


def test_image_pull_back_off_names_the_image_and_the_registrys_answer():
    image = "registry.example.com/books/ledger:1.9.0-rc1"
    message = f'Back-off pulling image "{image}"'
    status = container_status("ledger", state=waiting("ImagePullBackOff", message), ready=False, image=image)

    found = _analyze(pod("ledger", phase="Pending", statuses=[status], image=image))

    assert found == [
        Finding(
            "ledger",
            "image_pull",
            f"pod ledger-7d9c8f6b5-q2x8m container ledger ImagePullBackOff for image {image}: {message}",
            SOURCE,
            CRITICAL,
        )
    ]


def test_err_image_pull_is_an_image_pull_finding_too():
    image = "registry.example.com/books/ledger:does-not-exist"
    message = f'rpc error: code = NotFound desc = failed to pull and unpack image "{image}": not found'
    status = container_status("ledger", state=waiting("ErrImagePull", message), ready=False, image=image)

    found = _analyze(pod("ledger", phase="Pending", statuses=[status], image=image))

    assert _facts(found) == [("ledger", "image_pull", CRITICAL)]
    assert found[0].detail.endswith(f"ErrImagePull for image {image}: {message}")


def test_a_finished_job_pod_is_not_a_service_in_trouble():
    assert _analyze(job_pod("ledger-migrate-8k2vd"), job_pod("ledger-migrate-z9w4c", phase="Failed")) == []


def test_a_pod_belongs_to_the_service_whose_selector_its_labels_satisfy():
    status = container_status("gateway", state=running(60), ready=False)
    stray = pod("gateway", statuses=[status])
    stray["metadata"]["name"] = "edge-proxy-0"  # a name that says nothing; the labels say gateway

    found = _analyze(stray)

    assert _facts(found) == [("gateway", "not_ready", CRITICAL)]
