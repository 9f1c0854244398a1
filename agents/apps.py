from django.apps import AppConfig


class AgentsConfig(AppConfig):
    """The agent runtime (Observer, Probes, Executor, environments, LLM backends) and its hosting."""

    name = "agents"
    verbose_name = "Agents"

    def ready(self) -> None:
        from incidents.alerts.services import incident_opened_for_diagnosis
        from incidents.models import ActionRequest, Incident
        from incidents.services.actions import action_decided

        action_decided.connect(_wake, sender=ActionRequest, dispatch_uid="agents.run_wake_on_decision")
        incident_opened_for_diagnosis.connect(_diagnose, sender=Incident, dispatch_uid="agents.run_start_for_alert")


def _wake(sender: object, action: object, **kwargs: object) -> None:
    from agents.hosting import run_wake_on_decision

    run_wake_on_decision(action)  # type: ignore[arg-type]


def _diagnose(sender: object, incident: object, **kwargs: object) -> None:
    from agents.hosting import run_start_for_alert

    run_start_for_alert(incident)  # type: ignore[arg-type]
