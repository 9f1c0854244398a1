"""The survey: a Probe's structured extraction over a whole namespace, through the agent-cloud interface.

It makes the reads an SRE starts an investigation with (pods, workloads and their rollouts, claims,
Services and endpoints, events, traces, metrics, every service's log), hands each output to its analyzer
and returns the findings with every raw read, so that what the Observer is told can always be checked
against what the cluster printed. Only reads: it works on a Probe's read-only handle, on the simulator and
on a real cluster alike; a read that fails (a resource the cluster or the identity does not serve) is kept
as raw output with no findings, never an exception.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from agents.analyzers import events, logs, pods, services, telemetry, workloads
from agents.analyzers.findings import Finding, dedupe
from agents.analyzers.objects import JSON, Services, items_of, latest_time, meta, spec
from agents.environment import CloudEnvironment


@dataclass(frozen=True)
class Read:
    """One read of the survey: what was called, what came back (as the cluster printed it), what it gave."""

    call: str
    output: str
    findings: tuple[Finding, ...] = ()


@dataclass
class Survey:
    """Every read and the deduplicated findings, in the order of the reads."""

    reads: list[Read] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return dedupe(finding for read in self.reads for finding in read.findings)


ReadHook = Callable[[Read], None]


def survey_run(
    env: CloudEnvironment, namespace: str, selectors: Sequence[tuple[str, str]], *, on_read: ReadHook | None = None
) -> Survey:
    """Survey ``namespace``; ``selectors``: each service (Deployment) and its pod selector. ``on_read`` hears
    each read as soon as its findings are known (the trajectory records it as a Probe step)."""
    owners = Services(selectors)
    survey = Survey()

    def record(call: str, output: str, found: Sequence[Finding] = ()) -> None:
        read = Read(call, output, tuple(found))
        survey.reads.append(read)
        if on_read is not None:
            on_read(read)

    objects, calls = _objects(env, namespace)
    measured = _telemetry(env, namespace, owners)
    now = _cluster_now(objects, measured)
    _analyze_objects(objects, calls, owners, now, record)
    for read in measured:
        record(read.call, read.output, read.findings)
    _logs(env, namespace, owners, objects["services"], record)
    return survey


_OBJECT_READS = {
    "pods": "kubectl get pods -n {ns} -o json",
    "deployments": "kubectl get deployments -n {ns} -o json",
    "replicasets": "kubectl get replicasets -n {ns} -o json",
    "services": "kubectl get services -n {ns} -o json",
    "endpoints": "kubectl get endpoints -n {ns} -o json",
    "claims": "kubectl get pvc -n {ns} -o json",
    "volumes": "kubectl get pv -o json",
    "events": "kubectl get events -n {ns} -o json",
}


def _objects(env: CloudEnvironment, namespace: str) -> tuple[dict[str, list[JSON]], dict[str, tuple[str, str]]]:
    """Run the object reads: the objects by kind, and each kind's (call, output) for the record."""
    found: dict[str, list[JSON]] = {}
    calls: dict[str, tuple[str, str]] = {}
    for kind, template in _OBJECT_READS.items():
        call = template.format(ns=namespace)
        output = env.exec_shell(call)
        found[kind] = items_of(output) or []
        calls[kind] = (call, output)
    return found, calls


def _analyze_objects(
    objects: dict[str, list[JSON]],
    calls: dict[str, tuple[str, str]],
    owners: Services,
    now: datetime | None,
    record: Callable[..., None],
) -> None:
    analyzers: dict[str, Callable[[str], list[Finding]]] = {
        "pods": lambda source: pods.pods_analyze(objects["pods"], owners, source=source, now=now),
        "deployments": lambda source: workloads.deployments_analyze(objects["deployments"], owners, source=source),
        "replicasets": lambda source: workloads.rollouts_analyze(objects["replicasets"], owners, source=source),
        "services": lambda source: services.services_analyze(
            objects["services"], objects["pods"], objects["deployments"], owners, source=source
        ),
        "endpoints": lambda source: services.endpoints_analyze(objects["endpoints"], owners, source=source),
        "claims": lambda source: workloads.claims_analyze(
            objects["claims"], objects["volumes"], objects["pods"], owners, source=source
        ),
        "volumes": lambda source: [],
        "events": lambda source: events.events_analyze(objects["events"], owners, source=source, now=now),
    }
    for kind, analyze in analyzers.items():
        call, output = calls[kind]
        record(call, output, analyze(call))


def _exported(message: str) -> str | None:
    for marker in ("exported to directory: ", "exported to: "):
        if marker in message:
            return message.split(marker, 1)[1].split()[0].rstrip(".")
    return None


def _telemetry(env: CloudEnvironment, namespace: str, owners: Services) -> list[Read]:
    reads = []
    message = env.get_traces(namespace, 5)
    path = _exported(message)
    table = env.read_traces(path) if path else ""
    source = f"get_traces {namespace}"
    reads.append(Read(source, f"{message}\n{table}".strip(), tuple(telemetry.traces_analyze(table, source=source))))
    message = env.get_metrics(namespace, 5)
    folder = _exported(message)
    source = f"get_metrics {namespace}"
    if folder is None:
        return [*reads, Read(source, message)]
    requests = env.read_metrics(f"{folder}/service_request_metrics.csv")
    cpu = env.read_metrics(f"{folder}/container_cpu_usage_seconds_total.csv")
    memory = env.read_metrics(f"{folder}/container_memory_working_set_bytes.csv")
    found = telemetry.request_metrics_analyze(requests, source=source)
    found += telemetry.usage_analyze(cpu, memory, owner_of=owners.of_name, source=source)
    return [*reads, Read(source, f"{message}\n{requests}\n{cpu}\n{memory}", tuple(found))]


def _cluster_now(objects: dict[str, list[JSON]], measured: Sequence[Read]) -> datetime | None:
    """The cluster's "now": the newest time its objects or its monitoring's samples show (the monitoring
    samples up to the moment of the export; objects may have changed last minutes ago)."""
    times = [
        latest_time([*objects["pods"], *objects["events"]]),
        *(telemetry.latest_sample(r.output) for r in measured),
    ]
    known = [moment for moment in times if moment is not None]
    return max(known, default=None)


def service_ports(kube_services: Sequence[JSON]) -> dict[str, set[int]]:
    """Each Service's name and the ports it exposes."""
    exposed: dict[str, set[int]] = {}
    for kube_service in kube_services:
        ports = {int(p["port"]) for p in spec(kube_service).get("ports") or [] if str(p.get("port", "")).isdigit()}
        exposed[str(meta(kube_service).get("name", ""))] = ports
    return exposed


def _logs(
    env: CloudEnvironment, namespace: str, owners: Services, kube_services: Sequence[JSON], record: Callable[..., None]
) -> None:
    ports = service_ports(kube_services)
    names = tuple(sorted(set(owners.names) | set(ports)))
    readings = []
    for service in owners.names:
        output = env.get_logs(namespace, service)
        readings.append((service, output, logs.log_read(output, service=service, services=names, ports=ports)))
    shared = logs.shared_addresses([reading for _, _, reading in readings])
    for service, output, reading in readings:
        call = f"get_logs {namespace} {service}"
        reading.addresses = [address for address in reading.addresses if address[:2] not in shared]
        record(call, output, logs.logs_findings(reading, service=service, source=call))
