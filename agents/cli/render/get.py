"""``render_get``: what ``kubectl get`` prints, as ``(stdout, stderr)``.

It parses ``-o`` and hands the objects, grouped by type, to the table printer or to one of the others.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from agents.cli.kubectl_flags import OUTPUT_FORMATS
from agents.cli.render.cells import JSONObj
from agents.cli.render.output import GenericOptions, render_generic
from agents.cli.render.registry import ResourceType, group_objects
from agents.cli.render.sorting import SortError, Unsortable, field_not_found, relaxed_template, sort_objects
from agents.cli.render.tables import TableOptions, no_resources, render_table

_Group = tuple[ResourceType, list[JSONObj]]


class SeveralTables(SortError):
    """``--sort-by`` over the tables of several kinds, which kubectl refuses."""


_WITH_ARGUMENT = frozenset(OUTPUT_FORMATS) - {"wide", "json", "yaml", "name"}


def _parse_output(output: str | None) -> tuple[str, str] | None:
    if not output:
        return "table", ""
    name, equals, argument = output.partition("=")
    if name in ("wide", "json", "yaml", "name") and not equals:
        return name, ""
    if name in _WITH_ARGUMENT:
        return ("go-template" if name == "template" else name), argument
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
    single_item: bool = False,
    presorted: bool = False,
    sort_by: str | None = None,
) -> tuple[str, str]:
    """What ``kubectl get`` prints for ``objects``: ``(stdout, stderr)``.

    ``plural`` is the canonical plural, or several joined by commas (``pods,services``): each kind gets
    its own table, names print as ``kind/name`` and a blank line separates the tables (kubectl writes
    that blank line to stderr; here it stays in stdout, where a terminal shows it). ``output`` is
    kubectl's ``-o`` value. Objects print in the API server's order (namespace, then name) unless
    ``presorted``, then in ``sort_by``'s order (``--sort-by``: each table on its own, a List as a whole).
    ``single_item`` says that exactly one object was asked for by name (``get pod x``, not ``get pods -l
    ...`` that finds one): json, yaml and jsonpath then print that object rather than a List. Any
    error is kubectl's text in stderr with nothing in stdout (``get_failed`` tells it from the
    "No resources found" notice, which kubectl prints with exit status 0).
    """
    requested, groups = group_objects(plural, objects, presorted)
    parsed = _parse_output(output)
    if parsed is None:
        return "", f'error: unable to match a printer suitable for the output format "{output}", ' + (
            f"allowed formats are: {','.join(OUTPUT_FORMATS)}\n"
        )
    form, argument = parsed
    single = single_item and len(objects) == 1
    table = form in ("table", "wide")
    try:
        if sort_by and not single:
            groups = _sorted_tables(requested, groups, sort_by) if table else _sorted_list(groups, sort_by)
    except Unsortable as error:
        return "", error.fatal_line(now, table=table)
    except SortError as error:
        # kubectl drops a table it could not sort, and says it found nothing.
        if table and not isinstance(error, SeveralTables):
            return "", no_resources(requested, namespace, all_namespaces)
        return "", str(error)
    if not table:
        return render_generic(form, argument, groups, GenericOptions(single, no_headers))
    if not objects:
        return "", no_resources(requested, namespace, all_namespaces)
    several = len(requested) > 1 or sum(1 for _, items in groups if items) > 1
    options = TableOptions(now, form == "wide", all_namespaces, show_kind or several, show_labels, no_headers)
    tables = [render_table(rtype, items, options) for rtype, items in groups if items]
    return ("" if no_headers else "\n").join(tables), ""


def get_failed(stderr: str) -> bool:
    """Whether ``render_get``'s (or ``render_events``') stderr is a failure (kubectl exits 1) rather
    than the notice that nothing was found (exit 0)."""
    return bool(stderr) and not stderr.startswith(("No resources found", "No events found"))


def _sorted_tables(requested: list[ResourceType], groups: list[_Group], sort_by: str) -> list[_Group]:
    """Each table sorted on its own. kubectl cannot sort the tables of several kinds (it finds the field
    in none of them), and a field no row has leaves nothing to print."""
    if len(requested) > 1:
        raise SeveralTables(str(field_not_found(relaxed_template(sort_by))))
    return [(rtype, sort_objects(items, sort_by)) for rtype, items in groups]


def _sorted_list(groups: list[_Group], sort_by: str) -> list[_Group]:
    """All objects sorted as one List's items, each then in a group of its own that keeps its type."""
    kinds = {id(obj): rtype for rtype, items in groups for obj in items}
    return [(kinds[id(obj)], [obj]) for obj in sort_objects([obj for _, items in groups for obj in items], sort_by)]
