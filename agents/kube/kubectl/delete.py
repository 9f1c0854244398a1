"""``kubectl delete pod``: by name, or every pod a label or field selector (or ``--all``) picks.

The DeleteOptions body is kubectl's (background propagation, the grace period when one is given;
``--force`` means grace 0 and kubectl's warning). Deleting a pod is how an operator restarts it: its
controller makes a new one. No other type may be deleted through the adapter.
"""

from __future__ import annotations

from typing import Any

from agents.cli.kubectl_args import KubectlCommand
from agents.kube.errors import KubeApiError
from agents.kube.kubectl.patch import require
from agents.kube.kubectl.permissions import DELETABLE
from agents.kube.kubectl.session import PODS, Output, Session, group_refs, selector_query
from agents.kube.paths import object_path

FORCE_WARNING = (
    "Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. "
    "The resource may continue to run on the cluster indefinitely."
)


def delete_options(command: KubectlCommand) -> dict[str, Any]:
    """The DeleteOptions kubectl sends for the command's flags."""
    body: dict[str, Any] = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"}
    grace = command.flags.get("grace-period", -1)
    if command.flags.get("now"):
        grace = 1
    if command.flags.get("force") and (not isinstance(grace, int) or grace < 0):
        grace = 0
    if isinstance(grace, int) and not isinstance(grace, bool) and grace >= 0:
        body["gracePeriodSeconds"] = grace
    return body


def run_delete(session: Session, command: KubectlCommand, output: Output) -> None:
    """``kubectl delete pod NAME...`` or ``kubectl delete pods -l SELECTOR`` / ``--all``."""
    if command.all_namespaces:
        raise KubeApiError("error: delete through this adapter works in one namespace at a time (no -A)")
    namespace = session.namespace(command)
    groups = group_refs(command.resources)
    for rtype, _names in groups:
        require(rtype, DELETABLE, "delete")
    if command.flags.get("force"):
        output.err(FORCE_WARNING)
    body = delete_options(command)
    for _rtype, names in groups:
        if not names:
            names = _selected(session, command, namespace)
            if not names:
                output.err("No resources found")
        for name in names:
            _delete_one(session, namespace, name, body, command, output)


def _selected(session: Session, command: KubectlCommand, namespace: str) -> list[str]:
    pods = session.collection(PODS, namespace, selector_query(command))
    return [str(pod["metadata"]["name"]) for pod in pods]


def _delete_one(
    session: Session, namespace: str, name: str, body: dict[str, Any], command: KubectlCommand, output: Output
) -> None:
    try:
        session.transport.delete(object_path("v1", "pods", namespace, name), body)
    except KubeApiError as error:
        if not (error.not_found and command.flags.get("ignore-not-found")):
            output.fail(error.text)
        return
    output.out(f'pod "{name}" deleted')
