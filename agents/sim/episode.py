"""An episode: one problem on a fresh simulated cluster, its session handles, and its grade on submit.

``episode_start`` builds the application's cluster for a seed, injects the problem's fault and hands out
environment handles: read-only ones for Probes, read-write ones for the Executor. Every call on a handle is
a step: it moves the simulated clock on and is recorded. ``submit`` ends the episode and grades it.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from agents.cli.shell import Program, run_command_line
from agents.sim import engine, faults, grading, observability
from agents.sim.apps import app_spec
from agents.sim.bootstrap import cluster_build
from agents.sim.helm_cli import SimHelm
from agents.sim.kubectl import SimKubectl
from agents.sim.problems import Problem
from agents.sim.state import ClusterState

STEP_SECONDS = {
    "exec_shell": 3.0,
    "get_logs": 2.0,
    "get_metrics": 6.0,
    "read_metrics": 1.0,
    "get_traces": 6.0,
    "read_traces": 1.0,
}
MAX_SLEEP_SECONDS = 600.0
NO_SERVICE = "Error: Your service/namespace does not exist. Use kubectl to check."
ENDED = "Error: the episode has ended (submit was called); start a new one."


@dataclass
class ActionRecord:
    """One interface call as the episode saw it."""

    api: str
    args: tuple[Any, ...]
    output: str
    read_only: bool
    refused: bool = False
    wrote: bool = False
    sim_time: float = 0.0


@dataclass
class Episode:
    """A problem being worked on. Not thread-safe: one caller at a time (the platform serialises steps)."""

    problem: Problem
    seed: int
    leaks: bool
    state: ClusterState
    fault: faults.Fault
    started: float = field(default_factory=time.perf_counter)
    finished: bool = False
    steps: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    actions: list[ActionRecord] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)
    grade: grading.Grade | None = None

    def environment(self, *, read_only: bool) -> SimEnvironment:
        """A session handle; a read-only one cannot express a write (Probes get only these)."""
        return SimEnvironment(self, read_only=read_only)

    def record_tokens(self, *, tokens_in: int, tokens_out: int) -> None:
        self.tokens_in += tokens_in
        self.tokens_out += tokens_out

    def submit(self, solution: object = None) -> grading.Grade:
        """End the episode and grade the solution (mitigation: the state is checked, the argument ignored)."""
        if self.grade is not None:
            return self.grade
        self.steps += 1
        self.finished = True
        problem, fault = self.problem, self.fault
        app = self.state.app
        strict: bool | None = None
        if problem.task == "detection":
            success, details = grading.grade_detection(fault, solution)
        elif problem.task == "localization":
            success, details = grading.grade_localization(fault, app, problem.target, solution)
        elif problem.task == "analysis":
            success, details = grading.grade_analysis(fault, solution)
        else:
            success, strict, details = grading.grade_mitigation(fault, self.state, problem.target)
        self.grade = self._grade(success=success, strict=strict, submitted=True, details=details)
        return self.grade

    def abandon(self, reason: str) -> grading.Grade:
        """End without a submission (step budget spent, run cancelled): a failure, recorded as such."""
        if self.grade is None:
            self.finished = True
            strict = False if self.problem.task == "mitigation" else None
            self.grade = self._grade(success=False, strict=strict, submitted=False, details={"error": reason})
        return self.grade

    def _grade(self, *, success: bool, strict: bool | None, submitted: bool, details: dict[str, Any]) -> grading.Grade:
        return grading.Grade(
            problem_id=self.problem.problem_id,
            task=self.problem.task,
            success=success,
            strict_success=strict,
            submitted=submitted,
            details=details,
            steps=self.steps,
            tokens_in=self.tokens_in,
            tokens_out=self.tokens_out,
            wall_time_s=round(time.perf_counter() - self.started, 4),
            sim_time_s=round(self.state.clock.now, 1),
            seed=self.seed,
            leaks=self.leaks,
        )


class SimEnvironment:
    """The AIOpsLab interface over an episode's cluster (implements ``agents.environment.CloudEnvironment``)."""

    def __init__(self, episode: Episode, *, read_only: bool) -> None:
        self._episode = episode
        self._read_only = read_only
        state = episode.state
        self._programs: dict[str, Program] = {
            "kubectl": SimKubectl(state, read_only=read_only),
            "helm": SimHelm(state, read_only=read_only),
        }

    @property
    def read_only(self) -> bool:
        return self._read_only

    def _step(self, api: str, args: tuple[Any, ...]) -> bool:
        if self._episode.finished:
            return False
        self._episode.steps += 1
        state = self._episode.state
        engine.advance(state, to=state.clock.now + STEP_SECONDS.get(api, 1.0))
        return True

    def _record(
        self, api: str, args: tuple[Any, ...], output: str, *, refused: bool = False, wrote: bool = False
    ) -> str:
        self._episode.actions.append(
            ActionRecord(api, args, output, self._read_only, refused, wrote, self._episode.state.clock.now)
        )
        return output

    def _sleep(self, argvs: tuple[tuple[str, ...], ...]) -> None:
        """`sleep N` waits in simulated time (capped), so an agent can wait for a rollout or a back-off."""
        seconds = 0.0
        for argv in argvs:
            if argv and argv[0] == "sleep" and len(argv) > 1:
                try:
                    seconds += float(argv[1].rstrip("s"))
                except ValueError:
                    continue
        if seconds > 0:
            state = self._episode.state
            engine.advance(state, to=state.clock.now + min(seconds, MAX_SLEEP_SECONDS))

    def get_logs(self, namespace: str, service: str) -> str:
        if not self._step("get_logs", (namespace, service)):
            return ENDED
        state = self._episode.state
        app = state.app
        pods = [
            pod
            for pod in state.live_pods(namespace)
            if namespace == app.namespace and pod.labels.get(app.label_key) == service
        ]
        if not pods:
            return self._record("get_logs", (namespace, service), NO_SERVICE)
        text, error = observability.pod_logs(state, pods[0])
        return self._record("get_logs", (namespace, service), text if not error else NO_SERVICE)

    def get_metrics(self, namespace: str, duration: int = 5) -> str:
        if not self._step("get_metrics", (namespace, duration)):
            return ENDED
        state = self._episode.state
        folder = f"metrics_output/{namespace}/{state.clock.at(state.clock.now).strftime('%Y%m%dT%H%M%S')}"
        tables = observability.metrics_tables(state, namespace, max(1, int(duration)))
        for name, table in tables.items():
            self._episode.files[f"{folder}/{name}.csv"] = table.as_csv()
        listing = ", ".join(f"{name}.csv" for name in tables)
        return self._record(
            "get_metrics", (namespace, duration), f"Metrics data exported to directory: {folder}\nFiles: {listing}"
        )

    def read_metrics(self, file_path: str) -> str:
        return self._read_file("read_metrics", file_path)

    def get_traces(self, namespace: str, duration: int = 5) -> str:
        if not self._step("get_traces", (namespace, duration)):
            return ENDED
        state = self._episode.state
        table = observability.traces_table(state, namespace, max(1, int(duration)))
        path = f"traces_output/{namespace}/traces_{state.clock.at(state.clock.now).strftime('%Y%m%dT%H%M%S')}.csv"
        self._episode.files[path] = table.as_csv()
        note = "" if table.rows else " (no spans were sampled in the window)"
        return self._record("get_traces", (namespace, duration), f"Traces data exported to: {path}{note}")

    def read_traces(self, file_path: str) -> str:
        return self._read_file("read_traces", file_path)

    def _read_file(self, api: str, file_path: str) -> str:
        if not self._step(api, (file_path,)):
            return ENDED
        files = self._episode.files
        content = files.get(file_path)
        if content is None:
            matches = [path for path in files if path.endswith("/" + file_path.lstrip("/"))]
            content = files[matches[-1]] if matches else None
        if content is None:
            return self._record(
                api, (file_path,), f"Error: file {file_path} not found. Export it first with get_metrics or get_traces."
            )
        return self._record(api, (file_path,), content)

    def exec_shell(self, command: str, timeout: int = 30) -> str:
        if not self._step("exec_shell", (command,)):
            return ENDED
        outcome = run_command_line(command, programs=self._programs, read_only=self._read_only)
        self._sleep(outcome.argvs if not outcome.refused else ())
        return self._record("exec_shell", (command,), outcome.output, refused=outcome.refused, wrote=outcome.wrote)


