"""The audit page: the API's filters, newest first, keyset pages of 100, everything escaped, a
query count that does not grow with the page, and nothing inline that the CSP would block."""

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.audit.helpers import append_events
from trajectories.audit.services import Actor, audit_append
from trajectories.models import AuditEvent

PAGE = reverse("audit-page")
ROW_SEQ = re.compile(r'<tr data-seq="(\d+)">')


@pytest.fixture
def client(auditor: Any) -> Client:
    client = Client()
    client.force_login(auditor)
    return client


def _seqs(page: str) -> list[int]:
    return [int(seq) for seq in ROW_SEQ.findall(page)]


def _get(client: Client, url: str = PAGE, **params: Any) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def _link(page: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" id="page-{rel}"', page)
    return found.group(1).replace("&amp;", "&") if found else None


def _newest_first(**filters: Any) -> list[int]:
    return list(AuditEvent.objects.filter(**filters).order_by("-seq").values_list("seq", flat=True))


def _append_at(monkeypatch: pytest.MonkeyPatch, when: datetime, verb: str) -> AuditEvent:
    with monkeypatch.context() as patch:
        patch.setattr(timezone, "now", lambda: when)
        return audit_append(actor=Actor.system("tests"), verb=verb, object_type="probe")


@pytest.mark.django_db
def test_events_are_listed_newest_first_with_every_column(client: Client) -> None:
    append_events(3)
    newest = AuditEvent.objects.order_by("-seq").first()
    assert newest is not None

    page = _get(client)

    assert _seqs(page) == _newest_first()
    assert f'<code title="{newest.hash}">{newest.hash[:12]}</code>' in page
    assert "<pre>{\n  &quot;i&quot;: 2\n}</pre>" in page
    assert "<code>test.event</code>" in page
    assert "probe:2" in page


@pytest.mark.django_db
def test_filter_by_verb(client: Client) -> None:
    append_events(3, verb="probe.run")
    append_events(2, verb="probe.skip")

    page = _get(client, verb="probe.skip")

    assert _seqs(page) == _newest_first(verb="probe.skip")
    assert len(_seqs(page)) == 2


@pytest.mark.django_db
def test_filter_by_actor(client: Client) -> None:
    append_events(2)
    agent = audit_append(actor=Actor.agent("run-7"), verb="agent.step", object_type="probe")
    audit_append(actor=Actor.agent("run-8"), verb="agent.step", object_type="probe")

    page = _get(client, actor_type="agent", actor_id="run-7")

    assert _seqs(page) == [agent.seq]
    assert _seqs(_get(client, actor_type="agent")) == _newest_first(actor_type="agent")


@pytest.mark.django_db
def test_filter_by_object(client: Client) -> None:
    events = append_events(5, object_type="widget")

    page = _get(client, object_type="widget", object_id="3")

    assert _seqs(page) == [events[3].seq]


@pytest.mark.django_db
def test_filter_by_half_open_time_range(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    days = [datetime(2026, 1, day, 12, 0, tzinfo=UTC) for day in (1, 2, 3, 4)]
    events = [_append_at(monkeypatch, day, "probe.timed") for day in days]

    page = _get(client, created_after="2026-01-02T12:00:00Z", created_before="2026-01-04T12:00:00Z")

    assert _seqs(page) == [events[2].seq, events[1].seq]


@pytest.mark.django_db
def test_empty_fields_filter_nothing_as_in_the_api(client: Client) -> None:
    append_events(2)
    empty = dict.fromkeys(("actor_type", "actor_id", "verb", "object_type", "object_id", "created_after"), "")

    assert _seqs(_get(client, **empty)) == _newest_first()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params",
    [{"actor_type": "robot"}, {"created_after": "yesterday"}, {"before": "x"}, {"before": "5", "after": "2"}],
)
def test_invalid_filters_are_a_bad_request(client: Client, params: dict[str, str]) -> None:
    append_events(2)

    response = client.get(PAGE, params)

    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="filter-errors"' in page
    assert _seqs(page) == []


@pytest.mark.django_db
def test_keyset_pages_walk_the_whole_log_by_seq(client: Client) -> None:
    append_events(230)
    everything = _newest_first()
    assert len(everything) > 230

    first = _get(client)
    older_url = _link(first, "older")
    assert older_url is not None
    second = _get(client, older_url)
    older_url = _link(second, "older")
    assert older_url is not None
    third = _get(client, older_url)

    assert _seqs(first) == everything[:100]
    assert _link(first, "newer") is None
    assert older_url == f"{PAGE}?before={everything[199]}"
    assert _seqs(second) == everything[100:200]
    assert _seqs(third) == everything[200:]
    assert _link(third, "older") is None
    # And back: "newer" from the last page is the middle page again.
    newer_url = _link(third, "newer")
    assert newer_url == f"{PAGE}?after={everything[200]}"
    assert _seqs(_get(client, newer_url)) == everything[100:200]


@pytest.mark.django_db
def test_pages_keep_the_filters_and_use_no_offset(client: Client) -> None:
    append_events(150, verb="bulk.event")
    append_events(5, verb="other.event")
    bulk = _newest_first(verb="bulk.event")

    first = _get(client, verb="bulk.event")
    older_url = _link(first, "older")
    assert older_url == f"{PAGE}?verb=bulk.event&before={bulk[99]}"
    with CaptureQueriesContext(connection) as queries:
        second = _get(client, older_url)

    assert _seqs(second) == bulk[100:]
    assert not any("OFFSET" in query["sql"].upper() for query in queries.captured_queries)


@pytest.mark.django_db
def test_text_in_events_is_escaped(client: Client) -> None:
    audit_append(
        actor=Actor.agent("<b>run</b>", label="<script>alert('label')</script>"),
        verb="<img src=x onerror=alert(1)>",
        object_type="probe",
        object_id="<i>1</i>",
        payload={"note": "<script>alert(1)</script>", "</pre>": "</details><script>x()</script>"},
    )

    page = _get(client)

    assert "<script>alert" not in page
    assert "<script>x()" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;script&gt;alert(&#x27;label&#x27;)&lt;/script&gt;" in page
    assert "<img src=x" not in page
    assert "<b>run</b>" not in page
    assert "<i>1</i>" not in page


def _query_count(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        _get(client)
    return len(queries.captured_queries)


@pytest.mark.django_db
def test_query_count_does_not_grow_with_the_page(client: Client) -> None:
    append_events(3)
    small = _query_count(client)
    append_events(150)
    full = _query_count(client)

    assert len(_seqs(_get(client))) == 100
    # session, user, the user's and the groups' permissions, the events
    assert small == full == 5


@pytest.mark.django_db
def test_nothing_inline_that_the_csp_blocks(client: Client) -> None:
    append_events(2)

    page = _get(client)

    assert '<link rel="stylesheet" href="/static/audit/audit.css">' in page
    assert all('src="' in tag for tag in re.findall(r"<script\b[^>]*>", page))
    assert "<style" not in page
    assert not re.search(r"\sstyle\s*=", page)
    assert not re.search(r"\son[a-z]+\s*=", page)
    assert "javascript:" not in page
