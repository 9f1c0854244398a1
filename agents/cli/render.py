"""``kubectl get`` output from API-shaped dicts: tables, ``-o wide/json/yaml/name/jsonpath/custom-columns``.

The simulator and the real-cluster adapter both hold objects exactly as ``kubectl get X -o json`` prints
one item; this module turns them into the bytes kubectl itself would print, so an agent trained on real
kubectl reads our output the same way. Columns and cell formats follow kubectl's printers
(``pkg/printers/internalversion``); alignment is Go's ``text/tabwriter`` with kubectl's settings (cells
padded by three spaces, six columns minimum). JSON is Go's ``json.MarshalIndent`` with four spaces,
YAML is kubectl's JSON-to-YAML conversion (sorted keys, double quotes, literal blocks).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import yaml

from agents.cli.durations import age, human_duration, parse_timestamp, seconds_between
from agents.cli.jsonpath import JsonPathError, find_results, go_json, go_sprint, jsonpath

__all__ = [
    "access_modes",
    "dig",
    "format_endpoints",
    "format_labels",
    "format_selector",
    "render_get",
    "render_yaml",
    "tabwrite",
]

JSONObj = Mapping[str, Any]
RowPrinter = Callable[[JSONObj, datetime, bool], list[str]]

_GET_MIN_WIDTH = 6
_GET_PADDING = 3
_LOAD_BALANCER_WIDTH = 16
_OUTPUT_FORMATS = (
    "custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,"
    "jsonpath-file,name,template,templatefile,wide,yaml"
)


# ------------------------------------------------------------------------------------------- helpers


def dig(obj: Any, *path: str | int) -> Any:
    """The value at ``path`` inside nested dicts and lists, or None where any step is missing."""
    current = obj
    for key in path:
        if isinstance(key, int):
            if not isinstance(current, list) or not -len(current) <= key < len(current):
                return None
            current = current[key]
        elif isinstance(current, Mapping):
            current = current.get(key)
        else:
            return None
    return current


def tabwrite(text: str, *, minwidth: int = _GET_MIN_WIDTH, padding: int = _GET_PADDING) -> str:
    """Align tab-terminated cells exactly as Go's ``text/tabwriter`` (left aligned, space padded).

    A column's width is set per block of consecutive lines that have a cell in it; the text after a
    line's last tab is not a cell and is never padded. kubectl get uses (6, 3); describe uses (0, 2).
    """
    lines = [line.split("\t") for line in text.split("\n")]
    out: list[str] = []
    _format_columns(lines, 0, len(lines), [], out, minwidth, padding)
    return "\n".join(out)


def _format_columns(
    lines: list[list[str]], first: int, last: int, widths: list[int], out: list[str], minwidth: int, padding: int
) -> None:
    column = len(widths)
    index = first
    while index < last:
        if column >= len(lines[index]) - 1:
            index += 1
            continue
        _write_lines(lines, first, index, widths, out)
        first = index
        width = minwidth
        while index < last and column < len(lines[index]) - 1:
            width = max(width, len(lines[index][column]) + padding)
            index += 1
        _format_columns(lines, first, index, [*widths, width], out, minwidth, padding)
        first = index
    _write_lines(lines, first, last, widths, out)


def _write_lines(lines: list[list[str]], first: int, last: int, widths: list[int], out: list[str]) -> None:
    for cells in lines[first:last]:
        out.append("".join(cell.ljust(widths[i]) if i < len(widths) else cell for i, cell in enumerate(cells)))


def format_labels(labels: Mapping[str, Any] | None) -> str:
    """``labels.FormatLabels``: sorted ``k=v`` pairs joined by commas, ``<none>`` when empty."""
    if not labels:
        return "<none>"
    return ",".join(f"{key}={labels[key]}" for key in sorted(labels))


def format_selector(selector: Mapping[str, Any] | None, *, empty: str = "<none>") -> str:
    """A LabelSelector as ``labels.Selector.String()`` prints it (requirements sorted by key)."""
    requirements: list[tuple[str, str]] = []
    for key, value in ((selector or {}).get("matchLabels") or {}).items():
        requirements.append((key, f"{key}={value}"))
    for expression in (selector or {}).get("matchExpressions") or []:
        key = expression.get("key", "")
        values = ",".join(sorted(expression.get("values") or []))
        operator = expression.get("operator")
        shown = {"In": f"{key} in ({values})", "NotIn": f"{key} notin ({values})", "DoesNotExist": f"!{key}"}
        requirements.append((key, shown.get(operator, key)))
    text = ",".join(text for _, text in sorted(requirements, key=lambda pair: pair[0]))
    return text or empty


def access_modes(modes: Iterable[str] | None) -> str:
    """Access modes abbreviated in kubectl's fixed order (RWO, ROX, RWX, RWOP)."""
    present = set(modes or ())
    names = (("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"), ("ReadWriteOncePod", "RWOP"))
    return ",".join(short for mode, short in names if mode in present)


