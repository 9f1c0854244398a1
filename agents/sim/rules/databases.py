"""Why a client cannot use its MongoDB: unreachable, TLS it cannot speak, no user, or a user without a role.

A Go service (Hotel Reservation) meets this once, at start-up, and dies of it; a C++ service (Social
Network) connects lazily and meets it per request. Both ask ``mongo_client_failure``; nothing is keyed by
fault: a client whose database user lacks a role fails whatever the database is called.
"""

from __future__ import annotations

from agents.sim.apps import SOCIAL_NETWORK, Component
from agents.sim.rules.network import service_reachable
from agents.sim.state import ClusterState

# (problem code, the driver's message, seconds until the client gives up)
ClientFailure = tuple[str, str, float]


def mongo_client_failure(
    state: ClusterState, client: Component, port: int, at: float, *, tls_capable: bool = False
) -> ClientFailure | None:
    """Why ``client`` cannot use its database right now: (problem code, the driver's message, seconds)."""
    db = client.database
    if db is None:
        return None
    reachable, why = service_reachable(state, db, port)
    if not reachable:
        if state.app.name == SOCIAL_NETWORK:
            return "db-unreachable", f"No suitable servers found: {why}", 30.0
        return "db-unreachable", "panic: no reachable servers", 11.0
    server_args = _deployment_args(state, db)
    if "requireTLS" in server_args and not tls_capable:
        if state.app.name == SOCIAL_NETWORK:
            return (
                "db-tls",
                f"No suitable servers found: serverSelectionTimeoutMS expired: [connection closed calling "
                f"ismaster on '{db}:27017']",
                30.0,
            )
        return "db-tls", "panic: no reachable servers", 11.0
    if "--auth" not in server_args:
        return None
    return _auth_failure(state, client, db)


def _auth_failure(state: ClusterState, client: Component, db: str) -> ClientFailure | None:
    """With ``--auth`` on: the client logs in as admin and needs a role that lets it write its database."""
    server = state.mongo.get(db)
    user = server.users.get("admin") if server else None
    if user is None:
        return "db-auth", "panic: server returned error on SASL authentication step: Authentication failed.", 0.6
    database = client.db_name or ""
    granted = {(role, name) for role, name in user.roles}
    if not (
        {("readWrite", database), ("dbOwner", database), ("root", "admin"), ("readWriteAnyDatabase", "admin")} & granted
    ):
        collection = client.name
        return (
            "db-unauthorized",
            f'not authorized on {database} to execute command {{ count: "{collection}", query: '
            f'{{ hotelId: "1" }}, $db: "{database}" }}',
            0.8,
        )
    return None


def _deployment_args(state: ClusterState, name: str) -> list[str]:
    deployment = state.deployment(name)
    if deployment is None:
        return []
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    return [str(arg) for arg in (container.get("args") or []) + (container.get("command") or [])]
