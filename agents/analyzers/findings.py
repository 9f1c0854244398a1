"""A finding: one fact an analyzer extracted from one read, in the shape the Observer reads.

``{service, signal, detail, source}``: the service (Deployment) the fact is about, the kind of fact (a name
from ``SIGNALS``, in Kubernetes and telemetry terms), the fact itself in one line (numbers kept, log lines
verbatim) and the read it came from, so the raw output is one click away in the trajectory. ``severity``
orders them: 3 the service is failing now, 2 it misbehaves, 1 worth knowing but usually noise (a restart
long ago, an error during start-up that the service recovered from).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

CRITICAL, WARNING, NOTICE = 3, 2, 1
SEVERITY_NAMES = {CRITICAL: "critical", WARNING: "warning", NOTICE: "notice"}


@dataclass(frozen=True)
class Signal:
    """A kind of finding: what it means to an SRE, as the analyzers' vocabulary documents it."""

    name: str
    meaning: str


SIGNALS: dict[str, Signal] = {
    signal.name: signal
    for signal in (
        Signal("not_ready", "a pod's containers are not ready"),
        Signal("crash_loop", "a container keeps exiting and is restarted with back-off"),
        Signal("restarts", "a container restarted"),
        Signal("terminated", "a container's last run ended with an error exit code"),
        Signal("oom_killed", "a container was killed for exceeding its memory limit"),
        Signal("pending", "a pod is not scheduled or not started"),
        Signal("unschedulable", "the scheduler finds no node for a pod"),
        Signal("image_pull", "an image cannot be pulled"),
        Signal("unbound_claim", "a PersistentVolumeClaim is not bound to a volume"),
        Signal("replicas_unavailable", "a Deployment has fewer available replicas than desired"),
        Signal("zero_replicas", "a Deployment is scaled to zero replicas"),
        Signal("rollout_changed", "a recent rollout changed the pod template (image, command, args, env)"),
        Signal("recreated", "every workload of the namespace was created within the last minutes"),
        Signal("no_endpoints", "a Service has no ready endpoint"),
        Signal("target_port_mismatch", "a Service's targetPort matches no containerPort of the pods it selects"),
        Signal("selector_matches_nothing", "a Service's selector selects no pod"),
        Signal("warning_events", "Warning events were recorded for an object"),
        Signal("log_errors", "a service logs errors"),
        Signal("panic", "a service logs a panic or fatal error"),
        Signal("auth_error", "a service logs an authentication or authorization failure"),
        Signal("db_error", "a service logs database errors"),
        Signal("address_mismatch", "a service connects to another on a port that Service does not expose"),
        Signal("startup_errors", "errors logged during start-up, after which the service started"),
        Signal("depends_on", "a service's log names another service it talks to"),
        Signal("callers_fail", "other services log errors when calling this one"),
        Signal("error_rate", "requests to the service fail more than those to the rest"),
        Signal("latency", "the service is slower than the rest"),
        Signal("cpu", "the service uses much more CPU than the rest"),
        Signal("memory_growth", "the service's memory keeps growing"),
    )
}


@dataclass(frozen=True)
class Finding:
    """One extracted fact. ``related``: another service the fact names (the callee of a failing call)."""

    service: str
    signal: str
    detail: str
    source: str
    severity: int = WARNING
    count: int = 1
    related: str = ""

    def __post_init__(self) -> None:
        if self.signal not in SIGNALS:
            raise ValueError(f"unknown signal {self.signal!r}; known: {', '.join(SIGNALS)}")

    @property
    def key(self) -> tuple[str, str, str]:
        """What makes two findings the same fact (for deduplication)."""
        return (self.service, self.signal, self.detail)

    def line(self) -> str:
        """The finding as the Observer reads it, one line."""
        times = f" (x{self.count})" if self.count > 1 else ""
        return f"{self.service or 'namespace'}: {self.signal.replace('_', ' ')}: {self.detail}{times}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})


def dedupe(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per (service, signal, detail), first occurrence first, counts added up."""
    merged: dict[tuple[str, str, str], Finding] = {}
    for finding in findings:
        seen = merged.get(finding.key)
        if seen is None:
            merged[finding.key] = finding
        else:
            merged[finding.key] = replace(
                seen, count=seen.count + finding.count, severity=max(seen.severity, finding.severity)
            )
    return list(merged.values())


def by_severity(findings: Sequence[Finding]) -> list[Finding]:
    """Most severe first; equal severities keep their order (the analyzers' order of reads)."""
    return sorted(findings, key=lambda finding: -finding.severity)


def significant(findings: Iterable[Finding]) -> list[Finding]:
    """The findings above notice level: what says something is wrong now."""
    return [finding for finding in findings if finding.severity > NOTICE]
