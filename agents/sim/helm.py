"""Helm releases of the simulated cluster: values, history, upgrade and rollback rendered into Deployments.

Only what the charts of the applications expose is rendered from values: each MongoDB's TLS mode and
each Deployment's replica count. An upgrade records a revision and re-renders those fields.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping

from agents.sim import engine
from agents.sim.state import JSON, ClusterState, HelmRelease, HelmRevision

TLS_ARGS = ["--tlsMode", "requireTLS", "--tlsCertificateKeyFile", "/etc/tls/tls.pem"]


def set_mongod_tls(state: ClusterState, database: str, *, enabled: bool) -> None:
    """Write the mongod TLS flags into the database's pod template (what the chart renders)."""
    deployment = state.deployment(database)
    if deployment is None:
        return
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    args = [arg for arg in (container.get("args") or []) if arg not in TLS_ARGS]
    if enabled:
        args += TLS_ARGS
    if args:
        container["args"] = args
    else:
        container.pop("args", None)


def _assign(values: JSON, dotted: str, raw: str) -> None:
    keys = dotted.split(".")
    node = values
    for key in keys[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node = child
    lowered = raw.lower()
    value: object = raw
    if lowered in ("true", "false"):
        value = lowered == "true"
    elif raw.isdigit():
        value = int(raw)
    node[keys[-1]] = value


def release(state: ClusterState, name: str | None = None) -> HelmRelease | None:
    for (namespace, release_name), found in state.helm.items():
        if namespace == state.app.namespace and (name is None or release_name == name):
            return found
    return None


def upgrade(
    state: ClusterState,
    settings: Mapping[str, str],
    *,
    reuse_values: bool = True,
    description: str = "Upgrade complete",
    name: str | None = None,
) -> HelmRevision:
    """`helm upgrade --set ...`: a new revision whose values are rendered into the Deployments."""
    found = release(state, name)
    if found is None:
        raise LookupError(name or "")
    values = copy.deepcopy(found.current.values) if reuse_values else {}
    for key, raw in settings.items():
        _assign(values, key, raw)
    return _deploy(state, found, values, description)


def rollback(state: ClusterState, found: HelmRelease, revision: int) -> HelmRevision:
    target = next((entry for entry in found.revisions if entry.revision == revision), None)
    if target is None:
        raise LookupError(str(revision))
    return _deploy(state, found, copy.deepcopy(target.values), f"Rollback to {revision}")


def _deploy(state: ClusterState, found: HelmRelease, values: JSON, description: str) -> HelmRevision:
    for entry in found.revisions:
        if entry.status == "deployed":
            entry.status = "superseded"
    revision = HelmRevision(found.current.revision + 1, values, state.clock.now, "deployed", description)
    found.revisions.append(revision)
    _render(state, values)
    engine.reconcile(state)
    engine.retry_pending(state)
    return revision


def _render(state: ClusterState, values: JSON) -> None:
    for component in state.app.components:
        settings = values.get(component.name)
        if not isinstance(settings, dict):
            continue
        deployment = state.deployment(component.name)
        if deployment is None:
            continue
        tls = settings.get("tls")
        if isinstance(tls, dict) and "enabled" in tls:
            set_mongod_tls(state, component.name, enabled=bool(tls["enabled"]))
        if "replicas" in settings and isinstance(settings["replicas"], int):
            deployment["spec"]["replicas"] = settings["replicas"]
