"""The Verify chain button: the same verdict as ``manage.py verify_audit``, shown once on the page
it redirects to (intact: head seq and hash, events and checkpoints checked; broken: first bad seq)."""

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.audit.helpers import append_events, lifted_triggers, run_verify
from tests.audit_web.conftest import CHECKPOINT_KEY
from trajectories.audit.checkpoints import audit_checkpoint_write
from trajectories.models import AuditEvent

PAGE, VERIFY = reverse("audit-page"), reverse("audit-verify")


@pytest.fixture
def client(auditor: Any) -> Client:
    client = Client()
    client.force_login(auditor)
    return client


def _verify(client: Client, query: str = "") -> str:
    response = client.post(f"{VERIFY}{query}", follow=True)
    assert response.redirect_chain == [(f"{PAGE}{query}", 302)]
    assert response.status_code == 200
    return response.content.decode()


def _head() -> AuditEvent:
    head = AuditEvent.objects.order_by("-seq").first()
    assert head is not None
    return head


@pytest.mark.django_db
def test_an_intact_chain_shows_its_head(client: Client) -> None:
    append_events(12)
    head, total = _head(), AuditEvent.objects.count()

    page = _verify(client)

    assert 'data-ok="true"' in page
    assert f'<dd id="verdict-head-seq">{head.seq}</dd>' in page
    assert f'<code id="verdict-head-hash">{head.hash}</code>' in page
    assert f'<dd id="verdict-checked">{total}</dd>' in page
    assert '<dd id="verdict-checkpoints">none (no checkpoint file)</dd>' in page
    _, out, _ = run_verify()
    assert f'<p class="verdict-summary">{out.strip()}</p>' in page  # the command's own words


@pytest.mark.django_db
def test_signed_checkpoints_are_checked_too(client: Client, checkpoint_path: Path) -> None:
    append_events(3)
    audit_checkpoint_write(path=checkpoint_path, key=CHECKPOINT_KEY.encode())
    append_events(2)
    audit_checkpoint_write(path=checkpoint_path, key=CHECKPOINT_KEY.encode())

    page = _verify(client)

    assert 'data-ok="true"' in page
    assert '<dd id="verdict-checkpoints">2</dd>' in page
    assert "2 signed checkpoints verified" in page


@pytest.mark.django_db
def test_the_verdict_is_shown_once(client: Client) -> None:
    append_events(2)
    assert 'id="verdict"' in _verify(client)

    assert 'id="verdict"' not in client.get(PAGE).content.decode()


@pytest.mark.django_db
def test_an_edited_event_is_named_as_the_first_bad_seq(client: Client) -> None:
    events = append_events(10)
    with lifted_triggers():
        AuditEvent.objects.filter(seq=events[4].seq).update(payload={"i": 99})

    page = _verify(client)

    assert 'data-ok="false"' in page
    assert "Chain BROKEN" in page
    assert f'<dd id="verdict-first-bad-seq">{events[4].seq}</dd>' in page
    assert '<dd id="verdict-reason">hash does not match' in page
    assert f"first bad seq: {events[4].seq}" in run_verify()[2]


@pytest.mark.django_db
def test_a_cut_off_tail_is_found_through_the_checkpoints(client: Client, checkpoint_path: Path) -> None:
    events = append_events(6)
    audit_checkpoint_write(path=checkpoint_path, key=CHECKPOINT_KEY.encode())
    with lifted_triggers():
        AuditEvent.objects.filter(seq__gte=events[3].seq).delete()

    page = _verify(client)

    assert 'data-ok="false"' in page
    assert f'<dd id="verdict-first-bad-seq">{events[3].seq}</dd>' in page


@pytest.mark.django_db
def test_verifying_keeps_the_filters_of_the_page(client: Client) -> None:
    append_events(3, verb="kept.verb")

    page = _verify(client, "?verb=kept.verb")

    assert 'id="verdict"' in page
    assert 'value="kept.verb"' in page
