"""Signed checkpoints of the audit log's head, appended to a file outside the database.

Someone who owns the database can drop the triggers, cut the newest events off and leave a chain
that still verifies. A checkpoint (head seq, head hash, time, the previous checkpoint's signature,
signed with HMAC-SHA256 under ``AOI_AUDIT_CHECKPOINT_KEY``) kept elsewhere makes that visible:
the verifiers find a checkpoint past the head, or an event whose hash no longer matches.
Run ``manage.py audit_checkpoint`` on a schedule (cron, Celery beat) to checkpoint the head.
"""

import fcntl
import json
import os
from pathlib import Path
from typing import Any

from django.utils import timezone

from trajectories.audit.chain import checkpoint_signature, format_time, verify_checkpoints
from trajectories.audit.selectors import audit_hashes_at, audit_head
from trajectories.audit.verification import LogFormatError, parse_checkpoints


class CheckpointError(Exception):
    """The checkpoint file or the log is not in a state that may be extended; nothing was written."""


def _checked_previous(checkpoints: list[dict[str, Any]], key: bytes, head_seq: int) -> dict[str, Any] | None:
    """The last checkpoint, once the whole file has been verified against the log. Extending a
    forged file, or signing the head of a log whose checkpointed events changed, would make a
    tampered log look vouched for by the newest checkpoint."""
    hash_at = audit_hashes_at(seqs={checkpoint["seq"] for checkpoint in checkpoints})
    problem = verify_checkpoints(checkpoints, key, hash_at, head_seq)
    if problem is not None:
        raise CheckpointError(f"refusing to checkpoint: {problem}")
    return checkpoints[-1] if checkpoints else None


def audit_checkpoint_write(*, path: Path, key: bytes) -> dict[str, Any]:
    """Append a signed checkpoint of the current head to ``path`` (parent folders created) and
    return it. Its ``prev_signature`` links it to the previous checkpoint. Holds an exclusive lock
    on the file from reading the previous checkpoint to appending, so concurrent runs never link
    two checkpoints to the same predecessor. Raises ``CheckpointError`` and writes nothing when
    the existing file is malformed or does not verify against the log."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as file:
        fcntl.flock(file, fcntl.LOCK_EX)  # released when the file closes
        file.seek(0)
        try:
            checkpoints = parse_checkpoints(file.read())
        except LogFormatError as exc:
            raise CheckpointError(f"refusing to checkpoint: {exc}") from exc
        seq, head_hash = audit_head()
        previous = _checked_previous(checkpoints, key, seq)
        prev_signature = previous["signature"] if previous is not None else ""
        created_at = format_time(timezone.now())
        signature = checkpoint_signature(
            key, seq=seq, head_hash=head_hash, created_at=created_at, prev_signature=prev_signature
        )
        checkpoint = {
            "seq": seq,
            "hash": head_hash,
            "created_at": created_at,
            "prev_signature": prev_signature,
            "signature": signature,
        }
        file.write(json.dumps(checkpoint, sort_keys=True) + "\n")
        file.flush()
        os.fsync(file.fileno())
    return checkpoint
