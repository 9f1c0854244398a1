"""Factories for the test suite. Teams and incidents go through their services, so the groups,
object permissions and audit events a real team or incident has are there in tests too."""

from typing import Any

import factory
from django.contrib.auth import get_user_model

from incidents.models import ActionRequest, Incident, Team
from incidents.services.actions import action_request
from incidents.services.incidents import incident_create
from incidents.services.teams import team_add_member, team_create
from trajectories.audit.services import Actor

User = get_user_model()
PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            self.save()


def make_team(slug: str = "sre", **members: list[Any]) -> Team:
    """A team; ``members`` maps a role (viewers, responders, approvers) to users."""
    team = team_create(name=slug.upper(), slug=slug, actor=Actor.system("tests"))
    for role, users in members.items():
        for user in users:
            team_add_member(team=team, user=user, role=role)
    return team


def make_incident(team: Team, **fields: Any) -> Incident:
    fields.setdefault("title", "checkout latency above SLO")
    return incident_create(team=team, actor=Actor.system("tests"), **fields)


def make_command(name: str = "checkout", replicas: int = 3, namespace: str = "shop") -> dict[str, Any]:
    return {
        "verb": "scale",
        "target": {"kind": "Deployment", "name": name},
        "namespace": namespace,
        "args": {"replicas": replicas},
    }


def make_action(
    incident: Incident, requester: Any = None, *, risk_class: str = "medium", agent: str = "", **fields: Any
) -> ActionRequest:
    return action_request(
        incident=incident,
        command=fields.pop("command", make_command()),
        risk_class=risk_class,
        rationale=fields.pop("rationale", "checkout pods are saturated; scale out"),
        requester_user=requester,
        requester_agent=agent,
        **fields,
    )