def _host_port(ip: str, port: Any) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def format_endpoints(endpoints: JSONObj | None, port_names: set[str] | None = None) -> str:
    """The ENDPOINTS cell: up to three ``ip:port`` of ready addresses, then "+ N more...", or <none>."""
    subsets = (endpoints or {}).get("subsets") or []
    if not subsets:
        return "<none>"
    listed: list[str] = []
    count = 0
    for subset in subsets:
        ips = [address.get("ip", "") for address in subset.get("addresses") or []]
        ports = subset.get("ports") or []
        if not ports:
            count += len(ips)
            listed.extend(ips)
            continue
        for port in ports:
            if port_names is None or (port.get("name") or "") in port_names:
                count += len(ips)
                listed.extend(_host_port(ip, port.get("port")) for ip in ips)
    text = ",".join(listed[:3])
    return f"{text} + {count - 3} more..." if count > 3 else text


def _ints(value: Any, default: int = 0) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else default


def _name(obj: JSONObj) -> str:
    return str(dig(obj, "metadata", "name") or "")


def _age(obj: JSONObj, now: datetime) -> str:
    return age(dig(obj, "metadata", "creationTimestamp"), now)


def _containers(template_spec: Any) -> tuple[str, str]:
    containers = dig(template_spec, "containers") or []
    return ",".join(c.get("name", "") for c in containers), ",".join(c.get("image", "") for c in containers)


def _bool_text(value: Any) -> str:
    return "<unset>" if value is None else ("True" if value else "False")


# --------------------------------------------------------------------------------------------- pods


@dataclass
class _PodTally:
    reason: str
    restarts: int = 0
    ready: int = 0
    last_restart: datetime | None = None

    def saw_termination(self, status: JSONObj) -> None:
        finished = parse_timestamp(dig(status, "lastState", "terminated", "finishedAt"))
        if finished and (self.last_restart is None or finished > self.last_restart):
            self.last_restart = finished


def _terminated_reason(terminated: JSONObj, prefix: str = "") -> str:
    if terminated.get("reason"):
        return prefix + str(terminated["reason"])
    if terminated.get("signal"):
        return f"{prefix}Signal:{terminated['signal']}"
    return f"{prefix}ExitCode:{terminated.get('exitCode', 0)}"


def _restartable(container: JSONObj | None) -> bool:
    return bool(container) and dig(container, "restartPolicy") == "Always"


def _condition_true(pod: JSONObj, kind: str) -> bool:
    return any(c.get("type") == kind and c.get("status") == "True" for c in dig(pod, "status", "conditions") or [])


def _init_containers(pod: JSONObj, tally: _PodTally, sidecars: _PodTally) -> bool:
    """Walk init container statuses like printPod; True while the pod is still initializing."""
    specs = {c.get("name"): c for c in dig(pod, "spec", "initContainers") or []}
    for index, status in enumerate(dig(pod, "status", "initContainerStatuses") or []):
        tally.restarts += _ints(status.get("restartCount"))
        tally.saw_termination(status)
        restartable = _restartable(specs.get(status.get("name")))
        if restartable:
            sidecars.restarts += _ints(status.get("restartCount"))
            sidecars.saw_termination(status)
        terminated, waiting = dig(status, "state", "terminated"), dig(status, "state", "waiting")
        if terminated is not None and _ints(terminated.get("exitCode")) == 0:
            continue
        if restartable and status.get("started"):
            sidecars.ready += 1 if status.get("ready") else 0
            continue
        if terminated is not None:
            tally.reason = _terminated_reason(terminated, "Init:")
        elif waiting and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            tally.reason = "Init:" + waiting["reason"]
        else:
            tally.reason = f"Init:{index}/{len(specs)}"
        return True
    return False


def _app_containers(pod: JSONObj, tally: _PodTally) -> None:
    has_running = False
    for status in reversed(dig(pod, "status", "containerStatuses") or []):
        tally.restarts += _ints(status.get("restartCount"))
        tally.saw_termination(status)
        state = status.get("state") or {}
        waiting, terminated = state.get("waiting"), state.get("terminated")
        if waiting and waiting.get("reason"):
            tally.reason = waiting["reason"]
        elif terminated is not None:
            tally.reason = _terminated_reason(terminated)
        elif status.get("ready") and state.get("running") is not None:
            has_running = True
            tally.ready += 1
    if tally.reason == "Completed" and has_running:
        tally.reason = "Running" if _condition_true(pod, "Ready") else "NotReady"


def pod_summary(pod: JSONObj, now: datetime) -> tuple[str, str, str]:
    """READY, STATUS and RESTARTS of a pod, computed as kubectl's printPod does."""
    status = pod.get("status") or {}
    phase = status.get("phase") or ""
    tally = _PodTally(reason=status.get("reason") or phase)
    for condition in status.get("conditions") or []:
        if condition.get("type") == "PodScheduled" and condition.get("reason") == "SchedulingGated":
            tally.reason = "SchedulingGated"
    init_specs = dig(pod, "spec", "initContainers") or []
    total = len(dig(pod, "spec", "containers") or []) + sum(1 for c in init_specs if _restartable(c))
    sidecars = _PodTally(reason="")
    initializing = _init_containers(pod, tally, sidecars)
    tally.ready = sidecars.ready
    if not initializing or _condition_true(pod, "Initialized"):
        tally.restarts, tally.last_restart = sidecars.restarts, sidecars.last_restart
        _app_containers(pod, tally)
    if dig(pod, "metadata", "deletionTimestamp"):
        if status.get("reason") == "NodeLost":
            tally.reason = "Unknown"
        elif phase not in ("Succeeded", "Failed"):
            tally.reason = "Terminating"
    restarts = str(tally.restarts)
    if tally.restarts and tally.last_restart is not None:
        restarts += f" ({human_duration(seconds_between(tally.last_restart, now))} ago)"
    return f"{tally.ready}/{total}", tally.reason, restarts


