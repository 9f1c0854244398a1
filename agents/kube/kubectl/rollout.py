"""``kubectl rollout``: restart and undo (writes), status and history (reads), for deployments.

Restart stamps the pod template with ``kubectl.kubernetes.io/restartedAt``, as kubectl does. Undo finds
the deployment's ReplicaSets (by its selector, owned by its uid), takes the template of the previous
revision (or ``--to-revision``) without its ``pod-template-hash`` label, and sends kubectl's JSON patch
that replaces the template and the deployment's annotations.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from agents.cli.kubectl_args import KubectlCommand
from agents.kube.client import JSON_PATCH, STRATEGIC_MERGE_PATCH
from agents.kube.errors import KubeApiError
from agents.kube.kubectl.patch import require, require_names
from agents.kube.kubectl.permissions import ROLLABLE
from agents.kube.kubectl.session import REPLICASETS, Output, Session
from agents.kube.paths import object_path

RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
REVISION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE = "kubernetes.io/change-cause"
# Annotations of a ReplicaSet that describe the ReplicaSet, not the template: undo does not copy them.
_NOT_COPIED = frozenset(
    {
        REVISION,
        "deployment.kubernetes.io/revision-history",
        "deployment.kubernetes.io/desired-replicas",
        "deployment.kubernetes.io/max-replicas",
        "kubectl.kubernetes.io/last-applied-configuration",
    }
)


def run_rollout(session: Session, command: KubectlCommand, output: Output) -> None:
    """Dispatch on the subcommand; only deployments, named."""
    handler = {"restart": _restart, "undo": _undo, "status": _status, "history": _history}.get(command.subverb or "")
    if handler is None:
        raise KubeApiError(f"error: rollout {command.subverb} is not permitted through this adapter")
    require_names(command, f"rollout {command.subverb}")
    namespace = session.namespace(command)
    for ref in command.resources:
        require(ref.type, ROLLABLE, f"rollout {command.subverb}")
    for ref in command.resources:
        if ref.name is None:
            raise KubeApiError(f"error: rollout {command.subverb} through this adapter needs a deployment name")
        try:
            deployment = session.fetch(ref.type, namespace, ref.name)
            handler(session, command, deployment, output)
        except KubeApiError as error:
            output.fail(error.text)


def _name(deployment: dict[str, Any]) -> str:
    return str(deployment["metadata"]["name"])


def _path(deployment: dict[str, Any]) -> str:
    meta = deployment["metadata"]
    return object_path("apps/v1", "deployments", meta["namespace"], meta["name"])


def _restart(session: Session, command: KubectlCommand, deployment: dict[str, Any], output: Output) -> None:
    if deployment.get("spec", {}).get("paused"):
        raise KubeApiError(
            f'error: deployments "{_name(deployment)}" can\'t restart paused deployment (run rollout resume first)'
        )
    stamp = session.now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: stamp}}}}}
    session.transport.patch(_path(deployment), body, STRATEGIC_MERGE_PATCH)
    output.out(f"deployment.apps/{_name(deployment)} restarted")


def revisions(session: Session, deployment: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """The deployment's ReplicaSets by revision number."""
    labels = deployment.get("spec", {}).get("selector", {}).get("matchLabels") or {}
    selector = ",".join(f"{key}={value}" for key, value in sorted(labels.items()))
    query = [("labelSelector", selector)] if selector else []
    owned = {}
    for replicaset in session.collection(REPLICASETS, deployment["metadata"]["namespace"], query):
        meta = replicaset.get("metadata", {})
        owners = [ref.get("uid") for ref in meta.get("ownerReferences") or [] if ref.get("controller")]
        revision = (meta.get("annotations") or {}).get(REVISION, "")
        if deployment["metadata"].get("uid") in owners and revision.isdigit():
            owned[int(revision)] = replicaset
    return owned


