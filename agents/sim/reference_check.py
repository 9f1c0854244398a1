"""Run call scripts in fresh episodes: one script (``manage.py sim solve``), or every problem's reference
script and its wrong twin (``manage.py sim check``, and the benchmark's self-test).

The sweep's contract: each reference script grades as a success (for mitigation, the strict "true fix"
check too) and each wrong twin grades as a failure (for mitigation, strictly: AIOpsLab's lenient check may
pass an unfixed state, so only the strict check is asked to refuse it). Pure Python: no Django.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

from agents.sim.calls import script_lines, turn_run
from agents.sim.episode import episode_start
from agents.sim.problems import TASKS, Problem
from agents.sim.reference import reference_script, wrong_script


@dataclass(frozen=True)
class ScriptStep:
    """One line of a script as it ran: its number, its text, and what the agent would have seen."""

    line: int
    source: str
    output: str


@dataclass(frozen=True)
class ScriptOutcome:
    """A script's run: its steps, the grade (``Grade.as_dict()``; ``submitted`` is false when the script
    never submitted), and how many lines after ``submit()`` were left unrun."""

    steps: tuple[ScriptStep, ...]
    grade: Mapping[str, Any]
    unrun_lines: int = 0

    @property
    def submitted(self) -> bool:
        return bool(self.grade.get("submitted"))


def script_run(
    problem: Problem,
    script: str,
    *,
    seed: int | None = None,
    read_only: bool = False,
    leaks: bool | None = None,
    on_step: Callable[[ScriptStep], None] | None = None,
) -> ScriptOutcome:
    """Run ``script`` (one call per line) in a fresh episode of ``problem`` until its ``submit()``. A
    malformed line is answered with AIOpsLab's parsing error and the run goes on, as an agent's would."""
    episode = episode_start(problem, seed=seed, leaks=leaks)
    env = episode.environment(read_only=read_only)
    lines = script_lines(script)
    steps: list[ScriptStep] = []
    for index, (number, source) in enumerate(lines):
        result = turn_run(source, env=env, episode=episode)
        steps.append(ScriptStep(number, source, result if isinstance(result, str) else "Submitted."))
        if on_step is not None:
            on_step(steps[-1])
        if not isinstance(result, str):
            return ScriptOutcome(tuple(steps), result.as_dict(), unrun_lines=len(lines) - index - 1)
    grade = episode.abandon("the script ended without submit()")
    return ScriptOutcome(tuple(steps), grade.as_dict())


@dataclass(frozen=True)
class CheckRow:
    """One problem's result in the sweep. ``wrong_passed`` is strict for mitigation."""

    problem_id: str
    task: str
    reference_passed: bool
    wrong_passed: bool
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.reference_passed and not self.wrong_passed

    @property
    def reason(self) -> str:
        """What went wrong, in words; empty when the row is ok."""
        if self.error is not None:
            return f"error: {self.error}"
        faults = []
        if not self.reference_passed:
            faults.append("reference script fails")
        if self.wrong_passed:
            faults.append("wrong twin passes")
        return "; ".join(faults)


@dataclass(frozen=True)
class TaskSummary:
    """The sweep's counts for one task."""

    task: str
    problems: int
    references_passed: int
    wrong_refused: int


@dataclass(frozen=True)
class CheckReport:
    """The whole sweep, rows in the order the problems were given."""

    rows: tuple[CheckRow, ...]

    @property
    def failures(self) -> tuple[CheckRow, ...]:
        return tuple(row for row in self.rows if not row.ok)

    @property
    def ok(self) -> bool:
        return not self.failures

    def by_task(self) -> list[TaskSummary]:
        """Counts per task, in TASKS order, for the tasks that occur."""
        summaries = []
        for task in TASKS:
            rows = [row for row in self.rows if row.task == task]
            if rows:
                passed = sum(row.reference_passed and row.error is None for row in rows)
                refused = sum(not row.wrong_passed and row.error is None for row in rows)
                summaries.append(TaskSummary(task, len(rows), passed, refused))
        return summaries


def _passed(grade: Mapping[str, Any], *, strict: bool) -> bool:
    if strict:
        return bool(grade.get("success")) and bool(grade.get("strict_success"))
    return bool(grade.get("success"))


def check_problem(problem: Problem) -> CheckRow:
    """Run ``problem``'s reference script and its wrong twin, each in a fresh episode."""
    mitigation = problem.task == "mitigation"
    try:
        reference = script_run(problem, reference_script(problem))
        wrong = script_run(problem, wrong_script(problem))
    except Exception as exc:  # a simulator bug must show as this problem's failure, not end the sweep
        return CheckRow(problem.problem_id, problem.task, False, False, error=f"{type(exc).__name__}: {exc}")
    wrong_passed = bool(wrong.grade.get("strict_success")) if mitigation else bool(wrong.grade.get("success"))
    return CheckRow(
        problem.problem_id,
        problem.task,
        reference_passed=_passed(reference.grade, strict=mitigation),
        wrong_passed=wrong_passed,
    )


def check_sweep(
    problems: Iterable[Problem], *, jobs: int = 1, on_row: Callable[[CheckRow], None] | None = None
) -> CheckReport:
    """Check every problem; ``jobs`` > 1 spreads them over that many processes. ``on_row`` hears of each
    row as it completes (for a progress bar); the report keeps the order of ``problems``."""
    todo = list(problems)
    rows: dict[int, CheckRow] = {}
    if jobs <= 1:
        for index, problem in enumerate(todo):
            rows[index] = check_problem(problem)
            if on_row is not None:
                on_row(rows[index])
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(check_problem, problem): index for index, problem in enumerate(todo)}
            for future in as_completed(futures):
                rows[futures[future]] = future.result()
                if on_row is not None:
                    on_row(rows[futures[future]])
    return CheckReport(tuple(rows[index] for index in range(len(todo))))
