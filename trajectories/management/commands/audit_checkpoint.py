"""``manage.py audit_checkpoint``: append a signed checkpoint of the audit log's head to
``AOI_AUDIT_CHECKPOINT_PATH``. Run it on a schedule; ``verify_audit`` checks the file."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from trajectories.audit.checkpoints import CheckpointError, audit_checkpoint_write


class Command(BaseCommand):
    help = "Append an HMAC-signed checkpoint of the audit log's head to the checkpoint file."

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(settings.AOI_AUDIT_CHECKPOINT_PATH)
        try:
            checkpoint = audit_checkpoint_write(path=path, key=settings.AOI_AUDIT_CHECKPOINT_KEY.encode())
        except CheckpointError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"checkpoint at seq {checkpoint['seq']} appended to {path}")
