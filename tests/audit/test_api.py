"""``/api/v1/audit/`` and ``/api/v1/audit/export/``: auditors only, filtered, exported verifiably."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth.models import Group
from django.test import AsyncClient
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.audit.helpers import append_events
from trajectories.audit.chain import format_time
from trajectories.audit.services import AUDITORS_GROUP, Actor, audit_append, auditors_group_ensure
from trajectories.audit.verification import read_export, verify_export_file
from trajectories.models import AuditEvent

LIST, EXPORT = reverse("audit-list"), reverse("audit-export")
Api = Callable[[Any], APIClient]

MATRIX = [
    (None, 401, 401),
    ("nobody", 403, 403),
    ("viewer", 403, 403),
    ("approver", 403, 403),
    ("outsider", 403, 403),
    ("list_only_auditor", 200, 403),
    ("auditor", 200, 200),
    ("superuser", 200, 200),
]


def _streamed(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def _export(client: APIClient, **params: Any) -> bytes:
    response = client.get(EXPORT, params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson"
    return _streamed(response)


def _seqs(response: Any) -> list[int]:
    return [event["seq"] for event in response.json()["results"]]


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "list_status", "export_status"), MATRIX)
def test_permission_matrix(
    who: str | None, list_status: int, export_status: int, api: Api, request: pytest.FixtureRequest
) -> None:
    request.getfixturevalue("team")
    request.getfixturevalue("other_team")
    user = request.getfixturevalue(who) if who else None
    client = api(user)
    count = AuditEvent.objects.count()

    listed = client.get(LIST)
    exported = client.get(EXPORT)

    assert (listed.status_code, exported.status_code) == (list_status, export_status)
    if list_status == 200:
        assert listed.json()["count"] == count
    else:
        assert "results" not in listed.json()
    if export_status == 200:
        assert len(_streamed(exported).splitlines()) == count
    else:
        assert not exported.streaming
        assert "seq" not in exported.content.decode()
    assert AuditEvent.objects.count() == count


@pytest.mark.django_db
def test_bad_token_is_refused(api: Api) -> None:
    client = api(None)
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    assert client.get(LIST).status_code == 401


@pytest.mark.django_db
def test_unfiltered_export_verifies_offline(auditor: Any, incident: Any, api: Api, tmp_path: Path) -> None:
    path = tmp_path / "export.jsonl"
    path.write_bytes(_export(api(auditor)))

    verdict = verify_export_file(export_path=path, checkpoints_path=None, key=b"")

    assert verdict.ok
    assert verdict.head_seq == verdict.checked == AuditEvent.objects.count()
    assert [row["seq"] for row in read_export(path)] == list(range(1, verdict.head_seq + 1))


@pytest.mark.django_db
def test_export_streams_in_pages(auditor: Any, api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("trajectories.audit.api.EXPORT_PAGE_SIZE", 3)
    append_events(10)
    response: Any = api(auditor).get(EXPORT)

    chunks = list(response.streaming_content)

    total = AuditEvent.objects.count()
    assert [chunk.count(b"\n") for chunk in chunks] == [3] * (total // 3) + ([total % 3] if total % 3 else [])


@pytest.mark.django_db
def test_export_under_asgi_streams_asynchronously(auditor: Any, tmp_path: Path) -> None:
    append_events(5)
    token, _ = Token.objects.get_or_create(user=auditor)

    async def fetch() -> tuple[Any, bytes]:
        response: Any = await AsyncClient().get(EXPORT, headers={"Authorization": f"Token {token.key}"})
        return response, b"".join([chunk async for chunk in response.streaming_content])

    response, body = async_to_sync(fetch)()
    path = tmp_path / "export.jsonl"
    path.write_bytes(body)

    assert response.status_code == 200
    assert response.is_async
    assert verify_export_file(export_path=path, checkpoints_path=None, key=b"").ok


@pytest.mark.django_db
def test_filters_narrow_the_list_and_the_export(auditor: Any, api: Api) -> None:
    before = append_events(2, verb="test.before")
    run = Actor.agent("run-7")
    diagnosed = audit_append(actor=run, verb="incident.diagnosed", object_type="incident", object_id="inc-1")
    approved = audit_append(actor=run, verb="action.approved", object_type="action", object_id="act-1")
    later = audit_append(actor=Actor.system("x"), verb="incident.diagnosed", object_type="incident", object_id="inc-2")
    client = api(auditor)
    cases: list[tuple[dict[str, Any], list[int]]] = [
        ({"actor_type": "agent"}, [diagnosed.seq, approved.seq]),
        ({"actor_id": "run-7", "verb": "action.approved"}, [approved.seq]),
        ({"verb": "incident.diagnosed"}, [diagnosed.seq, later.seq]),
        ({"object_type": "incident", "object_id": "inc-2"}, [later.seq]),
        ({"since_seq": approved.seq}, [later.seq]),
        # Half-open range: the event at created_after is in, the one at created_before is out.
        (
            {"created_after": before[1].created_at, "created_before": approved.created_at},
            [before[1].seq, diagnosed.seq],
        ),
    ]

    for params, expected in cases:
        assert _seqs(client.get(LIST, params)) == expected, params
        assert [json.loads(line)["seq"] for line in _export(client, **params).splitlines()] == expected, params


@pytest.mark.django_db
def test_list_is_paginated_in_seq_order(auditor: Any, api: Api) -> None:
    append_events(5)
    total = AuditEvent.objects.count()

    page = api(auditor).get(LIST, {"limit": 2, "offset": 1}).json()

    assert page["count"] == total
    assert [event["seq"] for event in page["results"]] == [2, 3]
    assert page["next"] is not None
    assert page["previous"] is not None


@pytest.mark.django_db
def test_listed_event_carries_its_hashed_form(auditor: Any, api: Api) -> None:
    event = audit_append(actor=Actor.system("tests"), verb="test.shape", object_type="probe", payload={"a": [1, 2]})

    listed = api(auditor).get(LIST, {"verb": "test.shape"}).json()["results"]

    assert listed == [
        {
            "seq": event.seq,
            "created_at": format_time(event.created_at),
            "actor_type": "system",
            "actor_id": "",
            "actor_label": "tests",
            "verb": "test.shape",
            "object_type": "probe",
            "object_id": "",
            "payload": {"a": [1, 2]},
            "prev_hash": event.prev_hash,
            "hash": event.hash,
        }
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [
        {"since_seq": "abc"},
        {"since_seq": "-1"},
        {"created_after": "yesterday"},
        {"actor_type": "robot"},
        {"verb": "v" * 65},
    ],
)
def test_invalid_filters_are_rejected(params: dict[str, str], auditor: Any, api: Api) -> None:
    client = api(auditor)

    for url in (LIST, EXPORT):
        response = client.get(url, params)
        assert response.status_code == 400, url
        assert set(response.json()) == set(params)


@pytest.mark.django_db
def test_empty_filters_filter_nothing(auditor: Any, api: Api) -> None:
    append_events(3)
    params = {name: "" for name in ("actor_type", "actor_id", "verb", "object_type", "object_id", "since_seq")}

    listed = api(auditor).get(LIST, params)

    assert listed.status_code == 200
    assert listed.json()["count"] == AuditEvent.objects.count()


@pytest.mark.django_db
def test_export_can_be_asked_for_by_media_type(auditor: Any, api: Api) -> None:
    client = api(auditor)

    response = client.get(EXPORT, HTTP_ACCEPT="application/x-ndjson")

    assert response.status_code == 200
    assert _streamed(response).count(b"\n") == AuditEvent.objects.count()


@pytest.mark.django_db
def test_auditors_group_holds_view_and_export_and_is_idempotent(auditor: Any) -> None:
    events = AuditEvent.objects.count()

    group = auditors_group_ensure()

    assert Group.objects.filter(name=AUDITORS_GROUP).count() == 1
    assert set(group.permissions.values_list("codename", flat=True)) == {"view_auditevent", "export_auditevent"}
    assert AuditEvent.objects.count() == events  # nothing granted twice, nothing audited twice
    granted = AuditEvent.objects.filter(verb="model_permission.added", payload__holder=AUDITORS_GROUP)
    assert granted.count() == 1
    assert AuditEvent.objects.filter(verb="membership.added", payload__user="auditor").count() == 1
