"""``kubectl logs``: a pod, the first pod of a workload or service, or every pod a selector picks.

For ``deploy/NAME`` (and other workloads, and services) kubectl reads the object's selector and takes one
of its pods, saying ``Found N pods, using pod/X`` when there was a choice; with ``-l`` it prints the
logs of every matching pod, 10 lines each unless ``--tail`` says otherwise.
"""

from __future__ import annotations

import math
import re
from typing import Any

from agents.cli.kube_resources import ResourceType
from agents.cli.kubectl_args import KubectlCommand
from agents.kube.errors import KubeApiError
from agents.kube.kubectl.session import PODS, Output, Session, selector_query
from agents.kube.logs import LogRequest, pod_log

SELECTOR_DEFAULT_TAIL = 10
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def parse_since(text: str) -> int:
    """Go's duration syntax (``90s``, ``5m``, ``1h30m``) as whole seconds, rounded up as kubectl does."""
    parts = _DURATION.findall(text)
    if not text or "".join(number + unit for number, unit in parts) != text:
        raise KubeApiError(f'error: invalid argument "{text}" for "--since" flag: time: invalid duration "{text}"')
    return max(1, math.ceil(sum(float(number) * _UNIT_SECONDS[unit] for number, unit in parts)))


def log_request(command: KubectlCommand, *, container: str | None = None) -> LogRequest:
    """The log options of the command's flags."""
    flags = command.flags
    tail = flags.get("tail")
    if not isinstance(tail, int) and command.selector:
        tail = SELECTOR_DEFAULT_TAIL
    since = flags.get("since")
    limit = flags.get("limit-bytes")
    chosen = container if container is not None else flags.get("container")
    return LogRequest(
        container=chosen if isinstance(chosen, str) else None,
        tail=tail if isinstance(tail, int) else None,
        previous=bool(flags.get("previous")),
        since_seconds=parse_since(since) if isinstance(since, str) else None,
        timestamps=bool(flags.get("timestamps")),
        limit_bytes=limit if isinstance(limit, int) else None,
    )


def run_logs(session: Session, command: KubectlCommand, output: Output) -> None:
    """``kubectl logs (POD | TYPE/NAME | -l SELECTOR) [-c CONTAINER] [--tail N] [--previous] ...``."""
    namespace = session.namespace(command)
    if command.resources:
        pods = [_target_pod(session, command.resources[0].type, namespace, str(command.resources[0].name), output)]
    else:
        pods = session.collection(PODS, namespace, selector_query(command))
        if not pods:
            output.err(f"No resources found in {namespace} namespace.")
    for pod in pods:
        _print_pod(session, command, pod, output)


def _target_pod(session: Session, rtype: ResourceType, namespace: str, name: str, output: Output) -> dict[str, Any]:
    if rtype.plural == "pods":
        return session.fetch(rtype, namespace, name)
    owner = session.fetch(rtype, namespace, name)
    selector = _selector_of(owner)
    if not selector:
        raise KubeApiError(f"error: cannot get the logs from {rtype.qualified_name}/{name}: selector is empty")
    pods = session.collection(PODS, namespace, [("labelSelector", selector)])
    if not pods:
        raise KubeApiError(f"error: timed out waiting for the condition on {rtype.plural}/{name}")
    if len(pods) > 1:
        output.err(f"Found {len(pods)} pods, using pod/{pods[0]['metadata']['name']}")
    return pods[0]


def _selector_of(owner: dict[str, Any]) -> str:
    spec = owner.get("spec", {})
    selector = spec.get("selector") or {}
    labels = selector.get("matchLabels", selector) if owner.get("kind") != "Service" else selector
    return ",".join(f"{key}={value}" for key, value in sorted(labels.items()) if isinstance(value, str))


def _print_pod(session: Session, command: KubectlCommand, pod: dict[str, Any], output: Output) -> None:
    spec = pod.get("spec", {})
    if command.flags.get("all-containers"):
        containers: list[str | None] = [
            c["name"] for c in [*spec.get("initContainers", []), *spec.get("containers", [])]
        ]
    else:
        containers = [None]
    for container in containers:
        try:
            log = pod_log(session.transport, pod, log_request(command, container=container))
        except KubeApiError:
            if command.flags.get("ignore-errors"):
                continue
            raise
        output.err(log.notice)
        text = log.text
        if command.flags.get("prefix"):
            label = f"[pod/{pod['metadata']['name']}/{log.container}] "
            text = "".join(f"{label}{line}" for line in text.splitlines(keepends=True))
        output.stdout.append(text)
