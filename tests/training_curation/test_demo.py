"""The demo seed's curators: ``curator`` and ``curator2`` in the "curators" group, able to curate and nothing
more, and a second seed changes nothing."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command

from incidents.services.demo import demo_seed
from training.roles import CURATORS_GROUP, user_may_curate, user_may_read_proposals
from trajectories.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_two_curators() -> None:
    out = StringIO()
    call_command("aoi_demo", stdout=out)

    group = Group.objects.get(name=CURATORS_GROUP)
    assert set(group.user_set.values_list("username", flat=True)) == {"curator", "curator2"}
    assert sorted(f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()) == [
        "training.curate_guidanceproposal",
        "training.view_guidanceproposal",
        "trajectories.view_trajectory",
    ]
    for username in ("curator", "curator2"):
        user = User.objects.get(username=username)
        assert user.check_password("aoi-demo")
        assert (user.is_superuser, user.is_staff) == (False, False)
        assert user_may_curate(user=user)
        assert user_may_read_proposals(user=user)
        assert not user.has_perm("incidents.approve_action")
    assert not user_may_curate(user=User.objects.get(username="viewer"))
    assert "curator" in out.getvalue()
    assert AuditEvent.objects.filter(verb="membership.added", payload__groups=[CURATORS_GROUP]).count() == 2


def test_a_second_seed_changes_nothing_for_the_curators() -> None:
    demo_seed(password="aoi-demo", alert_token="aoi-demo-alert-token")
    events = AuditEvent.objects.count()
    memberships = User.groups.through.objects.count()

    again = demo_seed(password="aoi-demo", alert_token="aoi-demo-alert-token")

    assert again.created == ()
    assert AuditEvent.objects.count() == events
    assert User.groups.through.objects.count() == memberships
    assert {"curator", "curator2"} <= set(again.usernames)


def test_the_seed_puts_a_curator_back_in_the_group() -> None:
    demo_seed(password="aoi-demo", alert_token="aoi-demo-alert-token")
    User.objects.get(username="curator2").groups.clear()

    again = demo_seed(password="aoi-demo", alert_token="aoi-demo-alert-token")

    assert again.created == (f"curator2 in {CURATORS_GROUP}",)
    assert user_may_curate(user=User.objects.get(username="curator2"))
