"""The incident live stream: ``/ws/incidents/<uuid>/``.

Session-authenticated and origin-validated (``aoi_platform.asgi``). A person connects only to an incident
they may view, by the same check as the API (``incident_list_for_user``); anyone else, signed in or not,
gets the connection closed before it is accepted, and cannot tell a hidden incident from a missing one.
The check runs again, on fresh rows, before the first event after ``RECHECK_SECONDS`` (jittered, so that
clients that connected together do not all check on the same event): revoking a person's access (team membership,
deactivation) closes their stream with code 4403, and no event reaches them after that.

Messages (JSON): ``{"type": "hello", "incident", "last_seq"}`` once accepted, then ``{"type": "event",
"event": {"seq", "type", "payload", "created_at"}}`` for each committed event (the events API's shape); a
client that sees a gap in ``seq`` resyncs from the events API. ``{"type": "revoked"}`` precedes a 4403 close.
"""

from __future__ import annotations

import random
import time
from typing import Any
from uuid import UUID

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib.auth import get_user_model
from django.db.models import Q

from incidents.models import Team
from incidents.selectors import incident_list_for_user
from incidents.streaming import ALL_TEAMS_GROUP, incident_group, team_group

RECHECK_SECONDS = 2.0
RECHECK_JITTER = 0.25  # a recheck is due after RECHECK_SECONDS times 1 minus up to this fraction
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404


def _last_seq_if_visible(user_pk: int, incident_uuid: UUID) -> int | None:
    """The incident's last ``seq`` if the user (read afresh) may view it; None otherwise."""
    user = get_user_model().objects.filter(pk=user_pk, is_active=True).first()
    if user is None:
        return None
    row = incident_list_for_user(user=user).filter(uuid=incident_uuid).values_list("last_event_seq", flat=True)
    return row.first()


class IncidentStreamConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    group = ""
    user_pk: int | None = None
    incident_uuid: UUID | None = None
    checked_at = 0.0

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        incident_uuid = self.scope["url_route"]["kwargs"]["uuid"]
        last_seq = await database_sync_to_async(_last_seq_if_visible)(user.pk, incident_uuid)
        if last_seq is None:
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.user_pk, self.incident_uuid = user.pk, incident_uuid
        self.group, self.checked_at = incident_group(incident_uuid), time.monotonic()
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello", "incident": str(incident_uuid), "last_seq": last_seq})

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """The stream is one-way; a client's ``ping`` gets a ``pong`` (keep-alive through proxies)."""
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def incident_event(self, message: dict[str, Any]) -> None:
        if time.monotonic() - self.checked_at > RECHECK_SECONDS * (1 - random.uniform(0, RECHECK_JITTER)):  # noqa: S311
            if self.user_pk is None or self.incident_uuid is None:
                return
            if await database_sync_to_async(_last_seq_if_visible)(self.user_pk, self.incident_uuid) is None:
                await self.send_json({"type": "revoked"})
                await self.channel_layer.group_discard(self.group, self.channel_name)
                self.group = ""
                await self.close(code=CLOSE_FORBIDDEN)
                return
            self.checked_at = time.monotonic()
        await self.send_json({"type": "event", "event": message["event"]})


def _list_teams(user_pk: int) -> tuple[set[int], bool] | None:
    """The teams whose incidents the user (read afresh) lists, and whether they list every team's
    (superusers); None when the user is gone or inactive."""
    user = get_user_model().objects.filter(pk=user_pk, is_active=True).first()
    if user is None:
        return None
    groups = list(user.groups.values_list("pk", flat=True))
    member = Q(viewers__in=groups) | Q(responders__in=groups) | Q(approvers__in=groups)
    return set(Team.objects.filter(member).values_list("pk", flat=True)), bool(user.is_superuser)


class IncidentListConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
    """``/ws/incidents/``: says which incident changed (``{"type": "changed", "incident", "event"}``) when an
    incident of the person's teams is opened, changes status or gets a diagnosis. Nothing else: the page
    refetches its rows through the permission-checked list view. Team membership is read again at most
    every ``RECHECK_SECONDS`` while changes flow; a person who left a team hears nothing more of it."""

    user_pk: int | None = None
    teams: set[int] = set()
    every_team = False
    joined: tuple[str, ...] = ()
    checked_at = 0.0

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user_pk = user.pk
        if not await self._refresh():
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self.accept()
        await self.send_json({"type": "hello"})

    async def _refresh(self) -> bool:
        """Re-read the person's teams and join or leave groups to match; False when they are gone."""
        found = await database_sync_to_async(_list_teams)(self.user_pk)
        if found is None:
            return False
        self.teams, self.every_team = found
        wanted = (ALL_TEAMS_GROUP,) if self.every_team else tuple(team_group(team) for team in sorted(self.teams))
        for group in set(self.joined) - set(wanted):
            await self.channel_layer.group_discard(group, self.channel_name)
        for group in set(wanted) - set(self.joined):
            await self.channel_layer.group_add(group, self.channel_name)
        self.joined, self.checked_at = wanted, time.monotonic()
        return True

    async def disconnect(self, code: int) -> None:
        for group in self.joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        self.joined = ()

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def incidents_changed(self, message: dict[str, Any]) -> None:
        if time.monotonic() - self.checked_at > RECHECK_SECONDS and not await self._refresh():
            await self.send_json({"type": "revoked"})
            await self.disconnect(CLOSE_FORBIDDEN)
            await self.close(code=CLOSE_FORBIDDEN)
            return
        if self.every_team or message.get("team") in self.teams:
            await self.send_json({"type": "changed", "incident": message["incident"], "event": message["event"]})
