"""The demo data set ``make run`` seeds: one team with a person in each role, an Alertmanager
integration with a known token, and incidents on the AIOpsLab applications in several statuses,
one of them waiting for an approval.

Idempotent: everything is looked up by a natural key (the team's slug, usernames, the
integration's name, each demo incident's fixed fingerprint with source ``demo``) before it is
created, so a second run with the same password and token writes nothing, audit log included.
Known passwords and tokens have no place in production: the seed refuses to run there."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from aoi_platform.errors import DomainError
from incidents.models import (
    ActionRequest,
    ActionStatus,
    AlertIntegration,
    Incident,
    IncidentSource,
    IncidentStatus,
    RiskClass,
    Severity,
    SystemLevel,
    Team,
)
from incidents.services.actions import action_request
from incidents.services.incidents import incident_create, incident_label, incident_transition
from incidents.services.integrations import alert_integration_create, token_digest
from incidents.services.teams import team_add_member, team_create
from training.roles import CURATORS_GROUP, curator_add
from trajectories.audit.services import AUDITORS_GROUP, Actor, acting_as, audit_append, auditor_add

# Well-known on purpose (printed by `make run`); never used in production, where the seed is refused.
DEFAULT_PASSWORD = "aoi-demo"  # noqa: S105
DEFAULT_ALERT_TOKEN = "aoi-demo-alert-token"  # noqa: S105
TEAM_SLUG = "platform-sre"
TEAM_NAME = "Platform SRE"
INTEGRATION_NAME = "alertmanager-demo"
SEED_ACTOR = Actor.system("demo seed")


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str | None  # a team role group, or None (the superuser, the curators)
    superuser: bool = False
    curator: bool = False  # in the "curators" group: curates the Evolver's guidance proposals


DEMO_USERS = (
    DemoUser("viewer", "viewers"),
    DemoUser("approver", "approvers"),
    DemoUser("approver2", "approvers"),
    DemoUser("responder", "responders"),
    DemoUser("admin", None, superuser=True),  # also an auditor
    DemoUser("curator", None, curator=True),
    DemoUser("curator2", None, curator=True),  # a second curator: claims keep the two from colliding
)


@dataclass(frozen=True)
class DemoIncident:
    """One demo incident, modelled on an AIOpsLab fault. ``walk`` is the status path taken after
    creation; ``label`` the post-incident (component, system level, fault type); ``command`` a
    write the responder requests, which leaves the incident awaiting approval."""

    fingerprint: str
    title: str
    description: str
    severity: str
    application: str
    namespace: str
    service: str
    alertname: str
    started_minutes_ago: int
    walk: tuple[str, ...] = ()
    problem: str = ""  # the simulated problem that reproduces it (label aoi_problem: agents run on it)
    label: tuple[str, str, str] | None = None
    command: dict[str, Any] | None = None
    rationale: str = ""
    expected_effect: str = ""
    verification_check: str = ""


S = IncidentStatus
DEMO_INCIDENTS = (
    DemoIncident(
        fingerprint="demo-social-network-user-service-scaled-to-zero",
        title="compose-post failing: user-service has no available replicas",
        description="nginx-thrift returns 500 on /wrk2-api/post/compose; callers log connection failures to "
        "user-service. `kubectl get deploy user-service` shows 0/0 and its endpoints are empty.",
        severity=Severity.CRITICAL,
        application="SocialNetwork",
        namespace="test-social-network",
        service="user-service",
        alertname="ComposePostErrorRate",
        started_minutes_ago=12,
        problem="scale_pod_zero_social_net-mitigation-1",
        command={
            "verb": "scale",
            "target": {"kind": "Deployment", "name": "user-service"},
            "namespace": "test-social-network",
            "args": {"replicas": 1},
        },
        rationale="user-service was scaled to 0 replicas and compose-post depends on it: scale it back to 1.",
        expected_effect="one user-service pod Ready; compose-post succeeds again",
        verification_check="kubectl -n test-social-network get endpoints user-service lists one address",
    ),
    DemoIncident(
        fingerprint="demo-hotel-reservation-geo-not-authorized",
        title="geo crash-looping: not authorized on geo-db",
        description="geo restarts every few seconds; its log reads the database URL, connects to mongodb-geo, "
        "then dies with 'not authorized on geo-db to execute command'. Search requests fail at the frontend.",
        severity=Severity.HIGH,
        application="HotelReservation",
        namespace="test-hotel-reservation",
        service="geo",
        alertname="KubePodCrashLooping",
        started_minutes_ago=25,
        problem="revoke_auth_mongodb-mitigation-1",
        walk=(S.INVESTIGATING,),
    ),
    DemoIncident(
        fingerprint="demo-astronomy-shop-checkout-payment-unreachable",
        title="checkout error rate above 5%: payment calls failing",
        description="checkout's PlaceOrder spans end in errors when it calls payment; payment's own pods look "
        "healthy and receive no traffic.",
        severity=Severity.WARNING,
        application="AstronomyShop",
        namespace="astronomy-shop",
        service="checkout",
        alertname="CheckoutErrorRateHigh",
        started_minutes_ago=6,
        problem="astronomy_shop_payment_service_unreachable-localization-1",
    ),
    DemoIncident(
        fingerprint="demo-social-network-text-service-target-port",
        title="compose-post 500s: connection failures to text-service",
        description="All text-service pods are Running with no restarts, yet compose-service cannot reach it. "
        "`kubectl get endpoints text-service` shows port 9999 against containerPort 9090.",
        severity=Severity.HIGH,
        application="SocialNetwork",
        namespace="test-social-network",
        service="text-service",
        alertname="ComposePostErrorRate",
        started_minutes_ago=180,
        problem="k8s_target_port-misconfig-mitigation-2",
        walk=(S.INVESTIGATING, S.RESOLVED),
        label=("text-service", SystemLevel.VIRTUALIZATION, "Misconfiguration"),
    ),
    DemoIncident(
        fingerprint="demo-hotel-reservation-user-network-delay",
        title="frontend login and reserve calls take ~10 s",
        description="Calls from frontend to user time out or take about 10 s; the user pod looks healthy. A "
        "network-delay chaos experiment was found in the namespace and removed.",
        severity=Severity.WARNING,
        application="HotelReservation",
        namespace="test-hotel-reservation",
        service="user",
        alertname="FrontendLatencyHigh",
        started_minutes_ago=26 * 60,
        problem="network_delay_hotel_res-localization-1",
        walk=(S.INVESTIGATING, S.RESOLVED, S.CLOSED),
        label=("user", SystemLevel.VIRTUALIZATION, "Network/Storage Issue"),
    ),
)


@dataclass(frozen=True)
class DemoSummary:
    """What the seed left in place, and what this run had to create (empty on a repeat run)."""

    team: str
    usernames: tuple[str, ...]
    integration: str
    incidents: int
    pending_action: UUID | None
    created: tuple[str, ...]


def _seed_team() -> tuple[Team, bool]:
    team = Team.objects.filter(slug=TEAM_SLUG).first()
    if team is not None:
        return team, False
    return team_create(name=TEAM_NAME, slug=TEAM_SLUG, actor=SEED_ACTOR), True


def _seed_user(spec: DemoUser, team: Team, password: str) -> tuple[User, list[str]]:
    """Create the user if missing; fix the password, flags and membership only where they differ
    (an unconditional ``groups.add`` would still emit an audited membership event)."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=spec.username, defaults={"email": f"{spec.username}@example.com"}
    )
    done = [f"user {spec.username}"] if created else []
    if created or not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
        if not created:
            done.append(f"password of {spec.username}")
    if spec.superuser and not (user.is_superuser and user.is_staff):
        user.is_superuser = user.is_staff = True
        user.save(update_fields=["is_superuser", "is_staff"])
        done.append(f"superuser {spec.username}")
    if spec.role is not None and not user.groups.filter(pk=getattr(team, spec.role).pk).exists():
        team_add_member(team=team, user=user, role=spec.role)
        done.append(f"{spec.username} in {team.slug}:{spec.role}")
    return user, done


