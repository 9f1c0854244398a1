"""Permission changes are audited whichever way they are made, and attributed to who made them."""

from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from incidents.models import Team
from tests.factories import UserFactory
from trajectories.audit.services import Actor, acting_as
from trajectories.models import AuditEvent


def _events(verb: str) -> list[tuple[str, dict[str, Any]]]:
    return [(e.actor_label, e.payload) for e in AuditEvent.objects.filter(verb=verb).order_by("seq")]


@pytest.mark.django_db
def test_membership_reads_the_same_from_either_side(team: Team, nobody: Any) -> None:
    team.viewers.user_set.add(nobody)
    nobody.groups.remove(team.viewers)

    assert _events("membership.added")[-1][1] == {"user": "nobody", "groups": ["sre:viewers"]}
    assert _events("membership.removed")[-1][1] == {"user": "nobody", "groups": ["sre:viewers"]}


@pytest.mark.django_db
def test_clearing_records_what_was_removed(team: Team, nobody: Any) -> None:
    nobody.groups.add(team.viewers, team.approvers)

    nobody.groups.clear()

    assert _events("membership.removed")[-1][1] == {"user": "nobody", "groups": ["sre:approvers", "sre:viewers"]}


@pytest.mark.django_db
def test_a_model_permission_given_from_the_permission_side_names_the_holder() -> None:
    group = Group.objects.create(name="oncall")
    permission = Permission.objects.get(codename="view_auditevent")

    permission.group_set.add(group)

    assert _events("model_permission.added")[-1][1] == {
        "holder": "oncall",
        "holder_type": "group",
        "permissions": ["trajectories.view_auditevent"],
    }


@pytest.mark.django_db
def test_changes_are_attributed_to_the_actor_in_charge(team: Team, nobody: Any) -> None:
    with acting_as(Actor.policy("onboarding")):
        nobody.groups.add(team.viewers)
    nobody.groups.remove(team.viewers)

    assert [label for label, _ in _events("membership.added")][-1] == "onboarding"
    assert [label for label, _ in _events("membership.removed")][-1] == "permissions"


@pytest.mark.django_db
def test_a_change_in_the_admin_is_attributed_to_the_signed_in_person(team: Team, nobody: Any) -> None:
    admin = UserFactory(username="boss", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    form = client.get(f"/admin/auth/user/{nobody.pk}/change/").context["adminform"].form
    data = {
        k: v for k, v in form.initial.items() if v is not None and k not in ("password", "last_login", "date_joined")
    }
    data.update(groups=[team.approvers.pk], user_permissions=[], date_joined_0="2026-01-01", date_joined_1="00:00:00")

    response = client.post(f"/admin/auth/user/{nobody.pk}/change/", data)

    assert response.status_code == 302, response.content[:2000]
    label, payload = _events("membership.added")[-1]
    assert (label, payload) == ("boss", {"user": "nobody", "groups": ["sre:approvers"]})
