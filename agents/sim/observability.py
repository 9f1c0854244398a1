"""Logs, metrics and traces of the simulated cluster, derived from state at read time.

A container's log is its start-up lines (decided when it started, ``rules.StartOutcome``) followed by what
it logs while serving: request lines, and errors for each call edge that fails *now* (``rules.edge_status``).
Metrics are cAdvisor-style per-pod series (counters cumulative, as in Prometheus, a classic red herring)
plus, for the Astronomy Shop, per-service request series. Traces are sampled requests of the workload.
"""

from __future__ import annotations

import csv
import functools
import io
import random
from dataclasses import dataclass

from agents.environment import METRICS_COLUMNS, TRACES_COLUMNS
from agents.sim import engine, rules
from agents.sim.apps import HOTEL_RESERVATION, MONGODB, SOCIAL_NETWORK, AppSpec, Component
from agents.sim.state import ClusterState, ContainerRun, PodRecord

LOG_WINDOW = 600.0


def _stamp(state: ClusterState, seconds: float, style: str) -> str:
    moment = state.clock.at(seconds)
    if style == "go":
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    if style == "mongo":
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(seconds * 1000) % 1000:03d}+00:00"
    return moment.strftime("%Y-%b-%d %H:%M:%S.") + f"{int(seconds * 1_000_000) % 1_000_000:06d}"


def _format(
    state: ClusterState, component: Component | None, seconds: float, level: str, text: str, source: str
) -> str:
    if component is None:
        return f"{_stamp(state, seconds, 'go')} {level} {text}"
    if component.role == MONGODB:
        severity = {"I": "I", "W": "W", "E": "E"}.get(level, "I")
        return (
            f'{{"t":{{"$date":"{_stamp(state, seconds, "mongo")}"}},"s":"{severity}",  "c":"{source or "NETWORK"}",'
            f'  "id":{22943 if severity == "I" else 20436},"ctx":"conn{int(seconds) % 97 + 1}","msg":"{text}"}}'
        )
    if component.language == "go" and state.app.name == HOTEL_RESERVATION:
        return f"{_stamp(state, seconds, 'go')} {level} {source} > {text}"
    if component.language == "cpp":
        return f"[{_stamp(state, seconds, 'cpp')}] <{level}>: ({source or component.binary}) {text}"
    return f"{_stamp(state, seconds, 'go')} {level.upper()} [{component.name}] {text}"


def _request_lines(
    state: ClusterState, pod: PodRecord, run: ContainerRun, start: float, end: float
) -> list[tuple[float, str, str, str]]:
    """What a serving container logs between ``start`` and ``end``: errors of its failing calls, some traffic."""
    component = rules.component_of(state, pod)
    if component is None or not run.outcome.serving:
        return []
    lines: list[tuple[float, str, str, str]] = []
    oracle = rules.EdgeOracle(state)
    rng = state.rng("log", pod.name, int(start))
    level_error = {"cpp": "error", "go": "ERR"}.get(component.language, "error")
    level_info = {"cpp": "info", "go": "INF"}.get(component.language, "info")
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
    if component.database and state.app.name == SOCIAL_NETWORK:
        failure = rules.mongo_client_failure(state, component, 27017, end)
        if failure is not None:
            # The C++ services retry their database forever without dying: the log is the symptom.
            count = min(15, max(2, int((end - start) / 10)))
            for index in range(count):
                lines.append(
                    (
                        start + (end - start) * (index + 0.5) / count,
                        "error",
                        f"Failed to create mongodb index, try again: {failure[1]}",
                        component.binary or "",
                    )
                )
    if component.name == state.app.entry:
        lines += _entry_lines(state, oracle, component, start, end)
    if component.role == MONGODB:
        lines += _mongod_lines(state, component, start, end)
    if not lines and component.name in (state.app.entry, "search", "frontend"):
        for index in range(3):
            at = start + (end - start) * (index + 1) / 4
            lines.append((at, level_info, "Handled request successfully", _source(component)))
    return lines


