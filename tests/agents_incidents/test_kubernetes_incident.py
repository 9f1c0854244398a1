"""An AOI run on an incident of a Kubernetes cluster: the settings choose the adapter, the Probes read with
the reader's credential, and the one write goes out with the writer's, after a person approved it.

The cluster is the stand-in API server of the adapter's tests (tests/kube/standin.py), over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from agents.incident_runs import IncidentRunOptions, incident_run
from incidents.models import ActionRequest, ActionStatus, Incident, Team
from incidents.services.actions import action_approve
from tests.agents_incidents.conftest import user_service_fixer
from tests.agents_runtime.models import SchemaModel
from tests.factories import make_incident
from tests.kube.standin import Running, serve, write_adapter_config

pytestmark = pytest.mark.django_db
SN = "test-social-network"


@pytest.fixture
def cluster(tmp_path: Path, settings: Any) -> Iterator[Running]:
    for running in serve(tmp_path):
        config = write_adapter_config(tmp_path / "aoi-kubernetes.yaml", running)
        settings.AOI_ENVIRONMENT = {"kind": "kubernetes", "kubernetes_config": str(config), "seed": 0}
        yield running


@pytest.fixture
def cluster_incident(team: Team) -> Incident:
    return make_incident(
        team,
        title="compose-post failing",
        description="nginx-thrift returns 500 on compose; callers cannot reach user-service.",
        application="SocialNetwork",
        namespace=SN,
        labels={"alertname": "ComposePostErrorRate"},
    )


def test_probes_read_as_the_reader_and_the_approved_write_goes_out_as_the_writer(
    cluster: Running, cluster_incident: Incident, responder: Any, approver: Any
) -> None:
    writes_before_approval: list[int] = []

    def approve_later(_seconds: float) -> None:
        for action in ActionRequest.objects.filter(status=ActionStatus.PENDING):
            writes_before_approval.append(len(cluster.state.methods("writer")))
            action_approve(action=action, user=approver, action_hash=action.action_hash)

    trajectory = incident_run(
        incident=cluster_incident,
        user=responder,
        backend=SchemaModel(user_service_fixer),
        options=IncidentRunOptions(wait_s=5.0, poll_s=0.0, sleep=approve_later, knowledge=False),
    )

    assert trajectory.outcome["environment"] == "kubernetes"
    assert trajectory.outcome["outcome"] == "fixed"
    assert "simulated_truth" not in trajectory.outcome
    assert writes_before_approval == [0]  # nothing went out as the writer before the approval
    assert set(cluster.state.methods("reader")) == {"GET"}
    writer_requests = [r for r in cluster.state.requests if r.identity == "writer"]
    # The stand-in's user-service Service forwards to 9999, a port its pods do not listen on: the Executor is
    # offered only the writes that repair what the analyzers found, whatever the model would rather do.
    assert [(r.method, r.path) for r in writer_requests if r.method != "GET"] == [
        ("PATCH", f"/api/v1/namespaces/{SN}/services/user-service")
    ]
    assert ActionRequest.objects.get().status == ActionStatus.SUCCEEDED


def test_a_rejected_write_never_reaches_the_cluster(
    cluster: Running, cluster_incident: Incident, responder: Any, approver: Any
) -> None:
    from incidents.services.actions import action_reject

    def reject(_seconds: float) -> None:
        for action in ActionRequest.objects.filter(status=ActionStatus.PENDING):
            action_reject(action=action, user=approver, reason="scale it from the deploy pipeline instead")

    trajectory = incident_run(
        incident=cluster_incident,
        user=responder,
        backend=SchemaModel(user_service_fixer),
        options=IncidentRunOptions(wait_s=5.0, poll_s=0.0, sleep=reject, knowledge=False),
    )

    assert trajectory.outcome["outcome"] == "diagnosed"
    assert set(cluster.state.methods()) == {"GET"}
