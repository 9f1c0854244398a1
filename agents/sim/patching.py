"""The three patch types of `kubectl patch`: JSON merge (RFC 7386), JSON patch (RFC 6902), strategic merge.

Strategic merge is the JSON merge plus Kubernetes' merge keys for the lists agents patch (containers and
volumes by name, ports by containerPort/port, env by name); ``$patch: delete`` entries remove.
"""

from __future__ import annotations

import copy
from typing import Any

MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "env": "name",
    "ports": "containerPort",
    "imagePullSecrets": "name",
}


class PatchError(ValueError):
    """The patch cannot apply; the message is kubectl's."""


def merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def strategic_patch(target: Any, patch: Any, key: str = "") -> Any:
    if isinstance(patch, list) and isinstance(target, list) and key in MERGE_KEYS:
        merge_key = (
            MERGE_KEYS[key]
            if not (key == "ports" and patch and "port" in patch[0] and "containerPort" not in patch[0])
            else "port"
        )
        result = copy.deepcopy(target)
        for item in patch:
            if not isinstance(item, dict) or merge_key not in item:
                raise PatchError(f"map: map[] does not contain declared merge key: {merge_key}")
            index = next((i for i, existing in enumerate(result) if existing.get(merge_key) == item[merge_key]), None)
            if item.get("$patch") == "delete":
                if index is not None:
                    result.pop(index)
                continue
            if index is None:
                result.append(copy.deepcopy(item))
            else:
                result[index] = strategic_patch(result[index], item)
        return result
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    merged: dict[str, Any] = copy.deepcopy(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = strategic_patch(merged.get(name), value, name)
    return merged


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f'JSON pointer must start with "/": {path!r}')
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _parent(document: Any, parts: list[str], path: str) -> tuple[Any, str]:
    node = document
    for part in parts[:-1]:
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise PatchError(f"jsonpatch: unable to find path {path!r}")
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise PatchError(f'doc is missing path: "{path}": missing value')
    return node, parts[-1]


def json_patch(document: Any, operations: Any) -> Any:
    if not isinstance(operations, list):
        raise PatchError("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    result = copy.deepcopy(document)
    for operation in operations:
        if not isinstance(operation, dict) or "op" not in operation or "path" not in operation:
            raise PatchError("Unexpected kind: ")
        result = _apply_operation(result, operation)
    return result


def _apply_operation(document: Any, operation: dict[str, Any]) -> Any:
    op, path = operation["op"], str(operation["path"])
    parts = _pointer(path)
    if op in ("move", "copy"):
        value = _get(document, _pointer(str(operation.get("from", ""))), path)
        if op == "move":
            document = _apply_operation(document, {"op": "remove", "path": operation.get("from", "")})
        return _apply_operation(document, {"op": "add", "path": path, "value": value})
    if op == "test":
        if _get(document, parts, path) != operation.get("value"):
            raise PatchError(f"testing value {path} failed")
        return document
    if not parts:
        return copy.deepcopy(operation.get("value"))
    parent, last = _parent(document, parts, path)
    if op == "add":
        value = copy.deepcopy(operation.get("value"))
        if isinstance(parent, list):
            index = len(parent) if last == "-" else int(last) if last.isdigit() else -1
            if not 0 <= index <= len(parent):
                raise PatchError(f"jsonpatch: unable to find path {path!r}")
            parent.insert(index, value)
        else:
            parent[last] = value
    elif op == "remove":
        if isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
            parent.pop(int(last))
        elif isinstance(parent, dict) and last in parent:
            del parent[last]
        else:
            raise PatchError(f"Unable to remove nonexistent key: {last}: missing value")
    elif op == "replace":
        if isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
            parent[int(last)] = copy.deepcopy(operation.get("value"))
        elif isinstance(parent, dict) and last in parent:
            parent[last] = copy.deepcopy(operation.get("value"))
        else:
            raise PatchError(f"replace operation does not apply: doc is missing key: {path}: missing value")
    else:
        raise PatchError(f"Unexpected kind: {op}")
    return document


def _get(document: Any, parts: list[str], path: str) -> Any:
    node = document
    for part in parts:
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise PatchError(f'doc is missing path: "{path}": missing value')
    return copy.deepcopy(node)
