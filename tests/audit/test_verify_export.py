"""Offline verification of an export: ``python -m trajectories.audit.verify_export`` (no Django)
and ``manage.py verify_audit --file``, on intact and tampered files."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.audit.conftest import CHECKPOINT_KEY
from tests.audit.helpers import append_events, run_verify
from trajectories.audit.selectors import audit_rows
from trajectories.audit.verification import export_line


def _write_export(path: Path) -> list[dict[str, Any]]:
    rows = list(audit_rows())
    path.write_text("".join(export_line(row) for row in rows), encoding="utf-8")
    return rows


def _rewrite(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


def _offline(*args: str | Path, key: str | None = None) -> subprocess.CompletedProcess[str]:
    """The offline verifier as an auditor runs it: a fresh Python, no Django settings."""
    env = {name: value for name, value in os.environ.items() if name not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    env.pop("AOI_AUDIT_CHECKPOINT_KEY", None)
    if key is not None:
        env["AOI_AUDIT_CHECKPOINT_KEY"] = key
    command = [sys.executable, "-m", "trajectories.audit.verify_export", *map(str, args)]
    return subprocess.run(command, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60)


def test_offline_verifier_imports_no_django() -> None:
    probe = (
        "import sys, trajectories.audit.verify_export; print(sorted(m for m in sys.modules if m.startswith('django')))"
    )
    env = {name: value for name, value in os.environ.items() if name != "DJANGO_SETTINGS_MODULE"}

    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )

    assert (result.returncode, result.stdout.strip()) == (0, "[]")


@pytest.mark.django_db
def test_intact_export_verifies_offline(tmp_path: Path) -> None:
    append_events(5, verb="test.ünïcode")
    export = tmp_path / "export.jsonl"
    _write_export(export)

    result = _offline(export)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "audit log intact: 5 events verified, head seq 5; checkpoints not checked"


@pytest.mark.django_db
def test_export_verifies_offline_against_checkpoints(tmp_path: Path, checkpoint_path: Path) -> None:
    append_events(5)
    call_command("audit_checkpoint", stdout=io.StringIO())
    export = tmp_path / "export.jsonl"
    _write_export(export)

    with_key_in_env = _offline(export, "--checkpoints", checkpoint_path, key=CHECKPOINT_KEY)
    with_wrong_key = _offline(export, "--checkpoints", checkpoint_path, "--key", "not-the-key")
    without_key = _offline(export, "--checkpoints", checkpoint_path)

    assert with_key_in_env.returncode == 0, with_key_in_env.stderr
    assert "1 signed checkpoints verified" in with_key_in_env.stdout
    assert with_wrong_key.returncode == 1
    assert "first bad seq: 5: checkpoint at seq 5 has a bad signature or link" in with_wrong_key.stderr
    assert without_key.returncode == 2
    assert "needs the signing key" in without_key.stderr


@pytest.mark.django_db
def test_tampered_exports_fail_offline_naming_the_first_bad_seq(tmp_path: Path) -> None:
    append_events(6)
    export = tmp_path / "export.jsonl"
    rows = _write_export(export)
    tampered = {
        "edited": [*rows[:2], {**rows[2], "verb": "forged"}, *rows[3:]],
        "deleted": [*rows[:3], *rows[4:]],
        "reordered": [*rows[:1], rows[2], rows[1], *rows[3:]],
    }
    expected = {"edited": 3, "deleted": 4, "reordered": 2}

    for name, bad_rows in tampered.items():
        _rewrite(export, bad_rows)
        result = _offline(export)
        assert result.returncode == 1, name
        assert f"first bad seq: {expected[name]}:" in result.stderr, (name, result.stderr)


@pytest.mark.django_db
def test_malformed_export_line_fails_offline(tmp_path: Path) -> None:
    append_events(3)
    export = tmp_path / "export.jsonl"
    _write_export(export)
    lines = export.read_text().splitlines()
    export.write_text("\n".join([lines[0], lines[1][:40], lines[2]]) + "\n")

    result = _offline(export)

    assert result.returncode == 1
    assert "first bad seq: 2: export line 2 is not JSON" in result.stderr


@pytest.mark.django_db
def test_truncated_export_fails_offline_only_with_checkpoints(tmp_path: Path, checkpoint_path: Path) -> None:
    append_events(4)
    call_command("audit_checkpoint", stdout=io.StringIO())
    export = tmp_path / "export.jsonl"
    _rewrite(export, _write_export(export)[:3])

    assert _offline(export).returncode == 0
    result = _offline(export, "--checkpoints", checkpoint_path, "--key", CHECKPOINT_KEY)

    assert result.returncode == 1
    assert "first bad seq: 4: checkpoint at seq 4 is past the log's head 3" in result.stderr


def test_missing_export_is_a_usage_error(tmp_path: Path) -> None:
    result = _offline(tmp_path / "nothing.jsonl")

    assert result.returncode == 2
    assert "no export file at" in result.stderr


@pytest.mark.django_db
def test_verify_audit_checks_an_export_file(tmp_path: Path, checkpoint_path: Path) -> None:
    append_events(4)
    call_command("audit_checkpoint", stdout=io.StringIO())
    export = tmp_path / "export.jsonl"
    rows = _write_export(export)

    intact = run_verify("--file", str(export))
    _rewrite(export, [*rows[:1], {**rows[1], "payload": {"i": 7}}, *rows[2:]])
    edited = run_verify("--file", str(export))

    assert intact[0] == 0
    assert "4 events verified, head seq 4; 1 signed checkpoints verified" in intact[1]
    assert edited[0] == 1
    assert "first bad seq: 2: hash does not match" in edited[2]
