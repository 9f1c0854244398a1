"""What kubectl knows of each resource: kind, API version, scope and table columns.

``resource_type`` maps a canonical plural to its ``ResourceType`` (an unknown plural, such as a CRD's,
prints NAME and AGE); ``group_objects`` sorts the objects of one ``get`` into one bucket per type, in the
API server's order; ``kind_prefix`` is the ``kind.group`` that ``-o name`` and ``--show-kind`` print.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agents.cli.render.cells import JSONObj, RowPrinter, dig, object_name
from agents.cli.render.pods import pod_row
from agents.cli.render.rows import (
    chaos_row,
    configmap_row,
    endpoints_row,
    event_row,
    generic_row,
    namespace_row,
    node_row,
    pv_row,
    pvc_row,
    secret_row,
    service_row,
    serviceaccount_row,
    storageclass_row,
)
from agents.cli.render.workloads import (
    cronjob_row,
    daemonset_row,
    deployment_row,
    job_row,
    replicaset_row,
    statefulset_row,
)


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
    event_row,
)
_GENERIC = _spec("NAME|AGE", "", generic_row)
_CHAOS = "chaos-mesh.org/v1alpha1"

_CHAOS_KINDS = ("PodChaos", "NetworkChaos", "IOChaos", "HTTPChaos", "DNSChaos", "KernelChaos", "JVMChaos")


def _entry(plural: str, kind: str, api_version: str, columns: tuple[str, str, RowPrinter]) -> ResourceType:
    headers, wide, row = columns
    cluster_scoped = kind in ("Namespace", "Node", "PersistentVolume", "StorageClass")
    return ResourceType(plural, kind, api_version, not cluster_scoped, _spec(headers, wide, row))


_RESOURCE_TYPES = {
    entry.plural: entry
    for entry in (
        _entry("pods", "Pod", "v1", ("NAME|READY|STATUS|RESTARTS|AGE", _POD_WIDE, pod_row)),
        _entry("services", "Service", "v1", ("NAME|TYPE|CLUSTER-IP|EXTERNAL-IP|PORT(S)|AGE", "SELECTOR", service_row)),
        _entry("deployments", "Deployment", "apps/v1", (_DEPLOYMENT, _CONTAINERS, deployment_row)),
        _entry("replicasets", "ReplicaSet", "apps/v1", ("NAME|DESIRED|CURRENT|READY|AGE", _CONTAINERS, replicaset_row)),
        _entry("statefulsets", "StatefulSet", "apps/v1", ("NAME|READY|AGE", "CONTAINERS|IMAGES", statefulset_row)),
        _entry("daemonsets", "DaemonSet", "apps/v1", (_DAEMONSET, _CONTAINERS, daemonset_row)),
        _entry("jobs", "Job", "batch/v1", ("NAME|STATUS|COMPLETIONS|DURATION|AGE", _CONTAINERS, job_row)),
        _entry("cronjobs", "CronJob", "batch/v1", (_CRONJOB, _CONTAINERS, cronjob_row)),
        _entry("endpoints", "Endpoints", "v1", ("NAME|ENDPOINTS|AGE", "", endpoints_row)),
        _entry("configmaps", "ConfigMap", "v1", ("NAME|DATA|AGE", "", configmap_row)),
        _entry("secrets", "Secret", "v1", ("NAME|TYPE|DATA|AGE", "", secret_row)),
        _entry("serviceaccounts", "ServiceAccount", "v1", ("NAME|SECRETS|AGE", "", serviceaccount_row)),
        _entry("namespaces", "Namespace", "v1", ("NAME|STATUS|AGE", "", namespace_row)),
        _entry("nodes", "Node", "v1", ("NAME|STATUS|ROLES|AGE|VERSION", _NODE_WIDE, node_row)),
        _entry("persistentvolumes", "PersistentVolume", "v1", (_PV, "VOLUMEMODE", pv_row)),
        _entry("persistentvolumeclaims", "PersistentVolumeClaim", "v1", (_PVC, "VOLUMEMODE", pvc_row)),
        _entry("storageclasses", "StorageClass", "storage.k8s.io/v1", (_STORAGECLASS, "", storageclass_row)),
        _entry("stresschaos", "StressChaos", _CHAOS, ("NAME|DURATION", "", chaos_row("spec.duration"))),
        _entry("timechaos", "TimeChaos", _CHAOS, ("NAME|DURATION", "", chaos_row("spec.duration"))),
        *(
            _entry(kind.lower(), kind, _CHAOS, ("NAME|ACTION|DURATION", "", chaos_row("spec.action", "spec.duration")))
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


def kind_prefix(rtype: ResourceType, obj: JSONObj) -> str:
    kind = str(obj.get("kind") or rtype.kind)
    api_version = str(obj.get("apiVersion") or rtype.api_version)
    group = api_version.split("/")[0] if "/" in api_version else ""
    return f"{kind}.{group}".lower() if group else kind.lower()


def _sort_key(obj: JSONObj) -> tuple[str, str]:
    return (str(dig(obj, "metadata", "namespace") or ""), object_name(obj))


def group_objects(
    plural: str, objects: Sequence[JSONObj], presorted: bool
) -> tuple[list[ResourceType], list[tuple[ResourceType, list[JSONObj]]]]:
    names = [part.strip() for part in plural.split(",") if part.strip()] or [plural]
    known_kinds = {rtype.kind for rtype in _RESOURCE_TYPES.values()}
    # An unknown resource (a CRD) takes its kind and scope from the first object no known kind claims.
    sample = next((obj for obj in objects if obj.get("kind") not in known_kinds), None)
    requested = [resource_type(name, sample) for name in names]
    if presorted:
        return requested, _runs_of_one_type(objects, requested)
    buckets: dict[str, tuple[ResourceType, list[JSONObj]]] = {rt.plural: (rt, []) for rt in requested}
    for obj in objects:
        rtype = _type_of(obj, requested)
        buckets.setdefault(rtype.plural, (rtype, []))[1].append(obj)
    return requested, [(rtype, sorted(items, key=_sort_key)) for rtype, items in buckets.values()]


def _runs_of_one_type(
    objects: Sequence[JSONObj], requested: list[ResourceType]
) -> list[tuple[ResourceType, list[JSONObj]]]:
    """Objects kept in their order, a new group at each change of type: kubectl prints named objects
    as named (``get svc/a deploy/b svc/c`` is three tables)."""
    runs: list[tuple[ResourceType, list[JSONObj]]] = []
    for obj in objects:
        rtype = _type_of(obj, requested)
        if runs and runs[-1][0].plural == rtype.plural:
            runs[-1][1].append(obj)
        else:
            runs.append((rtype, [obj]))
    return runs
