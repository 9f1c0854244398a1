"""Kubernetes-level faults: a wrong Service targetPort, a Deployment scaled to zero, a pod template that
selects a node that does not exist, and a namespace redeployed while its volumes keep their old claims.

Each fault is the change to the cluster's objects, the checks that read them after ``submit()``, and the
commands an expert (and a plausible wrong expert) would type.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agents.sim import bootstrap, engine, rules
from agents.sim.apps import APP, HOTEL_RESERVATION, MONGODB, AppSpec
from agents.sim.faults.base import ALL_TASKS, Fault, bump, changed, needs_component, restart_wrong_fix
from agents.sim.faults.health import all_containers_ready, app_healthy, healthy_with_statuses
from agents.sim.state import ClusterState, fake_uid

_ANY_ROLE = (APP, MONGODB, "memcached", "redis", "infra")
_any_service = needs_component(_ANY_ROLE, "a service")
_any_deployment = needs_component(_ANY_ROLE, "a Deployment")


# --- Service targetPort ---------------------------------------------------------------------------
def _target_port_inject(state: ClusterState, target: str | None, params: Mapping[str, Any]) -> None:
    service = state.service(target or "")
    assert service is not None
    service["spec"]["ports"][0]["targetPort"] = int(params.get("port", 9999))
    changed(state)


def _target_port_fixed(state: ClusterState, target: str | None) -> bool:
    service = state.service(target or "")
    if service is None:
        return False
    port = state.app.component(target or "").port
    return rules.service_reachable(state, target or "", port)[0] and all(
        str(entry.get("targetPort")) == str(port) for entry in service["spec"]["ports"][:1]
    )


def _target_port_fix(app: AppSpec, target: str | None, params: Mapping[str, Any]) -> list[str]:
    return [
        f"kubectl patch service {target} -n {app.namespace} --type=json "
        f'-p=\'[{{"op": "replace", "path": "/spec/ports/0/targetPort", '
        f'"value": {app.component(target or "").port}}}]\'',
    ]


TARGET_PORT_MISCONFIG = Fault(
    "k8s_target_port-misconfig",
    "the Service's targetPort no longer matches the container port",
    ALL_TASKS,
    "Virtualization",
    "Misconfiguration",
    inject=_target_port_inject,
    parameters=("port",),
    target_check=_any_service,
    fix_commands=_target_port_fix,
    wrong_fix_commands=restart_wrong_fix,
    lenient=lambda state, target: _target_port_fixed(state, target) and all_containers_ready(state),
    strict=lambda state, target: _target_port_fixed(state, target) and app_healthy(state),
)


# --- scaled to zero -------------------------------------------------------------------------------
def _scale_zero_inject(state: ClusterState, target: str | None, params: Mapping[str, Any]) -> None:
    deployment = state.deployment(target or "")
    assert deployment is not None
    deployment["spec"]["replicas"] = 0
    bump(deployment)
    changed(state)


def _scaled_back(state: ClusterState, target: str | None) -> bool:
    deployment = state.deployment(target or "")
    if deployment is None or int(deployment["spec"].get("replicas", 0)) != 1:
        return False
    return sum(1 for pod in state.pods_of(target or "") if engine.container_ready(pod)) == 1


def _scale_fix(app: AppSpec, target: str | None, params: Mapping[str, Any]) -> list[str]:
    return [
        f"kubectl scale deployment {target} --replicas=1 -n {app.namespace}",
        f"kubectl rollout status deployment/{target} -n {app.namespace} --timeout=120s",
    ]


SCALE_POD_ZERO = Fault(
    "scale_pod_zero_social_net",
    "the Deployment is scaled to zero replicas",
    ALL_TASKS,
    "Virtualization",
    "Operation Error",
    inject=_scale_zero_inject,
    target_check=_any_deployment,
    fix_commands=_scale_fix,
    wrong_fix_commands=restart_wrong_fix,
    lenient=lambda state, target: _scaled_back(state, target) and all_containers_ready(state),
    strict=lambda state, target: _scaled_back(state, target) and app_healthy(state),
)


# --- node selector --------------------------------------------------------------------------------
def _node_inject(state: ClusterState, target: str | None, params: Mapping[str, Any]) -> None:
    deployment = state.deployment(target or "")
    assert deployment is not None
    node = str(params.get("node", "extra-node"))
    deployment["spec"]["template"]["spec"]["nodeSelector"] = {"kubernetes.io/hostname": node}
    bump(deployment)
    changed(state)


def _node_lenient(state: ClusterState, target: str | None) -> bool:
    return bool(state.pods_of(target or "")) and healthy_with_statuses(state)


def _node_fixed(state: ClusterState, target: str | None) -> bool:
    pods = state.pods_of(target or "")
    return bool(pods) and all(pod.node is not None and engine.container_ready(pod) for pod in pods)


def _node_fix(app: AppSpec, target: str | None, params: Mapping[str, Any]) -> list[str]:
    return [
        f"kubectl patch deployment {target} -n {app.namespace} --type=json "
        '-p=\'[{"op": "remove", "path": "/spec/template/spec/nodeSelector"}]\'',
        f"kubectl rollout status deployment/{target} -n {app.namespace} --timeout=120s",
    ]


def _node_wrong_fix(app: AppSpec, target: str | None, params: Mapping[str, Any]) -> list[str]:
    return [f"kubectl delete pod -l {app.label_key}={target} -n {app.namespace}"]


ASSIGN_TO_NON_EXISTENT_NODE = Fault(
    "assign_to_non_existent_node_social_net",
    "the pod template selects a node that does not exist",
    ALL_TASKS,
    "Virtualization",
    "Dependency Problem",
    parameters=("node",),
    inject=_node_inject,
    target_check=_any_deployment,
    fix_commands=_node_fix,
    wrong_fix_commands=_node_wrong_fix,
    lenient=_node_lenient,
    strict=lambda state, target: _node_fixed(state, target) and app_healthy(state),
)


# --- redeployed without the PersistentVolumes released --------------------------------------------
def _pv_check(app: AppSpec, target: str | None, params: Mapping[str, Any]) -> str | None:
    if target:
        return f"takes no target (the whole namespace is redeployed), got {target!r}"
    if not any(component.role == MONGODB for component in app.components) or app.name != HOTEL_RESERVATION:
        return "needs an application whose databases keep PersistentVolumes (Hotel Reservation)"
    return None


def _redeploy_inject(state: ClusterState, target: str | None, params: Mapping[str, Any]) -> None:
    """Delete the namespace and apply it again: new objects, new claims; the volumes still point at the old ones."""
    app = state.app
    now = state.clock.now
    for pod in list(state.live_pods(app.namespace)):
        pod.deleted_at = now
    for key in [key for key in state.objects if key[1] == app.namespace]:
        del state.objects[key]
    state.history = {key: value for key, value in state.history.items() if key[0] != app.namespace}
    state.events = [event for event in state.events if event.namespace != app.namespace]
    for index, component in enumerate(app.components):
        state.put("deployments", app.namespace, bootstrap.deployment_manifest(state, component, created=now))
        state.put("services", app.namespace, bootstrap.service_manifest(state, component, created=now, index=index))
    _claim_again(state, now)
    bootstrap.config_objects(state, now)
    changed(state)


def _claim_again(state: ClusterState, now: float) -> None:
    """New Pending claims of the redeployed namespace; the volumes are Released, still bound to the old ones."""
    for volume in state.find("persistentvolumes"):
        claim_name = volume["spec"]["claimRef"]["name"]
        claim = bootstrap.pvc_manifest(
            state, claim_name.removesuffix("-pvc"), now, fake_uid(state.seed, "pvc2", claim_name)
        )
        claim["status"] = {"phase": "Pending"}
        state.put("persistentvolumeclaims", state.app.namespace, claim)
        volume["status"] = {"phase": "Released"}


def _claims_bound(state: ClusterState, target: str | None) -> bool:
    claims = state.find("persistentvolumeclaims", state.app.namespace)
    return bool(claims) and all(claim.get("status", {}).get("phase") == "Bound" for claim in claims)


def _redeploy_fix(app: AppSpec, target: str | None, params: Mapping[str, Any]) -> list[str]:
    volumes = [c.name.removeprefix("mongodb-") for c in app.components if c.role == MONGODB]
    commands = [
        f'kubectl patch pv {volume}-pv --type=merge -p \'{{"spec":{{"claimRef":null}}}}\'' for volume in volumes
    ]
    commands += [
        f"kubectl rollout restart deployment -n {app.namespace}",
        f"kubectl rollout status deployment/geo -n {app.namespace} --timeout=300s",
    ]
    return commands


def _redeploy_wrong_fix(app: AppSpec, target: str | None, params: Mapping[str, Any]) -> list[str]:
    return [f"kubectl delete pods --all -n {app.namespace}"]


REDEPLOY_WITHOUT_PV = Fault(
    "redeploy_without_PV",
    "the namespace is redeployed while the volumes keep their old claims",
    frozenset(("detection", "analysis", "mitigation")),
    "Virtualization",
    "Operation Error",
    inject=_redeploy_inject,
    target_check=_pv_check,
    fix_commands=_redeploy_fix,
    wrong_fix_commands=_redeploy_wrong_fix,
    lenient=lambda state, target: all_containers_ready(state),
    strict=lambda state, target: _claims_bound(state, target) and app_healthy(state),
)