def _seed_auditor(user: User) -> list[str]:
    if user.groups.filter(name=AUDITORS_GROUP).exists():
        return []
    auditor_add(user=user)
    return [f"{user.username} in {AUDITORS_GROUP}"]


def _seed_curator(user: User) -> list[str]:
    if user.groups.filter(name=CURATORS_GROUP).exists():
        return []
    curator_add(user=user)
    return [f"{user.username} in {CURATORS_GROUP}"]


def _seed_integration(team: Team, token: str) -> list[str]:
    integration = AlertIntegration.objects.filter(team=team, name=INTEGRATION_NAME).first()
    if integration is None:
        alert_integration_create(team=team, name=INTEGRATION_NAME, actor=SEED_ACTOR, token=token)
        return [f"alert integration {INTEGRATION_NAME}"]
    if integration.token_digest == token_digest(token) and integration.is_active:
        return []
    integration.token_digest, integration.token_prefix, integration.is_active = token_digest(token), token[:8], True
    integration.save(update_fields=["token_digest", "token_prefix", "is_active"])
    audit_append(
        actor=SEED_ACTOR,
        verb="alert_integration.token_replaced",
        object_type="alert_integration",
        object_id=integration.pk,
        payload={"team": team.slug, "name": INTEGRATION_NAME, "token_prefix": token[:8]},
    )
    return [f"token of alert integration {INTEGRATION_NAME}"]


