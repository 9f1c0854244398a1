"""Hash chain arithmetic for the audit log, free of Django so an exported log verifies offline.

Each event's hash is SHA-256 over the canonical JSON (sorted keys, no spaces, UTF-8) of its
fields and the previous event's hash. Checkpoints are HMAC-SHA256-signed (head seq, head hash,
previous checkpoint's signature), kept outside the database, so cutting the tail off is detected.
"""

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "seq",
    "created_at",
    "actor_type",
    "actor_id",
    "actor_label",
    "verb",
    "object_type",
    "object_id",
    "payload",
)


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def format_time(value: datetime) -> str:
    """The one textual form of an event time that goes into the hash: UTC, microseconds, ``Z``."""
    if value.tzinfo is None:
        raise ValueError("audit times must be timezone-aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(fields: Mapping[str, Any], prev_hash: str) -> str:
    """Hash of one event. ``fields`` holds HASHED_FIELDS with ``created_at`` already formatted."""
    body = {name: fields[name] for name in HASHED_FIELDS}
    body["prev_hash"] = prev_hash
    return hashlib.sha256(canonical_json(body)).hexdigest()


_CHAIN_MARKER = '"prev_hash":"\\u0000","seq":0'


def event_hash_parts(fields: Mapping[str, Any]) -> tuple[str, str]:
    """The canonical JSON of an event split around the two values only known under the append
    lock, so a writer inside the database can finish the hash:
    ``sha256(prefix + prev_hash + '","seq":' + str(seq) + suffix) == event_hash(...)``.

    Sorted keys put ``prev_hash`` and ``seq`` side by side after ``payload``; only ``verb``, a
    string whose quotes JSON escapes, follows them, so the last marker is the top-level one."""
    body = {name: fields[name] for name in HASHED_FIELDS if name != "seq"}
    body["prev_hash"], body["seq"] = "\x00", 0
    text = canonical_json(body).decode()
    at = text.rindex(_CHAIN_MARKER)
    return text[:at] + '"prev_hash":"', text[at + len(_CHAIN_MARKER) :]


@dataclass(frozen=True)
class ChainReport:
    """Outcome of a verification: ``first_bad_seq`` is None when the chain is intact."""

    checked: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.first_bad_seq is None


def verify_events(rows: Iterable[Mapping[str, Any]]) -> ChainReport:
    """Walk events in storage order. Catches an edited field (hash), a deleted or inserted row
    (seq not contiguous, or prev_hash not linking) and reordered rows (seq or link out of order)."""
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
    for row in rows:
        seq = row["seq"]
        if seq != expected_seq:
            return ChainReport(
                checked,
                expected_seq - 1,
                prev_hash,
                min(seq, expected_seq),
                f"expected seq {expected_seq}, found {seq}",
            )
        if row["prev_hash"] != prev_hash:
            return ChainReport(checked, seq - 1, prev_hash, seq, "prev_hash does not link to the previous event")
        if event_hash(row, prev_hash) != row["hash"]:
            return ChainReport(checked, seq - 1, prev_hash, seq, "hash does not match the event's content")
        prev_hash, expected_seq, checked = row["hash"], seq + 1, checked + 1
    return ChainReport(checked, expected_seq - 1, prev_hash)


def checkpoint_signature(key: bytes, *, seq: int, head_hash: str, created_at: str, prev_signature: str) -> str:
    message = canonical_json(
        {"seq": seq, "hash": head_hash, "created_at": created_at, "prev_signature": prev_signature}
    )
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def verify_checkpoints(
    checkpoints: Iterable[Mapping[str, Any]], key: bytes, hash_at: Mapping[int, str], head_seq: int
) -> str | None:
    """Check each checkpoint's signature and link, and that the log still holds the event it names
    with the same hash. Returns the first problem, or None. ``hash_at`` maps seq -> stored hash."""
    prev_signature = ""
    for cp in checkpoints:
        expected = checkpoint_signature(
            key, seq=cp["seq"], head_hash=cp["hash"], created_at=cp["created_at"], prev_signature=prev_signature
        )
        if not hmac.compare_digest(expected, cp.get("signature", "")) or cp.get("prev_signature") != prev_signature:
            return f"checkpoint at seq {cp['seq']} has a bad signature or link"
        if cp["seq"] > head_seq:
            return f"checkpoint at seq {cp['seq']} is past the log's head {head_seq}: the tail was cut off"
        if cp["seq"] > 0 and hash_at.get(cp["seq"]) != cp["hash"]:
            return f"event {cp['seq']} no longer has the hash its checkpoint recorded"
        prev_signature = cp["signature"]
    return None
