"""The no-fault problems: nothing is injected, and the right detection answer is "No"."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agents.sim.faults.base import Fault, no_target
from agents.sim.state import ClusterState

_NAMES = (
    "noop",
    "noop_detection_hotel_reservation",
    "noop_detection_social_network",
    "noop_detection_astronomy_shop",
)


def _noop(state: ClusterState, target: str | None, params: Mapping[str, Any]) -> None:
    return None


NOOP_FAULTS = tuple(
    Fault(
        name,
        "nothing is injected",
        frozenset(("detection",)),
        None,
        None,
        inject=_noop,
        target_check=no_target,
        detected=False,
    )
    for name in _NAMES
)
