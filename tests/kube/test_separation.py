"""Read-write separation on a real cluster: the reader sends GETs only, each identity stays within its role."""

from __future__ import annotations

import pytest

from agents.environment import CloudEnvironment
from agents.kube.config import KubeSettings
from agents.kube.environment import KubernetesEnvironment
from tests.kube.conftest import GEO_POD, HR, SN
from tests.kube.rbac import load_policy, request_info

PORT_PATCH = '{"spec":{"ports":[{"port":9090,"targetPort":9090}]}}'
WRITES = [
    f"kubectl patch svc user-service -n {SN} --type merge -p '{{\"spec\":{{}}}}'",
    f"kubectl scale deployment geo --replicas=0 -n {HR}",
    f"kubectl set image deployment/geo hotel-reserv-geo=evil:1 -n {HR}",
    f"kubectl set env deployment/geo A=1 -n {HR}",
    f"kubectl rollout restart deployment geo -n {HR}",
    f"kubectl rollout undo deployment geo -n {HR}",
    f"kubectl delete pod {GEO_POD} -n {HR}",
    f"kubectl apply -f x.yaml -n {HR}",
    f"kubectl exec {GEO_POD} -n {HR} -- sh",
    f"kubectl get pods -n {HR}; kubectl delete pod {GEO_POD} -n {HR}",
    f"kubectl get pods -n {HR} --context aoi-writer",
    "helm upgrade x chart -n test-hotel-reservation",
]
READS = [
    f"kubectl get pods -n {HR}",
    f"kubectl get deploy,rs,svc,ep -n {HR} -o wide",
    "kubectl get pods -A",
    "kubectl get nodes,namespaces",
    f"kubectl get all -n {SN}",
    f"kubectl describe pod {GEO_POD} -n {HR}",
    f"kubectl describe deployment geo -n {HR}",
    f"kubectl describe svc user-service -n {SN}",
    f"kubectl logs {GEO_POD} -n {HR} --previous",
    f"kubectl logs deploy/geo -n {HR}",
    f"kubectl get events -n {HR}",
    f"kubectl events -n {HR}",
    f"kubectl top pods -n {HR}",
    f"kubectl rollout history deployment/geo -n {HR}",
    f"kubectl rollout status deployment/geo -n {HR}",
]
EXECUTOR = [
    f"kubectl patch svc user-service -n {SN} --type merge -p '{PORT_PATCH}'",
    f"kubectl scale deployment user-service --replicas=1 -n {SN}",
    f"kubectl set image deployment/geo hotel-reserv-geo=yinfangchen/hotelreservation:latest -n {HR}",
    f"kubectl set env deployment/geo A=1 -n {HR}",
    f"kubectl rollout restart deployment geo -n {HR}",
    f"kubectl rollout undo deployment geo -n {HR}",
    f"kubectl delete pods -l io.kompose.service=geo -n {HR}",
    f"kubectl delete pod frontend-thgslhrlk-x2k9p -n {HR}",
]


@pytest.mark.parametrize("command", WRITES)
def test_the_reader_refuses_every_write_before_any_request(reader, standin, command):
    output = reader.exec_shell(command)

    assert output.startswith("Error: read-only session: ")
    assert standin.state.requests == []


def test_both_handles_implement_the_agent_cloud_interface(reader, writer):
    assert isinstance(reader, CloudEnvironment)
    assert isinstance(writer, CloudEnvironment)
    assert reader.read_only
    assert not writer.read_only


def test_the_reader_never_loads_the_writer_credentials(standin, tmp_path):
    broken = tmp_path / "missing-kubeconfig"
    settings = KubeSettings.from_mapping(
        {
            "reader": {"kubeconfig": str(standin.kubeconfig), "context": "aoi-reader"},
            "writer": {"kubeconfig": str(broken), "context": "aoi-writer"},
        }
    )

    reader = KubernetesEnvironment(settings, read_only=True)

    assert GEO_POD in reader.exec_shell(f"kubectl get pods -n {HR}")
    assert {r.identity for r in standin.state.requests} == {"reader"}


def test_the_writer_never_loads_the_reader_credentials(standin, tmp_path):
    settings = KubeSettings.from_mapping(
        {
            "reader": {"kubeconfig": str(tmp_path / "missing"), "context": "aoi-reader"},
            "writer": {"kubeconfig": str(standin.kubeconfig), "context": "aoi-writer"},
        }
    )

    writer = KubernetesEnvironment(settings, read_only=False)

    assert writer.exec_shell(f"kubectl scale deployment geo --replicas=1 -n {HR}") == "deployment.apps/geo scaled\n"
    assert {r.identity for r in standin.state.requests} == {"writer"}


def test_every_probe_read_is_a_get_the_reader_role_grants(reader, standin):
    for command in READS:
        output = reader.exec_shell(command)
        assert "Forbidden" not in output, command
        assert not output.startswith("error"), (command, output)

    policy = load_policy()
    assert standin.state.requests
    assert set(standin.state.methods()) == {"GET"}
    for request in standin.state.requests:
        assert request.identity == "reader"
        assert policy.allows("reader", request_info(request.method, request.path, request.query)), request.path


def test_every_executor_request_is_one_the_writer_role_grants(writer, standin):
    for command in EXECUTOR:
        output = writer.exec_shell(command)
        assert not output.startswith(("error", "Error")), (command, output)

    policy = load_policy()
    assert set(standin.state.methods()) == {"GET", "PATCH", "DELETE"}
    for request in standin.state.requests:
        assert request.identity == "writer"
        assert policy.allows("writer", request_info(request.method, request.path, request.query)), request.path


def test_a_namespace_outside_the_allow_list_is_refused_before_any_request(standin):
    kubeconfig = str(standin.kubeconfig)
    settings = KubeSettings.from_mapping(
        {
            "reader": {"kubeconfig": kubeconfig, "context": "aoi-reader"},
            "writer": {"kubeconfig": kubeconfig, "context": "aoi-writer"},
            "namespaces": [HR],
        }
    )
    writer = KubernetesEnvironment(settings, read_only=False)
    reader = KubernetesEnvironment(settings, read_only=True)

    assert writer.exec_shell(f"kubectl scale deployment user-service --replicas=0 -n {SN}") == (
        f'error: namespace "{SN}" is not one this platform may address\n'
    )
    assert reader.get_logs(SN, "user-service") == "Error: Your service/namespace does not exist. Use kubectl to check."
    assert standin.state.requests == []


def test_an_all_namespaces_list_keeps_the_allowed_namespaces_only(standin):
    kubeconfig = str(standin.kubeconfig)
    settings = KubeSettings.from_mapping(
        {
            "reader": {"kubeconfig": kubeconfig, "context": "aoi-reader"},
            "writer": {"kubeconfig": kubeconfig, "context": "aoi-writer"},
            "namespaces": [SN],
        }
    )

    output = KubernetesEnvironment(settings, read_only=True).exec_shell("kubectl get pods -A --no-headers")

    assert {line.split()[0] for line in output.splitlines()} == {SN}
