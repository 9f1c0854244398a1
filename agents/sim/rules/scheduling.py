"""Where a pod may run and whether its image can be pulled: the scheduler's and the registry's rules.

A pod waits unscheduled while a claim it mounts is missing or unbound, or while no untainted node matches
its node selector; an image is known if it is some component's own, a registered variant, or in use.
"""

from __future__ import annotations

import re
from typing import Any

from agents.sim.state import ClusterState, PodRecord

# Images the registry knows, beyond each component's own; the value overrides the built-in config.
IMAGE_VARIANTS: dict[str, dict[str, Any]] = {
    # AIOpsLab's misconfigured build of geo: its baked-in config points at the wrong database port.
    "yinfangchen/geo:app3": {"db_port": 27777},
    "yinfangchen/hotelreservation:v1": {},
    "deathstarbench/hotel-reservation:latest": {},
    "mongo:5.0": {},
    "mongo:4.4.6": {},
    "busybox:1.36": {},
    "nginx:1.27": {},
}
SCHEDULING_TAIL = "preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling."
MISCONFIGURED_BUILD = re.compile(r"^yinfangchen/(?P<service>[a-z]+):app3$")


def schedule(state: ClusterState, pod: PodRecord) -> tuple[str | None, str | None]:
    """A node for the pod, or the scheduler's FailedScheduling message."""
    spec = pod.template["spec"]
    for volume in spec.get("volumes", []):
        claim_name = volume.get("persistentVolumeClaim", {}).get("claimName")
        if claim_name is None:
            continue
        claim = state.get("persistentvolumeclaims", pod.namespace, claim_name)
        if claim is None:
            return None, f'persistentvolumeclaim "{claim_name}" not found. {SCHEDULING_TAIL}'
        if claim.get("status", {}).get("phase") != "Bound":
            return None, f"0/4 nodes are available: pod has unbound immediate PersistentVolumeClaims. {SCHEDULING_TAIL}"
    selector = spec.get("nodeSelector") or {}
    candidates = []
    for node in state.find("nodes"):
        labels = node["metadata"].get("labels", {})
        if any(labels.get(key) != value for key, value in selector.items()):
            continue
        if node["spec"].get("taints"):
            continue
        candidates.append(node["metadata"]["name"])
    if not candidates:
        return None, (
            "0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
            f"3 node(s) didn't match Pod's node affinity/selector. {SCHEDULING_TAIL}"
        )
    return state.rng("node", pod.name).choice(candidates), None


def image_config(image: str) -> dict[str, Any]:
    """Config baked into an image: the misconfigured builds point their clients at port 27777."""
    if MISCONFIGURED_BUILD.match(image):
        return {"db_port": 27777}
    return IMAGE_VARIANTS.get(image, {})


def image_known(state: ClusterState, image: str) -> bool:
    if image in IMAGE_VARIANTS or MISCONFIGURED_BUILD.match(image):
        return True
    known = {component.image for component in state.app.components}
    for deployment in state.find("deployments"):
        if deployment["metadata"]["namespace"] != state.app.namespace:
            known.update(c["image"] for c in deployment["spec"]["template"]["spec"]["containers"])
    for job in state.find("jobs"):
        known.update(c["image"] for c in job["spec"]["template"]["spec"]["containers"])
    return image in known