def _incident_fields(spec: DemoIncident) -> dict[str, Any]:
    return {
        "title": spec.title,
        "description": spec.description,
        "severity": spec.severity,
        "source": IncidentSource.DEMO,
        "fingerprint": spec.fingerprint,
        "application": spec.application,
        "namespace": spec.namespace,
        "labels": {
            "alertname": spec.alertname,
            "namespace": spec.namespace,
            "service": spec.service,
            "severity": spec.severity,
            **({"aoi_problem": spec.problem} if spec.problem else {}),
        },
        "annotations": {"summary": spec.title, "description": spec.description},
        "starts_at": timezone.now() - timedelta(minutes=spec.started_minutes_ago),
    }


def _seed_incident(spec: DemoIncident, team: Team, people: dict[str, User]) -> tuple[Incident, bool]:
    """Create the incident and walk it to its status. An existing one (any status, closed too) is
    left as the people using the demo made it."""
    existing = Incident.objects.filter(team=team, source=IncidentSource.DEMO, fingerprint=spec.fingerprint).first()
    if existing is not None:
        return existing, False
    incident = incident_create(team=team, actor=SEED_ACTOR, **_incident_fields(spec))
    responder = Actor.of_user(people["responder"])
    for status in spec.walk:
        incident = incident_transition(incident=incident, to_status=status, actor=responder, reason="demo history")
    if spec.label is not None:
        component, level, fault_type = spec.label
        incident = incident_label(
            incident=incident,
            user=people["approver"],
            rca_component=component,
            rca_system_level=level,
            rca_fault_type=fault_type,
        )
    return incident, True


def _seed_action(spec: DemoIncident, incident: Incident, responder: User) -> tuple[ActionRequest | None, list[str]]:
    """Keep one live request for the demo incident's write. A request that expired while nobody
    looked is asked again (the demo stays approvable); a decided one is left alone."""
    if spec.command is None:
        return None, []
    pending = incident.actions.filter(status=ActionStatus.PENDING).first()
    if pending is not None:
        return pending, []
    if incident.actions.exclude(status=ActionStatus.EXPIRED).exists() or incident.status in (S.RESOLVED, S.CLOSED):
        return None, []
    action = action_request(
        incident=incident,
        command=spec.command,
        risk_class=RiskClass.MEDIUM,
        rationale=spec.rationale,
        requester_user=responder,
        expected_effect=spec.expected_effect,
        verification_check=spec.verification_check,
    )
    return action, [f"pending action on {spec.fingerprint}"]


def _seed_incidents(team: Team, people: dict[str, User]) -> tuple[ActionRequest | None, list[str]]:
    pending: ActionRequest | None = None
    created: list[str] = []
    for spec in DEMO_INCIDENTS:
        incident, is_new = _seed_incident(spec, team, people)
        action, action_done = _seed_action(spec, incident, people["responder"])
        pending = pending or action
        if is_new:
            incident.refresh_from_db(fields=["status"])
            created.append(f"incident {spec.fingerprint} ({incident.status})")
        created += action_done
    return pending, created


@transaction.atomic
def demo_seed(*, password: str, alert_token: str) -> DemoSummary:
    """Seed (or complete) the demo data set. Idempotent for a given password and token; refused
    when ``settings.AOI_PRODUCTION`` is true. Runs in one transaction: all or nothing."""
    if settings.AOI_PRODUCTION:
        raise DomainError("The demo seeds known passwords and tokens; it never runs in production.", code="production")
    if not password or not alert_token:
        raise DomainError("The demo needs a password and an alert token.", code="demo_secrets_required")
    with acting_as(SEED_ACTOR):  # memberships and grants are audited by signal: name the seed
        team, team_created = _seed_team()
        created = [f"team {TEAM_SLUG}"] if team_created else []
        people: dict[str, User] = {}
        for spec in DEMO_USERS:
            people[spec.username], done = _seed_user(spec, team, password)
            created += done
            if spec.curator:
                created += _seed_curator(people[spec.username])
        created += _seed_auditor(people["admin"])
        created += _seed_integration(team, alert_token)
        pending, incidents_created = _seed_incidents(team, people)
    return DemoSummary(
        team=team.slug,
        usernames=tuple(spec.username for spec in DEMO_USERS),
        integration=INTEGRATION_NAME,
        incidents=Incident.objects.filter(team=team, source=IncidentSource.DEMO).count(),
        pending_action=pending.uuid if pending is not None else None,
        created=tuple(created + incidents_created),
    )
