"""The rules that turn state into behaviour: scheduling, how a container starts, how a request fares.

Every symptom an agent can see comes from here. Nothing is keyed by fault: a Service whose targetPort
misses the container port refuses connections whoever it belongs to; a client whose database user lacks
a role dies at start-up whatever the database is called.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from agents.sim.apps import APP, HOTEL_RESERVATION, MONGODB, SOCIAL_NETWORK, Component
from agents.sim.state import EPOCH, ClusterState, PodRecord

# Images the registry knows, beyond each component's own; the value overrides the built-in config.
IMAGE_VARIANTS: dict[str, dict[str, Any]] = {
    # AIOpsLab's misconfigured build of geo: its baked-in config points at the wrong database port.
    "yinfangchen/geo:app3": {"db_port": 27777},
    "yinfangchen/hotelreservation:v1": {},
    "deathstarbench/hotel-reservation:latest": {},
    "mongo:5.0": {},
    "mongo:4.4.6": {},
    "busybox:1.36": {},
    "nginx:1.27": {},
}
SCHEDULING_TAIL = "preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling."


@dataclass(frozen=True)
class LogLine:
    offset: float
    level: str
    text: str
    source: str = ""


@dataclass(frozen=True)
class StartOutcome:
    """What a container does when it starts: serve, serve badly, or die after ``crash_after`` seconds."""

    ready: bool = True
    serving: bool = True
    crash_after: float | None = None
    exit_code: int = 0
    exit_reason: str = "Error"
    restart_immediately: bool = False
    acting_as: str | None = None
    problem: str | None = None
    detail: str = ""
    startup: tuple[LogLine, ...] = ()
    flags: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class EdgeStatus:
    """How calls from one service to another fare right now."""

    ok: bool
    error_rate: float = 0.0
    extra_latency_ms: float = 0.0
    error: str = ""
    kind: str = ""


OK_EDGE = EdgeStatus(ok=True)


# --- scheduling -----------------------------------------------------------------------------------
def schedule(state: ClusterState, pod: PodRecord) -> tuple[str | None, str | None]:
    """A node for the pod, or the scheduler's FailedScheduling message."""
    spec = pod.template["spec"]
    for volume in spec.get("volumes", []):
        claim_name = volume.get("persistentVolumeClaim", {}).get("claimName")
        if claim_name is None:
            continue
        claim = state.get("persistentvolumeclaims", pod.namespace, claim_name)
        if claim is None:
            return None, f'persistentvolumeclaim "{claim_name}" not found. {SCHEDULING_TAIL}'
        if claim.get("status", {}).get("phase") != "Bound":
            return None, f"0/4 nodes are available: pod has unbound immediate PersistentVolumeClaims. {SCHEDULING_TAIL}"
    selector = spec.get("nodeSelector") or {}
    candidates = []
    for node in state.find("nodes"):
        labels = node["metadata"].get("labels", {})
        if any(labels.get(key) != value for key, value in selector.items()):
            continue
        if node["spec"].get("taints"):
            continue
        candidates.append(node["metadata"]["name"])
    if not candidates:
        return None, (
            "0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
            f"3 node(s) didn't match Pod's node affinity/selector. {SCHEDULING_TAIL}"
        )
    return state.rng("node", pod.name).choice(candidates), None


MISCONFIGURED_BUILD = re.compile(r"^yinfangchen/(?P<service>[a-z]+):app3$")


def image_config(image: str) -> dict[str, Any]:
    """Config baked into an image: the misconfigured builds point their clients at port 27777."""
    if MISCONFIGURED_BUILD.match(image):
        return {"db_port": 27777}
    return IMAGE_VARIANTS.get(image, {})


def image_known(state: ClusterState, image: str) -> bool:
    if image in IMAGE_VARIANTS or MISCONFIGURED_BUILD.match(image):
        return True
    known = {component.image for component in state.app.components}
    for deployment in state.find("deployments"):
        if deployment["metadata"]["namespace"] != state.app.namespace:
            known.update(c["image"] for c in deployment["spec"]["template"]["spec"]["containers"])
    for job in state.find("jobs"):
        known.update(c["image"] for c in job["spec"]["template"]["spec"]["containers"])
    return image in known


def start_delay(state: ClusterState, pod: PodRecord) -> float:
    """Seconds from pull to start: servers come up after the databases and caches they need."""
    component = component_of(state, pod)
    if component is None or component.role != APP:
        return 0.0
    return 2.0 + state.rng("start-delay", pod.name).uniform(0.0, 2.0)


