from django.apps import AppConfig


class TrajectoriesConfig(AppConfig):
    name = "trajectories"
    verbose_name = "Trajectories and the audit log"

    def ready(self) -> None:
        from trajectories import signals  # noqa: F401  (audits permission changes made anywhere)
