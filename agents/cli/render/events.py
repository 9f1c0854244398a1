"""``kubectl events``: kubectl's own event printer, not the ``get events`` table.

Events print oldest first (by the series' last observation, else the last timestamp, else the event
time, from the API server's order as Go's ``sort.Sort`` reorders it), one line each: when (``5s (x3 over 2m)`` for a
repeated one), type, reason, ``Kind/name`` of the object, message. ``-o json|yaml|jsonpath`` print an
``EventList``; ``-o name`` prints nothing, as kubectl does; nothing found is a notice, not an error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from agents.cli.durations import age, parse_timestamp
from agents.cli.gotemplate import go_template
from agents.cli.jsonpath import JsonPathError, go_json, jsonpath
from agents.cli.render.cells import JSONObj, dig, object_name
from agents.cli.render.go_yaml import render_yaml
from agents.cli.render.output import missing_file
from agents.cli.render.sorting import go_sort
from agents.cli.render.tabwriter import tabwrite

EVENTS_OUTPUT_FORMATS = (
    "go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,yaml"
)


def filter_events(events: Sequence[JSONObj], types: Sequence[str] | None) -> list[JSONObj]:
    """``--types``: the events of those types (any case); ``ValueError`` with kubectl's text for others."""
    if not types:
        return list(events)
    wanted = {kind.lower() for kind in types}
    if not wanted <= {"normal", "warning"}:
        raise ValueError("error: valid --types are Normal or Warning")
    return [event for event in events if str(event.get("type") or "").lower() in wanted]


def render_events(
    events: Sequence[JSONObj],
    *,
    now: datetime,
    output: str | None = None,
    all_namespaces: bool = False,
    no_headers: bool = False,
    namespace: str | None = None,
) -> tuple[str, str]:
    """What ``kubectl events`` prints for ``events``: ``(stdout, stderr)``."""
    form, _, argument = (output or "").partition("=")
    if form and form not in EVENTS_OUTPUT_FORMATS.split(","):
        formats = f"allowed formats are: {EVENTS_OUTPUT_FORMATS}"
        return "", f'error: unable to match a printer suitable for the output format "{output}", {formats}\n'
    if not events:
        where = "" if all_namespaces else f" in {namespace or 'default'} namespace"
        return "", f"No events found{where}.\n"
    ordered = _oldest_first(events)
    if not form:
        return _table(ordered, now, all_namespaces, no_headers), ""
    if form == "name":
        return "", ""
    return _document(form, argument, ordered)


def _event_time(event: JSONObj) -> datetime | None:
    stamp = dig(event, "series", "lastObservedTime") or event.get("lastTimestamp") or event.get("eventTime")
    return parse_timestamp(stamp)


def _oldest_first(found: Sequence[JSONObj]) -> list[JSONObj]:
    """The API server's order (namespace, then name), then Go's sort by event time."""
    events = sorted(found, key=lambda event: (str(dig(event, "metadata", "namespace") or ""), object_name(event)))
    times = [_event_time(event) for event in events]
    order = list(range(len(events)))

    def less(i: int, j: int) -> bool:
        left, right = times[order[i]], times[order[j]]
        return (left is not None and right is not None and left < right) or (left is None and right is not None)

    def swap(i: int, j: int) -> None:
        order[i], order[j] = order[j], order[i]

    go_sort(len(order), less, swap)
    return [events[index] for index in order]


def _interval(event: JSONObj, now: datetime) -> str:
    first = age(event.get("eventTime") or event.get("firstTimestamp"), now)
    if event.get("series"):
        last, count = dig(event, "series", "lastObservedTime"), dig(event, "series", "count")
        return f"{age(last, now)} (x{count} over {first})"
    if int(event.get("count") or 0) > 1:
        return f"{age(event.get('lastTimestamp'), now)} (x{event['count']} over {first})"
    return first


def _table(events: Sequence[JSONObj], now: datetime, all_namespaces: bool, no_headers: bool) -> str:
    lines = (
        [] if no_headers else [["NAMESPACE"] * all_namespaces + ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]]
    )
    for event in events:
        involved = event.get("involvedObject") or {}
        cells = [str(dig(event, "metadata", "namespace") or "")] * all_namespaces
        cells += [_interval(event, now), str(event.get("type") or ""), str(event.get("reason") or "")]
        cells += [f"{involved.get('kind', '')}/{involved.get('name', '')}", str(event.get("message") or "").strip()]
        lines.append(cells)
    return tabwrite("".join("\t".join(cells) + "\n" for cells in lines))


def _document(form: str, argument: str, events: Sequence[Mapping[str, Any]]) -> tuple[str, str]:
    items = [{"apiVersion": "v1", "kind": "Event", **event} for event in events]
    payload = {"apiVersion": "v1", "items": items, "kind": "EventList", "metadata": {}}
    if form == "json":
        return go_json(payload, indent=4) + "\n", ""
    if form == "yaml":
        return render_yaml(payload), ""
    if form.endswith("-file") or form == "templatefile":
        return "", missing_file(form, argument)
    if not argument:
        return "", "error: template format specified but no template given\n"
    if form in ("go-template", "template"):
        return go_template(argument, payload)
    try:
        return jsonpath(argument, payload, allow_missing_keys=True, as_json=form == "jsonpath-as-json"), ""
    except JsonPathError as error:
        return "", str(error)