def _pod_ip(pod: JSONObj) -> str:
    return str(dig(pod, "status", "podIPs", 0, "ip") or dig(pod, "status", "podIP") or "")


def _readiness_gates(pod: JSONObj) -> str:
    gates = dig(pod, "spec", "readinessGates") or []
    if not gates:
        return "<none>"
    conditions = {c.get("type"): c.get("status") for c in dig(pod, "status", "conditions") or []}
    passed = sum(1 for gate in gates if conditions.get(gate.get("conditionType")) == "True")
    return f"{passed}/{len(gates)}"


def _pod_row(pod: JSONObj, now: datetime, wide: bool) -> list[str]:
    ready, status, restarts = pod_summary(pod, now)
    cells = [_name(pod), ready, status, restarts, _age(pod, now)]
    if wide:
        nominated = dig(pod, "status", "nominatedNodeName") or "<none>"
        node = dig(pod, "spec", "nodeName") or "<none>"
        cells += [_pod_ip(pod) or "<none>", node, nominated, _readiness_gates(pod)]
    return cells


# ---------------------------------------------------------------------------------- other resources


def _external_ip(service: JSONObj, wide: bool) -> str:
    spec = service.get("spec") or {}
    external = list(spec.get("externalIPs") or [])
    kind = spec.get("type") or "ClusterIP"
    if kind in ("ClusterIP", "NodePort"):
        return ",".join(external) or "<none>"
    if kind == "ExternalName":
        return str(spec.get("externalName") or "")
    if kind != "LoadBalancer":
        return "<unknown>"
    ingress = dig(service, "status", "loadBalancer", "ingress") or []
    addresses = {entry.get("ip") or entry.get("hostname") for entry in ingress}
    balancers = ",".join(sorted(address for address in addresses if address))
    if not wide and len(balancers) > _LOAD_BALANCER_WIDTH:
        balancers = balancers[: _LOAD_BALANCER_WIDTH - 3] + "..."
    if external:
        return ",".join([*(balancers.split(",") if balancers else []), *external])
    return balancers or "<pending>"


def _port_string(ports: Sequence[JSONObj] | None) -> str:
    pieces = []
    for port in ports or []:
        protocol = port.get("protocol") or "TCP"
        node_port = f":{port['nodePort']}" if _ints(port.get("nodePort")) > 0 else ""
        pieces.append(f"{port.get('port')}{node_port}/{protocol}")
    return ",".join(pieces)


def _service_row(service: JSONObj, now: datetime, wide: bool) -> list[str]:
    spec = service.get("spec") or {}
    ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    ports = _port_string(spec.get("ports")) or "<none>"
    cells = [_name(service), spec.get("type") or "ClusterIP", ips[0] if ips else "<none>"]
    cells += [_external_ip(service, wide), ports, _age(service, now)]
    return [*cells, format_labels(spec.get("selector"))] if wide else cells


def _replicas(obj: JSONObj) -> int:
    # The API server defaults spec.replicas to 1; status counts are omitted when zero.
    return _ints(dig(obj, "spec", "replicas"), 1)


def _deployment_row(deployment: JSONObj, now: datetime, wide: bool) -> list[str]:
    status = deployment.get("status") or {}
    ready = f"{_ints(status.get('readyReplicas'))}/{_replicas(deployment)}"
    cells = [_name(deployment), ready, str(_ints(status.get("updatedReplicas")))]
    cells += [str(_ints(status.get("availableReplicas"))), _age(deployment, now)]
    if wide:
        names, images = _containers(dig(deployment, "spec", "template", "spec"))
        cells += [names, images, format_selector(dig(deployment, "spec", "selector"), empty="")]
    return cells


def _replicaset_row(replicaset: JSONObj, now: datetime, wide: bool) -> list[str]:
    status = replicaset.get("status") or {}
    cells = [_name(replicaset), str(_replicas(replicaset)), str(_ints(status.get("replicas")))]
    cells += [str(_ints(status.get("readyReplicas"))), _age(replicaset, now)]
    if wide:
        names, images = _containers(dig(replicaset, "spec", "template", "spec"))
        cells += [names, images, format_selector(dig(replicaset, "spec", "selector"))]
    return cells


def _statefulset_row(statefulset: JSONObj, now: datetime, wide: bool) -> list[str]:
    ready = f"{_ints(dig(statefulset, 'status', 'readyReplicas'))}/{_replicas(statefulset)}"
    cells = [_name(statefulset), ready, _age(statefulset, now)]
    return cells + list(_containers(dig(statefulset, "spec", "template", "spec"))) if wide else cells


def _daemonset_row(daemonset: JSONObj, now: datetime, wide: bool) -> list[str]:
    status = daemonset.get("status") or {}
    fields = ("desiredNumberScheduled", "currentNumberScheduled", "numberReady", "updatedNumberScheduled")
    cells = [_name(daemonset), *(str(_ints(status.get(field))) for field in fields)]
    cells.append(str(_ints(status.get("numberAvailable"))))
    cells += [format_labels(dig(daemonset, "spec", "template", "spec", "nodeSelector")), _age(daemonset, now)]
    if wide:
        names, images = _containers(dig(daemonset, "spec", "template", "spec"))
        cells += [names, images, format_selector(dig(daemonset, "spec", "selector"))]
    return cells


