"""The printers other than tables: ``-o name``, ``json``, ``yaml``, ``jsonpath``, ``custom-columns`` and
``go-template`` (``agents.cli.gotemplate``). The ``-file`` forms read a file kubectl's machine would
have; there is none here, so they fail as kubectl fails on a missing file.

They print each object as kubectl does (apiVersion and kind always present, managedFields hidden), and
any number of objects but exactly one asked for by name as a ``List`` (so ``get pods -l app=x`` that
finds one pod still prints a List, and ``{.items[0]...}`` reads it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from agents.cli.gotemplate import go_template
from agents.cli.jsonpath import JsonPathError, find_results, go_json, go_sprint, jsonpath
from agents.cli.render.cells import JSONObj, object_name
from agents.cli.render.go_yaml import render_yaml
from agents.cli.render.registry import ResourceType, kind_prefix
from agents.cli.render.tabwriter import tabwrite


def _for_output(rtype: ResourceType, obj: JSONObj) -> dict[str, Any]:
    """The object as kubectl prints it: apiVersion and kind always present, managedFields hidden."""
    printable = dict(obj)
    printable.setdefault("apiVersion", rtype.api_version)
    printable.setdefault("kind", rtype.kind)
    metadata = printable.get("metadata")
    if isinstance(metadata, Mapping) and "managedFields" in metadata:
        printable["metadata"] = {key: value for key, value in metadata.items() if key != "managedFields"}
    return printable


def _payload(items: list[dict[str, Any]], single_item: bool) -> dict[str, Any]:
    if single_item and len(items) == 1:
        return items[0]
    return {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}


_RELAXED_PATH = re.compile(r"^\{\.?([^{}]+)\}$|^\.?([^{}]+)$")


def _custom_columns(spec: str, items: Sequence[JSONObj], no_headers: bool) -> tuple[str, str]:
    if not spec:
        return "", "error: custom-columns format specified but no custom columns given\n"
    columns: list[tuple[str, str]] = []
    for part in spec.split(","):
        header, colon, path = part.partition(":")
        if not colon:
            return "", f"error: unexpected custom-columns spec: {part}, expected <header>:<json-path-expr>\n"
        match = _RELAXED_PATH.match(path)
        if path and match is None:
            expected = "'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'"
            return "", f"error: unexpected path string, expected a {expected}\n"
        columns.append((header, "{." + (match.group(1) or match.group(2)) + "}" if match else ""))
    rows = [] if no_headers else ["\t".join(header for header, _ in columns)]
    try:
        for obj in items:
            rows.append("\t".join(_custom_cell(template, obj) for _, template in columns))
    except JsonPathError as error:
        return "", str(error)
    return tabwrite("".join(row + "\n" for row in rows)), ""


def _custom_cell(template: str, obj: JSONObj) -> str:
    groups = find_results(template, obj, allow_missing_keys=True)
    values = ["<none>"] if not groups or not groups[0] else []
    values += [go_sprint(value) for group in groups for value in group]
    return ",".join(values)


def missing_file(form: str, path: str) -> str:
    """kubectl's error for a ``-o ...-file=PATH`` whose file does not exist."""
    flag = "template" if form == "custom-columns-file" else "--template"
    return f"error: error reading {flag} {path}, open {path}: no such file or directory\n"


@dataclass(frozen=True)
class GenericOptions:
    """Flags of ``kubectl get`` that the non-table printers read."""

    single_item: bool
    no_headers: bool


def render_generic(
    form: str, argument: str, groups: Sequence[tuple[ResourceType, list[JSONObj]]], options: GenericOptions
) -> tuple[str, str]:
    """Print the grouped objects in ``form`` (name, json, yaml, jsonpath, custom-columns): ``(stdout, stderr)``."""
    typed = [(rtype, obj) for rtype, items in groups for obj in items]
    if form == "name":
        return "".join(f"{kind_prefix(rtype, obj)}/{object_name(obj)}\n" for rtype, obj in typed), ""
    items = [_for_output(rtype, obj) for rtype, obj in typed]
    if form == "custom-columns":
        return _custom_columns(argument, items, options.no_headers)
    if form.endswith("-file") or form == "templatefile":
        return "", missing_file(form, argument)
    payload = _payload(items, options.single_item)
    if form == "json":
        return go_json(payload, indent=4) + "\n", ""
    if form == "yaml":
        return render_yaml(payload), ""
    if not argument:
        return "", "error: template format specified but no template given\n"
    if form == "go-template":
        return go_template(argument, payload)
    try:
        return jsonpath(argument, payload, allow_missing_keys=True, as_json=form == "jsonpath-as-json"), ""
    except JsonPathError as error:
        return "", str(error)
