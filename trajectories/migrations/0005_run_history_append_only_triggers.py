"""Database triggers that make a run's steps and prompts append-only, on PostgreSQL and on SQLite.

The trajectory row itself stays updatable (status, counters, outcome): it is the run's summary, and
its changes of status are audited by the services."""

from django.db import migrations

from trajectories.migrations import _history_triggers


def install(apps, schema_editor):
    for statement in _history_triggers.up(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


def uninstall(apps, schema_editor):
    for statement in _history_triggers.down(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("trajectories", "0004_trajectories_prompts_steps")]
    operations = [migrations.RunPython(install, uninstall)]
