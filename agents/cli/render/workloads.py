"""Row printers of the workload controllers, each following kubectl's printer for its kind.

Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs and CronJobs; with ``-o wide`` most add the
containers, images and selector of their pod template.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from agents.cli.durations import age, human_duration, parse_timestamp, seconds_between
from agents.cli.render.cells import (
    JSONObj,
    as_int,
    container_columns,
    dig,
    format_labels,
    format_selector,
    object_age,
    object_name,
)


def _bool_text(value: Any) -> str:
    return "<unset>" if value is None else ("True" if value else "False")


def _replicas(obj: JSONObj) -> int:
    # The API server defaults spec.replicas to 1; status counts are omitted when zero.
    return as_int(dig(obj, "spec", "replicas"), 1)


def deployment_row(deployment: JSONObj, now: datetime, wide: bool) -> list[str]:
    status = deployment.get("status") or {}
    ready = f"{as_int(status.get('readyReplicas'))}/{_replicas(deployment)}"
    cells = [object_name(deployment), ready, str(as_int(status.get("updatedReplicas")))]
    cells += [str(as_int(status.get("availableReplicas"))), object_age(deployment, now)]
    if wide:
        names, images = container_columns(dig(deployment, "spec", "template", "spec"))
        cells += [names, images, format_selector(dig(deployment, "spec", "selector"), empty="")]
    return cells


def replicaset_row(replicaset: JSONObj, now: datetime, wide: bool) -> list[str]:
    status = replicaset.get("status") or {}
    cells = [object_name(replicaset), str(_replicas(replicaset)), str(as_int(status.get("replicas")))]
    cells += [str(as_int(status.get("readyReplicas"))), object_age(replicaset, now)]
    if wide:
        names, images = container_columns(dig(replicaset, "spec", "template", "spec"))
        cells += [names, images, format_selector(dig(replicaset, "spec", "selector"))]
    return cells


def statefulset_row(statefulset: JSONObj, now: datetime, wide: bool) -> list[str]:
    ready = f"{as_int(dig(statefulset, 'status', 'readyReplicas'))}/{_replicas(statefulset)}"
    cells = [object_name(statefulset), ready, object_age(statefulset, now)]
    return cells + list(container_columns(dig(statefulset, "spec", "template", "spec"))) if wide else cells


def daemonset_row(daemonset: JSONObj, now: datetime, wide: bool) -> list[str]:
    status = daemonset.get("status") or {}
    fields = ("desiredNumberScheduled", "currentNumberScheduled", "numberReady", "updatedNumberScheduled")
    cells = [object_name(daemonset), *(str(as_int(status.get(field))) for field in fields)]
    cells.append(str(as_int(status.get("numberAvailable"))))
    cells += [format_labels(dig(daemonset, "spec", "template", "spec", "nodeSelector")), object_age(daemonset, now)]
    if wide:
        names, images = container_columns(dig(daemonset, "spec", "template", "spec"))
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


def job_row(job: JSONObj, now: datetime, wide: bool) -> list[str]:
    succeeded = as_int(dig(job, "status", "succeeded"))
    completions = dig(job, "spec", "completions")
    parallelism = as_int(dig(job, "spec", "parallelism"))
    if completions is not None:
        done = f"{succeeded}/{completions}"
    else:
        done = f"{succeeded}/1 of {parallelism}" if parallelism > 1 else f"{succeeded}/1"
    start = parse_timestamp(dig(job, "status", "startTime"))
    finish = parse_timestamp(dig(job, "status", "completionTime")) or now
    duration = human_duration(seconds_between(start, finish)) if start else ""
    cells = [object_name(job), _job_status(job), done, duration, object_age(job, now)]
    if wide:
        names, images = container_columns(dig(job, "spec", "template", "spec"))
        cells += [names, images, format_selector(dig(job, "spec", "selector"))]
    return cells


def cronjob_row(cronjob: JSONObj, now: datetime, wide: bool) -> list[str]:
    spec = cronjob.get("spec") or {}
    last = dig(cronjob, "status", "lastScheduleTime")
    cells = [object_name(cronjob), str(spec.get("schedule", "")), spec.get("timeZone") or "<none>"]
    cells += [_bool_text(spec.get("suspend")), str(len(dig(cronjob, "status", "active") or []))]
    cells += [age(last, now) if last else "<none>", object_age(cronjob, now)]
    if wide:
        template = dig(spec, "jobTemplate", "spec")
        names, images = container_columns(dig(template, "template", "spec"))
        cells += [names, images, format_selector(dig(template, "selector"))]
    return cells
