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
LIST_MESSAGE_TYPE = "incidents.changed"  # handled by IncidentListConsumer.incidents_changed
# The events that change what an incidents list shows: they also go to the team's list group (and to the
# group of people who see every team's incidents). Only the incident's id and the event's type go there:
# a list refetches its rows through the permission-checked page, so a stale membership reveals nothing.
LIST_EVENTS = frozenset({"incident.created", "incident.status_changed", "incident.diagnosed"})
ALL_TEAMS_GROUP = "incidents.all"


def team_group(team_id: int) -> str:
    """The Channels group of one team's incidents list."""
    return f"incidents.team.{int(team_id)}"


def incident_group(incident_uuid: UUID | str) -> str:
    """The Channels group of one incident's stream."""
    return f"incident.{UUID(str(incident_uuid)).hex}"


def event_data(event: IncidentEvent) -> dict[str, Any]:
    """An event as the stream and the events API show it."""
    return {"seq": event.seq, "type": event.type, "payload": event.payload, "created_at": event.created_at.isoformat()}


def event_publish_on_commit(event: IncidentEvent, incident_uuid: UUID) -> None:
    """Publish ``event`` to the incident's group when the current transaction commits (now, outside one)."""
    data, group = event_data(event), incident_group(incident_uuid)
    transaction.on_commit(lambda: _publish(group, {"type": MESSAGE_TYPE, "event": data}))
    if event.type in LIST_EVENTS:
        team = event.incident.team_id
        change = {"type": LIST_MESSAGE_TYPE, "incident": str(incident_uuid), "event": event.type, "team": team}
        for listing in (team_group(team), ALL_TEAMS_GROUP):
            transaction.on_commit(lambda listing=listing: _publish(listing, change))  # type: ignore[misc]


def _publish(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:  # the event is stored; clients resync from the API or refetch the list
        logger.warning("could not publish %s to %s", message["type"], group, exc_info=True)
