"""Services and endpoints: traffic reaches a pod only through a selector that matches it and a port it
declares; a Service with no ready endpoint serves nobody."""

from __future__ import annotations

from agents.analyzers.findings import CRITICAL, WARNING, Finding
from agents.analyzers.objects import Services
from agents.analyzers.services import endpoints_analyze, services_analyze
from tests.analyzers.kube_json import SELECTORS, deployment, endpoints, pod, service

OWNERS = Services(SELECTORS)
SERVICES = "kubectl get services -n books -o json"
ENDPOINTS = "kubectl get endpoints -n books -o json"
PODS = [pod("gateway"), pod("ledger"), pod("ledger-db", "5f4d7c9b8-h7c2n")]
DEPLOYMENTS = [deployment("gateway"), deployment("ledger"), deployment("ledger-db")]


def _analyze(*kube_services: dict, pods: list[dict] = PODS, deployments: list[dict] = DEPLOYMENTS) -> list[Finding]:
    return services_analyze(list(kube_services), pods, deployments, OWNERS, source=SERVICES)


def test_services_whose_target_ports_the_pods_declare_give_nothing():
    found = _analyze(
        service("gateway", target_port=8080),
        service("ledger", port=443, target_port="http"),  # a named port the container declares
        service("ledger-db", port=5432, target_port=5432),
    )

    assert found == []


def test_a_target_port_no_selected_container_listens_on_is_critical():
    found = _analyze(service("ledger", port=443, target_port=9443))

    assert found == [
        Finding(
            "ledger",
            "target_port_mismatch",
            "Service ledger port 443 sends to targetPort 9443, but its pods' containers listen on 8443",
            SERVICES,
            CRITICAL,
        )
    ]


def test_a_named_target_port_no_container_declares_is_a_mismatch_too():
    found = _analyze(service("ledger", port=443, target_port="grpc"))

    assert [(f.service, f.signal, f.detail) for f in found] == [
        (
            "ledger",
            "target_port_mismatch",
            "Service ledger port 443 sends to targetPort grpc, but its pods' containers listen on 8443",
        )
    ]


def test_a_selector_that_selects_no_pod_and_no_deployments_pods():
    found = _analyze(service("ledger", selector={"app": "ledger", "track": "canary"}))

    assert found == [
        Finding(
            "ledger",
            "selector_matches_nothing",
            "Service ledger selector app=ledger,track=canary matches no pod and no Deployment's pods",
            SERVICES,
            CRITICAL,
        )
    ]


def test_a_selector_of_a_deployment_with_no_pod_running_is_left_to_the_workload_findings():
    running = [pod("gateway"), pod("ledger-db", "5f4d7c9b8-h7c2n")]  # ledger scaled to zero

    assert _analyze(service("ledger", target_port=8443), pods=running) == []


def test_a_service_without_a_selector_is_not_checked():
    assert _analyze(service("legacy-smtp", selector={}, target_port=25)) == []


def test_endpoints_with_ready_addresses_give_nothing():
    found = endpoints_analyze(
        [endpoints("gateway", ready=["gateway-7d9c8f6b5-q2x8m"]), endpoints("kubernetes")],
        OWNERS,
        source=ENDPOINTS,
    )

    assert found == []


def test_endpoints_with_only_not_ready_addresses_are_critical():
    found = endpoints_analyze(
        [endpoints("ledger", not_ready=["ledger-7d9c8f6b5-q2x8m", "ledger-7d9c8f6b5-w4k7z"])], OWNERS, source=ENDPOINTS
    )

    assert found == [
        Finding("ledger", "no_endpoints", "Service ledger has no ready endpoint (2 not ready)", ENDPOINTS, CRITICAL)
    ]


def test_endpoints_with_no_subset_at_all_are_a_warning():
    found = endpoints_analyze([endpoints("notifier")], OWNERS, source=ENDPOINTS)

    assert found == [Finding("notifier", "no_endpoints", "Service notifier has no ready endpoint", ENDPOINTS, WARNING)]


def test_endpoints_of_a_service_of_no_deployment_are_ignored():
    # The API server's own Service has no Deployment here, and an empty one of another team says nothing.
    assert endpoints_analyze([endpoints("kubernetes"), endpoints("billing-export")], OWNERS, source=ENDPOINTS) == []
