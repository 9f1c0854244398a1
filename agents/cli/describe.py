"""``kubectl describe`` output from API-shaped dicts.

Each describer writes kubectl's lines (``staging/src/k8s.io/kubectl/pkg/describe``): ``Label:\\tvalue`` pairs
indented two spaces per level, aligned by Go's tabwriter with kubectl's describe settings (two spaces of
padding, alignment per block of consecutive tabbed lines), and the Events table aligned on its own.
What a describer would fetch from the API server (a Service's Endpoints, a Deployment's ReplicaSets, the
pods on a node) comes in ``related``; the events about the object come in ``events``. Kinds without a
dedicated describer get kubectl's generic one, as CRDs such as Chaos Mesh experiments do.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from agents.cli.durations import age, parse_timestamp, rfc1123z
from agents.cli.jsonpath import go_sprint
from agents.cli.render import (
    access_modes,
    dig,
    format_endpoints,
    format_labels,
    format_selector,
    node_roles,
    storage_class_of,
    tabwrite,
)

__all__ = ["render_describe"]

JSONObj = Mapping[str, Any]
_MAX_ANNOTATION = 140
_SKIPPED_ANNOTATIONS = frozenset({"kubectl.kubernetes.io/last-applied-configuration"})


# -------------------------------------------------------------------------------------------- writer


class _Writer:
    """kubectl's PrefixWriter over a tabwriter: two spaces per level; ``flush`` ends an alignment unit."""

    def __init__(self) -> None:
        self.units: list[list[str]] = [[]]

    def write(self, level: int, text: str) -> None:
        self.units[-1].append("  " * level + text)

    def line(self, text: str) -> None:
        self.units[-1].append(text + "\n")

    def flush(self) -> None:
        self.units.append([])

    def text(self) -> str:
        return "".join(tabwrite("".join(unit), minwidth=0, padding=2) for unit in self.units)


@dataclass(frozen=True)
class _Context:
    now: datetime
    events: Sequence[JSONObj]
    related: Mapping[str, Any] = field(default_factory=dict)

    def since(self, timestamp: str | None) -> str:
        return age(timestamp, self.now)


def _meta(obj: JSONObj, key: str) -> Any:
    return dig(obj, "metadata", key)


def _go_list(values: Sequence[Any] | None) -> str:
    return "[" + " ".join(go_sprint(value) for value in values or []) + "]"


def _labels(w: _Writer, title: str, labels: Mapping[str, Any] | None, indent: str = "") -> None:
    w.write(0, f"{indent}{title}:\t")
    if not labels:
        w.line("<none>")
        return
    for index, key in enumerate(sorted(labels)):
        if index:
            w.write(0, indent + "\t")
        w.write(0, f"{key}={labels[key]}\n")


def _annotations(w: _Writer, title: str, annotations: Mapping[str, Any] | None) -> None:
    w.write(0, f"{title}:\t")
    keys = sorted(key for key in annotations or {} if key not in _SKIPPED_ANNOTATIONS)
    if not keys:
        w.line("<none>")
        return
    for index, key in enumerate(keys):
        if index:
            w.write(0, "\t")
        value = str((annotations or {})[key]).removesuffix("\n")
        if len(value) + len(key) + 2 > _MAX_ANNOTATION or "\n" in value:
            w.write(0, f"{key}:\n")
            for part in value.split("\n"):
                shown = part[: _MAX_ANNOTATION - 2] + "..." if len(part) > _MAX_ANNOTATION - 2 else part
                w.write(0, f"\t  {shown}\n")
        else:
            w.write(0, f"{key}: {value}\n")


def _controller(obj: JSONObj) -> str:
    for owner in _meta(obj, "ownerReferences") or []:
        if owner.get("controller"):
            return f"{owner.get('kind', '')}/{owner.get('name', '')}"
    return ""


def _header(w: _Writer, obj: JSONObj, *, namespace: bool = True) -> None:
    w.write(0, f"Name:\t{_meta(obj, 'name') or ''}\n")
    if namespace:
        w.write(0, f"Namespace:\t{_meta(obj, 'namespace') or ''}\n")


# -------------------------------------------------------------------------------------------- events


def _event_order(event: JSONObj) -> datetime:
    stamp = dig(event, "series", "lastObservedTime") or event.get("lastTimestamp") or event.get("eventTime")
    return parse_timestamp(stamp) or datetime.min.replace(tzinfo=UTC)