def _undo(session: Session, command: KubectlCommand, deployment: dict[str, Any], output: Output) -> None:
    history = revisions(session, deployment)
    wanted = command.flags.get("to-revision", 0)
    target = _target_revision(history, wanted if isinstance(wanted, int) else 0, _name(deployment))
    replicaset = history[target]
    template = _without_hash(replicaset["spec"]["template"])
    if template == deployment["spec"]["template"]:
        output.out(
            f"deployment.apps/{_name(deployment)} skipped rollback (current template already matches revision {target})"
        )
        return
    annotations = dict(deployment["metadata"].get("annotations") or {})
    for key, value in (replicaset["metadata"].get("annotations") or {}).items():
        if key not in _NOT_COPIED:
            annotations[key] = value
    body = [
        {"op": "replace", "path": "/spec/template", "value": template},
        {"op": "replace", "path": "/metadata/annotations", "value": annotations},
    ]
    session.transport.patch(_path(deployment), body, JSON_PATCH)
    output.out(f"deployment.apps/{_name(deployment)} rolled back")


def _target_revision(history: dict[int, dict[str, Any]], wanted: int, name: str) -> int:
    if not history:
        raise KubeApiError(f'error: no rollout history found for deployment "{name}"')
    if wanted:
        if wanted not in history:
            raise KubeApiError(f"error: unable to find specified revision {wanted} in history")
        return wanted
    ordered = sorted(history)
    if len(ordered) < 2:
        raise KubeApiError("error: unable to find specified revision 0 in history")
    return ordered[-2]


def _without_hash(template: dict[str, Any]) -> dict[str, Any]:
    metadata = dict(template.get("metadata") or {})
    labels = {k: v for k, v in (metadata.get("labels") or {}).items() if k != "pod-template-hash"}
    metadata["labels"] = labels
    return {**template, "metadata": metadata}


def _history(session: Session, command: KubectlCommand, deployment: dict[str, Any], output: Output) -> None:
    if command.flags.get("revision"):
        raise KubeApiError("error: rollout history --revision is not available through this adapter")
    rows = [("REVISION", "CHANGE-CAUSE")]
    for number, replicaset in sorted(revisions(session, deployment).items()):
        cause = (replicaset["metadata"].get("annotations") or {}).get(CHANGE_CAUSE, "<none>")
        rows.append((str(number), cause))
    width = max(len(row[0]) for row in rows) + 2
    lines = [f"deployment.apps/{_name(deployment)} ", *(f"{rev.ljust(width)}{cause}" for rev, cause in rows)]
    output.out("\n".join(lines) + "\n")


def status_line(deployment: dict[str, Any]) -> str:
    """kubectl's one-line rollout status of a deployment, as it stands now (no waiting)."""
    name, spec, status = _name(deployment), deployment.get("spec", {}), deployment.get("status", {})
    if deployment["metadata"].get("generation", 0) > status.get("observedGeneration", 0):
        return "Waiting for deployment spec update to be observed..."
    for condition in status.get("conditions") or []:
        if condition.get("type") == "Progressing" and condition.get("reason") == "ProgressDeadlineExceeded":
            raise KubeApiError(f'error: deployment "{name}" exceeded its progress deadline')
    wanted, updated = spec.get("replicas", 1), status.get("updatedReplicas", 0)
    total, available = status.get("replicas", 0), status.get("availableReplicas", 0)
    waiting = f'Waiting for deployment "{name}" rollout to finish: '
    if updated < wanted:
        return f"{waiting}{updated} out of {wanted} new replicas have been updated..."
    if total > updated:
        return f"{waiting}{total - updated} old replicas are pending termination..."
    if available < updated:
        return f"{waiting}{available} of {updated} updated replicas are available..."
    return f'deployment "{name}" successfully rolled out'


def _status(session: Session, command: KubectlCommand, deployment: dict[str, Any], output: Output) -> None:
    output.out(status_line(deployment))