def _job_status(job: JSONObj) -> str:
    conditions = {c.get("type"): c.get("status") for c in dig(job, "status", "conditions") or []}
    if conditions.get("Complete") == "True":
        return "Complete"
    if conditions.get("Failed") == "True":
        return "Failed"
    if dig(job, "metadata", "deletionTimestamp"):
        return "Terminating"
    if conditions.get("Suspended") == "True":
        return "Suspended"
    return "FailureTarget" if conditions.get("FailureTarget") == "True" else "Running"


def _job_row(job: JSONObj, now: datetime, wide: bool) -> list[str]:
    succeeded = _ints(dig(job, "status", "succeeded"))
    completions = dig(job, "spec", "completions")
    parallelism = _ints(dig(job, "spec", "parallelism"))
    if completions is not None:
        done = f"{succeeded}/{completions}"
    else:
        done = f"{succeeded}/1 of {parallelism}" if parallelism > 1 else f"{succeeded}/1"
    start = parse_timestamp(dig(job, "status", "startTime"))
    finish = parse_timestamp(dig(job, "status", "completionTime")) or now
    duration = human_duration(seconds_between(start, finish)) if start else ""
    cells = [_name(job), _job_status(job), done, duration, _age(job, now)]
    if wide:
        names, images = _containers(dig(job, "spec", "template", "spec"))
        cells += [names, images, format_selector(dig(job, "spec", "selector"))]
    return cells


def _cronjob_row(cronjob: JSONObj, now: datetime, wide: bool) -> list[str]:
    spec = cronjob.get("spec") or {}
    last = dig(cronjob, "status", "lastScheduleTime")
    cells = [_name(cronjob), str(spec.get("schedule", "")), spec.get("timeZone") or "<none>"]
    cells += [_bool_text(spec.get("suspend")), str(len(dig(cronjob, "status", "active") or []))]
    cells += [age(last, now) if last else "<none>", _age(cronjob, now)]
    if wide:
        template = dig(spec, "jobTemplate", "spec")
        names, images = _containers(dig(template, "template", "spec"))
        cells += [names, images, format_selector(dig(template, "selector"))]
    return cells


def _endpoints_row(endpoints: JSONObj, now: datetime, wide: bool) -> list[str]:
    return [_name(endpoints), format_endpoints(endpoints), _age(endpoints, now)]


def _configmap_row(configmap: JSONObj, now: datetime, wide: bool) -> list[str]:
    count = len(configmap.get("data") or {}) + len(configmap.get("binaryData") or {})
    return [_name(configmap), str(count), _age(configmap, now)]


def _secret_row(secret: JSONObj, now: datetime, wide: bool) -> list[str]:
    return [_name(secret), str(secret.get("type") or ""), str(len(secret.get("data") or {})), _age(secret, now)]


def _serviceaccount_row(account: JSONObj, now: datetime, wide: bool) -> list[str]:
    return [_name(account), str(len(account.get("secrets") or [])), _age(account, now)]


def _namespace_row(namespace: JSONObj, now: datetime, wide: bool) -> list[str]:
    return [_name(namespace), str(dig(namespace, "status", "phase") or ""), _age(namespace, now)]


def node_roles(node: JSONObj) -> list[str]:
    """Roles from ``node-role.kubernetes.io/<role>`` and ``kubernetes.io/role`` labels, sorted."""
    roles = set()
    for key, value in (dig(node, "metadata", "labels") or {}).items():
        if key.startswith("node-role.kubernetes.io/") and key.removeprefix("node-role.kubernetes.io/"):
            roles.add(key.removeprefix("node-role.kubernetes.io/"))
        elif key == "kubernetes.io/role" and value:
            roles.add(value)
    return sorted(roles)


def _node_address(node: JSONObj, kind: str) -> str:
    for address in dig(node, "status", "addresses") or []:
        if address.get("type") == kind:
            return str(address.get("address", ""))
    return "<none>"


def _node_row(node: JSONObj, now: datetime, wide: bool) -> list[str]:
    ready = [c for c in dig(node, "status", "conditions") or [] if c.get("type") == "Ready"]
    status = ["Ready" if c.get("status") == "True" else "NotReady" for c in ready[-1:]] or ["Unknown"]
    if dig(node, "spec", "unschedulable"):
        status.append("SchedulingDisabled")
    info = dig(node, "status", "nodeInfo") or {}
    cells = [_name(node), ",".join(status), ",".join(node_roles(node)) or "<none>", _age(node, now)]
    cells.append(str(info.get("kubeletVersion", "")))
    if wide:
        cells += [_node_address(node, "InternalIP"), _node_address(node, "ExternalIP")]
        cells += [info.get(key) or "<unknown>" for key in ("osImage", "kernelVersion", "containerRuntimeVersion")]
    return cells


def storage_class_of(obj: JSONObj) -> str:
    """The beta storage-class annotation if set, else ``spec.storageClassName``, else empty."""
    annotation = dig(obj, "metadata", "annotations", "volume.beta.kubernetes.io/storage-class")
    return str(annotation if annotation is not None else dig(obj, "spec", "storageClassName") or "")


def _volume_phase(obj: JSONObj) -> str:
    return "Terminating" if dig(obj, "metadata", "deletionTimestamp") else str(dig(obj, "status", "phase") or "")


