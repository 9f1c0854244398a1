"""What a serving container logs between two moments: errors of its failing calls, and some traffic.

The lines follow the rules' verdict for each call edge *now* (``rules.edge_status``): a caller logs the
callee it cannot reach, the front end answers 500 for a chain that fails downstream, a C++ service retries
its database, and a MongoDB logs its clients' failed logins. Entries are (seconds, level, text, source).
"""

from __future__ import annotations

from agents.sim import rules
from agents.sim.apps import HOTEL_RESERVATION, MONGODB, SOCIAL_NETWORK, Component
from agents.sim.state import ClusterState, ContainerRun, PodRecord

LogEntry = tuple[float, str, str, str]


def request_lines(state: ClusterState, pod: PodRecord, run: ContainerRun, start: float, end: float) -> list[LogEntry]:
    """What a serving container logs between ``start`` and ``end``: errors of its failing calls, some traffic."""
    component = rules.component_of(state, pod)
    if component is None or not run.outcome.serving:
        return []
    oracle = rules.EdgeOracle(state)
    lines = _failing_call_lines(state, oracle, pod, component, start, end)
    if component.database and state.app.name == SOCIAL_NETWORK:
        lines += _database_retry_lines(state, component, start, end)
    if component.name == state.app.entry:
        lines += _entry_lines(state, oracle, component, start, end)
    if component.role == MONGODB:
        lines += _mongod_lines(state, component, start, end)
    if not lines and component.name in (state.app.entry, "search", "frontend"):
        level_info = {"cpp": "info", "go": "INF"}.get(component.language, "info")
        for index in range(3):
            at = start + (end - start) * (index + 1) / 4
            lines.append((at, level_info, "Handled request successfully", _source(component)))
    return lines


def _failing_call_lines(
    state: ClusterState, oracle: rules.EdgeOracle, pod: PodRecord, component: Component, start: float, end: float
) -> list[LogEntry]:
    """The caller's errors (or slow-call warnings) for each of its call edges that is failing now."""
    lines: list[LogEntry] = []
    rng = state.rng("log", pod.name, int(start))
    level_error = {"cpp": "error", "go": "ERR"}.get(component.language, "error")
    for callee in component.calls:
        status = oracle.status(component.name, callee, end)
        if status.ok and status.extra_latency_ms == 0:
            continue
        message = _caller_error(state, component, callee, status)
        if not message:
            continue
        count = min(12, max(1, int((end - start) / 8)))
        for index in range(count):
            at = start + (end - start) * (index + rng.random()) / count
            lines.append(
                (at, level_error if not status.ok or status.error_rate else "WRN", message, _source(component))
            )
    return lines


def _database_retry_lines(state: ClusterState, component: Component, start: float, end: float) -> list[LogEntry]:
    """The C++ services retry their database forever without dying: the log is the symptom."""
    failure = rules.mongo_client_failure(state, component, 27017, end)
    if failure is None:
        return []
    count = min(15, max(2, int((end - start) / 10)))
    return [
        (
            start + (end - start) * (index + 0.5) / count,
            "error",
            f"Failed to create mongodb index, try again: {failure[1]}",
            component.binary or "",
        )
        for index in range(count)
    ]


def _entry_lines(
    state: ClusterState, oracle: rules.EdgeOracle, entry: Component, start: float, end: float
) -> list[LogEntry]:
    """The front end answers 500 for requests whose call chain fails anywhere downstream."""
    lines: list[LogEntry] = []
    for operation in state.app.operations:
        failing = [
            callee
            for caller, callee in operation.edges
            if caller != entry.name and not oracle.status(caller, callee, end).ok
        ]
        if not failing:
            continue
        count = max(1, int(operation.weight * (end - start) / 20))
        for index in range(min(count, 8)):
            at = start + (end - start) * (index + 0.5) / min(count, 8)
            lines.append(
                (
                    at,
                    "error",
                    f"{operation.http_route} 500 Internal Server Error (upstream {failing[0]} failed)",
                    entry.binary or entry.name,
                )
            )
    if oracle.has_load_generator:
        lines += _inbound_lines(oracle.status("load-generator", entry.name, end), entry, start, end)
    return lines


def _inbound_lines(inbound: rules.EdgeStatus, entry: Component, start: float, end: float) -> list[LogEntry]:
    """What the front end logs about its own requests when it is the slow or failing one."""
    if not inbound.extra_latency_ms and not inbound.error_rate:
        return []
    lines: list[LogEntry] = []
    for index in range(8):
        at = start + (end - start) * (index + 0.5) / 8
        if inbound.error_rate and index % 2:
            lines.append((at, "error", f"GET / 503 {inbound.error}", entry.name))
        else:
            seconds = (inbound.extra_latency_ms + 40) / 1000
            lines.append((at, "warn", f"GET /api/products 200 completed in {seconds:.2f}s", entry.name))
    return lines


def _source(component: Component) -> str:
    if component.language == "go":
        return f"cmd/{component.binary}/server.go:112"
    return component.binary or component.name


def _caller_error(state: ClusterState, caller: Component, callee: str, status: rules.EdgeStatus) -> str:
    if status.extra_latency_ms and status.ok:
        return f"slow response from {callee}: {status.extra_latency_ms / 1000:.1f}s"
    if state.app.name == SOCIAL_NETWORK:
        if status.kind == "connect":
            return f"Failed to connect {callee}-client"
        return f"Exception from {callee}: {status.error}"
    if state.app.name == HOTEL_RESERVATION:
        return f"rpc error calling {callee}: {status.error}"
    return f"error calling {callee}: {status.error}"


def _mongod_lines(state: ClusterState, database: Component, start: float, end: float) -> list[LogEntry]:
    """A database logs its clients' failed logins and unauthorised commands."""
    lines: list[LogEntry] = []
    for client in state.app.components:
        if client.database != database.name:
            continue
        for pod in state.pods_of(client.name):
            for run in pod.runs:
                if not (start <= run.started_at <= end):
                    continue
                line = _mongod_access_line(client, run)
                if line is not None:
                    lines.append(line)
    return lines


def _mongod_access_line(client: Component, run: ContainerRun) -> LogEntry | None:
    """The ACCESS line a MongoDB logs half a second into a client run that failed to log in or was refused."""
    at = run.started_at + 0.5
    if run.outcome.problem == "db-auth":
        return (
            at,
            "I",
            'Authentication failed","attr":{"mechanism":"SCRAM-SHA-1","principalName":"admin",'
            '"authenticationDatabase":"admin",'
            '"error":"UserNotFound: Could not find user \\"admin\\" for db \\"admin\\""}',
            "ACCESS",
        )
    if run.outcome.problem == "db-unauthorized":
        return (
            at,
            "I",
            f'Checking authorization failed","attr":{{"error":{{"code":13,"codeName":"Unauthorized",'
            f'"errmsg":"not authorized on {client.db_name} to execute command"}}}}',
            "ACCESS",
        )
    return None
