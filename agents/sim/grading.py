"""Grading as AIOpsLab grades, plus the strict true-fix check for mitigation reported beside the lenient one."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from agents.sim import engine
from agents.sim.apps import AppSpec
from agents.sim.faults import Fault
from agents.sim.state import ClusterState

SYSTEM_LEVELS = ("Hardware", "Operating System", "Virtualization", "Application")
FAULT_TYPES = (
    "Misconfiguration",
    "Code Defect",
    "Authentication Issue",
    "Network/Storage Issue",
    "Operation Error",
    "Dependency Problem",
)


@dataclass(frozen=True)
class Grade:
    """One episode's result: AIOpsLab's fields, our strict check, and what the run cost."""

    problem_id: str
    task: str
    success: bool
    strict_success: bool | None
    submitted: bool
    details: dict[str, Any] = field(default_factory=dict)
    steps: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    wall_time_s: float = 0.0
    sim_time_s: float = 0.0
    seed: int = 0
    leaks: bool = True

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        details = data.pop("details")
        data.update(details)
        return data


def grade_detection(fault: Fault, solution: object) -> tuple[bool, dict[str, Any]]:
    expected = "Yes" if fault.detected else "No"
    if not isinstance(solution, str):
        return False, {"detection_correct": False, "error": 'Invalid format: detection expects "Yes" or "No"'}
    correct = solution.strip().lower() == expected.lower()
    return correct, {"detection_correct": correct, "expected": expected}


def grade_localization(fault: Fault, app: AppSpec, target: str | None, solution: object) -> tuple[bool, dict[str, Any]]:
    accepted = {name.lower() for name in fault.accepted_locations(app, target)}
    if isinstance(solution, str):
        solution = [solution]
    if not isinstance(solution, list | tuple) or not all(isinstance(item, str) for item in solution):
        return False, {
            "localization_accuracy": 0.0,
            "error": "Invalid format: localization expects a list of service names",
        }
    names = [item.strip().lower() for item in solution]
    hit = any(name in accepted for name in names)
    accuracy = round(100.0 / len(names), 2) if hit and names else 0.0
    success = hit and len(set(names)) == 1
    return success, {"localization_accuracy": accuracy, "expected": sorted(accepted)}


def grade_analysis(fault: Fault, solution: object) -> tuple[bool, dict[str, Any]]:
    if not isinstance(solution, dict):
        return False, {
            "system_level_correct": False,
            "fault_type_correct": False,
            "error": 'Invalid format: analysis expects {"system_level": ..., "fault_type": ...}',
        }
    level = str(solution.get("system_level", "")).strip().lower()
    kind = str(solution.get("fault_type", "")).strip().lower()
    level_ok = level == (fault.system_level or "").lower()
    kind_ok = kind == (fault.fault_type or "").lower()
    return level_ok and kind_ok, {"system_level_correct": level_ok, "fault_type_correct": kind_ok}


def grade_mitigation(fault: Fault, state: ClusterState, target: str | None) -> tuple[bool, bool, dict[str, Any]]:
    """(lenient, strict, details). The lenient check may wait, as AIOpsLab's wait_for_ready does."""
    lenient = fault.lenient(state, target)
    waited = 0.0
    while not lenient and waited < fault.lenient_wait:
        engine.advance(state, to=state.clock.now + 5.0)
        waited += 5.0
        lenient = fault.lenient(state, target)
    strict = fault.strict(state, target)
    return lenient, strict, {"lenient_success": lenient, "waited_s": waited}
