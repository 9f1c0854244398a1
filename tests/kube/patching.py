"""The three patch kinds the API server accepts, enough of each for the stand-in to keep state.

JSON patch (RFC 6902: add, remove, replace, test), JSON merge patch (RFC 7386), and the strategic merge
patch reduced to what kubectl sends: lists of named items (containers, env, volumes) and of ports merge
by key, ``$patch: delete`` removes an item, other lists are replaced.
"""

from __future__ import annotations

import copy
from typing import Any

_MERGE_KEYS = {"containers": "name", "initContainers": "name", "env": "name", "volumes": "name", "volumeMounts": "name"}


class PatchError(ValueError):
    """The patch does not apply; the stand-in answers 422 (JSON patch test) or 400."""


def json_patch(document: dict[str, Any], operations: list[dict[str, Any]]) -> dict[str, Any]:
    """Apply RFC 6902 ``operations`` to a copy of ``document``."""
    result = copy.deepcopy(document)
    for operation in operations:
        parent, key = _walk(result, operation["path"])
        op = operation["op"]
        if op == "test":
            if _get(parent, key) != operation["value"]:
                raise PatchError(f"test failed at {operation['path']}")
        elif op == "remove":
            _remove(parent, key)
        elif op in ("add", "replace"):
            _set(parent, key, copy.deepcopy(operation["value"]), insert=op == "add")
        else:
            raise PatchError(f"unsupported op {op}")
    return result


def merge_patch(document: Any, patch: Any) -> Any:
    """RFC 7386: objects merge, null deletes, everything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(document) if isinstance(document, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def strategic_merge_patch(document: Any, patch: Any) -> Any:
    """A strategic merge patch as kubectl's set, rollout restart and patch commands produce them."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(document) if isinstance(document, dict) else {}
    for key, value in patch.items():
        if key.startswith("$"):
            continue
        if value is None:
            result.pop(key, None)
        elif isinstance(value, list) and isinstance(result.get(key), list) and _merge_key(key, value):
            result[key] = _merge_list(result[key], value, _merge_key(key, value))
        else:
            result[key] = strategic_merge_patch(result.get(key), value)
    return result


def _merge_key(key: str, items: list[Any]) -> str | None:
    if key == "ports":
        return "port" if any(isinstance(item, dict) and "port" in item for item in items) else "containerPort"
    return _MERGE_KEYS.get(key)


def _merge_list(current: list[Any], patch: list[Any], merge_key: str | None) -> list[Any]:
    result = copy.deepcopy(current)
    for item in patch:
        index = next((i for i, old in enumerate(result) if old.get(merge_key) == item.get(merge_key)), None)
        if item.get("$patch") == "delete":
            if index is not None:
                del result[index]
        elif index is None:
            result.append(strategic_merge_patch({}, item))
        else:
            result[index] = strategic_merge_patch(result[index], item)
    return result


def _walk(document: Any, pointer: str) -> tuple[Any, str]:
    parts = [part.replace("~1", "/").replace("~0", "~") for part in pointer.split("/")[1:]]
    if not parts:
        raise PatchError("cannot patch the whole document")
    node = document
    for part in parts[:-1]:
        node = _get(node, part)
    return node, parts[-1]


def _get(node: Any, key: str) -> Any:
    try:
        return node[int(key)] if isinstance(node, list) else node[key]
    except (KeyError, IndexError, ValueError) as error:
        raise PatchError(f"no such path element {key}") from error


def _remove(node: Any, key: str) -> None:
    _get(node, key)
    if isinstance(node, list):
        del node[int(key)]
    else:
        del node[key]


def _set(node: Any, key: str, value: Any, *, insert: bool) -> None:
    if isinstance(node, list):
        if key == "-":
            node.append(value)
        elif insert:
            node.insert(int(key), value)
        else:
            _get(node, key)
            node[int(key)] = value
    elif isinstance(node, dict):
        if not insert and key not in node:
            raise PatchError(f"replace of a missing key {key}")
        node[key] = value
    else:
        raise PatchError(f"cannot set {key} on a scalar")
