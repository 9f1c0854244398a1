"""``manage.py verify_audit [--file export.jsonl] [--no-checkpoints]``: verify the audit log.

Exit status 0 when the hash chain is intact and agrees with the signed checkpoints; 1 otherwise,
naming the first bad seq. A missing checkpoint file is not an error (it is said so)."""

import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from trajectories.audit.selectors import audit_log_verify
from trajectories.audit.verification import describe, verify_export_file


class Command(BaseCommand):
    help = "Verify the audit log's hash chain and signed checkpoints; exit 1 naming the first bad seq."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", type=Path, help="verify this JSONL export instead of the database")
        parser.add_argument("--no-checkpoints", action="store_true", help="verify the hash chain only")

    def handle(self, *args: Any, file: Path | None, no_checkpoints: bool, **options: Any) -> None:
        checkpoints_path = None if no_checkpoints else Path(settings.AOI_AUDIT_CHECKPOINT_PATH)
        key = settings.AOI_AUDIT_CHECKPOINT_KEY.encode()
        if file is None:
            verdict = audit_log_verify(checkpoints_path=checkpoints_path, key=key)
        elif not file.is_file():
            raise CommandError(f"no export file at {file}")
        else:
            verdict = verify_export_file(export_path=file, checkpoints_path=checkpoints_path, key=key)
        if verdict.ok:
            self.stdout.write(describe(verdict, checkpoints_path=checkpoints_path))
            return
        self.stderr.write(describe(verdict, checkpoints_path=checkpoints_path))
        # sys.exit rather than CommandError: the status must be 1 under call_command too.
        sys.exit(1)
