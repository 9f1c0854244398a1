"""``kubectl logs`` of a simulated pod: which run is shown, how its lines are stamped and formatted.

A container's log is its start-up lines (decided when it started, ``rules.StartOutcome``) followed by what
it logs while serving (``request_logs``), each line formatted as its language's logger would.
"""

from __future__ import annotations

from agents.sim import rules
from agents.sim.apps import HOTEL_RESERVATION, MONGODB, Component
from agents.sim.observability.request_logs import LogEntry, request_lines
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


def _every(start: float, end: float, period: float) -> list[float]:
    count = max(0, int((end - start) // period) + 1)
    return [start + period * index for index in range(min(count, 20))]


def run_log_lines(state: ClusterState, pod: PodRecord, run: ContainerRun) -> list[str]:
    component = rules.component_of(state, pod)
    entries: list[LogEntry] = [
        (run.started_at + line.offset, line.level, line.text, line.source) for line in run.outcome.startup
    ]
    end = run.finished_at if run.finished_at is not None else state.clock.now
    serving_from = run.started_at + 3.0
    if end > serving_from:
        entries += request_lines(state, pod, run, max(serving_from, end - LOG_WINDOW), end)
    for index, (owner, text) in enumerate(state.planted):
        # Planted lines (prompt-injection tests) appear in the component's log, one every 30 s of its run.
        if component is not None and owner == component.name:
            entries += [
                (at, "error", text, component.binary or owner) for at in _every(run.started_at + 5 + index, end, 30.0)
            ]
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
