"""Ordering by the evidence: which services the findings point at, and which root-cause labels they fit.

The Observer decides; these orderings decide only the order in which its options are listed (the services
with findings first), which a small model follows closely. Three rules, all about how failures show up:

- a fact about a service's own objects that can cause failures (a Service port no container listens on,
  zero replicas, a pod that cannot be scheduled, a changed pod template, a wrong address, an auth failure)
  weighs more than a symptom (a crash loop, errors, missing endpoints);
- errors a service logs about another service are evidence about the callee, not the caller;
- blame passes down a chain: a service whose only trouble is that its callers fail and that it fails
  calling another passes what it is blamed for on to that other service.

The taxonomy hints say which RCA labels a kind of finding usually belongs to (a Kubernetes object's
setting is the Virtualization layer; a wrong port or image is a Misconfiguration; an authorization failure
is an Authentication Issue); they are general SRE readings of the signals, not answers of any benchmark.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from agents.analyzers.findings import NOTICE, Finding, significant
from agents.sim.grading import FAULT_TYPES, SYSTEM_LEVELS

CAUSES = frozenset(
    {
        "target_port_mismatch",
        "selector_matches_nothing",
        "zero_replicas",
        "unschedulable",
        "unbound_claim",
        "rollout_changed",
        "address_mismatch",
        "image_pull",
        "auth_error",
        "oom_killed",
    }
)
# signal -> (system level, fault type); None where the signal says nothing about that part.
HINTS: dict[str, tuple[str | None, str | None]] = {
    "target_port_mismatch": ("Virtualization", "Misconfiguration"),
    "selector_matches_nothing": ("Virtualization", "Misconfiguration"),
    "zero_replicas": ("Virtualization", "Operation Error"),
    "unschedulable": ("Virtualization", "Dependency Problem"),
    "pending": ("Virtualization", None),
    "no_endpoints": ("Virtualization", None),
    "rollout_changed": ("Application", "Misconfiguration"),
    "address_mismatch": ("Application", "Misconfiguration"),
    "image_pull": ("Application", "Misconfiguration"),
    "auth_error": ("Application", "Authentication Issue"),
    "oom_killed": ("Application", "Code Defect"),
    "panic": ("Application", "Code Defect"),
    "crash_loop": ("Application", None),
    "db_error": ("Application", None),
    "log_errors": ("Application", None),
    "callers_fail": ("Application", None),
    "error_rate": ("Application", None),
    "latency": ("Application", "Network/Storage Issue"),
    "cpu": ("Application", None),
    "memory_growth": ("Application", "Code Defect"),
}
# A caller's own log line naming its callee: evidence about the callee (its ``callers_fail``), not the caller.
CALLER_SIDE = frozenset({"log_errors", "db_error", "panic"})
STALE_CLAIM = "still reserved for an earlier claim"


def finding_weight(finding: Finding) -> float:
    """A finding's weight as evidence: its severity, doubled for a cause-like signal."""
    return finding.severity * (2.0 if finding.signal in CAUSES else 1.0)


def _own_scores(findings: Sequence[Finding]) -> dict[str, float]:
    """Per service: the strongest finding of each signal, weighted; errors naming a callee count for the
    callee (as its ``callers_fail``), not for the caller."""
    best: dict[tuple[str, str], float] = {}
    for finding in significant(findings):
        if (
            not finding.service
            or finding.signal == "callers_fail"
            or (finding.related and finding.signal in CALLER_SIDE)
        ):
            continue
        key = (finding.service, finding.signal)
        best[key] = max(best.get(key, 0.0), finding_weight(finding))
    scores: dict[str, float] = defaultdict(float)
    for (service, _), weight in best.items():
        scores[service] += weight
    return scores


def _blame(findings: Sequence[Finding]) -> dict[str, set[str]]:
    """callee -> the callers whose errors name it."""
    callers: dict[str, set[str]] = defaultdict(set)
    for finding in significant(findings):
        if finding.signal == "callers_fail" and finding.service and finding.related:
            callers[finding.service].add(finding.related)
    return callers


