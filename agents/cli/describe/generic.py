"""kubectl's generic describer, for kinds without a describer of their own.

Events and CRDs such as Chaos Mesh experiments print every field of the object, each under a label
derived from its name, as kubectl's unstructured describer does.
"""

from __future__ import annotations

from collections.abc import Mapping

from agents.cli.describe.common import (
    Context,
    JSONObj,
    Writer,
    meta,
    write_annotations,
    write_events,
    write_header,
    write_labels,
)
from agents.cli.jsonpath import go_sprint


def _camel_parts(text: str) -> list[str]:
    """fatih/camelcase's split: runs of one character class, an upper letter moved onto a lower run."""
    runs: list[list[str]] = []
    previous = ""
    for char in text:
        kind = "l" if char.islower() else "u" if char.isupper() else "d" if char.isdigit() else "o"
        if runs and kind == previous:
            runs[-1].append(char)
        else:
            runs.append([char])
        previous = kind
    for index in range(len(runs) - 1):
        if runs[index] and runs[index][0].isupper() and runs[index + 1][0].islower():
            runs[index + 1].insert(0, runs[index].pop())
    return ["".join(run) for run in runs if run]


def _smart_label(field_name: str) -> str:
    """kubectl's label for an unstructured field: "apiVersion" -> "API Version", "uid" -> "UID"."""
    if any(not (char.isalpha() or char == "-") for char in field_name):
        return field_name
    parts = _camel_parts(field_name)
    merged: list[str] = []
    index = 0
    while index < len(parts):
        part = parts[index]
        following = parts[index + 1] if index + 1 < len(parts) else ""
        if len(part) >= 2 and part.isupper() and following[:1].isupper():
            merged.append(part + following)
            index += 2
            continue
        merged.append(part)
        index += 1
    words = []
    for part in merged:
        if part.upper() in ("API", "URL", "UID", "GUID"):
            part = part.upper()
        elif part.islower():
            part = part[:1].upper() + part[1:]
        words.append(part)
    return " ".join(word for word in words if word != "_")


_GENERIC_SKIPS = frozenset({".metadata.managedFields", ".metadata.name", ".metadata.namespace"})
_GENERIC_SKIPS |= {".metadata.labels", ".metadata.annotations"}


def _unstructured(w: Writer, level: int, content: JSONObj, prefix: str) -> None:
    for key in sorted(content):
        value, path = content[key], f"{prefix}.{key}"
        if path in _GENERIC_SKIPS:
            continue
        if isinstance(value, Mapping):
            w.write(level, f"{_smart_label(key)}:\n")
            _unstructured(w, level + 1, value, path)
        elif isinstance(value, list):
            w.write(level, f"{_smart_label(key)}:\n")
            for item in value:
                if isinstance(item, Mapping):
                    _unstructured(w, level + 1, item, path)
                else:
                    w.write(level + 1, f"{go_sprint(item)}\n")
        else:
            w.write(level, f"{_smart_label(key)}:\t{go_sprint(value)}\n")


def describe_generic(w: Writer, obj: JSONObj, ctx: Context) -> None:
    write_header(w, obj)
    write_labels(w, "Labels", meta(obj, "labels"))
    write_annotations(w, "Annotations", meta(obj, "annotations"))
    _unstructured(w, 0, obj, "")
    write_events(w, ctx)
