"""A local stand-in of the Kubernetes API: recorded objects served over HTTP, every request recorded.

No cluster runs here, so the adapter is tested against this threaded ``http.server`` on 127.0.0.1. It
serves the fixture objects under ``fixtures/`` for the paths the adapter calls (list and get with label
and field selectors, the log subresource, PATCH of the three patch types, the scale subresource, DELETE),
authenticates bearer tokens to the reader or the writer identity, authorizes each request with the
shipped RBAC manifests (403 worded as the API server words it), and records (method, path, query,
identity, content type, body) of every request. :meth:`StandIn.override` makes a path answer with a
given status or stall, to test errors and timeouts.

It also answers the discovery requests a ``kubectl`` binary sends first (``/api``, ``/apis`` and each
group version's resource list, from the kinds it serves), so the real kubectl can be pointed at it. A
stand-in built with other objects and kinds (``serve(..., objects=, kinds=)``), no policy (every
request allowed) and a ``present`` hook (which may rewrite each successful GET's reply, for
instance into the ``Table`` kubectl asks for) serves as a reference server for kubectl itself.
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from agents.cli.kube_resources import ALL_CATEGORY, RESOURCE_TYPES
from agents.sim import patching
from tests.kube.rbac import Policy, load_policy, parse_path, request_info, service_account

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TOKENS = {"reader-token": "reader", "writer-token": "writer"}
# (group, plural) -> (fixture file, kind); scope comes from the objects themselves.
RESOURCES = {
    ("", "namespaces"): ("namespaces", "Namespace"),
    ("", "nodes"): ("nodes", "Node"),
    ("", "pods"): ("pods", "Pod"),
    ("", "services"): ("services", "Service"),
    ("", "endpoints"): ("endpoints", "Endpoints"),
    ("", "events"): ("events", "Event"),
    ("apps", "deployments"): ("deployments", "Deployment"),
    ("apps", "replicasets"): ("replicasets", "ReplicaSet"),
    ("metrics.k8s.io", "pods"): ("podmetrics", "PodMetrics"),
    ("metrics.k8s.io", "nodes"): ("nodemetrics", "NodeMetrics"),
}
CLUSTER_SCOPED = {"namespaces", "nodes"}  # by plural: metrics.k8s.io's nodes are cluster-scoped too


@dataclass(frozen=True)
class RecordedRequest:
    """One request the stand-in received."""

    method: str
    path: str
    query: dict[str, list[str]]
    identity: str
    content_type: str
    body: Any


@dataclass
class Override:
    """Answer requests matching ``method`` and ``path_pattern`` with ``status`` (after ``delay`` seconds)."""

    method: str
    path_pattern: str
    status: int
    body: Any = None
    delay: float = 0.0


@dataclass(frozen=True)
class Served:
    """A successful GET about to be answered: its path, query, Accept header and reply."""

    path: str
    query: dict[str, list[str]]
    accept: str
    reply: Any


@dataclass
class StandIn:
    """The server's state: objects by (group, plural), the request log and the overrides.

    ``policy`` None allows every request, anonymous ones too (kubectl sends no token over plain HTTP).
    ``kinds`` names the kind of each served (group, plural); ``present``, when set, gives the reply of
    each successful GET of an object or list.
    """

    objects: dict[tuple[str, str], list[dict[str, Any]]]
    policy: Policy | None
    serve_metrics: bool = True
    kinds: dict[tuple[str, str], str] = field(
        default_factory=lambda: {key: kind for key, (_, kind) in RESOURCES.items()}
    )
    present: Callable[[Served], Any] | None = None
    requests: list[RecordedRequest] = field(default_factory=list)
    overrides: list[Override] = field(default_factory=list)
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)
    hold_pattern: str = ""
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def hold_after_apply(self, path_pattern: str) -> None:
        """From now on, a write (any method but GET) on a matching path takes effect, then its reply waits
        until ``release`` is set: the caller is stopped between the write and knowing its outcome."""
        self.hold_pattern = path_pattern

    def override(self, method: str, path_pattern: str, status: int, body: Any = None, delay: float = 0.0) -> None:
        """From now on, matching requests get ``status`` and ``body`` (a Status object by default)."""
        self.overrides.append(Override(method, path_pattern, status, body, delay))

    def find(self, group: str, plural: str, namespace: str | None, name: str) -> dict[str, Any] | None:
        """The stored object, or None."""
        for obj in self.objects.get((group, plural), []):
            meta = obj["metadata"]
            if meta["name"] == name and (meta.get("namespace") or None) == namespace:
                return obj
        return None

    def methods(self, identity: str | None = None) -> list[str]:
        """The HTTP methods received, in order, optionally of one identity."""
        return [r.method for r in self.requests if identity is None or r.identity == identity]


def load_objects() -> dict[tuple[str, str], list[dict[str, Any]]]:
    """A fresh copy of the fixture objects."""
    objects: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for key, (filename, _kind) in RESOURCES.items():
        objects[key] = json.loads((FIXTURES / f"{filename}.json").read_text(encoding="utf-8"))
    return objects


def status_body(code: int, reason: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    """A ``Status`` object as the API server sends with an error."""
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message}
    return body | {"reason": reason, "details": details or {}, "code": code}


def qualified(group: str, plural: str) -> str:
    """``pods``, ``deployments.apps``: how the API server names a resource in messages."""
    return f"{plural}.{group}" if group else plural


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request log is the record."""

    def do_GET(self) -> None:
        self._handle("GET")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def _handle(self, method: str) -> None:
        state = self.server.state
        split = urlsplit(self.path)
        query = parse_qs(split.query, keep_blank_values=True)
        content_type = self.headers.get("Content-Type", "")
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.loads(raw) if raw else None
        identity = TOKENS.get(self.headers.get("Authorization", "").removeprefix("Bearer "), "anonymous")
        with state.lock:
            state.requests.append(RecordedRequest(method, split.path, query, identity, content_type, body))
        override = next(
            (o for o in state.overrides if o.method == method and re.fullmatch(o.path_pattern, split.path)), None
        )
        if override is not None:
            time.sleep(override.delay)
            self._reply(override.status, override.body or status_body(override.status, "InternalError", "injected"))
            return
        try:
            status, reply = _respond(state, method, split.path, query, identity, content_type, body)
        except patching.PatchError as error:
            status, reply = 422, status_body(422, "Invalid", str(error))
        if state.present is not None and method == "GET" and status == 200 and isinstance(reply, dict):
            reply = state.present(Served(split.path, query, self.headers.get("Accept", ""), reply))
        if method != "GET" and state.hold_pattern and re.fullmatch(state.hold_pattern, split.path):
            state.holding.set()
            state.release.wait(timeout=120)
        self._reply(status, reply)

    def _reply(self, status: int, reply: Any) -> None:
        data = reply.encode() if isinstance(reply, str) else json.dumps(reply).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain" if isinstance(reply, str) else "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: StandIn) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