def _only_symptoms(service: str, findings: Sequence[Finding]) -> bool:
    return not any(f.service == service and f.signal in CAUSES for f in significant(findings))


def _explained(findings: Sequence[Finding]) -> set[str]:
    """Services with only symptoms that depend on (name in their logs) a service with a cause-like finding:
    their failure is most likely that dependency's."""
    causes = {f.service for f in significant(findings) if f.signal in CAUSES}
    return {
        f.service
        for f in findings
        if f.signal == "depends_on" and f.related in causes and _only_symptoms(f.service, findings)
    }


def service_scores(findings: Sequence[Finding]) -> dict[str, float]:
    """How strongly the findings point at each service (0 for none)."""
    scores = _own_scores(findings)
    for service in _explained(findings):
        scores[service] /= 2
    callers = _blame(findings)
    calls: dict[str, set[str]] = defaultdict(set)
    for callee, who in callers.items():
        for caller in who:
            calls[caller].add(callee)
    blamed = {service: 2.0 * len(who) for service, who in callers.items()}
    for _ in range(3):  # chains are short; three passes settle any chain of the three applications
        moved = dict(blamed)
        for service, amount in blamed.items():
            onward = [callee for callee in calls.get(service, ()) if callee != service]
            if onward and amount and _only_symptoms(service, findings) and scores.get(service, 0.0) <= amount:
                moved[service] = amount / 2
                for callee in onward:
                    moved[callee] = moved.get(callee, 0.0) + amount / (2 * len(onward))
        blamed = moved
    total: dict[str, float] = defaultdict(float)
    for service, value in [*scores.items(), *blamed.items()]:
        total[service] += value
    return dict(total)


def ranked_services(findings: Sequence[Finding], services: Sequence[str]) -> list[str]:
    """``services`` with those the findings point at first (strongest first), the rest in their order."""
    scores = service_scores(findings)
    position = {service: index for index, service in enumerate(services)}
    return sorted(services, key=lambda service: (-scores.get(service, 0.0), position[service]))


def anomalous(findings: Sequence[Finding]) -> bool:
    """Whether anything above notice level was found."""
    return any(finding.severity > NOTICE for finding in findings)


@dataclass(frozen=True)
class Labels:
    """The RCA labels in the order the findings support them, and which kinds of finding support each."""

    levels: list[str]
    fault_types: list[str]
    support: dict[str, list[str]]


def label_order(findings: Sequence[Finding], services: Sequence[str]) -> Labels:
    """The system levels and fault types, those the top services' findings fit first."""
    scores = service_scores(findings)
    top = [service for service in ranked_services(findings, services) if scores.get(service, 0.0) > 0][:3]
    share = {service: 1.0 if index == 0 else 0.4 for index, service in enumerate(top)}
    levels: dict[str, float] = defaultdict(float)
    types: dict[str, float] = defaultdict(float)
    support: dict[str, list[str]] = defaultdict(list)
    for finding in significant(findings):
        factor = share.get(finding.service)
        if factor is None:
            continue
        level, kind = HINTS.get(finding.signal, (None, None))
        if finding.signal == "unbound_claim":
            level, kind = "Virtualization", "Operation Error" if STALE_CLAIM in finding.detail else "Dependency Problem"
        phrase = finding.signal.replace("_", " ")
        for label in (level, kind):
            if label and phrase not in support[label]:
                support[label].append(phrase)
        if level:
            levels[level] = max(levels[level], factor * finding_weight(finding))
        if kind:
            types[kind] += factor * finding_weight(finding)
    return Labels(_ordered(SYSTEM_LEVELS, levels), _ordered(FAULT_TYPES, types), dict(support))


def _ordered(labels: Sequence[str], scores: dict[str, float]) -> list[str]:
    position = {label: index for index, label in enumerate(labels)}
    return sorted(labels, key=lambda label: (-scores.get(label, 0.0), position[label]))
