"""What every fault is made of: the ``Fault`` type, the tasks, the errors, and the helpers faults share.

A fault module (``kubernetes``, ``mongodb``, ``application``, ``chaos``, ``flags``, ``noop``) builds its
``Fault`` values from the callables typed here; target checks and state edits that more than one module
needs live here so that each fault module only holds what is particular to its faults.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from agents.sim import engine
from agents.sim.apps import AppSpec
from agents.sim.state import JSON, ClusterState

TASKS = ("detection", "localization", "analysis", "mitigation")
ALL_TASKS = frozenset(TASKS)
DETECT_LOCALIZE = frozenset(("detection", "localization"))

Inject = Callable[[ClusterState, str | None, Mapping[str, Any]], None]
TargetCheck = Callable[[AppSpec, str | None, Mapping[str, Any]], str | None]
Commands = Callable[[AppSpec, str | None, Mapping[str, Any]], list[str]]
StateCheck = Callable[[ClusterState, str | None], bool]


class UnknownFault(LookupError):
    """No fault by that name in the library."""


class FaultNotApplicable(ValueError):
    """The fault makes no sense for that application, target, task or parameters."""


@dataclass(frozen=True)
class Fault:
    """A fault type of the library. ``inject`` mutates state; the checks read it after submit."""

    name: str
    description: str
    tasks: frozenset[str]
    system_level: str | None
    fault_type: str | None
    inject: Inject
    target_check: TargetCheck
    fix_commands: Commands = field(default=lambda *_: [])
    wrong_fix_commands: Commands = field(default=lambda *_: [])
    lenient: StateCheck = field(default=lambda *_: False)
    strict: StateCheck = field(default=lambda *_: False)
    alternates: Callable[[AppSpec, str | None], tuple[str, ...]] = field(default=lambda *_: ())
    detected: bool = True
    lenient_wait: float = 0.0
    parameters: tuple[str, ...] = ()

    def check(self, *, app: AppSpec, target: str | None, task: str, params: Mapping[str, Any]) -> None:
        """Raise ``FaultNotApplicable`` with the reason when this combination makes no sense."""
        if task not in TASKS:
            raise FaultNotApplicable(f"unknown task {task!r}; one of {', '.join(TASKS)}")
        if task not in self.tasks:
            raise FaultNotApplicable(
                f"{self.name} supports the tasks {', '.join(t for t in TASKS if t in self.tasks)}, not {task}"
            )
        unknown = sorted(set(params) - set(self.parameters))
        if unknown:
            takes = f"it takes {', '.join(self.parameters)}" if self.parameters else "it takes none"
            raise FaultNotApplicable(f"{self.name}: unknown parameter(s) {', '.join(unknown)}; {takes}")
        reason = self.target_check(app, target, params)
        if reason:
            raise FaultNotApplicable(f"{self.name} on {app.name}: {reason}")

    def accepted_locations(self, app: AppSpec, target: str | None) -> tuple[str, ...]:
        return ((target,) if target else ()) + self.alternates(app, target)

    def expected_answer(self, *, task: str, app: AppSpec, target: str | None) -> str:
        """The answer in problems.csv's notation."""
        if task == "detection":
            return "Yes" if self.detected else "No"
        if task == "localization":
            return " or ".join(json.dumps([name]) for name in self.accepted_locations(app, target))
        if task == "analysis":
            return json.dumps({"system_level": self.system_level, "fault_type": self.fault_type}, separators=(",", ":"))
        return f"all containers ready; strict: the change undone ({self.description})"


# --- target checks --------------------------------------------------------------------------------
def needs_component(roles: tuple[str, ...], what: str) -> TargetCheck:
    """A target check: the target names a component of the application with one of ``roles``."""

    def check(app: AppSpec, target: str | None, params: Mapping[str, Any]) -> str | None:
        if not target:
            return f"needs a target ({what})"
        if not app.has(target):
            return f"{target!r} is not a service of {app.name}; its services: {', '.join(app.services)}"
        if app.component(target).role not in roles:
            return f"needs {what}; {target!r} is a {app.component(target).role} component"
        return None

    return check


def no_target(app: AppSpec, target: str | None, params: Mapping[str, Any]) -> str | None:
    return f"takes no target (the fault is namespace-wide or nothing), got {target!r}" if target else None


# --- state helpers --------------------------------------------------------------------------------
def changed(state: ClusterState) -> None:
    """Let the engine catch up with an edit of the desired state."""
    engine.reconcile(state)
    engine.retry_pending(state)


def restart_pods(state: ClusterState, owner: str) -> None:
    for pod in state.pods_of(owner):
        engine.pod_delete(state, pod)


def clients(app: AppSpec, database: str) -> list[str]:
    """The services of ``app`` that use ``database``."""
    return [component.name for component in app.components if component.database == database]


def container(deployment: JSON) -> JSON:
    """The first (the only) container of a Deployment's pod template."""
    first: JSON = deployment["spec"]["template"]["spec"]["containers"][0]
    return first


def bump(deployment: JSON) -> None:
    """Count a template change in the Deployment's generation."""
    deployment["metadata"]["generation"] = int(deployment["metadata"].get("generation", 1)) + 1


# --- shared fix commands --------------------------------------------------------------------------
def restart_wrong_fix(app: AppSpec, target: str | None, params: Mapping[str, Any]) -> list[str]:
    """The plausible wrong fix of a template or Service fault: restart the target and wait."""
    return [
        f"kubectl rollout restart deployment/{target} -n {app.namespace}",
        f"kubectl rollout status deployment/{target} -n {app.namespace} --timeout=60s",
    ]
