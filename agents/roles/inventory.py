"""What exists in the namespace under investigation, read through the read-only handle at the start of a run.

The enumerations of every decision schema are built from this: the services an answer may name, the read
commands a Probe may run, the writes an Executor may propose. It is read with ordinary kubectl calls, so
the same code serves the simulator and a real cluster.
"""

from __future__ import annotations

from dataclasses import dataclass

from agents.environment import CloudEnvironment

# Read calls a Probe may make. ``{service}`` templates are instantiated for every service.
NAMESPACE_READS = (
    "kubectl get pods -n {namespace} -o wide",
    "kubectl get events -n {namespace} --sort-by=.lastTimestamp",
    "kubectl get deployments -n {namespace}",
    "kubectl get services -n {namespace} -o wide",
    "kubectl get endpoints -n {namespace}",
    "get_traces {namespace}",
    "get_metrics {namespace}",
)
SERVICE_READS = (
    "kubectl describe pod -l {selector} -n {namespace}",
    "kubectl describe deployment {service} -n {namespace}",
    "kubectl describe service {service} -n {namespace}",
    "kubectl logs deployment/{service} -n {namespace} --tail 30",
    "kubectl logs deployment/{service} -n {namespace} --previous --tail 30",
    "get_logs {namespace} {service}",
)


@dataclass(frozen=True)
class Inventory:
    """The namespace's deployments (with the label selector of each) and the read calls a Probe may make."""

    namespace: str
    services: tuple[str, ...]
    selectors: tuple[tuple[str, str], ...]

    @property
    def namespace_reads(self) -> tuple[str, ...]:
        return tuple(template.format(namespace=self.namespace) for template in NAMESPACE_READS)

    def service_reads(self, service: str) -> tuple[str, ...]:
        selector = dict(self.selectors).get(service, f"app={service}")
        return tuple(
            template.format(namespace=self.namespace, service=service, selector=selector) for template in SERVICE_READS
        )

    def reads_for(self, focus: tuple[str, ...] = ()) -> tuple[str, ...]:
        """The namespace-wide reads plus those of the focus services (of every service when none)."""
        chosen = [service for service in focus if service in self.services] or list(self.services)
        return self.namespace_reads + tuple(read for service in chosen for read in self.service_reads(service))

    @property
    def reads(self) -> tuple[str, ...]:
        return self.reads_for(())


def inventory_read(env: CloudEnvironment, namespace: str) -> Inventory:
    """List the namespace's deployments and their selectors through ``env`` (a read-only handle suffices)."""
    template = '{range .items[*]}{.metadata.name}{"\\t"}{.spec.selector.matchLabels}{"\\n"}{end}'
    output = env.exec_shell(f"kubectl get deployments -n {namespace} -o jsonpath='{template}'")
    services: list[str] = []
    selectors: list[tuple[str, str]] = []
    for line in output.splitlines():
        name, _, labels = line.partition("\t")
        if not name or " " in name or name.startswith(("Error", "error", "No resources")):
            continue
        services.append(name)
        selectors.append((name, _selector(labels) or f"app={name}"))
    return Inventory(namespace=namespace, services=tuple(services), selectors=tuple(selectors))


def _selector(labels: str) -> str:
    """``{"app":"geo"}`` (kubectl's JSON of a map) as a label selector ``app=geo``."""
    import json

    try:
        mapping = json.loads(labels)
    except ValueError:
        return ""
    if not isinstance(mapping, dict):
        return ""
    return ",".join(f"{key}={value}" for key, value in sorted(mapping.items()))
