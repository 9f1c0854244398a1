"""Signed checkpoints: ``audit_checkpoint`` appends them, linked; ``verify_audit`` checks them,
so cutting off the tail, rewriting history consistently or forging the file is found."""

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from tests.audit.conftest import CHECKPOINT_KEY
from tests.audit.helpers import append_events, lifted_triggers, run_verify
from trajectories.audit.chain import GENESIS_HASH, checkpoint_signature, event_hash, format_time
from trajectories.models import AuditEvent


def _checkpoint() -> str:
    out = io.StringIO()
    call_command("audit_checkpoint", stdout=out)
    return out.getvalue()


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _cut_tail(count: int) -> None:
    head = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True)[0]
    with lifted_triggers():
        AuditEvent.objects.filter(seq__gt=head - count).delete()


@pytest.mark.django_db
def test_checkpoint_signs_the_head_and_links_to_the_previous_one(checkpoint_path: Path) -> None:
    events = append_events(3)

    assert "checkpoint at seq 3 appended" in _checkpoint()
    append_events(2)
    _checkpoint()

    first, second = _lines(checkpoint_path)
    assert (first["seq"], first["hash"], first["prev_signature"]) == (3, events[-1].hash, "")
    assert first["signature"] == checkpoint_signature(
        CHECKPOINT_KEY.encode(), seq=3, head_hash=events[-1].hash, created_at=first["created_at"], prev_signature=""
    )
    assert (second["seq"], second["prev_signature"]) == (5, first["signature"])
    assert second["hash"] == AuditEvent.objects.get(seq=5).hash


@pytest.mark.django_db
def test_checkpoint_of_an_empty_log(checkpoint_path: Path) -> None:
    _checkpoint()

    (only,) = _lines(checkpoint_path)
    assert (only["seq"], only["hash"]) == (0, GENESIS_HASH)
    assert run_verify()[0] == 0


@pytest.mark.django_db
def test_intact_log_verifies_against_its_checkpoints(checkpoint_path: Path) -> None:
    append_events(4)
    _checkpoint()
    append_events(4)
    _checkpoint()
    append_events(1)

    code, out, _ = run_verify()

    assert code == 0
    assert out.strip() == "audit log intact: 9 events verified, head seq 9; 2 signed checkpoints verified"


@pytest.mark.django_db
def test_missing_checkpoint_file_is_reported_not_failed(checkpoint_path: Path) -> None:
    append_events(2)

    code, out, _ = run_verify()

    assert code == 0
    assert f"no checkpoint file at {checkpoint_path}" in out
    assert not checkpoint_path.exists()


@pytest.mark.django_db
def test_cut_tail_is_found(checkpoint_path: Path) -> None:
    append_events(10)
    _checkpoint()
    _cut_tail(2)

    assert run_verify("--no-checkpoints")[0] == 0  # the shortened chain alone looks intact
    code, _, err = run_verify()

    assert code == 1
    assert "first bad seq: 9: checkpoint at seq 10 is past the log's head 8: the tail was cut off" in err


@pytest.mark.django_db
def test_cut_tail_refilled_with_new_events_is_found(checkpoint_path: Path) -> None:
    append_events(10)
    _checkpoint()
    _cut_tail(2)
    append_events(2, verb="test.replacement")

    code, _, err = run_verify()

    # The checkpoint vouches for event 10 only, so that is the first event it can show is wrong.
    assert code == 1
    assert "first bad seq: 10: event 10 no longer has the hash its checkpoint recorded" in err


@pytest.mark.django_db
def test_history_rewritten_with_consistent_hashes_is_found(checkpoint_path: Path) -> None:
    events = append_events(6)
    _checkpoint()
    prev_hash = events[1].hash
    with lifted_triggers():
        for event in AuditEvent.objects.filter(seq__gte=3).order_by("seq"):
            event.verb = "rewritten"
            event.prev_hash = prev_hash
            event.hash = event_hash(event.hashed_fields(), prev_hash)
            AuditEvent.objects.filter(seq=event.seq).update(verb=event.verb, prev_hash=prev_hash, hash=event.hash)
            prev_hash = event.hash

    assert run_verify("--no-checkpoints")[0] == 0
    code, _, err = run_verify()

    assert code == 1
    assert "first bad seq: 6: event 6 no longer has the hash its checkpoint recorded" in err


@pytest.mark.django_db
def test_forged_signature_is_found(checkpoint_path: Path) -> None:
    append_events(3)
    _checkpoint()
    checkpoint = _lines(checkpoint_path)[0]
    checkpoint["signature"] = "0" * 64
    checkpoint_path.write_text(json.dumps(checkpoint) + "\n")

    code, _, err = run_verify()

    assert code == 1
    assert "first bad seq: 3: checkpoint at seq 3 has a bad signature or link" in err


@pytest.mark.django_db
def test_checkpoint_signed_with_another_key_is_found(checkpoint_path: Path, settings: Any) -> None:
    append_events(3)
    _checkpoint()
    settings.AOI_AUDIT_CHECKPOINT_KEY = "another-key-entirely-0123456789abcdef"

    code, _, err = run_verify()

    assert code == 1
    assert "checkpoint at seq 3 has a bad signature or link" in err


@pytest.mark.django_db
def test_checkpoint_moved_back_to_match_a_cut_tail_is_found(checkpoint_path: Path) -> None:
    append_events(5)
    _checkpoint()
    _cut_tail(1)
    checkpoint = _lines(checkpoint_path)[0]
    checkpoint.update(seq=4, hash=AuditEvent.objects.get(seq=4).hash)
    checkpoint_path.write_text(json.dumps(checkpoint) + "\n")

    code, _, err = run_verify()

    assert code == 1
    assert "first bad seq: 4: checkpoint at seq 4 has a bad signature or link" in err


@pytest.mark.django_db
def test_removed_checkpoint_line_breaks_the_links(checkpoint_path: Path) -> None:
    append_events(2)
    _checkpoint()
    append_events(2)
    _checkpoint()
    checkpoint_path.write_text(checkpoint_path.read_text().splitlines()[1] + "\n")

    code, _, err = run_verify()

    assert code == 1
    assert "first bad seq: 4: checkpoint at seq 4 has a bad signature or link" in err


@pytest.mark.django_db
def test_malformed_checkpoint_file_fails(checkpoint_path: Path) -> None:
    append_events(2)
    _checkpoint()
    with checkpoint_path.open("a") as file:
        file.write('{"seq": "2"}\n')

    code, _, err = run_verify()

    assert code == 1
    assert "audit log BROKEN: checkpoints: checkpoint file line 2 is not a checkpoint" in err


@pytest.mark.django_db
def test_checkpoint_refuses_to_extend_a_log_whose_tail_was_cut(checkpoint_path: Path) -> None:
    append_events(5)
    _checkpoint()
    _cut_tail(2)
    before = checkpoint_path.read_text()

    with pytest.raises(CommandError, match="refusing to checkpoint: checkpoint at seq 5 is past the log's head 3"):
        _checkpoint()

    assert checkpoint_path.read_text() == before


@pytest.mark.django_db
def test_checkpoint_refuses_to_extend_a_forged_file(checkpoint_path: Path) -> None:
    events = append_events(2)
    created_at = format_time(events[-1].created_at)
    forged = {"seq": 2, "hash": events[-1].hash, "created_at": created_at, "prev_signature": "", "signature": "f" * 64}
    checkpoint_path.parent.mkdir(parents=True)
    checkpoint_path.write_text(json.dumps(forged) + "\n")

    with pytest.raises(CommandError, match="bad signature"):
        _checkpoint()

    assert _lines(checkpoint_path) == [forged]