def _respond(
    state: StandIn, method: str, path: str, query: dict[str, list[str]], identity: str, content_type: str, body: Any
) -> tuple[int, Any]:
    if identity == "anonymous" and state.policy is not None:
        return 401, status_body(401, "Unauthorized", "Unauthorized")
    if method == "GET":
        found = discovery(state.kinds, path)
        if found is not None:
            return 200, found
    try:
        group, version, namespace, plural, name, sub = parse_path(path)
    except ValueError:
        return 404, status_body(404, "NotFound", "the server could not find the requested resource")
    if group == "metrics.k8s.io" and not state.serve_metrics:
        return 404, status_body(404, "NotFound", "the server could not find the requested resource")
    info = request_info(method, path, query)
    if state.policy is not None and not state.policy.allows(identity, info):
        return 403, _forbidden(identity, info.verb, group, info.resource, namespace, name)
    with state.lock:
        if name is None:
            return 200, _list(state, group, version, plural, namespace, query)
        return _object(state, method, (group, plural, namespace, name, sub), query, content_type, body)


def _forbidden(identity: str, verb: str, group: str, resource: str, namespace: str | None, name: str | None) -> Any:
    subject = f'{qualified(group, resource.split("/")[0])} "{name}"' if name else qualified(group, resource)
    where = f' in the namespace "{namespace}"' if namespace else " at the cluster scope"
    message = (
        f'{subject} is forbidden: User "{service_account(identity)}" cannot {verb} resource "{resource}" '
        f'in API group "{group}"{where}'
    )
    return status_body(403, "Forbidden", message, {"name": name or "", "kind": resource.split("/")[0]})


def _list(
    state: StandIn, group: str, version: str, plural: str, namespace: str | None, query: dict[str, list[str]]
) -> dict[str, Any]:
    items = [
        copy.deepcopy(obj)
        for obj in state.objects.get((group, plural), [])
        if (namespace is None or obj["metadata"].get("namespace") == namespace)
        and matches_labels(obj, _first(query, "labelSelector"))
        and matches_fields(obj, _first(query, "fieldSelector"))
    ]
    for item in items:
        # A list's items carry no kind or apiVersion, as on a real server.
        item.pop("kind", None)
        item.pop("apiVersion", None)
    kind = state.kinds.get((group, plural), "")
    api_version = f"{group}/{version}" if group else version
    return {"kind": f"{kind}List", "apiVersion": api_version, "metadata": {"resourceVersion": "9999"}, "items": items}


