from incidents.models import Incident
from trajectories.models import AuditEvent


def test_incident_fixture_is_audited(incident: Incident) -> None:
    assert AuditEvent.objects.filter(verb="incident.created", object_id=str(incident.uuid)).count() == 1
