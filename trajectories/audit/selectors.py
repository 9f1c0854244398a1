"""Reads of the audit log: filtered lists for the API, row streams for export and verification.

Streams read ``values_list`` tuples and never build model instances, so verifying or exporting
100,000 events stays fast and flat in memory. A row is a dict of ``EXPORT_FIELDS`` with
``created_at`` already in its hashed form, ready for ``chain.verify_events`` and ``export_line``.
"""

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import connections
from django.db.models import CharField, F, Func, QuerySet

from trajectories.audit.chain import GENESIS_HASH, format_time
from trajectories.audit.verification import EXPORT_FIELDS, LogFormatError, Verdict, read_checkpoints, verify_log
from trajectories.models import AuditEvent

VERIFY_CHUNK_SIZE = 5000
# format_time's form, written by PostgreSQL: parsing timestamps in Python is the largest cost of a
# verification there (Django's timezone-aware loader runs in Python for every row).
_POSTGRES_HASHED_TIME = "to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"


def audit_event_list(
    *,
    actor_type: str | None = None,
    actor_id: str | None = None,
    verb: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    since_seq: int | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
) -> QuerySet[AuditEvent]:
    """Events in seq order, narrowed by every filter given. ``since_seq`` keeps events after it;
    the time range is half-open: ``created_after <= created_at < created_before``."""
    exact = {
        "actor_type": actor_type,
        "actor_id": actor_id,
        "verb": verb,
        "object_type": object_type,
        "object_id": object_id,
    }
    events = AuditEvent.objects.filter(**{field: value for field, value in exact.items() if value is not None})
    if since_seq is not None:
        events = events.filter(seq__gt=since_seq)
    if created_after is not None:
        events = events.filter(created_at__gte=created_after)
    if created_before is not None:
        events = events.filter(created_at__lt=created_before)
    return events.order_by("seq")


def _values(events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent, tuple[Any, ...]]:
    """``EXPORT_FIELDS`` as tuples; on PostgreSQL ``created_at`` arrives already formatted."""
    if connections[events.db].vendor != "postgresql":
        return events.values_list(*EXPORT_FIELDS)
    hashed_time = Func(F("created_at"), template=_POSTGRES_HASHED_TIME, output_field=CharField())
    fields = ("hashed_created_at" if name == "created_at" else name for name in EXPORT_FIELDS)
    return events.annotate(hashed_created_at=hashed_time).values_list(*fields)


def _as_row(values: tuple[Any, ...]) -> dict[str, Any]:
    row = dict(zip(EXPORT_FIELDS, values, strict=True))
    if not isinstance(row["created_at"], str):
        row["created_at"] = format_time(row["created_at"])
    return row


def audit_rows(
    *, events: QuerySet[AuditEvent] | None = None, chunk_size: int = VERIFY_CHUNK_SIZE
) -> Iterator[dict[str, Any]]:
    """Every event of ``events`` (default: the whole log) as a row, in seq order, from one query
    read in chunks. The query runs when iteration starts, not when this is called."""
    source = AuditEvent.objects.all() if events is None else events
    for values in _values(source.order_by("seq")).iterator(chunk_size=chunk_size):
        yield _as_row(values)


def audit_rows_page(*, events: QuerySet[AuditEvent], after_seq: int, limit: int) -> list[dict[str, Any]]:
    """Up to ``limit`` rows of ``events`` with seq above ``after_seq``, in seq order. Walking pages
    by seq sees every event exactly once: the log only grows, and it grows at its end."""
    page = _values(events.filter(seq__gt=after_seq).order_by("seq"))[:limit]
    return [_as_row(values) for values in page]


def audit_head() -> tuple[int, str]:
    """Seq and hash of the last committed event; ``(0, GENESIS_HASH)`` for an empty log."""
    head = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    return head if head is not None else (0, GENESIS_HASH)


def audit_hashes_at(*, seqs: set[int]) -> dict[int, str]:
    """Stored hash of each of ``seqs`` that exists."""
    return dict(AuditEvent.objects.filter(seq__in=seqs).values_list("seq", "hash"))


def audit_log_verify(*, checkpoints_path: Path | None, key: bytes) -> Verdict:
    """Verify the stored chain, and the checkpoints in ``checkpoints_path`` if that file exists
    (``checkpoints_path`` None: skip them). A malformed checkpoint file fails the verdict."""
    # The checkpoint file is read before the events: a checkpoint written while we stream is then
    # never newer than the rows we read, and cannot pass for a cut-off tail.
    try:
        checkpoints = read_checkpoints(checkpoints_path) if checkpoints_path is not None else None
    except LogFormatError as exc:
        return Verdict(False, 0, 0, None, str(exc))
    return verify_log(audit_rows(), checkpoints=checkpoints, key=key)
