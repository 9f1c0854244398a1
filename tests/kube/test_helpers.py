"""Small pure pieces of the adapter: API paths, durations, quantities, DeleteOptions, kubectl's container choice."""

from __future__ import annotations

from decimal import Decimal

import pytest

from agents.cli.kubectl_args import parse_kubectl
from agents.kube.errors import KubeApiError, from_status
from agents.kube.kubectl.delete import delete_options
from agents.kube.kubectl.logs import parse_since
from agents.kube.kubectl.top import mebibytes, millicores, parse_quantity
from agents.kube.logs import default_container
from agents.kube.paths import collection_path, object_path


def test_api_paths():
    assert collection_path("v1", "pods", "ns") == "/api/v1/namespaces/ns/pods"
    assert collection_path("v1", "nodes", None) == "/api/v1/nodes"
    assert (
        object_path("apps/v1", "deployments", "ns", "geo", "scale")
        == "/apis/apps/v1/namespaces/ns/deployments/geo/scale"
    )
    assert object_path("v1", "pods", "ns", "../../secrets/x") == "/api/v1/namespaces/ns/pods/..%2F..%2Fsecrets%2Fx"


@pytest.mark.parametrize(("text", "seconds"), [("10s", 10), ("5m", 300), ("1h30m", 5400), ("1.5s", 2), ("100ms", 1)])
def test_since_durations(text, seconds):
    assert parse_since(text) == seconds


@pytest.mark.parametrize("text", ["", "5", "5d", "m5", "5m x"])
def test_invalid_since_durations(text):
    with pytest.raises(KubeApiError, match="invalid duration"):
        parse_since(text)


def test_quantities():
    assert parse_quantity("250m") == Decimal("0.25")
    assert parse_quantity("1523417n") == Decimal("0.001523417")
    assert parse_quantity("6212Ki") == Decimal(6212 * 1024)
    assert parse_quantity("2") == 2
    assert parse_quantity("1e3") == 1000
    assert millicores("1523417n") == 2
    assert millicores("1") == 1000
    assert mebibytes("18764Ki") == 18
    with pytest.raises(KubeApiError, match="quantities must match"):
        parse_quantity("lots")


@pytest.mark.parametrize(
    ("line", "extra"),
    [
        ("kubectl delete pod x", {}),
        ("kubectl delete pod x --grace-period=30", {"gracePeriodSeconds": 30}),
        ("kubectl delete pod x --now", {"gracePeriodSeconds": 1}),
        ("kubectl delete pod x --force", {"gracePeriodSeconds": 0}),
        ("kubectl delete pod x --force --grace-period=3", {"gracePeriodSeconds": 3}),
    ],
)
def test_delete_options(line, extra):
    expected = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"} | extra

    assert delete_options(parse_kubectl(line.split())) == expected


def test_default_container_follows_kubectl():
    one = {"spec": {"containers": [{"name": "app"}]}}
    two = {"spec": {"containers": [{"name": "app"}, {"name": "proxy"}], "initContainers": [{"name": "init"}]}}
    annotated = {
        "metadata": {"annotations": {"kubectl.kubernetes.io/default-container": "proxy"}},
        "spec": two["spec"],
    }

    assert default_container(one) == ("app", "")
    assert default_container(two) == ("app", 'Defaulted container "app" out of: app, proxy, init (init)')
    assert default_container(annotated) == ("proxy", "")


def test_status_errors_without_a_message_or_reason():
    assert from_status(404, b"").text == (
        "error: the server responded with the status code 404 but did not return more information"
    )
    assert from_status(409, b'{"kind":"Status","message":"conflict on x"}').text == (
        "Error from server (Conflict): conflict on x"
    )
