"""``kubectl rollout``: ``status`` and ``history`` read a Deployment's rollout; ``restart`` and ``undo``
change its pod template and the engine rolls it out. ``status`` waits the way kubectl does, by advancing
the simulated clock until the rollout completes or the timeout passes."""

from __future__ import annotations

import json
import re

from agents.cli.kubectl_args import KubectlCommand
from agents.cli.shell import ProgramResult
from agents.sim import engine, objects
from agents.sim.kubectl.lookup import namespace_of
from agents.sim.kubectl.replies import columns, fail, ok
from agents.sim.kubectl.writes import changed
from agents.sim.state import JSON, ClusterState

READ_SUBVERBS = frozenset({"status", "history"})


# --- status and history ---------------------------------------------------------------------------
def run_rollout_read(state: ClusterState, command: KubectlCommand, stdin: str) -> ProgramResult:
    ref = command.resources[0] if command.resources else None
    namespace = namespace_of(command)
    deployment = state.get("deployments", namespace, ref.name or "") if ref else None
    if ref is None or deployment is None:
        return fail(f'Error from server (NotFound): deployments.apps "{ref.name if ref else ""}" not found')
    name = ref.name or ""
    if command.subverb == "history":
        rows = [("REVISION", "CHANGE-CAUSE")] + [
            (str(revision), "<none>") for revision, _, _ in state.history.get((namespace, name), [])
        ]
        return ok(f"deployment.apps/{name} \n" + columns(rows) + "\n")
    return _wait_rolled_out(state, deployment, name, _seconds(str(command.flags.get("timeout") or "300s")))


def _wait_rolled_out(state: ClusterState, deployment: JSON, name: str, timeout: float) -> ProgramResult:
    """Advance the clock in 5 s steps until the Deployment is rolled out or ``timeout`` has passed."""
    lines: list[str] = []
    deadline = state.clock.now + timeout
    while True:
        status = objects.deployment_object(state, deployment)["status"]
        desired = int(deployment["spec"].get("replicas", 1) or 0)
        available = int(status.get("availableReplicas", 0))
        updated = int(status.get("updatedReplicas", 0))
        if available >= desired and updated >= desired and int(status.get("replicas", 0)) <= desired:
            lines.append(f'deployment "{name}" successfully rolled out')
            return ok("\n".join(lines))
        message = (
            f'Waiting for deployment "{name}" rollout to finish: '
            f"{available} of {desired} updated replicas are available..."
        )
        if not lines or lines[-1] != message:
            lines.append(message)
        if state.clock.now >= deadline:
            return ProgramResult(
                stdout="\n".join(lines) + "\n", stderr="error: timed out waiting for the condition\n", exit_code=1
            )
        engine.advance(state, to=min(deadline, state.clock.now + 5.0))


def _seconds(text: str) -> float:
    match = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?", text.strip())
    if not match or not any(match.groups()):
        return 300.0
    hours, minutes, seconds = (int(group or 0) for group in match.groups())
    return hours * 3600 + minutes * 60 + seconds


# --- restart and undo -----------------------------------------------------------------------------
def run_rollout_write(state: ClusterState, command: KubectlCommand, stdin: str) -> ProgramResult:
    targets, missing = _targets(state, command)
    if missing is not None:
        return missing
    namespace = namespace_of(command)
    results = []
    for name in targets:
        deployment = state.get("deployments", namespace, name)
        assert deployment is not None
        if command.subverb == "restart":
            template = deployment["spec"]["template"]
            template.setdefault("metadata", {}).setdefault("annotations", {})["kubectl.kubernetes.io/restartedAt"] = (
                state.clock.stamp(state.clock.now)
            )
            results.append(f"deployment.apps/{name} restarted")
        elif command.subverb == "undo":
            refused = _undo(state, command, deployment, name)
            if refused is not None:
                return refused
            results.append(f"deployment.apps/{name} rolled back")
        else:
            return fail(f'error: unknown command "rollout {command.subverb}"')
    changed(state)
    return ok("\n".join(results))


def _targets(state: ClusterState, command: KubectlCommand) -> tuple[list[str], ProgramResult | None]:
    """The Deployments named (every one of the namespace for a bare `deployment`); NotFound for a missing one."""
    namespace = namespace_of(command)
    targets = []
    for ref in command.resources:
        if ref.name is None:
            targets += [obj["metadata"]["name"] for obj in state.find("deployments", namespace)]
        elif state.get("deployments", namespace, ref.name) is None:
            return [], fail(f'Error from server (NotFound): deployments.apps "{ref.name}" not found')
        else:
            targets.append(ref.name)
    return targets, None


def _undo(state: ClusterState, command: KubectlCommand, deployment: JSON, name: str) -> ProgramResult | None:
    """Put back the previous (or --to-revision) template; the refusal when there is none."""
    history = state.history.get((namespace_of(command), name), [])
    wanted = command.flags.get("to-revision")
    previous = (
        [entry for entry in history if entry[0] == wanted] if isinstance(wanted, int) and wanted else history[-2:-1]
    )
    if not previous:
        return fail(
            f'error: no rollout history found for deployment "{name}"'
            if len(history) < 2
            else f"error: unable to find specified revision {wanted} in history"
        )
    deployment["spec"]["template"] = json.loads(json.dumps(previous[0][2]))
    return None
