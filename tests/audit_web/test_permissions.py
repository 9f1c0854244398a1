"""Who may open the audit page and press Verify chain: auditors (and superusers, who hold every
permission), as for ``GET /api/v1/audit/``; the export link only for holders of the export permission."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import SignedIn
from trajectories.audit.web import VERDICT_SESSION_KEY
from trajectories.models import AuditEvent

PAGE, VERIFY, EXPORT = reverse("audit-page"), reverse("audit-verify"), reverse("audit-export")

# (who, page status, sees the export link, verify status)
MATRIX = [
    ("nobody", 403, False, 403),
    ("viewer", 403, False, 403),
    ("responder", 403, False, 403),
    ("approver", 403, False, 403),
    ("outsider", 403, False, 403),
    ("list_only_auditor", 200, False, 302),
    ("auditor", 200, True, 302),
    ("superuser", 200, True, 302),
]


@pytest.fixture
def everyone(request: pytest.FixtureRequest) -> None:
    request.getfixturevalue("team")
    request.getfixturevalue("other_team")


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "status", "sees_export"), [row[:3] for row in MATRIX])
def test_page_permission_matrix(
    who: str, status: int, sees_export: bool, everyone: None, signed_in: SignedIn, request: pytest.FixtureRequest
) -> None:
    client = signed_in(request.getfixturevalue(who))

    response = client.get(PAGE)

    assert response.status_code == status
    page = response.content.decode()
    assert (f'href="{EXPORT}"' in page) is sees_export
    assert ("Verify chain" in page) is (status == 200)


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "status"), [(row[0], row[3]) for row in MATRIX])
def test_verify_permission_matrix(
    who: str, status: int, everyone: None, signed_in: SignedIn, request: pytest.FixtureRequest
) -> None:
    client = signed_in(request.getfixturevalue(who))
    events_before = AuditEvent.objects.count()

    response = client.post(VERIFY)

    assert response.status_code == status
    assert (VERDICT_SESSION_KEY in client.session) is (status == 302)
    # Like ``manage.py verify_audit``, verifying writes nothing to the log.
    assert AuditEvent.objects.count() == events_before


@pytest.mark.django_db
@pytest.mark.parametrize("path", [PAGE, f"{PAGE}?verb=x&before=5"])
def test_anonymous_is_sent_to_sign_in(path: str) -> None:
    response = Client().get(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_anonymous_post_to_verify_is_sent_to_sign_in() -> None:
    response = Client().post(VERIFY)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
@pytest.mark.parametrize("who", [None, "viewer", "auditor"])
def test_verify_is_post_only(who: str | None, signed_in: SignedIn, request: pytest.FixtureRequest) -> None:
    client = signed_in(request.getfixturevalue(who) if who else None)

    response = client.get(VERIFY)

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert VERDICT_SESSION_KEY not in client.session


@pytest.mark.django_db
def test_verify_without_csrf_token_is_refused(auditor: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(auditor)

    response = client.post(VERIFY)

    assert response.status_code == 403
    assert VERDICT_SESSION_KEY not in client.session


@pytest.mark.django_db
def test_verify_with_the_pages_csrf_token_goes_through(auditor: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(auditor)
    client.get(PAGE)  # the page's form sets the cookie

    response = client.post(VERIFY, {"csrfmiddlewaretoken": client.cookies["csrftoken"].value})

    assert response.status_code == 302
    assert response["Location"] == PAGE
