"""How a container starts: which component it is, how long it takes, and the ``StartOutcome`` it gets.

The outcome is decided from the state at the moment of the start and kept for the run, so a fix takes
effect at the pod's next start, as on a real cluster. Go services (Hotel Reservation) dial their database
at start-up and die of a failure; C++ services (Social Network) only log start-up noise.
"""

from __future__ import annotations

from agents.sim.apps import APP, HOTEL_RESERVATION, MONGODB, SOCIAL_NETWORK, Component
from agents.sim.rules.chaos import active_chaos, chaos_end
from agents.sim.rules.databases import ClientFailure, mongo_client_failure
from agents.sim.rules.flags import enabled_flags_in_config
from agents.sim.rules.network import main_container
from agents.sim.rules.outcomes import LogLine, StartOutcome
from agents.sim.rules.scheduling import image_config
from agents.sim.state import ClusterState, PodRecord


def component_of(state: ClusterState, pod: PodRecord) -> Component | None:
    if pod.namespace != state.app.namespace or not state.app.has(pod.owner):
        return None
    return state.app.component(pod.owner)


def start_delay(state: ClusterState, pod: PodRecord) -> float:
    """Seconds from pull to start: servers come up after the databases and caches they need."""
    component = component_of(state, pod)
    if component is None or component.role != APP:
        return 0.0
    return 2.0 + state.rng("start-delay", pod.name).uniform(0.0, 2.0)


def start_outcome(state: ClusterState, pod: PodRecord, at: float) -> StartOutcome:
    """How the pod's container behaves when started at ``at``, given the state then."""
    if pod.template["spec"].get("restartPolicy") == "Never":
        return StartOutcome(ready=False, crash_after=60.0, exit_code=0, exit_reason="Completed")
    component = component_of(state, pod)
    if component is None:
        return StartOutcome()
    chaos = active_chaos(state, pod, at, kinds=("pod-failure",))
    if chaos is not None:
        remaining = chaos_end(chaos) - at
        return StartOutcome(
            ready=False,
            serving=False,
            crash_after=max(remaining, 1.0),
            restart_immediately=True,
            problem="pod-failure",
            exit_code=0,
        )
    if component.role == MONGODB:
        return _mongod_start(state, pod, component)
    if component.role != APP:
        if component.name == "flagd":
            return StartOutcome(flags=frozenset(enabled_flags_in_config(state) | state.hidden_flags))
        return StartOutcome()
    if state.app.name == HOTEL_RESERVATION:
        if state.noisy_restart == component.name and not pod.runs and pod.created_at < 0:
            return _early_restart(component)
        return _hotel_start(state, pod, component, at)
    if state.app.name == SOCIAL_NETWORK:
        return _social_start(state, pod, component)
    return StartOutcome(acting_as=component.name)


def _early_restart(component: Component) -> StartOutcome:
    """Noise seen in real runs: one early restart, before consul answered. Not a fault."""
    message = 'panic: Get "http://consul:8500/v1/agent/self": dial tcp 10.96.41.7:8500: connect: connection refused'
    return StartOutcome(
        ready=False,
        serving=False,
        crash_after=1.2,
        exit_code=2,
        acting_as=component.name,
        startup=(
            LogLine(0.0, "INF", "Reading config...", f"cmd/{component.name}/main.go:24"),
            LogLine(1.1, "PNC", message, f"cmd/{component.name}/main.go:71"),
        ),
    )


def _mongod_start(state: ClusterState, pod: PodRecord, component: Component) -> StartOutcome:
    args = main_container(pod).get("args", []) or []
    tls = "requireTLS" in args
    lines = [LogLine(0.2, "I", "MongoDB starting", "CONTROL"), LogLine(0.9, "I", "Waiting for connections", "NETWORK")]
    if tls:
        lines.insert(1, LogLine(0.5, "I", "TLS mode requireTLS: clients must connect with TLS", "NETWORK"))
    return StartOutcome(startup=tuple(lines), problem="requires-tls" if tls else None)