# --- start-up -------------------------------------------------------------------------------------
def component_of(state: ClusterState, pod: PodRecord) -> Component | None:
    if pod.namespace != state.app.namespace or not state.app.has(pod.owner):
        return None
    return state.app.component(pod.owner)


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
        if state.fault_notes.get("early-restart") == component.name and not pod.runs and pod.created_at < 0:
            # Noise seen in real runs: one early restart, before consul answered. Not a fault.
            message = (
                'panic: Get "http://consul:8500/v1/agent/self": dial tcp 10.96.41.7:8500: connect: connection refused'
            )
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
        return _hotel_start(state, pod, component, at)
    if state.app.name == SOCIAL_NETWORK:
        return _social_start(state, pod, component)
    return StartOutcome(acting_as=component.name)


def _container(pod: PodRecord) -> dict[str, Any]:
    container: dict[str, Any] = pod.template["spec"]["containers"][0]
    return container


def _mongod_start(state: ClusterState, pod: PodRecord, component: Component) -> StartOutcome:
    args = _container(pod).get("args", []) or []
    tls = "requireTLS" in args
    lines = [LogLine(0.2, "I", "MongoDB starting", "CONTROL"), LogLine(0.9, "I", "Waiting for connections", "NETWORK")]
    if tls:
        lines.insert(1, LogLine(0.5, "I", "TLS mode requireTLS: clients must connect with TLS", "NETWORK"))
    return StartOutcome(startup=tuple(lines), problem="requires-tls" if tls else None)


def _hotel_start(state: ClusterState, pod: PodRecord, component: Component, at: float) -> StartOutcome:
    container = _container(pod)
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
            code, message, seconds = failure
            lines.append(
                LogLine(seconds, "PNC" if code != "db-unauthorized" else "ERR", message, f"cmd/{binary}/db.go:29")
            )
            return StartOutcome(
                ready=False,
                serving=False,
                crash_after=seconds + 0.05,
                exit_code=2,
                acting_as=binary,
                problem=code,
                detail=message,
                startup=tuple(lines),
            )
        lines.append(LogLine(0.4, "INF", "New session successfull...", f"cmd/{binary}/db.go:35"))
    lines += [
        LogLine(0.45, "INF", f"Read target port: {acting.port}", f"cmd/{binary}/main.go:50"),
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
        LogLine(0.7, "INF", f"Starting server at port {acting.port}...", f"cmd/{binary}/main.go:88"),
    ]
    problem = "wrong-binary" if binary != component.name else None
    return StartOutcome(
        acting_as=binary,
        startup=tuple(lines),
        problem=problem,
        detail=f"registered in consul as {binary}" if problem else "",
    )


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


def mongo_client_failure(
    state: ClusterState, client: Component, port: int, at: float, *, tls_capable: bool = False
) -> tuple[str, str, float] | None:
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


# --- services and requests ------------------------------------------------------------------------
def service_reachable(state: ClusterState, name: str, port: int) -> tuple[bool, str]:
    """Whether a connection to ``name:port`` reaches a listening, ready container."""
    service = state.service(name)
    if service is None:
        return False, f"dial tcp: lookup {name}: no such host"
    ports = service["spec"].get("ports", [])
    match = next((entry for entry in ports if int(entry.get("port", 0)) == port), None)
    if match is None:
        return False, f"dial tcp {service['spec'].get('clusterIP')}:{port}: connect: connection refused"
    endpoints = ready_backends(state, service)
    if not endpoints:
        return False, f"dial tcp {service['spec'].get('clusterIP')}:{port}: connect: connection refused"
    target = match.get("targetPort", port)
    for pod in endpoints:
        container_ports = {int(p.get("containerPort", 0)) for p in _container(pod).get("ports", [])}
        if _resolve_target(target, _container(pod)) in container_ports:
            return True, ""
    return False, f"dial tcp {endpoints[0].ip}:{target}: connect: connection refused"


def _resolve_target(target: object, container: dict[str, Any]) -> int:
    if isinstance(target, int):
        return target
    text = str(target)
    if text.isdigit():
        return int(text)
    for entry in container.get("ports", []):
        if entry.get("name") == text:
            return int(entry.get("containerPort", 0))
    return -1


