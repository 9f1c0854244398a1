"""Reference solutions: what an expert would type for each problem, and a plausible wrong twin.

The reference investigates where the fault shows (the fault library knows which fix it needs, the
investigation calls are the ones an SRE would make first) and submits the right answer or applies the
right fix. The wrong twin answers wrongly or applies the fix people get wrong (restarting the crashing
client of a database that revoked its role). ``sim check`` runs both for every problem: the reference
must pass, the twin must fail (strictly, for mitigation), or the graders do not discriminate.
"""

from __future__ import annotations

import json

from agents.sim.apps import APP, MONGODB, AppSpec, app_spec
from agents.sim.faults import FAULT_TYPES_FOR_TWINS, Fault, fault_get
from agents.sim.problems import Problem


def _call(name: str, *args: object) -> str:
    return f"{name}({', '.join(json.dumps(arg) for arg in args)})"


def _investigation(problem: Problem, app: AppSpec) -> list[str]:
    namespace = app.namespace
    calls = [_call("exec_shell", f"kubectl get pods -n {namespace} -o wide")]
    target = problem.target
    fault = problem.fault
    if fault.startswith("k8s_target_port") and target:
        calls.append(_call("exec_shell", f"kubectl describe service {target} -n {namespace}"))
        calls.append(_call("exec_shell", f"kubectl get endpoints {target} -n {namespace} -o yaml"))
    elif target and app.has(target) and app.component(target).role == MONGODB:
        clients = [c.name for c in app.components if c.database == target]
        calls.append(_call("get_logs", namespace, clients[0] if clients else target))
        calls.append(_call("exec_shell", f"kubectl logs deployment/{target} -n {namespace} --tail 20"))
    elif fault.startswith("astronomy_shop"):
        calls.append(_call("get_traces", namespace, 5))
        calls.append(_call("exec_shell", f"kubectl get configmap flagd-config -n {namespace} -o yaml"))
    elif fault.startswith("redeploy"):
        calls.append(_call("exec_shell", f"kubectl get pvc -n {namespace}"))
        calls.append(_call("exec_shell", "kubectl get pv"))
    elif target:
        calls.append(_call("exec_shell", f"kubectl describe deployment {target} -n {namespace}"))
        calls.append(_call("exec_shell", f"kubectl get events -n {namespace} --sort-by=.lastTimestamp"))
    else:
        calls.append(_call("get_metrics", namespace, 5))
    return calls


def _wrong_location(fault: Fault, app: AppSpec, target: str | None) -> str:
    accepted = set(fault.accepted_locations(app, target))
    for component in app.components:
        if component.role == APP and component.name not in accepted:
            return component.name
    return "consul"


def reference_script(problem: Problem) -> str:
    """Calls, one per line, that solve ``problem``."""
    app = app_spec(problem.app)
    fault = fault_get(problem.fault)
    lines = [f"# reference solution of {problem.problem_id}", *_investigation(problem, app)]
    if problem.task == "detection":
        lines.append(_call("submit", "Yes" if fault.detected else "No"))
    elif problem.task == "localization":
        lines.append(_call("submit", [fault.accepted_locations(app, problem.target)[0]]))
    elif problem.task == "analysis":
        lines.append(_call("submit", {"system_level": fault.system_level, "fault_type": fault.fault_type}))
    else:
        lines += [_call("exec_shell", command) for command in fault.fix_commands(app, problem.target, problem.params)]
        lines.append("submit()")
    return "\n".join(lines) + "\n"


def wrong_script(problem: Problem) -> str:
    """The same investigation ending in a wrong answer or a wrong fix."""
    app = app_spec(problem.app)
    fault = fault_get(problem.fault)
    lines = [f"# wrong twin of {problem.problem_id}", *_investigation(problem, app)]
    if problem.task == "detection":
        lines.append(_call("submit", "No" if fault.detected else "Yes"))
    elif problem.task == "localization":
        lines.append(_call("submit", [_wrong_location(fault, app, problem.target)]))
    elif problem.task == "analysis":
        wrong_type = next(kind for kind in FAULT_TYPES_FOR_TWINS if kind != fault.fault_type)
        lines.append(_call("submit", {"system_level": fault.system_level, "fault_type": wrong_type}))
    else:
        lines += [
            _call("exec_shell", command) for command in fault.wrong_fix_commands(app, problem.target, problem.params)
        ]
        lines.append("submit()")
    return "\n".join(lines) + "\n"
