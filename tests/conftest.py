"""Shared fixtures: one team with a person in each role, a second team, a superuser, API clients.

The suite talks to the database of ``DATABASE_URL`` (PostgreSQL in CI) and, where a test needs
them, to Redis and real worker processes."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from incidents.models import Incident, Team
from tests.factories import UserFactory, make_incident, make_team


@pytest.fixture
def viewer(db: None) -> Any:
    return UserFactory(username="viewer")


@pytest.fixture
def responder(db: None) -> Any:
    return UserFactory(username="responder")


@pytest.fixture
def approver(db: None) -> Any:
    return UserFactory(username="approver")


@pytest.fixture
def approver2(db: None) -> Any:
    return UserFactory(username="approver2")


@pytest.fixture
def outsider(db: None) -> Any:
    """Approver of another team: holds every role, but on none of this team's incidents."""
    return UserFactory(username="outsider")


@pytest.fixture
def nobody(db: None) -> Any:
    """Signed in, member of no team."""
    return UserFactory(username="nobody")


@pytest.fixture
def superuser(db: None) -> Any:
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def team(viewer: Any, responder: Any, approver: Any, approver2: Any) -> Team:
    return make_team("sre", viewers=[viewer], responders=[responder], approvers=[approver, approver2])


@pytest.fixture
def other_team(outsider: Any) -> Team:
    return make_team("payments", approvers=[outsider])


@pytest.fixture
def incident(team: Team) -> Incident:
    return make_incident(team, application="checkout", namespace="shop", severity="high")


@pytest.fixture
def api() -> Callable[[Any], APIClient]:
    """``api(user)``: a client authenticated with the user's API token (``None``: anonymous)."""

    def client_for(user: Any) -> APIClient:
        client = APIClient()
        if user is not None:
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return client_for


@pytest.fixture
def auditor(db: None) -> Any:
    """A member of the "auditors" group (the audit log's permissions only)."""
    from trajectories.audit.services import auditor_add

    user = UserFactory(username="auditor")
    auditor_add(user=user)
    return user


SignedIn = Callable[[Any], Client]


@pytest.fixture
def signed_in() -> SignedIn:
    """``signed_in(user)``: a browser-like client with the user's session (``None``: anonymous)."""

    def client_for(user: Any) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return client_for
