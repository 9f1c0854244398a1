"""The canonical command: the exact, structured form of a write that approvals are bound to.

A command is ``{"verb", "target": {"kind", "name"}, "namespace", "args"}``. It is validated, never
rewritten: a command that is not already canonical is refused, so what a person approves is
byte for byte what the executor hashes again before it runs."""

import hashlib
import json
import re
from typing import Any

from aoi_platform.errors import DomainError
from trajectories.audit.chain import canonical_json

MAX_COMMAND_BYTES = 16 * 1024
_VERB = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")
_KIND = re.compile(r"^[A-Za-z][A-Za-z0-9.-]{0,62}$")
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_ARG_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")


def _invalid(message: str) -> DomainError:
    return DomainError(f"Invalid command: {message}", code="invalid_command")


def _check_shape(command: Any) -> None:
    if not isinstance(command, dict) or set(command) != {"verb", "target", "namespace", "args"}:
        raise _invalid("expected exactly the keys verb, target, namespace, args")
    target = command["target"]
    if not isinstance(target, dict) or set(target) != {"kind", "name"}:
        raise _invalid("target must be an object with exactly kind and name")
    checks = (
        ("verb", command["verb"], _VERB),
        ("target.kind", target["kind"], _KIND),
        ("target.name", target["name"], _NAME),
        ("namespace", command["namespace"], _NAMESPACE),
    )
    for field, value, pattern in checks:
        if not isinstance(value, str) or not pattern.match(value):
            raise _invalid(f"{field} {value!r} is not a valid name")
    args = command["args"]
    if not isinstance(args, dict) or not all(isinstance(k, str) and _ARG_KEY.match(k) for k in args):
        raise _invalid("args must be an object whose keys are simple names")


def command_canonicalize(command: Any) -> dict[str, Any]:
    """Validate ``command`` and return its canonical copy. Raises ``DomainError`` on any defect."""
    _check_shape(command)
    try:
        encoded = canonical_json(command)
    except (TypeError, ValueError) as exc:
        raise _invalid(f"not representable as JSON ({exc})") from exc
    if len(encoded) > MAX_COMMAND_BYTES:
        raise _invalid(f"larger than {MAX_COMMAND_BYTES} bytes")
    canonical: dict[str, Any] = json.loads(encoded)
    return canonical


def command_hash(command: dict[str, Any]) -> str:
    """SHA-256 of the command's canonical JSON (sorted keys, no spaces, UTF-8)."""
    return hashlib.sha256(canonical_json(command)).hexdigest()