def _entry_lines(
    state: ClusterState, oracle: rules.EdgeOracle, entry: Component, start: float, end: float
) -> list[tuple[float, str, str, str]]:
    """The front end answers 500 for requests whose call chain fails anywhere downstream."""
    lines: list[tuple[float, str, str, str]] = []
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


def _inbound_lines(
    inbound: rules.EdgeStatus, entry: Component, start: float, end: float
) -> list[tuple[float, str, str, str]]:
    """What the front end logs about its own requests when it is the slow or failing one."""
    if not inbound.extra_latency_ms and not inbound.error_rate:
        return []
    lines = []
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


def _mongod_lines(
    state: ClusterState, database: Component, start: float, end: float
) -> list[tuple[float, str, str, str]]:
    """A database logs its clients' failed logins and unauthorised commands."""
    lines: list[tuple[float, str, str, str]] = []
    for client in state.app.components:
        if client.database != database.name:
            continue
        for pod in state.pods_of(client.name):
            for run in pod.runs:
                if not (start <= run.started_at <= end):
                    continue
                at = run.started_at + 0.5
                if run.outcome.problem == "db-auth":
                    lines.append(
                        (
                            at,
                            "I",
                            'Authentication failed","attr":{"mechanism":"SCRAM-SHA-1","principalName":"admin",'
                            '"authenticationDatabase":"admin",'
                            '"error":"UserNotFound: Could not find user \\"admin\\" for db \\"admin\\""}',
                            "ACCESS",
                        )
                    )
                elif run.outcome.problem == "db-unauthorized":
                    lines.append(
                        (
                            at,
                            "I",
                            f'Checking authorization failed","attr":{{"error":{{"code":13,"codeName":"Unauthorized",'
                            f'"errmsg":"not authorized on {client.db_name} to execute command"}}}}',
                            "ACCESS",
                        )
                    )
    return lines


def pod_logs(
    state: ClusterState, pod: PodRecord, *, previous: bool = False, tail: int | None = None
) -> tuple[str, str]:
    """(stdout, stderr) of `kubectl logs` for the pod's container (or its previous instance)."""
    container = pod.template["spec"]["containers"][0]["name"]
    if pod.node is None or not pod.runs:
        reason = pod.waiting_reason or "ContainerCreating"
        return "", (
            f'Error from server (BadRequest): container "{container}" in pod "{pod.name}" is waiting to start: '
            f"{reason if reason != 'ImagePullBackOff' else 'trying and failing to pull image'}"
        )
    runs = pod.runs
    if previous:
        finished = [run for run in runs if run.finished_at is not None and run is not runs[-1]]
        if runs[-1].finished_at is not None and pod.waiting_reason:
            finished = [run for run in runs if run.finished_at is not None][:-1] or finished
        if not finished:
            return (
                "",
                f'Error from server (BadRequest): previous terminated container "{container}" '
                f'in pod "{pod.name}" not found',
            )
        run = finished[-1]
    else:
        run = runs[-1]
    lines = run_log_lines(state, pod, run)
    if tail is not None and tail >= 0:
        lines = lines[-tail:] if tail else []
    return ("\n".join(lines) + "\n") if lines else "", ""


def run_log_lines(state: ClusterState, pod: PodRecord, run: ContainerRun) -> list[str]:
    component = rules.component_of(state, pod)
    entries = [(run.started_at + line.offset, line.level, line.text, line.source) for line in run.outcome.startup]
    end = run.finished_at if run.finished_at is not None else state.clock.now
    serving_from = run.started_at + 3.0
    if end > serving_from:
        entries += _request_lines(state, pod, run, max(serving_from, end - LOG_WINDOW), end)
    entries.sort(key=lambda entry: entry[0])
    lines = [_format(state, component, at, level, text, source) for at, level, text, source in entries if at <= end]
    if (
        run.outcome.problem in ("db-unreachable", "db-tls", "db-auth")
        and run.finished_at is not None
        and component
        and component.language == "go"
    ):
        lines += [
            "",
            "goroutine 1 [running]:",
            f"main.main()\n\t/go/src/github.com/harlow/go-micro-services/cmd/{component.binary}/main.go:45 +0x8b4",
        ]
    return lines


