"""Fixtures of the Kubernetes adapter's tests: a stand-in API server and settings pointing at it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agents.kube.config import KubeSettings
from agents.kube.environment import KubernetesEnvironment
from tests.kube.standin import Running, serve


@pytest.fixture
def standin(tmp_path: Path) -> Iterator[Running]:
    """A running stand-in API server with the fixture objects and a reader/writer kubeconfig."""
    yield from serve(tmp_path)


@pytest.fixture
def settings(standin: Running) -> KubeSettings:
    """Adapter settings: the stand-in's two contexts, short timeouts."""
    kubeconfig = str(standin.kubeconfig)
    return KubeSettings.from_mapping(
        {
            "reader": {"kubeconfig": kubeconfig, "context": "aoi-reader"},
            "writer": {"kubeconfig": kubeconfig, "context": "aoi-writer"},
            "request_timeout": 2,
        }
    )


NOW = datetime(2025, 4, 24, 10, 2, tzinfo=UTC)
HR = "test-hotel-reservation"
SN = "test-social-network"
GEO_POD = "geo-ftjftqlhd-x2k9p"


@pytest.fixture
def reader(settings: KubeSettings) -> KubernetesEnvironment:
    """A Probe's handle on the stand-in: the reader identity, read-only."""
    return KubernetesEnvironment(settings, read_only=True, clock=lambda: NOW)


@pytest.fixture
def writer(settings: KubeSettings) -> KubernetesEnvironment:
    """The Executor's handle on the stand-in: the writer identity."""
    return KubernetesEnvironment(settings, read_only=False, clock=lambda: NOW)
