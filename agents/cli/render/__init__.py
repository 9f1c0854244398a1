"""``kubectl get`` output from API-shaped dicts: tables, ``-o wide/json/yaml/name/jsonpath/custom-columns``.

The simulator and the real-cluster adapter both hold objects exactly as ``kubectl get X -o json`` prints
one item; this package turns them into the bytes kubectl itself would print, so an agent trained on real
kubectl reads our output the same way. Columns and cell formats follow kubectl's printers
(``pkg/printers/internalversion``); alignment is Go's ``text/tabwriter`` with kubectl's settings (cells
padded by three spaces, six columns minimum). JSON is Go's ``json.MarshalIndent`` with four spaces,
YAML is kubectl's JSON-to-YAML conversion (sorted keys, double quotes, literal blocks).

``get`` is the entry point (``events`` prints ``kubectl events``, which has a printer of its own).
``registry`` knows each resource's columns, whose rows ``pods``, ``workloads``
and ``rows`` print from the cells in ``cells``; ``tables`` lays them out with ``tabwriter``, ``output``
and ``go_yaml`` print every other ``-o`` format. Import from this package, not from its modules.
"""

from agents.cli.render.cells import JSONObj as JSONObj
from agents.cli.render.cells import RowPrinter as RowPrinter
from agents.cli.render.cells import access_modes, dig, format_endpoints, format_labels, format_selector
from agents.cli.render.events import filter_events, render_events
from agents.cli.render.get import get_failed, render_get
from agents.cli.render.go_yaml import render_yaml
from agents.cli.render.pods import pod_summary as pod_summary
from agents.cli.render.registry import ResourceType as ResourceType
from agents.cli.render.registry import TableSpec as TableSpec
from agents.cli.render.registry import resource_type as resource_type
from agents.cli.render.rows import node_roles as node_roles
from agents.cli.render.rows import storage_class_of as storage_class_of
from agents.cli.render.tabwriter import tabwrite

__all__ = [
    "access_modes",
    "dig",
    "filter_events",
    "format_endpoints",
    "format_labels",
    "format_selector",
    "get_failed",
    "render_events",
    "render_get",
    "render_yaml",
    "tabwrite",
]
