"""Chaos Mesh experiments on one service: a container killed, the pod failing or killed, packets to it lost
or delayed. Detection and localization only, as in AIOpsLab.

An experiment is a ``PodChaos`` / ``NetworkChaos`` object in the namespace (hidden from the agent when the
problem does not leak it) plus its immediate effect on the pods; the network effects follow from the
object (``rules``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from agents.sim import engine
from agents.sim.apps import APP
from agents.sim.bootstrap import meta
from agents.sim.faults.base import DETECT_LOCALIZE, Fault, Inject, needs_component
from agents.sim.state import JSON, ClusterState

_needs_app_service = needs_component((APP,), "an application service")

# (fault name, kind, action, spec fields beyond the selector, description)
_EXPERIMENTS: tuple[tuple[str, str, str, JSON, str], ...] = (
    ("container_kill", "PodChaos", "container-kill", {}, "a container of the service is killed"),
    (
        "pod_failure_hotel_res",
        "PodChaos",
        "pod-failure",
        {},
        "the service's pod fails for the experiment's duration",
    ),
    ("pod_kill_hotel_res", "PodChaos", "pod-kill", {}, "the service's pod is killed"),
    (
        "network_loss_hotel_res",
        "NetworkChaos",
        "loss",
        {"loss": {"loss": "99", "correlation": "100"}, "direction": "to"},
        "99% of the packets to the service are lost",
    ),
    (
        "network_delay_hotel_res",
        "NetworkChaos",
        "delay",
        {"delay": {"latency": "10s", "correlation": "100", "jitter": "0ms"}, "direction": "to"},
        "packets to the service are delayed by 10 s",
    ),
)


def _chaos_spec(
    state: ClusterState, target: str | None, action: str, spec_extra: Mapping[str, Any], params: Mapping[str, Any]
) -> JSON:
    """The experiment's spec: the selector of the target's pods, the action's fields, the params' overrides."""
    app = state.app
    spec: JSON = {
        "action": action,
        "mode": "all",
        "duration": str(params.get("duration", "200s")),
        "selector": {"namespaces": [app.namespace], "labelSelectors": {app.label_key: target}},
        **json.loads(json.dumps(spec_extra)),
    }
    deployment = state.deployment(target or "")
    if action == "container-kill" and deployment is not None:
        spec["containerNames"] = [deployment["spec"]["template"]["spec"]["containers"][0]["name"]]
    if action == "delay" and "latency" in params:
        spec["delay"]["latency"] = str(params["latency"])
    if action == "loss" and "loss" in params:
        spec["loss"]["loss"] = str(params["loss"])
    return spec


def _chaos_store(state: ClusterState, kind: str, name: str, spec: JSON) -> None:
    """Create the experiment object: in the namespace when the problem leaks it, hidden otherwise."""
    namespace = state.app.namespace
    chaos = {
        "apiVersion": "chaos-mesh.org/v1alpha1",
        "kind": kind,
        "metadata": meta(state, name, namespace, created=state.clock.now),
        "spec": spec,
        "status": {"experiment": {"desiredPhase": "Run"}},
    }
    if state.leaks:
        state.put("podchaos" if kind == "PodChaos" else "networkchaos", namespace, chaos)
    else:
        state.hidden_objects.append(chaos)


def _chaos_inject(kind: str, action: str, spec_extra: Mapping[str, Any]) -> Inject:
    def inject(state: ClusterState, target: str | None, params: Mapping[str, Any]) -> None:
        spec = _chaos_spec(state, target, action, spec_extra, params)
        _chaos_store(state, kind, f"{action}-{target}", spec)
        pods = state.pods_of(target or "")
        if action == "pod-kill":
            for pod in pods:
                engine.pod_delete(state, pod)
        elif action in ("container-kill", "pod-failure"):
            for pod in pods:
                engine.container_kill(state, pod)

    return inject


CHAOS_FAULTS = tuple(
    Fault(
        name,
        description,
        DETECT_LOCALIZE,
        None,
        None,
        inject=_chaos_inject(kind, action, extra),
        target_check=_needs_app_service,
        parameters=("duration", *{"delay": ("latency",), "loss": ("loss",)}.get(action, ())),
    )
    for name, kind, action, extra, description in _EXPERIMENTS
)
