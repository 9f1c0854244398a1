"""Scenario files: a YAML file that poses a problem beyond the registry (a known fault on a new target,
another task for it, different parameters), checked against the fault library before it runs.

```yaml
id: target-port-home-timeline       # optional; defaults to the file's stem
description: target port misconfigured on the home timeline
app: SocialNetwork                   # HotelReservation | SocialNetwork | AstronomyShop
fault: k8s_target_port-misconfig     # a fault library name, as in problems.csv
target: home-timeline-service        # omitted only for faults without a target
task: mitigation                     # detection | localization | analysis | mitigation
params: {}                           # optional, passed to the fault
seed: 7                              # optional default seed of its episodes
leaks: false                         # optional: keep (true) or hide (false) the answer-revealing objects
```

Every error is a ``ScenarioError`` naming the file and the field: ``rate.yaml: fault: unknown fault 'foo'``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from agents.sim import faults
from agents.sim.apps import APPS
from agents.sim.problems import APP_NAMES, TASKS, Problem, problem_registry

REQUIRED_FIELDS = ("app", "fault", "task")
OPTIONAL_FIELDS = ("target", "params", "seed", "leaks", "id", "description")
_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


class ScenarioError(ValueError):
    """A scenario file that does not pose a valid problem; the message names the file and the field."""


def _read_mapping(text: str, *, name: str) -> Mapping[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None)
        raise ScenarioError(f"{name}: not valid YAML{where}{f': {problem}' if problem else ''}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{name}: expected a mapping of fields ({', '.join(REQUIRED_FIELDS)}, ...)")
    unknown = sorted(str(key) for key in data if key not in REQUIRED_FIELDS + OPTIONAL_FIELDS)
    if unknown:
        allowed = ", ".join(REQUIRED_FIELDS + OPTIONAL_FIELDS)
        raise ScenarioError(f"{name}: {unknown[0]}: unknown field; allowed: {allowed}")
    missing = [key for key in REQUIRED_FIELDS if key not in data]
    if missing:
        raise ScenarioError(f"{name}: {missing[0]}: required field missing")
    return data


def _choice(data: Mapping[str, Any], key: str, allowed: tuple[str, ...], *, name: str) -> str:
    value = data[key]
    if value not in allowed:
        raise ScenarioError(f"{name}: {key}: unknown {key} {value!r}; known: {', '.join(allowed)}")
    return str(value)


def _typed(data: Mapping[str, Any], key: str, kind: type, *, name: str) -> Any:
    value = data.get(key)
    # bool is an int in Python; a seed of `true` is a mistake, not 1.
    if value is not None and (not isinstance(value, kind) or (kind is int and isinstance(value, bool))):
        raise ScenarioError(f"{name}: {key}: expected {kind.__name__}, got {type(value).__name__} {value!r}")
    return value


def _target(data: Mapping[str, Any], app: str, *, name: str) -> str | None:
    target: str | None = _typed(data, "target", str, name=name)
    services = APPS[app].services
    if target is not None and target not in services:
        raise ScenarioError(f"{name}: target: {target!r} is no deployment of {app}; known: {', '.join(services)}")
    return target


def _params(data: Mapping[str, Any], *, name: str) -> dict[str, Any]:
    params = _typed(data, "params", dict, name=name) or {}
    bad = [key for key in params if not isinstance(key, str)]
    if bad:
        raise ScenarioError(f"{name}: params: keys must be strings, got {bad[0]!r}")
    return dict(params)


def _problem_id(data: Mapping[str, Any], *, name: str) -> str:
    problem_id = _typed(data, "id", str, name=name) or Path(name).stem
    if not _ID_PATTERN.match(problem_id):
        raise ScenarioError(f"{name}: id: {problem_id!r} must be letters, digits, '.', '_' or '-' (at most 128)")
    if problem_id in problem_registry():
        raise ScenarioError(f"{name}: id: {problem_id!r} is a registry problem; give the scenario its own id")
    return problem_id


def _check_fault(fault_name: str, *, app: str, target: str | None, task: str, params: dict[str, Any], name: str) -> str:
    """Validate the combination with the fault library and return the expected answer it grades against."""
    try:
        fault = faults.fault_get(fault_name)
    except faults.UnknownFault as exc:
        raise ScenarioError(f"{name}: fault: {exc}") from None
    if task not in fault.tasks:
        supported = ", ".join(known for known in TASKS if known in fault.tasks)
        raise ScenarioError(f"{name}: task: {fault_name} supports the tasks {supported}, not {task}")
    spec = APPS[app]
    try:
        fault.check(app=spec, target=target, task=task, params=params)
    except faults.FaultNotApplicable as exc:
        raise ScenarioError(f"{name}: {getattr(exc, 'field', None) or 'fault'}: {exc}") from None
    return fault.expected_answer(task=task, app=spec, target=target)


def scenario_parse(text: str, *, name: str) -> Problem:
    """The problem that scenario ``text`` poses; ``name`` (the file's name) prefixes every error."""
    data = _read_mapping(text, name=name)
    app = _choice(data, "app", APP_NAMES, name=name)
    task = _choice(data, "task", TASKS, name=name)
    fault_name = _typed(data, "fault", str, name=name)
    if not fault_name:
        raise ScenarioError(f"{name}: fault: required field is empty")
    target = _target(data, app, name=name)
    params = _params(data, name=name)
    seed = _typed(data, "seed", int, name=name)
    leaks = _typed(data, "leaks", bool, name=name)
    description = _typed(data, "description", str, name=name) or ""
    problem_id = _problem_id(data, name=name)
    expected = _check_fault(fault_name, app=app, target=target, task=task, params=params, name=name)
    return Problem(
        problem_id=problem_id,
        app=app,
        namespace=APPS[app].namespace,
        task=task,
        fault=fault_name,
        target=target,
        expected=expected,
        split="scenario",
        params=params,
        seed=seed,
        leaks=leaks,
        source=name,
        description=description,
    )


def scenario_load(path: Path | str) -> Problem:
    """Read and parse the scenario file at ``path``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"{path.name}: cannot read the file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{path.name}: not UTF-8 text") from None
    return scenario_parse(text, name=path.name)
