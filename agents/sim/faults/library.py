"""The fault library: every fault of the fault modules, by name, in the order the registry lists them.

Callers look faults up here (``fault_get``) rather than importing a fault module, so the modules stay free
to move a fault between them.
"""

from __future__ import annotations

from collections.abc import Mapping

from agents.sim.faults.application import MISCONFIG_APP, WRONG_BIN_USAGE
from agents.sim.faults.base import Fault, UnknownFault
from agents.sim.faults.chaos import CHAOS_FAULTS
from agents.sim.faults.flags import FLAG_FAULTS
from agents.sim.faults.kubernetes import (
    ASSIGN_TO_NON_EXISTENT_NODE,
    REDEPLOY_WITHOUT_PV,
    SCALE_POD_ZERO,
    TARGET_PORT_MISCONFIG,
)
from agents.sim.faults.mongodb import AUTH_MISS, REVOKE_AUTH, USER_UNREGISTERED
from agents.sim.faults.noop import NOOP_FAULTS

_ORDERED: tuple[Fault, ...] = (
    TARGET_PORT_MISCONFIG,
    AUTH_MISS,
    REVOKE_AUTH,
    USER_UNREGISTERED,
    MISCONFIG_APP,
    SCALE_POD_ZERO,
    ASSIGN_TO_NON_EXISTENT_NODE,
    WRONG_BIN_USAGE,
    REDEPLOY_WITHOUT_PV,
    *CHAOS_FAULTS,
    *FLAG_FAULTS,
    *NOOP_FAULTS,
)

FAULTS: Mapping[str, Fault] = {fault.name: fault for fault in _ORDERED}

FAULT_TYPES_FOR_TWINS = ("Code Defect", "Misconfiguration", "Operation Error")


def fault_names() -> tuple[str, ...]:
    return tuple(FAULTS)


def fault_get(name: str) -> Fault:
    """The fault called ``name``; ``UnknownFault`` naming the known ones otherwise."""
    try:
        return FAULTS[name]
    except KeyError:
        raise UnknownFault(f"unknown fault {name!r}; known: {', '.join(sorted(FAULTS))}") from None
