"""How an alert's labels and annotations become an incident's fields."""

import pytest

from incidents.alerts.mapping import SEVERITY_BY_LABEL, alert_application, alert_incident_fields, alert_severity
from incidents.alerts.parsing import Alert
from incidents.models import Severity


def make_alert(labels: dict[str, str], annotations: dict[str, str] | None = None) -> Alert:
    return Alert(status="firing", labels=labels, annotations=annotations or {}, fingerprint="0123456789abcdef0123")


@pytest.mark.parametrize(
    ("label", "severity"),
    [
        ("critical", "critical"),
        ("high", "high"),
        ("error", "high"),
        ("warning", "warning"),
        ("info", "info"),
        ("none", "info"),
        ("CRITICAL", "critical"),
        (" Warning ", "warning"),
        ("page", "warning"),
        ("", "warning"),
    ],
)
def test_severity_label_maps_to_the_platform_vocabulary(label: str, severity: str) -> None:
    assert alert_severity({"severity": label}) == severity


def test_a_missing_severity_label_is_a_warning() -> None:
    assert alert_severity({"alertname": "X"}) == Severity.WARNING


def test_every_mapped_severity_is_a_severity_choice() -> None:
    assert set(SEVERITY_BY_LABEL.values()) <= set(Severity.values)


@pytest.mark.parametrize(
    ("labels", "application"),
    [
        ({"app": "cart", "application": "shop", "service": "cart-svc", "job": "kube-state"}, "cart"),
        ({"application": "shop", "service": "cart-svc", "job": "kube-state"}, "shop"),
        ({"app": "", "service": "cart-svc", "job": "kube-state"}, "cart-svc"),
        ({"job": "node-exporter"}, "node-exporter"),
        ({"alertname": "Watchdog"}, ""),
    ],
)
def test_application_comes_from_app_application_service_job_in_that_order(
    labels: dict[str, str], application: str
) -> None:
    assert alert_application(labels) == application


def test_the_summary_annotation_is_the_title() -> None:
    fields = alert_incident_fields(
        make_alert({"alertname": "HighErrorRate", "service": "cart"}, {"summary": "Cart 5xx at 9%", "description": "d"})
    )

    assert (fields.title, fields.description) == ("Cart 5xx at 9%", "d")


def test_without_summary_the_title_is_the_alert_name_with_service_and_namespace() -> None:
    labels = {"alertname": "KubePodCrashLooping", "service": "cart", "namespace": "shop", "severity": "high"}

    fields = alert_incident_fields(make_alert(labels))

    assert fields.title == "KubePodCrashLooping (service=cart, namespace=shop)"
    assert (fields.severity, fields.application, fields.namespace, fields.description) == ("high", "cart", "shop", "")
    assert alert_incident_fields(make_alert({"alertname": "Watchdog"})).title == "Watchdog"
    assert alert_incident_fields(make_alert({"instance": "10.0.0.1:9100"})).title == "Alert 0123456789abcdef"


def test_long_values_are_cut_to_their_column_widths() -> None:
    fields = alert_incident_fields(make_alert({"app": "a" * 150, "namespace": "n" * 300}, {"summary": "s" * 400}))

    assert (len(fields.title), len(fields.application), len(fields.namespace)) == (300, 100, 253)