def _object(
    state: StandIn,
    method: str,
    target: tuple[str, str, str | None, str, str | None],
    query: dict[str, list[str]],
    content_type: str,
    body: Any,
) -> tuple[int, Any]:
    group, plural, namespace, name, sub = target
    obj = state.find(group, plural, None if plural in CLUSTER_SCOPED else namespace or None, name)
    if obj is None:
        message = f'{qualified(group, plural)} "{name}" not found'
        return 404, status_body(404, "NotFound", message, {"name": name, "kind": plural})
    if sub == "log" and method == "GET":
        return _log(obj, query)
    if sub == "scale":
        return _scale(state, obj, method, content_type, body)
    if sub is not None:
        return 404, status_body(404, "NotFound", "the server could not find the requested resource")
    if method == "GET":
        return 200, copy.deepcopy(obj)
    if method == "PATCH":
        return 200, _patch(state, obj, content_type, body)
    if method == "DELETE":
        state.objects[(group, plural)].remove(obj)
        return 200, copy.deepcopy(obj)
    return 405, status_body(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")


def _patch(state: StandIn, obj: dict[str, Any], content_type: str, body: Any) -> dict[str, Any]:
    if content_type == "application/json-patch+json":
        patched = patching.json_patch(obj, body)
    elif content_type == "application/merge-patch+json":
        patched = patching.merge_patch(obj, body)
    elif content_type == "application/strategic-merge-patch+json":
        patched = patching.strategic_patch(obj, body)
    else:
        raise patching.PatchError(f"unsupported patch type {content_type}")
    if patched != obj:
        patched["metadata"]["resourceVersion"] = str(int(obj["metadata"]["resourceVersion"]) + 1)
        if "template" in patched.get("spec", {}) and patched["spec"]["template"] != obj["spec"]["template"]:
            patched["metadata"]["generation"] = obj["metadata"].get("generation", 1) + 1
    obj.clear()
    obj.update(patched)
    return copy.deepcopy(obj)


def _scale(state: StandIn, deployment: dict[str, Any], method: str, content_type: str, body: Any) -> tuple[int, Any]:
    if method == "PATCH":
        scale = patching.merge_patch({"spec": {"replicas": deployment["spec"]["replicas"]}}, body)
        deployment["spec"]["replicas"] = scale["spec"]["replicas"]
    meta = deployment["metadata"]
    return 200, {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {"name": meta["name"], "namespace": meta["namespace"], "resourceVersion": meta["resourceVersion"]},
        "spec": {"replicas": deployment["spec"]["replicas"]},
        "status": {"replicas": deployment["status"].get("replicas", 0)},
    }


def _log(pod: dict[str, Any], query: dict[str, list[str]]) -> tuple[int, Any]:
    names = [c["name"] for c in pod["spec"]["containers"]]
    container = _first(query, "container") or (names[0] if len(names) == 1 else "")
    pod_name = pod["metadata"]["name"]
    if container not in names:
        message = f"container {container} is not valid for pod {pod_name}"
        if not container:
            message = f"a container name must be specified for pod {pod_name}, choose one of: [{' '.join(names)}]"
        return 400, status_body(400, "BadRequest", message)
    suffix = ".previous.log" if _first(query, "previous") == "true" else ".log"
    path = FIXTURES / "logs" / f"{pod_name}.{container}{suffix}"
    if not path.exists():
        message = f'previous terminated container "{container}" in pod "{pod_name}" not found'
        return 400, status_body(400, "BadRequest", message)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    tail = _first(query, "tailLines")
    return 200, "".join(lines[-int(tail) :] if tail else lines) if tail != "0" else ""


def matches_labels(obj: dict[str, Any], selector: str | None) -> bool:
    """Equality, inequality and existence terms, comma-separated (no set-based terms)."""
    labels = obj["metadata"].get("labels") or {}
    for term in filter(None, (selector or "").split(",")):
        if "!=" in term:
            key, value = term.split("!=", 1)
            ok = labels.get(key.strip()) != value.strip()
        elif "=" in term:
            key, value = term.replace("==", "=").split("=", 1)
            ok = labels.get(key.strip()) == value.strip()
        elif term.startswith("!"):
            ok = term[1:].strip() not in labels
        else:
            ok = term.strip() in labels
        if not ok:
            return False
    return True


def matches_fields(obj: dict[str, Any], selector: str | None) -> bool:
    """``path=value`` / ``path!=value`` terms on dotted paths (metadata.name, involvedObject.uid...)."""
    for term in filter(None, (selector or "").split(",")):
        negate = "!=" in term
        key, value = term.replace("!=", "=").replace("==", "=").split("=", 1)
        node: Any = obj
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if ((node or "") == value) == negate:
            return False
    return True


_VERSIONS = {"apps": "v1", "batch": "v1", "metrics.k8s.io": "v1beta1"}
_VERBS = ["get", "list", "watch", "patch", "delete"]


def _version_of(group: str) -> str:
    known = next((rt.api_version for rt in RESOURCE_TYPES if rt.group == group), None)
    return known.rpartition("/")[2] if known else _VERSIONS.get(group, "v1")


def _api_resource(group: str, plural: str, kind: str) -> dict[str, Any]:
    known = next((rt for rt in RESOURCE_TYPES if rt.plural == plural and rt.group == group), None)
    resource: dict[str, Any] = {
        "name": plural,
        "singularName": known.singular if known else kind.lower(),
        "namespaced": known.namespaced if known else plural not in CLUSTER_SCOPED,
        "kind": kind,
        "verbs": _VERBS,
    }
    if known and known.short_names:
        resource["shortNames"] = list(known.short_names)
    if plural in ALL_CATEGORY and group != "metrics.k8s.io":
        resource["categories"] = ["all"]
    return resource


def discovery(kinds: dict[tuple[str, str], str], path: str) -> dict[str, Any] | None:
    """The legacy discovery document at ``path`` for the served kinds, or None for any other path."""
    groups = sorted({group for group, _plural in kinds if group})
    if path == "/api":
        return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}
    if path == "/apis":
        versions = [
            {"groupVersion": f"{group}/{_version_of(group)}", "version": _version_of(group)} for group in groups
        ]
        listed = [{"name": g, "versions": [v], "preferredVersion": v} for g, v in zip(groups, versions, strict=True)]
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": listed}
    for group in ["", *groups]:
        group_version = f"{group}/{_version_of(group)}" if group else "v1"
        if path == ("/api/v1" if not group else f"/apis/{group_version}"):
            resources = [
                _api_resource(group, plural, kind) for (g, plural), kind in sorted(kinds.items()) if g == group
            ]
            resources += [
                {
                    "name": f"{resource['name']}/log",
                    "singularName": "",
                    "namespaced": True,
                    "kind": "Pod",
                    "verbs": ["get"],
                }
                for resource in resources
                if resource["name"] == "pods" and not group
            ]
            return {
                "kind": "APIResourceList",
                "apiVersion": "v1",
                "groupVersion": group_version,
                "resources": resources,
            }
    return None


