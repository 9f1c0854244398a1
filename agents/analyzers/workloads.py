"""Workloads and storage: desired against available replicas, zero replicas, what the last rollout changed,
claims that do not bind.

A rollout is read from the Deployment's ReplicaSets: the one of the current revision against the one before
it, container by container (image, command, args, env), so "the image changed from A to B" is a fact the
Observer reads rather than something it has to notice between two describes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from agents.analyzers.findings import CRITICAL, WARNING, Finding
from agents.analyzers.objects import JSON, Services, meta, spec, status

REVISION = "deployment.kubernetes.io/revision"
TEMPLATE_FIELDS = ("image", "command", "args", "env")


def deployments_analyze(deployments: list[JSON], services: Services, *, source: str) -> list[Finding]:
    """Replica counts of every Deployment (``kubectl get deployments -o json``)."""
    found: list[Finding] = []
    for deployment in deployments:
        name = str(meta(deployment).get("name", ""))
        service = services.of_name(name) or name
        desired = spec(deployment).get("replicas", 1)
        available = int(status(deployment).get("availableReplicas") or 0)
        revision = (meta(deployment).get("annotations") or {}).get(REVISION, "?")
        if desired == 0:
            detail = f"Deployment {name} is scaled to 0 replicas (revision {revision}): no pod runs"
            found.append(Finding(service, "zero_replicas", detail, source, CRITICAL))
        elif isinstance(desired, int) and available < desired:
            reason = _unavailable_reason(deployment)
            severity = CRITICAL if available == 0 else WARNING
            detail = f"Deployment {name}: {available} of {desired} replicas available{reason}"
            found.append(Finding(service, "replicas_unavailable", detail, source, severity))
    return found


def _unavailable_reason(deployment: JSON) -> str:
    for condition in status(deployment).get("conditions") or []:
        if condition.get("type") == "Available" and condition.get("status") == "False":
            return f" ({condition.get('reason', '')})"
    return ""


def rollouts_analyze(replicasets: list[JSON], services: Services, *, source: str) -> list[Finding]:
    """What the newest rollout of each Deployment changed (``kubectl get replicasets -o json``)."""
    by_owner: dict[str, list[JSON]] = {}
    for replicaset in replicasets:
        owner = _owner(replicaset) or services.of_name(str(meta(replicaset).get("name", "")))
        if owner:
            by_owner.setdefault(owner, []).append(replicaset)
    found: list[Finding] = []
    for owner, owned in by_owner.items():
        ordered = sorted(owned, key=_revision)
        if len(ordered) < 2 or _revision(ordered[-1]) <= 1:
            continue
        changes = _template_changes(ordered[-2], ordered[-1])
        if changes:
            revision = _revision(ordered[-1])
            detail = f"Deployment {owner} revision {revision} changed {'; '.join(changes)}"
            found.append(Finding(services.of_name(owner) or owner, "rollout_changed", detail, source, WARNING))
    return found


def _owner(replicaset: JSON) -> str:
    for reference in meta(replicaset).get("ownerReferences") or []:
        if reference.get("kind") == "Deployment":
            return str(reference.get("name", ""))
    return ""


def _revision(replicaset: JSON) -> int:
    value = (meta(replicaset).get("annotations") or {}).get(REVISION, "0")
    return int(value) if str(value).isdigit() else 0


def _containers(replicaset: JSON) -> dict[str, Mapping[str, Any]]:
    template = spec(spec(replicaset).get("template") or {})
    return {str(c.get("name")): c for c in template.get("containers") or [] if isinstance(c, dict)}


def _template_changes(before: JSON, after: JSON) -> list[str]:
    old, new = _containers(before), _containers(after)
    changes = []
    for name, container in new.items():
        previous = old.get(name)
        if previous is None:
            changes.append(f"added container {name}")
            continue
        for field in TEMPLATE_FIELDS:
            if previous.get(field) != container.get(field):
                changes.append(f"{name} {field} from {_short(previous.get(field))} to {_short(container.get(field))}")
    return changes


def _short(value: Any) -> str:
    if value is None:
        return "(unset)"
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return " ".join(value)
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def claims_analyze(
    claims: list[JSON], volumes: Sequence[JSON], pods: Sequence[JSON], services: Services, *, source: str
) -> list[Finding]:
    """Claims that are not bound (``kubectl get pvc -o json``), with what their volume says
    (``kubectl get pv -o json``), on the service whose pods mount them."""
    by_volume = {str(meta(volume).get("name")): volume for volume in volumes}
    mounts = _claim_users(pods, services)
    found: list[Finding] = []
    for claim in claims:
        phase = status(claim).get("phase")
        if phase == "Bound":
            continue
        name = str(meta(claim).get("name", ""))
        volume_name = str(spec(claim).get("volumeName") or "")
        detail = f"claim {name} is {phase or 'not bound'}"
        volume = by_volume.get(volume_name)
        if volume is not None:
            detail += _volume_note(volume, claim)
        found.append(Finding(mounts.get(name, ""), "unbound_claim", detail, source, CRITICAL))
    return found


def _volume_note(volume: JSON, claim: JSON) -> str:
    phase = status(volume).get("phase", "?")
    reference = spec(volume).get("claimRef") or {}
    name = meta(volume).get("name")
    if reference and reference.get("uid") and reference.get("uid") != meta(claim).get("uid"):
        return f"; volume {name} is {phase}, still reserved for an earlier claim of that name (uid {reference['uid']})"
    return f"; volume {name} is {phase}"


def _claim_users(pods: Sequence[JSON], services: Services) -> dict[str, str]:
    users: dict[str, str] = {}
    for pod in pods:
        for volume in spec(pod).get("volumes") or []:
            claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
            if claim:
                users.setdefault(str(claim), services.of_pod(pod))
    return users
