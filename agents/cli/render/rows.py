"""Row printers of the kinds that are neither pods nor workloads, each following kubectl's printer.

Services, Endpoints, ConfigMaps, Secrets, ServiceAccounts, Namespaces, Nodes, PersistentVolumes and
claims, StorageClasses and Events, plus the NAME/AGE row of unknown kinds and the Chaos Mesh CRD rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from agents.cli.durations import age
from agents.cli.jsonpath import go_sprint
from agents.cli.render.cells import (
    JSONObj,
    RowPrinter,
    access_modes,
    as_int,
    dig,
    format_endpoints,
    format_labels,
    object_age,
    object_name,
)

_LOAD_BALANCER_WIDTH = 16


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
        node_port = f":{port['nodePort']}" if as_int(port.get("nodePort")) > 0 else ""
        pieces.append(f"{port.get('port')}{node_port}/{protocol}")
    return ",".join(pieces)


def service_row(service: JSONObj, now: datetime, wide: bool) -> list[str]:
    spec = service.get("spec") or {}
    ips = spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])
    ports = _port_string(spec.get("ports")) or "<none>"
    cells = [object_name(service), spec.get("type") or "ClusterIP", ips[0] if ips else "<none>"]
    cells += [_external_ip(service, wide), ports, object_age(service, now)]
    return [*cells, format_labels(spec.get("selector"))] if wide else cells


def endpoints_row(endpoints: JSONObj, now: datetime, wide: bool) -> list[str]:
    return [object_name(endpoints), format_endpoints(endpoints), object_age(endpoints, now)]


def configmap_row(configmap: JSONObj, now: datetime, wide: bool) -> list[str]:
    count = len(configmap.get("data") or {}) + len(configmap.get("binaryData") or {})
    return [object_name(configmap), str(count), object_age(configmap, now)]


def secret_row(secret: JSONObj, now: datetime, wide: bool) -> list[str]:
    return [
        object_name(secret),
        str(secret.get("type") or ""),
        str(len(secret.get("data") or {})),
        object_age(secret, now),
    ]


def serviceaccount_row(account: JSONObj, now: datetime, wide: bool) -> list[str]:
    return [object_name(account), str(len(account.get("secrets") or [])), object_age(account, now)]


def namespace_row(namespace: JSONObj, now: datetime, wide: bool) -> list[str]:
    return [object_name(namespace), str(dig(namespace, "status", "phase") or ""), object_age(namespace, now)]


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


def node_row(node: JSONObj, now: datetime, wide: bool) -> list[str]:
    ready = [c for c in dig(node, "status", "conditions") or [] if c.get("type") == "Ready"]
    status = ["Ready" if c.get("status") == "True" else "NotReady" for c in ready[-1:]] or ["Unknown"]
    if dig(node, "spec", "unschedulable"):
        status.append("SchedulingDisabled")
    info = dig(node, "status", "nodeInfo") or {}
    cells = [object_name(node), ",".join(status), ",".join(node_roles(node)) or "<none>", object_age(node, now)]
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


def pv_row(volume: JSONObj, now: datetime, wide: bool) -> list[str]:
    spec = volume.get("spec") or {}
    claim = spec.get("claimRef")
    cells = [object_name(volume), str(dig(spec, "capacity", "storage") or ""), access_modes(spec.get("accessModes"))]
    cells += [str(spec.get("persistentVolumeReclaimPolicy") or ""), _volume_phase(volume)]
    cells.append(f"{claim.get('namespace', '')}/{claim.get('name', '')}" if claim else "")
    cells += [storage_class_of(volume), spec.get("volumeAttributesClassName") or "<unset>"]
    cells += [str(dig(volume, "status", "reason") or ""), object_age(volume, now)]
    return [*cells, spec.get("volumeMode") or "<unset>"] if wide else cells


def pvc_row(claim: JSONObj, now: datetime, wide: bool) -> list[str]:
    spec = claim.get("spec") or {}
    bound = bool(spec.get("volumeName"))
    capacity = str(dig(claim, "status", "capacity", "storage") or "") if bound else ""
    modes = access_modes(dig(claim, "status", "accessModes")) if bound else ""
    cells = [object_name(claim), _volume_phase(claim), str(spec.get("volumeName") or ""), capacity, modes]
    cells += [storage_class_of(claim), spec.get("volumeAttributesClassName") or "<unset>", object_age(claim, now)]
    return [*cells, spec.get("volumeMode") or "<unset>"] if wide else cells


def event_row(event: JSONObj, now: datetime, wide: bool) -> list[str]:
    first = event.get("firstTimestamp") or event.get("eventTime")
    first_seen = age(first, now)
    last_seen = age(event.get("lastTimestamp"), now) if event.get("lastTimestamp") else first_seen
    count = as_int(event.get("count"))
    if event.get("series"):
        last_seen = age(dig(event, "series", "lastObservedTime"), now)
        count = as_int(dig(event, "series", "count"))
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
    return [*cells, first_seen, str(count), object_name(event)]


def storageclass_row(storage_class: JSONObj, now: datetime, wide: bool) -> list[str]:
    default = dig(storage_class, "metadata", "annotations", "storageclass.kubernetes.io/is-default-class") == "true"
    name = object_name(storage_class) + (" (default)" if default else "")
    expansion = "true" if storage_class.get("allowVolumeExpansion") else "false"
    cells = [name, str(storage_class.get("provisioner") or ""), storage_class.get("reclaimPolicy") or "Delete"]
    return [*cells, storage_class.get("volumeBindingMode") or "Immediate", expansion, object_age(storage_class, now)]


def generic_row(obj: JSONObj, now: datetime, wide: bool) -> list[str]:
    return [object_name(obj), object_age(obj, now)]


def chaos_row(*paths: str) -> RowPrinter:
    """A CRD's additionalPrinterColumns: a missing value leaves the cell empty, as kubectl prints it."""

    def row(obj: JSONObj, now: datetime, wide: bool) -> list[str]:
        cells = [object_name(obj)]
        for path in paths:
            value = dig(obj, *path.split("."))
            cells.append("" if value is None else go_sprint(value))
        return cells

    return row
