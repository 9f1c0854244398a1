"""The problem registry: AIOpsLab's 86 problems, read once from ``data/problems.csv``, and scenario files.

A problem is one fault on one target of one application, posed as one of four tasks. The registry rows are
carried verbatim from the shared CSV (AIOpsLab's registry with the AOI paper's train/test split); a scenario
file (``agents.sim.scenarios``) poses a new combination and is resolved by path. Pure Python: no Django.
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

TASKS = ("detection", "localization", "analysis", "mitigation")
APP_NAMES = ("HotelReservation", "SocialNetwork", "AstronomyShop")
SPLITS = ("train", "test", "scenario")
SCENARIO_SUFFIXES = (".yaml", ".yml")
CSV_COLUMNS = ("problem_id", "fault", "task", "app", "namespace", "target", "expected", "split")


@dataclass(frozen=True)
class Problem:
    """One posed problem. ``expected`` is the graded answer in problems.csv's wording; ``target`` is None
    only for faults without one (noop, redeploy_without_PV). ``seed`` and ``leaks`` are a scenario's
    defaults for its episodes (None: the episode's own defaults)."""

    problem_id: str
    app: str
    namespace: str
    task: str
    fault: str
    target: str | None
    expected: str
    split: str
    params: Mapping[str, Any] = field(default_factory=dict)
    seed: int | None = None
    leaks: bool | None = None
    source: str = "registry"
    description: str = ""

    def __post_init__(self) -> None:
        if self.app not in APP_NAMES:
            raise ValueError(f"{self.problem_id}: unknown app {self.app!r}; known: {', '.join(APP_NAMES)}")
        if self.task not in TASKS:
            raise ValueError(f"{self.problem_id}: unknown task {self.task!r}; known: {', '.join(TASKS)}")
        if self.split not in SPLITS:
            raise ValueError(f"{self.problem_id}: unknown split {self.split!r}; known: {', '.join(SPLITS)}")

    @property
    def prompt(self) -> str:
        """The task prompt an agent is given (``agents.sim.prompts``); it never names the fault or target."""
        # Imported here: the prompt reads the application catalogue, whose modules may import this registry.
        from agents.sim.prompts import task_prompt

        return task_prompt(self)


class UnknownProblem(LookupError):
    """No registered problem has this id (and it is no scenario file); the message lists close matches."""

    def __init__(self, ref: str, *, known: tuple[str, ...]) -> None:
        close = difflib.get_close_matches(ref, known, n=5, cutoff=0.6)
        hint = f"; close matches: {', '.join(close)}" if close else ""
        super().__init__(f"unknown problem {ref!r}{hint} (or give the path of a scenario .yaml file)")
        self.ref = ref
        self.close_matches = tuple(close)


def _problem_from_row(row: Mapping[str, str]) -> Problem:
    return Problem(
        problem_id=row["problem_id"],
        app=row["app"],
        namespace=row["namespace"],
        task=row["task"],
        fault=row["fault"],
        target=row["target"] or None,
        expected=row["expected"],
        split=row["split"],
    )


@functools.cache
def problem_registry() -> Mapping[str, Problem]:
    """Every registered problem by id, in the CSV's order. Read once; the mapping is read-only."""
    text = resources.files("agents.sim").joinpath("data/problems.csv").read_text(encoding="utf-8")
    # The csv module, not str.split: one expected answer (auth_miss_mongodb mitigation) holds a comma.
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != CSV_COLUMNS:
        raise ValueError(f"problems.csv has columns {reader.fieldnames}, expected {list(CSV_COLUMNS)}")
    problems: dict[str, Problem] = {}
    for row in reader:
        problem = _problem_from_row(row)
        if problem.problem_id in problems:
            raise ValueError(f"problems.csv lists {problem.problem_id!r} twice")
        problems[problem.problem_id] = problem
    return MappingProxyType(problems)


def problem_get(problem_id: str) -> Problem:
    """The registered problem ``problem_id``; UnknownProblem (with close matches) if there is none."""
    registry = problem_registry()
    try:
        return registry[problem_id]
    except KeyError:
        raise UnknownProblem(problem_id, known=tuple(registry)) from None


def _check_choice(name: str, value: str | None, allowed: tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        close = difflib.get_close_matches(value, allowed, n=3, cutoff=0.6)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise ValueError(f"unknown {name} {value!r}{hint}; known: {', '.join(allowed)}")


def problem_list(
    *, split: str | None = None, task: str | None = None, app: str | None = None, fault: str | None = None
) -> list[Problem]:
    """Registered problems matching every filter given, in the CSV's order. An unknown filter value is a
    ValueError naming the known ones, so a typo never reads as "no problems"."""
    registry = problem_registry()
    _check_choice("split", split, SPLITS)
    _check_choice("task", task, TASKS)
    _check_choice("app", app, APP_NAMES)
    _check_choice("fault", fault, tuple(dict.fromkeys(p.fault for p in registry.values())))
    return [
        problem
        for problem in registry.values()
        if (split is None or problem.split == split)
        and (task is None or problem.task == task)
        and (app is None or problem.app == app)
        and (fault is None or problem.fault == fault)
    ]


def problem_resolve(ref: str) -> Problem:
    """A registry id, or the path of a scenario file (.yaml/.yml). Raises UnknownProblem for neither, and
    ``agents.sim.scenarios.ScenarioError`` for a scenario file that does not hold a valid problem."""
    registry = problem_registry()
    if ref in registry:
        return registry[ref]
    path = Path(ref)
    if path.suffix.lower() in SCENARIO_SUFFIXES:
        from agents.sim.scenarios import scenario_load  # scenarios imports this module

        return scenario_load(path)
    raise UnknownProblem(ref, known=tuple(registry))
