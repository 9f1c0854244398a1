"""Run an agent over many simulated problems, K runs each, in parallel processes, and score the runs.

Each (problem, run) gets its own seed derived from the benchmark's seed, the problem id and the run number,
and its own fresh episode, so a result does not depend on which process ran it or in what order: for a
fixed seed and a deterministic backend the results are the same with one process or eight. Each worker
process builds its backend once from the configuration (a model is loaded once per process, not per run).
Results come back as plain data (grade, final state, steps); storing them is the caller's business.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

from agents.llm.base import LLMBackend
from agents.roles.decide import StepRecord
from agents.roles.memory import Knowledge
from agents.runtime.simulate import run_problem
from agents.sim.problems import Problem

_BACKENDS: dict[str, LLMBackend] = {}


@dataclass(frozen=True)
class RunTask:
    """One (problem, run) to do; picklable, so it can cross to a worker process."""

    problem: Problem
    run: int
    seed: int
    agent: str
    backend_config: Mapping[str, Any]
    knowledge: tuple[Knowledge, ...] = ()


@dataclass(frozen=True)
class RunDone:
    """What a worker sends back: plain data only."""

    problem: Problem
    run: int
    seed: int
    grade: dict[str, Any]
    state: dict[str, Any]
    steps: tuple[StepRecord, ...]
    wall_time_s: float
    backend: str
    model: str


def run_seed(seed: int, problem_id: str, run: int) -> int:
    """The seed of one run: stable across processes and Python versions."""
    digest = hashlib.sha256(f"{seed}:{problem_id}:{run}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


def _backend(config: Mapping[str, Any]) -> LLMBackend:
    from agents.llm.factory import backend_from_config

    key = repr(sorted(config.items()))
    if key not in _BACKENDS:
        _BACKENDS[key] = backend_from_config(config)
    return _BACKENDS[key]


def run_one(task: RunTask) -> RunDone:
    """Do one run (in whichever process)."""
    backend = _backend(task.backend_config)
    result = run_problem(task.problem, backend=backend, agent=task.agent, seed=task.seed, knowledge=task.knowledge)
    return RunDone(
        task.problem,
        task.run,
        task.seed,
        result.grade,
        result.state,
        result.steps,
        result.wall_time_s,
        backend.name,
        backend.model,
    )


def benchmark_tasks(
    problems: Sequence[Problem],
    *,
    runs: int,
    seed: int,
    agent: str,
    backend_config: Mapping[str, Any],
    knowledge: Sequence[Knowledge] = (),
) -> list[RunTask]:
    return [
        RunTask(problem, run, run_seed(seed, problem.problem_id, run), agent, dict(backend_config), tuple(knowledge))
        for problem in problems
        for run in range(runs)
    ]


def benchmark_run(
    tasks: Sequence[RunTask],
    *,
    jobs: int = 1,
    on_done: Callable[[RunDone], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> list[RunDone]:
    """Run every task (``jobs`` processes; 1 runs in this process); results in task order. ``should_stop``
    is asked after each run: when it says yes, runs not yet started are dropped (the ones under way finish)
    and only the runs done are returned."""
    done: dict[tuple[str, int], RunDone] = {}

    def collect(result: RunDone) -> None:
        done[(result.problem.problem_id, result.run)] = result
        if on_done is not None:
            on_done(result)

    def stopping() -> bool:
        return should_stop is not None and should_stop()

    if jobs <= 1:
        for task in tasks:
            if stopping():
                break
            collect(run_one(task))
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = [pool.submit(run_one, task) for task in tasks]
            for future in as_completed(futures):
                collect(future.result())
                if stopping():
                    for pending in futures:
                        pending.cancel()
                    break
    keys = [(task.problem.problem_id, task.run) for task in tasks]
    return [done[key] for key in keys if key in done]