def ready_backends(state: ClusterState, service: dict[str, Any]) -> list[PodRecord]:
    from agents.sim.engine import container_ready

    selector = service["spec"].get("selector") or {}
    if not selector:
        return []
    namespace = service["metadata"]["namespace"]
    found = [
        pod
        for pod in state.pods.values()
        if pod.deleted_at is None
        and pod.namespace == namespace
        and all(pod.labels.get(key) == value for key, value in selector.items())
        and container_ready(pod)
    ]
    return sorted(found, key=lambda pod: pod.name)


class EdgeOracle:
    """``edge_status`` memoised for one read of an unchanging state (a trace export, a log, a metrics export).

    Within one read only time varies, and time matters only through the chaos experiments active then, so
    the memo is keyed by the call edge and the set of experiments running at that moment: exact, and cheap.
    """

    def __init__(self, state: ClusterState) -> None:
        self.state = state
        chaos = [*state.find("podchaos"), *state.find("networkchaos"), *state.hidden_objects]
        self.windows = [
            (chaos_start(item), chaos_end(item), item["metadata"]["name"]) for item in chaos if "spec" in item
        ]
        self.memo: dict[tuple[str, str, tuple[str, ...]], EdgeStatus] = {}
        self.has_load_generator = state.app.has("load-generator")

    def status(self, caller: str, callee: str, at: float) -> EdgeStatus:
        active = tuple(name for start, end, name in self.windows if start <= at < end)
        key = (caller, callee, active)
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = edge_status(self.state, caller, callee, at)
        return found


def edge_status(state: ClusterState, caller: str, callee: str, at: float) -> EdgeStatus:
    """How calls from ``caller`` to ``callee`` fare at ``at``: the rules that callers' logs and traces use."""
    app = state.app
    if not app.has(callee):
        return OK_EDGE
    component = app.component(callee)
    reachable, why = service_reachable(state, callee, component.port)
    if not reachable:
        return EdgeStatus(ok=False, error_rate=1.0, error=why, kind="connect")
    backends = ready_backends(state, state.service(callee) or {"spec": {}, "metadata": {"namespace": app.namespace}})
    runs = [pod.current_run for pod in backends if pod.current_run is not None]
    registered = any(run.outcome.acting_as == callee for run in runs)
    if app.name == HOTEL_RESERVATION and component.role == APP and runs and not registered:
        return EdgeStatus(
            ok=False,
            error_rate=1.0,
            kind="unregistered",
            error=f"rpc error: code = Unavailable desc = could not find service {callee} in consul",
        )
    if app.name == SOCIAL_NETWORK and component.database:
        failure = mongo_client_failure(state, component, 27017, at)
        if failure is not None:
            return EdgeStatus(ok=False, error_rate=1.0, kind="backend", error=failure[1])
    if runs and not any(run.outcome.serving for run in runs):
        detail = next((run.outcome.detail for run in runs if run.outcome.detail), "internal error")
        return EdgeStatus(ok=False, error_rate=1.0, kind="backend", error=detail)
    chaos = next(
        (c for pod in backends if (c := active_chaos(state, pod, at, kinds=("loss", "delay"))) is not None), None
    )
    if chaos is not None:
        action = chaos["spec"]["action"]
        if action == "loss":
            loss = float(chaos["spec"].get("loss", {}).get("loss", "99")) / 100
            return EdgeStatus(
                ok=False,
                error_rate=loss,
                kind="timeout",
                error=f"rpc error: code = DeadlineExceeded desc = context deadline exceeded ({callee})",
            )
        latency = _duration_ms(chaos["spec"].get("delay", {}).get("latency", "10s"))
        return EdgeStatus(ok=True, extra_latency_ms=latency, kind="slow")
    return flag_edge(state, caller, callee, at)


def _duration_ms(text: str) -> float:
    text = text.strip()
    for suffix, factor in (("ms", 1.0), ("s", 1000.0), ("m", 60_000.0)):
        if text.endswith(suffix):
            try:
                return float(text[: -len(suffix)]) * factor
            except ValueError:
                return 0.0
    return 0.0


# --- chaos experiments ----------------------------------------------------------------------------
def chaos_start(chaos: dict[str, Any]) -> float:
    """An experiment starts when it is created (Chaos Mesh injects at once)."""
    stamp = datetime.fromisoformat(chaos["metadata"]["creationTimestamp"].replace("Z", "+00:00"))
    return (stamp - EPOCH).total_seconds()


