"""Alertmanager integrations: per-team receivers authenticated by a bearer token."""

import hashlib
import secrets

from django.db import transaction

from incidents.models import AlertIntegration, Team
from trajectories.audit.services import Actor, audit_append


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def alert_integration_create(
    *, team: Team, name: str, actor: Actor, token: str | None = None
) -> tuple[AlertIntegration, str]:
    """Create a receiver for ``team``. Returns it and its token, which is shown this once: only its
    digest is stored. ``token`` may be given (the demo uses a known one); otherwise it is random."""
    token = token or f"aoi_{secrets.token_urlsafe(32)}"
    integration = AlertIntegration.objects.create(
        team=team, name=name, token_digest=token_digest(token), token_prefix=token[:8]
    )
    audit_append(
        actor=actor,
        verb="alert_integration.created",
        object_type="alert_integration",
        object_id=integration.pk,
        payload={"team": team.slug, "name": name, "token_prefix": integration.token_prefix},
    )
    return integration, token


def alert_integration_for_token(token: str) -> AlertIntegration | None:
    """The active integration this token belongs to, if any (compared by digest)."""
    if not token:
        return None
    return (
        AlertIntegration.objects.select_related("team").filter(token_digest=token_digest(token), is_active=True).first()
    )
