"""The pod row: READY, STATUS and RESTARTS computed as kubectl's ``printPod`` does.

The STATUS cell (init containers, restartable sidecars, waiting and terminated reasons, deletion) is the
most intricate rule kubectl prints, and the one an agent reads most, so it has a module of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from agents.cli.durations import human_duration, parse_timestamp, seconds_between
from agents.cli.render.cells import JSONObj, as_int, dig, object_age, object_name


@dataclass
class _PodTally:
    reason: str
    restarts: int = 0
    ready: int = 0
    last_restart: datetime | None = None

    def saw_termination(self, status: JSONObj) -> None:
        finished = parse_timestamp(dig(status, "lastState", "terminated", "finishedAt"))
        if finished and (self.last_restart is None or finished > self.last_restart):
            self.last_restart = finished


def _terminated_reason(terminated: JSONObj, prefix: str = "") -> str:
    if terminated.get("reason"):
        return prefix + str(terminated["reason"])
    if terminated.get("signal"):
        return f"{prefix}Signal:{terminated['signal']}"
    return f"{prefix}ExitCode:{terminated.get('exitCode', 0)}"


def _restartable(container: JSONObj | None) -> bool:
    return bool(container) and dig(container, "restartPolicy") == "Always"


def _condition_true(pod: JSONObj, kind: str) -> bool:
    return any(c.get("type") == kind and c.get("status") == "True" for c in dig(pod, "status", "conditions") or [])


def _init_containers(pod: JSONObj, tally: _PodTally, sidecars: _PodTally) -> bool:
    """Walk init container statuses like printPod; True while the pod is still initializing."""
    specs = {c.get("name"): c for c in dig(pod, "spec", "initContainers") or []}
    for index, status in enumerate(dig(pod, "status", "initContainerStatuses") or []):
        tally.restarts += as_int(status.get("restartCount"))
        tally.saw_termination(status)
        restartable = _restartable(specs.get(status.get("name")))
        if restartable:
            sidecars.restarts += as_int(status.get("restartCount"))
            sidecars.saw_termination(status)
        terminated, waiting = dig(status, "state", "terminated"), dig(status, "state", "waiting")
        if terminated is not None and as_int(terminated.get("exitCode")) == 0:
            continue
        if restartable and status.get("started"):
            sidecars.ready += 1 if status.get("ready") else 0
            continue
        if terminated is not None:
            tally.reason = _terminated_reason(terminated, "Init:")
        elif waiting and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            tally.reason = "Init:" + waiting["reason"]
        else:
            tally.reason = f"Init:{index}/{len(specs)}"
        return True
    return False


def _app_containers(pod: JSONObj, tally: _PodTally) -> None:
    has_running = False
    for status in reversed(dig(pod, "status", "containerStatuses") or []):
        tally.restarts += as_int(status.get("restartCount"))
        tally.saw_termination(status)
        state = status.get("state") or {}
        waiting, terminated = state.get("waiting"), state.get("terminated")
        if waiting and waiting.get("reason"):
            tally.reason = waiting["reason"]
        elif terminated is not None:
            tally.reason = _terminated_reason(terminated)
        elif status.get("ready") and state.get("running") is not None:
            has_running = True
            tally.ready += 1
    if tally.reason == "Completed" and has_running:
        tally.reason = "Running" if _condition_true(pod, "Ready") else "NotReady"


def pod_summary(pod: JSONObj, now: datetime) -> tuple[str, str, str]:
    """READY, STATUS and RESTARTS of a pod, computed as kubectl's printPod does."""
    status = pod.get("status") or {}
    phase = status.get("phase") or ""
    tally = _PodTally(reason=status.get("reason") or phase)
    for condition in status.get("conditions") or []:
        if condition.get("type") == "PodScheduled" and condition.get("reason") == "SchedulingGated":
            tally.reason = "SchedulingGated"
    init_specs = dig(pod, "spec", "initContainers") or []
    total = len(dig(pod, "spec", "containers") or []) + sum(1 for c in init_specs if _restartable(c))
    sidecars = _PodTally(reason="")
    initializing = _init_containers(pod, tally, sidecars)
    tally.ready = sidecars.ready
    if not initializing or _condition_true(pod, "Initialized"):
        tally.restarts, tally.last_restart = sidecars.restarts, sidecars.last_restart
        _app_containers(pod, tally)
    if dig(pod, "metadata", "deletionTimestamp"):
        if status.get("reason") == "NodeLost":
            tally.reason = "Unknown"
        elif phase not in ("Succeeded", "Failed"):
            tally.reason = "Terminating"
    restarts = str(tally.restarts)
    if tally.restarts and tally.last_restart is not None:
        restarts += f" ({human_duration(seconds_between(tally.last_restart, now))} ago)"
    return f"{tally.ready}/{total}", tally.reason, restarts


def _pod_ip(pod: JSONObj) -> str:
    return str(dig(pod, "status", "podIPs", 0, "ip") or dig(pod, "status", "podIP") or "")


def _readiness_gates(pod: JSONObj) -> str:
    gates = dig(pod, "spec", "readinessGates") or []
    if not gates:
        return "<none>"
    conditions = {c.get("type"): c.get("status") for c in dig(pod, "status", "conditions") or []}
    passed = sum(1 for gate in gates if conditions.get(gate.get("conditionType")) == "True")
    return f"{passed}/{len(gates)}"


def pod_row(pod: JSONObj, now: datetime, wide: bool) -> list[str]:
    ready, status, restarts = pod_summary(pod, now)
    cells = [object_name(pod), ready, status, restarts, object_age(pod, now)]
    if wide:
        nominated = dig(pod, "status", "nominatedNodeName") or "<none>"
        node = dig(pod, "spec", "nodeName") or "<none>"
        cells += [_pod_ip(pod) or "<none>", node, nominated, _readiness_gates(pod)]
    return cells