def _hotel_start(state: ClusterState, pod: PodRecord, component: Component, at: float) -> StartOutcome:
    """A Go service runs the binary its command names (maybe another's) and dials its database at once."""
    container = main_container(pod)
    command = container.get("command") or [component.binary or component.name]
    binary = str(command[0]).rsplit("/", 1)[-1]
    app = state.app
    if not app.has(binary) or app.component(binary).role != APP:
        return StartOutcome(
            ready=False,
            serving=False,
            crash_after=0.5,
            exit_code=128,
            exit_reason="StartError",
            problem="bad-command",
            detail=f'exec: "{binary}": executable file not found in $PATH',
        )
    acting = app.component(binary)
    config = image_config(container.get("image", ""))
    lines = [LogLine(0.0, "INF", "Reading config...", f"cmd/{binary}/main.go:24")]
    if acting.database:
        port = int(config.get("db_port", 27017))
        url = f"{acting.database}:{port}"
        lines += [
            LogLine(0.01, "INF", f"Read database URL: {url}", f"cmd/{binary}/main.go:37"),
            LogLine(0.02, "INF", "Initializing DB connection...", f"cmd/{binary}/main.go:38"),
        ]
        failure = mongo_client_failure(state, acting, port, at)
        if failure is not None:
            return _database_crash(binary, failure, lines)
        lines.append(LogLine(0.4, "INF", "New session successfull...", f"cmd/{binary}/db.go:35"))
    lines += _hotel_serving_lines(binary, acting.port)
    problem = "wrong-binary" if binary != component.name else None
    return StartOutcome(
        acting_as=binary,
        startup=tuple(lines),
        problem=problem,
        detail=f"registered in consul as {binary}" if problem else "",
    )


def _database_crash(binary: str, failure: ClientFailure, lines: list[LogLine]) -> StartOutcome:
    """The Go driver's panic (or, unauthorised, its error) ends the start: the container dies of it."""
    code, message, seconds = failure
    level = "PNC" if code != "db-unauthorized" else "ERR"
    startup = (*lines, LogLine(seconds, level, message, f"cmd/{binary}/db.go:29"))
    return StartOutcome(
        ready=False,
        serving=False,
        crash_after=seconds + 0.05,
        exit_code=2,
        acting_as=binary,
        problem=code,
        detail=message,
        startup=startup,
    )


def _hotel_serving_lines(binary: str, port: int) -> list[LogLine]:
    """What a Go service logs once its database (if any) answered: tracing, discovery, the server."""
    return [
        LogLine(0.45, "INF", f"Read target port: {port}", f"cmd/{binary}/main.go:50"),
        LogLine(0.46, "INF", "Read consul address: consul:8500", f"cmd/{binary}/main.go:51"),
        LogLine(0.47, "INF", "Read jaeger address: jaeger:6831", f"cmd/{binary}/main.go:52"),
        LogLine(
            0.5,
            "INF",
            f"Initializing jaeger agent [service name: {binary} | host: jaeger:6831]...",
            f"cmd/{binary}/main.go:61",
        ),
        LogLine(0.55, "INF", "Jaeger agent initialized", f"cmd/{binary}/main.go:67"),
        LogLine(0.6, "INF", "Initializing consul agent [host: consul:8500]...", f"cmd/{binary}/main.go:69"),
        LogLine(0.65, "INF", "Consul agent initialized", f"cmd/{binary}/main.go:74"),
        LogLine(0.7, "INF", f"Starting server at port {port}...", f"cmd/{binary}/main.go:88"),
    ]


def _social_start(state: ClusterState, pod: PodRecord, component: Component) -> StartOutcome:
    """C++ services connect lazily: start-up noise only; database trouble shows per request (``edge_status``)."""
    lines: list[LogLine] = []
    if component.database:
        # Real runs show this once at start-up, before the database answers: noise, not a fault.
        lines.append(
            LogLine(
                0.3,
                "error",
                "Error in createIndexes: No suitable servers found (`serverSelectionTryOnce` set): "
                f"[connection refused calling ismaster on '{component.database}:27017']",
            )
        )
    lines.append(LogLine(2.0, "info", f"Starting the {component.binary} server..."))
    return StartOutcome(acting_as=component.name, startup=tuple(lines))
