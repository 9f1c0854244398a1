"""Label and field selectors as the API server reads them (``-l``, ``--field-selector``)."""

from __future__ import annotations

import re
from typing import Any

from agents.sim.state import JSON


def selector_matches(selector: str, labels: dict[str, str]) -> bool:
    """Kubernetes label selector: `a=b`, `a==b`, `a!=b`, `a`, `!a`, `a in (x,y)`, `a notin (x,y)`, comma = and."""
    for requirement in re.split(r",(?![^()]*\))", selector):
        requirement = requirement.strip()
        if requirement and not _requirement_matches(requirement, labels):
            return False
    return True


def _requirement_matches(requirement: str, labels: dict[str, str]) -> bool:
    if match := re.fullmatch(r"([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)", requirement):
        key, operator, values = match.groups()
        options = {value.strip() for value in values.split(",")}
        return (labels.get(key) in options) == (operator == "in")
    if "!=" in requirement:
        key, value = requirement.split("!=", 1)
        return labels.get(key.strip()) != value.strip()
    if "=" in requirement:
        key, value = requirement.replace("==", "=").split("=", 1)
        return labels.get(key.strip()) == value.strip()
    if requirement.startswith("!"):
        return requirement[1:] not in labels
    return requirement in labels


def field_matches(selector: str, obj: JSON) -> bool:
    """A field selector (`status.phase=Running`, `metadata.name!=x`, comma = and) against an object."""
    for requirement in selector.split(","):
        negate = "!=" in requirement
        path, _, value = requirement.replace("!=", "=").replace("==", "=").partition("=")
        node: Any = obj
        for part in path.strip().split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if (str(node) == value.strip()) == negate:
            return False
    return True
