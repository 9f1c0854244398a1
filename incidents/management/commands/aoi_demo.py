"""``manage.py aoi_demo``: seed the demo data set (``incidents.services.demo``) and print how to use it."""

import json
import os
import shlex
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from aoi_platform.errors import DomainError
from incidents.services.demo import DEFAULT_ALERT_TOKEN, DEFAULT_PASSWORD, DemoSummary, demo_seed


def example_alert(*, base_url: str, token: str) -> str:
    """A curl command that delivers one firing Alertmanager (v4 webhook) alert to the demo team."""
    labels = {
        "alertname": "KubePodCrashLooping",
        "namespace": "test-hotel-reservation",
        "service": "rate",
        "severity": "critical",
    }
    payload = {
        "version": "4",
        "status": "firing",
        "receiver": "aoi",
        "groupKey": '{}:{alertname="KubePodCrashLooping"}',
        "truncatedAlerts": 0,
        "groupLabels": {"alertname": labels["alertname"]},
        "commonLabels": labels,
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.monitoring:9093",
        "alerts": [
            {
                "status": "firing",
                "labels": labels,
                "annotations": {"summary": "rate restarts: server returned error on SASL authentication step"},
                "startsAt": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "",
                "fingerprint": "3f1c2a9b7d4e5f60",
            }
        ],
    }
    return (
        f"curl -sS -X POST {base_url.rstrip('/')}/api/v1/alerts/alertmanager/ "
        f"-H {shlex.quote(f'Authorization: Bearer {token}')} -H 'Content-Type: application/json' "
        f"-d {shlex.quote(json.dumps(payload, separators=(',', ':')))}"
    )


class Command(BaseCommand):
    help = "Seed the demo team, people, Alertmanager integration and incidents. Idempotent; refused in production."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--base-url", default="http://127.0.0.1:8000", help="Where the platform is served (for the examples)."
        )
        parser.add_argument("--quiet", action="store_true", help="Print only what was created.")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.AOI_PRODUCTION:
            raise CommandError("aoi_demo seeds known passwords and tokens; it is refused in production.")
        password = os.environ.get("AOI_DEMO_PASSWORD") or DEFAULT_PASSWORD
        token = os.environ.get("AOI_DEMO_ALERT_TOKEN") or DEFAULT_ALERT_TOKEN
        try:
            summary = demo_seed(password=password, alert_token=token)
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self._report(summary)
        if not options["quiet"]:
            self._usage(summary, password=password, token=token, base_url=options["base_url"])

    def _report(self, summary: DemoSummary) -> None:
        if not summary.created:
            self.stdout.write("Demo data already in place; nothing changed.")
        for item in summary.created:
            self.stdout.write(f"created {item}")

    def _usage(self, summary: DemoSummary, *, password: str, token: str, base_url: str) -> None:
        write = self.stdout.write
        write(f"\nDemo team {summary.team!r}: {summary.incidents} incidents.")
        write(f"Sign in at {base_url.rstrip('/')}/accounts/login/ with password {password!r} as:")
        write("  viewer     sees the team's incidents")
        write("  responder  works incidents, requests actions")
        write("  approver   approves or rejects actions (approver2 too: high-risk actions need two)")
        write("  admin      superuser (Django admin at /admin/)")
        write("  curator    curates the Evolver's guidance proposals at /learning/proposals/ (curator2 too)")
        if summary.pending_action is not None:
            write(f"An action requested by responder waits for approval: {summary.pending_action}")
        write(f"\nAlertmanager webhook token: {token}")
        write(example_alert(base_url=base_url, token=token))
