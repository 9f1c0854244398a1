"""The admin shows the audit log and offers no way to add, change or delete an event."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.audit.helpers import append_events
from trajectories.models import AuditEvent


@pytest.fixture
def admin_client_for(superuser: Any) -> Client:
    client = Client()
    client.force_login(superuser)
    return client


@pytest.mark.django_db
def test_admin_lists_and_shows_events_read_only(admin_client_for: Client) -> None:
    event = append_events(1, verb="test.admin")[0]

    listed = admin_client_for.get(reverse("admin:trajectories_auditevent_changelist"))
    shown = admin_client_for.get(reverse("admin:trajectories_auditevent_change", args=[event.seq]))

    assert listed.status_code == 200
    assert "test.admin" in listed.content.decode()
    assert shown.status_code == 200
    assert 'name="_save"' not in shown.content.decode()
    assert "delete_selected" not in listed.content.decode()


@pytest.mark.django_db
def test_admin_refuses_add_change_and_delete(admin_client_for: Client) -> None:
    event = append_events(1)[0]
    before = list(AuditEvent.objects.values_list("seq", "verb", "hash"))

    added = admin_client_for.post(reverse("admin:trajectories_auditevent_add"), {"verb": "forged"})
    changed = admin_client_for.post(
        reverse("admin:trajectories_auditevent_change", args=[event.seq]), {"verb": "forged"}
    )
    deleted = admin_client_for.post(reverse("admin:trajectories_auditevent_delete", args=[event.seq]), {"post": "yes"})

    assert (added.status_code, changed.status_code, deleted.status_code) == (403, 403, 403)
    assert list(AuditEvent.objects.values_list("seq", "verb", "hash")) == before
