"""The incident live stream over the real ASGI application: session auth, origin check, the same view
permission as the API, events only once committed, in ``seq`` order, and access revoked mid-stream.

The channel layer is the suite's (channels-redis on the Redis of ``REDIS_URL``; in-memory without it)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import Client

from aoi_platform.asgi import application
from incidents import consumers
from incidents.models import Incident
from incidents.services.incidents import incident_event_append
from tests.factories import make_incident

pytestmark = pytest.mark.django_db(transaction=True)
TIMEOUT = 5


def _session(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def _communicator(incident: Incident | str, session: str | None, origin: str = "http://localhost") -> Any:
    uuid = incident.uuid if isinstance(incident, Incident) else incident
    headers = [(b"origin", origin.encode())]
    if session:
        headers.append((b"cookie", f"sessionid={session}".encode()))
    return WebsocketCommunicator(application, f"/ws/incidents/{uuid}/", headers=headers)


def _run(scenario: Callable[[], Awaitable[None]]) -> None:
    async_to_sync(scenario)()


def _append(incident: Incident, kind: str, **payload: Any) -> int:
    with transaction.atomic():
        return incident_event_append(incident=incident, type=kind, payload=payload).seq


@pytest.fixture
def live_incident(team: Any) -> Incident:
    return make_incident(team, namespace="shop")


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("viewer", True),
        ("responder", True),
        ("approver", True),
        ("superuser", True),
        ("outsider", False),
        ("nobody", False),
        (None, False),
    ],
)
def test_who_may_watch_an_incident(
    live_incident: Incident, who: str | None, allowed: bool, request: pytest.FixtureRequest
) -> None:
    session = _session(request.getfixturevalue(who)) if who else None

    async def scenario() -> None:
        communicator = _communicator(live_incident, session)
        connected, code = await communicator.connect(timeout=TIMEOUT)
        assert connected is allowed
        if allowed:
            hello = await communicator.receive_json_from(timeout=TIMEOUT)
            assert hello == {"type": "hello", "incident": str(live_incident.uuid), "last_seq": 1}
            await communicator.disconnect()
        else:
            expected = consumers.CLOSE_UNAUTHENTICATED if who is None else consumers.CLOSE_NOT_FOUND
            assert code == expected

    _run(scenario)


def test_an_unknown_incident_looks_like_a_hidden_one(viewer: Any, team: Any) -> None:
    session = _session(viewer)

    async def scenario() -> None:
        communicator = _communicator("00000000-0000-0000-0000-000000000000", session)
        connected, code = await communicator.connect(timeout=TIMEOUT)
        assert (connected, code) == (False, consumers.CLOSE_NOT_FOUND)

    _run(scenario)


def test_a_foreign_origin_is_refused(live_incident: Incident, viewer: Any) -> None:
    session = _session(viewer)

    async def scenario() -> None:
        communicator = _communicator(live_incident, session, origin="https://evil.example")
        connected, _ = await communicator.connect(timeout=TIMEOUT)
        assert connected is False

    _run(scenario)


def test_committed_events_arrive_in_order_and_rolled_back_ones_never(live_incident: Incident, viewer: Any) -> None:
    session = _session(viewer)

    def rolled_back() -> None:
        try:
            with transaction.atomic():
                incident_event_append(incident=live_incident, type="test.rolled_back", payload={})
                raise RuntimeError("abort")
        except RuntimeError:
            pass

    async def scenario() -> None:
        communicator = _communicator(live_incident, session)
        assert (await communicator.connect(timeout=TIMEOUT))[0]
        await communicator.receive_json_from(timeout=TIMEOUT)
        await database_sync_to_async(rolled_back)()
        seqs = [await database_sync_to_async(_append)(live_incident, "test.step", index=i) for i in range(5)]
        received = [await communicator.receive_json_from(timeout=TIMEOUT) for _ in seqs]
        assert [message["event"]["seq"] for message in received] == seqs
        assert [message["event"]["payload"]["index"] for message in received] == list(range(5))
        assert {message["event"]["type"] for message in received} == {"test.step"}
        assert await communicator.receive_nothing(timeout=0.3)
        await communicator.send_json_to({"type": "ping"})
        assert await communicator.receive_json_from(timeout=TIMEOUT) == {"type": "pong"}
        await communicator.disconnect()

    _run(scenario)


def test_revoking_access_closes_the_stream(live_incident: Incident, viewer: Any, team: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(consumers, "RECHECK_SECONDS", 0.0)
    session = _session(viewer)

    def revoke() -> None:
        viewer.groups.remove(team.viewers)

    async def scenario() -> None:
        communicator = _communicator(live_incident, session)
        assert (await communicator.connect(timeout=TIMEOUT))[0]
        await communicator.receive_json_from(timeout=TIMEOUT)
        await database_sync_to_async(_append)(live_incident, "test.before")
        assert (await communicator.receive_json_from(timeout=TIMEOUT))["event"]["type"] == "test.before"
        await database_sync_to_async(revoke)()
        await database_sync_to_async(_append)(live_incident, "test.after")
        assert await communicator.receive_json_from(timeout=TIMEOUT) == {"type": "revoked"}
        closed = await communicator.receive_output(timeout=TIMEOUT)
        assert closed == {"type": "websocket.close", "code": consumers.CLOSE_FORBIDDEN}

    _run(scenario)


def test_a_deactivated_person_loses_the_stream(live_incident: Incident, viewer: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(consumers, "RECHECK_SECONDS", 0.0)
    session = _session(viewer)

    def deactivate() -> None:
        type(viewer).objects.filter(pk=viewer.pk).update(is_active=False)

    async def scenario() -> None:
        communicator = _communicator(live_incident, session)
        assert (await communicator.connect(timeout=TIMEOUT))[0]
        await communicator.receive_json_from(timeout=TIMEOUT)
        await database_sync_to_async(deactivate)()
        await database_sync_to_async(_append)(live_incident, "test.after")
        assert await communicator.receive_json_from(timeout=TIMEOUT) == {"type": "revoked"}

    _run(scenario)