def _pv_row(volume: JSONObj, now: datetime, wide: bool) -> list[str]:
    spec = volume.get("spec") or {}
    claim = spec.get("claimRef")
    cells = [_name(volume), str(dig(spec, "capacity", "storage") or ""), access_modes(spec.get("accessModes"))]
    cells += [str(spec.get("persistentVolumeReclaimPolicy") or ""), _volume_phase(volume)]
    cells.append(f"{claim.get('namespace', '')}/{claim.get('name', '')}" if claim else "")
    cells += [storage_class_of(volume), spec.get("volumeAttributesClassName") or "<unset>"]
    cells += [str(dig(volume, "status", "reason") or ""), _age(volume, now)]
    return [*cells, spec.get("volumeMode") or "<unset>"] if wide else cells


def _pvc_row(claim: JSONObj, now: datetime, wide: bool) -> list[str]:
    spec = claim.get("spec") or {}
    bound = bool(spec.get("volumeName"))
    capacity = str(dig(claim, "status", "capacity", "storage") or "") if bound else ""
    modes = access_modes(dig(claim, "status", "accessModes")) if bound else ""
    cells = [_name(claim), _volume_phase(claim), str(spec.get("volumeName") or ""), capacity, modes]
    cells += [storage_class_of(claim), spec.get("volumeAttributesClassName") or "<unset>", _age(claim, now)]
    return [*cells, spec.get("volumeMode") or "<unset>"] if wide else cells


def _event_row(event: JSONObj, now: datetime, wide: bool) -> list[str]:
    first = event.get("firstTimestamp") or event.get("eventTime")
    first_seen = age(first, now)
    last_seen = age(event.get("lastTimestamp"), now) if event.get("lastTimestamp") else first_seen
    count = _ints(event.get("count"))
    if event.get("series"):
        last_seen = age(dig(event, "series", "lastObservedTime"), now)
        count = _ints(dig(event, "series", "count"))
    count = count or 1
    involved = event.get("involvedObject") or {}
    target = str(involved.get("kind", "")).lower()
    target = f"{target}/{involved['name']}" if involved.get("name") else target
    message = str(event.get("message") or "").strip()
    cells = [last_seen, str(event.get("type") or ""), str(event.get("reason") or ""), target]
    if not wide:
        return [*cells, message]
    source = dig(event, "source", "component") or event.get("reportingController") or ""
    host = dig(event, "source", "host") or event.get("reportingInstance") or ""
    cells += [str(involved.get("fieldPath") or ""), f"{source}, {host}" if host else str(source), message]
    return [*cells, first_seen, str(count), _name(event)]


def _storageclass_row(storage_class: JSONObj, now: datetime, wide: bool) -> list[str]:
    default = dig(storage_class, "metadata", "annotations", "storageclass.kubernetes.io/is-default-class") == "true"
    name = _name(storage_class) + (" (default)" if default else "")
    expansion = "true" if storage_class.get("allowVolumeExpansion") else "false"
    cells = [name, str(storage_class.get("provisioner") or ""), storage_class.get("reclaimPolicy") or "Delete"]
    return [*cells, storage_class.get("volumeBindingMode") or "Immediate", expansion, _age(storage_class, now)]


def _generic_row(obj: JSONObj, now: datetime, wide: bool) -> list[str]:
    return [_name(obj), _age(obj, now)]


def _chaos_row(*paths: str) -> RowPrinter:
    """A CRD's additionalPrinterColumns: a missing value leaves the cell empty, as kubectl prints it."""

    def row(obj: JSONObj, now: datetime, wide: bool) -> list[str]:
        cells = [_name(obj)]
        for path in paths:
            value = dig(obj, *path.split("."))
            cells.append("" if value is None else go_sprint(value))
        return cells

    return row


# --------------------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class TableSpec:
    """The columns of one resource's table: default headers, full ``-o wide`` headers, the row printer."""

    headers: tuple[str, ...]
    wide_headers: tuple[str, ...]
    row: RowPrinter


@dataclass(frozen=True)
class ResourceType:
    """What kubectl knows of a resource: its kind, API version, scope and table."""

    plural: str
    kind: str
    api_version: str
    namespaced: bool
    table: TableSpec

    @property
    def group(self) -> str:
        return self.api_version.split("/")[0] if "/" in self.api_version else ""


def _spec(headers: str, wide: str, row: RowPrinter) -> TableSpec:
    base = tuple(headers.split("|"))
    return TableSpec(base, base + tuple(part for part in wide.split("|") if part), row)


