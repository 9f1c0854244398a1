"""``kubectl describe`` of Deployments, ReplicaSets, StatefulSets, DaemonSets and Jobs.

Replica counts, update strategy and pod template, with the ReplicaSets or the pod phases that the caller
found and passed in ``related``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from agents.cli.describe.common import (
    Context,
    JSONObj,
    Writer,
    controller_of,
    go_list,
    meta,
    write_annotations,
    write_events,
    write_header,
    write_labels,
)
from agents.cli.describe.podspec import write_pod_template
from agents.cli.durations import human_duration, parse_timestamp, rfc1123z
from agents.cli.jsonpath import go_sprint
from agents.cli.render import dig, format_labels, format_selector, storage_class_of


def _conditions_table(w: Writer, conditions: Sequence[JSONObj] | None) -> None:
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
        f"{meta(rs, 'name')} ({int(dig(rs, 'status', 'replicas') or 0)}/{int(dig(rs, 'spec', 'replicas') or 0)} "
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


def describe_deployment(w: Writer, deployment: JSONObj, ctx: Context) -> None:
    spec, status = deployment.get("spec") or {}, deployment.get("status") or {}
    write_header(w, deployment)
    w.write(0, f"CreationTimestamp:\t{rfc1123z(meta(deployment, 'creationTimestamp'))}\n")
    write_labels(w, "Labels", meta(deployment, "labels"))
    write_annotations(w, "Annotations", meta(deployment, "annotations"))
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
    write_pod_template(w, spec.get("template"))
    _conditions_table(w, status.get("conditions"))
    old, new = _split_replica_sets(deployment, ctx.related)
    if old or new:
        w.write(0, f"OldReplicaSets:\t{_replica_set_summary(old)}\n")
        w.write(0, f"NewReplicaSet:\t{_replica_set_summary(new)}\n")
    write_events(w, ctx)


def _pods_status(obj: JSONObj, ctx: Context) -> str:
    uid, name = meta(obj, "uid"), meta(obj, "name")
    counts = {"Running": 0, "Pending": 0, "Succeeded": 0, "Failed": 0}
    for pod in ctx.related.get("pods") or []:
        owners = [o for o in meta(pod, "ownerReferences") or [] if o.get("controller")]
        if any((o.get("uid") == uid) if uid and o.get("uid") else o.get("name") == name for o in owners):
            phase = dig(pod, "status", "phase")
            if phase in counts:
                counts[phase] += 1
    return (
        f"{counts['Running']} Running / {counts['Pending']} Waiting / {counts['Succeeded']} Succeeded / "
        f"{counts['Failed']} Failed"
    )


def describe_replicaset(w: Writer, replica_set: JSONObj, ctx: Context) -> None:
    spec = replica_set.get("spec") or {}
    write_header(w, replica_set)
    w.write(0, f"Selector:\t{format_selector(spec.get('selector'))}\n")
    write_labels(w, "Labels", meta(replica_set, "labels"))
    write_annotations(w, "Annotations", meta(replica_set, "annotations"))
    if controller_of(replica_set):
        w.write(0, f"Controlled By:\t{controller_of(replica_set)}\n")
    current = int(dig(replica_set, "status", "replicas") or 0)
    w.write(0, f"Replicas:\t{current} current / {spec.get('replicas', 1)} desired\n")
    w.write(0, f"Pods Status:\t{_pods_status(replica_set, ctx)}\n")
    write_pod_template(w, spec.get("template"))
    _conditions_table(w, dig(replica_set, "status", "conditions"))
    write_events(w, ctx)


def describe_statefulset(w: Writer, statefulset: JSONObj, ctx: Context) -> None:
    spec = statefulset.get("spec") or {}
    write_header(w, statefulset)
    w.write(0, f"CreationTimestamp:\t{rfc1123z(meta(statefulset, 'creationTimestamp'))}\n")
    w.write(0, f"Selector:\t{format_selector(spec.get('selector'), empty='')}\n")
    write_labels(w, "Labels", meta(statefulset, "labels"))
    write_annotations(w, "Annotations", meta(statefulset, "annotations"))
    total = int(dig(statefulset, "status", "replicas") or 0)
    w.write(0, f"Replicas:\t{spec.get('replicas', 1)} desired | {total} total\n")
    w.write(0, f"Update Strategy:\t{dig(spec, 'updateStrategy', 'type') or 'RollingUpdate'}\n")
    partition = dig(spec, "updateStrategy", "rollingUpdate", "partition")
    if partition is not None:
        w.write(1, f"Partition:\t{partition}\n")
    w.write(0, f"Pods Status:\t{_pods_status(statefulset, ctx)}\n")
    write_pod_template(w, spec.get("template"))
    claims = spec.get("volumeClaimTemplates") or []
    w.write(0, "Volume Claims:\t<none>\n" if not claims else "Volume Claims:\n")
    for claim in claims:
        storage = dig(claim, "spec", "resources", "requests", "storage") or "<default>"
        w.write(1, f"Name:\t{meta(claim, 'name') or ''}\n")
        w.write(1, f"StorageClass:\t{storage_class_of(claim)}\n")
        write_labels(w, "Labels", meta(claim, "labels"), indent="  ")
        write_labels(w, "Annotations", meta(claim, "annotations"), indent="  ")
        w.write(1, f"Capacity:\t{storage}\n")
        w.write(1, f"Access Modes:\t{go_list(dig(claim, 'spec', 'accessModes'))}\n")
    write_events(w, ctx)


def describe_daemonset(w: Writer, daemonset: JSONObj, ctx: Context) -> None:
    spec, status = daemonset.get("spec") or {}, daemonset.get("status") or {}
    write_header(w, daemonset)
    w.write(0, f"Selector:\t{format_selector(spec.get('selector'), empty='')}\n")
    w.write(0, f"Node-Selector:\t{format_labels(dig(spec, 'template', 'spec', 'nodeSelector'))}\n")
    write_labels(w, "Labels", meta(daemonset, "labels"))
    write_annotations(w, "Annotations", meta(daemonset, "annotations"))
    for title, key in (
        ("Desired Number of Nodes Scheduled", "desiredNumberScheduled"),
        ("Current Number of Nodes Scheduled", "currentNumberScheduled"),
        ("Number of Nodes Scheduled with Up-to-date Pods", "updatedNumberScheduled"),
        ("Number of Nodes Scheduled with Available Pods", "numberAvailable"),
        ("Number of Nodes Misscheduled", "numberMisscheduled"),
    ):
        w.write(0, f"{title}: {int(status.get(key) or 0)}\n")
    w.write(0, f"Pods Status:\t{_pods_status(daemonset, ctx)}\n")
    write_pod_template(w, spec.get("template"))
    write_events(w, ctx)


def _optional(w: Writer, title: str, value: Any, unit: str = "") -> None:
    if value is not None:
        w.write(0, f"{title}:\t{go_sprint(value)}{unit}\n")


def describe_job(w: Writer, job: JSONObj, ctx: Context) -> None:
    spec, status = job.get("spec") or {}, job.get("status") or {}
    write_header(w, job)
    w.write(0, f"Selector:\t{format_selector(spec.get('selector'), empty='')}\n")
    write_labels(w, "Labels", meta(job, "labels"))
    write_annotations(w, "Annotations", meta(job, "annotations"))
    if controller_of(job):
        w.write(0, f"Controlled By:\t{controller_of(job)}\n")
    _optional(w, "Parallelism", spec.get("parallelism"))
    w.write(0, f"Completions:\t{_intstr(spec.get('completions'), '<unset>')}\n")
    _optional(w, "Completion Mode", spec.get("completionMode"))
    _optional(w, "Suspend", spec.get("suspend"))
    _optional(w, "Backoff Limit", spec.get("backoffLimit"))
    _optional(w, "TTL Seconds After Finished", spec.get("ttlSecondsAfterFinished"))
    started, completed = status.get("startTime"), status.get("completionTime")
    if started:
        w.write(0, f"Start Time:\t{rfc1123z(started)}\n")
    if completed:
        w.write(0, f"Completed At:\t{rfc1123z(completed)}\n")
    begin, end = parse_timestamp(started), parse_timestamp(completed)
    if begin and end:
        w.write(0, f"Duration:\t{human_duration((end - begin).total_seconds())}\n")
    _optional(w, "Active Deadline Seconds", spec.get("activeDeadlineSeconds"), "s")
    counts = f"{int(status.get('succeeded') or 0)} Succeeded / {int(status.get('failed') or 0)} Failed"
    ready = "" if status.get("ready") is None else f" ({int(status['ready'])} Ready)"
    w.write(0, f"Pods Statuses:\t{int(status.get('active') or 0)} Active{ready} / {counts}\n")
    write_pod_template(w, spec.get("template"))
    write_events(w, ctx)
