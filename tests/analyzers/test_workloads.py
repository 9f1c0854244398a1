"""Workloads and storage: replicas against what is wanted, what the last rollout changed, unbound claims."""

from __future__ import annotations

from agents.analyzers.findings import CRITICAL, WARNING, Finding
from agents.analyzers.objects import Services
from agents.analyzers.workloads import claims_analyze, deployments_analyze, rollouts_analyze
from tests.analyzers.kube_json import SELECTORS, claim, deployment, pod, replicaset, uid, volume

OWNERS = Services(SELECTORS)
DEPLOYMENTS = "kubectl get deployments -n books -o json"
REPLICASETS = "kubectl get replicasets -n books -o json"
CLAIMS = "kubectl get pvc -n books -o json"


def test_deployments_with_every_replica_available_give_no_finding():
    healthy = [deployment("gateway", replicas=3), deployment("ledger"), deployment("ledger-db")]

    assert deployments_analyze(healthy, OWNERS, source=DEPLOYMENTS) == []


def test_some_replicas_unavailable_is_a_warning_with_the_counts_and_the_reason():
    found = deployments_analyze([deployment("gateway", replicas=3, available=1)], OWNERS, source=DEPLOYMENTS)

    assert found == [
        Finding(
            "gateway",
            "replicas_unavailable",
            "Deployment gateway: 1 of 3 replicas available (MinimumReplicasUnavailable)",
            DEPLOYMENTS,
            WARNING,
        )
    ]


def test_no_replica_available_is_critical_even_when_the_status_omits_the_count():
    stuck = deployment("ledger", replicas=2, available=0, unavailable_reason="ProgressDeadlineExceeded")
    assert "availableReplicas" not in stuck["status"]

    found = deployments_analyze([stuck], OWNERS, source=DEPLOYMENTS)

    assert found == [
        Finding(
            "ledger",
            "replicas_unavailable",
            "Deployment ledger: 0 of 2 replicas available (ProgressDeadlineExceeded)",
            DEPLOYMENTS,
            CRITICAL,
        )
    ]


def test_a_deployment_scaled_to_zero_runs_no_pod():
    found = deployments_analyze([deployment("notifier", replicas=0, revision=4)], OWNERS, source=DEPLOYMENTS)

    assert found == [
        Finding(
            "notifier",
            "zero_replicas",
            "Deployment notifier is scaled to 0 replicas (revision 4): no pod runs",
            DEPLOYMENTS,
            CRITICAL,
        )
    ]


def test_replicas_left_out_of_the_spec_default_to_one():
    found = deployments_analyze([deployment("ledger", replicas=None, available=0)], OWNERS, source=DEPLOYMENTS)

    assert [(f.signal, f.detail.split(": ", 1)[1]) for f in found] == [
        ("replicas_unavailable", "0 of 1 replicas available (MinimumReplicasUnavailable)")
    ]


def test_a_rollout_that_changed_the_image_says_from_what_to_what():
    replicasets = [
        replicaset("ledger", "6b7f9d5c4", revision=1, replicas=0),
        replicaset("ledger", "7d9c8f6b5", revision=2, image="registry.example.com/books/ledger:1.9.0"),
        replicaset("gateway", "58c6d4f7b9", revision=1),
    ]

    found = rollouts_analyze(replicasets, OWNERS, source=REPLICASETS)

    assert found == [
        Finding(
            "ledger",
            "rollout_changed",
            "Deployment ledger revision 2 changed ledger image from registry.example.com/books/ledger:1.8.4 "
            "to registry.example.com/books/ledger:1.9.0",
            REPLICASETS,
            WARNING,
        )
    ]


def test_a_rollout_that_changed_command_and_env_lists_both():
    before = replicaset("notifier", "6b7f9d5c4", revision=1, replicas=0, command=["notifier"])
    after = replicaset(
        "notifier",
        "7d9c8f6b5",
        revision=2,
        command=["notifier", "--dry-run"],
        env=[{"name": "SMTP_HOST", "value": "smtp.internal"}],
    )

    found = rollouts_analyze([after, before], OWNERS, source=REPLICASETS)

    assert len(found) == 1
    assert found[0].detail == (
        "Deployment notifier revision 2 changed notifier command from notifier to notifier --dry-run; "
        "notifier env from (unset) to [{'name': 'SMTP_HOST', 'value': 'smtp.internal'}]"
    )


def test_revisions_are_compared_as_numbers_the_newest_against_the_one_before():
    replicasets = [
        replicaset("ledger", "5c8d7b6f9", revision=8, replicas=0, image="registry.example.com/books/ledger:1.7.0"),
        replicaset("ledger", "6b7f9d5c4", revision=9, replicas=0, image="registry.example.com/books/ledger:1.8.0"),
        replicaset("ledger", "7d9c8f6b5", revision=10, image="registry.example.com/books/ledger:1.8.4"),
    ]

    found = rollouts_analyze(replicasets, OWNERS, source=REPLICASETS)

    assert [finding.detail for finding in found] == [
        "Deployment ledger revision 10 changed ledger image from registry.example.com/books/ledger:1.8.0 "
        "to registry.example.com/books/ledger:1.8.4"
    ]


def test_a_deployment_never_rolled_out_again_or_rolled_out_unchanged_gives_nothing():
    replicasets = [
        replicaset("gateway", "58c6d4f7b9", revision=1),
        replicaset("ledger", "6b7f9d5c4", revision=1, replicas=0),
        replicaset("ledger", "7d9c8f6b5", revision=2),  # a `rollout restart`: same template fields
    ]

    assert rollouts_analyze(replicasets, OWNERS, source=REPLICASETS) == []


def test_a_bound_claim_gives_nothing():
    claims = [claim("ledger-data", volume="pvc-3f1e")]
    pods = [pod("ledger-db", "5f4d7c9b8-h7c2n", claim="ledger-data")]

    assert claims_analyze(claims, [], pods, OWNERS, source=CLAIMS) == []


def test_a_pending_claim_whose_volume_is_reserved_for_an_earlier_claim_says_so():
    pending = claim("ledger-data", phase="Pending", volume="pv-ledger-data")
    released = volume("pv-ledger-data", phase="Released", claim_name="ledger-data", claim_uid=uid("an earlier claim"))
    pods = [pod("ledger-db", "5f4d7c9b8-h7c2n", phase="Pending", statuses=[], claim="ledger-data")]

    found = claims_analyze([pending], [released], pods, OWNERS, source=CLAIMS)

    assert found == [
        Finding(
            "ledger-db",
            "unbound_claim",
            "claim ledger-data is Pending; volume pv-ledger-data is Released, still reserved for an earlier claim "
            f"of that name (uid {uid('an earlier claim')})",
            CLAIMS,
            CRITICAL,
        )
    ]


def test_a_pending_claim_with_no_volume_and_no_pod_is_the_namespaces():
    found = claims_analyze([claim("scratch", phase="Pending")], [], [], OWNERS, source=CLAIMS)

    assert found == [Finding("", "unbound_claim", "claim scratch is Pending", CLAIMS, CRITICAL)]
