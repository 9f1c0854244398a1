from django.apps import AppConfig


class AgentsConfig(AppConfig):
    """The agent runtime (Observer, Probes, Executor, environments, LLM backends)."""

    name = "agents"
    verbose_name = "Agents"
