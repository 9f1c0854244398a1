"""``manage.py aoi_demo``: what it seeds, that a second run changes nothing, that production refuses it."""

from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from guardian.models import GroupObjectPermission

from aoi_platform.errors import DomainError
from incidents.models import ActionRequest, AlertIntegration, Incident, IncidentEvent, IncidentStatus, Team
from incidents.services.actions import action_approve, actions_expire_due
from incidents.services.demo import demo_seed
from incidents.services.integrations import alert_integration_for_token
from trajectories.models import AuditEvent

SEEDED_MODELS = (User, Group, Team, Incident, IncidentEvent, ActionRequest, AlertIntegration, AuditEvent)


def seed() -> str:
    out = StringIO()
    call_command("aoi_demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    counts = {model.__name__: model.objects.count() for model in SEEDED_MODELS}
    counts["GroupObjectPermission"] = GroupObjectPermission.objects.count()
    counts["memberships"] = User.groups.through.objects.count()
    return counts


def members(group: Group) -> set[str]:
    return set(group.user_set.values_list("username", flat=True))


@pytest.mark.django_db
def test_aoi_demo_seeds_the_team_with_a_person_in_each_role() -> None:
    seed()

    team = Team.objects.get(slug="platform-sre")
    assert team.name == "Platform SRE"
    assert members(team.viewers) == {"viewer"}
    assert members(team.responders) == {"responder"}
    assert members(team.approvers) == {"approver", "approver2"}
    admin = User.objects.get(username="admin")
    assert (admin.is_superuser, admin.is_staff) == (True, True)
    assert admin.groups.filter(name="auditors").exists()
    assert not User.objects.exclude(username="admin").filter(is_superuser=True).exists()
    for username in ("viewer", "responder", "approver", "approver2", "admin"):
        assert User.objects.get(username=username).check_password("aoi-demo")


@pytest.mark.django_db
def test_aoi_demo_seeds_the_alertmanager_integration_with_the_demo_token() -> None:
    seed()

    integration = alert_integration_for_token("aoi-demo-alert-token")
    assert integration is not None
    assert integration.team.slug == "platform-sre"
    assert AlertIntegration.objects.count() == 1


@pytest.mark.django_db
def test_aoi_demo_seeds_incidents_on_the_aiopslab_apps_in_several_statuses() -> None:
    seed()

    incidents = Incident.objects.filter(team__slug="platform-sre", source="demo")
    assert incidents.count() == 5
    assert sorted(incidents.values_list("status", flat=True)) == sorted(
        ["awaiting_approval", "investigating", "open", "resolved", "closed"]
    )
    assert set(incidents.values_list("namespace", flat=True)) == {
        "test-hotel-reservation",
        "test-social-network",
        "astronomy-shop",
    }
    assert all(fingerprint.startswith("demo-") for fingerprint in incidents.values_list("fingerprint", flat=True))
    assert incidents.filter(status__in=["resolved", "closed"], labelled_by__username="approver").count() == 2


@pytest.mark.django_db
def test_aoi_demo_leaves_one_action_for_approver_to_approve() -> None:
    seed()

    pending = ActionRequest.objects.get()
    assert pending.status == "pending"
    assert pending.requester_user is not None
    assert pending.requester_user.username == "responder"
    assert pending.incident.status == IncidentStatus.AWAITING_APPROVAL

    approved = action_approve(
        action=pending, user=User.objects.get(username="approver"), action_hash=pending.action_hash
    )

    assert approved.status == "approved"


@pytest.mark.django_db
def test_aoi_demo_run_twice_changes_nothing() -> None:
    seed()
    before = row_counts()

    output = seed()

    assert row_counts() == before
    assert "nothing changed" in output


@pytest.mark.django_db
def test_aoi_demo_asks_again_for_an_action_that_expired() -> None:
    seed()
    ActionRequest.objects.update(expires_at=timezone.now())
    assert actions_expire_due() == 1

    seed()

    assert list(ActionRequest.objects.order_by("created_at").values_list("status", flat=True)) == ["expired", "pending"]


@pytest.mark.django_db
def test_aoi_demo_takes_password_and_token_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AOI_DEMO_PASSWORD", "another demo password")
    monkeypatch.setenv("AOI_DEMO_ALERT_TOKEN", "another-demo-token")

    seed()

    assert User.objects.get(username="approver").check_password("another demo password")
    assert alert_integration_for_token("another-demo-token") is not None
    assert alert_integration_for_token("aoi-demo-alert-token") is None


@pytest.mark.django_db
def test_aoi_demo_is_refused_in_production(settings: Any) -> None:
    settings.AOI_PRODUCTION = True
    before = row_counts()

    with pytest.raises(CommandError, match="production"):
        seed()

    assert row_counts() == before
    assert not Team.objects.filter(slug="platform-sre").exists()


@pytest.mark.django_db
def test_demo_seed_service_is_refused_in_production(settings: Any) -> None:
    settings.AOI_PRODUCTION = True

    with pytest.raises(DomainError) as refused:
        demo_seed(password="aoi-demo", alert_token="aoi-demo-alert-token")

    assert refused.value.code == "production"
    assert User.objects.count() == 0