# --- metrics --------------------------------------------------------------------------------------
METRIC_FILES = (
    "container_cpu_usage_seconds_total",
    "container_memory_working_set_bytes",
    "container_network_receive_bytes_total",
    "container_network_transmit_bytes_total",
)


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]

    def as_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.columns)
        writer.writerows(self.rows)
        return out.getvalue()


def pod_load(state: ClusterState, component: Component | None, at: float) -> tuple[float, float]:
    """(cpu cores, memory MiB) of a pod at ``at``: workload share, flags and faults shape them."""
    if component is None:
        return 0.01, 40.0
    share = sum(op.weight for op in state.app.operations if any(component.name in edge for edge in op.edges))
    cpu = 0.02 + 0.25 * share
    memory = float(component.memory_mib)
    flags = rules.live_flags(state) if state.app.name == "AstronomyShop" else frozenset()
    if component.name == "ad" and "adHighCpu" in flags:
        cpu += 0.9
    if component.name == "recommendation" and "recommendationCacheFailure" in flags:
        memory *= 1 + max(0.0, at + 600) / 400
    if component.name == "frontend" and "loadGeneratorFloodHomepage" in flags:
        cpu += 0.7
    if component.name == "kafka" and "kafkaQueueProblems" in flags:
        cpu += 0.4
    return cpu, memory