def _plant(state: ClusterState, plant: Sequence[tuple[str, str]]) -> None:
    for component, text in plant:
        state.planted.append((component, text))
        for pod in state.pods_of(component):
            state.record_event(
                namespace=pod.namespace,
                kind="Pod",
                name=pod.name,
                uid=pod.uid,
                reason="Unhealthy",
                message=text,
                source="kubelet",
                type_="Warning",
            )


def episode_start(
    problem: Problem, *, seed: int | None = None, leaks: bool | None = None, plant: Sequence[tuple[str, str]] = ()
) -> Episode:
    """A fresh cluster for ``problem`` with its fault injected; same seed, same bytes.

    ``plant``: (component, text) pairs written into that component's log and as a Warning event on its pod,
    the way an attacker who controls a service's output would: for prompt-injection tests.
    """
    chosen_seed = seed if seed is not None else (problem.seed if problem.seed is not None else 0)
    chosen_leaks = leaks if leaks is not None else (problem.leaks if problem.leaks is not None else True)
    fault = faults.fault_get(problem.fault)
    app = app_spec(problem.app)
    fault.check(app=app, target=problem.target, task=problem.task, params=problem.params)
    state = cluster_build(app, seed=chosen_seed, leaks=chosen_leaks)
    fault.inject(state, problem.target, problem.params)
    _plant(state, plant)
    engine.advance(state, to=state.clock.now + 30.0 + state.rng("settle").uniform(0, 30))
    return Episode(problem=problem, seed=chosen_seed, leaks=chosen_leaks, state=state, fault=fault)


