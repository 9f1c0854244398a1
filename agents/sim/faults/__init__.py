"""The fault library: each fault is a parameterised change to cluster state, with its graded answers.

A fault knows where it makes sense (which applications and which kind of target), how to inject itself
into a ``ClusterState``, what the four tasks' answers are, how AIOpsLab's lenient mitigation check and
our strict true-fix check read the state after ``submit()``, and what an expert (and a plausible wrong
expert) would type to fix it. Symptoms are never written here: they follow from the state (``rules``).

The package: ``base`` (the ``Fault`` type, tasks, errors, shared helpers), ``health`` (the graders'
state checks), one module per family of faults (``kubernetes``, ``mongodb``, ``application``, ``chaos``,
``flags``, ``noop``) and ``library`` (the registry by name).
"""

from agents.sim.faults.base import (
    ALL_TASKS,
    DETECT_LOCALIZE,
    TASKS,
    Fault,
    FaultNotApplicable,
    UnknownFault,
)
from agents.sim.faults.health import all_containers_ready, app_healthy, healthy_with_statuses, requests_succeed
from agents.sim.faults.library import FAULT_TYPES_FOR_TWINS, FAULTS, fault_get, fault_names

__all__ = [
    "ALL_TASKS",
    "DETECT_LOCALIZE",
    "FAULTS",
    "FAULT_TYPES_FOR_TWINS",
    "TASKS",
    "Fault",
    "FaultNotApplicable",
    "UnknownFault",
    "all_containers_ready",
    "app_healthy",
    "fault_get",
    "fault_names",
    "healthy_with_statuses",
    "requests_succeed",
]