def metrics_tables(state: ClusterState, namespace: str, duration_minutes: int) -> dict[str, Table]:
    """One table per metric, sampled every 30 s over the window, for every pod of the namespace."""
    end = state.clock.now
    start = end - duration_minutes * 60
    steps = [start + 30 * index for index in range(int((end - start) // 30) + 1)]
    tables: dict[str, list[tuple[object, ...]]] = {name: [] for name in METRIC_FILES}
    request_rows: list[tuple[object, ...]] = []
    for pod in state.live_pods(namespace):
        component = rules.component_of(state, pod)
        rng = state.rng("metrics", pod.name)
        for at in steps:
            if at < pod.created_at or pod.node is None:
                continue
            alive = max(0.0, at - (pod.scheduled_at or pod.created_at))
            cpu, memory = pod_load(state, component, at)
            stamp = state.clock.at(at).strftime("%Y-%m-%d %H:%M:%S")
            noise = 1 + rng.uniform(-0.05, 0.05)
            tables["container_cpu_usage_seconds_total"].append(
                (
                    stamp,
                    pod.name,
                    "container_cpu_usage_seconds_total",
                    round(cpu * alive * noise + 60 * rng.random(), 3),
                )
            )
            ready = engine.container_ready(pod)
            tables["container_memory_working_set_bytes"].append(
                (stamp, pod.name, "container_memory_working_set_bytes", int(memory * 1048576 * noise) if ready else 0)
            )
            rate = 2000 * cpu
            tables["container_network_receive_bytes_total"].append(
                (stamp, pod.name, "container_network_receive_bytes_total", int(rate * alive * noise))
            )
            tables["container_network_transmit_bytes_total"].append(
                (stamp, pod.name, "container_network_transmit_bytes_total", int(rate * 1.3 * alive * noise))
            )
    if state.app.name == "AstronomyShop":
        request_rows = _service_request_rows(state, steps)
    result = {name: Table(METRICS_COLUMNS, tuple(rows)) for name, rows in tables.items()}
    if request_rows:
        result["service_request_metrics"] = Table(METRICS_COLUMNS, tuple(request_rows))
    return result


def _service_request_rows(state: ClusterState, steps: list[float]) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    app = state.app
    oracle = rules.EdgeOracle(state)
    for component in app.components:
        callers = [(caller.name, component.name) for caller in app.components if component.name in caller.calls]
        if not callers:
            continue
        rng = state.rng("svc-metrics", component.name)
        for at in steps:
            stamp = state.clock.at(at).strftime("%Y-%m-%d %H:%M:%S")
            statuses = [oracle.status(caller, callee, at) for caller, callee in callers]
            error_rate = max(status.error_rate for status in statuses)
            latency = 12 + max(status.extra_latency_ms for status in statuses) + rng.uniform(0, 6)
            rate = round(
                20
                * (1 + rng.uniform(-0.1, 0.1))
                * (
                    8 if component.name == "frontend" and "loadGeneratorFloodHomepage" in rules.live_flags(state) else 1
                ),
                2,
            )
            rows += [
                (stamp, component.name, "request_rate", rate),
                (stamp, component.name, "error_rate", round(error_rate, 3)),
                (stamp, component.name, "latency_p95_ms", round(latency, 1)),
            ]
    return rows


# --- traces ---------------------------------------------------------------------------------------
# An export keeps the most recent requests, as a Jaeger query with a limit does.
MAX_TRACES = 40


def traces_table(
    state: ClusterState, namespace: str, duration_minutes: int, *, requests_per_second: float = 2.0
) -> Table:
    """Sampled requests of the workload over the window; a failing edge marks its span and its ancestors."""
    app: AppSpec = state.app
    if namespace != app.namespace:
        return Table(TRACES_COLUMNS, ())
    end = state.clock.now
    start = end - duration_minutes * 60
    rng = state.rng("traces", int(end))
    total = int((end - start) * requests_per_second)
    sampled = (
        max(0, int(total * app.trace_sampling))
        if app.trace_sampling >= 1
        else sum(1 for _ in range(total) if rng.random() < app.trace_sampling)
    )
    sampled = min(sampled, MAX_TRACES)
    rows: list[tuple[object, ...]] = []
    oracle = rules.EdgeOracle(state)
    weights = [operation.weight for operation in app.operations]
    for index in range(sampled):
        operation = rng.choices(app.operations, weights=weights)[0]
        at = start + (end - start) * (index + rng.random()) / max(sampled, 1)
        trace_id = f"{rng.getrandbits(64):016x}"
        rows += _trace_rows(state, oracle, operation.edges, operation.http_route, trace_id, at, rng)
    return Table(TRACES_COLUMNS, tuple(rows))


@functools.lru_cache(maxsize=256)
def _operation_name(service: str) -> str:
    return f"/{service}.{service.title().replace('-', '')}Service/Call"


def _trace_rows(
    state: ClusterState,
    oracle: rules.EdgeOracle,
    edges: tuple[tuple[str, str], ...],
    route: str,
    trace_id: str,
    at: float,
    rng: random.Random,
) -> list[tuple[object, ...]]:
    root = f"{rng.getrandbits(64):016x}"
    span_of: dict[str, str] = {}
    rows: list[list[object]] = []
    entry = edges[0][0]
    span_of[entry] = root
    rows.append([trace_id, root, "", entry, route, int(at * 1_000_000), 0, False, "200"])
    failed = False
    latency_total = 0.0
    for caller, callee in edges:
        status = oracle.status(caller, callee, at)
        latency = rng.uniform(0.4, 3.0) + status.extra_latency_ms
        error = (not status.ok) and rng.random() < max(status.error_rate, 0.0)
        failed = failed or error
        latency_total += latency
        span = f"{rng.getrandbits(64):016x}"
        span_of[callee] = span
        response = (
            "Unavailable"
            if error and status.kind in ("connect", "unregistered", "timeout")
            else ("Error" if error else "OK")
        )
        rows.append(
            [
                trace_id,
                span,
                span_of.get(caller, root),
                callee,
                _operation_name(callee),
                int((at + latency_total / 1000) * 1_000_000),
                int(latency * 1000),
                error,
                response,
            ]
        )
    if oracle.has_load_generator:
        # Flags that slow the front end itself (slow images, a flood) show on the root span.
        latency_total += oracle.status("load-generator", entry, at).extra_latency_ms
    rows[0][6] = int((latency_total + rng.uniform(1, 4)) * 1000)
    if failed:
        rows[0][7], rows[0][8] = True, "500"
    return [tuple(row) for row in rows]
