"""Run an agent on a simulated problem, in-process: episode, handles, gate, loop, grade.

This is what the benchmark calls for each (problem, run). Writes of the AOI Executor pass through the gate
it is given; in benchmark mode that is a ``PolicyGate``, an explicit, named policy that approves and is
recorded as the approver (the platform records it in the audit log). Steps go to the sink as they happen.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from agents.llm.base import LLMBackend
from agents.roles.decide import Budget, BudgetExceeded, Context, StepRecord, StepSink, TokenSink
from agents.roles.executor import GateDecision, WriteGate, WriteProposal
from agents.roles.memory import Knowledge
from agents.runtime.aoi import AOIRun, Handles, RunLimits
from agents.runtime.baseline import BaselineRun
from agents.sim.apps import app_spec
from agents.sim.episode import Episode, episode_start
from agents.sim.problems import Problem

AGENTS = ("aoi", "baseline")


@dataclass
class PolicyGate:
    """Benchmark-mode approval: an explicit policy approves every proposal, and says so in each decision."""

    name: str = "benchmark-policy"
    approved: list[WriteProposal] = field(default_factory=list)

    def submit(self, proposal: WriteProposal, ticket: str = "") -> GateDecision:
        self.approved.append(proposal)
        return GateDecision(approved=True, reason=f"approved by policy {self.name}")


@dataclass(frozen=True)
class ProblemRun:
    """The outcome of one agent run on one problem: the grade, the run's final state, its steps."""

    grade: dict[str, Any]
    state: dict[str, Any]
    steps: tuple[StepRecord, ...]
    wall_time_s: float
    episode: Episode


def incident_text(problem: Problem) -> str:
    """What the agents are told, as an on-call engineer would be: the application, nothing of the fault."""
    spec = app_spec(problem.app)
    return f"Check the {spec.name} application in namespace {spec.namespace}. {spec.summary}"


def run_problem(
    problem: Problem,
    *,
    backend: LLMBackend,
    agent: str = "aoi",
    seed: int | None = None,
    leaks: bool | None = None,
    gate: WriteGate | None = None,
    limits: RunLimits | None = None,
    budget: Budget | None = None,
    knowledge: Sequence[Knowledge] = (),
    sink: StepSink | None = None,
    on_token: TokenSink | None = None,
    plant: Sequence[tuple[str, str]] = (),
    incident: str | None = None,
) -> ProblemRun:
    """Run ``agent`` on a fresh episode of ``problem`` until it ends; grade it."""
    if agent not in AGENTS:
        raise ValueError(f"unknown agent {agent!r}; one of {', '.join(AGENTS)}")
    began = time.perf_counter()
    steps: list[StepRecord] = []

    def record(step: StepRecord) -> None:
        steps.append(step)
        if sink is not None:
            sink(step)

    episode = episode_start(problem, seed=seed, leaks=leaks, plant=plant)
    ctx = Context(backend=backend, sink=record, budget=budget or Budget(), on_token=on_token)
    state = _drive(
        problem, episode, ctx, agent, gate or PolicyGate(), limits, knowledge, incident or incident_text(problem)
    )
    episode.record_tokens(
        tokens_in=sum(step.tokens_in for step in steps), tokens_out=sum(step.tokens_out for step in steps)
    )
    if state["outcome"] in ("answered", "fixed", "submitted"):
        grade = episode.submit(state["submission"] if problem.task != "mitigation" else None).as_dict()
    else:
        grade = episode.abandon(str(state["outcome"])).as_dict()
    return ProblemRun(grade, state, tuple(steps), time.perf_counter() - began, episode)


def _drive(
    problem: Problem,
    episode: Episode,
    ctx: Context,
    agent: str,
    gate: WriteGate,
    limits: RunLimits | None,
    knowledge: Sequence[Knowledge],
    incident: str,
) -> dict[str, Any]:
    read = episode.environment(read_only=True)
    if agent == "baseline":
        baseline = BaselineRun.start(task=problem.task, namespace=problem.namespace, incident=incident)
        write = episode.environment(read_only=False)
        try:
            while not baseline.advance(ctx, write):
                pass
        except BudgetExceeded as error:
            baseline.finish(f"failed: {error}")
        return baseline.state
    run = AOIRun.start(task=problem.task, namespace=problem.namespace, incident=incident, limits=limits)
    handles = Handles(read=read, write=episode.environment(read_only=False), gate=gate, knowledge=knowledge)
    try:
        while not run.advance(ctx, handles):
            pass
    except BudgetExceeded as error:
        run.finish(f"failed: {error}")
    return run.state
