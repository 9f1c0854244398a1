"""The Containers and Init Containers sections of a pod or a pod template.

Each container's ports, command, state, resources, probes, environment and mounts, as kubectl's
describe prints them; a template has no statuses, so its containers show no state.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from decimal import Decimal

from agents.cli.describe.common import JSONObj, Writer, go_list
from agents.cli.durations import rfc1123z
from agents.cli.quantities import parse_quantity
from agents.cli.render import dig


def _port_list(ports: Sequence[JSONObj], key: str) -> str:
    shown = []
    for port in ports:
        text = f"{port.get(key, 0)}/{port.get('protocol') or 'TCP'}"
        shown.append(f"{text} ({port['name']})" if port.get("name") else text)
    return ", ".join(shown)


def _container_basics(w: Writer, container: JSONObj, status: JSONObj | None, space: str) -> None:
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


def _command(w: Writer, container: JSONObj) -> None:
    for title, key in (("Command", "command"), ("Args", "args")):
        if container.get(key):
            w.write(2, f"{title}:\n")
            for part in container[key]:
                for piece in str(part).split("\n"):
                    w.write(3, f"{piece}\n")


def _state(w: Writer, title: str, state: JSONObj | None) -> None:
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


def _terminated(w: Writer, title: str, terminated: JSONObj) -> None:
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


def _container_state(w: Writer, status: JSONObj) -> None:
    _state(w, "State", status.get("state"))
    if dig(status, "lastState", "terminated") is not None:
        _terminated(w, "Last State", status["lastState"]["terminated"])
    w.write(2, f"Ready:\t{'True' if status.get('ready') else 'False'}\n")
    w.write(2, f"Restart Count:\t{status.get('restartCount', 0)}\n")


def _resources(w: Writer, resources: JSONObj | None, level: int) -> None:
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
        return f"exec {go_list(dig(probe, 'exec', 'command'))} {attrs}"
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


def _probes(w: Writer, container: JSONObj) -> None:
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
    divisor = parse_quantity(str(reference.get("divisor") or "1")) or Decimal(1)
    return str(math.ceil((parse_quantity(str(raw)) or Decimal(0)) / divisor))


def _env(w: Writer, container: JSONObj, pod: JSONObj | None) -> None:
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


def _env_reference(w: Writer, name: str, source: JSONObj) -> None:
    for key, phrase in (("secretKeyRef", "in secret"), ("configMapKeyRef", "of config map")):
        ref = source.get(key)
        if ref is not None:
            optional = "true" if ref.get("optional") else "false"
            target = f"<set to the key '{ref.get('key', '')}' {phrase} '{ref.get('name', '')}'>"
            w.write(3, f"{name}:\t{target}\tOptional: {optional}\n")


def _env_from(w: Writer, container: JSONObj) -> None:
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


def _mounts(w: Writer, container: JSONObj) -> None:
    mounts = sorted(container.get("volumeMounts") or [], key=lambda mount: str(mount.get("mountPath", "")))
    w.write(2, "Mounts:\t<none>\n" if not mounts else "Mounts:\n")
    for mount in mounts:
        flags = ["ro" if mount.get("readOnly") else "rw"]
        if mount.get("subPath"):
            flags.append(f'path="{mount["subPath"]}"')
        w.write(3, f"{mount.get('mountPath', '')} from {mount.get('name', '')} ({','.join(flags)})\n")


def write_containers(w: Writer, label: str, pod_spec: JSONObj, key: str, pod: JSONObj | None, space: str) -> None:
    """One containers section; ``pod`` supplies statuses and downward-API values (None for a template)."""
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
