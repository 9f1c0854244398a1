"""``verify_audit`` finds every kind of tampering the database owner can do with the triggers
lifted (edit, delete, reorder, insert) and names the first bad seq; an intact log exits 0."""

import pytest

from tests.audit.helpers import append_events, chained_event, lifted_triggers, run_verify
from trajectories.audit.chain import GENESIS_HASH, format_time
from trajectories.audit.selectors import audit_log_verify, audit_rows
from trajectories.audit.services import Actor, audit_append
from trajectories.models import AuditEvent


@pytest.mark.django_db
def test_intact_chain_verifies() -> None:
    append_events(10)

    code, out, err = run_verify()

    assert code == 0
    assert "audit log intact: 10 events verified, head seq 10" in out
    assert err == ""


@pytest.mark.django_db
def test_empty_log_verifies() -> None:
    code, out, _ = run_verify()

    assert code == 0
    assert "0 events verified, head seq 0" in out


@pytest.mark.django_db
def test_events_written_by_services_verify(incident: object) -> None:
    # Team, membership, permission grants and the incident itself: real payloads, real times.
    assert AuditEvent.objects.count() > 5

    code, _, _ = run_verify()

    assert code == 0


@pytest.mark.django_db
def test_numbers_that_jsonb_rewrites_still_verify() -> None:
    # jsonb returns 1e+20 as an integer and -0.0 as 0.0; the hash must be of what is stored.
    append_events(1)
    audit_append(
        actor=Actor.system("tests"),
        verb="test.numbers",
        object_type="probe",
        payload={"big": 1e20, "negative_zero": -0.0, "small": 1e-7, "nested": [{"x": 2.5e300}]},
    )

    code, _, err = run_verify()

    assert (code, err) == (0, "")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [("verb", "incident.closed"), ("payload", {"i": 99}), ("actor_label", "someone else"), ("object_id", "42")],
)
def test_edited_field_is_found(field: str, value: object) -> None:
    events = append_events(10)
    with lifted_triggers():
        AuditEvent.objects.filter(seq=events[4].seq).update(**{field: value})

    code, _, err = run_verify()

    assert code == 1
    assert f"first bad seq: {events[4].seq}: hash does not match" in err


@pytest.mark.django_db
def test_edited_time_is_found() -> None:
    events = append_events(10)
    with lifted_triggers():
        AuditEvent.objects.filter(seq=events[6].seq).update(created_at=events[2].created_at)

    code, _, err = run_verify()

    assert code == 1
    assert f"first bad seq: {events[6].seq}:" in err


@pytest.mark.django_db
@pytest.mark.parametrize("index", [0, 4, 8])
def test_deleted_row_is_found(index: int) -> None:
    events = append_events(10)
    with lifted_triggers():
        AuditEvent.objects.filter(seq=events[index].seq).delete()

    code, _, err = run_verify()

    assert code == 1
    assert f"first bad seq: {events[index].seq}: expected seq {events[index].seq}, found" in err


@pytest.mark.django_db
def test_swapped_payloads_are_found() -> None:
    events = append_events(10)
    third, seventh = events[2], events[6]
    with lifted_triggers():
        AuditEvent.objects.filter(seq=third.seq).update(payload=seventh.payload)
        AuditEvent.objects.filter(seq=seventh.seq).update(payload=third.payload)

    code, _, err = run_verify()

    assert code == 1
    assert f"first bad seq: {third.seq}: hash does not match" in err


@pytest.mark.django_db
def test_swapped_rows_are_found() -> None:
    events = append_events(10)
    third, seventh = events[2].seq, events[6].seq
    with lifted_triggers():
        AuditEvent.objects.filter(seq=third).update(seq=-1)
        AuditEvent.objects.filter(seq=seventh).update(seq=third)
        AuditEvent.objects.filter(seq=-1).update(seq=seventh)

    code, _, err = run_verify()

    assert code == 1
    assert f"first bad seq: {third}: prev_hash does not link" in err


def _make_room_at(seq: int) -> None:
    """Shift every event from ``seq`` on up by one, newest first (seq is the primary key)."""
    for existing in AuditEvent.objects.filter(seq__gte=seq).order_by("-seq").values_list("seq", flat=True):
        AuditEvent.objects.filter(seq=existing).update(seq=existing + 1)


@pytest.mark.django_db
def test_inserted_row_is_found() -> None:
    append_events(10)
    with lifted_triggers():
        _make_room_at(5)
    forged = chained_event(5, "f" * 64, verb="action.approved")
    forged.save(force_insert=True)

    code, _, err = run_verify()

    assert code == 1
    assert "first bad seq: 5: prev_hash does not link" in err


@pytest.mark.django_db
def test_well_forged_inserted_row_is_found_at_the_next_row() -> None:
    # A forger who links the row and hashes it correctly still breaks the link of the row after.
    events = append_events(10)
    with lifted_triggers():
        _make_room_at(5)
    forged = chained_event(5, events[3].hash, verb="action.approved")
    forged.save(force_insert=True)

    code, _, err = run_verify()

    assert code == 1
    assert "first bad seq: 6: prev_hash does not link" in err


@pytest.mark.django_db
def test_row_appended_past_the_head_with_a_bad_hash_is_found() -> None:
    events = append_events(3)
    forged = chained_event(4, events[-1].hash)
    forged.hash = "e" * 64
    forged.save(force_insert=True)

    code, _, err = run_verify()

    assert code == 1
    assert "first bad seq: 4: hash does not match" in err


@pytest.mark.django_db
def test_first_bad_seq_is_the_earliest_of_several() -> None:
    events = append_events(10)
    with lifted_triggers():
        AuditEvent.objects.filter(seq=events[7].seq).delete()
        AuditEvent.objects.filter(seq=events[3].seq).update(verb="edited")

    code, _, err = run_verify()

    assert code == 1
    assert f"first bad seq: {events[3].seq}:" in err


@pytest.mark.django_db
def test_chain_starting_anywhere_but_genesis_is_found() -> None:
    event = chained_event(1, "a" * 64)
    event.save(force_insert=True)

    code, _, err = run_verify()

    assert code == 1
    assert "first bad seq: 1: prev_hash does not link" in err


@pytest.mark.django_db
def test_verification_streams_rows_without_building_models(monkeypatch: pytest.MonkeyPatch) -> None:
    append_events(7)

    def no_instances(*args: object, **kwargs: object) -> None:
        raise AssertionError("verification must not build AuditEvent instances")

    monkeypatch.setattr(AuditEvent, "__init__", no_instances)
    verdict = audit_log_verify(checkpoints_path=None, key=b"")

    assert (verdict.ok, verdict.checked) == (True, 7)


@pytest.mark.django_db
def test_rows_carry_times_exactly_as_hashed() -> None:
    # On PostgreSQL the database formats the time; whole seconds must still carry ".000000Z".
    whole_second = chained_event(1, GENESIS_HASH)
    whole_second.save(force_insert=True)
    events = [whole_second, *append_events(2)]

    times = [row["created_at"] for row in audit_rows()]

    assert times == [format_time(event.created_at) for event in events]
    assert times[0].endswith(":01.000000Z")