_CONTAINERS = "CONTAINERS|IMAGES|SELECTOR"
_POD_WIDE = "IP|NODE|NOMINATED NODE|READINESS GATES"
_NODE_WIDE = "INTERNAL-IP|EXTERNAL-IP|OS-IMAGE|KERNEL-VERSION|CONTAINER-RUNTIME"
_DEPLOYMENT = "NAME|READY|UP-TO-DATE|AVAILABLE|AGE"
_DAEMONSET = "NAME|DESIRED|CURRENT|READY|UP-TO-DATE|AVAILABLE|NODE SELECTOR|AGE"
_CRONJOB = "NAME|SCHEDULE|TIMEZONE|SUSPEND|ACTIVE|LAST SCHEDULE|AGE"
_STORAGECLASS = "NAME|PROVISIONER|RECLAIMPOLICY|VOLUMEBINDINGMODE|ALLOWVOLUMEEXPANSION|AGE"
_PV = "NAME|CAPACITY|ACCESS MODES|RECLAIM POLICY|STATUS|CLAIM|STORAGECLASS|VOLUMEATTRIBUTESCLASS|REASON|AGE"
_PVC = "NAME|STATUS|VOLUME|CAPACITY|ACCESS MODES|STORAGECLASS|VOLUMEATTRIBUTESCLASS|AGE"
_EVENTS = TableSpec(
    ("LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"),
    ("LAST SEEN", "TYPE", "REASON", "OBJECT", "SUBOBJECT", "SOURCE", "MESSAGE", "FIRST SEEN", "COUNT", "NAME"),
    _event_row,
)
_GENERIC = _spec("NAME|AGE", "", _generic_row)
_CHAOS = "chaos-mesh.org/v1alpha1"

_CHAOS_KINDS = ("PodChaos", "NetworkChaos", "IOChaos", "HTTPChaos", "DNSChaos", "KernelChaos", "JVMChaos")


def _entry(plural: str, kind: str, api_version: str, columns: tuple[str, str, RowPrinter]) -> ResourceType:
    headers, wide, row = columns
    cluster_scoped = kind in ("Namespace", "Node", "PersistentVolume", "StorageClass")
    return ResourceType(plural, kind, api_version, not cluster_scoped, _spec(headers, wide, row))


_RESOURCE_TYPES = {
    entry.plural: entry
    for entry in (
        _entry("pods", "Pod", "v1", ("NAME|READY|STATUS|RESTARTS|AGE", _POD_WIDE, _pod_row)),
        _entry("services", "Service", "v1", ("NAME|TYPE|CLUSTER-IP|EXTERNAL-IP|PORT(S)|AGE", "SELECTOR", _service_row)),
        _entry("deployments", "Deployment", "apps/v1", (_DEPLOYMENT, _CONTAINERS, _deployment_row)),
        _entry(
            "replicasets", "ReplicaSet", "apps/v1", ("NAME|DESIRED|CURRENT|READY|AGE", _CONTAINERS, _replicaset_row)
        ),
        _entry("statefulsets", "StatefulSet", "apps/v1", ("NAME|READY|AGE", "CONTAINERS|IMAGES", _statefulset_row)),
        _entry("daemonsets", "DaemonSet", "apps/v1", (_DAEMONSET, _CONTAINERS, _daemonset_row)),
        _entry("jobs", "Job", "batch/v1", ("NAME|STATUS|COMPLETIONS|DURATION|AGE", _CONTAINERS, _job_row)),
        _entry("cronjobs", "CronJob", "batch/v1", (_CRONJOB, _CONTAINERS, _cronjob_row)),
        _entry("endpoints", "Endpoints", "v1", ("NAME|ENDPOINTS|AGE", "", _endpoints_row)),
        _entry("configmaps", "ConfigMap", "v1", ("NAME|DATA|AGE", "", _configmap_row)),
        _entry("secrets", "Secret", "v1", ("NAME|TYPE|DATA|AGE", "", _secret_row)),
        _entry("serviceaccounts", "ServiceAccount", "v1", ("NAME|SECRETS|AGE", "", _serviceaccount_row)),
        _entry("namespaces", "Namespace", "v1", ("NAME|STATUS|AGE", "", _namespace_row)),
        _entry("nodes", "Node", "v1", ("NAME|STATUS|ROLES|AGE|VERSION", _NODE_WIDE, _node_row)),
        _entry("persistentvolumes", "PersistentVolume", "v1", (_PV, "VOLUMEMODE", _pv_row)),
        _entry("persistentvolumeclaims", "PersistentVolumeClaim", "v1", (_PVC, "VOLUMEMODE", _pvc_row)),
        _entry("storageclasses", "StorageClass", "storage.k8s.io/v1", (_STORAGECLASS, "", _storageclass_row)),
        _entry("stresschaos", "StressChaos", _CHAOS, ("NAME|DURATION", "", _chaos_row("spec.duration"))),
        _entry("timechaos", "TimeChaos", _CHAOS, ("NAME|DURATION", "", _chaos_row("spec.duration"))),
        *(
            _entry(kind.lower(), kind, _CHAOS, ("NAME|ACTION|DURATION", "", _chaos_row("spec.action", "spec.duration")))
            for kind in _CHAOS_KINDS
        ),
        ResourceType("events", "Event", "v1", True, _EVENTS),
    )
}


def resource_type(plural: str, sample: JSONObj | None = None) -> ResourceType:
    """The registry entry for a canonical plural; unknown resources print NAME and AGE like kubectl."""
    known = _RESOURCE_TYPES.get(plural)
    if known is not None:
        return known
    kind = str((sample or {}).get("kind") or plural)
    api_version = str((sample or {}).get("apiVersion") or "v1")
    namespaced = bool(dig(sample, "metadata", "namespace")) if sample else True
    return ResourceType(plural, kind, api_version, namespaced, _GENERIC)


def _type_of(obj: JSONObj, requested: Sequence[ResourceType]) -> ResourceType:
    kind = obj.get("kind")
    for candidate in requested:
        if not kind or candidate.kind == kind:
            return candidate
    for candidate in _RESOURCE_TYPES.values():
        if candidate.kind == kind:
            return candidate
    return resource_type(str(kind).lower(), obj)


