"""kubectl's views of running pods: ``logs`` and ``top``. What the pods print and use comes from the
observability model (``agents.sim.observability``), which reads it off the state."""

from __future__ import annotations

from agents.cli.kubectl_args import KubectlCommand
from agents.cli.shell import ProgramResult
from agents.sim import engine, observability, rules
from agents.sim.kubectl.lookup import namespace_of, resolve_pod
from agents.sim.kubectl.replies import columns, fail, ok
from agents.sim.kubectl.selectors import selector_matches
from agents.sim.state import ClusterState, PodRecord


# --- logs -----------------------------------------------------------------------------------------
def run_logs(state: ClusterState, command: KubectlCommand, stdin: str) -> ProgramResult:
    pods, refused = _pods_to_log(state, command)
    if refused is not None:
        return refused
    container = command.flags.get("container")
    out, err = [], []
    for pod in pods[:5]:
        name = pod.template["spec"]["containers"][0]["name"]
        if container and container != name:
            err.append(f"error: container {container} is not valid for pod {pod.name}")
            continue
        tail = command.flags.get("tail")
        if tail is None and command.selector:
            tail = 10
        text, error = observability.pod_logs(
            state,
            pod,
            previous=bool(command.flags.get("previous")),
            tail=int(tail) if isinstance(tail, int) and tail >= 0 else None,
        )
        out.append(text)
        if error:
            err.append(error)
    stderr = "\n".join(err)
    return ProgramResult(
        stdout="".join(out), stderr=stderr + ("\n" if stderr else ""), exit_code=1 if err and not any(out) else 0
    )


def _pods_to_log(state: ClusterState, command: KubectlCommand) -> tuple[list[PodRecord], ProgramResult | None]:
    """The pods picked by -l (without a resource) or the one pod the resource leads to; else the answer."""
    namespace = namespace_of(command)
    if command.selector and not command.resources:
        pods = [pod for pod in state.live_pods(namespace) if selector_matches(command.selector, pod.labels)]
        return pods, None if pods else fail(f"No resources found in {namespace} namespace.", 0)
    if not command.resources:
        return [], fail("error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.")
    pod, error = resolve_pod(state, command.resources[0], command)
    if pod is None:
        return [], fail(error)
    return [pod], None


# --- top ------------------------------------------------------------------------------------------
def run_top(state: ClusterState, command: KubectlCommand, stdin: str) -> ProgramResult:
    if command.subverb in ("node", "nodes"):
        return _top_nodes(state)
    namespace = None if command.all_namespaces else namespace_of(command)
    header: tuple[str, ...] = ("NAME", "CPU(cores)", "MEMORY(bytes)")
    if command.all_namespaces:
        header = ("NAMESPACE", *header)
    lines: list[tuple[str, ...]] = [header]
    for pod in state.live_pods(namespace):
        if not engine.container_ready(pod):
            continue
        if command.selector and not selector_matches(command.selector, pod.labels):
            continue
        cpu, memory = _load(state, pod)
        row = (f"{int(cpu * 1000)}m", f"{int(memory)}Mi")
        lines.append(((pod.namespace, pod.name) if command.all_namespaces else (pod.name,)) + row)
    if len(lines) == 1:
        return fail(f"No resources found in {namespace} namespace.", 0)
    return ok(columns(lines))


def _top_nodes(state: ClusterState) -> ProgramResult:
    lines: list[tuple[str, ...]] = [("NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)")]
    for node in state.find("nodes"):
        pods = [pod for pod in state.live_pods() if pod.node == node["metadata"]["name"]]
        cpu = sum(_load(state, pod)[0] for pod in pods)
        memory = sum(_load(state, pod)[1] for pod in pods) + 600
        lines.append(
            (
                node["metadata"]["name"],
                f"{int(cpu * 1000) + 90}m",
                f"{int((cpu + 0.09) * 100 / 8)}%",
                f"{int(memory)}Mi",
                f"{int(memory * 100 / 32058)}%",
            )
        )
    return ok(columns(lines))


def _load(state: ClusterState, pod: PodRecord) -> tuple[float, float]:
    """The pod's CPU (cores) and memory (MiB) now."""
    return observability.pod_load(state, rules.component_of(state, pod), state.clock.now)
