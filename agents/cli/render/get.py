"""``render_get``: what ``kubectl get`` prints, as ``(stdout, stderr)``.

It parses ``-o`` and hands the objects, grouped by type, to the table printer or to one of the others.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from agents.cli.render.output import GenericOptions, render_generic
from agents.cli.render.registry import group_objects
from agents.cli.render.tables import TableOptions, no_resources, render_table

_OUTPUT_FORMATS = (
    "custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,"
    "jsonpath-file,name,template,templatefile,wide,yaml"
)


def _parse_output(output: str | None) -> tuple[str, str] | None:
    if not output:
        return "table", ""
    name, equals, argument = output.partition("=")
    if name in ("wide", "json", "yaml", "name") and not equals:
        return name, ""
    if name in ("jsonpath", "jsonpath-as-json", "custom-columns"):
        return name, argument
    return None


def render_get(
    plural: str,
    objects: Sequence[Mapping[str, Any]],
    *,
    now: datetime,
    output: str | None = None,
    all_namespaces: bool = False,
    show_kind: bool = False,
    show_labels: bool = False,
    no_headers: bool = False,
    namespace: str | None = None,
    single_item: bool | None = None,
    presorted: bool = False,
) -> tuple[str, str]:
    """What ``kubectl get`` prints for ``objects``: ``(stdout, stderr)``.

    ``plural`` is the canonical plural, or several joined by commas (``pods,services``): each kind gets
    its own table, names print as ``kind/name`` and a blank line separates the tables (kubectl writes
    that blank line to stderr; here it stays in stdout, where a terminal shows it). ``output`` is
    kubectl's ``-o`` value. Objects print in the API server's order (namespace, then name) unless
    ``presorted``. ``single_item`` says whether one named object was asked for (``get pod x``), which
    prints that object rather than a List in json/yaml/jsonpath; by default a lone object counts as one.
    """
    requested, groups = group_objects(plural, objects, presorted)
    parsed = _parse_output(output)
    if parsed is None:
        return "", f'error: unable to match a printer suitable for the output format "{output}", ' + (
            f"allowed formats are: {_OUTPUT_FORMATS}\n"
        )
    form, argument = parsed
    if form not in ("table", "wide"):
        return render_generic(form, argument, groups, GenericOptions(single_item, no_headers))
    if not objects:
        return "", no_resources(requested, namespace, all_namespaces)
    several = len(requested) > 1 or sum(1 for _, items in groups if items) > 1
    options = TableOptions(now, form == "wide", all_namespaces, show_kind or several, show_labels, no_headers)
    tables = [render_table(rtype, items, options) for rtype, items in groups if items]
    return ("" if no_headers else "\n").join(tables), ""
