"""Django's ``flush`` with the append-only triggers (audit log, run history) lifted for its duration (tests only).

Transactional tests end with a flush that empties every table, the append-only audit table
included. This command exists only in the test settings; production's ``flush`` is refused by the
triggers, as it should be."""

from typing import Any

from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

from trajectories.migrations import _history_triggers, _triggers

TRIGGER_SETS = (_triggers, _history_triggers)


class Command(FlushCommand):
    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        with connection.cursor() as cursor:
            for triggers in TRIGGER_SETS:
                for statement in triggers.down(connection.vendor):
                    cursor.execute(statement)
        try:
            super().handle(**options)
        finally:
            with connection.cursor() as cursor:
                for triggers in TRIGGER_SETS:
                    for statement in triggers.up(connection.vendor):
                        cursor.execute(statement)
