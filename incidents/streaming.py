"""Publishing an incident's events to its live stream (Channels), once they are committed.

Every event is stored first (``IncidentEvent``, with its gapless ``seq``) and published only after its
transaction commits, so a browser never sees an event the database does not have, and one that was rolled
back never reaches anybody. Publishing is best effort: when the channel layer is down the event is still
stored, and a client that sees a gap in ``seq`` (or reconnects) reads what it missed from
``GET /api/v1/incidents/<uuid>/events/?since=<seq>``.
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from incidents.models import IncidentEvent

logger = logging.getLogger(__name__)
MESSAGE_TYPE = "incident.event"  # handled by IncidentStreamConsumer.incident_event


def incident_group(incident_uuid: UUID | str) -> str:
    """The Channels group of one incident's stream."""
    return f"incident.{UUID(str(incident_uuid)).hex}"


def event_data(event: IncidentEvent) -> dict[str, Any]:
    """An event as the stream and the events API show it."""
    return {"seq": event.seq, "type": event.type, "payload": event.payload, "created_at": event.created_at.isoformat()}


def event_publish_on_commit(event: IncidentEvent, incident_uuid: UUID) -> None:
    """Publish ``event`` to the incident's group when the current transaction commits (now, outside one)."""
    data, group = event_data(event), incident_group(incident_uuid)
    transaction.on_commit(lambda: _publish(group, data))


def _publish(group: str, data: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": MESSAGE_TYPE, "event": data})
    except Exception:  # the event is stored; clients resync from the API
        logger.warning("could not publish event %s of %s", data["seq"], group, exc_info=True)
