"""Fixtures of the analyzers' tests: the Kubernetes adapter on the stand-in API server of ``tests.kube``
(its fixture objects), with and without the stand-in Prometheus and Jaeger."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agents.kube.config import KubeSettings
from agents.kube.environment import KubernetesEnvironment
from tests.kube.conftest import NOW
from tests.kube.standin import Running, serve
from tests.kube.telemetry_standin import TelemetryStandIn, serve_telemetry


@pytest.fixture
def standin(tmp_path: Path) -> Iterator[Running]:
    yield from serve(tmp_path)


@pytest.fixture
def telemetry_backend() -> Iterator[TelemetryStandIn]:
    yield from serve_telemetry()


def _settings(standin: Running, **urls: str) -> KubeSettings:
    kubeconfig = str(standin.kubeconfig)
    return KubeSettings.from_mapping(
        {
            "reader": {"kubeconfig": kubeconfig, "context": "aoi-reader"},
            "writer": {"kubeconfig": kubeconfig, "context": "aoi-writer"},
            "request_timeout": 2,
            **urls,
        }
    )


@pytest.fixture
def reader(standin: Running) -> KubernetesEnvironment:
    """A Probe's handle on the stand-in (no telemetry backends configured)."""
    return KubernetesEnvironment(_settings(standin), read_only=True, clock=lambda: NOW)


@pytest.fixture
def reader_with_telemetry(standin: Running, telemetry_backend: TelemetryStandIn) -> KubernetesEnvironment:
    """A Probe's handle on the stand-in whose Prometheus and Jaeger are the telemetry stand-in."""
    urls = {"prometheus_url": telemetry_backend.url, "jaeger_url": telemetry_backend.url}
    return KubernetesEnvironment(_settings(standin, **urls), read_only=True, clock=lambda: NOW)
