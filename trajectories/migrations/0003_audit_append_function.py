"""A PostgreSQL function that appends one audit event in one round trip.

It takes the single-writer lock, reads the chain's head (a fresh snapshot: a VOLATILE PL/pgSQL
function takes one per statement, so it sees an append committed while it waited for the lock),
finishes the hash from the canonical JSON that Python split around ``prev_hash`` and ``seq``
(``chain.event_hash_parts``), and inserts the row. SQLite appends from Python instead."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION aoi_audit_append(
    p_lock_id bigint, p_created_at timestamptz, p_actor_type varchar, p_actor_id varchar,
    p_actor_label varchar, p_verb varchar, p_object_type varchar, p_object_id varchar, p_payload jsonb,
    p_hash_prefix text, p_hash_suffix text,
    OUT o_seq bigint, OUT o_prev_hash varchar, OUT o_hash varchar
) AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(p_lock_id);
    SELECT a.seq, a.hash INTO o_seq, o_prev_hash FROM trajectories_auditevent a ORDER BY a.seq DESC LIMIT 1;
    IF NOT FOUND THEN
        o_seq := 0;
        o_prev_hash := repeat('0', 64);
    END IF;
    o_seq := o_seq + 1;
    o_hash := encode(sha256(convert_to(
        p_hash_prefix || o_prev_hash || '","seq":' || o_seq::text || p_hash_suffix, 'UTF8')), 'hex');
    INSERT INTO trajectories_auditevent (seq, created_at, actor_type, actor_id, actor_label, verb,
                                         object_type, object_id, payload, prev_hash, hash)
    VALUES (o_seq, p_created_at, p_actor_type, p_actor_id, p_actor_label, p_verb,
            p_object_type, p_object_id, p_payload, o_prev_hash, o_hash);
END;
$$ LANGUAGE plpgsql VOLATILE;
"""
DROP = "DROP FUNCTION IF EXISTS aoi_audit_append(bigint, timestamptz, varchar, varchar, varchar, varchar, varchar, varchar, jsonb, text, text);"


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("trajectories", "0002_audit_append_only_triggers")]
    operations = [migrations.RunPython(install, uninstall)]
