"""The incidents list's live stream (``/ws/incidents/``) over the real ASGI application: which incidents'
changes reach whom, and membership read again while changes flow."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from aoi_platform.asgi import application
from incidents import consumers
from incidents.models import IncidentStatus, Team
from incidents.services.incidents import incident_transition
from tests.factories import make_incident
from tests.streaming.test_incident_stream import TIMEOUT, _run, _session
from trajectories.audit.services import Actor

pytestmark = pytest.mark.django_db(transaction=True)


def _listening(session: str | None) -> Any:
    headers = [(b"origin", b"http://localhost")]
    if session:
        headers.append((b"cookie", f"sessionid={session}".encode()))
    return WebsocketCommunicator(application, "/ws/incidents/", headers=headers)


@pytest.mark.parametrize(
    ("who", "hears_own", "hears_other"),
    [
        ("viewer", True, False),
        ("approver", True, False),
        ("outsider", False, True),
        ("superuser", True, True),
        ("nobody", False, False),
    ],
)
def test_each_person_hears_of_the_incidents_of_their_teams_only(
    team: Team, other_team: Team, who: str, hears_own: bool, hears_other: bool, request: pytest.FixtureRequest
) -> None:
    session = _session(request.getfixturevalue(who))

    async def scenario() -> None:
        communicator = _listening(session)
        assert (await communicator.connect(timeout=TIMEOUT))[0]
        assert await communicator.receive_json_from(timeout=TIMEOUT) == {"type": "hello"}
        own = await database_sync_to_async(make_incident)(team, title="ours")
        other = await database_sync_to_async(make_incident)(other_team, title="theirs")
        heard = []
        while not await communicator.receive_nothing(timeout=0.5):
            heard.append(await communicator.receive_json_from(timeout=TIMEOUT))
        expected = [
            {"type": "changed", "incident": str(incident.uuid), "event": "incident.created"}
            for incident, hears in ((own, hears_own), (other, hears_other))
            if hears
        ]
        assert heard == expected
        await communicator.disconnect()

    _run(scenario)


def test_anonymous_people_are_refused() -> None:
    async def scenario() -> None:
        connected, code = await _listening(None).connect(timeout=TIMEOUT)
        assert (connected, code) == (False, consumers.CLOSE_UNAUTHENTICATED)

    _run(scenario)


def test_a_status_change_is_heard_and_leaving_the_team_ends_it(
    team: Team, viewer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(consumers, "RECHECK_SECONDS", 0.0)
    incident = make_incident(team, title="ours")
    session = _session(viewer)

    def investigate() -> None:
        incident_transition(incident=incident, to_status=IncidentStatus.INVESTIGATING, actor=Actor.system("tests"))

    def leave() -> None:
        viewer.groups.remove(team.viewers)

    async def scenario() -> None:
        communicator = _listening(session)
        assert (await communicator.connect(timeout=TIMEOUT))[0]
        await communicator.receive_json_from(timeout=TIMEOUT)
        await database_sync_to_async(investigate)()
        assert await communicator.receive_json_from(timeout=TIMEOUT) == {
            "type": "changed",
            "incident": str(incident.uuid),
            "event": "incident.status_changed",
        }
        await database_sync_to_async(leave)()
        await database_sync_to_async(make_incident)(team, title="after leaving")
        assert await communicator.receive_nothing(timeout=0.5)
        await communicator.disconnect()

    _run(scenario)
