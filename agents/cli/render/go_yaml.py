"""YAML as ``kubectl get -o yaml`` prints it, emulated on PyYAML.

kubectl converts JSON to YAML with go-yaml v2: its own map key order, double quotes where quoting is
needed, literal blocks for multi-line strings. ``render_yaml`` is public for anything that must print
YAML the way kubectl does.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import yaml


def _go_yaml_order(left: str, right: str) -> int:
    """go-yaml's map key order: letters compare as runes, runs of digits as numbers, other runes first."""
    for index, (a, b) in enumerate(zip(left, right, strict=False)):
        if a == b:
            continue
        if a.isalpha() and b.isalpha():
            return -1 if a < b else 1
        if a.isalpha() or b.isalpha():
            return 1 if a.isalpha() else -1
        left_number, left_end = _digits_at(left, index)
        right_number, right_end = _digits_at(right, index)
        if left_number != right_number:
            return -1 if left_number < right_number else 1
        if left_end != right_end:
            return -1 if left_end < right_end else 1
        return -1 if a < b else 1
    return (len(left) > len(right)) - (len(left) < len(right))


def _digits_at(text: str, index: int) -> tuple[int, int]:
    end = index
    while end < len(text) and text[end].isdigit():
        end += 1
    return (int(text[index:end]) if end > index else 0), end


def _yaml_ready(value: Any) -> Any:
    if isinstance(value, Mapping):
        keys = sorted((str(key) for key in value), key=functools.cmp_to_key(_go_yaml_order))
        return {key: _yaml_ready(value[key]) for key in keys}
    if isinstance(value, list | tuple):
        return [_yaml_ready(item) for item in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    return value


class _KubectlDumper(yaml.SafeDumper):
    """PyYAML emitting like go-yaml v2: a string that would read back as another type unquoted ("1",
    "true", a timestamp) in double quotes; one that plain style cannot carry (``a: b``, a leading ``*``)
    in single quotes; multi-line strings as literal blocks."""

    def choose_scalar_style(self) -> str:
        style: str = super().choose_scalar_style()
        resolves_as_string = isinstance(self.event, yaml.ScalarEvent) and self.event.implicit[0]
        return '"' if style == "'" and not resolves_as_string else style


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_KubectlDumper.add_representer(str, _represent_str)


def render_yaml(value: Any) -> str:
    """YAML as ``kubectl get -o yaml`` prints it."""
    dumped: str = yaml.dump(
        _yaml_ready(value), Dumper=_KubectlDumper, default_flow_style=False, sort_keys=False, allow_unicode=True
    )
    return dumped
