"""``manage.py diagnose``: run the AOI agents on an incident, in-process, on behalf of a person.

    python manage.py diagnose INCIDENT_UUID --user responder
    python manage.py diagnose --problem revoke_auth_mongodb-mitigation-1 --team platform-sre --user responder

The model is the Observer's: the active model version's backend, recorded on the trajectory, or the settings'
(``AOI_LLM``) when no version is active; ``--backend``, ``--model`` or ``--option`` run another, and no version
is recorded. The environment is the one the settings name (``AOI_ENVIRONMENT``: the simulator, or a Kubernetes cluster);
``--problem`` first opens an incident the simulator reproduces. Every write the Executor proposes becomes an
action request that another person must approve in the browser (or the API) while the run waits
(``--wait``); the steps are stored as they happen and printed as they are stored.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from agents.incident_runs import IncidentRunOptions, incident_run, simulated_incident_open
from agents.llm.base import LLMError
from agents.llm.factory import backend_from_config
from agents.management.backend_options import backend_options
from agents.sim.problems import UnknownProblem, problem_resolve
from aoi_platform.errors import DomainError
from incidents.models import ActionRequest, Incident, Team
from training.services.versions import observer_backend_config


class Command(BaseCommand):
    help = "Diagnose an incident with the AOI agents (writes wait for another person's approval)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("incident", nargs="?", help="the incident's UUID")
        parser.add_argument("--user", required=True, help="the person on whose behalf the run acts (the requester)")
        parser.add_argument("--problem", help="open an incident the simulator reproduces, then diagnose it")
        parser.add_argument("--team", help="the team of the incident --problem opens (its slug)")
        parser.add_argument("--backend", help="LLM backend (default: the active model version's, or settings.AOI_LLM)")
        parser.add_argument("--model", help="model name or directory")
        parser.add_argument("--option", action="append", default=[], metavar="KEY=VALUE", help="backend option")
        parser.add_argument("--wait", type=float, default=None, help="seconds to wait for each approval")
        parser.add_argument("--seed", type=int, default=None, help="simulator seed")
        parser.add_argument("--no-knowledge", dest="knowledge", action="store_false")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {options['user']!r}")
        incident = self._incident(options, user)
        config, version = observer_backend_config()
        if options["backend"] or options["model"] or options["option"]:  # not the Observer's version any more
            config = dict(settings.AOI_LLM) if not options["backend"] else {"backend": options["backend"]}
            config.update(backend_options(options["option"]))
            if options["model"]:
                config["model"] = options["model"]
            version = None
        try:
            backend = backend_from_config(config)
        except LLMError as error:
            raise CommandError(str(error)) from error
        wait = settings.AOI_APPROVAL_WAIT_SECONDS if options["wait"] is None else options["wait"]
        run_options = IncidentRunOptions(wait_s=wait, seed=options["seed"], knowledge=options["knowledge"])
        running = f"{backend.name}/{backend.model}" + (f", model version {version.name}" if version is not None else "")
        self.stdout.write(f"diagnosing incident {incident.uuid} ({incident.title}) with {running}")
        try:
            trajectory = incident_run(
                incident=incident,
                user=user,
                backend=backend,
                options=run_options,
                on_action=self._announce,
                model_version=version,
            )
        except DomainError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"trajectory {trajectory.pk}: {trajectory.status}, {trajectory.steps_count} steps")
        self.stdout.write(json.dumps(trajectory.outcome, indent=2, sort_keys=True))

    def _incident(self, options: dict[str, Any], user: Any) -> Incident:
        if options["problem"]:
            if options["incident"]:
                raise CommandError("give an incident or --problem, not both")
            try:
                problem = problem_resolve(options["problem"])
            except (UnknownProblem, ValueError) as error:
                raise CommandError(str(error)) from error
            team = Team.objects.filter(slug=options["team"] or "").first()
            if team is None:
                raise CommandError("--problem needs --team, the slug of an existing team")
            try:
                incident = simulated_incident_open(problem=problem, team=team, user=user)
            except DomainError as error:
                raise CommandError(str(error)) from error
            self.stdout.write(f"opened incident {incident.uuid} reproducing {problem.problem_id}")
            return incident
        try:
            return Incident.objects.get(uuid=UUID(str(options["incident"])))
        except (ValueError, Incident.DoesNotExist) as error:
            raise CommandError(f"no incident {options['incident']!r}") from error

    def _announce(self, action: ActionRequest) -> None:
        self.stdout.write(
            f"waiting for approval of action {action.uuid}: {action.command['verb']} "
            f"{action.command['target']['kind']}/{action.command['target']['name']} ({action.risk_class} risk); "
            "another person approves it on the incident's page"
        )