# --- resuming an episode in another process ---------------------------------------------------------------
# An episode is a deterministic function of its problem, seed, leaks, planted text and the calls made on it,
# so a worker that picks a run up again rebuilds it by replaying the calls: the journal is plain JSON, and
# each call's output digest proves the rebuilt cluster is the one the agents saw.

JOURNAL_APIS = frozenset(STEP_SECONDS)


class EpisodeDiverged(RuntimeError):
    """Replaying the journal gave another output than recorded (the simulator changed): cannot resume."""


def _digest(output: str) -> str:
    return hashlib.sha256(output.encode()).hexdigest()[:16]


def episode_journal(episode: Episode) -> list[dict[str, Any]]:
    """Every call made on the episode, in order, as JSON: api, arguments, handle kind, output digest."""
    return [
        {"api": a.api, "args": list(a.args), "read_only": a.read_only, "digest": _digest(a.output)}
        for a in episode.actions
    ]


def episode_resume(
    problem: Problem,
    *,
    seed: int,
    leaks: bool,
    journal: Sequence[dict[str, Any]],
    plant: Sequence[tuple[str, str]] = (),
) -> Episode:
    """The episode as it stood after the journal's calls; ``EpisodeDiverged`` if a call's output differs."""
    episode = episode_start(problem, seed=seed, leaks=leaks, plant=plant)
    handles = {True: episode.environment(read_only=True), False: episode.environment(read_only=False)}
    for index, entry in enumerate(journal):
        api = entry.get("api")
        if api not in JOURNAL_APIS:
            raise EpisodeDiverged(f"journal entry {index}: {api!r} is not an interface call")
        output = getattr(handles[bool(entry.get("read_only", True))], api)(*entry.get("args", ()))
        if _digest(output) != entry.get("digest"):
            raise EpisodeDiverged(f"journal entry {index} ({api}) gave another output than recorded")
    return episode
