"""Events: Warning events grouped by the object they are about, with counts and the latest message."""

from __future__ import annotations

from agents.analyzers.events import events_analyze
from agents.analyzers.findings import NOTICE, WARNING, Finding
from agents.analyzers.objects import Services
from tests.analyzers.kube_json import NOW, SELECTORS, event

OWNERS = Services(SELECTORS)
SOURCE = "kubectl get events -n books -o json"
LEDGER_POD = "ledger-7d9c8f6b5-q2x8m"


def _analyze(*events: dict) -> list[Finding]:
    return events_analyze(list(events), OWNERS, source=SOURCE, now=NOW)


def test_normal_events_give_nothing():
    found = _analyze(
        event("Pod", LEDGER_POD, "Scheduled", f"Successfully assigned books/{LEDGER_POD} to worker-2", type_="Normal"),
        event("Pod", LEDGER_POD, "Pulled", 'Container image "ledger:1.8.4" already present on machine', type_="Normal"),
        event("Pod", LEDGER_POD, "Started", "Started container ledger", type_="Normal"),
    )

    assert found == []


def test_warnings_about_one_object_are_one_finding_with_counts_and_the_latest_message():
    found = _analyze(
        event(
            "Pod",
            LEDGER_POD,
            "Unhealthy",
            "Readiness probe failed: HTTP probe failed with statuscode: 503",
            count=4,
            first_ago=400,
            last_ago=90,
        ),
        event(
            "Pod",
            LEDGER_POD,
            "BackOff",
            f"Back-off restarting failed container ledger in pod {LEDGER_POD}_books(3f1e)",
            count=12,
            first_ago=380,
            last_ago=10,
        ),
        event("Pod", LEDGER_POD, "Started", "Started container ledger", type_="Normal", count=6, last_ago=5),
    )

    assert found == [
        Finding(
            "ledger",
            "warning_events",
            f"pod/{LEDGER_POD}: Unhealthy x4, BackOff x12, last 10s ago: "
            f"Back-off restarting failed container ledger in pod {LEDGER_POD}_books(3f1e)",
            SOURCE,
            WARNING,
        )
    ]


def test_each_object_gets_its_own_finding_in_the_order_first_seen():
    found = _analyze(
        event("Pod", "ledger-db-5f4d7c9b8-h7c2n", "FailedScheduling", "0/3 nodes are available", last_ago=30),
        event("Deployment", "notifier", "FailedCreate", "exceeded quota: compute", count=3, last_ago=60),
        event("Pod", "ledger-db-5f4d7c9b8-h7c2n", "FailedScheduling", "0/3 nodes are available", last_ago=20),
    )

    assert [(f.service, f.detail) for f in found] == [
        ("ledger-db", "pod/ledger-db-5f4d7c9b8-h7c2n: FailedScheduling x2, last 20s ago: 0/3 nodes are available"),
        ("notifier", "deployment/notifier: FailedCreate x3, last 60s ago: exceeded quota: compute"),
    ]


def test_a_single_warning_long_ago_is_only_a_notice():
    found = _analyze(
        event(
            "Pod",
            LEDGER_POD,
            "BackOff",
            "Back-off restarting failed container ledger",
            first_ago=1500,
        )
    )

    assert [(f.signal, f.severity) for f in found] == [("warning_events", NOTICE)]
    assert "last 25m0s ago" in found[0].detail


def test_a_single_recent_warning_is_a_warning():
    found = _analyze(event("Pod", LEDGER_POD, "Unhealthy", "Liveness probe failed: connection refused", first_ago=30))

    assert [(f.signal, f.severity) for f in found] == [("warning_events", WARNING)]


def test_a_warning_about_an_object_of_no_service_is_the_namespaces():
    found = _analyze(event("PersistentVolumeClaim", "scratch", "ProvisioningFailed", "storageclass not found"))

    assert [(f.service, f.detail) for f in found] == [
        ("", "persistentvolumeclaim/scratch: ProvisioningFailed x1, last 10m0s ago: storageclass not found")
    ]