def _events(w: _Writer, ctx: _Context) -> None:
    if not ctx.events:
        w.write(0, "Events:\t<none>\n")
        return
    w.flush()
    w.write(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n")
    w.write(1, "----\t------\t----\t----\t-------\n")
    for event in sorted(ctx.events, key=_event_order):
        first = ctx.since(event.get("eventTime") or event.get("firstTimestamp"))
        interval = first
        if event.get("series"):
            last, count = dig(event, "series", "lastObservedTime"), dig(event, "series", "count")
            interval = f"{ctx.since(last)} (x{count} over {first})"
        elif int(event.get("count") or 0) > 1:
            interval = f"{ctx.since(event.get('lastTimestamp'))} (x{event['count']} over {first})"
        source = dig(event, "source", "component") or event.get("reportingController") or ""
        message = str(event.get("message") or "").strip()
        if dig(event, "involvedObject", "fieldPath"):
            message = f"{dig(event, 'involvedObject', 'fieldPath')}: {message}"
        w.write(1, f"{event.get('type', '')}\t{event.get('reason', '')}\t{interval}\t{source}\t{message}\n")


# --------------------------------------------------------------------------------------- containers


def _port_list(ports: Sequence[JSONObj], key: str) -> str:
    shown = []
    for port in ports:
        text = f"{port.get(key, 0)}/{port.get('protocol') or 'TCP'}"
        shown.append(f"{text} ({port['name']})" if port.get("name") else text)
    return ", ".join(shown)


def _container_basics(w: _Writer, container: JSONObj, status: JSONObj | None, space: str) -> None:
    w.write(1, f"{' ' if space else ''}{container.get('name', '')}:\n")
    if status is not None:
        w.write(2, f"Container ID:\t{status.get('containerID', '')}\n")
    w.write(2, f"Image:\t{container.get('image', '')}\n")
    if status is not None:
        w.write(2, f"Image ID:\t{status.get('imageID', '')}\n")
    ports = container.get("ports") or []
    for label, key in (("Port", "containerPort"), ("Host Port", "hostPort")):
        text = _port_list(ports, key)
        if "," in text:
            w.write(2, f"{label}s:\t{text}\n")
        else:
            w.write(2, f"{label}:\t{text or '<none>'}\n")


def _command(w: _Writer, container: JSONObj) -> None:
    for title, key in (("Command", "command"), ("Args", "args")):
        if container.get(key):
            w.write(2, f"{title}:\n")
            for part in container[key]:
                for piece in str(part).split("\n"):
                    w.write(3, f"{piece}\n")


def _state(w: _Writer, title: str, state: JSONObj | None) -> None:
    state = state or {}
    if state.get("running") is not None:
        w.write(2, f"{title}:\tRunning\n")
        w.write(3, f"Started:\t{rfc1123z(dig(state, 'running', 'startedAt'))}\n")
    elif state.get("waiting") is not None:
        w.write(2, f"{title}:\tWaiting\n")
        if dig(state, "waiting", "reason"):
            w.write(3, f"Reason:\t{state['waiting']['reason']}\n")
    elif state.get("terminated") is not None:
        _terminated(w, title, state["terminated"])
    else:
        w.write(2, f"{title}:\tWaiting\n")


def _terminated(w: _Writer, title: str, terminated: JSONObj) -> None:
    w.write(2, f"{title}:\tTerminated\n")
    if terminated.get("reason"):
        w.write(3, f"Reason:\t{terminated['reason']}\n")
    if terminated.get("message"):
        w.write(3, f"Message:\t{terminated['message']}\n")
    w.write(3, f"Exit Code:\t{terminated.get('exitCode', 0)}\n")
    if int(terminated.get("signal") or 0) > 0:
        w.write(3, f"Signal:\t{terminated['signal']}\n")
    w.write(3, f"Started:\t{rfc1123z(terminated.get('startedAt'))}\n")
    w.write(3, f"Finished:\t{rfc1123z(terminated.get('finishedAt'))}\n")


def _container_state(w: _Writer, status: JSONObj) -> None:
    _state(w, "State", status.get("state"))
    if dig(status, "lastState", "terminated") is not None:
        _terminated(w, "Last State", status["lastState"]["terminated"])
    w.write(2, f"Ready:\t{'True' if status.get('ready') else 'False'}\n")
    w.write(2, f"Restart Count:\t{status.get('restartCount', 0)}\n")


def _resources(w: _Writer, resources: JSONObj | None, level: int) -> None:
    for title, key in (("Limits", "limits"), ("Requests", "requests")):
        values = (resources or {}).get(key) or {}
        if values:
            w.write(level, f"{title}:\n")
        for name in sorted(values):
            w.write(level + 1, f"{name}:\t{values[name]}\n")


def _probe(probe: JSONObj) -> str:
    attrs = (
        f"delay={probe.get('initialDelaySeconds', 0)}s timeout={probe.get('timeoutSeconds', 1)}s "
        f"period={probe.get('periodSeconds', 10)}s #success={probe.get('successThreshold', 1)} "
        f"#failure={probe.get('failureThreshold', 3)}"
    )
    if probe.get("exec") is not None:
        return f"exec {_go_list(dig(probe, 'exec', 'command'))} {attrs}"
    if probe.get("httpGet") is not None:
        get = probe["httpGet"]
        host, port = str(get.get("host") or ""), str(get.get("port", ""))
        authority = (f"[{host}]:{port}" if ":" in host else f"{host}:{port}") if port else host
        return f"http-get {str(get.get('scheme') or 'HTTP').lower()}://{authority}{get.get('path', '')} {attrs}"
    if probe.get("tcpSocket") is not None:
        socket = probe["tcpSocket"]
        return f"tcp-socket {socket.get('host', '')}:{socket.get('port', '')} {attrs}"
    if probe.get("grpc") is not None:
        return f"grpc <pod>:{dig(probe, 'grpc', 'port')} {dig(probe, 'grpc', 'service') or ''} {attrs}"
    return f"unknown {attrs}"


def _probes(w: _Writer, container: JSONObj) -> None:
    for title, key in (("Liveness", "livenessProbe"), ("Readiness", "readinessProbe"), ("Startup", "startupProbe")):
        if container.get(key) is not None:
            w.write(2, f"{title}:\t{_probe(container[key])}\n")


_FIELD_LABEL = re.compile(r"^metadata\.(labels|annotations)\['(.+)'\]$")


def _field_value(pod: JSONObj | None, path: str) -> str:
    """The downward-API value of ``fieldPath`` on the pod (empty for a template, as kubectl prints)."""
    if pod is None:
        return ""
    keyed = _FIELD_LABEL.match(path)
    if keyed:
        return str(dig(pod, "metadata", keyed.group(1), keyed.group(2)) or "")
    if path == "status.podIPs":
        return ",".join(entry.get("ip", "") for entry in dig(pod, "status", "podIPs") or [])
    return str(dig(pod, *path.split(".")) or "")


def _resource_value(container: JSONObj, reference: JSONObj) -> str:
    resource = str(reference.get("resource", ""))
    section, _, name = resource.partition(".")
    raw = dig(container, "resources", section, name)
    if raw is None:
        return "node allocatable" if section == "limits" and name in ("cpu", "memory") else "0"
    divisor = _quantity(str(reference.get("divisor") or "1")) or Decimal(1)
    return str(math.ceil((_quantity(str(raw)) or Decimal(0)) / divisor))


def _env(w: _Writer, container: JSONObj, pod: JSONObj | None) -> None:
    env = container.get("env") or []
    w.write(2, "Environment:\t<none>\n" if not env else "Environment:\n")
    for variable in env:
        name, source = variable.get("name", ""), variable.get("valueFrom")
        if source is None:
            for index, piece in enumerate(str(variable.get("value", "")).split("\n")):
                w.write(3, f"{name}:\t{piece}\n" if index == 0 else f"\t{piece}\n")
        elif source.get("fieldRef") is not None:
            ref = source["fieldRef"]
            value = _field_value(pod, str(ref.get("fieldPath", "")))
            w.write(3, f"{name}:\t{value} ({ref.get('apiVersion', 'v1')}:{ref.get('fieldPath', '')})\n")
        elif source.get("resourceFieldRef") is not None:
            ref = source["resourceFieldRef"]
            w.write(3, f"{name}:\t{_resource_value(container, ref)} ({ref.get('resource', '')})\n")
        else:
            _env_reference(w, name, source)


def _env_reference(w: _Writer, name: str, source: JSONObj) -> None:
    for key, phrase in (("secretKeyRef", "in secret"), ("configMapKeyRef", "of config map")):
        ref = source.get(key)
        if ref is not None:
            optional = "true" if ref.get("optional") else "false"
            target = f"<set to the key '{ref.get('key', '')}' {phrase} '{ref.get('name', '')}'>"
            w.write(3, f"{name}:\t{target}\tOptional: {optional}\n")


def _env_from(w: _Writer, container: JSONObj) -> None:
    sources = container.get("envFrom") or []
    if not sources:
        return
    w.write(2, "Environment Variables from:\n")
    for source in sources:
        kind, ref = ("ConfigMap", source["configMapRef"]) if source.get("configMapRef") else ("Secret", {})
        if source.get("secretRef"):
            kind, ref = "Secret", source["secretRef"]
        optional = "true" if ref.get("optional") else "false"
        prefix = f" with prefix '{source['prefix']}'" if source.get("prefix") else ""
        w.write(3, f"{ref.get('name', '')}\t{kind}{prefix}\tOptional: {optional}\n")


def _mounts(w: _Writer, container: JSONObj) -> None:
    mounts = sorted(container.get("volumeMounts") or [], key=lambda mount: str(mount.get("mountPath", "")))
    w.write(2, "Mounts:\t<none>\n" if not mounts else "Mounts:\n")
    for mount in mounts:
        flags = ["ro" if mount.get("readOnly") else "rw"]
        if mount.get("subPath"):
            flags.append(f'path="{mount["subPath"]}"')
        w.write(3, f"{mount.get('mountPath', '')} from {mount.get('name', '')} ({','.join(flags)})\n")


def _containers(w: _Writer, label: str, pod_spec: JSONObj, key: str, pod: JSONObj | None, space: str) -> None:
    containers = pod_spec.get(key) or []
    statuses_key = "initContainerStatuses" if key == "initContainers" else "containerStatuses"
    statuses = {s.get("name"): s for s in dig(pod, "status", statuses_key) or []} if pod else {}
    w.write(0, f"{space}{label}:{'' if containers else ' <none>'}\n")
    for container in containers:
        status = statuses.get(container.get("name"))
        _container_basics(w, container, status, space)
        _command(w, container)
        if status is not None:
            _container_state(w, status)
        _resources(w, container.get("resources"), 2)
        _probes(w, container)
        _env_from(w, container)
        _env(w, container, pod)
        _mounts(w, container)


# ------------------------------------------------------------------------------------------ volumes


def _volume_lines(volume: JSONObj) -> str:
    """The ``Type:`` block of one volume, in kubectl's words, for the sources a pod commonly has."""
    if volume.get("configMap") is not None:
        source = volume["configMap"]
        optional = "true" if source.get("optional") else "false"
        return f"Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t{source.get('name', '')}\n" + (
            f"    Optional:\t{optional}\n"
        )
    if volume.get("secret") is not None:
        source = volume["secret"]
        optional = "true" if source.get("optional") else "false"
        return f"Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t{source.get('secretName', '')}\n" + (
            f"    Optional:\t{optional}\n"
        )
    if volume.get("emptyDir") is not None:
        source = volume["emptyDir"]
        return (
            "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n"
            f"    Medium:\t{source.get('medium', '')}\n    SizeLimit:\t{source.get('sizeLimit') or '<unset>'}\n"
        )
    if volume.get("hostPath") is not None:
        source = volume["hostPath"]
        kind = source.get("type", "<none>")
        return (
            "Type:\tHostPath (bare host directory volume)\n"
            f"    Path:\t{source.get('path', '')}\n    HostPathType:\t{kind}\n"
        )
    if volume.get("persistentVolumeClaim") is not None:
        source = volume["persistentVolumeClaim"]
        read_only = "true" if source.get("readOnly") else "false"
        return (
            "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)\n"
            f"    ClaimName:\t{source.get('claimName', '')}\n    ReadOnly:\t{read_only}\n"
        )
    if volume.get("projected") is not None:
        return _projected(volume["projected"])
    return "<unknown>\n"


def _projected(projected: JSONObj) -> str:
    text = "Type:\tProjected (a volume that contains injected data from multiple sources)\n"
    for source in projected.get("sources") or []:
        if source.get("secret") is not None:
            optional = "true" if dig(source, "secret", "optional") else "false"
            text += f"    SecretName:\t{dig(source, 'secret', 'name') or ''}\n    Optional:\t{optional}\n"
        elif source.get("downwardAPI") is not None:
            text += "    DownwardAPI:\ttrue\n"
        elif source.get("configMap") is not None:
            optional = "true" if dig(source, "configMap", "optional") else "false"
            text += f"    ConfigMapName:\t{dig(source, 'configMap', 'name') or ''}\n    Optional:\t{optional}\n"
        elif source.get("serviceAccountToken") is not None:
            text += f"    TokenExpirationSeconds:\t{dig(source, 'serviceAccountToken', 'expirationSeconds')}\n"
    return text


def _volumes(w: _Writer, volumes: Sequence[JSONObj] | None, space: str) -> None:
    if not volumes:
        w.write(0, f"{space}Volumes:\t<none>\n")
        return
    w.write(0, f"{space}Volumes:\n")
    for volume in volumes:
        w.write(1, f"{' ' if space else ''}{volume.get('name', '')}:\n")
        lines = _volume_lines(volume)
        w.write(1 if lines == "<unknown>\n" else 2, lines)


def _tolerations(w: _Writer, title: str, tolerations: Sequence[JSONObj] | None) -> None:
    w.write(0, f"{title}:\t")
    if not tolerations:
        w.line("<none>")
        return
    for index, toleration in enumerate(sorted(tolerations, key=lambda t: str(t.get("key", "")))):
        if index:
            w.write(0, "\t")
        key, value, effect = toleration.get("key", ""), toleration.get("value", ""), toleration.get("effect", "")
        text = key + (f"={value}" if value else "") + (f":{effect}" if effect else "")
        if toleration.get("operator") == "Exists" and not value:
            text += " op=Exists" if key or effect else "op=Exists"
        if toleration.get("tolerationSeconds") is not None:
            text += f" for {toleration['tolerationSeconds']}s"
        w.write(0, text + "\n")


def _pod_template(w: _Writer, template: JSONObj | None) -> None:
    w.write(0, "Pod Template:\n")
    template = template or {}
    spec = template.get("spec") or {}
    _labels(w, "  Labels", _meta(template, "labels"))
    if _meta(template, "annotations"):
        _annotations(w, "  Annotations", _meta(template, "annotations"))
    if spec.get("serviceAccountName"):
        w.write(1, f"Service Account:\t{spec['serviceAccountName']}\n")
    if spec.get("initContainers"):
        _containers(w, "Init Containers", spec, "initContainers", None, "  ")
    _containers(w, "Containers", spec, "containers", None, "  ")
    _volumes(w, spec.get("volumes"), "  ")
    if spec.get("priorityClassName"):
        w.write(1, f"Priority Class Name:\t{spec['priorityClassName']}\n")
    _labels(w, "  Node-Selectors", spec.get("nodeSelector"))
    _tolerations(w, "  Tolerations", spec.get("tolerations"))


# --------------------------------------------------------------------------------------------- pods


_QUANTITY = re.compile(r"^([+-]?[0-9.]+)([eE][+-]?[0-9]+|[numkMGTPE]i?|Ki)?$")
_SUFFIXES = {"n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1), "k": Decimal(1000)}
_SUFFIXES.update({s: Decimal(1000) ** (i + 2) for i, s in enumerate(("M", "G", "T", "P", "E"))})
_SUFFIXES.update({s: Decimal(1024) ** (i + 1) for i, s in enumerate(("Ki", "Mi", "Gi", "Ti", "Pi", "Ei"))})


def _quantity(text: str | None) -> Decimal | None:
    """A resource quantity ("250m", "128Mi", "1e3") in base units, or None if it does not parse."""
    match = _QUANTITY.match(str(text or "").strip())
    if match is None:
        return None
    try:
        number = Decimal(match.group(1))
    except InvalidOperation:
        return None
    suffix = match.group(2) or ""
    if suffix[:1] in ("e", "E"):
        return number * Decimal(10) ** int(suffix[1:])
    return number * _SUFFIXES[suffix]


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
        if any(_quantity(request.get(name, limit[name])) != _quantity(limit[name]) for name in ("cpu", "memory")):
            return "Burstable"
    return "Guaranteed"


def _describe_pod(w: _Writer, pod: JSONObj, ctx: _Context) -> None:
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    _header(w, pod)
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
    _labels(w, "Labels", _meta(pod, "labels"))
    _annotations(w, "Annotations", _meta(pod, "annotations"))
    _pod_status_lines(w, pod, ctx)
    _pod_addresses(w, pod)
    if spec.get("initContainers"):
        _containers(w, "Init Containers", spec, "initContainers", pod, "")
    _containers(w, "Containers", spec, "containers", pod, "")
    _pod_conditions(w, pod)
    _volumes(w, spec.get("volumes"), "")
    w.write(0, f"QoS Class:\t{_qos(pod)}\n")
    _labels(w, "Node-Selectors", spec.get("nodeSelector"))
    _tolerations(w, "Tolerations", spec.get("tolerations"))
    _events(w, ctx)


def _pod_status_lines(w: _Writer, pod: JSONObj, ctx: _Context) -> None:
    status = pod.get("status") or {}
    phase = status.get("phase", "")
    deleted = _meta(pod, "deletionTimestamp")
    if deleted and phase not in ("Failed", "Succeeded"):
        w.write(0, f"Status:\tTerminating (lasts {ctx.since(deleted)})\n")
        w.write(0, f"Termination Grace Period:\t{_meta(pod, 'deletionGracePeriodSeconds') or 0}s\n")
    else:
        w.write(0, f"Status:\t{phase}\n")
    for key in ("reason", "message"):
        if status.get(key):
            w.write(0, f"{key.capitalize()}:\t{status[key]}\n")


def _pod_addresses(w: _Writer, pod: JSONObj) -> None:
    status = pod.get("status") or {}
    ips = status.get("podIPs") or ([{"ip": status["podIP"]}] if status.get("podIP") else [])
    w.write(0, f"IP:\t{status.get('podIP', '')}\n")
    w.write(0, "IPs:\t<none>\n" if not ips else "IPs:\n")
    for entry in ips:
        w.write(1, f"IP:\t{entry.get('ip', '')}\n")
    if _controller(pod):
        w.write(0, f"Controlled By:\t{_controller(pod)}\n")
    if status.get("nominatedNodeName"):
        w.write(0, f"NominatedNodeName:\t{status['nominatedNodeName']}\n")


def _pod_conditions(w: _Writer, pod: JSONObj) -> None:
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


# ---------------------------------------------------------------------------------- workload kinds


def _conditions_table(w: _Writer, conditions: Sequence[JSONObj] | None) -> None:
    if not conditions:
        return
    w.write(0, "Conditions:\n  Type\tStatus\tReason\n")
    w.write(1, "----\t------\t------\n")
    for condition in conditions:
        w.write(1, f"{condition.get('type', '')} \t{condition.get('status', '')}\t{condition.get('reason', '')}\n")


def _intstr(value: Any, default: str) -> str:
    return default if value is None else str(value)


def _replica_set_summary(replica_sets: Sequence[JSONObj]) -> str:
    shown = [
        f"{_meta(rs, 'name')} ({int(dig(rs, 'status', 'replicas') or 0)}/{int(dig(rs, 'spec', 'replicas') or 0)} "
        "replicas created)"
        for rs in replica_sets
    ]
    return ", ".join(shown) or "<none>"


def _split_replica_sets(deployment: JSONObj, related: Mapping[str, Any]) -> tuple[list[JSONObj], list[JSONObj]]:
    if "new_replicaset" in related or "old_replicasets" in related:
        new = related.get("new_replicaset")
        return list(related.get("old_replicasets") or []), [new] if new else []
    replica_sets = list(related.get("replicasets") or [])
    if not replica_sets:
        return [], []
    key = "deployment.kubernetes.io/revision"
    revision = str(dig(deployment, "metadata", "annotations", key) or "")
    current = [rs for rs in replica_sets if str(dig(rs, "metadata", "annotations", key) or "") == revision]
    new = (
        current[-1] if current else max(replica_sets, key=lambda rs: int(dig(rs, "metadata", "annotations", key) or 0))
    )
    return [rs for rs in replica_sets if rs is not new], [new]


def _describe_deployment(w: _Writer, deployment: JSONObj, ctx: _Context) -> None:
    spec, status = deployment.get("spec") or {}, deployment.get("status") or {}
    _header(w, deployment)
    w.write(0, f"CreationTimestamp:\t{rfc1123z(_meta(deployment, 'creationTimestamp'))}\n")
    _labels(w, "Labels", _meta(deployment, "labels"))
    _annotations(w, "Annotations", _meta(deployment, "annotations"))
    w.write(0, f"Selector:\t{format_selector(spec.get('selector'), empty='')}\n")
    counts = [int(status.get(key) or 0) for key in ("updatedReplicas", "replicas", "availableReplicas")]
    unavailable = int(status.get("unavailableReplicas") or 0)
    replicas = spec.get("replicas", 1)
    w.write(0, f"Replicas:\t{replicas} desired | {counts[0]} updated | {counts[1]} total | {counts[2]} available")
    w.write(0, f" | {unavailable} unavailable\n")
    strategy = spec.get("strategy") or {}
    kind = strategy.get("type") or "RollingUpdate"
    w.write(0, f"StrategyType:\t{kind}\nMinReadySeconds:\t{spec.get('minReadySeconds', 0)}\n")
    if kind == "RollingUpdate":
        rolling = strategy.get("rollingUpdate") or {}
        unavailable_text = _intstr(rolling.get("maxUnavailable"), "25%")
        w.write(0, f"RollingUpdateStrategy:\t{unavailable_text} max unavailable, ")
        w.write(0, f"{_intstr(rolling.get('maxSurge'), '25%')} max surge\n")
    _pod_template(w, spec.get("template"))
    _conditions_table(w, status.get("conditions"))
    old, new = _split_replica_sets(deployment, ctx.related)
    if old or new:
        w.write(0, f"OldReplicaSets:\t{_replica_set_summary(old)}\n")
        w.write(0, f"NewReplicaSet:\t{_replica_set_summary(new)}\n")
    _events(w, ctx)


def _pods_status(obj: JSONObj, ctx: _Context) -> str:
    uid, name = _meta(obj, "uid"), _meta(obj, "name")
    counts = {"Running": 0, "Pending": 0, "Succeeded": 0, "Failed": 0}
    for pod in ctx.related.get("pods") or []:
        owners = [o for o in _meta(pod, "ownerReferences") or [] if o.get("controller")]
        if any((o.get("uid") == uid) if uid and o.get("uid") else o.get("name") == name for o in owners):
            phase = dig(pod, "status", "phase")
            if phase in counts:
                counts[phase] += 1
    return (
        f"{counts['Running']} Running / {counts['Pending']} Waiting / {counts['Succeeded']} Succeeded / "
        f"{counts['Failed']} Failed"
    )


def _describe_replicaset(w: _Writer, replica_set: JSONObj, ctx: _Context) -> None:
    spec = replica_set.get("spec") or {}
    _header(w, replica_set)
    w.write(0, f"Selector:\t{format_selector(spec.get('selector'))}\n")
    _labels(w, "Labels", _meta(replica_set, "labels"))
    _annotations(w, "Annotations", _meta(replica_set, "annotations"))
    if _controller(replica_set):
        w.write(0, f"Controlled By:\t{_controller(replica_set)}\n")
    current = int(dig(replica_set, "status", "replicas") or 0)
    w.write(0, f"Replicas:\t{current} current / {spec.get('replicas', 1)} desired\n")
    w.write(0, f"Pods Status:\t{_pods_status(replica_set, ctx)}\n")
    _pod_template(w, spec.get("template"))
    _conditions_table(w, dig(replica_set, "status", "conditions"))
    _events(w, ctx)


def _describe_statefulset(w: _Writer, statefulset: JSONObj, ctx: _Context) -> None:
    spec = statefulset.get("spec") or {}
    _header(w, statefulset)
    w.write(0, f"CreationTimestamp:\t{rfc1123z(_meta(statefulset, 'creationTimestamp'))}\n")
    w.write(0, f"Selector:\t{format_selector(spec.get('selector'), empty='')}\n")
    _labels(w, "Labels", _meta(statefulset, "labels"))
    _annotations(w, "Annotations", _meta(statefulset, "annotations"))
    total = int(dig(statefulset, "status", "replicas") or 0)
    w.write(0, f"Replicas:\t{spec.get('replicas', 1)} desired | {total} total\n")
    w.write(0, f"Update Strategy:\t{dig(spec, 'updateStrategy', 'type') or 'RollingUpdate'}\n")
    partition = dig(spec, "updateStrategy", "rollingUpdate", "partition")
    if partition is not None:
        w.write(1, f"Partition:\t{partition}\n")
    w.write(0, f"Pods Status:\t{_pods_status(statefulset, ctx)}\n")
    _pod_template(w, spec.get("template"))
    claims = spec.get("volumeClaimTemplates") or []
    w.write(0, "Volume Claims:\t<none>\n" if not claims else "Volume Claims:\n")
    for claim in claims:
        storage = dig(claim, "spec", "resources", "requests", "storage") or "<default>"
        w.write(1, f"Name:\t{_meta(claim, 'name') or ''}\n")
        w.write(1, f"StorageClass:\t{storage_class_of(claim)}\n")
        _labels(w, "Labels", _meta(claim, "labels"), indent="  ")
        _labels(w, "Annotations", _meta(claim, "annotations"), indent="  ")
        w.write(1, f"Capacity:\t{storage}\n")
        w.write(1, f"Access Modes:\t{_go_list(dig(claim, 'spec', 'accessModes'))}\n")
    _events(w, ctx)


def _describe_daemonset(w: _Writer, daemonset: JSONObj, ctx: _Context) -> None:
    spec, status = daemonset.get("spec") or {}, daemonset.get("status") or {}
    _header(w, daemonset)
    w.write(0, f"Selector:\t{format_selector(spec.get('selector'), empty='')}\n")
    w.write(0, f"Node-Selector:\t{format_labels(dig(spec, 'template', 'spec', 'nodeSelector'))}\n")
    _labels(w, "Labels", _meta(daemonset, "labels"))
    _annotations(w, "Annotations", _meta(daemonset, "annotations"))
    for title, key in (
        ("Desired Number of Nodes Scheduled", "desiredNumberScheduled"),
        ("Current Number of Nodes Scheduled", "currentNumberScheduled"),
        ("Number of Nodes Scheduled with Up-to-date Pods", "updatedNumberScheduled"),
        ("Number of Nodes Scheduled with Available Pods", "numberAvailable"),
        ("Number of Nodes Misscheduled", "numberMisscheduled"),
    ):
        w.write(0, f"{title}: {int(status.get(key) or 0)}\n")
    w.write(0, f"Pods Status:\t{_pods_status(daemonset, ctx)}\n")
    _pod_template(w, spec.get("template"))
    _events(w, ctx)


# ------------------------------------------------------------------------------- services, storage


def _describe_service(w: _Writer, service: JSONObj, ctx: _Context) -> None:
    spec = service.get("spec") or {}
    _header(w, service)
    _labels(w, "Labels", _meta(service, "labels"))
    _annotations(w, "Annotations", _meta(service, "annotations"))
    w.write(0, f"Selector:\t{format_labels(spec.get('selector'))}\n")
    w.write(0, f"Type:\t{spec.get('type') or 'ClusterIP'}\n")
    if spec.get("ipFamilyPolicy"):
        w.write(0, f"IP Family Policy:\t{spec['ipFamilyPolicy']}\n")
    w.write(0, f"IP Families:\t{','.join(spec.get('ipFamilies') or []) or '<none>'}\n")
    w.write(0, f"IP:\t{spec.get('clusterIP', '')}\n")
    w.write(0, f"IPs:\t{','.join(spec.get('clusterIPs') or []) or '<none>'}\n")
    for title, key in (("External IPs", "externalIPs"), ("Desired LoadBalancer IP", "loadBalancerIP")):
        value = spec.get(key)
        if value:
            w.write(0, f"{title}:\t{','.join(value) if isinstance(value, list) else value}\n")
    if spec.get("externalName"):
        w.write(0, f"External Name:\t{spec['externalName']}\n")
    endpoints = ctx.related.get("endpoints")
    for port in spec.get("ports") or []:
        _service_port(w, port, endpoints)
    w.write(0, f"Session Affinity:\t{spec.get('sessionAffinity') or 'None'}\n")
    for title, key in (
        ("External Traffic Policy", "externalTrafficPolicy"),
        ("Internal Traffic Policy", "internalTrafficPolicy"),
    ):
        if spec.get(key):
            w.write(0, f"{title}:\t{spec[key]}\n")
    _events(w, ctx)


def _service_port(w: _Writer, port: JSONObj, endpoints: JSONObj | None) -> None:
    name = port.get("name") or "<unset>"
    protocol = port.get("protocol") or "TCP"
    w.write(0, f"Port:\t{name}\t{port.get('port')}/{protocol}\n")
    w.write(0, f"TargetPort:\t{port.get('targetPort', port.get('port'))}/{protocol}\n")
    if port.get("appProtocol"):
        w.write(0, f"AppProtocol:\t{port['appProtocol']}\n")
    if port.get("nodePort"):
        w.write(0, f"NodePort:\t{name}\t{port['nodePort']}/{protocol}\n")
    w.write(0, f"Endpoints:\t{format_endpoints(endpoints, {str(port.get('name') or '')})}\n")


def _describe_endpoints(w: _Writer, endpoints: JSONObj, ctx: _Context) -> None:
    _header(w, endpoints)
    _labels(w, "Labels", _meta(endpoints, "labels"))
    _annotations(w, "Annotations", _meta(endpoints, "annotations"))
    w.write(0, "Subsets:\n")
    for subset in endpoints.get("subsets") or []:
        for title, key in (("Addresses", "addresses"), ("NotReadyAddresses", "notReadyAddresses")):
            ips = ",".join(address.get("ip", "") for address in subset.get(key) or [])
            w.write(1, f"{title}:\t{ips or '<none>'}\n")
        if subset.get("ports"):
            w.write(1, "Ports:\n")
            w.write(2, "Name\tPort\tProtocol\n")
            w.write(2, "----\t----\t--------\n")
            for port in subset["ports"]:
                w.write(2, f"{port.get('name') or '<unset>'}\t{port.get('port')}\t{port.get('protocol') or 'TCP'}\n")
        w.write(0, "\n")
    _events(w, ctx)


def _describe_pvc(w: _Writer, claim: JSONObj, ctx: _Context) -> None:
    spec = claim.get("spec") or {}
    _header(w, claim)
    w.write(0, f"StorageClass:\t{storage_class_of(claim)}\n")
    deleted = _meta(claim, "deletionTimestamp")
    phase = f"Terminating (lasts {ctx.since(deleted)})" if deleted else dig(claim, "status", "phase") or ""
    w.write(0, f"Status:\t{phase}\n")
    w.write(0, f"Volume:\t{spec.get('volumeName', '')}\n")
    _labels(w, "Labels", _meta(claim, "labels"))
    _annotations(w, "Annotations", _meta(claim, "annotations"))
    w.write(0, f"Finalizers:\t{_go_list(_meta(claim, 'finalizers'))}\n")
    bound = bool(spec.get("volumeName"))
    capacity = dig(claim, "status", "capacity", "storage") if bound else ""
    w.write(0, f"Capacity:\t{capacity or ''}\n")
    w.write(0, f"Access Modes:\t{access_modes(dig(claim, 'status', 'accessModes')) if bound else ''}\n")
    if spec.get("volumeMode"):
        w.write(0, f"VolumeMode:\t{spec['volumeMode']}\n")
    users = sorted(str(_meta(pod, "name") or "") for pod in ctx.related.get("pods") or [])
    w.write(0, "Used By:\t")
    if not users:
        w.line("<none>")
    for index, user in enumerate(users):
        w.write(0, ("\t" if index else "") + f"{user}\n")
    _events(w, ctx)


def _volume_affinity(w: _Writer, affinity: JSONObj | None) -> None:
    terms = dig(affinity, "required", "nodeSelectorTerms")
    if dig(affinity, "required") is None:
        w.write(0, "Node Affinity:\t<none>\n")
        return
    w.write(0, "Node Affinity:\t\n")
    w.write(1, "Required Terms:\t" + ("<none>\n" if not terms else "\n"))
    for index, term in enumerate(terms or []):
        expressions = term.get("matchExpressions") or []
        w.write(2, f"Term {index}:\t" + ("<none>\n" if not expressions else ""))
        for position, expression in enumerate(expressions):
            text = f"{expression.get('key', '')} {str(expression.get('operator', '')).lower()}"
            values = expression.get("values") or []
            text += f" [{', '.join(values)}]" if values else ""
            w.write(2 if position else 0, ("\t" if position else "") + text + "\n")


def _pv_source(spec: JSONObj) -> str:
    if spec.get("hostPath") is not None:
        return _volume_lines({"hostPath": spec["hostPath"]})
    if spec.get("local") is not None:
        path = dig(spec, "local", "path") or ""
        return f"Type:\tLocalVolume (a persistent volume backed by local storage on a node)\n    Path:\t{path}\n"
    if spec.get("nfs") is not None:
        nfs = spec["nfs"]
        read_only = "true" if nfs.get("readOnly") else "false"
        return (
            "Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n"
            f"    Server:\t{nfs.get('server', '')}\n    Path:\t{nfs.get('path', '')}\n    ReadOnly:\t{read_only}\n"
        )
    if spec.get("csi") is not None:
        csi = spec["csi"]
        read_only = "true" if csi.get("readOnly") else "false"
        return (
            "Type:\tCSI (a Container Storage Interface (CSI) volume source)\n"
            f"    Driver:\t{csi.get('driver', '')}\n    FSType:\t{csi.get('fsType', '')}\n"
            f"    VolumeHandle:\t{csi.get('volumeHandle', '')}\n    ReadOnly:\t{read_only}\n"
            + _csi_attributes(csi.get("volumeAttributes") or {})
        )
    return "<unknown>\n"


def _csi_attributes(attributes: Mapping[str, Any]) -> str:
    # kubectl prefixes every fragment of this block with the level-2 indent, hence the odd spacing.
    if not attributes:
        return "    VolumeAttributes:\t<none>\n"
    lines = [f"    VolumeAttributes:\t    {key}={attributes[key]}" for key in sorted(attributes)[:1]]
    lines += [f"        \t    {key}={attributes[key]}" for key in sorted(attributes)[1:]]
    return "\n".join(lines) + "\n"


def _describe_pv(w: _Writer, volume: JSONObj, ctx: _Context) -> None:
    spec = volume.get("spec") or {}
    _header(w, volume, namespace=False)
    _labels(w, "Labels", _meta(volume, "labels"))
    _annotations(w, "Annotations", _meta(volume, "annotations"))
    w.write(0, f"Finalizers:\t{_go_list(_meta(volume, 'finalizers'))}\n")
    w.write(0, f"StorageClass:\t{storage_class_of(volume)}\n")
    deleted = _meta(volume, "deletionTimestamp")
    phase = f"Terminating (lasts {ctx.since(deleted)})" if deleted else dig(volume, "status", "phase") or ""
    w.write(0, f"Status:\t{phase}\n")
    claim = spec.get("claimRef")
    w.write(0, f"Claim:\t{claim.get('namespace', '')}/{claim.get('name', '')}\n" if claim else "Claim:\t\n")
    w.write(0, f"Reclaim Policy:\t{spec.get('persistentVolumeReclaimPolicy', '')}\n")
    w.write(0, f"Access Modes:\t{access_modes(spec.get('accessModes'))}\n")
    if spec.get("volumeMode"):
        w.write(0, f"VolumeMode:\t{spec['volumeMode']}\n")
    w.write(0, f"Capacity:\t{dig(spec, 'capacity', 'storage') or '0'}\n")
    _volume_affinity(w, spec.get("nodeAffinity"))
    w.write(0, f"Message:\t{dig(volume, 'status', 'message') or ''}\nSource:\n")
    source = _pv_source(spec)
    w.write(1 if source == "<unknown>\n" else 2, source)
    _events(w, ctx)


def _describe_configmap(w: _Writer, configmap: JSONObj, ctx: _Context) -> None:
    _header(w, configmap)
    _labels(w, "Labels", _meta(configmap, "labels"))
    _annotations(w, "Annotations", _meta(configmap, "annotations"))
    w.write(0, "\nData\n====\n")
    data = configmap.get("data") or {}
    for key in sorted(data):
        w.write(0, f"{key}:\n----\n{data[key]}\n\n")
    w.write(0, "\nBinaryData\n====\n")
    binary = configmap.get("binaryData") or {}
    for key in sorted(binary):
        w.write(0, f"{key}: {_decoded_length(binary[key])} bytes\n")
    w.write(0, "\n")
    _events(w, ctx)


def _decoded_length(value: Any) -> int:
    try:
        return len(base64.b64decode(str(value), validate=True))
    except (binascii.Error, ValueError):
        return len(str(value))


def _describe_secret(w: _Writer, secret: JSONObj, ctx: _Context) -> None:
    # Values are never printed, only their sizes, exactly as kubectl does for every key here.
    _header(w, secret)
    _labels(w, "Labels", _meta(secret, "labels"))
    _annotations(w, "Annotations", _meta(secret, "annotations"))
    w.write(0, f"\nType:\t{secret.get('type', '')}\n")
    w.write(0, "\nData\n====\n")
    data = secret.get("data") or {}
    for key in sorted(data):
        w.write(0, f"{key}:\t{_decoded_length(data[key])} bytes\n")


def _describe_namespace(w: _Writer, namespace: JSONObj, ctx: _Context) -> None:
    _header(w, namespace, namespace=False)
    _labels(w, "Labels", _meta(namespace, "labels"))
    _annotations(w, "Annotations", _meta(namespace, "annotations"))
    w.write(0, f"Status:\t{dig(namespace, 'status', 'phase') or ''}\n")
    w.write(0, "\nNo resource quota.\n\nNo LimitRange resource.\n")


# --------------------------------------------------------------------------------------------- nodes


def _taints(w: _Writer, taints: Sequence[JSONObj] | None) -> None:
    w.write(0, "Taints:\t")
    if not taints:
        w.line("<none>")
        return
    ordered = sorted(taints, key=lambda taint: f"{taint.get('effect', '')},{taint.get('key', '')}")
    for index, taint in enumerate(ordered):
        value = f"={taint['value']}" if taint.get("value") else ""
        w.write(0, ("\t" if index else "") + f"{taint.get('key', '')}{value}:{taint.get('effect', '')}\n")


def _lease(w: _Writer, node: JSONObj, ctx: _Context) -> None:
    lease = ctx.related.get("lease")
    ready = [c for c in dig(node, "status", "conditions") or [] if c.get("type") == "Ready"]
    holder = dig(lease, "spec", "holderIdentity") if lease else _meta(node, "name")
    acquired = dig(lease, "spec", "acquireTime") if lease else None
    renewed = dig(lease, "spec", "renewTime") if lease else (ready[0].get("lastHeartbeatTime") if ready else None)
    w.write(0, "Lease:\n")
    w.write(1, f"HolderIdentity:\t{holder or '<unset>'}\n")
    w.write(1, f"AcquireTime:\t{rfc1123z(acquired) if acquired else '<unset>'}\n")
    w.write(1, f"RenewTime:\t{rfc1123z(renewed) if renewed else '<unset>'}\n")


def _node_conditions(w: _Writer, conditions: Sequence[JSONObj] | None) -> None:
    if not conditions:
        return
    w.write(0, "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n")
    w.write(1, "----\t------\t-----------------\t------------------\t------\t-------\n")
    for c in conditions:
        heartbeat, transition = rfc1123z(c.get("lastHeartbeatTime")), rfc1123z(c.get("lastTransitionTime"))
        w.write(1, f"{c.get('type', '')} \t{c.get('status', '')} \t{heartbeat} \t{transition} \t")
        w.write(0, f"{c.get('reason', '')} \t{c.get('message', '')}\n")


def _system_info(w: _Writer, node: JSONObj) -> None:
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
    ):
        w.write(0, f"  {title}:\t{info.get(key, '')}\n")


def _format_quantity(value: Decimal, binary: bool, cpu: bool) -> str:
    """A summed quantity in Kubernetes' canonical form ("250m", "1536Mi", "2")."""
    if value == 0:
        return "0"
    if cpu:
        milli = value * 1000
        return str(int(value)) if value == value.to_integral_value() else f"{int(milli)}m"
    base = Decimal(1024) if binary else Decimal(1000)
    suffixes = ("", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei") if binary else ("", "k", "M", "G", "T", "P", "E")
    exponent = 0
    while exponent + 1 < len(suffixes) and value % (base ** (exponent + 1)) == 0:
        exponent += 1
    return f"{int(value / base**exponent)}{suffixes[exponent]}"


def _pod_totals(pod: JSONObj, section: str) -> dict[str, tuple[Decimal, bool]]:
    totals: dict[str, tuple[Decimal, bool]] = {}
    for container in dig(pod, "spec", "containers") or []:
        for name, raw in (dig(container, "resources", section) or {}).items():
            amount = _quantity(str(raw)) or Decimal(0)
            previous, binary = totals.get(name, (Decimal(0), False))
            totals[name] = (previous + amount, binary or "i" in str(raw))
    return totals


def _share(amount: tuple[Decimal, bool] | None, allocatable: Decimal | None, cpu: bool) -> str:
    value, binary = amount or (Decimal(0), False)
    percent = int(value / allocatable * 100) if allocatable else 0
    return f"{_format_quantity(value, binary, cpu)} ({percent}%)"


def _node_pods(w: _Writer, node: JSONObj, ctx: _Context) -> None:
    pods = [p for p in ctx.related.get("pods") or [] if dig(p, "status", "phase") not in ("Succeeded", "Failed")]
    allocatable = dig(node, "status", "allocatable") or dig(node, "status", "capacity") or {}
    cpu, memory = _quantity(allocatable.get("cpu")), _quantity(allocatable.get("memory"))
    w.write(0, f"Non-terminated Pods:\t({len(pods)} in total)\n")
    w.write(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n")
    w.write(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n")
    totals: dict[str, dict[str, tuple[Decimal, bool]]] = {"requests": {}, "limits": {}}
    for pod in pods:
        requests, limits = _pod_totals(pod, "requests"), _pod_totals(pod, "limits")
        cells = [_share(requests.get("cpu"), cpu, True), _share(limits.get("cpu"), cpu, True)]
        cells += [_share(requests.get("memory"), memory, False), _share(limits.get("memory"), memory, False)]
        w.write(1, f"{_meta(pod, 'namespace') or ''}\t{_meta(pod, 'name') or ''}\t\t" + "\t".join(cells) + "\t")
        w.write(0, f"{ctx.since(_meta(pod, 'creationTimestamp'))}\n")
        for section, values in (("requests", requests), ("limits", limits)):
            for name, (amount, binary) in values.items():
                previous = totals[section].get(name, (Decimal(0), False))
                totals[section][name] = (previous[0] + amount, previous[1] or binary)
    w.write(0, "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n")
    w.write(1, "Resource\tRequests\tLimits\n")
    w.write(1, "--------\t--------\t------\n")
    storage = _quantity(allocatable.get("ephemeral-storage"))
    for name, limit, is_cpu in (("cpu", cpu, True), ("memory", memory, False), ("ephemeral-storage", storage, False)):
        requested, limited = totals["requests"].get(name), totals["limits"].get(name)
        w.write(1, f"{name}\t{_share(requested, limit, is_cpu)}\t{_share(limited, limit, is_cpu)}\n")


def _describe_node(w: _Writer, node: JSONObj, ctx: _Context) -> None:
    status = node.get("status") or {}
    _header(w, node, namespace=False)
    w.write(0, f"Roles:\t{','.join(node_roles(node)) or '<none>'}\n")
    _labels(w, "Labels", _meta(node, "labels"))
    _annotations(w, "Annotations", _meta(node, "annotations"))
    w.write(0, f"CreationTimestamp:\t{rfc1123z(_meta(node, 'creationTimestamp'))}\n")
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
    _events(w, ctx)


# ------------------------------------------------------------------------------------------ generic


def _camel_parts(text: str) -> list[str]:
    """fatih/camelcase's split: runs of one character class, an upper letter moved onto a lower run."""
    runs: list[list[str]] = []
    previous = ""
    for char in text:
        kind = "l" if char.islower() else "u" if char.isupper() else "d" if char.isdigit() else "o"
        if runs and kind == previous:
            runs[-1].append(char)
        else:
            runs.append([char])
        previous = kind
    for index in range(len(runs) - 1):
        if runs[index] and runs[index][0].isupper() and runs[index + 1][0].islower():
            runs[index + 1].insert(0, runs[index].pop())
    return ["".join(run) for run in runs if run]


def _smart_label(field_name: str) -> str:
    """kubectl's label for an unstructured field: "apiVersion" -> "API Version", "uid" -> "UID"."""
    if any(not (char.isalpha() or char == "-") for char in field_name):
        return field_name
    parts = _camel_parts(field_name)
    merged: list[str] = []
    index = 0
    while index < len(parts):
        part = parts[index]
        following = parts[index + 1] if index + 1 < len(parts) else ""
        if len(part) >= 2 and part.isupper() and following[:1].isupper():
            merged.append(part + following)
            index += 2
            continue
        merged.append(part)
        index += 1
    words = []
    for part in merged:
        if part.upper() in ("API", "URL", "UID", "GUID"):
            part = part.upper()
        elif part.islower():
            part = part[:1].upper() + part[1:]
        words.append(part)
    return " ".join(word for word in words if word != "_")


_GENERIC_SKIPS = frozenset({".metadata.managedFields", ".metadata.name", ".metadata.namespace"})
_GENERIC_SKIPS |= {".metadata.labels", ".metadata.annotations"}


def _unstructured(w: _Writer, level: int, content: JSONObj, prefix: str) -> None:
    for key in sorted(content):
        value, path = content[key], f"{prefix}.{key}"
        if path in _GENERIC_SKIPS:
            continue
        if isinstance(value, Mapping):
            w.write(level, f"{_smart_label(key)}:\n")
            _unstructured(w, level + 1, value, path)
        elif isinstance(value, list):
            w.write(level, f"{_smart_label(key)}:\n")
            for item in value:
                if isinstance(item, Mapping):
                    _unstructured(w, level + 1, item, path)
                else:
                    w.write(level + 1, f"{go_sprint(item)}\n")
        else:
            w.write(level, f"{_smart_label(key)}:\t{go_sprint(value)}\n")


def _describe_generic(w: _Writer, obj: JSONObj, ctx: _Context) -> None:
    _header(w, obj)
    _labels(w, "Labels", _meta(obj, "labels"))
    _annotations(w, "Annotations", _meta(obj, "annotations"))
    _unstructured(w, 0, obj, "")
    _events(w, ctx)


_DESCRIBERS: dict[str, Callable[[_Writer, JSONObj, _Context], None]] = {
    "pods": _describe_pod,
    "services": _describe_service,
    "endpoints": _describe_endpoints,
    "deployments": _describe_deployment,
    "replicasets": _describe_replicaset,
    "statefulsets": _describe_statefulset,
    "daemonsets": _describe_daemonset,
    "nodes": _describe_node,
    "persistentvolumes": _describe_pv,
    "persistentvolumeclaims": _describe_pvc,
    "configmaps": _describe_configmap,
    "secrets": _describe_secret,
    "namespaces": _describe_namespace,
}


def render_describe(
    plural: str,
    obj: Mapping[str, Any],
    *,
    now: datetime,
    events: Sequence[Mapping[str, Any]] = (),
    related: Mapping[str, Any] | None = None,
) -> str:
    """What ``kubectl describe <plural> <name>`` prints for ``obj``.

    ``events`` are the events whose involvedObject is ``obj`` (shown oldest first, "Events: <none>"
    when empty). ``related`` carries what kubectl would look up: ``endpoints`` (the Service's Endpoints
    object), ``replicasets`` (a Deployment's, or ``new_replicaset``/``old_replicasets``), ``pods`` (a
    controller's pods, the pods on a node, the pods using a claim) and ``lease`` (a node's Lease).
    Kinds without a describer of their own, Events and custom resources included, use the generic one.
    """
    writer = _Writer()
    describer = _DESCRIBERS.get(plural, _describe_generic)
    describer(writer, obj, _Context(now=now, events=events, related=related or {}))
    return writer.text()
