"""The real ``kubectl`` and the simulator's, side by side on the same objects.

A stand-in API server (``tests.kube.standin``) serves the simulated cluster's objects exactly as the
simulator serializes them for ``-o json``; the kubectl binary reads them through a kubeconfig pointing at
it, and the simulator's kubectl runs the same argv on the same state (without moving its clock). What the
two print is then compared.

Two things the API server does that kubectl relies on are done here too:

- **Tables.** For a plain ``get`` kubectl asks for ``Table`` (``Accept: ...;as=Table;g=meta.k8s.io``) and
  only lays out the rows the server computed. The rows are built with the shared row printers, so a table
  comparison checks what kubectl adds (layout, row order under ``--sort-by``, NAMESPACE, LABELS, kind
  prefixes, the wide columns), not the cells.
- **Time.** kubectl measures ages against the real clock, the simulator against its simulated one. With
  ``shift_times`` every timestamp served is moved by (now - the simulated now) when it is served, so
  relative ages agree; absolute times then differ, and ``normalize_times`` blanks them in both outputs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from agents.cli.kube_resources import RESOURCE_TYPES
from agents.cli.render import resource_type as table_type
from agents.cli.shell import parse_command_line
from agents.sim import objects as sim_objects
from agents.sim.kubectl import SimKubectl
from agents.sim.state import ClusterState
from tests.kube.rbac import parse_path
from tests.kube.standin import Running, Served, serve

KUBECTL = shutil.which("kubectl")
SKIP_REASON = "the real kubectl is not on PATH: the reference comparisons need it"

_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z")
_RFC1123Z = re.compile(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}")


@dataclass(frozen=True)
class Printed:
    """What one kubectl run printed, and its exit status."""

    stdout: str
    stderr: str
    exit_code: int


Objects = dict[tuple[str, str], list[dict[str, Any]]]


def cluster_objects(state: ClusterState) -> tuple[Objects, dict[tuple[str, str], str]]:
    """Every object of the simulated cluster by (group, plural), as the simulator serializes it, and the kinds.

    Every kind kubectl knows on such a cluster is served, empty where the simulator holds none. Beside
    them, what kubectl reads for ``describe`` and the simulator derives as it prints: the EndpointSlice
    of each Service's Endpoints (``describe service``) and the Lease of each node (``describe node``:
    held by the node, renewed at its last heartbeat)."""
    plurals = {plural for plural, _namespace, _name in state.objects} | set(sim_objects.DERIVED)
    served: Objects = {}
    kinds: dict[tuple[str, str], str] = {}
    for rtype in RESOURCE_TYPES:
        found = sim_objects.objects_of(state, rtype.plural, None) if rtype.plural in plurals else []
        served[(rtype.group, rtype.plural)] = sorted(found, key=_storage_order)
        kinds[(rtype.group, rtype.plural)] = rtype.kind
    slices = [_endpoint_slice(endpoints) for endpoints in served[("", "endpoints")]]
    served[("discovery.k8s.io", "endpointslices")] = slices
    served[("coordination.k8s.io", "leases")] = [_lease(node) for node in served[("", "nodes")]]
    kinds[("coordination.k8s.io", "leases")] = "Lease"
    return served, kinds


def _storage_order(obj: dict[str, Any]) -> tuple[str, str]:
    """A real API server lists in storage order: namespace, then name."""
    return obj["metadata"].get("namespace", ""), obj["metadata"]["name"]


def _endpoint_slice(endpoints: dict[str, Any]) -> dict[str, Any]:
    meta = endpoints["metadata"]
    subsets = endpoints.get("subsets") or []
    addresses = [address for subset in subsets for address in subset.get("addresses") or []]
    ready = [{"addresses": [a["ip"]], "conditions": {"ready": True}, **_target(a)} for a in addresses]
    not_ready = [
        {"addresses": [a["ip"]], "conditions": {"ready": False}, **_target(a)}
        for subset in subsets
        for a in subset.get("notReadyAddresses") or []
    ]
    ports = [dict(port) for subset in subsets[:1] for port in subset.get("ports") or []]
    labels = {"kubernetes.io/service-name": meta["name"], "endpointslice.kubernetes.io/managed-by": "sim"}
    metadata = {"name": f"{meta['name']}-sim", "namespace": meta["namespace"], "labels": labels}
    slice_ = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": metadata}
    return {**slice_, "addressType": "IPv4", "endpoints": ready + not_ready, "ports": ports or None}


def _target(address: dict[str, Any]) -> dict[str, Any]:
    found = {"targetRef": address["targetRef"]} if address.get("targetRef") else {}
    return found | ({"nodeName": address["nodeName"]} if address.get("nodeName") else {})


def _lease(node: dict[str, Any]) -> dict[str, Any]:
    ready = [c for c in node["status"].get("conditions") or [] if c.get("type") == "Ready"]
    spec: dict[str, Any] = {"holderIdentity": node["metadata"]["name"]}
    if ready and ready[0].get("lastHeartbeatTime"):
        spec["renewTime"] = ready[0]["lastHeartbeatTime"]
    metadata = {"name": node["metadata"]["name"], "namespace": "kube-node-lease"}
    return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": metadata, "spec": spec}


class Presenter:
    """The API server's side of a GET: a Table when kubectl asks for one; timestamps moved when asked to."""

    def __init__(self, kinds: dict[tuple[str, str], str], now: datetime, *, shift_times: bool) -> None:
        self.kinds = kinds
        self.now = now
        self.shift_times = shift_times

    def __call__(self, served: Served) -> Any:
        reply = served.reply
        if "as=Table" in served.accept:
            reply = self._table(served)
        if self.shift_times:
            whole = self.now.replace(microsecond=0)
            reply = _shifted(reply, datetime.now(UTC) - whole)
        return reply

    def _table(self, served: Served) -> dict[str, Any]:
        group, version, _namespace, plural, name, _sub = parse_path(served.path)
        kind = self.kinds.get((group, plural), "")
        items = [served.reply] if name is not None else served.reply.get("items", [])
        spec = table_type(plural).table
        columns = [
            {
                "name": header,
                "type": "string",
                "format": "name" if header == "NAME" else "",
                "description": "",
                "priority": 0 if header in spec.headers else 1,
            }
            for header in spec.wide_headers
        ]
        include = (served.query.get("includeObject") or ["Metadata"])[0]
        api_version = f"{group}/{version}" if group else version
        rows = []
        for item in items:
            row: dict[str, Any] = {"cells": spec.row(item, self.now, True)}
            if include == "Object":
                row["object"] = {"kind": kind, "apiVersion": api_version, **item}
            elif include == "Metadata":
                metadata = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1"}
                row["object"] = {**metadata, "metadata": item["metadata"]}
            rows.append(row)
        table = {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": "9999"}}
        return {**table, "columnDefinitions": columns, "rows": rows}


def _shifted(value: Any, offset: timedelta) -> Any:
    if isinstance(value, dict):
        return {key: _shifted(item, offset) for key, item in value.items()}
    if isinstance(value, list):
        return [_shifted(item, offset) for item in value]
    if isinstance(value, str) and _STAMP.fullmatch(value):
        moved = datetime.fromisoformat(value.replace("Z", "+00:00")) + offset
        return moved.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


def normalize_times(text: str) -> str:
    """Absolute times blanked (RFC 1123Z as describe prints them, RFC 3339): they differ once shifted."""
    return _STAMP.sub("<stamp>", _RFC1123Z.sub("<time>", text))


class Reference:
    """A stand-in serving ``state``'s objects, the real kubectl pointed at it, and the simulator's kubectl."""

    def __init__(self, state: ClusterState, running: Running, home: Path) -> None:
        self.state = state
        self.running = running
        self.home = home

    def argv(self, line: str) -> tuple[str, ...]:
        """The argv of a one-command line, split as the simulator's shell splits it."""
        stages = parse_command_line(line).stages
        if len(stages) != 1 or stages[0].argv[0] != "kubectl":
            raise ValueError(f"one kubectl command expected, got {line!r}")
        return stages[0].argv

    def kubectl(self, line: str) -> Printed:
        """The real kubectl's output for ``line``."""
        assert KUBECTL is not None, SKIP_REASON
        argv = self.argv(line)
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(self.home), "KUBECONFIG": str(self.running.kubeconfig)}
        cache = f"--cache-dir={self.home / 'cache'}"
        done = subprocess.run(
            [KUBECTL, cache, *argv[1:]], capture_output=True, text=True, env=env, timeout=60, check=False
        )
        return Printed(done.stdout, done.stderr, done.returncode)

    def sim(self, line: str) -> Printed:
        """The simulator's kubectl output for ``line``, on the same state (its clock left where it is)."""
        result = SimKubectl(self.state, read_only=True)(self.argv(line), "")
        return Printed(result.stdout, result.stderr, result.exit_code)


def reference_serve(state: ClusterState, tmp_dir: Path, *, shift_times: bool = False) -> Iterator[Reference]:
    """Serve ``state``'s objects for the real kubectl; yield the pair of printers (a pytest fixture body)."""
    served, kinds = cluster_objects(state)
    presenter = Presenter(kinds, state.clock.datetime, shift_times=shift_times)
    home = tmp_dir / "home"
    home.mkdir(exist_ok=True)
    for running in serve(tmp_dir, objects=served, kinds=kinds, authorize=False, present=presenter):
        yield Reference(state, running, home)
