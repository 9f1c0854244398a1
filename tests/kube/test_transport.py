"""Requests as one identity: GET only for the reader, a timeout on each, errors worded as kubectl's."""

from __future__ import annotations

import socket
import time

import pytest

from agents.kube.client import MERGE_PATCH, KubeTransport, api_client_for
from agents.kube.config import KubeConfigError, KubeIdentity
from agents.kube.errors import KubeApiError
from tests.kube.standin import Running, write_kubeconfig

HR = "/api/v1/namespaces/test-hotel-reservation"


def _transport(running: Running, identity: str, *, read_only: bool, timeout: float = 2.0) -> KubeTransport:
    client = api_client_for(KubeIdentity(kubeconfig=str(running.kubeconfig), context=f"aoi-{identity}"))
    return KubeTransport(client, read_only=read_only, request_timeout=timeout)


def test_a_get_carries_the_identity_the_query_and_json(standin):
    reader = _transport(standin, "reader", read_only=True)

    listing = reader.get_json(f"{HR}/pods", [("labelSelector", "io.kompose.service=geo")])

    assert [pod["metadata"]["name"] for pod in listing["items"]] == ["geo-ftjftqlhd-x2k9p"]
    [request] = standin.state.requests
    assert (request.method, request.path, request.identity) == ("GET", f"{HR}/pods", "reader")
    assert request.query == {"labelSelector": ["io.kompose.service=geo"]}


def test_a_read_only_transport_refuses_to_send_anything_but_get(standin):
    reader = _transport(standin, "reader", read_only=True)

    with pytest.raises(PermissionError):
        reader.patch(f"{HR}/services/geo", {"spec": {}}, MERGE_PATCH)
    with pytest.raises(PermissionError):
        reader.delete(f"{HR}/pods/geo-ftjftqlhd-x2k9p", {})

    assert standin.state.requests == []


def test_not_found_is_worded_as_kubectl(standin):
    reader = _transport(standin, "reader", read_only=True)

    with pytest.raises(KubeApiError) as caught:
        reader.get_json(f"{HR}/pods/nope")

    assert caught.value.text == 'Error from server (NotFound): pods "nope" not found'
    assert caught.value.status == 404


def test_forbidden_carries_the_server_message(standin):
    writer = _transport(standin, "writer", read_only=False)

    with pytest.raises(KubeApiError) as caught:
        writer.get_json(f"{HR}/configmaps")

    assert caught.value.text == (
        'Error from server (Forbidden): configmaps is forbidden: User "system:serviceaccount:aoi-system:aoi-writer" '
        'cannot list resource "configmaps" in API group "" in the namespace "test-hotel-reservation"'
    )


def test_an_unknown_token_is_unauthorized(standin, tmp_path):
    text = standin.kubeconfig.read_text().replace("reader-token", "stolen-token")
    standin.kubeconfig.write_text(text)
    reader = _transport(standin, "reader", read_only=True)

    with pytest.raises(KubeApiError) as caught:
        reader.get_json(f"{HR}/pods")

    assert caught.value.text == "error: You must be logged in to the server (Unauthorized)"


def test_a_server_error_without_a_status_body(standin):
    standin.state.override("GET", f"{HR}/pods", 502, body="bad gateway")
    reader = _transport(standin, "reader", read_only=True)

    with pytest.raises(KubeApiError) as caught:
        reader.get_json(f"{HR}/pods")

    assert (
        caught.value.text == "error: the server responded with the status code 502 but did not return more information"
    )


def test_a_refused_connection_names_the_server(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", f"http://127.0.0.1:{port}")
    client = api_client_for(KubeIdentity(kubeconfig=str(kubeconfig), context="aoi-reader"))
    reader = KubeTransport(client, read_only=True, request_timeout=2)

    with pytest.raises(KubeApiError) as caught:
        reader.get_json(f"{HR}/pods")

    assert caught.value.text == (
        f"The connection to the server 127.0.0.1:{port} was refused - did you specify the right host or port?"
    )


def test_a_slow_server_times_out_once_without_retrying(standin):
    standin.state.override("GET", f"{HR}/pods", 200, body={"items": []}, delay=1.5)
    reader = _transport(standin, "reader", read_only=True, timeout=0.3)

    started = time.monotonic()
    with pytest.raises(KubeApiError) as caught:
        reader.get_json(f"{HR}/pods")

    assert caught.value.text.startswith("Unable to connect to the server: net/http: request canceled")
    assert time.monotonic() - started < 1.0
    assert len(standin.state.requests) == 1


def test_a_spent_command_budget_sends_nothing(standin):
    clock = iter([0.0, 5.0]).__next__
    client = api_client_for(KubeIdentity(kubeconfig=str(standin.kubeconfig), context="aoi-reader"))
    reader = KubeTransport(client, read_only=True, request_timeout=2, clock=clock).within(1)

    with pytest.raises(KubeApiError) as caught:
        reader.get_json(f"{HR}/pods")

    assert caught.value.text == "Unable to connect to the server: context deadline exceeded"
    assert standin.state.requests == []


def test_a_missing_context_is_a_configuration_error(standin):
    with pytest.raises(KubeConfigError, match="cannot load context 'aoi-admin'"):
        api_client_for(KubeIdentity(kubeconfig=str(standin.kubeconfig), context="aoi-admin"))


def test_an_in_cluster_identity_reads_its_own_projected_token(tmp_path, monkeypatch):
    token = tmp_path / "reader-token"
    token.write_text("reader-token")
    ca = tmp_path / "ca.crt"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")

    client = api_client_for(KubeIdentity(in_cluster=True, token_file=str(token), ca_file=str(ca)))

    assert client.configuration.host == "https://10.96.0.1:443"
    assert client.configuration.api_key == {"BearerToken": "bearer reader-token"}
    assert client.configuration.ssl_ca_cert == str(ca)
    assert client.configuration.retries is False


def test_an_in_cluster_identity_outside_a_pod_is_a_configuration_error(tmp_path, monkeypatch):
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)

    with pytest.raises(KubeConfigError, match="Service host/port is not set"):
        api_client_for(KubeIdentity(in_cluster=True, token_file=str(tmp_path / "token")))
