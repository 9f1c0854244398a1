"""``kubectl describe node``: taints, lease, conditions, addresses, capacity and system info.

It ends with the node's non-terminated pods and the share of its allocatable resources they request.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from agents.cli.describe.common import (
    Context,
    JSONObj,
    Writer,
    meta,
    write_annotations,
    write_events,
    write_header,
    write_labels,
)
from agents.cli.durations import rfc1123z
from agents.cli.quantities import format_quantity, parse_quantity
from agents.cli.render import dig, node_roles


def _taints(w: Writer, taints: Sequence[JSONObj] | None) -> None:
    w.write(0, "Taints:\t")
    if not taints:
        w.line("<none>")
        return
    ordered = sorted(taints, key=lambda taint: f"{taint.get('effect', '')},{taint.get('key', '')}")
    for index, taint in enumerate(ordered):
        value = f"={taint['value']}" if taint.get("value") else ""
        w.write(0, ("\t" if index else "") + f"{taint.get('key', '')}{value}:{taint.get('effect', '')}\n")


def _lease(w: Writer, node: JSONObj, ctx: Context) -> None:
    lease = ctx.related.get("lease")
    ready = [c for c in dig(node, "status", "conditions") or [] if c.get("type") == "Ready"]
    holder = dig(lease, "spec", "holderIdentity") if lease else meta(node, "name")
    acquired = dig(lease, "spec", "acquireTime") if lease else None
    renewed = dig(lease, "spec", "renewTime") if lease else (ready[0].get("lastHeartbeatTime") if ready else None)
    w.write(0, "Lease:\n")
    w.write(1, f"HolderIdentity:\t{holder or '<unset>'}\n")
    w.write(1, f"AcquireTime:\t{rfc1123z(acquired) if acquired else '<unset>'}\n")
    w.write(1, f"RenewTime:\t{rfc1123z(renewed) if renewed else '<unset>'}\n")


def _node_conditions(w: Writer, conditions: Sequence[JSONObj] | None) -> None:
    if not conditions:
        return
    w.write(0, "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n")
    w.write(1, "----\t------\t-----------------\t------------------\t------\t-------\n")
    for c in conditions:
        heartbeat, transition = rfc1123z(c.get("lastHeartbeatTime")), rfc1123z(c.get("lastTransitionTime"))
        w.write(1, f"{c.get('type', '')} \t{c.get('status', '')} \t{heartbeat} \t{transition} \t")
        w.write(0, f"{c.get('reason', '')} \t{c.get('message', '')}\n")


def _system_info(w: Writer, node: JSONObj) -> None:
    info = dig(node, "status", "nodeInfo") or {}
    w.write(0, "System Info:\n")
    for title, key in (
        ("Machine ID", "machineID"),
        ("System UUID", "systemUUID"),
        ("Boot ID", "bootID"),
        ("Kernel Version", "kernelVersion"),
        ("OS Image", "osImage"),
        ("Operating System", "operatingSystem"),
        ("Architecture", "architecture"),
        ("Container Runtime Version", "containerRuntimeVersion"),
        ("Kubelet Version", "kubeletVersion"),
        ("Kube-Proxy Version", "kubeProxyVersion"),
    ):
        w.write(0, f"  {title}:\t{info.get(key, '')}\n")


def _pod_totals(pod: JSONObj, section: str) -> dict[str, tuple[Decimal, bool]]:
    totals: dict[str, tuple[Decimal, bool]] = {}
    for container in dig(pod, "spec", "containers") or []:
        for name, raw in (dig(container, "resources", section) or {}).items():
            amount = parse_quantity(str(raw)) or Decimal(0)
            previous, binary = totals.get(name, (Decimal(0), False))
            totals[name] = (previous + amount, binary or "i" in str(raw))
    return totals


def _share(amount: tuple[Decimal, bool] | None, allocatable: Decimal | None, cpu: bool) -> str:
    value, binary = amount or (Decimal(0), False)
    percent = int(value / allocatable * 100) if allocatable else 0
    return f"{format_quantity(value, binary, cpu)} ({percent}%)"


def _node_pods(w: Writer, node: JSONObj, ctx: Context) -> None:
    pods = [p for p in ctx.related.get("pods") or [] if dig(p, "status", "phase") not in ("Succeeded", "Failed")]
    allocatable = dig(node, "status", "allocatable") or dig(node, "status", "capacity") or {}
    cpu, memory = parse_quantity(allocatable.get("cpu")), parse_quantity(allocatable.get("memory"))
    w.write(0, f"Non-terminated Pods:\t({len(pods)} in total)\n")
    w.write(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n")
    w.write(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n")
    totals: dict[str, dict[str, tuple[Decimal, bool]]] = {"requests": {}, "limits": {}}
    for pod in pods:
        requests, limits = _pod_totals(pod, "requests"), _pod_totals(pod, "limits")
        cells = [_share(requests.get("cpu"), cpu, True), _share(limits.get("cpu"), cpu, True)]
        cells += [_share(requests.get("memory"), memory, False), _share(limits.get("memory"), memory, False)]
        w.write(1, f"{meta(pod, 'namespace') or ''}\t{meta(pod, 'name') or ''}\t\t" + "\t".join(cells) + "\t")
        w.write(0, f"{ctx.since(meta(pod, 'creationTimestamp'))}\n")
        for section, values in (("requests", requests), ("limits", limits)):
            for name, (amount, binary) in values.items():
                previous = totals[section].get(name, (Decimal(0), False))
                totals[section][name] = (previous[0] + amount, previous[1] or binary)
    w.write(0, "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n")
    w.write(1, "Resource\tRequests\tLimits\n")
    w.write(1, "--------\t--------\t------\n")
    storage = parse_quantity(allocatable.get("ephemeral-storage"))
    for name, limit, is_cpu in (("cpu", cpu, True), ("memory", memory, False), ("ephemeral-storage", storage, False)):
        requested, limited = totals["requests"].get(name), totals["limits"].get(name)
        w.write(1, f"{name}\t{_share(requested, limit, is_cpu)}\t{_share(limited, limit, is_cpu)}\n")


def describe_node(w: Writer, node: JSONObj, ctx: Context) -> None:
    status = node.get("status") or {}
    write_header(w, node, namespace=False)
    w.write(0, f"Roles:\t{','.join(node_roles(node)) or '<none>'}\n")
    write_labels(w, "Labels", meta(node, "labels"))
    write_annotations(w, "Annotations", meta(node, "annotations"))
    w.write(0, f"CreationTimestamp:\t{rfc1123z(meta(node, 'creationTimestamp'))}\n")
    _taints(w, dig(node, "spec", "taints"))
    w.write(0, f"Unschedulable:\t{'true' if dig(node, 'spec', 'unschedulable') else 'false'}\n")
    _lease(w, node, ctx)
    _node_conditions(w, status.get("conditions"))
    w.write(0, "Addresses:\n")
    for address in status.get("addresses") or []:
        w.write(1, f"{address.get('type', '')}:\t{address.get('address', '')}\n")
    for title, key in (("Capacity", "capacity"), ("Allocatable", "allocatable")):
        resources = status.get(key) or {}
        if resources:
            w.write(0, f"{title}:\n")
        for name in sorted(resources):
            w.write(0, f"  {name}:\t{resources[name]}\n")
    _system_info(w, node)
    spec = node.get("spec") or {}
    for title, value in (("PodCIDR", spec.get("podCIDR")), ("PodCIDRs", ",".join(spec.get("podCIDRs") or []))):
        if value:
            w.write(0, f"{title}:\t{value}\n")
    if spec.get("providerID"):
        w.write(0, f"ProviderID:\t{spec['providerID']}\n")
    _node_pods(w, node, ctx)
    write_events(w, ctx)
