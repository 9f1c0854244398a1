"""How requests between services fare: ``edge_status`` for one call edge at one moment, and its memo.

Callers' logs, traces and request metrics all read these verdicts, so every symptom of a broken callee
agrees: a connection refused (``network``), a backend that is not serving or cannot use its database, a
Chaos Mesh experiment on the callee's pods, or an Astronomy Shop flag.
"""

from __future__ import annotations

from typing import Any

from agents.sim.apps import APP, HOTEL_RESERVATION, SOCIAL_NETWORK, Component
from agents.sim.rules.chaos import active_chaos, chaos_end, chaos_start, duration_ms
from agents.sim.rules.databases import mongo_client_failure
from agents.sim.rules.flags import flag_edge
from agents.sim.rules.network import ready_backends, service_reachable
from agents.sim.rules.outcomes import OK_EDGE, EdgeStatus
from agents.sim.state import ClusterState, PodRecord


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
    failing = _backend_failure(state, component, backends, at)
    if failing is not None:
        return failing
    chaos = next(
        (c for pod in backends if (c := active_chaos(state, pod, at, kinds=("loss", "delay"))) is not None), None
    )
    if chaos is not None:
        return _network_chaos_edge(chaos, callee)
    return flag_edge(state, caller, callee, at)


def _backend_failure(
    state: ClusterState, component: Component, backends: list[PodRecord], at: float
) -> EdgeStatus | None:
    """The callee is reached but cannot answer: not registered in consul, no database, or not serving."""
    app = state.app
    callee = component.name
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
    return None


def _network_chaos_edge(chaos: dict[str, Any], callee: str) -> EdgeStatus:
    """A NetworkChaos on the callee's pods: ``loss`` times calls out, ``delay`` slows them."""
    action = chaos["spec"]["action"]
    if action == "loss":
        loss = float(chaos["spec"].get("loss", {}).get("loss", "99")) / 100
        return EdgeStatus(
            ok=False,
            error_rate=loss,
            kind="timeout",
            error=f"rpc error: code = DeadlineExceeded desc = context deadline exceeded ({callee})",
        )
    latency = duration_ms(chaos["spec"].get("delay", {}).get("latency", "10s"))
    return EdgeStatus(ok=True, extra_latency_ms=latency, kind="slow")