def _kind_prefix(rtype: ResourceType, obj: JSONObj) -> str:
    kind = str(obj.get("kind") or rtype.kind)
    api_version = str(obj.get("apiVersion") or rtype.api_version)
    group = api_version.split("/")[0] if "/" in api_version else ""
    return f"{kind}.{group}".lower() if group else kind.lower()


def _sort_key(obj: JSONObj) -> tuple[str, str]:
    return (str(dig(obj, "metadata", "namespace") or ""), _name(obj))


def _grouped(
    plural: str, objects: Sequence[JSONObj], presorted: bool
) -> tuple[list[ResourceType], list[tuple[ResourceType, list[JSONObj]]]]:
    names = [part.strip() for part in plural.split(",") if part.strip()] or [plural]
    known_kinds = {rtype.kind for rtype in _RESOURCE_TYPES.values()}
    # An unknown resource (a CRD) takes its kind and scope from the first object no known kind claims.
    sample = next((obj for obj in objects if obj.get("kind") not in known_kinds), None)
    requested = [resource_type(name, sample) for name in names]
    buckets: dict[str, tuple[ResourceType, list[JSONObj]]] = {rt.plural: (rt, []) for rt in requested}
    for obj in objects:
        rtype = _type_of(obj, requested)
        buckets.setdefault(rtype.plural, (rtype, []))[1].append(obj)
    groups = list(buckets.values())
    if not presorted:
        groups = [(rtype, sorted(items, key=_sort_key)) for rtype, items in groups]
    return requested, groups


# ------------------------------------------------------------------------------------------ tables


def _printable_cell(cell: str) -> str:
    # kubectl's table printer cuts a string cell at its first newline.
    head, newline, _ = cell.partition("\n")
    return head + "..." if newline else head


@dataclass(frozen=True)
class _TableOptions:
    now: datetime
    wide: bool
    all_namespaces: bool
    show_kind: bool
    show_labels: bool
    no_headers: bool


def _table(rtype: ResourceType, objects: Sequence[JSONObj], options: _TableOptions) -> str:
    headers = list(rtype.table.wide_headers if options.wide else rtype.table.headers)
    name_index = headers.index("NAME") if "NAME" in headers else None
    with_namespace = options.all_namespaces and rtype.namespaced
    lines = []
    if not options.no_headers:
        lines.append(["NAMESPACE"] * with_namespace + headers + ["LABELS"] * options.show_labels)
    for obj in objects:
        cells = [_printable_cell(cell) for cell in rtype.table.row(obj, options.now, options.wide)]
        if options.show_kind and name_index is not None:
            cells[name_index] = f"{_kind_prefix(rtype, obj)}/{cells[name_index]}"
        if with_namespace:
            cells.insert(0, str(dig(obj, "metadata", "namespace") or ""))
        if options.show_labels:
            cells.append(_printable_cell(format_labels(dig(obj, "metadata", "labels"))))
        lines.append(cells)
    return tabwrite("".join("\t".join(cells) + "\n" for cells in lines))


def _no_resources(requested: Sequence[ResourceType], namespace: str | None, all_namespaces: bool) -> str:
    if all_namespaces or not all(rtype.namespaced for rtype in requested):
        return "No resources found\n"
    return f"No resources found in {namespace or 'default'} namespace.\n"


# ----------------------------------------------------------------------------------- other formats


def _for_output(rtype: ResourceType, obj: JSONObj) -> dict[str, Any]:
    """The object as kubectl prints it: apiVersion and kind always present, managedFields hidden."""
    printable = dict(obj)
    printable.setdefault("apiVersion", rtype.api_version)
    printable.setdefault("kind", rtype.kind)
    metadata = printable.get("metadata")
    if isinstance(metadata, Mapping) and "managedFields" in metadata:
        printable["metadata"] = {key: value for key, value in metadata.items() if key != "managedFields"}
    return printable


def _payload(items: list[dict[str, Any]], single_item: bool | None) -> dict[str, Any]:
    single = len(items) == 1 if single_item is None else single_item
    if single and items:
        return items[0]
    return {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}


def _go_yaml_order(left: str, right: str) -> int:
    """go-yaml's map key order: letters compare as runes, runs of digits as numbers, other runes first."""
    for index, (a, b) in enumerate(zip(left, right, strict=False)):
        if a == b:
            continue
        if a.isalpha() and b.isalpha():
            return -1 if a < b else 1
        if a.isalpha() or b.isalpha():
            return 1 if a.isalpha() else -1
        left_number, left_end = _digits_at(left, index)
        right_number, right_end = _digits_at(right, index)
        if left_number != right_number:
            return -1 if left_number < right_number else 1
        if left_end != right_end:
            return -1 if left_end < right_end else 1
        return -1 if a < b else 1
    return (len(left) > len(right)) - (len(left) < len(right))


def _digits_at(text: str, index: int) -> tuple[int, int]:
    end = index
    while end < len(text) and text[end].isdigit():
        end += 1
    return (int(text[index:end]) if end > index else 0), end


