"""The agent-cloud interface over a real cluster: get_logs, telemetry exports, and failures as text."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from agents.kube.config import KubeSettings
from agents.kube.environment import NO_SERVICE, KubernetesEnvironment
from tests.kube.conftest import GEO_POD, HR, NOW, SN
from tests.kube.standin import write_kubeconfig
from tests.kube.telemetry_standin import TelemetryStandIn, serve_telemetry


@pytest.fixture
def backend() -> Iterator[TelemetryStandIn]:
    yield from serve_telemetry()


def _with_telemetry(settings: KubeSettings, backend: TelemetryStandIn) -> KubernetesEnvironment:
    configured = KubeSettings(
        reader=settings.reader,
        writer=settings.writer,
        request_timeout=2,
        prometheus_url=backend.url,
        jaeger_url=backend.url,
    )
    return KubernetesEnvironment(configured, read_only=True, clock=lambda: NOW)


def test_get_logs_of_a_hotel_reservation_service(reader, standin):
    logs = reader.get_logs(HR, "geo")

    assert logs.endswith("panic: no reachable servers\n")
    assert [(r.method, r.path, r.query) for r in standin.state.requests] == [
        ("GET", f"/api/v1/namespaces/{HR}/pods", {"labelSelector": ["app=geo"]}),
        ("GET", f"/api/v1/namespaces/{HR}/pods", {"labelSelector": ["io.kompose.service=geo"]}),
        ("GET", f"/api/v1/namespaces/{HR}/pods/{GEO_POD}/log", {"container": ["hotel-reserv-geo"]}),
    ]


def test_get_logs_of_a_social_network_service_uses_the_app_label(reader, standin):
    logs = reader.get_logs(SN, "user-service")

    assert "Error in createIndexes: No suitable servers found" in logs
    assert len(standin.state.requests) == 2


def test_get_logs_of_an_astronomy_shop_service_uses_the_name_label(reader, standin):
    logs = reader.get_logs("astronomy-shop", "cart")

    assert "Now listening on: http://[::]:8080" in logs
    assert standin.state.requests[2].query == {"labelSelector": ["app.kubernetes.io/name=cart"]}


@pytest.mark.parametrize(("namespace", "service"), [(HR, "nope"), ("nowhere", "geo"), (HR, "geo,app=x"), (HR, "")])
def test_get_logs_of_something_that_does_not_exist(reader, namespace, service):
    assert reader.get_logs(namespace, service) == NO_SERVICE


def test_get_logs_when_the_server_fails(reader, standin):
    standin.state.override("GET", f"/api/v1/namespaces/{HR}/pods/{GEO_POD}/log", 500)

    assert reader.get_logs(HR, "geo") == NO_SERVICE


def test_without_telemetry_urls_the_agent_is_told_so(reader):
    assert reader.get_metrics(HR) == (
        "Error: metrics are not configured for this cluster (no Prometheus URL in the Kubernetes settings)."
    )
    assert reader.get_traces(HR) == (
        "Error: traces are not configured for this cluster (no Jaeger URL in the Kubernetes settings)."
    )
    assert reader.read_metrics("metrics_output/x.csv") == "error: Metrics file 'metrics_output/x.csv' not found."
    assert reader.read_traces("trace_output/x.csv") == "error: Traces file 'trace_output/x.csv' not found."


def test_get_metrics_lists_the_exported_files_and_read_metrics_prints_one(settings, backend):
    environment = _with_telemetry(settings, backend)

    listing = environment.get_metrics(HR, duration=10)

    folder = f"metrics_output/{HR}/20250424T100200Z"
    assert listing.splitlines() == [
        f"Metrics exported to {folder}/ (2 files):",
        f"{folder}/container_cpu_usage_seconds_total.csv",
        f"{folder}/container_memory_usage_bytes.csv",
    ]
    assert backend.requests[0][1]["start"] == ["1745488320.000"]
    assert environment.read_metrics(f"{folder}/container_memory_usage_bytes.csv") == (
        "   timestamp             cmdb_id                     kpi_name   value\n"
        "1745488800.5 geo-ftjftqlhd-x2k9p container_memory_usage_bytes 6361088"
    )


def test_exports_belong_to_the_session_that_made_them(settings, backend):
    first = _with_telemetry(settings, backend)
    second = _with_telemetry(settings, backend)
    path = first.get_metrics(HR).splitlines()[1]

    assert second.read_metrics(path) == f"error: Metrics file '{path}' not found."


def test_get_traces_fills_the_namespace_into_the_jaeger_url(settings, backend):
    configured = KubeSettings(
        reader=settings.reader, writer=settings.writer, jaeger_url=backend.url.replace("127.0.0.1", "{namespace}")
    )
    environment = KubernetesEnvironment(configured, read_only=True, clock=lambda: NOW)

    assert environment.get_traces("127.0.0.1") == (
        "Traces exported to trace_output/127.0.0.1/20250424T100200Z/traces.csv (3 spans)."
    )


def test_get_traces_and_read_traces(settings, backend):
    environment = _with_telemetry(settings, backend)

    message = environment.get_traces(HR)
    path = f"trace_output/{HR}/20250424T100200Z/traces.csv"

    assert message == f"Traces exported to {path} (3 spans)."
    table = environment.read_traces(path).splitlines()
    assert table[0].split() == [
        "trace_id",
        "span_id",
        "parent_span",
        "service_name",
        "operation_name",
        "start_time",
        "duration",
        "has_error",
        "response",
    ]
    assert table[2].split() == ["t1", "a2", "a1", "geo", "geo.Geo/Nearby", "1745488800000200", "1700", "True"]


def test_telemetry_failures_are_text(settings):
    configured = KubeSettings(
        reader=settings.reader,
        writer=settings.writer,
        prometheus_url="http://127.0.0.1:9",
        jaeger_url="http://127.0.0.1:9",
    )
    environment = KubernetesEnvironment(configured, read_only=True, clock=lambda: NOW)

    assert environment.get_metrics(HR).startswith("Error: cannot reach http://127.0.0.1:9")
    assert environment.get_traces(HR).startswith("Error: cannot reach http://127.0.0.1:9")


def test_a_refused_connection_is_kubectls_text_never_an_exception(settings, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    kubeconfig = write_kubeconfig(tmp_path / "down", f"http://127.0.0.1:{port}")
    down = KubeSettings.from_mapping(
        {
            "reader": {"kubeconfig": str(kubeconfig), "context": "aoi-reader"},
            "writer": {"kubeconfig": str(kubeconfig), "context": "aoi-writer"},
        }
    )
    refused = f"The connection to the server 127.0.0.1:{port} was refused - did you specify the right host or port?\n"

    assert KubernetesEnvironment(down, read_only=True).exec_shell(f"kubectl get pods -n {HR}") == refused
    assert KubernetesEnvironment(down, read_only=False).exec_shell(f"kubectl delete pod x -n {HR}") == refused
    assert KubernetesEnvironment(down, read_only=True).get_logs(HR, "geo") == NO_SERVICE


def test_a_slow_server_times_out_as_text(standin):
    standin.state.override("GET", f"/api/v1/namespaces/{HR}/pods", 200, body={"items": []}, delay=2)
    kubeconfig = str(standin.kubeconfig)
    settings = KubeSettings.from_mapping(
        {
            "reader": {"kubeconfig": kubeconfig, "context": "aoi-reader"},
            "writer": {"kubeconfig": kubeconfig, "context": "aoi-writer"},
            "request_timeout": 0.3,
        }
    )

    output = KubernetesEnvironment(settings, read_only=True).exec_shell(f"kubectl get pods -n {HR}")

    assert output == (
        "Unable to connect to the server: net/http: request canceled (Client.Timeout exceeded while awaiting headers)\n"
    )


def test_a_forbidden_write_comes_back_as_the_servers_text(writer, standin):
    standin.state.override(
        "DELETE",
        f"/api/v1/namespaces/{HR}/pods/{GEO_POD}",
        403,
        body={
            "kind": "Status",
            "apiVersion": "v1",
            "status": "Failure",
            "reason": "Forbidden",
            "code": 403,
            "message": f'pods "{GEO_POD}" is forbidden: admission webhook denied the request',
        },
    )

    output = writer.exec_shell(f"kubectl delete pod {GEO_POD} -n {HR}")

    assert (
        output
        == f'Error from server (Forbidden): pods "{GEO_POD}" is forbidden: admission webhook denied the request\n'
    )