def _first(query: dict[str, list[str]], key: str) -> str | None:
    values = query.get(key)
    return values[0] if values else None


@dataclass
class Running:
    """A started stand-in: its state, and the kubeconfig file with a reader and a writer context."""

    state: StandIn
    kubeconfig: Path


def write_kubeconfig(path: Path, server: str) -> Path:
    """A kubeconfig with contexts ``aoi-reader`` and ``aoi-writer`` on ``server``."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "standin", "cluster": {"server": server}}],
        "users": [{"name": identity, "user": {"token": token}} for token, identity in TOKENS.items()],
        "contexts": [
            {"name": f"aoi-{identity}", "context": {"cluster": "standin", "user": identity}}
            for identity in TOKENS.values()
        ],
        "current-context": "aoi-reader",
    }
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def write_adapter_config(path: Path, running: Running, *, request_timeout: float = 5) -> Path:
    """The adapter's settings file (``AOI_KUBERNETES_CONFIG``) for ``running``: its reader and writer contexts."""
    kubeconfig = str(running.kubeconfig)
    settings = {
        "reader": {"kubeconfig": kubeconfig, "context": "aoi-reader"},
        "writer": {"kubeconfig": kubeconfig, "context": "aoi-writer"},
        "request_timeout": request_timeout,
    }
    path.write_text(json.dumps(settings), encoding="utf-8")  # JSON is YAML
    return path


def serve(
    tmp_dir: Path,
    *,
    serve_metrics: bool = True,
    objects: dict[tuple[str, str], list[dict[str, Any]]] | None = None,
    kinds: dict[tuple[str, str], str] | None = None,
    authorize: bool = True,
    present: Callable[[Served], Any] | None = None,
) -> Iterator[Running]:
    """Start a stand-in in a thread; yield it with its kubeconfig; stop it (a pytest fixture body).

    By default it serves the fixture objects under the shipped RBAC policy; ``objects`` and ``kinds``
    serve others instead, ``authorize=False`` allows every request."""
    state = StandIn(
        objects=load_objects() if objects is None else objects,
        policy=load_policy() if authorize else None,
        serve_metrics=serve_metrics,
        present=present,
    )
    if kinds is not None:
        state.kinds = dict(kinds)
    server = _Server(state)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield Running(state=state, kubeconfig=write_kubeconfig(tmp_dir / "kubeconfig", state.url))
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
