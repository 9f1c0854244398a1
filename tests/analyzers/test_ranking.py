"""Findings and ranking: deduplication, the Observer's line, and the order services and labels are listed in."""

from __future__ import annotations

import pytest

from agents.analyzers.findings import CRITICAL, NOTICE, WARNING, Finding, by_severity, dedupe, significant
from agents.analyzers.ranking import anomalous, label_order, ranked_services, service_scores

SERVICES = ("gateway", "ledger", "ledger-db", "notifier")
LOGS = "get_logs books {0}"


def _f(service: str, signal: str, severity: int = WARNING, related: str = "", detail: str = "") -> Finding:
    return Finding(service, signal, detail or f"{signal} of {service}", LOGS.format(service), severity, related=related)


def test_an_unknown_signal_is_refused():
    with pytest.raises(ValueError, match="unknown signal 'sad'"):
        Finding("ledger", "sad", "it is sad", "kubectl get pods -n books -o json")


def test_dedupe_keeps_the_first_adds_counts_and_keeps_the_worst_severity():
    first = Finding("ledger", "log_errors", "ERROR boom", "get_logs books ledger", WARNING, 2)
    again = Finding("ledger", "log_errors", "ERROR boom", "kubectl logs deployment/ledger", CRITICAL, 3)
    other = Finding("gateway", "log_errors", "ERROR boom", "get_logs books gateway")

    merged = dedupe([first, other, again])

    assert merged == [Finding("ledger", "log_errors", "ERROR boom", "get_logs books ledger", CRITICAL, 5), other]


def test_the_observers_line_and_the_dict_round_trip():
    finding = Finding("ledger", "crash_loop", "pod ledger-1 CrashLoopBackOff", "kubectl get pods", CRITICAL, 3)

    assert finding.line() == "ledger: crash loop: pod ledger-1 CrashLoopBackOff (x3)"
    assert Finding("", "unbound_claim", "claim scratch is Pending", "s").line() == (
        "namespace: unbound claim: claim scratch is Pending"
    )
    assert Finding.from_dict({**finding.to_dict(), "extra": 1}) == finding


def test_by_severity_is_stable_and_significant_drops_notices():
    findings = [_f("a", "restarts", NOTICE), _f("b", "log_errors"), _f("c", "crash_loop", CRITICAL), _f("d", "panic")]

    assert [f.service for f in by_severity(findings)] == ["c", "b", "d", "a"]
    assert [f.service for f in significant(findings)] == ["b", "c", "d"]


def test_nothing_or_only_notices_is_not_anomalous_and_keeps_the_inventory_order():
    notices = [_f("ledger", "restarts", NOTICE), _f("gateway", "startup_errors", NOTICE)]

    assert anomalous([]) is False
    assert anomalous(notices) is False
    assert ranked_services(notices, SERVICES) == list(SERVICES)
    assert anomalous([*notices, _f("notifier", "log_errors")]) is True


def test_a_cause_outweighs_a_louder_symptom():
    findings = [
        _f("gateway", "crash_loop", CRITICAL),  # 3
        _f("notifier", "target_port_mismatch", CRITICAL),  # 3, doubled: a cause
    ]

    assert service_scores(findings) == {"gateway": 3.0, "notifier": 6.0}
    assert ranked_services(findings, SERVICES)[:2] == ["notifier", "gateway"]


def test_errors_a_caller_logs_about_a_callee_count_for_the_callee():
    findings = [
        _f("gateway", "log_errors", related="ledger", detail="upstream ledger failed"),
        _f("ledger", "callers_fail", related="gateway", detail="gateway logs: upstream ledger failed"),
        _f("notifier", "log_errors", related="ledger", detail="Failed to connect ledger-client"),
        _f("ledger", "callers_fail", related="notifier", detail="notifier logs: Failed to connect ledger-client"),
        _f("notifier", "log_errors", detail="ERROR smtp relay slow"),
    ]

    assert service_scores(findings) == {"notifier": 2.0, "ledger": 4.0}
    assert ranked_services(findings, SERVICES)[:2] == ["ledger", "notifier"]


def test_blame_passes_down_a_chain_to_the_service_with_the_cause():
    # gateway -> ledger -> ledger-db: the database refuses the ledger's login.
    findings = [
        _f("gateway", "log_errors", related="ledger"),
        _f("ledger", "callers_fail", related="gateway"),
        _f("ledger", "db_error", related="ledger-db"),
        _f("ledger-db", "callers_fail", related="ledger"),
        _f("ledger", "depends_on", NOTICE, related="ledger-db"),
        _f("ledger-db", "auth_error", CRITICAL),
    ]

    ranked = ranked_services(findings, SERVICES)

    assert ranked[:2] == ["ledger-db", "ledger"]


def test_a_service_with_only_symptoms_that_depends_on_a_broken_one_is_halved():
    findings = [
        _f("gateway", "not_ready", CRITICAL),
        _f("gateway", "depends_on", NOTICE, related="ledger"),
        _f("ledger", "zero_replicas", CRITICAL),
    ]

    assert service_scores(findings) == {"gateway": 1.5, "ledger": 6.0}


def test_labels_follow_the_top_services_findings():
    findings = [
        _f("ledger", "target_port_mismatch", CRITICAL),
        _f("ledger", "no_endpoints"),
        _f("gateway", "log_errors", related="ledger"),
        _f("ledger", "callers_fail", related="gateway"),
    ]

    labels = label_order(findings, SERVICES)

    assert labels.levels[0] == "Virtualization"
    assert labels.fault_types[0] == "Misconfiguration"
    assert labels.support["Misconfiguration"] == ["target port mismatch"]


def test_a_claim_held_for_an_earlier_claim_reads_as_an_operation_error():
    stale = _f(
        "ledger-db", "unbound_claim", CRITICAL, detail="claim data is Pending; still reserved for an earlier claim"
    )
    missing = _f("ledger-db", "unbound_claim", CRITICAL, detail="claim data is Pending")

    assert label_order([stale], SERVICES).fault_types[0] == "Operation Error"
    assert label_order([missing], SERVICES).fault_types[0] == "Dependency Problem"