def chaos_end(chaos: dict[str, Any]) -> float:
    return chaos_start(chaos) + _duration_ms(chaos["spec"].get("duration", "200s")) / 1000


def active_chaos(state: ClusterState, pod: PodRecord, at: float, *, kinds: tuple[str, ...]) -> dict[str, Any] | None:
    visible = [*state.find("podchaos", pod.namespace), *state.find("networkchaos", pod.namespace)]
    for chaos in [*visible, *state.hidden_objects]:
        if chaos.get("kind") in ("PodChaos", "NetworkChaos"):
            spec = chaos["spec"]
            if spec.get("action") not in kinds:
                continue
            if not (chaos_start(chaos) <= at < chaos_end(chaos)):
                continue
            selector = spec.get("selector", {}).get("labelSelectors", {})
            if selector and all(pod.labels.get(key) == value for key, value in selector.items()):
                return chaos
    return None


# --- Astronomy Shop feature flags -----------------------------------------------------------------
def enabled_flags_in_config(state: ClusterState) -> set[str]:
    config = state.get("configmaps", state.app.namespace, "flagd-config")
    if config is None:
        return set()
    try:
        flags = json.loads(config.get("data", {}).get("demo.flagd.json", "{}")).get("flags", {})
    except (ValueError, AttributeError):
        return set()
    enabled = set()
    for name, flag in flags.items():
        if not isinstance(flag, dict) or flag.get("state") != "ENABLED":
            continue
        variant = flag.get("variants", {}).get(flag.get("defaultVariant"))
        if variant not in (False, None, 0, "off"):
            enabled.add(name)
    return enabled


def live_flags(state: ClusterState) -> frozenset[str]:
    """The flags flagd serves: those it loaded when it last started (it reads its config at start-up)."""
    for pod in state.pods_of("flagd"):
        run = pod.current_run
        if run is not None and run.finished_at is None:
            return frozenset(run.outcome.flags)
    return frozenset()


FLAG_EDGES: dict[str, tuple[str, float, float, str]] = {
    # flag: (service whose callers see it, error rate, extra latency ms, the error callers log)
    "adFailure": (
        "ad",
        0.1,
        0.0,
        "rpc error: code = Unavailable desc = GetAds failed: adFailure feature flag is enabled",
    ),
    "adHighCpu": ("ad", 0.0, 900.0, ""),
    "adManualGc": ("ad", 0.0, 1600.0, ""),
    "cartFailure": (
        "cart",
        0.5,
        0.0,
        "rpc error: code = FailedPrecondition desc = Can't access cart storage. EmptyCart failed",
    ),
    "paymentFailure": (
        "payment",
        0.5,
        0.0,
        "rpc error: code = Unknown desc = Payment request failed. Invalid token. app.loyalty.level=gold",
    ),
    "productCatalogFailure": (
        "product-catalog",
        0.3,
        0.0,
        "rpc error: code = Internal desc = Error: Product Catalog Fail Feature Flag Enabled",
    ),
    "recommendationCacheFailure": ("recommendation", 0.0, 1200.0, ""),
    "imageSlowLoad": ("frontend", 0.0, 5000.0, ""),
    "loadGeneratorFloodHomepage": (
        "frontend",
        0.05,
        700.0,
        "upstream connect error or disconnect/reset before headers",
    ),
    "kafkaQueueProblems": ("kafka", 0.0, 2500.0, ""),
}


def flag_edge(state: ClusterState, caller: str, callee: str, at: float) -> EdgeStatus:
    if state.app.name != "AstronomyShop":
        return OK_EDGE
    flags = live_flags(state)
    if "paymentUnreachable" in flags and caller == "checkout" and callee == "payment":
        return EdgeStatus(
            ok=False,
            error_rate=1.0,
            kind="connect",
            error=(
                "failed to charge card: could not charge the card: rpc error: code = Unavailable desc = "
                "connection error: "
                'desc = "transport: Error while dialing: dial tcp: lookup badAddress on 10.96.0.10:53: no such host"'
            ),
        )
    for flag in flags:
        target = FLAG_EDGES.get(flag)
        if target is None or target[0] != callee:
            continue
        _, rate, latency, error = target
        return EdgeStatus(ok=rate == 0.0, error_rate=rate, extra_latency_ms=latency, error=error, kind="flag")
    return OK_EDGE
