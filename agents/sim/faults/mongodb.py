"""MongoDB faults: the clients' database user loses its role or is dropped, or the database starts
requiring TLS while its clients still connect in plain text.

The users live in the simulated MongoDB servers (``state.mongo``); the expert's fix goes through the
mongo shell in the database's pod, or through Helm / a patch for TLS, then restarts the clients.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from agents.sim import helm
from agents.sim.apps import HOTEL_RESERVATION, MONGODB, AppSpec
from agents.sim.faults.base import (
    ALL_TASKS,
    Fault,
    bump,
    changed,
    clients,
    container,
    needs_component,
    restart_pods,
)
from agents.sim.faults.health import all_containers_ready, app_healthy
from agents.sim.state import ClusterState, MongoUser

_needs_database = needs_component((MONGODB,), "a MongoDB database")


# --- target checks --------------------------------------------------------------------------------
def _database_client_check(app: AppSpec, target: str | None, params: Mapping[str, Any]) -> str | None:
    reason = _needs_database(app, target, params)
    if reason:
        return reason
    if not any(component.database == target for component in app.components):
        return f"no service of {app.name} uses {target!r}"
    if app.name != HOTEL_RESERVATION:
        return "the database's clients must authenticate with a user at start-up (Hotel Reservation's Go services do)"
    return None


def _tls_check(app: AppSpec, target: str | None, params: Mapping[str, Any]) -> str | None:
    reason = _needs_database(app, target, params)
    if reason:
        return reason
    if not clients(app, target or ""):
        return f"no service of {app.name} uses {target!r}"
    return None


def _db_alternates(app: AppSpec, target: str | None) -> tuple[str, ...]:
    return tuple(clients(app, target or ""))


# --- users and roles ------------------------------------------------------------------------------
def _ensure_auth(state: ClusterState, database: str) -> None:
    """Turn on ``--auth`` with the admin user the clients log in as (a database that had none)."""
    deployment = state.deployment(database)
    assert deployment is not None
    first = container(deployment)
    args = list(first.get("args") or [])
    if "--auth" not in args:
        first["args"] = [*args, "--auth"]
        bump(deployment)
    server = state.mongo[database]
    if "admin" not in server.users:
        roles = [("readWrite", state.app.component(client).db_name or "") for client in clients(state.app, database)]
        server.users["admin"] = MongoUser("admin", "admin", [("userAdminAnyDatabase", "admin"), *roles])
    changed(state)


def _revoke_inject(state: ClusterState, target: str | None, params: Mapping[str, Any]) -> None:
    database = target or ""
    _ensure_auth(state, database)
    user = state.mongo[database].users["admin"]
    dbs = {state.app.component(client).db_name for client in clients(state.app, database)}
    user.roles = [(role, db) for role, db in user.roles if not (role == "readWrite" and db in dbs)]
    for client in clients(state.app, database):
        restart_pods(state, client)


def _unregister_inject(state: ClusterState, target: str | None, params: Mapping[str, Any]) -> None:
    database = target or ""
    _ensure_auth(state, database)
    state.mongo[database].users.pop("admin", None)
    for client in clients(state.app, database):
        restart_pods(state, client)


def _roles_restored(state: ClusterState, target: str | None) -> bool:
    user = state.mongo[target or ""].users.get("admin")
    if user is None:
        return False
    granted = set(user.roles)
    return all(
        ("readWrite", state.app.component(client).db_name) in granted for client in clients(state.app, target or "")
    )


def _mongo_fix(app: AppSpec, target: str | None, *, recreate: bool) -> list[str]:
    database = target or ""
    client = clients(app, database)[0]
    db_name = app.component(client).db_name
    role = f"[{{role: 'readWrite', db: '{db_name}'}}]"
    if recreate:
        script = (
            f"db.createUser({{user: 'admin', pwd: 'admin', roles: [{{role: 'userAdminAnyDatabase', db: 'admin'}}, "
            f"{{role: 'readWrite', db: '{db_name}'}}]}})"
        )
    else:
        script = f"db.grantRolesToUser('admin', {role})"
    namespace = app.namespace
    return [
        f"kubectl exec deployment/{database} -n {namespace} -- mongo admin -u root -p root "
        f'--authenticationDatabase admin --eval "{script}"',
        f"kubectl rollout restart deployment/{client} -n {namespace}",
        f"kubectl rollout status deployment/{client} -n {namespace} --timeout=120s",
    ]


def _mongo_wrong_fix(app: AppSpec, target: str | None, params: Mapping[str, Any]) -> list[str]:
    client = clients(app, target or "")[0]
    return [
        f"kubectl rollout restart deployment/{client} -n {app.namespace}",
        f"kubectl rollout status deployment/{client} -n {app.namespace} --timeout=60s",
    ]


REVOKE_AUTH = Fault(
    "revoke_auth_mongodb",
    "the readWrite role of the clients' database user is revoked",
    ALL_TASKS,
    "Application",
    "Authentication Issue",
    inject=_revoke_inject,
    target_check=_database_client_check,
    fix_commands=lambda app, target, params: _mongo_fix(app, target, recreate=False),
    wrong_fix_commands=_mongo_wrong_fix,
    lenient=lambda state, target: all_containers_ready(state),
    strict=lambda state, target: _roles_restored(state, target) and app_healthy(state),
    alternates=_db_alternates,
)

USER_UNREGISTERED = Fault(
    "user_unregistered_mongodb",
    "the clients' database user is dropped",
    ALL_TASKS,
    "Application",
    "Network/Storage Issue",
    inject=_unregister_inject,
    target_check=_database_client_check,
    fix_commands=lambda app, target, params: _mongo_fix(app, target, recreate=True),
    wrong_fix_commands=_mongo_wrong_fix,
    lenient=lambda state, target: all_containers_ready(state),
    strict=lambda state, target: _roles_restored(state, target) and app_healthy(state),
    alternates=_db_alternates,
)


# --- TLS required ---------------------------------------------------------------------------------
def _tls_inject(state: ClusterState, target: str | None, params: Mapping[str, Any]) -> None:
    database = target or ""
    if state.leaks and state.app.helm_release:
        helm.upgrade(state, {f"{database}.tls.enabled": "true"}, description="Upgrade complete")
    else:
        helm.set_mongod_tls(state, database, enabled=True)
        changed(state)
    for client in clients(state.app, database):
        restart_pods(state, client)


def _tls_disabled(state: ClusterState, target: str | None) -> bool:
    deployment = state.deployment(target or "")
    return deployment is not None and "requireTLS" not in json.dumps(container(deployment))


def _tls_fix(app: AppSpec, target: str | None, params: Mapping[str, Any]) -> list[str]:
    database = target or ""
    client = clients(app, database)[0]
    namespace = app.namespace
    first = (
        f"helm upgrade {app.helm_release} ./{(app.helm_chart or '').rsplit('-', 1)[0]} -n {namespace} --reuse-values "
        f"--set {database}.tls.enabled=false"
        if app.helm_release
        else f'kubectl patch deployment {database} -n {namespace} --type=json -p=\'[{{"op": "remove", '
        f'"path": "/spec/template/spec/containers/0/args"}}]\''
    )
    return [
        first,
        f"kubectl rollout restart deployment/{client} -n {namespace}",
        f"kubectl rollout status deployment/{client} -n {namespace} --timeout=120s",
    ]


AUTH_MISS = Fault(
    "auth_miss_mongodb",
    "the database requires TLS while its clients still connect in plain text",
    ALL_TASKS,
    "Application",
    "Misconfiguration",
    inject=_tls_inject,
    target_check=_tls_check,
    fix_commands=_tls_fix,
    wrong_fix_commands=_mongo_wrong_fix,
    lenient=lambda state, target: all_containers_ready(state),
    strict=lambda state, target: _tls_disabled(state, target) and app_healthy(state),
)
