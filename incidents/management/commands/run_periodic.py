"""``manage.py run_periodic``: run the beat schedule in this process (the embedded mode's beat).

With Redis, ``celery beat`` sends these tasks to the workers. Without it there is no beat, so
``make run`` starts this loop beside the web server: each task of ``CELERY_BEAT_SCHEDULE`` runs
in-process at its interval. ``--once`` runs every task once and exits."""

import time
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Run the periodic tasks of CELERY_BEAT_SCHEDULE in this process (embedded mode)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run every task once, then exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        schedule = {
            name: (entry["task"], float(entry["schedule"])) for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        }
        current_app.loader.import_default_modules()  # autodiscovery is lazy outside a worker
        due = dict.fromkeys(schedule, 0.0)
        while True:
            now = time.monotonic()
            for name, (task, interval) in schedule.items():
                if due[name] <= now:
                    self._run(name, task)
                    due[name] = now + interval
            if options["once"]:
                return
            time.sleep(max(0.5, min(due.values()) - time.monotonic()))

    def _run(self, name: str, task: str) -> None:
        result = current_app.tasks[task].apply()
        if result.failed():
            self.stderr.write(f"{name}: {task} failed: {result.result!r}")
        else:
            self.stdout.write(f"{name}: {task} -> {result.result}")
