"""Chaos Mesh experiments: when one runs and which pods it strikes.

An experiment (a PodChaos or NetworkChaos object, visible or hidden by the fault) is active from its
creation for its ``duration``; start-up (``pod-failure``) and requests (``loss``, ``delay``) ask here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from agents.sim.state import EPOCH, ClusterState, PodRecord


def duration_ms(text: str) -> float:
    """A Chaos Mesh duration ("200ms", "10s", "5m") in milliseconds; 0 for what does not parse."""
    text = text.strip()
    for suffix, factor in (("ms", 1.0), ("s", 1000.0), ("m", 60_000.0)):
        if text.endswith(suffix):
            try:
                return float(text[: -len(suffix)]) * factor
            except ValueError:
                return 0.0
    return 0.0


def chaos_start(chaos: dict[str, Any]) -> float:
    """An experiment starts when it is created (Chaos Mesh injects at once)."""
    stamp = datetime.fromisoformat(chaos["metadata"]["creationTimestamp"].replace("Z", "+00:00"))
    return (stamp - EPOCH).total_seconds()


def chaos_end(chaos: dict[str, Any]) -> float:
    return chaos_start(chaos) + duration_ms(chaos["spec"].get("duration", "200s")) / 1000


def active_chaos(state: ClusterState, pod: PodRecord, at: float, *, kinds: tuple[str, ...]) -> dict[str, Any] | None:
    visible = [*state.find("podchaos", pod.namespace), *state.find("networkchaos", pod.namespace)]
    for chaos in [*visible, *state.hidden_objects]:
        if chaos.get("kind") in ("PodChaos", "NetworkChaos"):
            spec = chaos["spec"]
            if spec.get("action") not in kinds:
                continue
            if not (chaos_start(chaos) <= at < chaos_end(chaos)):
                continue
            selector = spec.get("selector", {}).get("labelSelectors", {})
            if selector and all(pod.labels.get(key) == value for key, value in selector.items()):
                return chaos
    return None