def _yaml_ready(value: Any) -> Any:
    if isinstance(value, Mapping):
        keys = sorted((str(key) for key in value), key=functools.cmp_to_key(_go_yaml_order))
        return {key: _yaml_ready(value[key]) for key in keys}
    if isinstance(value, list | tuple):
        return [_yaml_ready(item) for item in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    return value


class _KubectlDumper(yaml.SafeDumper):
    """PyYAML emitting like go-yaml v2: double quotes where quoting is needed, literal multi-line blocks."""

    def choose_scalar_style(self) -> str:
        style: str = super().choose_scalar_style()
        return '"' if style == "'" else style


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_KubectlDumper.add_representer(str, _represent_str)


def render_yaml(value: Any) -> str:
    """YAML as ``kubectl get -o yaml`` prints it."""
    dumped: str = yaml.dump(
        _yaml_ready(value), Dumper=_KubectlDumper, default_flow_style=False, sort_keys=False, allow_unicode=True
    )
    return dumped


_RELAXED_PATH = re.compile(r"^\{\.?([^{}]+)\}$|^\.?([^{}]+)$")


def _custom_columns(spec: str, items: Sequence[JSONObj], no_headers: bool) -> tuple[str, str]:
    if not spec:
        return "", "error: custom-columns format specified but no custom columns given\n"
    columns: list[tuple[str, str]] = []
    for part in spec.split(","):
        header, colon, path = part.partition(":")
        if not colon:
            return "", f"error: unexpected custom-columns spec: {part}, expected <header>:<json-path-expr>\n"
        match = _RELAXED_PATH.match(path)
        if path and match is None:
            expected = "'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'"
            return "", f"error: unexpected path string, expected a {expected}\n"
        columns.append((header, "{." + (match.group(1) or match.group(2)) + "}" if match else ""))
    rows = [] if no_headers else ["\t".join(header for header, _ in columns)]
    try:
        for obj in items:
            rows.append("\t".join(_custom_cell(template, obj) for _, template in columns))
    except JsonPathError as error:
        return "", str(error)
    return tabwrite("".join(row + "\n" for row in rows)), ""


def _custom_cell(template: str, obj: JSONObj) -> str:
    groups = find_results(template, obj, allow_missing_keys=True)
    values = ["<none>"] if not groups or not groups[0] else []
    values += [go_sprint(value) for group in groups for value in group]
    return ",".join(values)


def _parse_output(output: str | None) -> tuple[str, str] | None:
    if not output:
        return "table", ""
    name, equals, argument = output.partition("=")
    if name in ("wide", "json", "yaml", "name") and not equals:
        return name, ""
    if name in ("jsonpath", "jsonpath-as-json", "custom-columns"):
        return name, argument
    return None


def _generic(
    form: str, argument: str, groups: Sequence[tuple[ResourceType, list[JSONObj]]], options: _GenericOptions
) -> tuple[str, str]:
    typed = [(rtype, obj) for rtype, items in groups for obj in items]
    if form == "name":
        return "".join(f"{_kind_prefix(rtype, obj)}/{_name(obj)}\n" for rtype, obj in typed), ""
    items = [_for_output(rtype, obj) for rtype, obj in typed]
    if form == "custom-columns":
        return _custom_columns(argument, items, options.no_headers)
    payload = _payload(items, options.single_item)
    if form == "json":
        return go_json(payload, indent=4) + "\n", ""
    if form == "yaml":
        return render_yaml(payload), ""
    if not argument:
        return "", "error: template format specified but no template given\n"
    try:
        return jsonpath(argument, payload, allow_missing_keys=True, as_json=form == "jsonpath-as-json"), ""
    except JsonPathError as error:
        return "", str(error)


@dataclass(frozen=True)
class _GenericOptions:
    single_item: bool | None
    no_headers: bool


def render_get(
    plural: str,
    objects: Sequence[Mapping[str, Any]],
    *,
    now: datetime,
    output: str | None = None,
    all_namespaces: bool = False,
    show_kind: bool = False,
    show_labels: bool = False,
    no_headers: bool = False,
    namespace: str | None = None,
    single_item: bool | None = None,
    presorted: bool = False,
) -> tuple[str, str]:
    """What ``kubectl get`` prints for ``objects``: ``(stdout, stderr)``.

    ``plural`` is the canonical plural, or several joined by commas (``pods,services``): each kind gets
    its own table, names print as ``kind/name`` and a blank line separates the tables (kubectl writes
    that blank line to stderr; here it stays in stdout, where a terminal shows it). ``output`` is
    kubectl's ``-o`` value. Objects print in the API server's order (namespace, then name) unless
    ``presorted``. ``single_item`` says whether one named object was asked for (``get pod x``), which
    prints that object rather than a List in json/yaml/jsonpath; by default a lone object counts as one.
    """
    requested, groups = _grouped(plural, objects, presorted)
    parsed = _parse_output(output)
    if parsed is None:
        return "", f'error: unable to match a printer suitable for the output format "{output}", ' + (
            f"allowed formats are: {_OUTPUT_FORMATS}\n"
        )
    form, argument = parsed
    if form not in ("table", "wide"):
        return _generic(form, argument, groups, _GenericOptions(single_item, no_headers))
    if not objects:
        return "", _no_resources(requested, namespace, all_namespaces)
    several = len(requested) > 1 or sum(1 for _, items in groups if items) > 1
    options = _TableOptions(now, form == "wide", all_namespaces, show_kind or several, show_labels, no_headers)
    tables = [_table(rtype, items, options) for rtype, items in groups if items]
    return ("" if no_headers else "\n").join(tables), ""
