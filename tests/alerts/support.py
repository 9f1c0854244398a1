"""Helpers shared by the alert ingestion tests."""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeAlias

from django.http import HttpResponse

from incidents.models import Incident, IncidentEvent
from trajectories.models import AuditEvent

TOKEN = "aoi_test-token-for-the-sre-team"
URL = "/api/v1/alerts/alertmanager/"

if TYPE_CHECKING:
    # What the test client returns: an HttpResponse with ``json()`` and the request attached.
    from django.test.client import _MonkeyPatchedWSGIResponse

    ClientResponse: TypeAlias = _MonkeyPatchedWSGIResponse
else:
    ClientResponse = HttpResponse

# ``deliver(payload_or_bytes, token=..., content_type=..., **wsgi_meta)``, the fixture's type.
Deliver = Callable[..., ClientResponse]


def database_state() -> dict[str, Any]:
    """Everything a refused delivery must leave alone: incidents, their event logs, the audit log."""
    return {
        "incidents": list(Incident.objects.order_by("pk").values()),
        "events": list(IncidentEvent.objects.order_by("pk").values_list("pk", flat=True)),
        "audit": list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)),
    }
