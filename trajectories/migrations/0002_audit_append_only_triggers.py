"""Database triggers that make the audit table append-only, on PostgreSQL and on SQLite.

They stop the application (and anyone using its database role) from editing history through the
ORM or raw SQL. The table owner can still drop them; that tampering is what the hash chain and
the signed checkpoints detect."""

from django.db import migrations

from trajectories.migrations import _triggers


def install(apps, schema_editor):
    for statement in _triggers.up(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


def uninstall(apps, schema_editor):
    for statement in _triggers.down(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("trajectories", "0001_initial")]
    operations = [migrations.RunPython(install, uninstall)]
