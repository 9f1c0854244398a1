"""Verify a whole audit log (its hash chain and its signed checkpoints) without Django.

The database verifier (``manage.py verify_audit``) and the offline verifier of an export file
(``python -m trajectories.audit.verify_export``) both feed their rows through ``verify_log``, so
they reach the same verdict on the same events. This module also owns the two file formats: the
JSONL export (one event per line) and the checkpoint file (one signed checkpoint per line).
"""

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trajectories.audit.chain import HASHED_FIELDS, verify_checkpoints, verify_events

EXPORT_FIELDS = (*HASHED_FIELDS, "prev_hash", "hash")
CHECKPOINT_FIELDS = ("seq", "hash", "created_at", "prev_signature", "signature")
_TEXT_FIELDS = tuple(name for name in EXPORT_FIELDS if name not in ("seq", "payload"))


class LogFormatError(ValueError):
    """A line of an export or checkpoint file that the platform did not write (or not like this).

    ``after_seq`` is the seq of the last well-formed event before it (exports only)."""

    def __init__(self, message: str, *, after_seq: int = 0) -> None:
        super().__init__(message)
        self.after_seq = after_seq


@dataclass(frozen=True)
class Verdict:
    """Outcome of verifying a log. ``first_bad_seq`` names the first event that fails (None when
    the log is intact, or when what is broken is the checkpoint file itself). ``checkpoints`` is
    how many checkpoints were verified; None when there was no checkpoint file to check."""

    ok: bool
    checked: int
    head_seq: int
    first_bad_seq: int | None = None
    reason: str = ""
    checkpoints: int | None = None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def export_line(row: Mapping[str, Any]) -> str:
    """One event as a line of the JSONL export (``created_at`` already formatted by ``format_time``)."""
    return json.dumps({name: row[name] for name in EXPORT_FIELDS}, ensure_ascii=False, allow_nan=False) + "\n"


def _parse_event(line: str, number: int, after_seq: int) -> dict[str, Any]:
    try:
        row = json.loads(line)
    except ValueError:
        raise LogFormatError(f"export line {number} is not JSON", after_seq=after_seq) from None
    if not isinstance(row, dict) or any(name not in row for name in EXPORT_FIELDS):
        raise LogFormatError(f"export line {number} is not an audit event", after_seq=after_seq)
    if not _is_int(row["seq"]) or not all(isinstance(row[name], str) for name in _TEXT_FIELDS):
        raise LogFormatError(f"export line {number} has a field of the wrong type", after_seq=after_seq)
    return row


def read_export(path: Path) -> Iterator[dict[str, Any]]:
    """Events of a JSONL export in file order, parsed lazily (an export may be large).
    Raises ``LogFormatError`` at the first line that is not a well-formed event."""
    after_seq = 0
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                row = _parse_event(line, number, after_seq)
                after_seq = row["seq"]
                yield row


def _parse_checkpoint(line: str, number: int) -> dict[str, Any]:
    try:
        checkpoint = json.loads(line)
    except ValueError:
        raise LogFormatError(f"checkpoint file line {number} is not JSON") from None
    if not isinstance(checkpoint, dict) or any(name not in checkpoint for name in CHECKPOINT_FIELDS):
        raise LogFormatError(f"checkpoint file line {number} is not a checkpoint")
    if not _is_int(checkpoint["seq"]) or not all(isinstance(checkpoint[name], str) for name in CHECKPOINT_FIELDS[1:]):
        raise LogFormatError(f"checkpoint file line {number} has a field of the wrong type")
    return checkpoint


def parse_checkpoints(text: str) -> list[dict[str, Any]]:
    """The checkpoints of a checkpoint file's text, oldest first. Raises ``LogFormatError``."""
    return [_parse_checkpoint(line, number) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]


def read_checkpoints(path: Path) -> list[dict[str, Any]] | None:
    """The checkpoints in ``path``, or None when no checkpoint file exists (none written yet)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return parse_checkpoints(text)


def _check_checkpoints(
    checkpoints: Sequence[Mapping[str, Any]], key: bytes, hash_at: Mapping[int, str], head_seq: int
) -> tuple[Mapping[str, Any], str] | None:
    """``verify_checkpoints``, plus which checkpoint it stopped at (it stops at the first problem)."""
    last_seen: list[Mapping[str, Any]] = []

    def tracked() -> Iterator[Mapping[str, Any]]:
        for checkpoint in checkpoints:
            last_seen[:] = [checkpoint]
            yield checkpoint

    problem = verify_checkpoints(tracked(), key, hash_at, head_seq)
    return None if problem is None else (last_seen[0], problem)


def verify_log(
    rows: Iterable[Mapping[str, Any]], *, checkpoints: Sequence[Mapping[str, Any]] | None, key: bytes
) -> Verdict:
    """Verify events (in seq order, ``created_at`` formatted) and then the checkpoints against them.

    Rows are consumed once, lazily; only the hashes at checkpointed seqs are kept, so memory stays
    flat however long the log. A checkpoint past the head means the tail was cut off: the first
    missing seq is reported. ``checkpoints`` None: no checkpoint file, only the chain is verified."""
    wanted = {checkpoint["seq"] for checkpoint in checkpoints or ()}
    hash_at: dict[int, str] = {}

    def remembering() -> Iterator[Mapping[str, Any]]:
        for row in rows:
            if row["seq"] in wanted:
                hash_at[row["seq"]] = row["hash"]
            yield row

    report = verify_events(remembering())
    if not report.ok:
        return Verdict(False, report.checked, report.head_seq, report.first_bad_seq, report.reason)
    if checkpoints is None:
        return Verdict(True, report.checked, report.head_seq)
    failure = _check_checkpoints(checkpoints, key, hash_at, report.head_seq)
    if failure is None:
        return Verdict(True, report.checked, report.head_seq, checkpoints=len(checkpoints))
    checkpoint, problem = failure
    first_bad = min(checkpoint["seq"], report.head_seq + 1)
    return Verdict(False, report.checked, report.head_seq, first_bad, problem, checkpoints=len(checkpoints))


def verify_export_file(*, export_path: Path, checkpoints_path: Path | None, key: bytes) -> Verdict:
    """Verify an export file, and the checkpoints in ``checkpoints_path`` when that file exists.
    A malformed line fails the verdict: in the export it names the seq expected there."""
    try:
        checkpoints = read_checkpoints(checkpoints_path) if checkpoints_path is not None else None
    except LogFormatError as exc:
        return Verdict(False, 0, 0, None, str(exc))
    try:
        return verify_log(read_export(export_path), checkpoints=checkpoints, key=key)
    except LogFormatError as exc:
        return Verdict(False, exc.after_seq, exc.after_seq, exc.after_seq + 1, str(exc))


def describe(verdict: Verdict, *, checkpoints_path: Path | None) -> str:
    """The verdict in words, as the verifiers print it. ``checkpoints_path`` None: not checked."""
    if not verdict.ok:
        where = f"first bad seq: {verdict.first_bad_seq}" if verdict.first_bad_seq is not None else "checkpoints"
        return f"audit log BROKEN: {where}: {verdict.reason}"
    if checkpoints_path is None:
        tail = "checkpoints not checked"
    elif verdict.checkpoints is None:
        tail = f"no checkpoint file at {checkpoints_path}: a cut-off tail would go unnoticed (run audit_checkpoint)"
    else:
        tail = f"{verdict.checkpoints} signed checkpoints verified"
    return f"audit log intact: {verdict.checked} events verified, head seq {verdict.head_seq}; {tail}"
