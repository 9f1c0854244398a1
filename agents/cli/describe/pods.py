"""``kubectl describe pod``: status, addresses, containers, conditions, volumes and QoS class."""

from __future__ import annotations

from agents.cli.describe.common import (
    Context,
    JSONObj,
    Writer,
    controller_of,
    meta,
    write_annotations,
    write_events,
    write_header,
    write_labels,
)
from agents.cli.describe.containers import write_containers
from agents.cli.describe.podspec import write_tolerations, write_volumes
from agents.cli.durations import rfc1123z
from agents.cli.quantities import parse_quantity
from agents.cli.render import dig


def _qos(pod: JSONObj) -> str:
    if dig(pod, "status", "qosClass"):
        return str(pod["status"]["qosClass"])
    containers = [*(dig(pod, "spec", "containers") or []), *(dig(pod, "spec", "initContainers") or [])]
    requests = [dig(c, "resources", "requests") or {} for c in containers]
    limits = [dig(c, "resources", "limits") or {} for c in containers]
    if not any(requests) and not any(limits):
        return "BestEffort"
    for request, limit in zip(requests, limits, strict=True):
        if any(limit.get(name) is None for name in ("cpu", "memory")):
            return "Burstable"
        if any(
            parse_quantity(request.get(name, limit[name])) != parse_quantity(limit[name]) for name in ("cpu", "memory")
        ):
            return "Burstable"
    return "Guaranteed"


def describe_pod(w: Writer, pod: JSONObj, ctx: Context) -> None:
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    write_header(w, pod)
    if spec.get("priority") is not None:
        w.write(0, f"Priority:\t{spec['priority']}\n")
    if spec.get("priorityClassName"):
        w.write(0, f"Priority Class Name:\t{spec['priorityClassName']}\n")
    if spec.get("serviceAccountName"):
        w.write(0, f"Service Account:\t{spec['serviceAccountName']}\n")
    node = spec.get("nodeName")
    w.write(0, f"Node:\t{node}/{status.get('hostIP', '')}\n" if node else "Node:\t<none>\n")
    if status.get("startTime"):
        w.write(0, f"Start Time:\t{rfc1123z(status['startTime'])}\n")
    write_labels(w, "Labels", meta(pod, "labels"))
    write_annotations(w, "Annotations", meta(pod, "annotations"))
    _pod_status_lines(w, pod, ctx)
    _pod_addresses(w, pod)
    if spec.get("initContainers"):
        write_containers(w, "Init Containers", spec, "initContainers", pod, "")
    write_containers(w, "Containers", spec, "containers", pod, "")
    _pod_conditions(w, pod)
    write_volumes(w, spec.get("volumes"), "")
    w.write(0, f"QoS Class:\t{_qos(pod)}\n")
    write_labels(w, "Node-Selectors", spec.get("nodeSelector"))
    write_tolerations(w, "Tolerations", spec.get("tolerations"))
    write_events(w, ctx)


def _pod_status_lines(w: Writer, pod: JSONObj, ctx: Context) -> None:
    status = pod.get("status") or {}
    phase = status.get("phase", "")
    deleted = meta(pod, "deletionTimestamp")
    if deleted and phase not in ("Failed", "Succeeded"):
        w.write(0, f"Status:\tTerminating (lasts {ctx.since(deleted)})\n")
        w.write(0, f"Termination Grace Period:\t{meta(pod, 'deletionGracePeriodSeconds') or 0}s\n")
    else:
        w.write(0, f"Status:\t{phase}\n")
    for key in ("reason", "message"):
        if status.get(key):
            w.write(0, f"{key.capitalize()}:\t{status[key]}\n")


def _pod_addresses(w: Writer, pod: JSONObj) -> None:
    status = pod.get("status") or {}
    ips = status.get("podIPs") or ([{"ip": status["podIP"]}] if status.get("podIP") else [])
    w.write(0, f"IP:\t{status.get('podIP', '')}\n")
    w.write(0, "IPs:\t<none>\n" if not ips else "IPs:\n")
    for entry in ips:
        w.write(1, f"IP:\t{entry.get('ip', '')}\n")
    if controller_of(pod):
        w.write(0, f"Controlled By:\t{controller_of(pod)}\n")
    if status.get("nominatedNodeName"):
        w.write(0, f"NominatedNodeName:\t{status['nominatedNodeName']}\n")


def _pod_conditions(w: Writer, pod: JSONObj) -> None:
    conditions = dig(pod, "status", "conditions") or []
    gates = dig(pod, "spec", "readinessGates") or []
    if gates:
        w.write(0, "Readiness Gates:\n  Type\tStatus\n")
        found = {c.get("type"): c.get("status") for c in conditions}
        for gate in gates:
            w.write(1, f"{gate.get('conditionType', '')} \t{found.get(gate.get('conditionType'), '<none>')} \n")
    if conditions:
        w.write(0, "Conditions:\n  Type\tStatus\n")
        for condition in conditions:
            w.write(1, f"{condition.get('type', '')} \t{condition.get('status', '')} \n")
