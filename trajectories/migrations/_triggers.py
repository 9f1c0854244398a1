"""The SQL of the audit table's append-only triggers, per database vendor (see migration 0002)."""

TABLE = "trajectories_auditevent"

_POSTGRES_UP = [
    """
CREATE OR REPLACE FUNCTION aoi_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
""",
    f"CREATE TRIGGER aoi_audit_no_update_delete BEFORE UPDATE OR DELETE ON {TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION aoi_audit_append_only();",
    f"CREATE TRIGGER aoi_audit_no_truncate BEFORE TRUNCATE ON {TABLE} "
    "FOR EACH STATEMENT EXECUTE FUNCTION aoi_audit_append_only();",
]
_POSTGRES_DOWN = [
    f"DROP TRIGGER IF EXISTS aoi_audit_no_truncate ON {TABLE};",
    f"DROP TRIGGER IF EXISTS aoi_audit_no_update_delete ON {TABLE};",
]
# SQLite has no TRUNCATE; a DELETE trigger also disables its "truncate optimisation" of DELETE.
_SQLITE_UP = [
    f"CREATE TRIGGER aoi_audit_no_update BEFORE UPDATE ON {TABLE} "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: UPDATE refused'); END;",
    f"CREATE TRIGGER aoi_audit_no_delete BEFORE DELETE ON {TABLE} "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: DELETE refused'); END;",
]
_SQLITE_DOWN = ["DROP TRIGGER IF EXISTS aoi_audit_no_update;", "DROP TRIGGER IF EXISTS aoi_audit_no_delete;"]


def up(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return _POSTGRES_UP
    if vendor == "sqlite":
        return _SQLITE_UP
    raise RuntimeError(f"no append-only triggers for database vendor {vendor!r}")


def down(vendor: str) -> list[str]:
    return _POSTGRES_DOWN if vendor == "postgresql" else _SQLITE_DOWN
