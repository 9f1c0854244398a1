"""``manage.py create_alert_integration --team SLUG --name NAME``: a new Alertmanager receiver.

Prints the bearer token (shown this once: only its digest is stored) and the receiver block to
paste into ``alertmanager.yml``."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError
from django.urls import reverse

from incidents.models import Team
from incidents.services.integrations import alert_integration_create
from trajectories.audit.services import Actor

RECEIVER_YAML = """\
receivers:
  - name: aoi-{team}-{name}
    webhook_configs:
      - url: {url}
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            # Or keep it out of the file: credentials_file: /etc/alertmanager/aoi-token
            credentials: {token}
"""


class Command(BaseCommand):
    help = "Create an Alertmanager integration for a team; print its token once and the receiver config."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--team", required=True, help="Slug of the team whose incidents the alerts open.")
        parser.add_argument("--name", required=True, help="Name of the integration, unique within the team.")
        parser.add_argument(
            "--base-url",
            default="http://localhost:8000",
            help="Where Alertmanager reaches this platform (default: %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        team = Team.objects.filter(slug=options["team"]).first()
        if team is None:
            raise CommandError(f"No team with slug {options['team']!r}.")
        try:
            _, token = alert_integration_create(
                team=team, name=options["name"], actor=Actor.system("manage.py create_alert_integration")
            )
        except IntegrityError as exc:
            raise CommandError(f"Team {team.slug!r} already has an integration named {options['name']!r}.") from exc
        url = options["base_url"].rstrip("/") + reverse("alertmanager-webhook")
        self.stdout.write(f"Token (shown once, only its digest is stored): {token}\n")
        self.stdout.write("Add this receiver to alertmanager.yml and route the team's alerts to it:\n")
        self.stdout.write(RECEIVER_YAML.format(team=team.slug, name=options["name"], url=url, token=token))
