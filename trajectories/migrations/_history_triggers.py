"""The SQL of the append-only triggers on a run's history (steps and prompts), per database vendor.

The same refusal as the audit table's (``_triggers``), for UPDATE and DELETE of single rows. TRUNCATE
stays possible on PostgreSQL: emptying a whole history table is a deliberate purge by the database
owner (and the test runner's flush), not an edit of one run's record; the audit log is the record
that must survive even that."""

TABLES = ("trajectories_step", "trajectories_prompt")
_FUNCTION = "aoi_history_append_only"

_POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {_FUNCTION}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'run history is append-only: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def _postgres_up(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {_FUNCTION}();"
    ]


def _sqlite_up(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'run history is append-only: UPDATE refused on {table}'); END;",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'run history is append-only: DELETE refused on {table}'); END;",
    ]


def up(vendor: str) -> list[str]:
    """Statements that install the triggers on every history table."""
    if vendor == "postgresql":
        return [_POSTGRES_FUNCTION, *(s for table in TABLES for s in _postgres_up(table))]
    if vendor == "sqlite":
        return [s for table in TABLES for s in _sqlite_up(table)]
    raise RuntimeError(f"no append-only triggers for database vendor {vendor!r}")


def down(vendor: str) -> list[str]:
    """Statements that remove them again."""
    if vendor == "postgresql":
        drops = [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};" for table in TABLES]
        return [*drops, f"DROP FUNCTION IF EXISTS {_FUNCTION}();"]
    return [f"DROP TRIGGER IF EXISTS {table}_{op};" for table in TABLES for op in ("no_update", "no_delete")]
