"""The writes an Executor may propose: a small catalogue of verbs, each a canonical command and its kubectl line.

The model chooses a verb and a target from enumerations; the exact command is then derived here, reading
what it needs (a container's port, a Deployment's selector) through the read-only handle. So what a person
approves is a concrete canonical command (``incidents.services.commands``' shape: verb, target, namespace,
args) whose kubectl rendering is fixed, never the model's prose. Each verb also names its verification
reads and its risk class.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from agents.environment import CloudEnvironment
from agents.roles.inventory import Inventory

Command = dict[str, Any]


class WriteUnavailable(ValueError):
    """The verb cannot be made concrete for this target (the reads it needs came back empty)."""


@dataclass(frozen=True)
class WriteVerb:
    """One kind of write: how to derive its canonical command, how it reads, how risky it is."""

    name: str
    description: str
    risk: str
    expected_effect: str
    derive: Callable[[CloudEnvironment, Inventory, str], Command]
    addresses: frozenset[str] = frozenset()  # the kinds of finding (``agents.analyzers``) this write repairs


def _command(verb: str, kind: str, name: str, namespace: str, **args: Any) -> Command:
    return {"verb": verb, "target": {"kind": kind, "name": name}, "namespace": namespace, "args": args}


def _restart(env: CloudEnvironment, inventory: Inventory, target: str) -> Command:
    return _command("rollout_restart", "Deployment", target, inventory.namespace)


def _scale_one(env: CloudEnvironment, inventory: Inventory, target: str) -> Command:
    return _command("scale", "Deployment", target, inventory.namespace, replicas=1)


def _undo(env: CloudEnvironment, inventory: Inventory, target: str) -> Command:
    return _command("rollout_undo", "Deployment", target, inventory.namespace)


def _remove_node_selector(env: CloudEnvironment, inventory: Inventory, target: str) -> Command:
    patch = [{"op": "remove", "path": "/spec/template/spec/nodeSelector"}]
    return _command("patch", "Deployment", target, inventory.namespace, type="json", patch=patch)


def _restore_target_port(env: CloudEnvironment, inventory: Inventory, target: str) -> Command:
    jsonpath = "{.spec.template.spec.containers[0].ports[0].containerPort}"
    port = env.exec_shell(f"kubectl get deployment {target} -n {inventory.namespace} -o jsonpath='{jsonpath}'").strip()
    if not port.isdigit():
        raise WriteUnavailable(f"no container port found for {target}: {port[:200]}")
    patch = [{"op": "replace", "path": "/spec/ports/0/targetPort", "value": int(port)}]
    return _command("patch", "Service", target, inventory.namespace, type="json", patch=patch)


def _delete_pods(env: CloudEnvironment, inventory: Inventory, target: str) -> Command:
    selector = dict(inventory.selectors).get(target)
    if not selector:
        raise WriteUnavailable(f"no selector known for {target}")
    return _command("delete_pods", "Deployment", target, inventory.namespace, selector=selector)


VERBS: dict[str, WriteVerb] = {
    verb.name: verb
    for verb in (
        WriteVerb(
            "restart_deployment",
            "restart every pod of the Deployment",
            "medium",
            "the Deployment's pods are recreated and start again",
            _restart,
            # Not a crash loop: its container is restarted already; a restart helps a pod stuck unready, or
            # clients holding broken connections, or a leak.
            frozenset({"not_ready", "db_error", "memory_growth", "cpu"}),
        ),
        WriteVerb(
            "scale_to_one",
            "set the Deployment's replicas to 1",
            "medium",
            "one pod of the Deployment runs and becomes ready",
            _scale_one,
            frozenset({"zero_replicas"}),
        ),
        WriteVerb(
            "undo_rollout",
            "roll the Deployment back to its previous revision",
            "high",
            "the previous pod template (image, command, selectors) is restored",
            _undo,
            frozenset({"rollout_changed", "address_mismatch", "image_pull"}),
        ),
        WriteVerb(
            "remove_node_selector",
            "drop the Deployment's nodeSelector",
            "medium",
            "the pending pod is scheduled on an existing node",
            _remove_node_selector,
            frozenset({"unschedulable"}),
        ),
        WriteVerb(
            "restore_target_port",
            "set the Service's targetPort to the container's port",
            "medium",
            "the Service's endpoints point at the port the container listens on",
            _restore_target_port,
            frozenset({"target_port_mismatch"}),
        ),
        WriteVerb(
            "delete_pods",
            "delete the Deployment's pods (they are recreated)",
            "medium",
            "fresh pods replace the old ones",
            _delete_pods,
            frozenset({"restarts", "oom_killed"}),
        ),
    )
}


def verbs_for(signals: Mapping[str, float]) -> list[str]:
    """The catalogue's verbs, those that repair the strongest findings first (``signals``: kind of finding
    -> its weight for the target), the others in catalogue order."""
    position = {name: index for index, name in enumerate(VERBS)}
    return sorted(VERBS, key=lambda name: (-verb_strength(name, signals), position[name]))


def verb_strength(name: str, signals: Mapping[str, float]) -> float:
    """How strongly the verb repairs what was found: the weight of the strongest finding it addresses."""
    return max((weight for signal, weight in signals.items() if signal in VERBS[name].addresses), default=0.0)


def command_shell(command: Command) -> str:
    """The kubectl line a canonical command runs as. Only the catalogue's verbs render."""
    verb, kind = command["verb"], command["target"]["kind"].lower()
    name, namespace, args = command["target"]["name"], command["namespace"], command["args"]
    if verb == "rollout_restart":
        return f"kubectl rollout restart deployment/{name} -n {namespace}"
    if verb == "rollout_undo":
        return f"kubectl rollout undo deployment/{name} -n {namespace}"
    if verb == "scale":
        return f"kubectl scale deployment {name} --replicas={int(args['replicas'])} -n {namespace}"
    if verb == "patch":
        patch = json.dumps(args["patch"], separators=(",", ":"))
        return f"kubectl patch {kind} {name} -n {namespace} --type={args['type']} -p '{patch}'"
    if verb == "delete_pods":
        return f"kubectl delete pod -l {args['selector']} -n {namespace}"
    raise ValueError(f"no rendering for verb {verb!r}")


def verification_reads(command: Command) -> list[str]:
    """Reads that show whether the write did what it should."""
    name, namespace = command["target"]["name"], command["namespace"]
    if command["target"]["kind"] == "Service":
        return [f"kubectl get endpoints {name} -n {namespace}", f"kubectl get pods -n {namespace}"]
    return [
        f"kubectl rollout status deployment/{name} -n {namespace} --timeout=120s",
        f"kubectl get pods -n {namespace}",
    ]
