"""The shipped RBAC manifests grant exactly what Probes read and what the Executor's verbs need."""

from __future__ import annotations

import pytest

from agents.kube.kubectl.permissions import WRITER_REQUESTS
from tests.kube.rbac import READER_MANIFEST, WRITER_MANIFEST, Rule, load_documents, load_policy

APPLICATION_NAMESPACES = {"test-hotel-reservation", "test-social-network", "astronomy-shop"}
READ = ("get", "list", "watch")
CHAOS = (
    "podchaos",
    "networkchaos",
    "stresschaos",
    "iochaos",
    "httpchaos",
    "dnschaos",
    "timechaos",
    "kernelchaos",
    "jvmchaos",
    "schedules",
    "workflows",
)
CORE = (
    "pods",
    "services",
    "endpoints",
    "events",
    "configmaps",
    "nodes",
    "namespaces",
    "persistentvolumes",
    "persistentvolumeclaims",
    "replicationcontrollers",
)
EXPECTED_READER = frozenset(
    {Rule("", resource, verb) for resource in CORE for verb in READ}
    | {Rule("", "pods/log", "get")}
    | {Rule("events.k8s.io", "events", verb) for verb in READ}
    | {Rule("apps", r, verb) for r in ("deployments", "replicasets", "statefulsets", "daemonsets") for verb in READ}
    | {Rule("batch", r, verb) for r in ("jobs", "cronjobs") for verb in READ}
    | {Rule("autoscaling", "horizontalpodautoscalers", verb) for verb in READ}
    | {Rule("metrics.k8s.io", r, verb) for r in ("pods", "nodes") for verb in ("get", "list")}
    | {Rule("chaos-mesh.org", r, verb) for r in CHAOS for verb in READ}
)
EXPECTED_WRITER = frozenset(
    {
        Rule("apps", "deployments", "get"),
        Rule("apps", "deployments", "patch"),
        Rule("apps", "deployments/scale", "patch"),
        Rule("apps", "replicasets", "list"),
        Rule("", "services", "get"),
        Rule("", "services", "patch"),
        Rule("", "pods", "list"),
        Rule("", "pods", "delete"),
    }
)


def _all_rules() -> list[dict]:
    documents = load_documents(READER_MANIFEST) + load_documents(WRITER_MANIFEST)
    return [rule for doc in documents if doc["kind"] in ("Role", "ClusterRole") for rule in doc["rules"]]


def test_the_reader_cluster_role_grants_exactly_the_probe_reads():
    assert load_policy().reader == EXPECTED_READER


def test_the_writer_role_grants_exactly_the_executor_verbs_in_each_application_namespace():
    writer = load_policy().writer

    assert set(writer) == APPLICATION_NAMESPACES
    for namespace in APPLICATION_NAMESPACES:
        assert writer[namespace] == EXPECTED_WRITER, namespace


def test_the_adapter_write_table_is_the_writer_role():
    assert {Rule(group, resource, verb) for verb, group, resource in WRITER_REQUESTS} == EXPECTED_WRITER


@pytest.mark.parametrize("field", ["apiGroups", "resources", "verbs"])
def test_no_rule_uses_a_wildcard(field):
    assert all("*" not in rule[field] for rule in _all_rules())


def test_no_rule_names_secrets_or_resource_names_or_non_resource_urls():
    for rule in _all_rules():
        assert not any(resource.startswith("secrets") for resource in rule["resources"])
        assert set(rule) == {"apiGroups", "resources", "verbs"}


def test_the_reader_never_gets_a_mutating_verb():
    mutating = {"create", "update", "patch", "delete", "deletecollection", "escalate", "bind", "impersonate"}

    assert not {rule.verb for rule in load_policy().reader} & mutating


def test_bindings_bind_each_role_to_its_own_service_account_only():
    reader_docs = {doc["kind"]: doc for doc in load_documents(READER_MANIFEST)}
    writer_bindings = [doc for doc in load_documents(WRITER_MANIFEST) if doc["kind"] == "RoleBinding"]

    assert reader_docs["ClusterRoleBinding"]["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "ClusterRole",
        "name": "aoi-reader",
    }
    assert reader_docs["ClusterRoleBinding"]["subjects"] == [
        {"kind": "ServiceAccount", "name": "aoi-reader", "namespace": "aoi-system"}
    ]
    assert {binding["metadata"]["namespace"] for binding in writer_bindings} == APPLICATION_NAMESPACES
    for binding in writer_bindings:
        assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "aoi-writer"}
        assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "aoi-writer", "namespace": "aoi-system"}]


def test_the_manifests_hold_only_the_expected_kinds():
    reader_kinds = sorted(doc["kind"] for doc in load_documents(READER_MANIFEST))
    writer_kinds = sorted(doc["kind"] for doc in load_documents(WRITER_MANIFEST))

    assert reader_kinds == ["ClusterRole", "ClusterRoleBinding", "ServiceAccount"]
    assert writer_kinds == ["Role"] * 3 + ["RoleBinding"] * 3 + ["ServiceAccount"]
